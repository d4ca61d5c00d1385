//! Deception: blue places a decoy service of a kind on a host (a free port, the right OS);
//! red's exploits that reach a decoy fail and are seen.

use crate::engine::*;
use crate::model::Scenario;
use crate::trace::EventKind;

impl Envs {
    pub(crate) fn place_decoy(&mut self, s: &Scenario, e: usize, k: usize, x: usize) -> bool {
        let kind = &s.decoys[k];
        let host = &s.hosts[x];
        if kind.os.is_some_and(|os| os != host.os) {
            return false;
        }
        let i = e * self.h + x;
        let nk = s.decoys.len();
        let port_bit = 1u64 << kind.checks_port;
        let image_busy = host
            .services
            .iter()
            .any(|v| v.port == Some(kind.checks_port));
        let decoy_busy = (0..nk).any(|d| {
            self.decoys[i * nk + d] > 0 && (1u64 << s.decoys[d].opens_port) & port_bit != 0
        });
        if image_busy || decoy_busy || self.decoys[i * nk + k] == u8::MAX {
            return false;
        }
        self.decoys[i * nk + k] += 1;
        if s.rules.own_decoy_masks_activity {
            // Blue's own new process entry: no connection, at the head of the host's list.
            let i = self.touch(e, x);
            if self.activity.entries[i] == 0 {
                self.activity.flags[i] |= EV_FIRST_DECOY;
            }
            self.activity.entries[i] = self.activity.entries[i].saturating_add(1);
        }
        self.emit(e, EventKind::DecoyPlaced, x as u32, k as u32, 0);
        true
    }
}
