//! mirrorlab's trainer: PPO on libtorch through tch 0.24, for a learned defender (blue) or,
//! the same way, a learned attacker (red), against scripted opponents or mixtures of them.
//!
//! - [`config`]: the documented hyper-parameters (`training/ppo.toml`).
//! - [`env`]: the batched simulator and the opponent, as the learner sees them.
//! - [`policy`]: the actor-critic networks, seeded initialisation, sampling.
//! - [`adam`]: Adam whose state can be saved exactly.
//! - [`ppo`]: rollouts, GAE, the clipped objective: one update at a time.
//! - [`checkpoint`]: safetensors checkpoints, checked before they are trusted.
//! - [`run`]: run folders (resolved config, metrics.csv, checkpoints), resume.
//!
//! Architecture invariant: this is the only crate that links libtorch.

pub mod adam;
pub mod checkpoint;
pub mod config;
pub mod device;
pub mod env;
pub mod policy;
pub mod ppo;
pub mod run;

pub(crate) use mirrorlab_scenarios::files;
