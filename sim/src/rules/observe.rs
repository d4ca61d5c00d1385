//! What each side observes, written into the caller's buffers: blue's four values per host
//! (activity and compromise estimate) and alert bits, red's knowledge and sessions, red's
//! action mask; and the ground truth, which no agent observes.

use crate::engine::*;
use crate::layout::{alert, status};
use crate::model::{AlertKind, HostId, Scenario};

/// Blue's four observation values per host, indexed by `activity * 4 + estimate`:
/// activity None `0 0`, Scan `1 0`, Exploit `1 1`; estimate No `0 0`, Unknown `1 0`,
/// User `0 1`, Privileged `1 1` (CAGE-2 §5).
const BLUE_ROWS: [[f32; 4]; 12] = {
    let mut t = [[0.0; 4]; 12];
    let mut i = 0;
    while i < 12 {
        let (act, flag) = (i / 4, i % 4);
        t[i] = [
            (act >= 1) as u8 as f32,
            (act == 2) as u8 as f32,
            (flag & 1) as f32,
            (flag >> 1) as f32,
        ];
        i += 1;
    }
    t
};

/// Red's five observation values per host, indexed by knowledge bits (ip, ports, name),
/// `any session << 3` and `privileged session << 4`.
const RED_ROWS: [[f32; 5]; 32] = {
    let mut t = [[0.0; 5]; 32];
    let mut i = 0;
    while i < 32 {
        t[i] = [
            (i & K_IP as usize != 0) as u8 as f32,
            (i & K_PORTS as usize != 0) as u8 as f32,
            (i & K_NAME as usize != 0) as u8 as f32,
            (i >> 3 & 1) as f32,
            (i >> 4 & 1) as f32,
        ];
        i += 1;
    }
    t
};

/// The [`crate::layout::STATUS_VALUES`] of a side: input taken, action running.
#[inline]
fn write_status(obs: &mut [f32], bits: u8) {
    obs[0] = (bits & status::TAKEN != 0) as u8 as f32;
    obs[1] = (bits & status::RUNNING != 0) as u8 as f32;
}

impl Envs {
    /// Writes env `e`'s observations into the caller's rows.
    pub fn write_blue_obs(&self, s: &Scenario, e: usize, obs: &mut [f32], alerts: &mut [u8]) {
        let h = self.h;
        let base = e * h;
        for x in 0..h {
            let i = base + x;
            let (act, bits) = if self.activity.entries[i] > 0 {
                let act = self.activity(s, i);
                let pid = if self.activity.flags[i] & EV_PID != 0 {
                    alert::PROCESS
                } else {
                    0
                };
                let kind = [0, alert::SCAN, alert::EXPLOIT][act as usize];
                (act, alert::ANY | pid | kind)
            } else {
                (0, 0)
            };
            let row = &BLUE_ROWS[act as usize * 4 + (self.belief[i] & 3) as usize];
            obs[4 * x..4 * x + 4].copy_from_slice(row);
            alerts[x] = bits;
        }
        if self.alerts.on {
            let k = AlertKind::COUNT;
            let counts = &mut obs[4 * h..4 * h + 2 * k * h];
            let now = &self.alerts.now[base * k..(base + h) * k];
            let recent = &self.alerts.recent[base * k..(base + h) * k];
            // Per host: this tick's six counts, then the window's six.
            for ((row, now), recent) in counts
                .chunks_exact_mut(2 * k)
                .zip(now.chunks_exact(k))
                .zip(recent.chunks_exact(k))
            {
                let (this_tick, window) = row.split_at_mut(k);
                for (o, &n) in this_tick.iter_mut().zip(now) {
                    *o = n as f32;
                }
                for (o, &r) in window.iter_mut().zip(recent) {
                    *o = r as f32;
                }
            }
            write_status(&mut obs[4 * h + 2 * k * h..], self.turns.blue_status[e]);
        } else {
            write_status(&mut obs[4 * h..], self.turns.blue_status[e]);
        }
    }

    pub fn write_red_obs(&self, s: &Scenario, e: usize, obs: &mut [f32]) {
        let h = self.h;
        let ns = s.subnets.len();
        let r = self.turns.red_result[e];
        obs[0] = (r == RED_UNKNOWN) as u8 as f32;
        obs[1] = (r == RED_FALSE || r == RED_INVALID) as u8 as f32;
        obs[2] = (r == RED_TRUE) as u8 as f32;
        for sn in 0..ns {
            obs[3 + sn] = self.knowledge.subnets[e * ns + sn] as u8 as f32;
        }
        let rows = &mut obs[3 + ns..3 + ns + 5 * h];
        for (x, o) in rows.chunks_exact_mut(5).enumerate() {
            let i = e * h + x;
            let k = self.knowledge.hosts[i] & (K_IP | K_PORTS | K_NAME);
            let any = (self.sessions(i) > 0) as usize;
            let pr = (self.sessions.privileged[i] > 0) as usize;
            o.copy_from_slice(&RED_ROWS[k as usize | any << 3 | pr << 4]);
        }
        let mut at = 3 + ns + 5 * h;
        if self.intrusion.on {
            // Its footholds: valid accounts per subnet, then per host.
            let c = &self.intrusion.credentials[e * ns..(e + 1) * ns];
            for (o, &held) in obs[at..at + ns].iter_mut().zip(c) {
                *o = held as u8 as f32;
            }
            at += ns;
            for x in 0..h {
                let i = e * h + x;
                let ch = self.intrusion.channel[i];
                obs[at..at + 5].copy_from_slice(&[
                    (ch != CHANNEL_NONE) as u8 as f32,
                    (ch == CHANNEL_ENCRYPTED) as u8 as f32,
                    self.intrusion.exfiltrated[i] as u8 as f32,
                    self.intrusion.encrypted[i] as u8 as f32,
                    self.intrusion.persistence[i] as u8 as f32,
                ]);
                at += 5;
            }
        }
        write_status(&mut obs[at..], self.turns.red_status[e]);
    }

    pub fn write_red_mask(&self, s: &Scenario, st: &Static, e: usize, mask: &mut [u8]) {
        for (a, m) in mask.iter_mut().enumerate() {
            *m = st
                .layout
                .decode_red(a as u32)
                .is_some_and(|r| self.red_valid(s, e, r)) as u8;
        }
    }

    /// Ground truth of env `e`'s current episode.
    pub fn truth(&self, e: usize, launch: HostId) -> Vec<HostTruth> {
        let h = self.h;
        (0..h)
            .map(|x| {
                let i = e * h + x;
                let opt = |v: u32| (v != NONE).then_some(v);
                HostTruth {
                    compromised_at: opt(self.truth.compromised_at[i]),
                    via_exploit: opt(self.truth.via[i]),
                    from_host: opt(self.truth.compromised_at[i]).map(|_| launch),
                    privileged_at: opt(self.truth.privileged_at[i]),
                    sessions: (self.sessions(i)).min(255) as u8,
                    privileged_sessions: self.sessions.privileged[i],
                }
            })
            .collect()
    }

    /// Blue's compromise estimate per host (0 none, 1 unknown, 2 user, 3 privileged).
    pub fn blue_estimate(&self, e: usize) -> &[u8] {
        &self.belief[e * self.h..(e + 1) * self.h]
    }

    /// Whether host `x`'s critical service is running.
    pub fn service_running(&self, e: usize, x: usize) -> bool {
        self.host_flags[e * self.h + x] & F_CRIT_RUNNING != 0
    }
}
