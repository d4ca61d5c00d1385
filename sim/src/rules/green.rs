//! Green (benign users): each green user may, each tick, port-scan one of its hosts, which
//! raises activity that blue's CAGE-2 monitoring sees like red's (CAGE-2 §4); and log in,
//! work on files and send web traffic, which only the scenario's sensors see (and may
//! mistake for an attack: their false positives).

use crate::engine::*;
use crate::model::{AlertKind, Probability, Scenario};
use crate::trace::EventKind;

impl Envs {
    pub fn green_turn(&mut self, s: &Scenario, st: &Static, e: usize) {
        for (g, agent) in s.green.iter().enumerate() {
            let n = agent.hosts.len() as u32;
            let benign = CAUSE_BENIGN | g as u32;
            for _ in 0..agent.users {
                if self.rng_green[e].chance(agent.scan) {
                    let target = agent.hosts[self.rng_green[e].below(n) as usize];
                    // Nobody works on a host blue cut off the network (the draws stay).
                    if self.defences.cut_off(e * self.h + target as usize) {
                        continue;
                    }
                    self.add_scan_events(s, st, e, target as usize);
                    self.emit(e, EventKind::GreenScan, target, g as u32, 0);
                    if self.alerts.on {
                        self.sensors_see(
                            s,
                            st,
                            e,
                            target,
                            AlertKind::Scan,
                            benign,
                            Probability::ONE,
                        );
                    }
                }
                // A probability of zero draws nothing, so users without this work keep the
                // streams (and traces) they had before it existed.
                for (p, kind) in [
                    (agent.login, AlertKind::Login),
                    (agent.file, AlertKind::File),
                    (agent.web, AlertKind::Connection),
                ] {
                    if self.rng_green[e].chance(p) {
                        let target = agent.hosts[self.rng_green[e].below(n) as usize];
                        if self.defences.cut_off(e * self.h + target as usize) {
                            continue;
                        }
                        self.emit(e, EventKind::GreenWork, target, g as u32, kind as u32);
                        if self.alerts.on {
                            self.sensors_see(s, st, e, target, kind, benign, Probability::ONE);
                        }
                    }
                }
            }
        }
    }
}
