//! Plays a red agent against a blue agent for a set of episodes, on any number of threads.
//!
//! Episode `i` of a run is the same whatever the batch size or thread count: its draws come
//! from streams keyed by (seed, purpose, i). Threads take interleaved slices of episode ids,
//! each with its own batch and its own agents.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::{Buffers, Finished, Layout, Sim, SimConfig, SimError};

use crate::{Agent, AgentError, Obs, Side, blue_agent, red_agent};

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

/// Where finished episodes go: called once per episode, in episode-id order, whatever the
/// thread count (so anything folded from them is deterministic).
pub type Sink<'a> = dyn FnMut(Finished) + Send + 'a;

/// Plays the match, handing every finished episode to `sink` in episode-id order. Memory
/// does not grow with the number of episodes: a thread that runs ahead of the slowest by more
/// than a few batches waits, so at most that many finished episodes wait for their turn.
/// `progress` is called with the number of episodes finished so far (from any thread).
pub fn play(
    cfg: &PlayConfig,
    sink: &mut Sink<'_>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), PlayError> {
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
    let order = Order {
        state: Mutex::new(OrderState {
            next: 0,
            pending: BTreeMap::new(),
            sink,
            aborted: false,
        }),
        advanced: Condvar::new(),
        window: 2 * (threads * batch) as u64,
        finished: AtomicU64::new(0),
    };
    let results: Vec<Result<(), PlayError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let order = &order;
                scope.spawn(move || {
                    let mut guard = AbortOnDrop(order, true);
                    let r = shard(cfg, t, threads, batch, order, progress);
                    guard.1 = r.is_err();
                    r
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a play thread panicked"))
            .collect()
    });
    for r in results {
        r?;
    }
    Ok(())
}

/// Plays the match and keeps every finished episode (for traces, replays and tests), sorted
/// by episode id. Memory grows with the episodes: prefer [`play`] with a folding sink.
pub fn play_all(
    cfg: &PlayConfig,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Vec<Finished>, PlayError> {
    let mut all = Vec::new();
    play(cfg, &mut |f| all.push(f), progress)?;
    Ok(all)
}

/// Hands finished episodes to the sink in episode-id order.
struct Order<'s, 'a> {
    state: Mutex<OrderState<'s, 'a>>,
    advanced: Condvar,
    /// How far (in episode ids) a thread may run ahead of the next episode to deliver.
    window: u64,
    finished: AtomicU64,
}

struct OrderState<'s, 'a> {
    next: u64,
    pending: BTreeMap<u64, Finished>,
    sink: &'s mut Sink<'a>,
    aborted: bool,
}

impl Order<'_, '_> {
    fn deliver(&self, batch: &mut Vec<Finished>) {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        for f in batch.drain(..) {
            st.pending.insert(f.summary.episode, f);
        }
        let before = st.next;
        loop {
            let next = st.next;
            let Some(f) = st.pending.remove(&next) else {
                break;
            };
            (st.sink)(f);
            st.next += 1;
        }
        if st.next != before {
            self.advanced.notify_all();
        }
    }

    /// Waits until episode `lowest` may run (it is within the window), or the run aborted.
    fn wait_for(&self, lowest: u64) -> bool {
        let mut st = self.state.lock().unwrap_or_else(|p| p.into_inner());
        while !st.aborted && lowest >= st.next + self.window {
            st = self.advanced.wait(st).unwrap_or_else(|p| p.into_inner());
        }
        !st.aborted
    }
}

/// Wakes and stops the other threads when one fails or panics, so none waits forever.
struct AbortOnDrop<'o, 's, 'a>(&'o Order<'s, 'a>, bool);

impl Drop for AbortOnDrop<'_, '_, '_> {
    fn drop(&mut self) {
        if self.1 || std::thread::panicking() {
            let mut st = self.0.state.lock().unwrap_or_else(|p| p.into_inner());
            st.aborted = true;
            self.0.advanced.notify_all();
        }
    }
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
    blue_actions: Vec<u32>,
}

impl Arena {
    pub fn new(
        sim: Sim,
        mut red: Box<dyn Agent>,
        mut blue: Box<dyn Agent>,
    ) -> Result<Arena, SimError> {
        let n = sim.n_envs();
        if red.actions_per_tick() != sim.red_actions_per_tick() {
            return Err(SimError::RedTempo {
                agent: red.actions_per_tick(),
                sim: sim.red_actions_per_tick(),
            });
        }
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
            blue_actions: vec![0; n],
        })
    }

    pub fn step(&mut self) -> Result<(), SimError> {
        let b = &self.buf;
        self.blue.act(
            &Obs {
                layout: &self.layout,
                side: Side::Blue,
                obs: &b.blue_obs,
                alerts: &b.blue_alerts,
            },
            &mut self.blue_actions,
        );
        let (red, layout) = (&mut self.red, &self.layout);
        self.sim.step_with(
            &self.blue_actions,
            &mut self.buf.out(false),
            |turn, obs, acts| crate::red_turn(red.as_mut(), layout, turn, obs, acts),
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
    order: &Order,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<(), PlayError> {
    let mut sc = SimConfig::new(batch, cfg.seed);
    sc.episode_length = cfg.episode_length;
    sc.first_episode = (t * batch) as u64;
    sc.episode_stride = Some((threads * batch) as u64);
    sc.episode_limit = Some(cfg.episodes);
    sc.record = cfg.record;
    let red = red_agent(&cfg.red, &cfg.scenario, batch, cfg.seed)?;
    let blue = blue_agent(&cfg.blue, &cfg.scenario, batch, cfg.seed)?;
    sc.red_actions_per_tick = red.actions_per_tick();
    let sim = Sim::new(cfg.scenario.clone(), &sc)?;
    let mut arena = Arena::new(sim, red, blue)?;
    let mut out = Vec::new();
    // Episodes of a batch are all the same length, so its slots start and end together: the
    // lowest episode id it runs changes only when episodes end.
    let mut lowest = arena.sim.lowest_active_episode();
    while let Some(low) = lowest {
        if !order.wait_for(low) {
            return Ok(()); // another thread failed; its error is reported
        }
        arena.step()?;
        arena.sim.drain_finished(&mut out);
        if !out.is_empty() {
            let n = order
                .finished
                .fetch_add(out.len() as u64, Ordering::Relaxed)
                + out.len() as u64;
            progress(n);
            order.deliver(&mut out);
            lowest = arena.sim.lowest_active_episode();
        }
    }
    Ok(())
}
