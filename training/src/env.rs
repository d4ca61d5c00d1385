//! The environment side of training: one batched [`Sim`], a scripted opponent, and the
//! learner's features, written into buffers the trainer owns.
//!
//! Either side can learn: the learner's actions come from the trainer, the other side's from
//! a scripted agent (or a mixture of them, drawn per episode). Features are the policy's
//! (`mirrorlab_agents::learned::features`, the same code the player runs): what the learner's
//! side observes, the scenario's static layout, the episode's progress and the learner's
//! memory of its own actions — never ground truth.
//!
//! Episodes have a fixed length and every update covers whole episodes, so at an update
//! boundary every slot has just started a fresh episode whose id is a function of the update
//! index: rebuilding the environment for update `u` ([`LearnerEnv::new`]) gives exactly the
//! state an uninterrupted run had, which is how a resumed run stays bit-identical.

use std::sync::Arc;

use mirrorlab_agents::{Agent, Obs, Side};
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::{Buffers, Layout, Sim, SimConfig, SimError};

use mirrorlab_agents::learned::{Featurizer, PolicyKind};

use crate::ppo::TrainError;

pub use mirrorlab_agents::learned::action_count;

/// A batch of environments, the opponent, and the learner's view of them.
pub struct LearnerEnv {
    pub sim: Sim,
    pub side: Side,
    opponent: Box<dyn Agent>,
    pub buf: Buffers,
    layout: Layout,
    featurizer: Featurizer,
    opponent_actions: Vec<u32>,
    ticks: Vec<u32>,
    /// Unscaled running return and length of each slot's current episode.
    running: Vec<(f64, u32)>,
}

/// One step's outcome for the learner, per environment.
pub struct StepResult<'a> {
    /// The learner's reward.
    pub reward: &'a [f32],
    /// 1 where the step ended an episode (the features already show the next one).
    pub done: &'a [u8],
}

impl LearnerEnv {
    /// The batch as it stands at the start of update `update` (episode ids
    /// `update × episodes_per_update + slot`, stride `n_envs`), with features for `policy`.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        scenario: Arc<Scenario>,
        policy: PolicyKind,
        side: Side,
        opponent: Box<dyn Agent>,
        n_envs: usize,
        seed: u64,
        episode_length: u32,
        first_episode: u64,
    ) -> Result<LearnerEnv, TrainError> {
        let featurizer = Featurizer::new(policy, side, &scenario, n_envs, episode_length)
            .map_err(TrainError::Setup)?;
        let mut cfg = SimConfig::new(n_envs, seed);
        cfg.episode_length = Some(episode_length);
        cfg.first_episode = first_episode;
        // A red opponent may act several times a tick (the `fast` attacker).
        if side == Side::Blue {
            cfg.red_actions_per_tick = opponent.actions_per_tick();
        }
        let sim = Sim::new(scenario, &cfg)?;
        let layout = sim.layout().clone();
        let mut buf = Buffers::new(&layout, n_envs);
        sim.observe(&mut buf.out(false))?;
        let mut opponent = opponent;
        for e in 0..n_envs {
            opponent.reset(e, sim.episode_id(e));
        }
        Ok(LearnerEnv {
            sim,
            side,
            opponent,
            buf,
            layout,
            featurizer,
            opponent_actions: vec![0; n_envs],
            ticks: vec![0; n_envs],
            running: vec![(0.0, 0); n_envs],
        })
    }

    pub fn n_envs(&self) -> usize {
        self.sim.n_envs()
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Width of one environment's feature row.
    pub fn feature_dim(&self) -> usize {
        self.featurizer.dim()
    }

    /// The learner's features now (`n × feature_dim`).
    pub fn features(&mut self, out: &mut [f32]) {
        for (e, t) in self.ticks.iter_mut().enumerate() {
            *t = self.sim.tick(e);
        }
        let obs = match self.side {
            Side::Blue => &self.buf.blue_obs,
            Side::Red => &self.buf.red_obs,
        };
        let n = self.ticks.len();
        self.featurizer.write(obs, &self.ticks, 0..n, out);
    }

    /// A red learner's valid actions now (`n × layout.red_actions`, 1 valid), read from red's
    /// observation ([`Layout::red_mask_from_obs`]); None for a blue learner, all of whose
    /// actions are always valid.
    pub fn action_mask(&self, out: &mut [u8]) -> Option<()> {
        if self.side != Side::Red {
            return None;
        }
        let (w, a) = (self.layout.red_obs, self.layout.red_actions);
        for (row, m) in self
            .buf
            .red_obs
            .chunks_exact(w)
            .zip(out.chunks_exact_mut(a))
        {
            self.layout.red_mask_from_obs(row, m);
        }
        Some(())
    }

    /// Steps every environment with the learner's actions; `finished` receives the
    /// (unscaled return, length) of every episode that ended, in slot order.
    pub fn step(
        &mut self,
        learner: &[u32],
        finished: &mut Vec<(f64, u32)>,
    ) -> Result<StepResult<'_>, SimError> {
        self.featurizer.chosen(learner, &self.ticks);
        let layout = &self.layout;
        match self.side {
            Side::Blue => {
                let red = &mut self.opponent;
                self.sim
                    .step_with(learner, &mut self.buf.out(false), |turn, obs, acts| {
                        mirrorlab_agents::red_turn(red.as_mut(), layout, turn, obs, acts)
                    })?;
            }
            Side::Red => {
                self.opponent.act(
                    &Obs {
                        layout,
                        side: Side::Blue,
                        obs: &self.buf.blue_obs,
                        alerts: &self.buf.blue_alerts,
                    },
                    &mut self.opponent_actions,
                );
                self.sim
                    .step(&self.opponent_actions, learner, &mut self.buf.out(false))?;
            }
        }
        let reward = match self.side {
            Side::Blue => &self.buf.blue_reward,
            Side::Red => &self.buf.red_reward,
        };
        for (e, r) in self.running.iter_mut().enumerate() {
            r.0 += reward[e] as f64;
            r.1 += 1;
            if self.buf.done[e] != 0 {
                finished.push(*r);
                *r = (0.0, 0);
                self.opponent.reset(e, self.sim.episode_id(e));
                self.featurizer.reset(e);
            }
        }
        Ok(StepResult {
            reward,
            done: &self.buf.done,
        })
    }
}
