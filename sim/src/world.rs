//! The batched simulator: a bevy_ecs `World` holding the state of many environments as
//! resources, and a held `Schedule` of chained systems that step all of them.
//!
//! No bevy type appears in this module's public API.

use std::sync::Arc;

use bevy_ecs::prelude::*;
use bevy_ecs::schedule::{Schedule, SingleThreadedExecutor};

use crate::engine::{Envs, EpisodeSummary, Finished, HostTruth, Static};
use crate::layout::Layout;
use crate::model::{ModelError, Scenario};
use crate::trace::Event;

/// How to build a [`Sim`].
#[derive(Clone, Debug)]
pub struct SimConfig {
    /// Environments stepped per call.
    pub n_envs: usize,
    /// The run's seed: with the scenario and the episode id it decides every random draw.
    pub seed: u64,
    /// Ticks per episode (default: the scenario's).
    pub episode_length: Option<u32>,
    /// Episode id of slot 0's first episode; slot `i` starts with `first_episode + i`.
    pub first_episode: u64,
    /// Each slot's next episode id is its last plus `episode_stride` (default: `n_envs`).
    pub episode_stride: Option<u64>,
    /// Episodes with ids at or above this are not run: their slot goes idle.
    pub episode_limit: Option<u64>,
    /// Keep every event and input of each episode (for traces and replays).
    pub record: bool,
    /// Environments per schedule run (keeps each pass inside the cache).
    pub chunk: usize,
    /// Red's turns per tick (1..=[`MAX_RED_ACTIONS_PER_TICK`]): a fast attacker acts several
    /// times for each of blue's actions, seeing its observation after each (default 1).
    pub red_actions_per_tick: usize,
}

/// The most turns red may take in one tick.
pub const MAX_RED_ACTIONS_PER_TICK: usize = 8;

impl SimConfig {
    pub fn new(n_envs: usize, seed: u64) -> SimConfig {
        SimConfig {
            n_envs,
            seed,
            episode_length: None,
            first_episode: 0,
            episode_stride: None,
            episode_limit: None,
            record: false,
            chunk: 1024,
            red_actions_per_tick: 1,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum SimError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("a batch needs at least one environment")]
    NoEnvironments,
    #[error(
        "episode length {0} is out of range (1..={max} ticks)",
        max = crate::model::MAX_EPISODE_LENGTH
    )]
    EpisodeLength(u32),
    #[error("{what}: expected {expected} values, got {got}")]
    BufferSize {
        what: &'static str,
        expected: usize,
        got: usize,
    },
    #[error(
        "red actions per tick {0} is out of range (1..={max})",
        max = MAX_RED_ACTIONS_PER_TICK
    )]
    RedActionsPerTick(usize),
    #[error(
        "the red agent acts {agent} times a tick, but the simulator was built for {sim} \
         (SimConfig::red_actions_per_tick)"
    )]
    RedTempo { agent: usize, sim: usize },
    #[error("{side} action {action} of environment {env} is out of range (0..{limit})")]
    ActionOutOfRange {
        side: &'static str,
        env: usize,
        action: u32,
        limit: usize,
    },
}

/// Caller-owned output buffers for one step of a batch, row-major by environment.
pub struct StepOut<'a> {
    /// `n_envs × layout.blue_obs`
    pub blue_obs: &'a mut [f32],
    /// `n_envs × layout.red_obs`
    pub red_obs: &'a mut [f32],
    /// `n_envs × n_hosts`, bits of [`crate::layout::alert`]
    pub blue_alerts: &'a mut [u8],
    /// `n_envs`
    pub blue_reward: &'a mut [f32],
    /// `n_envs`
    pub red_reward: &'a mut [f32],
    /// `n_envs`: 1 where the step ended an episode (the row already holds the next
    /// episode's first observation)
    pub done: &'a mut [u8],
    /// `n_envs × layout.red_actions`: 1 where a red action is valid (optional)
    pub red_mask: Option<&'a mut [u8]>,
}

/// Owned buffers of the right sizes, for callers that don't bring their own.
#[derive(Clone, Debug, Default)]
pub struct Buffers {
    pub blue_obs: Vec<f32>,
    pub red_obs: Vec<f32>,
    pub blue_alerts: Vec<u8>,
    pub blue_reward: Vec<f32>,
    pub red_reward: Vec<f32>,
    pub done: Vec<u8>,
    pub red_mask: Vec<u8>,
}

impl Buffers {
    pub fn new(layout: &Layout, n_envs: usize) -> Buffers {
        Buffers {
            blue_obs: vec![0.0; n_envs * layout.blue_obs],
            red_obs: vec![0.0; n_envs * layout.red_obs],
            blue_alerts: vec![0; n_envs * layout.n_hosts],
            blue_reward: vec![0.0; n_envs],
            red_reward: vec![0.0; n_envs],
            done: vec![0; n_envs],
            red_mask: vec![0; n_envs * layout.red_actions],
        }
    }

    pub fn out(&mut self, with_mask: bool) -> StepOut<'_> {
        StepOut {
            blue_obs: &mut self.blue_obs,
            red_obs: &mut self.red_obs,
            blue_alerts: &mut self.blue_alerts,
            blue_reward: &mut self.blue_reward,
            red_reward: &mut self.red_reward,
            done: &mut self.done,
            red_mask: if with_mask {
                Some(&mut self.red_mask)
            } else {
                None
            },
        }
    }
}

/// The scenario and its precomputed facts (read-only while stepping).
#[derive(Resource)]
struct Shared {
    scenario: Arc<Scenario>,
    st: Static,
}

/// Every environment's state.
#[derive(Resource)]
struct State(Envs);

/// This step's actions and the chunk of environments the schedule runs over.
#[derive(Resource, Default)]
struct Inputs {
    blue: Vec<u32>,
    /// Red's inputs for its turn `sub` of this tick.
    red: Vec<u32>,
    sub: usize,
    start: usize,
    end: usize,
}

/// Systems, in the kill chain's order within a tick (see `crate::rules`). Each is a thin loop
/// over the chunk's environments in id order, calling its rule.
fn tick_starts(mut s: ResMut<State>, i: Res<Inputs>) {
    let envs = &mut s.bypass_change_detection().0;
    for e in i.start..i.end {
        if envs.active[e] {
            envs.begin_tick(e);
        }
    }
}

fn blue_acts(mut s: ResMut<State>, w: Res<Shared>, i: Res<Inputs>) {
    let envs = &mut s.bypass_change_detection().0;
    for e in i.start..i.end {
        if envs.active[e] {
            envs.blue_turn(&w.scenario, &w.st, e, i.blue[e]);
        }
    }
}

fn green_works(mut s: ResMut<State>, w: Res<Shared>, i: Res<Inputs>) {
    if w.scenario.green.is_empty() {
        return;
    }
    let envs = &mut s.bypass_change_detection().0;
    for e in i.start..i.end {
        if envs.active[e] {
            envs.green_turn(&w.scenario, &w.st, e);
        }
    }
}

fn red_acts(mut s: ResMut<State>, w: Res<Shared>, i: Res<Inputs>) {
    let envs = &mut s.bypass_change_detection().0;
    for e in i.start..i.end {
        if envs.active[e] {
            envs.red_turn(&w.scenario, &w.st, e, i.red[e], i.sub);
        }
    }
}

fn reward(mut s: ResMut<State>, w: Res<Shared>, i: Res<Inputs>) {
    let envs = &mut s.bypass_change_detection().0;
    for e in i.start..i.end {
        if envs.active[e] {
            envs.score(&w.scenario, e);
        }
    }
}

fn sensors(mut s: ResMut<State>, w: Res<Shared>, i: Res<Inputs>) {
    let envs = &mut s.bypass_change_detection().0;
    let alerts = envs.alerts.on;
    for e in i.start..i.end {
        if envs.active[e] {
            if alerts {
                envs.raise_alerts(&w.scenario, &w.st, e);
            }
            envs.monitor(&w.scenario, &w.st, e);
        }
    }
}

fn episode_ends(mut s: ResMut<State>, w: Res<Shared>, i: Res<Inputs>) {
    let envs = &mut s.bypass_change_detection().0;
    for e in i.start..i.end {
        if envs.active[e] {
            envs.finish_if_done(&w.scenario, &w.st, e);
        } else {
            envs.done[e] = false;
        }
    }
}

/// A single-threaded schedule of `systems`, initialised for `world`.
fn new_schedule<M>(
    world: &mut World,
    systems: impl IntoScheduleConfigs<bevy_ecs::system::ScheduleSystem, M>,
) -> Schedule {
    let mut schedule = Schedule::default();
    schedule.set_executor(SingleThreadedExecutor::new());
    schedule.add_systems(systems);
    schedule.initialize(world).ok();
    schedule
}

/// A batch of environments of one scenario, stepped together.
pub struct Sim {
    world: World,
    /// The whole tick, for a red that acts once a tick.
    schedule: Schedule,
    /// For a red that acts several times a tick: the tick up to red's turns, one turn of
    /// red's, and the rest of the tick.
    before_red: Schedule,
    red_turn: Schedule,
    after_red: Schedule,
    scenario: Arc<Scenario>,
    layout: Layout,
    n: usize,
    chunk: usize,
    red_per_tick: usize,
    /// Red's inputs for one of its turns.
    red_scratch: Vec<u32>,
}

impl Sim {
    pub fn new(scenario: Arc<Scenario>, cfg: &SimConfig) -> Result<Sim, SimError> {
        scenario.check()?;
        if cfg.n_envs == 0 {
            return Err(SimError::NoEnvironments);
        }
        if let Some(l) = cfg.episode_length
            && !(1..=crate::model::MAX_EPISODE_LENGTH).contains(&l)
        {
            return Err(SimError::EpisodeLength(l));
        }
        if !(1..=MAX_RED_ACTIONS_PER_TICK).contains(&cfg.red_actions_per_tick) {
            return Err(SimError::RedActionsPerTick(cfg.red_actions_per_tick));
        }
        let st = Static::new(&scenario);
        let layout = st.layout.clone();
        let envs = Envs::new(&scenario, cfg);
        let mut world = World::new();
        world.insert_resource(Shared {
            scenario: scenario.clone(),
            st,
        });
        world.insert_resource(State(envs));
        world.insert_resource(Inputs {
            blue: vec![0; cfg.n_envs],
            red: vec![0; cfg.n_envs],
            sub: 0,
            start: 0,
            end: 0,
        });
        let schedule = new_schedule(
            &mut world,
            (
                tick_starts,
                blue_acts,
                green_works,
                red_acts,
                sensors,
                reward,
                episode_ends,
            )
                .chain(),
        );
        let before_red = new_schedule(&mut world, (tick_starts, blue_acts, green_works).chain());
        let red_turn = new_schedule(&mut world, red_acts);
        let after_red = new_schedule(&mut world, (sensors, reward, episode_ends).chain());
        Ok(Sim {
            world,
            schedule,
            before_red,
            red_turn,
            after_red,
            scenario,
            layout,
            n: cfg.n_envs,
            chunk: cfg.chunk.max(1),
            red_per_tick: cfg.red_actions_per_tick,
            red_scratch: vec![0; cfg.n_envs],
        })
    }

    pub fn scenario(&self) -> &Arc<Scenario> {
        &self.scenario
    }
    pub fn layout(&self) -> &Layout {
        &self.layout
    }
    pub fn n_envs(&self) -> usize {
        self.n
    }
    /// Red's turns per tick ([`SimConfig::red_actions_per_tick`]).
    pub fn red_actions_per_tick(&self) -> usize {
        self.red_per_tick
    }

    fn envs(&self) -> &Envs {
        &self.world.resource::<State>().0
    }

    /// The engine's state, for the crate's read-only views.
    pub(crate) fn envs_view(&self) -> &Envs {
        self.envs()
    }

    /// Whether slot `env` is running an episode (false once its episodes are used up).
    pub fn is_active(&self, env: usize) -> bool {
        self.envs().active[env]
    }
    pub fn any_active(&self) -> bool {
        self.envs().active.iter().any(|&a| a)
    }
    /// The lowest episode id running in any slot (None once every slot is idle).
    pub fn lowest_active_episode(&self) -> Option<u64> {
        let envs = self.envs();
        (0..self.n)
            .filter(|&e| envs.active[e])
            .map(|e| envs.episode[e])
            .min()
    }
    /// Episode id currently running in slot `env`.
    pub fn episode_id(&self, env: usize) -> u64 {
        self.envs().episode[env]
    }
    /// Ticks elapsed in slot `env`'s episode.
    pub fn tick(&self, env: usize) -> u32 {
        self.envs().tick[env]
    }
    /// Trace hash so far of slot `env`'s episode.
    pub fn trace_hash(&self, env: usize) -> u64 {
        self.envs().hash[env]
    }
    /// Ground truth of slot `env`'s episode (neither side sees this).
    pub fn truth(&self, env: usize) -> Vec<HostTruth> {
        self.envs().truth(env, self.scenario.red.entry[0])
    }
    /// Blue's compromise estimates of slot `env` (0 none, 1 unknown, 2 user, 3 privileged).
    pub fn blue_estimate(&self, env: usize) -> Vec<u8> {
        self.envs().blue_estimate(env).to_vec()
    }
    /// Whether the critical service of `host` is running in slot `env`.
    pub fn service_running(&self, env: usize, host: usize) -> bool {
        self.envs().service_running(env, host)
    }
    /// Events recorded so far in slot `env`'s episode (recording only).
    pub fn events(&self, env: usize) -> &[Event] {
        self.envs()
            .log
            .get(env)
            .map(|v| v.as_slice())
            .unwrap_or(&[])
    }

    /// Moves the episodes finished since the last call into `into` (in the order they ended;
    /// within one step, in slot order).
    pub fn drain_finished(&mut self, into: &mut Vec<Finished>) {
        let envs = &mut self.world.resource_mut::<State>().into_inner().0;
        into.append(&mut envs.finished);
    }

    /// Drains only the summaries.
    pub fn drain_summaries(&mut self, into: &mut Vec<EpisodeSummary>) {
        let envs = &mut self.world.resource_mut::<State>().into_inner().0;
        into.extend(envs.finished.drain(..).map(|f| f.summary));
    }

    fn check_out(&self, out: &StepOut) -> Result<(), SimError> {
        let l = &self.layout;
        let n = self.n;
        let checks: [(&'static str, usize, usize); 6] = [
            ("blue_obs", n * l.blue_obs, out.blue_obs.len()),
            ("red_obs", n * l.red_obs, out.red_obs.len()),
            ("blue_alerts", n * l.n_hosts, out.blue_alerts.len()),
            ("blue_reward", n, out.blue_reward.len()),
            ("red_reward", n, out.red_reward.len()),
            ("done", n, out.done.len()),
        ];
        for (what, expected, got) in checks {
            if expected != got {
                return Err(SimError::BufferSize {
                    what,
                    expected,
                    got,
                });
            }
        }
        if let Some(m) = &out.red_mask
            && m.len() != n * l.red_actions
        {
            return Err(SimError::BufferSize {
                what: "red_mask",
                expected: n * l.red_actions,
                got: m.len(),
            });
        }
        Ok(())
    }

    /// Writes every slot's current observation (e.g. right after construction).
    pub fn observe(&self, out: &mut StepOut) -> Result<(), SimError> {
        self.check_out(out)?;
        self.write_outputs(0, self.n, out);
        Ok(())
    }

    /// Advances every active environment by one tick: blue's action and red's
    /// `red_actions_per_tick` actions per environment, then writes observations, rewards and
    /// done flags. `blue` holds one action per environment; `red` holds red's turns one after
    /// the other, each one action per environment (`red[t * n_envs + env]` for turn `t`; after
    /// the first turn, [`PASS`](crate::layout::PASS) ends an environment's tick).
    /// An environment whose episode ends is reset at once (its row shows the new episode).
    pub fn step(&mut self, blue: &[u32], red: &[u32], out: &mut StepOut) -> Result<(), SimError> {
        let n = self.n;
        let expected = n * self.red_per_tick;
        if red.len() != expected {
            return Err(SimError::BufferSize {
                what: "red",
                expected,
                got: red.len(),
            });
        }
        // Every turn is checked before the tick starts, so a bad input changes nothing.
        for (turn, acts) in red.chunks_exact(n).enumerate() {
            check_actions("red", acts, n, self.layout.red_actions, turn > 0)?;
        }
        self.step_with(blue, out, |turn, _, acts| {
            acts.copy_from_slice(&red[turn * n..(turn + 1) * n])
        })
    }

    /// [`Sim::step`] with red's actions decided turn by turn: `red(turn, red_obs, actions)`
    /// fills one action per environment for red's turn `turn` (0..`red_actions_per_tick`)
    /// from red's observation rows (`n_envs × layout.red_obs`): for turn 0, the rows `out`
    /// holds on entry (the last step's); for later turns, the rows after red's previous turn
    /// of this tick.
    ///
    /// # Errors
    /// As [`Sim::step`]. An out-of-range action from a later turn is found once the tick has
    /// begun: the batch is then left mid-tick, and should be dropped.
    pub fn step_with<F>(
        &mut self,
        blue: &[u32],
        out: &mut StepOut,
        mut red: F,
    ) -> Result<(), SimError>
    where
        F: FnMut(usize, &[f32], &mut [u32]),
    {
        self.check_out(out)?;
        let n = self.n;
        check_actions("blue", blue, n, self.layout.blue_actions, false)?;
        let mut acts = std::mem::take(&mut self.red_scratch);
        red(0, &*out.red_obs, &mut acts);
        let r = check_actions("red", &acts, n, self.layout.red_actions, false);
        if let Err(e) = r {
            self.red_scratch = acts;
            return Err(e);
        }
        {
            let mut inputs = self.world.resource_mut::<Inputs>();
            let inputs = inputs.bypass_change_detection();
            inputs.blue.copy_from_slice(blue);
            inputs.red.copy_from_slice(&acts);
            inputs.sub = 0;
        }
        if self.red_per_tick == 1 {
            self.red_scratch = acts;
            let mut start = 0;
            while start < n {
                let end = (start + self.chunk).min(n);
                self.set_range(start, end);
                self.schedule.run(&mut self.world);
                self.write_outputs(start, end, out);
                start = end;
            }
            return Ok(());
        }
        // Several turns of red's: the whole batch at once, red deciding between its turns.
        self.set_range(0, n);
        self.before_red.run(&mut self.world);
        for turn in 0..self.red_per_tick {
            if turn > 0 {
                self.write_red_obs(out.red_obs);
                red(turn, &*out.red_obs, &mut acts);
                let r = check_actions("red", &acts, n, self.layout.red_actions, true);
                if let Err(e) = r {
                    self.red_scratch = acts;
                    return Err(e);
                }
                let mut inputs = self.world.resource_mut::<Inputs>();
                let inputs = inputs.bypass_change_detection();
                inputs.red.copy_from_slice(&acts);
                inputs.sub = turn;
            }
            self.red_turn.run(&mut self.world);
        }
        self.red_scratch = acts;
        self.after_red.run(&mut self.world);
        self.write_outputs(0, n, out);
        Ok(())
    }

    fn set_range(&mut self, start: usize, end: usize) {
        let mut inputs = self.world.resource_mut::<Inputs>();
        let inputs = inputs.bypass_change_detection();
        inputs.start = start;
        inputs.end = end;
    }

    /// Red's observation rows of the active environments, between red's turns.
    fn write_red_obs(&self, red_obs: &mut [f32]) {
        let w = self.world.resource::<Shared>();
        let envs = self.envs();
        let width = self.layout.red_obs;
        for e in 0..self.n {
            if envs.active[e] {
                envs.write_red_obs(&w.scenario, e, &mut red_obs[e * width..(e + 1) * width]);
            }
        }
    }

    fn write_outputs(&self, start: usize, end: usize, out: &mut StepOut) {
        let w = self.world.resource::<Shared>();
        let envs = self.envs();
        let l = &self.layout;
        let s = &w.scenario;
        for e in start..end {
            let bo = &mut out.blue_obs[e * l.blue_obs..(e + 1) * l.blue_obs];
            let al = &mut out.blue_alerts[e * l.n_hosts..(e + 1) * l.n_hosts];
            let ro = &mut out.red_obs[e * l.red_obs..(e + 1) * l.red_obs];
            if envs.active[e] || envs.done[e] {
                envs.write_blue_obs(s, e, bo, al);
                envs.write_red_obs(s, e, ro);
                out.blue_reward[e] = envs.step.blue[e] as f32 / 10.0;
                out.red_reward[e] = envs.step.red[e] as f32 / 10.0;
            } else {
                bo.fill(0.0);
                al.fill(0);
                ro.fill(0.0);
                out.blue_reward[e] = 0.0;
                out.red_reward[e] = 0.0;
            }
            out.done[e] = envs.done[e] as u8;
            if let Some(m) = out.red_mask.as_deref_mut() {
                let row = &mut m[e * l.red_actions..(e + 1) * l.red_actions];
                if envs.active[e] {
                    envs.write_red_mask(s, &w.st, e, row);
                } else {
                    row.fill(0);
                }
            }
        }
    }
}

/// Checks one action per environment against the side's action count (`pass`: red's
/// [`PASS`](crate::layout::PASS) is allowed).
fn check_actions(
    side: &'static str,
    acts: &[u32],
    n: usize,
    limit: usize,
    pass: bool,
) -> Result<(), SimError> {
    if acts.len() != n {
        return Err(SimError::BufferSize {
            what: side,
            expected: n,
            got: acts.len(),
        });
    }
    match acts
        .iter()
        .position(|&a| a as usize >= limit && !(pass && a == crate::layout::PASS))
    {
        Some(env) => Err(SimError::ActionOutOfRange {
            side,
            env,
            action: acts[env],
            limit,
        }),
        None => Ok(()),
    }
}
