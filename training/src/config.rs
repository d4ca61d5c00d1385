//! The trainer's hyper-parameters: one documented struct, its defaults, and how a run's
//! configuration is resolved (defaults, then a config file, then `--set key=value`
//! overrides). `training/ppo.toml` lists every field with its doc line and default; a test
//! keeps the two in step.
//!
//! Names and defaults follow CleanRL's `ppo.py` (Huang et al., "The 37 Implementation Details
//! of Proximal Policy Optimization", 2022) unless the doc line says otherwise.

use mirrorlab_agents::learned::PolicyKind;
use serde::{Deserialize, Serialize};

/// PPO and run settings. Every field has a default; see `training/ppo.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Policy architecture: `mlp` (an MLP over the flat observation; plays the network it was
    /// trained on) or `hosts` (blue only: a shared per-host encoder, message passing over
    /// subnets, per-host logits; its parameters do not depend on the network, so it plays
    /// networks of any size).
    pub policy: String,
    /// Hidden layer widths of the `mlp` policy.
    pub hidden: Vec<usize>,
    /// Widths of the `hosts` policy: `[host embedding, decoy-pair hidden layer]`.
    pub hosts_hidden: Vec<usize>,
    /// Environments stepped together in one batch.
    pub num_envs: usize,
    /// Steps per environment per update: a multiple of the episode length, so that every
    /// update starts with fresh episodes (what makes a resumed run bit-identical).
    pub num_steps: u32,
    /// Episode length in ticks (default: the scenario's).
    pub episode_length: Option<u32>,
    /// Adam's learning rate.
    pub learning_rate: f64,
    /// Anneal the learning rate linearly to 0 over the run.
    pub anneal_lr: bool,
    /// Discount factor.
    pub gamma: f64,
    /// GAE's λ.
    pub gae_lambda: f64,
    /// Minibatches per epoch.
    pub num_minibatches: usize,
    /// Epochs over each rollout (CleanRL: 4; 2 learns as well on CAGE-2 per second of CPU,
    /// results/training/README.md).
    pub update_epochs: usize,
    /// Normalise advantages per minibatch.
    pub norm_adv: bool,
    /// PPO's clipping coefficient ε.
    pub clip_coef: f64,
    /// Clip the value loss as the policy loss is clipped.
    pub clip_vloss: bool,
    /// Entropy bonus coefficient.
    pub ent_coef: f64,
    /// Value loss coefficient.
    pub vf_coef: f64,
    /// Global gradient-norm clipping threshold.
    pub max_grad_norm: f64,
    /// Stop an update's epochs early when the approximate KL exceeds this (none: never).
    pub target_kl: Option<f64>,
    /// Adam's ε (CleanRL: 1e-5; tch's own default would be 1e-8).
    pub adam_eps: f64,
    /// Rewards are multiplied by this before learning (CAGE-2's per-step rewards reach -13;
    /// 0.1 keeps value targets near unit scale). Reported returns are unscaled.
    pub reward_scale: f64,
    /// Write a checkpoint and flush metrics every this many updates.
    pub checkpoint_every: u32,
    /// libtorch threads for the update (inference during rollouts uses the same).
    pub torch_threads: usize,
}

impl TrainConfig {
    /// The policy architecture (checked by [`TrainConfig::check`]).
    pub fn policy_kind(&self) -> PolicyKind {
        PolicyKind::parse(&self.policy).unwrap_or(PolicyKind::Mlp)
    }

    /// The hidden widths of the configured policy.
    pub fn policy_hidden(&self) -> &[usize] {
        match self.policy_kind() {
            PolicyKind::Mlp => &self.hidden,
            PolicyKind::Hosts => &self.hosts_hidden,
        }
    }
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            policy: "mlp".into(),
            hidden: vec![128, 128],
            hosts_hidden: vec![32, 16],
            num_envs: 256,
            num_steps: 100,
            episode_length: None,
            learning_rate: 5e-4,
            anneal_lr: true,
            gamma: 0.99,
            gae_lambda: 0.95,
            num_minibatches: 4,
            update_epochs: 2,
            norm_adv: true,
            clip_coef: 0.2,
            clip_vloss: true,
            ent_coef: 0.01,
            vf_coef: 0.5,
            max_grad_norm: 0.5,
            target_kl: None,
            adam_eps: 1e-5,
            reward_scale: 0.1,
            checkpoint_every: 10,
            torch_threads: 2,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ConfigError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
    #[error("--set {arg}: expected key=value")]
    SetSyntax { arg: String },
    #[error("--set {arg}: {message}")]
    Set { arg: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl TrainConfig {
    /// Defaults, then the TOML text of a config file (any subset of the fields), then
    /// `key=value` overrides (values in TOML syntax; a bare word is a string).
    pub fn resolve(
        file: Option<(&str, &str)>,
        sets: &[String],
    ) -> Result<TrainConfig, ConfigError> {
        let mut table = toml::Table::try_from(TrainConfig::default())
            .map_err(|e| ConfigError::Invalid(e.to_string()))?;
        if let Some((name, text)) = file {
            let given: toml::Table = toml::from_str(text).map_err(|e| ConfigError::File {
                file: name.into(),
                message: e.to_string().trim().replace('\n', " "),
            })?;
            for (k, v) in given {
                table.insert(k, v);
            }
            // Unknown keys are reported with the file's name.
            TrainConfig::deserialize(table.clone()).map_err(|e| ConfigError::File {
                file: name.into(),
                message: e.to_string().trim().replace('\n', " "),
            })?;
        }
        for arg in sets {
            let (k, v) = arg
                .split_once('=')
                .ok_or_else(|| ConfigError::SetSyntax { arg: arg.clone() })?;
            let k = k.trim();
            let value = match toml::from_str::<toml::Table>(&format!("v = {v}")) {
                Ok(mut t) => t.remove("v").unwrap_or(toml::Value::String(v.into())),
                Err(_) => toml::Value::String(v.trim().into()),
            };
            table.insert(k.into(), value);
            TrainConfig::deserialize(table.clone()).map_err(|e| ConfigError::Set {
                arg: arg.clone(),
                message: e.to_string().trim().replace('\n', " "),
            })?;
        }
        let c = TrainConfig::deserialize(table).map_err(|e| ConfigError::Invalid(e.to_string()))?;
        c.check()?;
        Ok(c)
    }

    /// Checks ranges and relations between fields.
    pub fn check(&self) -> Result<(), ConfigError> {
        let bad = |m: String| Err(ConfigError::Invalid(m));
        if PolicyKind::parse(&self.policy).is_none() {
            return bad(format!(
                "policy = {:?}: expected one of {}",
                self.policy,
                PolicyKind::NAMES
            ));
        }
        if self.hosts_hidden.len() != 2 || self.hosts_hidden.iter().any(|&h| h == 0 || h > 4096) {
            return bad("hosts_hidden: expected two widths in 1..=4096".into());
        }
        if let Some(l) = self.episode_length
            && !(1..=mirrorlab_sim::model::MAX_EPISODE_LENGTH).contains(&l)
        {
            return bad(format!(
                "episode_length = {l}: expected 1..={}",
                mirrorlab_sim::model::MAX_EPISODE_LENGTH
            ));
        }
        if self.hidden.is_empty() || self.hidden.iter().any(|&h| h == 0 || h > 4096) {
            return bad("hidden: expected 1 or more widths in 1..=4096".into());
        }
        if !(1..=1 << 20).contains(&self.num_envs) {
            return bad(format!(
                "num_envs = {}: expected 1..=1048576",
                self.num_envs
            ));
        }
        if self.num_steps == 0 {
            return bad("num_steps: expected at least 1".into());
        }
        let batch = self.num_envs * self.num_steps as usize;
        if self.num_minibatches == 0 || !batch.is_multiple_of(self.num_minibatches) {
            return bad(format!(
                "num_minibatches = {}: expected a divisor of num_envs × num_steps = {batch}",
                self.num_minibatches
            ));
        }
        if self.norm_adv && batch / self.num_minibatches.max(1) < 2 {
            return bad(
                "num_minibatches: minibatches of one sample cannot normalise advantages; \
                 expected at most half of num_envs × num_steps"
                    .into(),
            );
        }
        if self.update_epochs == 0 {
            return bad("update_epochs: expected at least 1".into());
        }
        for (name, v, lo, hi) in [
            ("learning_rate", self.learning_rate, 0.0, 1.0),
            ("gamma", self.gamma, 0.0, 1.0),
            ("gae_lambda", self.gae_lambda, 0.0, 1.0),
            ("clip_coef", self.clip_coef, 0.0, 10.0),
            ("ent_coef", self.ent_coef, 0.0, 10.0),
            ("vf_coef", self.vf_coef, 0.0, 100.0),
            ("max_grad_norm", self.max_grad_norm, 0.0, 1e6),
            ("adam_eps", self.adam_eps, 0.0, 1.0),
            ("reward_scale", self.reward_scale, 0.0, 1e6),
        ] {
            if !v.is_finite() || v < lo || v > hi {
                return bad(format!("{name} = {v}: expected {lo}..={hi}"));
            }
        }
        if self.checkpoint_every == 0 {
            return bad("checkpoint_every: expected at least 1".into());
        }
        if !(1..=256).contains(&self.torch_threads) {
            return bad("torch_threads: expected 1..=256".into());
        }
        Ok(())
    }

    /// The resolved configuration as TOML (saved in every run folder).
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    pub fn batch_size(&self) -> usize {
        self.num_envs * self.num_steps as usize
    }

    pub fn minibatch_size(&self) -> usize {
        self.batch_size() / self.num_minibatches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_and_sets_override_defaults_and_bad_input_is_named() {
        let c = TrainConfig::resolve(
            Some(("a.toml", "num_envs = 8\nhidden = [32]")),
            &["learning_rate=1e-3".into(), "policy = mlp".into()],
        )
        .unwrap();
        assert_eq!(c.num_envs, 8);
        assert_eq!(c.hidden, [32]);
        assert_eq!(c.learning_rate, 1e-3);
        let e = TrainConfig::resolve(Some(("a.toml", "num_env = 8")), &[]).unwrap_err();
        assert!(e.to_string().contains("a.toml") && e.to_string().contains("num_env"));
        let e = TrainConfig::resolve(None, &["gamma".into()]).unwrap_err();
        assert_eq!(
            e,
            ConfigError::SetSyntax {
                arg: "gamma".into()
            }
        );
        let e = TrainConfig::resolve(None, &["gamma=2".into()]).unwrap_err();
        assert!(e.to_string().contains("gamma = 2"), "{e}");
        let e = TrainConfig::resolve(None, &["num_minibatches=7".into()]).unwrap_err();
        assert!(e.to_string().contains("divisor"), "{e}");
        let e = TrainConfig::resolve(
            None,
            &[
                "num_envs=2".into(),
                "num_steps=1".into(),
                "num_minibatches=2".into(),
            ],
        )
        .unwrap_err();
        assert!(e.to_string().contains("one sample"), "{e}");
        let e = TrainConfig::resolve(None, &["episode_length=0".into()]).unwrap_err();
        assert!(e.to_string().contains("episode_length = 0"), "{e}");
        let e = TrainConfig::resolve(None, &["policy=gnn".into()]).unwrap_err();
        assert!(e.to_string().contains("mlp, hosts"), "{e}");
        let e = TrainConfig::resolve(None, &["hosts_hidden=[32]".into()]).unwrap_err();
        assert!(e.to_string().contains("two widths"), "{e}");
    }

    #[test]
    fn the_documented_config_file_lists_every_field_with_its_default() {
        let text = include_str!("../ppo.toml");
        let file: toml::Table = toml::from_str(text).unwrap();
        let defaults = toml::Table::try_from(TrainConfig::default()).unwrap();
        for (k, v) in &defaults {
            assert_eq!(
                file.get(k),
                Some(v),
                "ppo.toml: `{k}` missing or not the default"
            );
        }
        for k in file.keys() {
            assert!(defaults.contains_key(k), "ppo.toml: unknown `{k}`");
        }
        // Every field has a doc line just above it.
        let lines: Vec<&str> = text.lines().collect();
        for (i, l) in lines.iter().enumerate() {
            if let Some((k, _)) = l.split_once(" = ")
                && !l.starts_with('#')
            {
                assert!(
                    i > 0 && lines[i - 1].starts_with("# "),
                    "`{k}` has no doc line"
                );
            }
        }
        // Optional fields appear commented out with their meaning.
        assert!(text.contains("# episode_length ="));
        assert!(text.contains("# target_kl ="));
    }

    #[test]
    fn the_hosts_recipe_resolves_to_the_hosts_policy() {
        let c =
            TrainConfig::resolve(Some(("hosts.toml", include_str!("../hosts.toml"))), &[]).unwrap();
        assert_eq!(c.policy_kind(), PolicyKind::Hosts);
        assert_eq!(c.policy_hidden(), &[32, 16]);
        assert_ne!(c.learning_rate, TrainConfig::default().learning_rate);
    }
}
