//! What `run` and `eval` print, as text for people and JSON for programs.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Value, json};

use mirrorlab_sim::Finished;
use mirrorlab_sim::engine::EpisodeSummary;
use mirrorlab_sim::layout::Layout;
use mirrorlab_sim::model::{BlueKind, RedKind, Scenario};
use mirrorlab_sim::replay::hex;
use mirrorlab_sim::trace::{self, HashChain};

use crate::stats::{Acc, Stat};

/// A run's alert totals: alerts red's activity raised and benign users' raised; red's
/// activities some sensor watched, and those of them that raised an alert.
#[derive(Clone, Copy, Debug, Default)]
struct AlertTotals {
    true_positives: u64,
    false_positives: u64,
    watched: u64,
    detected: u64,
}

/// The summary of a run, folded one episode at a time (in episode-id order): constant
/// memory in the number of episodes.
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
    /// (name, ATT&CK id, successes, tries).
    exploits: Vec<(String, String, u64, u64)>,
    /// Red's actions by ATT&CK technique (exploits by the exploit tried), id order.
    attack: BTreeMap<String, u64>,
    red_invalid: u64,
    trace_hash: u64,
    alerts: Option<AlertTotals>,
}

/// Folds finished episodes into a [`RunReport`].
pub struct RunAcc {
    scenario: String,
    red: String,
    blue: String,
    seed: u64,
    steps: u32,
    score: Acc,
    conf: Acc,
    avail: Acc,
    cost: Acc,
    compromised: Acc,
    privileged: Acc,
    first_priv: Acc,
    first_impact: Acc,
    blue_actions: [u64; BlueKind::COUNT],
    /// Blue's kinds the scenario has (CAGE-2's six and its tools).
    blue_kinds: Vec<BlueKind>,
    red_actions: [u64; RedKind::COUNT],
    /// Red's kinds the scenario has (CAGE-2's six and its techniques).
    red_kinds: Vec<RedKind>,
    exploits: Vec<(String, String, u64, u64)>,
    red_invalid: u64,
    hash: HashChain,
    /// Only with sensors.
    alerts: Option<AlertTotals>,
}

impl RunAcc {
    pub fn new(s: &Scenario, red: &str, blue: &str, seed: u64, steps: u32) -> RunAcc {
        let layout = Layout::new(s);
        RunAcc {
            scenario: s.name.clone(),
            red: red.into(),
            blue: blue.into(),
            seed,
            steps,
            score: Acc::default(),
            conf: Acc::default(),
            avail: Acc::default(),
            cost: Acc::default(),
            compromised: Acc::default(),
            privileged: Acc::default(),
            first_priv: Acc::default(),
            first_impact: Acc::default(),
            blue_actions: [0; BlueKind::COUNT],
            blue_kinds: BlueKind::ALL
                .into_iter()
                .filter(|&k| layout.blue_has(k))
                .collect(),
            red_actions: [0; RedKind::COUNT],
            red_kinds: RedKind::ALL
                .into_iter()
                .filter(|&k| layout.red_has(k))
                .collect(),
            exploits: s
                .exploits
                .iter()
                .map(|e| (e.name.clone(), e.attack_id.clone(), 0, 0))
                .collect(),
            red_invalid: 0,
            hash: HashChain::new(),
            alerts: (!s.sensors.is_empty()).then_some(AlertTotals::default()),
        }
    }

    /// Adds the next episode (episodes must come in episode-id order).
    pub fn add(&mut self, x: &EpisodeSummary) {
        let tenths = |v: i64| v as f64 / 10.0;
        self.score.add(tenths(x.blue_score));
        self.conf.add(tenths(x.confidentiality_loss));
        self.avail.add(tenths(x.availability_loss));
        self.cost.add(tenths(x.action_cost));
        self.compromised.add(x.hosts_compromised as f64);
        self.privileged.add(x.hosts_privileged as f64);
        if let Some(t) = x.first_privileged {
            self.first_priv.add(t as f64);
        }
        if let Some(t) = x.first_impact {
            self.first_impact.add(t as f64);
        }
        let blue = x.blue_actions.iter().chain(&x.blue_tools);
        for (t, v) in self.blue_actions.iter_mut().zip(blue) {
            *t += *v as u64;
        }
        let red = x.red_actions.iter().chain(&x.red_techniques);
        for (t, v) in self.red_actions.iter_mut().zip(red) {
            *t += *v as u64;
        }
        for (e, c) in self.exploits.iter_mut().zip(&x.exploits) {
            e.2 += *c as u64;
        }
        for (e, c) in self.exploits.iter_mut().zip(&x.exploits_tried) {
            e.3 += *c as u64;
        }
        self.red_invalid += x.red_invalid as u64;
        self.hash.add(x.episode, x.trace_hash);
        if let Some(a) = &mut self.alerts {
            a.true_positives += x.alerts_true as u64;
            a.false_positives += x.alerts_false as u64;
            a.watched += x.red_activity as u64;
            a.detected += x.red_activity_detected as u64;
        }
    }

    pub fn finish(self) -> RunReport {
        let n = self.score.n().max(1) as f64;
        RunReport {
            scenario: self.scenario,
            red: self.red,
            blue: self.blue,
            seed: self.seed,
            steps: self.steps,
            episodes: self.score.n(),
            score: self.score.stat(),
            conf: self.conf.stat(),
            avail: self.avail.stat(),
            cost: self.cost.stat(),
            compromised: self.compromised.stat(),
            privileged: self.privileged.stat(),
            first_priv_share: self.first_priv.n() as f64 / n,
            first_priv: self.first_priv.stat(),
            impact_share: self.first_impact.n() as f64 / n,
            first_impact: self.first_impact.stat(),
            blue_actions: self
                .blue_kinds
                .iter()
                .map(|&k| (k.name(), self.blue_actions[k as usize]))
                .collect(),
            red_actions: self
                .red_kinds
                .iter()
                .map(|&k| (k.name(), self.red_actions[k as usize]))
                .collect(),
            attack: {
                let mut m = BTreeMap::new();
                for &k in &self.red_kinds {
                    let n = self.red_actions[k as usize];
                    if k != RedKind::Sleep && k != RedKind::ExploitRemoteService && n > 0 {
                        *m.entry(k.attack_id().to_string()).or_default() += n;
                    }
                }
                for (_, id, _, tried) in &self.exploits {
                    if *tried > 0 {
                        *m.entry(id.clone()).or_default() += tried;
                    }
                }
                m
            },
            exploits: self.exploits,
            red_invalid: self.red_invalid,
            trace_hash: self.hash.value(),
            alerts: self.alerts,
        }
    }
}

impl RunReport {
    pub fn text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "{} · red {} vs blue {} · {} × {} · seed {} (episodes 0–{})",
            self.scenario,
            self.red,
            self.blue,
            plural(self.episodes as u64, "episode"),
            plural(self.steps as u64, "step"),
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
        if !self.attack.is_empty() {
            let ids: Vec<String> = self
                .attack
                .iter()
                .map(|(k, c)| format!("{k} {c}"))
                .collect();
            let _ = writeln!(o, "ATT&CK techniques       {}", ids.join(", "));
        }
        let ex: Vec<String> = self
            .exploits
            .iter()
            .filter(|e| e.2 > 0)
            .map(|(n, a, c, _)| format!("{n} ({a}) {c}"))
            .collect();
        if !ex.is_empty() {
            let _ = writeln!(o, "successful exploits     {}", ex.join(", "));
        }
        if let Some(a) = self.alerts {
            let (t, f, act, det) = (a.true_positives, a.false_positives, a.watched, a.detected);
            let n = self.episodes.max(1) as f64;
            let _ = writeln!(
                o,
                "alerts                  {:.2} per episode: {:.2} true, {:.2} false (precision {}); \
                 red activity detected {} ({det} of the {act} a sensor watches)",
                (t + f) as f64 / n,
                t as f64 / n,
                f as f64 / n,
                ratio(t, t + f).map_or("-".into(), |p| format!("{p:.3}")),
                ratio(det, act).map_or("-".into(), |p| format!("{:.1}%", p * 100.0)),
            );
        }
        let _ = writeln!(o, "trace hash              {}", hex(self.trace_hash));
        o
    }

    fn alerts_json(&self) -> Value {
        let Some(a) = self.alerts else {
            return Value::Null;
        };
        let (t, f, act, det) = (a.true_positives, a.false_positives, a.watched, a.detected);
        let n = self.episodes.max(1) as f64;
        json!({
            "true_positives": t,
            "false_positives": f,
            "per_episode": (t + f) as f64 / n,
            "precision": ratio(t, t + f),
            "red_activity_watched": act,
            "red_activity_detected": det,
            "recall": ratio(det, act),
        })
    }

    pub fn json(&self) -> Value {
        let obj = |v: &[(&str, u64)]| {
            v.iter()
                .map(|(k, c)| (k.to_string(), json!(c)))
                .collect::<serde_json::Map<_, _>>()
        };
        let opt = |s: &Stat| if s.n == 0 { Value::Null } else { json!(s.mean) };
        let mut v = json!({
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
            "attack_techniques": self.attack,
            "exploits": self.exploits.iter().map(|(n, a, c, t)| json!({"name": n, "attack": a, "successes": c, "tries": t})).collect::<Vec<_>>(),
            "trace_hash": hex(self.trace_hash),
        });
        if self.alerts.is_some() {
            v["alerts"] = self.alerts_json();
        }
        v
    }
}

/// `a / b`, or `None` when `b` is 0.
fn ratio(a: u64, b: u64) -> Option<f64> {
    (b > 0).then(|| a as f64 / b as f64)
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

    /// The table in Markdown (for eval.md files and the README).
    pub fn markdown(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(
            o,
            "CAGE-2 evaluation of `{}` on `{}`: {} episodes per cell, seed {} (mean ± 95% CI).\n",
            self.blue, self.scenario, self.episodes, self.seed
        );
        let _ = writeln!(o, "| steps | B_line | Meander | Sleep |");
        let _ = writeln!(o, "|---:|---:|---:|---:|");
        for steps in [30, 50, 100] {
            let _ = write!(o, "| {steps} |");
            for (red, _) in RED_LABELS {
                let c = self
                    .cell(red, steps)
                    .map(|c| format!(" {:.2} ± {:.2} |", c.stat.mean, c.stat.ci95))
                    .unwrap_or_else(|| " |".into());
                o.push_str(&c);
            }
            o.push('\n');
        }
        let (t, ci) = self.total();
        let _ = writeln!(o, "| **total** | **{t:.2} ± {ci:.2}** | | |");
        o
    }

    pub fn total_mean(&self) -> f64 {
        self.total().0
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

/// `n thing` or `n things`.
fn plural(n: u64, thing: &str) -> String {
    format!("{n} {thing}{}", if n == 1 { "" } else { "s" })
}
