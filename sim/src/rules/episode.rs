//! The episode's clock: a tick starts by clearing last tick's activity; an episode ends when
//! its time is up, leaves its summary and, when recording, its events and inputs, and the
//! slot starts its next episode.

use crate::engine::*;
use crate::model::{BlueKind, RedKind, Scenario};

impl Envs {
    /// Clears last tick's monitoring and advances the clock.
    pub fn begin_tick(&mut self, e: usize) {
        let h = self.h;
        for t in 0..self.activity.touched_len[e] as usize {
            let i = e * h + self.activity.touched[e * h + t] as usize;
            self.activity.entries[i] = 0;
            self.activity.ports[i] = 0;
            self.activity.flags[i] = 0;
        }
        self.activity.touched_len[e] = 0;
        if self.alerts.on {
            let k = crate::model::AlertKind::COUNT;
            self.alerts.now[e * h * k..(e + 1) * h * k].fill(0);
        }
        self.tick[e] += 1;
        self.turns.blue_done[e] = NONE;
        self.turns.analyse_hit[e] = NONE;
        self.step.cost[e] = 0;
        self.step.red[e] = 0;
    }

    /// Ends the episode if its time is up; records the summary and starts the next one.
    pub fn finish_if_done(&mut self, s: &Scenario, st: &Static, e: usize) {
        self.done[e] = self.tick[e] >= self.episode_length;
        if !self.done[e] {
            return;
        }
        let h = self.h;
        let l = &self.ledger[e];
        let mut compromised = 0;
        let mut privileged = 0;
        for x in 0..h {
            if st.base_sessions[x] > 0 {
                continue;
            }
            let f = self.host_flags[e * h + x];
            compromised += (f & F_EVER_COMPROMISED != 0) as u32;
            privileged += (f & F_EVER_PRIVILEGED != 0) as u32;
        }
        let ne = s.exploits.len();
        let summary = EpisodeSummary {
            episode: self.episode[e],
            ticks: self.tick[e],
            blue_score: l.blue,
            red_score: l.red,
            confidentiality_loss: l.conf,
            availability_loss: l.avail,
            action_cost: l.cost,
            trace_hash: self.hash[e],
            hosts_compromised: compromised,
            hosts_privileged: privileged,
            first_privileged: l.first_priv,
            first_impact: l.first_impact,
            blue_actions: l.blue_actions[..BlueKind::CAGE]
                .try_into()
                .expect("six kinds"),
            blue_tools: if self.defences.on {
                l.blue_actions[BlueKind::CAGE..].to_vec()
            } else {
                Vec::new()
            },
            red_actions: l.red_actions[..RedKind::CAGE]
                .try_into()
                .expect("six kinds"),
            red_techniques: if self.intrusion.on {
                l.red_actions[RedKind::CAGE..].to_vec()
            } else {
                Vec::new()
            },
            data_exfiltrated: l.data_exfiltrated,
            hosts_encrypted: l.hosts_encrypted,
            red_invalid: l.red_invalid,
            exploits: self.exploit_wins[e * ne..(e + 1) * ne].to_vec(),
            exploits_tried: self.exploit_tries[e * ne..(e + 1) * ne].to_vec(),
            alerts_true: l.alerts_true,
            alerts_false: l.alerts_false,
            red_activity: l.red_activity,
            red_activity_detected: l.red_activity_detected,
        };
        let (events, inputs, red_more) = if self.record {
            (
                std::mem::take(&mut self.log[e]),
                std::mem::take(&mut self.inputs_log[e]),
                std::mem::take(&mut self.red_more_log[e]),
            )
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        self.finished.push(Finished {
            env: e,
            summary,
            events,
            inputs,
            red_more,
        });
        let next = self.episode[e] + self.stride;
        if self.limit.is_none_or(|l| next < l) {
            self.reset_env(s, st, e, next);
        } else {
            self.active[e] = false;
        }
    }
}
