//! What the goal-directed scripted reds (`adaptive`, `extortion`, `worm`) share in reading
//! their observation and choosing among hosts.

use mirrorlab_sim::layout::Layout;
use mirrorlab_sim::model::HostId;
use mirrorlab_sim::rng::Stream;

/// The sessions red's observation row shows on host `x`: 0 none, 1 user, 2 root/SYSTEM.
pub fn sessions_seen(l: &Layout, row: &[f32], x: usize) -> u8 {
    let r = l.red_obs_host(x);
    if row[r + 4] > 0.5 {
        2
    } else {
        (row[r + 3] > 0.5) as u8
    }
}

/// Refreshes `held` (one environment's sessions seen per host, as [`sessions_seen`]) from
/// red's observation row, calling `lost(x)` for each host where red saw a session last time
/// and sees none now (blue took it back).
pub fn refresh_held(l: &Layout, row: &[f32], held: &mut [u8], mut lost: impl FnMut(usize)) {
    for (x, h) in held.iter_mut().enumerate() {
        let now = sessions_seen(l, row, x);
        if *h > 0 && now == 0 {
            lost(x);
        }
        *h = now;
    }
}

/// Into `out` (cleared first), in host order, the hosts of `0..h` that `key` ranks highest
/// (None: not a candidate).
pub fn top_hosts(out: &mut Vec<HostId>, h: usize, key: impl Fn(usize) -> Option<u32>) {
    let mut top = 0;
    out.clear();
    for x in 0..h {
        if let Some(k) = key(x) {
            if out.is_empty() || k > top {
                top = k;
                out.clear();
            }
            if k == top {
                out.push(x as HostId);
            }
        }
    }
}

/// A uniform draw among `hosts` (None when there is none): one word of `rng` when there is.
pub fn draw(rng: &mut Stream, hosts: &[HostId]) -> Option<HostId> {
    if hosts.is_empty() {
        return None;
    }
    Some(hosts[rng.below(hosts.len() as u32) as usize])
}
