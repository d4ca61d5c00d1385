//! What red's traffic reaches (routes, and `via` routes that need a session in a subnet;
//! never across the edge of a zone blue blocks) and what a host listens on (its image's
//! services and the decoys placed on it).

use crate::engine::*;
use crate::model::Scenario;

impl Envs {
    /// Current listening ports (mask) and connection count, decoys included.
    pub(crate) fn listening(&self, s: &Scenario, st: &Static, e: usize, host: usize) -> (u64, u16) {
        let mut mask = st.image_ports[host];
        let mut count = st.image_listens[host];
        let k = s.decoys.len();
        let base = (e * self.h + host) * k;
        for (d, kind) in s.decoys.iter().enumerate() {
            let c = self.decoys[base + d];
            if c > 0 {
                mask |= 1 << kind.opens_port;
                count += c as u16;
            }
        }
        (mask, count)
    }

    /// Whether red's traffic from its launch point reaches subnet `to` (a session on a host
    /// blue cut off the network carries none; no traffic crosses the edge of a zone blue
    /// blocks).
    pub(crate) fn routable_subnet(&self, s: &Scenario, st: &Static, e: usize, to: u32) -> bool {
        if to == st.launch_subnet {
            return true;
        }
        let d = &self.defences;
        if d.zone_blocked(e, to as usize) {
            return false;
        }
        s.routes.iter().any(|r| {
            r.from == st.launch_subnet
                && r.to == to
                && match r.via {
                    None => true,
                    Some(v) if d.zone_blocked(e, v as usize) => false,
                    Some(v) => s.subnets[v as usize].hosts.iter().any(|&x| {
                        let i = e * self.h + x as usize;
                        self.sessions(i) > 0 && !self.defences.cut_off(i)
                    }),
                }
        })
    }
}
