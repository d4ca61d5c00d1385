//! Discovery: a ping sweep of a subnet red knows of (ATT&CK T1018, Remote System Discovery)
//! and a port scan of a host whose address it knows (T1046, Network Service Discovery).

use crate::engine::*;
use crate::model::Scenario;
use crate::trace::EventKind;

impl Envs {
    /// Learns the address of every host of subnet `x`, if red's traffic reaches it.
    pub(crate) fn discover_systems(&mut self, s: &Scenario, st: &Static, e: usize, x: u32) -> u8 {
        let h = self.h;
        if !self.routable_subnet(s, st, e, x) {
            self.emit(e, EventKind::Swept, x, 0, 0);
            return RED_FALSE;
        }
        let hosts = &s.subnets[x as usize].hosts;
        let mut found = 0;
        for &t in hosts {
            // A host cut off the network does not answer.
            if !self.defences.cut_off(e * h + t as usize) {
                self.knowledge.hosts[e * h + t as usize] |= K_IP;
                found += 1;
            }
        }
        self.emit(e, EventKind::Swept, x, found, 0);
        RED_TRUE
    }

    /// Learns host `x`'s listening ports (decoys included), if red's traffic reaches it; one
    /// scan event per listening connection.
    pub(crate) fn discover_services(&mut self, s: &Scenario, st: &Static, e: usize, x: u32) -> u8 {
        let h = self.h;
        let xi = x as usize;
        if self.routable_subnet(s, st, e, s.hosts[xi].subnet) {
            let (mask, _) = self.listening(s, st, e, xi);
            let n = self.add_scan_events(s, st, e, xi);
            self.knowledge.ports[e * h + xi] = mask;
            self.knowledge.hosts[e * h + xi] |= K_PORTS;
            self.emit(e, EventKind::Scanned, x, n as u32, 0);
        } else {
            self.emit(e, EventKind::Scanned, x, 0, 0);
        }
        // Always reports success, even when nothing was reachable (CAGE-2 §3.3).
        RED_TRUE
    }
}
