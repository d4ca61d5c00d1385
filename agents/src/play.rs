//! Plays a red agent against a blue agent for a set of episodes, on any number of threads.
//!
//! Episode `i` of a run is the same whatever the batch size or thread count: its draws come
//! from streams keyed by (seed, purpose, i). Threads take interleaved slices of episode ids,
//! each with its own batch and its own agents.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::{Buffers, Finished, Layout, Sim, SimConfig, SimError};

use crate::{Agent, AgentError, Obs, blue_agent, red_agent};

/// A match between two scripted agents.
#[derive(Clone, Debug)]
pub struct PlayConfig {
    pub scenario: Arc<Scenario>,
    pub red: String,
    pub blue: String,
    pub episodes: u64,
    pub seed: u64,
    pub episode_length: Option<u32>,
    /// Environments per batch (per thread).
    pub batch: usize,
    pub threads: usize,
    /// Keep events and inputs of every episode (traces, replays).
    pub record: bool,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PlayError {
    #[error(transparent)]
    Agent(#[from] AgentError),
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// Plays the match; returns finished episodes sorted by episode id. `progress` is called
/// with the number of episodes finished so far (from any thread).
pub fn play(cfg: &PlayConfig, progress: &(dyn Fn(u64) + Sync)) -> Result<Vec<Finished>, PlayError> {
    let threads = cfg.threads.max(1);
    let batch = cfg.batch.max(1);
    // No more slots than episodes.
    let slots_total = (threads * batch) as u64;
    let (threads, batch) = if cfg.episodes < slots_total {
        let t = threads.min(cfg.episodes.max(1) as usize);
        (t, (cfg.episodes as usize).div_ceil(t).max(1))
    } else {
        (threads, batch)
    };
    // Agents are built first so a bad name fails before any thread starts.
    red_agent(&cfg.red, &cfg.scenario, 1, cfg.seed)?;
    blue_agent(&cfg.blue, &cfg.scenario, 1, cfg.seed)?;
    let done = AtomicU64::new(0);
    let results: Vec<Result<Vec<Finished>, PlayError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let done = &done;
                scope.spawn(move || shard(cfg, t, threads, batch, done, progress))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a play thread panicked"))
            .collect()
    });
    let mut all = Vec::with_capacity(cfg.episodes as usize);
    for r in results {
        all.extend(r?);
    }
    all.sort_by_key(|f| f.summary.episode);
    Ok(all)
}

/// A batch and the two agents that play in it: one `step` is one decision of each agent for
/// every environment, then one simulator step; agents of environments whose episode ended are
/// reset for the next one.
pub struct Arena {
    pub sim: Sim,
    pub red: Box<dyn Agent>,
    pub blue: Box<dyn Agent>,
    /// The latest step's outputs (what the agents decide from next).
    pub buf: Buffers,
    layout: Layout,
    red_actions: Vec<u32>,
    blue_actions: Vec<u32>,
}

impl Arena {
    pub fn new(
        sim: Sim,
        mut red: Box<dyn Agent>,
        mut blue: Box<dyn Agent>,
    ) -> Result<Arena, SimError> {
        let n = sim.n_envs();
        for e in 0..n {
            if sim.is_active(e) {
                red.reset(e, sim.episode_id(e));
                blue.reset(e, sim.episode_id(e));
            }
        }
        let layout = sim.layout().clone();
        let mut buf = Buffers::new(&layout, n);
        sim.observe(&mut buf.out(false))?;
        Ok(Arena {
            sim,
            red,
            blue,
            buf,
            layout,
            red_actions: vec![0; n],
            blue_actions: vec![0; n],
        })
    }

    pub fn step(&mut self) -> Result<(), SimError> {
        let b = &self.buf;
        self.blue.act(
            &Obs {
                layout: &self.layout,
                obs: &b.blue_obs,
                alerts: &b.blue_alerts,
            },
            &mut self.blue_actions,
        );
        self.red.act(
            &Obs {
                layout: &self.layout,
                obs: &b.red_obs,
                alerts: &[],
            },
            &mut self.red_actions,
        );
        self.sim.step(
            &self.blue_actions,
            &self.red_actions,
            &mut self.buf.out(false),
        )?;
        for e in 0..self.sim.n_envs() {
            if self.buf.done[e] != 0 && self.sim.is_active(e) {
                let id = self.sim.episode_id(e);
                self.red.reset(e, id);
                self.blue.reset(e, id);
            }
        }
        Ok(())
    }
}

fn shard(
    cfg: &PlayConfig,
    t: usize,
    threads: usize,
    batch: usize,
    done: &AtomicU64,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Finished>, PlayError> {
    let mut sc = SimConfig::new(batch, cfg.seed);
    sc.episode_length = cfg.episode_length;
    sc.first_episode = (t * batch) as u64;
    sc.episode_stride = Some((threads * batch) as u64);
    sc.episode_limit = Some(cfg.episodes);
    sc.record = cfg.record;
    let sim = Sim::new(cfg.scenario.clone(), &sc)?;
    let red = red_agent(&cfg.red, &cfg.scenario, batch, cfg.seed)?;
    let blue = blue_agent(&cfg.blue, &cfg.scenario, batch, cfg.seed)?;
    let mut arena = Arena::new(sim, red, blue)?;
    let mut finished = Vec::new();
    let mut out = Vec::new();
    while arena.sim.any_active() {
        arena.step()?;
        arena.sim.drain_finished(&mut out);
        if !out.is_empty() {
            let n = done.fetch_add(out.len() as u64, Ordering::Relaxed) + out.len() as u64;
            progress(n);
            finished.append(&mut out);
        }
    }
    Ok(finished)
}
