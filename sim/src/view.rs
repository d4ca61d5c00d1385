//! A typed view of one environment for viewers (the terminal UI): what is true of each host,
//! what blue believes, and what is in flight. Read-only; it exposes nothing of the engine's
//! layout, so the engine may change without breaking a viewer.

use crate::layout::BlueAction;

/// How far red has got on a host (ground truth), in kill-chain order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RedHold {
    /// Red knows nothing of the host.
    Unknown,
    /// Red knows its address (swept, or revealed).
    Discovered,
    /// Red knows its listening services (port-scanned).
    Scanned,
    /// Red holds an unprivileged session.
    User,
    /// Red holds root/SYSTEM.
    Privileged,
}

/// One host of one environment, now.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HostView {
    pub hold: RedHold,
    /// Red's permanent foothold (an entry host).
    pub entry: bool,
    /// The host's critical service is stopped (Impact).
    pub impacted: bool,
    /// Decoy kinds deployed on the host.
    pub decoys: u8,
    /// Blue's compromise estimate: 0 none, 1 unknown, 2 user, 3 privileged (CAGE-2's table).
    pub belief: u8,
    /// A durative blue Restore of this host is in flight.
    pub restoring: bool,
    /// Ransomware encrypted the host's data (until a Restore).
    pub encrypted: bool,
    /// Red stole the host's data (this episode).
    pub exfiltrated: bool,
    /// Blue cut the host off the network (until a Restore).
    pub isolated: bool,
    /// Blue patched the host's services (this episode).
    pub patched: bool,
    /// Blue blocks traffic between the host's zone and the others (its `block_zone` tool).
    pub zone_blocked: bool,
}

impl crate::Sim {
    /// Every host of slot `env`, in host order.
    pub fn host_views(&self, env: usize) -> Vec<HostView> {
        let s = self.scenario();
        let envs = self.envs_view();
        let h = envs.h;
        let pending = envs.turns.blue_pending[env].0;
        let restoring = match self.layout().decode_blue(pending) {
            Some(BlueAction::Restore(x)) => Some(x as usize),
            _ => None,
        };
        let k = s.decoys.len();
        (0..h)
            .map(|x| {
                let i = env * h + x;
                let know = envs.knowledge.hosts[i];
                let hold = if envs.sessions.privileged[i] > 0 {
                    RedHold::Privileged
                } else if envs.sessions.removable[i] as u32 + envs.sessions.persistent[i] as u32 > 0
                {
                    RedHold::User
                } else if know & crate::engine::K_PORTS != 0 {
                    RedHold::Scanned
                } else if know & crate::engine::K_IP != 0 {
                    RedHold::Discovered
                } else {
                    RedHold::Unknown
                };
                HostView {
                    hold,
                    entry: s.red.entry.contains(&(x as u32)),
                    impacted: s.hosts[x].critical_service && !envs.service_running(env, x),
                    decoys: envs.decoys[i * k..(i + 1) * k]
                        .iter()
                        .filter(|&&d| d != 0)
                        .count() as u8,
                    belief: envs.belief[i] & 3,
                    restoring: restoring == Some(x),
                    encrypted: envs.intrusion.on && envs.intrusion.encrypted[i],
                    exfiltrated: envs.intrusion.on && envs.intrusion.exfiltrated[i],
                    isolated: envs.defences.cut_off(i),
                    patched: envs.defences.on && envs.defences.patched[i],
                    zone_blocked: envs.defences.zone_blocked(env, s.hosts[x].subnet as usize),
                }
            })
            .collect()
    }
}

/// The running totals of slot `env`'s episode so far, in tenths of a reward point (CAGE-2's
/// score × 10). Blue's losses are positive numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ScoreView {
    /// Blue's score (its rewards summed; ≤ 0 in CAGE-2).
    pub blue: i64,
    pub red: i64,
    pub confidentiality_loss: i64,
    pub availability_loss: i64,
    pub action_cost: i64,
}

impl crate::Sim {
    /// The running totals of slot `env`'s current episode.
    pub fn score_view(&self, env: usize) -> ScoreView {
        let l = &self.envs_view().ledger[env];
        ScoreView {
            blue: l.blue,
            red: l.red,
            confidentiality_loss: l.conf,
            availability_loss: l.avail,
            action_cost: l.cost,
        }
    }
}
