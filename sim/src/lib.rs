//! mirrorlab's simulator: a deterministic, batched network simulator on bevy_ecs.
//!
//! - [`model`]: the compiled scenario (what the `scenarios` crate produces).
//! - [`Sim`]: a batch of environments stepped in one call into caller-owned buffers.
//! - [`trace`]: per-step events, trace hashes and the text trace format.
//! - [`replay`]: replay files' content, which reproduces episodes exactly.
//! - [`view`]: a typed, read-only view of one environment for viewers.
//!
//! Architecture invariants: this crate does no I/O, never reads the clock, draws randomness
//! only from [`rng::Stream`], and exposes no bevy type.

pub mod engine;
pub mod layout;
pub mod model;
pub mod replay;
pub mod rng;
pub mod rules;
pub mod trace;
pub mod view;
mod world;

pub use engine::{EpisodeSummary, Finished, HostTruth};
pub use layout::{BlueAction, Layout, RedAction};
pub use model::Scenario;
pub use view::{HostView, RedHold, ScoreView};
pub use world::{Buffers, Sim, SimConfig, SimError, StepOut};

/// The simulator's version: part of every replay, since rules may change between versions.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
