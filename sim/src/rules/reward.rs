//! The tick's reward (CAGE-2 §7): confidentiality lost on hosts red holds, availability
//! lost while a critical service is stopped, and blue's action costs; red's reward mirrors
//! blue's losses less its own costs. Beyond CAGE-2: data exfiltrated or encrypted costs its
//! value once, and an encrypted host, one blue cut off the network or one in a zone blue
//! blocks, its availability value every tick until restored or unblocked (once, if more than
//! one holds).

use crate::engine::*;
use crate::model::Scenario;
use crate::trace::EventKind;

impl Envs {
    pub fn score(&mut self, s: &Scenario, e: usize) {
        let h = self.h;
        let mut conf = 0i32;
        let mut avail = 0i32;
        // Beyond CAGE-2's rules (ransomware, isolation): none in cage2, so one test a tick.
        let beyond = self.intrusion.on || self.defences.on;
        for (x, host) in s.hosts.iter().enumerate() {
            let i = e * h + x;
            if host.confidentiality != 0 {
                let held = if s.rules.reward_privileged_only {
                    self.sessions.privileged[i] > 0
                } else {
                    self.sessions(i) > 0
                };
                if held {
                    conf += host.confidentiality;
                }
            }
            let stopped = host.critical_service && self.host_flags[i] & F_CRIT_RUNNING == 0;
            if stopped
                || (beyond
                    && (self.intrusion.encrypted(i)
                        || self.defences.cut_off(i)
                        || self.defences.zone_blocked(e, host.subnet as usize)))
            {
                avail += host.availability;
            }
        }
        // One-off losses of the tick: data exfiltrated, data encrypted.
        if self.intrusion.on {
            let l = &mut self.ledger[e];
            conf += std::mem::take(&mut l.pending_conf);
            avail += std::mem::take(&mut l.pending_avail);
        }
        let cost = self.step.cost[e];
        let blue = -(conf + avail) - cost;
        let red = conf + avail + self.step.red[e];
        self.step.blue[e] = blue;
        self.step.red[e] = red;
        let l = &mut self.ledger[e];
        l.blue += blue as i64;
        l.red += red as i64;
        l.conf += conf as i64;
        l.avail += avail as i64;
        l.cost += cost as i64;
        self.emit(e, EventKind::Reward, 0, blue as u32, red as u32);
    }
}
