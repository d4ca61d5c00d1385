//! Green (benign users): each green agent may scan one of its hosts per tick, which raises
//! activity that blue's sensors see like red's (CAGE-2 §4).

use crate::engine::*;
use crate::model::Scenario;
use crate::trace::EventKind;

impl Envs {
    pub fn green_turn(&mut self, s: &Scenario, st: &Static, e: usize) {
        for (g, agent) in s.green.iter().enumerate() {
            if self.rng_green[e].chance(agent.scan) {
                let n = agent.hosts.len() as u32;
                let target = agent.hosts[self.rng_green[e].below(n) as usize] as usize;
                self.add_scan_events(s, st, e, target);
                self.emit(e, EventKind::GreenScan, target as u32, g as u32, 0);
            }
        }
    }
}
