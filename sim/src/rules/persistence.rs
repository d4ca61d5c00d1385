//! Persistence by a scheduled task (ATT&CK T1053.005): with a session on the host, red
//! plants a task that starts its implant again. Blue's Remove kills red's removable
//! sessions, but when none is left the task brings one back at once (a `Technique` event
//! with outcome `Returned`); only a Restore (reimaging) removes the task.

use crate::engine::*;
use crate::model::RedKind;
use crate::trace::{EventKind, TechniqueOutcome};

impl Envs {
    pub(crate) fn persist(&mut self, st: &Static, e: usize, x: usize) -> u8 {
        let i = e * self.h + x;
        if self.sessions(i) == 0 {
            return RED_FALSE;
        }
        let k = RedKind::Persistence;
        let ok = self.rng_red[e].chance(st.red_success[k as usize]);
        if ok {
            self.intrusion.persistence[i] = true;
        }
        self.technique_done(e, k, x, ok)
    }

    /// After blue's Remove on `x`: a planted task brings a session back if none is left.
    pub(crate) fn persistence_returns(&mut self, e: usize, x: usize) {
        let i = e * self.h + x;
        if self.intrusion.on && self.intrusion.persistence[i] && self.sessions(i) == 0 {
            self.sessions.removable[i] = 1;
            self.emit(
                e,
                EventKind::Technique,
                x as u32,
                RedKind::Persistence as u32,
                TechniqueOutcome::Returned as u32,
            );
        }
    }
}
