//! Network isolation (blue's `isolate` tool; MITRE D3FEND D3-NI): the host is cut off the
//! network until blue restores it. While it is cut off, no traffic of red's reaches it or
//! leaves it: red's actions on it (scans, exploits, lures, logins, and what red would do
//! with a session there) come to nothing, a sweep does not find it, a session there opens no
//! `via` route, and green's users cannot work on it. Blue loses the host's availability
//! value every tick it is cut off. A Restore reconnects the reimaged host.

use crate::engine::*;
use crate::trace::EventKind;

impl Envs {
    pub(crate) fn isolate(&mut self, e: usize, x: usize) -> bool {
        let i = e * self.h + x;
        if self.defences.isolated[i] {
            return false;
        }
        self.defences.isolated[i] = true;
        self.emit(e, EventKind::Isolated, x as u32, 1, 0);
        true
    }
}
