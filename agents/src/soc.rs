//! A SOC playbook: a scripted defender that works the way a security operations centre
//! does, with whatever tools the scenario gives blue (`[blue.tools]`) and its sensors'
//! alerts. Each tick, first that applies:
//!
//! 1. A host blue believes compromised (a call-back its monitoring saw, or a triage that
//!    found red): block its zone's traffic to the others if it can and the zone is not
//!    blocked (quarantine the segment, so red spreads and exfiltrates no further; never the
//!    zone that holds most of the network's availability, whose block would cost more than
//!    it saves), then
//!    isolate the host if it can and has not, else restore it (a Restore also reconnects an
//!    isolated host); after a restore, reset the accounts red could have dumped there (its
//!    subnet's and those of the hosts it names), if it can.
//! 2. A zone it blocked that has been quiet for [`UNBLOCK_AFTER`] ticks (no host in it
//!    believed compromised, none alarming): triage each of its hosts not triaged since the
//!    block began, if it can (a session red could not use while the zone was blocked is
//!    quiet, not gone), then lift the block (it costs the zone's availability every tick).
//! 3. A host whose alerts over the window reach [`TRIAGE_AT`] (process and service alerts
//!    count [`STRONG`] each, others one): triage it if it can (the verdict is what 1 reads),
//!    at most once every [`RETRIAGE_AFTER`] ticks; without triage, alerts that high count as
//!    a compromise.
//! 4. A quiet tick (no alert anywhere, nothing seen by its monitoring): patch the next host
//!    with listening services, the most valuable first, if it can.
//! 5. Else monitor.
//!
//! What it may use: its own observation (the compromise estimate and activity per host, the
//! alert counts, the action status) and the scenario's published facts (hosts, their services
//! and values, which tools blue has); never red's actions or the ground truth. It waits on
//! its durative actions, as a learned policy can. Without tools and sensors it is a
//! restore-on-call-back defender, like `react-restore`.

use mirrorlab_sim::layout::{BLUE_ALERT_VALUES_PER_HOST, BLUE_OBS_PER_HOST, BlueAction, Layout};
use mirrorlab_sim::model::{AlertKind, BlueKind, HostId, Scenario};

use crate::{Agent, Obs, Side};

/// Weighted alerts over the window at which a host is triaged.
pub const TRIAGE_AT: u32 = 4;
/// Weight of a process or service alert (an EDR's strongest signals); other kinds weigh 1.
pub const STRONG: u32 = 2;
/// Ticks before a host that was triaged may be triaged again.
pub const RETRIAGE_AFTER: u32 = 10;
/// Ticks a blocked zone must stay quiet before the block is lifted.
pub const UNBLOCK_AFTER: u32 = 5;

pub struct Soc {
    h: usize,
    /// Hosts to patch in order (most valuable first; hosts that listen on something).
    patch_order: Vec<HostId>,
    entry: Vec<bool>,
    has: [bool; BlueKind::COUNT],
    /// Per host: the subnets whose accounts a credential dump there would give red.
    accounts: Vec<Vec<usize>>,
    /// Per subnet: a host of it (not red's) to reset its accounts or block it through.
    subnet_host: Vec<Option<HostId>>,
    /// Per subnet: a zone it may quarantine: red does not start there (blocking it would do
    /// nothing), and its hosts' availability, lost while it is blocked, is less than the rest
    /// of the network's (it is not where the crown jewels are).
    blockable: Vec<bool>,
    /// Per host: its subnet.
    zone_of: Vec<usize>,
    ns: usize,
    // Memory, per env × host.
    isolated: Vec<bool>,
    patched: Vec<bool>,
    /// Per env × subnet: its accounts are to be reset (red may have dumped them on a host it
    /// held: that host's subnet's and those of the hosts its configuration names).
    reset_due: Vec<bool>,
    /// Per env × subnet: tick + 1 since which a blocked zone has been quiet (0: not blocked),
    /// and tick + 1 when the block began.
    blocked: Vec<u32>,
    block_began: Vec<u32>,
    /// Tick + 1 of the last triage and of the last restore (0: never).
    triaged: Vec<u32>,
    restored: Vec<u32>,
    /// The scenario's alert window (ticks): alerts from before a restore stay in it.
    window: u32,
    // Per env.
    tick: Vec<u32>,
}

impl Soc {
    pub fn new(s: &Scenario, n: usize) -> Soc {
        let l = Layout::new(s);
        let h = s.hosts.len();
        let mut entry = vec![false; h];
        for &x in &s.red.entry {
            entry[x as usize] = true;
        }
        let mut patch_order: Vec<HostId> = (0..h as HostId)
            .filter(|&x| {
                let host = &s.hosts[x as usize];
                !entry[x as usize] && host.services.iter().any(|v| v.port.is_some())
            })
            .collect();
        let value = |x: HostId| {
            let host = &s.hosts[x as usize];
            host.confidentiality + host.availability + host.data_value
        };
        // Most valuable first; host order breaks ties (a stable sort).
        patch_order.sort_by_key(|&x| std::cmp::Reverse(value(x)));
        Soc {
            h,
            patch_order,
            entry,
            has: BlueKind::ALL.map(|k| l.blue_has(k)),
            isolated: vec![false; n * h],
            patched: vec![false; n * h],
            reset_due: vec![false; n * s.subnets.len()],
            accounts: (0..h)
                .map(|x| {
                    s.dumped_subnets(x)
                        .into_iter()
                        .map(|sn| sn as usize)
                        .collect()
                })
                .collect(),
            subnet_host: s
                .subnets
                .iter()
                .map(|sn| sn.hosts.iter().copied().find(|x| !s.red.entry.contains(x)))
                .collect(),
            blockable: {
                let avail = |sn: usize| -> i64 {
                    s.subnets[sn]
                        .hosts
                        .iter()
                        .map(|&x| s.hosts[x as usize].availability as i64)
                        .sum()
                };
                let total: i64 = (0..s.subnets.len()).map(avail).sum();
                (0..s.subnets.len())
                    .map(|sn| {
                        !s.red
                            .entry
                            .iter()
                            .any(|&x| s.hosts[x as usize].subnet as usize == sn)
                            && avail(sn) * 2 < total
                    })
                    .collect()
            },
            zone_of: s.hosts.iter().map(|x| x.subnet as usize).collect(),
            blocked: vec![0; n * s.subnets.len()],
            block_began: vec![0; n * s.subnets.len()],
            ns: s.subnets.len(),
            triaged: vec![0; n * h],
            restored: vec![0; n * h],
            window: s.alert_window.max(1),
            tick: vec![0; n],
        }
    }

    fn choose(&mut self, e: usize, l: &Layout, row: &[f32], bits: &[u8]) -> BlueAction {
        let (h, t) = (self.h, self.tick[e]);
        let tool = |k: BlueKind, x: usize| BlueAction::Tool(k, x as HostId);
        let belief = |x: usize| {
            let r = BLUE_OBS_PER_HOST * x;
            row[r + 2] as u8 + 2 * row[r + 3] as u8
        };
        let weighted = |x: usize| -> u32 {
            if l.blue_alert_values == 0 {
                return 0;
            }
            let window = &row[l.blue_alert_counts(x) + AlertKind::COUNT..][..AlertKind::COUNT];
            AlertKind::ALL
                .iter()
                .map(|&k| {
                    let w = match k {
                        AlertKind::Process | AlertKind::Service => STRONG,
                        _ => 1,
                    };
                    window[k as usize] as u32 * w
                })
                .sum()
        };
        debug_assert_eq!(BLUE_ALERT_VALUES_PER_HOST, 2 * AlertKind::COUNT);
        // 1. Contain and recover what is believed compromised.
        for x in (0..h).filter(|&x| !self.entry[x]) {
            let i = e * h + x;
            // Without triage, many alerts are taken as a compromise, once per window (the
            // alerts that led to a restore stay in the window for a while).
            let last = self.restored[i];
            let alarmed = !self.has[BlueKind::Triage as usize]
                && weighted(x) >= TRIAGE_AT
                && (last == 0 || t + 1 >= last + self.window);
            if belief(x) >= 2 || alarmed {
                let z = e * self.ns + self.zone_of[x];
                if self.has[BlueKind::BlockZone as usize]
                    && self.blockable[self.zone_of[x]]
                    && self.blocked[z] == 0
                {
                    self.blocked[z] = t + 1;
                    self.block_began[z] = t + 1;
                    return tool(BlueKind::BlockZone, x);
                }
                if self.blocked[z] != 0 {
                    self.blocked[z] = t + 1; // not quiet
                }
                if self.has[BlueKind::Isolate as usize] && !self.isolated[i] {
                    self.isolated[i] = true;
                    return tool(BlueKind::Isolate, x);
                }
                self.isolated[i] = false;
                self.restored[i] = t + 1;
                if self.has[BlueKind::ResetCredentials as usize] {
                    for &sn in &self.accounts[x] {
                        self.reset_due[e * self.ns + sn] = true;
                    }
                }
                return BlueAction::Restore(x as HostId);
            }
        }
        // 2. Lift a block once its zone has been quiet for a while.
        for sn in 0..self.ns {
            let z = e * self.ns + sn;
            if self.blocked[z] == 0 {
                continue;
            }
            let loud = (0..h).any(|x| self.zone_of[x] == sn && weighted(x) >= TRIAGE_AT);
            if loud {
                self.blocked[z] = t + 1;
            } else if t + 1 >= self.blocked[z] + UNBLOCK_AFTER {
                // Sweep the zone before lifting the block.
                if self.has[BlueKind::Triage as usize]
                    && let Some(x) = (0..h).find(|&x| {
                        self.zone_of[x] == sn
                            && !self.entry[x]
                            && self.triaged[e * h + x] < self.block_began[z]
                    })
                {
                    self.triaged[e * h + x] = t + 1;
                    return tool(BlueKind::Triage, x);
                }
                if let Some(x) = self.subnet_host[sn] {
                    self.blocked[z] = 0;
                    return tool(BlueKind::BlockZone, x as usize);
                }
            }
        }
        if let Some(sn) = (0..self.ns).find(|&sn| self.reset_due[e * self.ns + sn]) {
            self.reset_due[e * self.ns + sn] = false;
            if let Some(x) = self.subnet_host[sn] {
                return tool(BlueKind::ResetCredentials, x as usize);
            }
        }
        // 3. Triage what the sensors point at.
        if self.has[BlueKind::Triage as usize] {
            let due = (0..h)
                .filter(|&x| {
                    let last = self.triaged[e * h + x];
                    !self.entry[x]
                        && weighted(x) >= TRIAGE_AT
                        && (last == 0 || t + 1 >= last + RETRIAGE_AFTER)
                })
                .max_by_key(|&x| (weighted(x), std::cmp::Reverse(x)));
            if let Some(x) = due {
                self.triaged[e * h + x] = t + 1;
                return tool(BlueKind::Triage, x);
            }
        }
        // 4. Patch in quiet periods.
        let quiet = bits.iter().all(|&b| b == 0)
            && (l.blue_alert_values == 0
                || (0..h).all(|x| {
                    row[l.blue_alert_counts(x)..][..AlertKind::COUNT]
                        .iter()
                        .all(|&c| c == 0.0)
                }));
        if quiet
            && self.has[BlueKind::Patch as usize]
            && let Some(&x) = self
                .patch_order
                .iter()
                .find(|&&x| !self.patched[e * h + x as usize])
        {
            self.patched[e * h + x as usize] = true;
            return tool(BlueKind::Patch, x as usize);
        }
        BlueAction::Monitor
    }
}

impl Agent for Soc {
    fn side(&self) -> Side {
        Side::Blue
    }
    fn name(&self) -> &str {
        "soc"
    }
    fn reset(&mut self, env: usize, _episode: u64) {
        let h = self.h;
        let r = env * h..(env + 1) * h;
        self.isolated[r.clone()].fill(false);
        self.blocked[env * self.ns..(env + 1) * self.ns].fill(0);
        self.block_began[env * self.ns..(env + 1) * self.ns].fill(0);
        self.patched[r.clone()].fill(false);
        self.reset_due[env * self.ns..(env + 1) * self.ns].fill(false);
        self.triaged[r.clone()].fill(0);
        self.restored[r].fill(0);
        self.tick[env] = 0;
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        let l = obs.layout;
        let h = self.h;
        for (e, a) in actions.iter_mut().enumerate() {
            self.tick[e] += 1;
            if obs.status(e).running {
                // The action in flight must finish first: this input would be ignored.
                *a = l.encode_blue(BlueAction::Monitor);
                continue;
            }
            let act = self.choose(e, l, obs.row(e), &obs.alerts[e * h..(e + 1) * h]);
            *a = l.encode_blue(act);
        }
    }
}
