//! What `run` and `eval` print, as text for people and JSON for programs.

use std::fmt::Write;

use serde_json::{Value, json};

use mirrorlab_sim::Finished;
use mirrorlab_sim::engine::{blue_kind_names, red_kind_names};
use mirrorlab_sim::layout::Layout;
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::replay::hex;
use mirrorlab_sim::trace::{self, combine_hashes};

use crate::stats::Stat;

pub struct RunReport {
    scenario: String,
    red: String,
    blue: String,
    seed: u64,
    steps: u32,
    episodes: usize,
    score: Stat,
    conf: Stat,
    avail: Stat,
    cost: Stat,
    compromised: Stat,
    privileged: Stat,
    first_priv: Stat,
    first_priv_share: f64,
    first_impact: Stat,
    impact_share: f64,
    blue_actions: Vec<(&'static str, u64)>,
    red_actions: Vec<(&'static str, u64)>,
    exploits: Vec<(String, String, u64)>,
    red_invalid: u64,
    trace_hash: u64,
}

fn stat_of(f: &[Finished], g: impl Fn(&Finished) -> f64) -> Stat {
    Stat::of(&f.iter().map(g).collect::<Vec<_>>())
}

impl RunReport {
    pub fn new(
        s: &Scenario,
        red: &str,
        blue: &str,
        seed: u64,
        steps: u32,
        f: &[Finished],
    ) -> RunReport {
        let firsts: Vec<f64> = f
            .iter()
            .filter_map(|x| x.summary.first_privileged.map(|t| t as f64))
            .collect();
        let impacts: Vec<f64> = f
            .iter()
            .filter_map(|x| x.summary.first_impact.map(|t| t as f64))
            .collect();
        let n = f.len().max(1) as f64;
        let sum6 = |g: &dyn Fn(&Finished) -> [u32; 6], names: [&'static str; 6]| {
            let mut tot = [0u64; 6];
            for x in f {
                for (t, v) in tot.iter_mut().zip(g(x)) {
                    *t += v as u64;
                }
            }
            names.into_iter().zip(tot).collect::<Vec<_>>()
        };
        let mut exploits: Vec<(String, String, u64)> = s
            .exploits
            .iter()
            .map(|e| (e.name.clone(), e.attack_id.clone(), 0))
            .collect();
        for x in f {
            for (i, c) in x.summary.exploits.iter().enumerate() {
                exploits[i].2 += *c as u64;
            }
        }
        RunReport {
            scenario: s.name.clone(),
            red: red.into(),
            blue: blue.into(),
            seed,
            steps,
            episodes: f.len(),
            score: stat_of(f, |x| x.summary.blue_score as f64 / 10.0),
            conf: stat_of(f, |x| x.summary.confidentiality_loss as f64 / 10.0),
            avail: stat_of(f, |x| x.summary.availability_loss as f64 / 10.0),
            cost: stat_of(f, |x| x.summary.action_cost as f64 / 10.0),
            compromised: stat_of(f, |x| x.summary.hosts_compromised as f64),
            privileged: stat_of(f, |x| x.summary.hosts_privileged as f64),
            first_priv_share: firsts.len() as f64 / n,
            first_priv: Stat::of(&firsts),
            impact_share: impacts.len() as f64 / n,
            first_impact: Stat::of(&impacts),
            blue_actions: sum6(&|x| x.summary.blue_actions, blue_kind_names()),
            red_actions: sum6(&|x| x.summary.red_actions, red_kind_names()),
            exploits,
            red_invalid: f.iter().map(|x| x.summary.red_invalid as u64).sum(),
            trace_hash: combine_hashes(f.iter().map(|x| (x.summary.episode, x.summary.trace_hash))),
        }
    }

    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "{} · red {} vs blue {} · {} episodes × {} steps · seed {} (episodes 0–{})",
            self.scenario,
            self.red,
            self.blue,
            self.episodes,
            self.steps,
            self.seed,
            self.episodes.saturating_sub(1)
        );
        let _ = writeln!(
            o,
            "score (blue)            {:.2} ± {:.2} (95% CI; sd {:.2}, min {:.1}, max {:.1})",
            self.score.mean, self.score.ci95, self.score.std, self.score.min, self.score.max
        );
        let _ = writeln!(
            o,
            "  losses                confidentiality {:.2}, availability {:.2}, action cost {:.2} (means)",
            self.conf.mean, self.avail.mean, self.cost.mean
        );
        let _ = writeln!(
            o,
            "hosts compromised       {:.2} per episode ({:.2} with root/SYSTEM)",
            self.compromised.mean, self.privileged.mean
        );
        let when = |s: &Stat, share: f64| {
            if s.n == 0 {
                "never".to_string()
            } else {
                format!(
                    "step {:.1} ± {:.1} mean, in {:.0}% of episodes",
                    s.mean,
                    s.ci95,
                    share * 100.0
                )
            }
        };
        let _ = writeln!(
            o,
            "first privileged access {}",
            when(&self.first_priv, self.first_priv_share)
        );
        let _ = writeln!(
            o,
            "first impact            {}",
            when(&self.first_impact, self.impact_share)
        );
        let list = |v: &[(&str, u64)]| {
            v.iter()
                .filter(|x| x.1 > 0)
                .map(|(k, c)| format!("{k} {c}"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let _ = writeln!(o, "blue actions            {}", list(&self.blue_actions));
        let _ = writeln!(o, "red actions             {}", list(&self.red_actions));
        if self.red_invalid > 0 {
            let _ = writeln!(o, "red invalid actions     {}", self.red_invalid);
        }
        let ex: Vec<String> = self
            .exploits
            .iter()
            .filter(|e| e.2 > 0)
            .map(|(n, a, c)| format!("{n} ({a}) {c}"))
            .collect();
        if !ex.is_empty() {
            let _ = writeln!(o, "successful exploits     {}", ex.join(", "));
        }
        let _ = writeln!(o, "trace hash              {}", hex(self.trace_hash));
        o
    }

    pub fn json(&self) -> Value {
        let obj = |v: &[(&str, u64)]| {
            v.iter()
                .map(|(k, c)| (k.to_string(), json!(c)))
                .collect::<serde_json::Map<_, _>>()
        };
        let opt = |s: &Stat| if s.n == 0 { Value::Null } else { json!(s.mean) };
        json!({
            "scenario": self.scenario,
            "red": self.red,
            "blue": self.blue,
            "episodes": self.episodes,
            "steps": self.steps,
            "seed": self.seed,
            "score_mean": self.score.mean,
            "score_ci95": self.score.ci95,
            "score_std": self.score.std,
            "score_min": self.score.min,
            "score_max": self.score.max,
            "confidentiality_loss_mean": self.conf.mean,
            "availability_loss_mean": self.avail.mean,
            "action_cost_mean": self.cost.mean,
            "hosts_compromised_mean": self.compromised.mean,
            "hosts_privileged_mean": self.privileged.mean,
            "first_privileged_mean": opt(&self.first_priv),
            "first_privileged_share": self.first_priv_share,
            "first_impact_mean": opt(&self.first_impact),
            "impact_share": self.impact_share,
            "blue_actions": obj(&self.blue_actions),
            "red_actions": obj(&self.red_actions),
            "red_invalid": self.red_invalid,
            "exploits": self.exploits.iter().map(|(n, a, c)| json!({"name": n, "attack": a, "successes": c})).collect::<Vec<_>>(),
            "trace_hash": hex(self.trace_hash),
        })
    }
}

/// The text trace of episodes, legend first.
pub fn trace_text(s: &Scenario, f: &[Finished]) -> String {
    let layout = Layout::new(s);
    let mut o = String::with_capacity(64 * f.iter().map(|x| x.events.len()).sum::<usize>() + 1024);
    o.push_str(trace::LEGEND);
    o.push('\n');
    for x in f {
        let _ = writeln!(
            o,
            "# episode {} scenario {} trace_hash {}",
            x.summary.episode,
            s.name,
            hex(x.summary.trace_hash)
        );
        for e in &x.events {
            o.push_str(&trace::format_event(s, &layout, x.summary.episode, e));
            o.push('\n');
        }
    }
    o
}

pub struct Cell {
    pub red: String,
    pub steps: u32,
    pub stat: Stat,
    pub trace_hash: u64,
}

pub struct EvalTable {
    pub scenario: String,
    pub blue: String,
    pub episodes: u64,
    pub seed: u64,
    pub cells: Vec<Cell>,
}

const RED_LABELS: [(&str, &str); 3] = [
    ("bline", "B_line"),
    ("meander", "Meander"),
    ("sleep", "Sleep"),
];

impl EvalTable {
    fn cell(&self, red: &str, steps: u32) -> Option<&Cell> {
        self.cells.iter().find(|c| c.red == red && c.steps == steps)
    }
    fn total(&self) -> (f64, f64) {
        let mean = self.cells.iter().map(|c| c.stat.mean).sum();
        let ci = self
            .cells
            .iter()
            .map(|c| c.stat.ci95 * c.stat.ci95)
            .sum::<f64>()
            .sqrt();
        (mean, ci)
    }

    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "CAGE-2 evaluation · blue {} · scenario {} · {} episodes per cell · seed {} (episodes 0–{} in every cell)",
            self.blue,
            self.scenario,
            self.episodes,
            self.seed,
            self.episodes - 1
        );
        let _ = writeln!(
            o,
            "{:<7}{:>20}{:>20}{:>20}",
            "steps", "B_line", "Meander", "Sleep"
        );
        for steps in [30, 50, 100] {
            let _ = write!(o, "{steps:<7}");
            for (red, _) in RED_LABELS {
                let c = self
                    .cell(red, steps)
                    .map(|c| format!("{:.2} ± {:.2}", c.stat.mean, c.stat.ci95));
                let _ = write!(o, "{:>20}", c.unwrap_or_default());
            }
            o.push('\n');
        }
        let (t, ci) = self.total();
        let _ = writeln!(
            o,
            "total  {t:.2} ± {ci:.2}  (sum of the nine cell means; 95% CI)"
        );
        o
    }

    pub fn json(&self) -> Value {
        let (t, ci) = self.total();
        json!({
            "protocol": "cage2",
            "scenario": self.scenario,
            "blue": self.blue,
            "episodes": self.episodes,
            "seed": self.seed,
            "cells": self.cells.iter().map(|c| json!({
                "red": c.red,
                "steps": c.steps,
                "mean": c.stat.mean,
                "ci95": c.stat.ci95,
                "std": c.stat.std,
                "trace_hash": hex(c.trace_hash),
            })).collect::<Vec<_>>(),
            "total": t,
            "total_ci95": ci,
        })
    }
}
