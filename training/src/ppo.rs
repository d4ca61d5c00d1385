//! PPO as CleanRL's `ppo.py` defines it: rollouts of `num_envs × num_steps` from the batched
//! simulator, GAE(λ), advantage normalisation per minibatch, the clipped policy objective,
//! the (optionally clipped) value loss, an entropy bonus, linear learning-rate annealing,
//! global gradient-norm clipping, minibatches and epochs, approximate KL and clip fraction.
//!
//! Every random number comes from the project's ChaCha streams (action sampling keyed by the
//! update index, minibatch order likewise, weights by the seed), so a run is a function of
//! its seed and configuration, and a run resumed from a checkpoint continues exactly.
//!
//! Episodes end by a time limit; the features carry `tick / episode_length`, so the end of an
//! episode is a true terminal state of the finite-horizon problem the policy sees, and GAE
//! does not bootstrap across it.

use std::sync::Arc;

use mirrorlab_agents::{Agent, Side};
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::rng::{Purpose, Stream};
use tch::{Device, Kind, Tensor};

use crate::adam::Adam;
use crate::config::TrainConfig;
use crate::env::{LearnerEnv, action_count};
use crate::policy::{ActorCritic, Shape, sample};
use mirrorlab_agents::learned::Featurizer;

/// One row of `metrics.csv` (CleanRL's names; see [`Metrics::HEADER`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Metrics {
    pub update: u64,
    pub global_step: u64,
    /// Seconds of training so far (wall clock, across resumes).
    pub wall_time: f64,
    pub episodic_return: f64,
    pub episodic_return_std: f64,
    pub episodic_length: f64,
    pub episodes: u64,
    /// Environment steps per second of this update (wall clock).
    pub sps: f64,
    pub learning_rate: f64,
    pub policy_loss: f64,
    pub value_loss: f64,
    pub entropy: f64,
    pub approx_kl: f64,
    pub clipfrac: f64,
    pub explained_variance: f64,
    /// Seconds of this update spent stepping the simulator and scripted opponent, in policy
    /// inference during rollouts, and in the PPO update (the profile `train --bench` prints).
    pub time_sim: f64,
    pub time_inference: f64,
    pub time_update: f64,
}

impl Metrics {
    pub const HEADER: &'static str = "update,global_step,wall_time,charts/episodic_return,\
charts/episodic_return_std,charts/episodic_length,charts/episodes,charts/SPS,\
charts/learning_rate,losses/policy_loss,losses/value_loss,losses/entropy,losses/approx_kl,\
losses/clipfrac,losses/explained_variance,time/sim,time/inference,time/update";

    pub fn csv(&self) -> String {
        format!(
            "{},{},{:.3},{},{},{},{},{:.1},{},{},{},{},{},{},{},{:.4},{:.4},{:.4}",
            self.update,
            self.global_step,
            self.wall_time,
            self.episodic_return,
            self.episodic_return_std,
            self.episodic_length,
            self.episodes,
            self.sps,
            self.learning_rate,
            self.policy_loss,
            self.value_loss,
            self.entropy,
            self.approx_kl,
            self.clipfrac,
            self.explained_variance,
            self.time_sim,
            self.time_inference,
            self.time_update,
        )
    }
}

/// What the trainer learns against and on.
pub struct Setup {
    pub scenario: Arc<Scenario>,
    /// The learning side (blue today; red is trained the same way).
    pub side: Side,
    /// The opponent spec (`bline:1,meander:1`).
    pub opponent: String,
    pub seed: u64,
    pub total_steps: u64,
    pub device: Device,
}

/// A PPO learner and its progress.
pub struct Trainer {
    pub cfg: TrainConfig,
    pub setup: Setup,
    pub net: ActorCritic,
    pub adam: Adam,
    pub params: Vec<(String, Tensor)>,
    /// Updates completed.
    pub update: u64,
    pub total_updates: u64,
    pub episode_length: u32,
    /// Width of one environment's feature row.
    pub feature_dim: usize,
    /// Seconds trained before this process (resumed runs).
    pub wall_offset: f64,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error("{0}")]
    Setup(String),
    #[error(transparent)]
    Sim(#[from] mirrorlab_sim::SimError),
    #[error(transparent)]
    Agent(#[from] mirrorlab_agents::AgentError),
    #[error(transparent)]
    Torch(#[from] tch::TchError),
}

impl Trainer {
    /// A fresh learner. Sets libtorch's thread count first (`torch_threads`), so the seeded
    /// initialisation is the same on every machine.
    pub fn new(cfg: TrainConfig, setup: Setup) -> Result<Trainer, TrainError> {
        tch::set_num_threads(cfg.torch_threads as i32);
        let layout = mirrorlab_sim::Layout::new(&setup.scenario);
        let episode_length = cfg.episode_length.unwrap_or(setup.scenario.episode_length);
        if !cfg.num_steps.is_multiple_of(episode_length) {
            return Err(TrainError::Setup(format!(
                "num_steps = {} is not a multiple of the episode length {episode_length}: every \
                 update must cover whole episodes (set num_steps or episode_length)",
                cfg.num_steps
            )));
        }
        let features = Featurizer::new(
            cfg.policy_kind(),
            setup.side,
            &setup.scenario,
            1,
            episode_length,
        )
        .map_err(TrainError::Setup)?;
        let shape = Shape {
            kind: cfg.policy.clone(),
            inputs: features.inputs(),
            hidden: cfg.policy_hidden().to_vec(),
            actions: action_count(&layout, setup.side),
        };
        let net = ActorCritic::new(shape, setup.device, setup.seed, features.hosts_layout());
        let feature_dim = features.dim();
        let params = net.parameters();
        let adam = Adam::new(&params, cfg.adam_eps);
        let total_updates = setup.total_steps.div_ceil(cfg.batch_size() as u64).max(1);
        Ok(Trainer {
            cfg,
            setup,
            net,
            adam,
            params,
            update: 0,
            total_updates,
            episode_length,
            feature_dim,
            wall_offset: 0.0,
        })
    }

    fn opponent(&self) -> Result<Box<dyn Agent>, TrainError> {
        let other = self.setup.side.other();
        Ok(mirrorlab_agents::build_agent(
            other,
            &self.setup.opponent,
            &self.setup.scenario,
            self.cfg.num_envs,
            self.setup.seed,
        )?)
    }

    pub fn episodes_per_update(&self) -> u64 {
        (self.cfg.num_envs as u64) * (self.cfg.num_steps / self.episode_length) as u64
    }

    pub fn global_step(&self) -> u64 {
        self.update * self.cfg.batch_size() as u64
    }

    pub fn done(&self) -> bool {
        self.update >= self.total_updates
    }

    /// One update: a rollout from fresh episodes, then PPO's epochs. `clock` returns seconds
    /// (the trainer reads no clock itself).
    pub fn step_update(&mut self, clock: &dyn Fn() -> f64) -> Result<Metrics, TrainError> {
        let cfg = self.cfg.clone();
        let device = self.setup.device;
        let n = cfg.num_envs;
        let steps = cfg.num_steps as usize;
        let d = self.feature_dim;
        let t0 = clock();
        let first = self.update * self.episodes_per_update();
        let mut env = LearnerEnv::new(
            self.setup.scenario.clone(),
            self.cfg.policy_kind(),
            self.setup.side,
            self.opponent()?,
            n,
            self.setup.seed,
            self.episode_length,
            first,
        )?;
        let mut rng = Stream::new(self.setup.seed, Purpose::TrainSample, self.update);
        let mut feats = vec![0f32; n * d];
        let mut obs_all = vec![0f32; steps * n * d];
        let mut actions_all = vec![0i64; steps * n];
        let mut logp_all = vec![0f32; steps * n];
        let mut values = vec![0f32; (steps + 1) * n];
        let mut rewards = vec![0f32; steps * n];
        let mut dones = vec![0f32; steps * n];
        let mut uniforms = vec![0f32; n];
        let mut acts = vec![0u32; n];
        // A red learner's actions are masked to those naming what it knows (an invalid one
        // only costs it a penalty); blue's are all valid.
        let n_actions = self.net.shape.actions;
        let masked = self.setup.side == Side::Red;
        let mut masks_all = vec![0u8; if masked { steps * n * n_actions } else { 0 }];
        let mut finished = Vec::new();
        let (mut t_sim, mut t_inf) = (0.0, 0.0);
        for s in 0..steps {
            let ti = clock();
            env.features(&mut feats);
            obs_all[s * n * d..(s + 1) * n * d].copy_from_slice(&feats);
            for u in &mut uniforms {
                *u = rng.unit_f32();
            }
            {
                let _g = tch::no_grad_guard();
                let x = Tensor::from_slice(&feats)
                    .view([n as i64, d as i64])
                    .to_device(device);
                let (mut logits, value) = self.net.forward(&x);
                if masked {
                    let m = &mut masks_all[s * n * n_actions..(s + 1) * n * n_actions];
                    env.action_mask(m);
                    logits = mask_logits(&logits, m, n, n_actions, device);
                }
                let u = Tensor::from_slice(&uniforms).to_device(device);
                let a = sample(&logits, &u);
                let logp = logits
                    .log_softmax(-1, Kind::Float)
                    .gather(1, &a.unsqueeze(1), false)
                    .squeeze_dim(1);
                let a_cpu = a.to_device(Device::Cpu);
                a_cpu.copy_data(&mut actions_all[s * n..(s + 1) * n], n);
                logp.to_device(Device::Cpu)
                    .copy_data(&mut logp_all[s * n..(s + 1) * n], n);
                value
                    .to_device(Device::Cpu)
                    .copy_data(&mut values[s * n..(s + 1) * n], n);
            }
            for (x, &a) in acts.iter_mut().zip(&actions_all[s * n..(s + 1) * n]) {
                *x = a as u32;
            }
            let ts = clock();
            t_inf += ts - ti;
            let r = env.step(&acts, &mut finished)?;
            for e in 0..n {
                rewards[s * n + e] = r.reward[e] * cfg.reward_scale as f32;
                dones[s * n + e] = r.done[e] as f32;
            }
            t_sim += clock() - ts;
        }
        // The value after the last step (its episodes all ended: masked by `dones`).
        {
            let _g = tch::no_grad_guard();
            env.features(&mut feats);
            let x = Tensor::from_slice(&feats)
                .view([n as i64, d as i64])
                .to_device(device);
            let (_, value) = self.net.forward(&x);
            value
                .to_device(Device::Cpu)
                .copy_data(&mut values[steps * n..], n);
        }
        // GAE(λ): done[s] = 1 means step s ended its episode.
        let mut adv = vec![0f32; steps * n];
        let (g, l) = (cfg.gamma as f32, cfg.gae_lambda as f32);
        for e in 0..n {
            let mut last = 0f32;
            for s in (0..steps).rev() {
                let i = s * n + e;
                let nonterminal = 1.0 - dones[i];
                let delta = rewards[i] + g * values[i + n] * nonterminal - values[i];
                last = delta + g * l * nonterminal * last;
                adv[i] = last;
            }
        }
        let returns: Vec<f32> = adv.iter().zip(&values).map(|(a, v)| a + v).collect();

        // The update.
        let tu = clock();
        let frac = 1.0 - self.update as f64 / self.total_updates as f64;
        let lr = if cfg.anneal_lr {
            frac * cfg.learning_rate
        } else {
            cfg.learning_rate
        };
        let batch = steps * n;
        let b_obs = Tensor::from_slice(&obs_all)
            .view([batch as i64, d as i64])
            .to_device(device);
        let b_act = Tensor::from_slice(&actions_all).to_device(device);
        let b_logp = Tensor::from_slice(&logp_all).to_device(device);
        let b_adv = Tensor::from_slice(&adv).to_device(device);
        let b_ret = Tensor::from_slice(&returns).to_device(device);
        let b_val = Tensor::from_slice(&values[..batch]).to_device(device);
        let b_mask = masked.then(|| {
            Tensor::from_slice(&masks_all)
                .view([batch as i64, n_actions as i64])
                .to_device(device)
        });
        let mut shuffle = Stream::new(self.setup.seed, Purpose::TrainShuffle, self.update);
        let mut order: Vec<i64> = (0..batch as i64).collect();
        let mb = cfg.minibatch_size();
        let (mut pl, mut vl, mut ent, mut kl, mut cf, mut count) = (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
        'epochs: for _ in 0..cfg.update_epochs {
            // Fisher–Yates from the update's stream.
            for i in (1..batch).rev() {
                let j = shuffle.below(i as u32 + 1) as usize;
                order.swap(i, j);
            }
            let mut epoch_kl = 0.0;
            for start in (0..batch).step_by(mb) {
                let idx = Tensor::from_slice(&order[start..start + mb]).to_device(device);
                let o = b_obs.index_select(0, &idx);
                let a = b_act.index_select(0, &idx);
                let (mut logits, newv) = self.net.forward(&o);
                if let Some(m) = &b_mask {
                    logits = logits.masked_fill(&m.index_select(0, &idx).eq(0), INVALID_LOGIT);
                }
                let logp_all_a = logits.log_softmax(-1, Kind::Float);
                let newlogp = logp_all_a.gather(1, &a.unsqueeze(1), false).squeeze_dim(1);
                let entropy =
                    -(logp_all_a.exp() * &logp_all_a).sum_dim_intlist(-1, false, Kind::Float);
                let logratio = &newlogp - b_logp.index_select(0, &idx);
                let ratio = logratio.exp();
                let (approx_kl, clipfrac) = {
                    let _g = tch::no_grad_guard();
                    let approx_kl = ((&ratio - 1.0) - &logratio).mean(Kind::Float);
                    let clipfrac = (&ratio - 1.0)
                        .abs()
                        .gt(cfg.clip_coef)
                        .to_kind(Kind::Float)
                        .mean(Kind::Float);
                    (approx_kl, clipfrac)
                };
                let mut madv = b_adv.index_select(0, &idx);
                if cfg.norm_adv {
                    madv = (&madv - madv.mean(Kind::Float)) / (madv.std(true) + 1e-8);
                }
                let pg1 = -&madv * &ratio;
                let pg2 = -&madv * ratio.clamp(1.0 - cfg.clip_coef, 1.0 + cfg.clip_coef);
                let pg_loss = pg1.maximum(&pg2).mean(Kind::Float);
                let ret = b_ret.index_select(0, &idx);
                let v_loss: Tensor = if cfg.clip_vloss {
                    let oldv = b_val.index_select(0, &idx);
                    let unclipped = (&newv - &ret).square();
                    let clipped = &oldv + (&newv - &oldv).clamp(-cfg.clip_coef, cfg.clip_coef);
                    let clipped = (clipped - &ret).square();
                    unclipped.maximum(&clipped).mean(Kind::Float) * 0.5
                } else {
                    (&newv - &ret).square().mean(Kind::Float) * 0.5
                };
                let ent_loss = entropy.mean(Kind::Float);
                let loss: Tensor = &pg_loss - &ent_loss * cfg.ent_coef + &v_loss * cfg.vf_coef;
                Adam::zero_grad(&self.params);
                loss.backward();
                let _ = Adam::clip_grad_norm(&self.params, cfg.max_grad_norm);
                self.adam.step(&self.params, lr);
                let k = approx_kl.double_value(&[]);
                pl += pg_loss.double_value(&[]);
                vl += v_loss.double_value(&[]);
                ent += ent_loss.double_value(&[]);
                kl += k;
                cf += clipfrac.double_value(&[]);
                count += 1.0;
                epoch_kl = k;
            }
            if let Some(t) = cfg.target_kl
                && epoch_kl > t
            {
                break 'epochs;
            }
        }
        let var_y = variance(&returns);
        let diff: Vec<f32> = returns
            .iter()
            .zip(&values[..batch])
            .map(|(r, v)| r - v)
            .collect();
        let explained = if var_y == 0.0 {
            f64::NAN
        } else {
            1.0 - variance(&diff) / var_y
        };
        let t_update = clock() - tu;
        self.update += 1;
        let (ret_mean, ret_std) = mean_std(finished.iter().map(|f| f.0));
        let (len_mean, _) = mean_std(finished.iter().map(|f| f.1 as f64));
        let elapsed = clock() - t0;
        Ok(Metrics {
            update: self.update,
            global_step: self.global_step(),
            wall_time: 0.0,
            episodic_return: ret_mean,
            episodic_return_std: ret_std,
            episodic_length: len_mean,
            episodes: finished.len() as u64,
            sps: batch as f64 / elapsed.max(1e-9),
            learning_rate: lr,
            policy_loss: pl / count,
            value_loss: vl / count,
            entropy: ent / count,
            approx_kl: kl / count,
            clipfrac: cf / count,
            explained_variance: explained,
            time_sim: t_sim,
            time_inference: t_inf,
            time_update: t_update,
        })
    }
}

fn variance(x: &[f32]) -> f64 {
    let (_, s) = mean_std(x.iter().map(|&v| v as f64));
    s * s
}

/// Mean and population standard deviation, in iteration order (NaN for no values).
fn mean_std(x: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    let n = x.clone().count();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = x.clone().sum::<f64>() / n as f64;
    let var = x.map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
    (mean, var.sqrt())
}

/// The logit given to an action the mask rules out: low enough that it is never sampled,
/// finite so that the entropy (p · log p) stays 0 for it rather than NaN.
const INVALID_LOGIT: f64 = -1e9;

/// `logits` (`n × actions`) with the actions `mask` (row-major, 1 valid) rules out set to
/// [`INVALID_LOGIT`].
fn mask_logits(logits: &Tensor, mask: &[u8], n: usize, actions: usize, device: Device) -> Tensor {
    let m = Tensor::from_slice(mask)
        .view([n as i64, actions as i64])
        .to_device(device);
    logits.masked_fill(&m.eq(0), INVALID_LOGIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Masked actions are never sampled, keep a finite log-probability, and add nothing to
    /// the entropy.
    #[test]
    fn masked_actions_are_never_sampled_and_leave_the_entropy_finite() {
        let (n, k) = (4usize, 5usize);
        let logits = Tensor::from_slice(&[0f32; 20]).view([n as i64, k as i64]);
        // Env e may take actions e and 4 only.
        let mut mask = vec![0u8; n * k];
        for e in 0..n {
            mask[e * k + e] = 1;
            mask[e * k + 4] = 1;
        }
        let masked = mask_logits(&logits, &mask, n, k, Device::Cpu);
        for u in [0.0f32, 0.3, 0.49, 0.51, 0.99] {
            let a = sample(&masked, &Tensor::from_slice(&[u; 4]));
            let mut got = vec![0i64; n];
            a.copy_data(&mut got, n);
            for (e, &x) in got.iter().enumerate() {
                assert!(x as usize == e || x == 4, "env {e} sampled {x} at u = {u}");
            }
        }
        let logp = masked.log_softmax(-1, Kind::Float);
        let entropy = -(logp.exp() * &logp).sum_dim_intlist(-1, false, Kind::Float);
        let mut h = vec![0f32; n];
        entropy.copy_data(&mut h, n);
        for v in h {
            assert!((v as f64 - 2f64.ln()).abs() < 1e-5, "entropy {v}");
        }
    }
}
