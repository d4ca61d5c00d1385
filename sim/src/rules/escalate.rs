//! Privilege escalation (ATT&CK T1068): a session on the host becomes privileged, and red
//! learns the addresses the host reveals and its subnet.

use crate::engine::*;
use crate::model::{HostId, Scenario};
use crate::trace::EventKind;

impl Envs {
    pub(crate) fn escalate(&mut self, s: &Scenario, e: usize, x: usize) -> u8 {
        let h = self.h;
        let i = e * h + x;
        let total = self.sessions(i);
        if total == 0 {
            return RED_FALSE;
        }
        let raised = if self.sessions.privileged[i] > 0 {
            false
        } else {
            let pick = self.rng_red[e].below(total);
            if pick < self.sessions.removable[i] as u32 {
                self.sessions.removable[i] -= 1;
            } else {
                self.sessions.persistent[i] -= 1;
            }
            self.sessions.privileged[i] += 1;
            self.host_flags[i] |= F_RED_FILE;
            true
        };
        let host = &s.hosts[x];
        for &r in &host.reveals {
            self.knowledge.hosts[e * h + r as usize] |= K_IP;
        }
        self.knowledge.subnets[e * s.subnets.len() + host.subnet as usize] = true;
        if host.critical_service {
            self.knowledge.hosts[i] |= K_IMPACT;
        }
        self.emit(e, EventKind::Escalated, x as u32, raised as u32, 0);
        self.note_privileged(s, e, x);
        RED_TRUE
    }

    /// Records red's first privileged session on `x`; the episode's first privileged access
    /// counts hosts other than red's own entry hosts.
    pub(crate) fn note_privileged(&mut self, s: &Scenario, e: usize, x: usize) {
        let i = e * self.h + x;
        if self.truth.privileged_at[i] == NONE {
            self.truth.privileged_at[i] = self.tick[e];
            self.host_flags[i] |= F_EVER_PRIVILEGED;
            if self.ledger[e].first_priv.is_none() && !s.red.entry.contains(&(x as HostId)) {
                self.ledger[e].first_priv = Some(self.tick[e]);
            }
        }
    }
}
