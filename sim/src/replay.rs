//! Replays: what is needed to reproduce episodes exactly (scenario identity, seed, episode
//! ids, both sides' inputs per tick), and the function that plays one back.
//!
//! The content is plain data (serde); the command line chooses the file encoding. Replaying
//! needs no agent: the recorded inputs and the seeded streams reproduce every draw.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::engine::Finished;
use crate::model::{MAX_EPISODE_LENGTH, Scenario};
use crate::world::{Buffers, Sim, SimConfig, SimError};

pub const FORMAT: &str = "mirrorlab-replay";
pub const FORMAT_VERSION: u32 = 1;
/// Replay files larger than this are refused when read, and never written.
pub const MAX_FILE_BYTES: u64 = 1 << 30;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    pub format: String,
    pub format_version: u32,
    /// mirrorlab version that recorded it.
    pub sim_version: String,
    pub scenario_name: String,
    /// [`Scenario::source_hash`] as 16 hex digits.
    pub scenario_hash: String,
    /// The scenario file's text, so a replay is self-contained.
    pub scenario_source: Option<String>,
    pub seed: u64,
    pub episode_length: u32,
    pub blue_agent: String,
    pub red_agent: String,
    /// Red's turns per tick (absent: 1); each episode's `red` holds this many inputs a tick.
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub red_actions_per_tick: u32,
    pub episodes: Vec<ReplayEpisode>,
}

fn one() -> u32 {
    1
}

fn is_one(k: &u32) -> bool {
    *k == 1
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplayEpisode {
    pub episode: u64,
    /// Trace hash as 16 hex digits: the replay must reproduce it.
    pub trace_hash: String,
    /// Blue's score (sum of rewards) for readers; not needed to replay.
    pub blue_score: f64,
    pub blue: Vec<u32>,
    /// Red's inputs, tick by tick (`red_actions_per_tick` a tick, in turn order).
    pub red: Vec<u32>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReplayError {
    #[error(
        "episode {episode}: the replay records a blue score of {recorded}, but playing it \
         back scores {got}: the file was altered"
    )]
    Score {
        episode: u64,
        recorded: f64,
        got: f64,
    },
    #[error("not a mirrorlab replay (format is {0:?}, expected {FORMAT:?})")]
    Format(String),
    #[error("replay format version {0} is not supported (this mirrorlab reads {FORMAT_VERSION})")]
    Version(u32),
    #[error(
        "the replay was recorded on scenario {name:?} with hash {recorded}, but the scenario \
         given has hash {given}: the rules or network differ"
    )]
    ScenarioMismatch {
        name: String,
        recorded: String,
        given: String,
    },
    #[error("episode length {0} is out of range (1..={MAX_EPISODE_LENGTH})")]
    EpisodeLength(u32),
    #[error("episode id {0} is out of range")]
    EpisodeId(u64),
    #[error(
        "episode {episode}: {blue} blue inputs and {red} red inputs (expected {expected} and \
         {expected_red})"
    )]
    Length {
        episode: u64,
        blue: usize,
        red: usize,
        expected: u32,
        expected_red: u64,
    },
    #[error(
        "red actions per tick {0} is out of range (1..={max})",
        max = crate::world::MAX_RED_ACTIONS_PER_TICK
    )]
    RedActionsPerTick(u32),
    /// (`error` is shown in the message, so it is not also the error's source: a chain
    /// printed whole would say it twice.)
    #[error("episode {episode}: {error}")]
    Sim { episode: u64, error: SimError },
    #[error("episode {episode} did not reproduce: trace hash {got}, recorded {expected}")]
    Diverged {
        episode: u64,
        expected: String,
        got: String,
    },
}

pub fn hex(h: u64) -> String {
    format!("{h:016x}")
}

impl Replay {
    /// A replay of finished, recorded episodes (run with `SimConfig::record`).
    pub fn record(
        s: &Scenario,
        source: &str,
        seed: u64,
        episode_length: u32,
        red_agent: &str,
        blue_agent: &str,
        finished: &[Finished],
    ) -> Replay {
        // Red's turns a tick, from what was recorded (the same for every episode of a run).
        let per_tick = finished
            .iter()
            .find(|f| !f.inputs.is_empty())
            .map_or(1, |f| 1 + f.red_more.len() / f.inputs.len());
        Replay {
            format: FORMAT.into(),
            format_version: FORMAT_VERSION,
            sim_version: crate::VERSION.into(),
            scenario_name: s.name.clone(),
            scenario_hash: hex(s.source_hash),
            scenario_source: Some(source.to_string()),
            seed,
            episode_length,
            blue_agent: blue_agent.into(),
            red_agent: red_agent.into(),
            red_actions_per_tick: per_tick as u32,
            episodes: finished
                .iter()
                .map(|f| ReplayEpisode {
                    episode: f.summary.episode,
                    trace_hash: hex(f.summary.trace_hash),
                    blue_score: f.summary.blue_score as f64 / 10.0,
                    blue: f.inputs.iter().map(|i| i.0).collect(),
                    red: (0..f.inputs.len())
                        .flat_map(|t| {
                            let more = f.red_more.iter().skip(t * (per_tick - 1));
                            std::iter::once(f.inputs[t].1).chain(more.take(per_tick - 1).copied())
                        })
                        .collect(),
                })
                .collect(),
        }
    }

    /// Checks the header against the scenario.
    pub fn check(&self, scenario: &Scenario) -> Result<(), ReplayError> {
        if self.format != FORMAT {
            return Err(ReplayError::Format(self.format.clone()));
        }
        if self.format_version != FORMAT_VERSION {
            return Err(ReplayError::Version(self.format_version));
        }
        if self.scenario_hash != hex(scenario.source_hash) {
            return Err(ReplayError::ScenarioMismatch {
                name: self.scenario_name.clone(),
                recorded: self.scenario_hash.clone(),
                given: hex(scenario.source_hash),
            });
        }
        if !(1..=MAX_EPISODE_LENGTH).contains(&self.episode_length) {
            return Err(ReplayError::EpisodeLength(self.episode_length));
        }
        let k = self.red_actions_per_tick;
        if !(1..=crate::world::MAX_RED_ACTIONS_PER_TICK as u32).contains(&k) {
            return Err(ReplayError::RedActionsPerTick(k));
        }
        let expected_red = self.episode_length as u64 * k as u64;
        for ep in &self.episodes {
            if ep.episode == u64::MAX {
                return Err(ReplayError::EpisodeId(ep.episode));
            }
            if ep.blue.len() != self.episode_length as usize || ep.red.len() as u64 != expected_red
            {
                return Err(ReplayError::Length {
                    episode: ep.episode,
                    blue: ep.blue.len(),
                    red: ep.red.len(),
                    expected: self.episode_length,
                    expected_red,
                });
            }
        }
        Ok(())
    }

    /// The simulator as it stands after `tick` ticks of episode `index` (0 = its start):
    /// how a viewer seeks, backwards included. Re-simulating from the start is exact and
    /// cheap (a 100-tick CAGE-2 episode takes microseconds).
    pub fn sim_at(
        &self,
        scenario: Arc<Scenario>,
        index: usize,
        tick: u32,
    ) -> Result<Sim, ReplayError> {
        self.check(&scenario)?;
        let ep = &self.episodes[index];
        let err = |error| ReplayError::Sim {
            episode: ep.episode,
            error,
        };
        let mut cfg = SimConfig::new(1, self.seed);
        cfg.episode_length = Some(self.episode_length);
        cfg.first_episode = ep.episode;
        cfg.episode_limit = Some(ep.episode + 1);
        cfg.record = true;
        cfg.red_actions_per_tick = self.red_actions_per_tick as usize;
        let mut sim = Sim::new(scenario, &cfg).map_err(err)?;
        let mut buf = Buffers::new(sim.layout(), 1);
        let k = self.red_actions_per_tick as usize;
        // Stop before the last tick: that one ends (and resets) the episode.
        let stop = tick.min(self.episode_length.saturating_sub(1)) as usize;
        for t in 0..stop {
            sim.step(
                &ep.blue[t..t + 1],
                &ep.red[t * k..(t + 1) * k],
                &mut buf.out(false),
            )
            .map_err(err)?;
        }
        Ok(sim)
    }

    /// Plays one episode back and checks its trace hash. Returns the finished episode with
    /// its events. Call [`Replay::check`] first.
    pub fn play(&self, scenario: Arc<Scenario>, index: usize) -> Result<Finished, ReplayError> {
        self.check(&scenario)?;
        let ep = &self.episodes[index];
        let mut cfg = SimConfig::new(1, self.seed);
        cfg.episode_length = Some(self.episode_length);
        cfg.first_episode = ep.episode;
        cfg.episode_limit = Some(ep.episode + 1);
        cfg.record = true;
        cfg.red_actions_per_tick = self.red_actions_per_tick as usize;
        let err = |error| ReplayError::Sim {
            episode: ep.episode,
            error,
        };
        let mut sim = Sim::new(scenario, &cfg).map_err(err)?;
        let mut buf = Buffers::new(sim.layout(), 1);
        let k = self.red_actions_per_tick as usize;
        for t in 0..self.episode_length as usize {
            sim.step(
                &ep.blue[t..t + 1],
                &ep.red[t * k..(t + 1) * k],
                &mut buf.out(false),
            )
            .map_err(err)?;
        }
        let mut done = Vec::new();
        sim.drain_finished(&mut done);
        let f = done
            .pop()
            .expect("a replayed episode of episode_length ticks finishes");
        if hex(f.summary.trace_hash) != ep.trace_hash {
            return Err(ReplayError::Diverged {
                episode: ep.episode,
                expected: ep.trace_hash.clone(),
                got: hex(f.summary.trace_hash),
            });
        }
        let score = f.summary.blue_score as f64 / 10.0;
        if (score - ep.blue_score).abs() > 1e-6 {
            return Err(ReplayError::Score {
                episode: ep.episode,
                recorded: ep.blue_score,
                got: score,
            });
        }
        Ok(f)
    }
}
