//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::Arc;

use mirrorlab_agents::play::{self as runner, PlayConfig};
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::{Finished, trace};

pub fn cage2() -> Arc<Scenario> {
    Arc::new(
        mirrorlab_scenarios::load("cage2")
            .expect("cage2 loads")
            .scenario,
    )
}

pub fn cage2_fixed() -> Arc<Scenario> {
    Arc::new(
        mirrorlab_scenarios::load("cage2-fixed")
            .expect("cage2-fixed loads")
            .scenario,
    )
}

pub struct Match<'a> {
    pub scenario: &'a Arc<Scenario>,
    pub red: &'a str,
    pub blue: &'a str,
    pub episodes: u64,
    pub seed: u64,
    pub steps: u32,
    pub batch: usize,
    pub threads: usize,
    pub record: bool,
}

impl Match<'_> {
    pub fn play(&self) -> Vec<Finished> {
        let cfg = PlayConfig {
            scenario: self.scenario.clone(),
            red: self.red.into(),
            blue: self.blue.into(),
            episodes: self.episodes,
            seed: self.seed,
            episode_length: Some(self.steps),
            batch: self.batch,
            threads: self.threads,
            record: self.record,
        };
        runner::play_all(&cfg, &|_| {}).expect("the match plays")
    }
}

pub fn play(
    s: &Arc<Scenario>,
    red: &str,
    blue: &str,
    episodes: u64,
    seed: u64,
    steps: u32,
) -> Vec<Finished> {
    Match {
        scenario: s,
        red,
        blue,
        episodes,
        seed,
        steps,
        batch: 64,
        threads: 1,
        record: false,
    }
    .play()
}

pub fn run_hash(f: &[Finished]) -> u64 {
    trace::combine_hashes(f.iter().map(|x| (x.summary.episode, x.summary.trace_hash)))
}

pub fn mean_score(f: &[Finished]) -> f64 {
    f.iter()
        .map(|x| x.summary.blue_score as f64 / 10.0)
        .sum::<f64>()
        / f.len() as f64
}

/// Per-step blue rewards of a recorded episode (index 0 = step 1), from its Reward events.
pub fn step_rewards(f: &Finished) -> Vec<f64> {
    f.events
        .iter()
        .filter(|e| e.kind == trace::EventKind::Reward)
        .map(|e| e.a as i32 as f64 / 10.0)
        .collect()
}

/// Records `f` (played on `s` from `source` with these settings) as a replay, sends it through
/// JSON, checks it against `s`, and plays every episode back: each must give the same
/// summary and events.
pub fn assert_replays(
    s: &Arc<Scenario>,
    source: &str,
    seed: u64,
    steps: u32,
    red: &str,
    blue: &str,
    f: &[Finished],
) {
    use mirrorlab_sim::replay::Replay;
    let r = Replay::record(s, source, seed, steps, red, blue, f);
    let json = serde_json::to_string(&r).unwrap();
    let back: Replay = serde_json::from_str(&json).unwrap();
    back.check(s).unwrap();
    for (i, orig) in f.iter().enumerate() {
        let again = back.play(s.clone(), i).expect("replays");
        assert_eq!(again.summary, orig.summary);
        assert_eq!(again.events, orig.events);
    }
}

/// A bundled scenario's behaviour pinned: 8 episodes of `red` against `blue` (seed 7, 100
/// steps, recorded) must have the run hash `expected` (a change must be deliberate), and
/// their replays must reproduce.
pub fn assert_golden(name: &str, red: &str, blue: &str, expected: &str) {
    let s = Arc::new(mirrorlab_scenarios::load(name).unwrap().scenario);
    let f = Match {
        scenario: &s,
        red,
        blue,
        episodes: 8,
        seed: 7,
        steps: 100,
        batch: 3,
        threads: 1,
        record: true,
    }
    .play();
    let hash = mirrorlab_sim::replay::hex(run_hash(&f));
    assert_eq!(hash, expected, "the {name} golden hash changed");
    let source = mirrorlab_scenarios::BUNDLED
        .iter()
        .find(|b| b.0 == name)
        .unwrap()
        .2;
    assert_replays(&s, source, 7, 100, red, blue, &f);
}
