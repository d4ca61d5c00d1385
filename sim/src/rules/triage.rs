//! Alert triage (blue's `triage` tool): an analyst investigates the host, its alerts and its
//! processes, and blue's compromise estimate for it becomes what is true: privileged, user,
//! or clean (CAGE-2's estimate values 3, 2, 0). It takes the time the scenario gives it.

use crate::engine::*;
use crate::trace::EventKind;

impl Envs {
    pub(crate) fn triage(&mut self, st: &Static, e: usize, x: usize) -> bool {
        let i = e * self.h + x;
        // Red's own foothold is not an intrusion into the network.
        let privileged = self.sessions.privileged[i] > st.base_sessions[x];
        let verdict = if privileged {
            3
        } else if self.sessions(i) > st.base_sessions[x] as u32 {
            2
        } else {
            0
        };
        self.belief[i] = verdict;
        self.emit(e, EventKind::Triaged, x as u32, verdict as u32, 0);
        true
    }
}
