//! Impact (ATT&CK T1489, Service Stop): with a session on a host whose critical service red
//! has learned of (by escalating there), red stops the service; blue loses the host's
//! availability value every tick until a Restore starts it again.

use crate::engine::*;
use crate::model::Scenario;
use crate::trace::EventKind;

impl Envs {
    pub(crate) fn impact(&mut self, s: &Scenario, e: usize, x: u32) -> u8 {
        let i = e * self.h + x as usize;
        let host = &s.hosts[x as usize];
        if self.sessions(i) == 0
            || self.knowledge.hosts[i] & K_IMPACT == 0
            || !host.critical_service
        {
            return RED_FALSE;
        }
        let f = self.host_flags[i];
        if f & F_CRIT_LINKED != 0 && f & F_CRIT_RUNNING != 0 {
            self.host_flags[i] = f & !F_CRIT_RUNNING;
            self.emit(e, EventKind::ServiceStopped, x, 0, 0);
            if self.ledger[e].first_impact.is_none() {
                self.ledger[e].first_impact = Some(self.tick[e]);
            }
        }
        RED_TRUE
    }
}
