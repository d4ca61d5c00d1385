//! Command and control and exfiltration.
//!
//! - A channel (ATT&CK T1071, over an application-layer protocol) or an encrypted one
//!   (T1573) is opened from a host where red holds a session; an encrypted channel replaces
//!   a plain one. Its traffic is a `connection` for the network sensors, seen at the
//!   technique's detection factor times each sensor's true-positive rate.
//! - Exfiltration over the channel (T1041) needs a privileged session and a channel on the
//!   host, and data there not yet taken: blue loses the data's value once
//!   (confidentiality). Its traffic goes over the channel, so an encrypted channel's
//!   detection factor applies to it as well as exfiltration's own.
//!
//! A Restore closes the channel; stolen data stays stolen.

use crate::engine::*;
use crate::model::{RedKind, Scenario};

impl Envs {
    pub(crate) fn open_channel(&mut self, st: &Static, e: usize, k: RedKind, x: usize) -> u8 {
        let i = e * self.h + x;
        if self.sessions(i) == 0 {
            return RED_FALSE;
        }
        let ok = self.rng_red[e].chance(st.red_success[k as usize]);
        if ok {
            let c = if k == RedKind::EncryptedChannel {
                CHANNEL_ENCRYPTED
            } else {
                CHANNEL_PLAIN
            };
            self.intrusion.channel[i] = self.intrusion.channel[i].max(c);
        }
        self.technique_done(e, k, x, ok)
    }

    pub(crate) fn exfiltrate(&mut self, s: &Scenario, st: &Static, e: usize, x: usize) -> u8 {
        let i = e * self.h + x;
        let value = s.hosts[x].data_value;
        if self.sessions.privileged[i] == 0
            || self.intrusion.channel[i] == CHANNEL_NONE
            || value == 0
            || self.intrusion.exfiltrated[i]
        {
            return RED_FALSE;
        }
        let k = RedKind::Exfiltration;
        let ok = self.rng_red[e].chance(st.red_success[k as usize]);
        if ok {
            self.intrusion.exfiltrated[i] = true;
            let l = &mut self.ledger[e];
            l.pending_conf += value;
            l.data_exfiltrated += value as i64;
        }
        self.technique_done(e, k, x, ok)
    }
}
