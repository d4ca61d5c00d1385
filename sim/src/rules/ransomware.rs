//! Data encrypted for impact (ATT&CK T1486): with a privileged session, red's ransomware
//! encrypts the host's data. Blue loses the data's value once (what is not in a backup),
//! and the host's availability value every tick until a Restore (recovery from backup)
//! brings it back, as for a stopped critical service (counted once if both).

use crate::engine::*;
use crate::model::{RedKind, Scenario};

impl Envs {
    pub(crate) fn encrypt_for_impact(
        &mut self,
        s: &Scenario,
        st: &Static,
        e: usize,
        x: usize,
    ) -> u8 {
        let i = e * self.h + x;
        if self.sessions.privileged[i] == 0 || self.intrusion.encrypted[i] {
            return RED_FALSE;
        }
        let k = RedKind::Ransomware;
        let ok = self.rng_red[e].chance(st.red_success[k as usize]);
        if ok {
            self.intrusion.encrypted[i] = true;
            let l = &mut self.ledger[e];
            l.pending_avail += s.hosts[x].data_value;
            l.hosts_encrypted += 1;
        }
        self.technique_done(e, k, x, ok)
    }
}
