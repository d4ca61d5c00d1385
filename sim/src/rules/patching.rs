//! Patching (blue's `patch` tool; MITRE D3FEND D3-SU, software update): the host's services
//! are brought up to date, so every exploit of them fails for the rest of the episode (a
//! Restore installs the patched image). Decoys are not patched: they are meant to be hit. A
//! patch takes the time the scenario gives it, as a durative action.

use crate::engine::*;

impl Envs {
    pub(crate) fn patch(&mut self, e: usize, x: usize) -> bool {
        let i = e * self.h + x;
        let fresh = !self.defences.patched[i];
        self.defences.patched[i] = true;
        fresh
    }
}
