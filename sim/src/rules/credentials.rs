//! Credentials: OS credential dumping (ATT&CK T1003) and lateral movement over remote
//! services (T1021) with the valid accounts it yields (T1078).
//!
//! - Dumping needs a privileged session on the host; it yields valid accounts for every
//!   host of the host's subnet (shared local-administrator credentials) and of the subnets
//!   of the hosts it `reveals` ([`Scenario::dumped_subnets`]).
//! - Lateral movement logs in to a host whose address red knows, with valid accounts for
//!   its subnet, over a route red's traffic has: a removable user session. A valid login
//!   looks like a user's: it leaves nothing in CAGE-2's monitoring table, only a `login`
//!   for the sensors. Dumped accounts stay valid after a Restore, until blue resets the
//!   accounts of their subnet (its `reset_credentials` tool).

use crate::engine::*;
use crate::model::{RedKind, Scenario};

impl Envs {
    pub(crate) fn dump_credentials(&mut self, s: &Scenario, st: &Static, e: usize, x: usize) -> u8 {
        let i = e * self.h + x;
        if self.sessions.privileged[i] == 0 {
            return RED_FALSE;
        }
        let k = RedKind::CredentialDumping;
        let ok = self.rng_red[e].chance(st.red_success[k as usize]);
        if ok {
            let ns = s.subnets.len();
            for &sn in &st.dumped_subnets[x] {
                self.intrusion.credentials[e * ns + sn as usize] = true;
            }
        }
        self.technique_done(e, k, x, ok)
    }

    pub(crate) fn move_laterally(&mut self, s: &Scenario, st: &Static, e: usize, x: usize) -> u8 {
        let subnet = s.hosts[x].subnet;
        if !self.intrusion.credentials[e * s.subnets.len() + subnet as usize]
            || !self.routable_subnet(s, st, e, subnet)
        {
            return RED_FALSE;
        }
        let k = RedKind::LateralMovement;
        let ok = self.rng_red[e].chance(st.red_success[k as usize]);
        if ok {
            self.gain_user_session(e, x);
        }
        self.technique_done(e, k, x, ok)
    }

    /// Blue's `reset_credentials` on host `x`: the accounts of its subnet are reset, so what
    /// red dumped for that subnet no longer works.
    pub(crate) fn reset_credentials(&mut self, s: &Scenario, e: usize, x: usize) -> bool {
        if !self.intrusion.on {
            return true;
        }
        self.intrusion.credentials[e * s.subnets.len() + s.hosts[x].subnet as usize] = false;
        true
    }
}
