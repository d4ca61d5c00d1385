//! Phishing (ATT&CK T1566): red sends a lure to the users of a host whose address it knows;
//! no route is needed (mail arrives from outside). If some green user works on the host and
//! takes the lure (the technique's success chance; a deep-fake lure, a cloned voice or face
//! of someone the user trusts, has its own, higher one), its payload runs as that user: red
//! gains a removable user session. The payload's call-back shows in blue's CAGE-2 monitoring
//! with the technique's detection chance (as an exploit's does with its own), and the
//! sensors see a new process at that factor of their rate. A lure nobody takes leaves
//! nothing on the host.

use crate::engine::*;
use crate::model::RedKind;
use crate::trace::EventKind;

impl Envs {
    pub(crate) fn phish(&mut self, st: &Static, e: usize, k: RedKind, x: usize) -> u8 {
        if !st.has_users[x] {
            return RED_FALSE;
        }
        let ok = self.rng_red[e].chance(st.red_success[k as usize]);
        if ok {
            let seen = self.rng_red[e].chance(st.red_detection[k as usize]);
            if seen {
                self.add_callback(e, x);
            }
            self.gain_user_session(e, x);
            self.emit(e, EventKind::Callback, x as u32, seen as u32, 0);
        }
        self.technique_done(e, k, x, ok)
    }
}
