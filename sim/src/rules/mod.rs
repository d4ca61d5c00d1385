//! The simulator's rules, one module per rule, each an `impl Envs` block of plain functions
//! over one environment. The bevy_ecs systems in `world.rs` call them for every environment
//! of a chunk, in environment order, in the kill chain's order within a tick (CAGE-2 §6.2):
//!
//! 1. [`episode`]: the tick starts (last tick's activity cleared, the clock advanced);
//! 2. [`blue`] acts (with [`decoy`] for deception; beyond CAGE-2, the tools a scenario gives
//!    it: [`isolation`], [`patching`], [`triage`], resetting [`credentials`],
//!    [`segmentation`]);
//! 3. [`green`] works (the scenario's sensors judge each piece of its work at once);
//! 4. [`red`] acts: [`discovery`], [`exploit`], [`escalate`], [`impact`], over [`network`];
//!    beyond CAGE-2, the techniques a scenario enables: [`phishing`], [`credentials`]
//!    (dumping, lateral movement with valid accounts), [`c2`] (channels, exfiltration),
//!    [`ransomware`], [`persistence`], [`obfuscation`] (tool variants that evade
//!    signature-based sensors);
//! 5. [`sensors`] turn red's activity of the tick into alerts and move blue's alert counts
//!    on, and turn the tick's activity into blue's CAGE-2 compromise estimate;
//! 6. [`reward`] scores the tick;
//! 7. [`episode`]: an episode whose time is up ends and the next one starts;
//!
//! then [`observe`] writes each side's observation. A new technique is a new module here,
//! a line in its side's dispatch, and its state in `engine::Envs`.
//!
//! Every random draw comes from the episode's own streams (red's, green's, the sensors') in a
//! fixed order, so an environment's trajectory does not depend on its neighbours.

pub mod blue;
pub mod c2;
pub mod credentials;
pub mod decoy;
pub mod discovery;
pub mod episode;
pub mod escalate;
pub mod exploit;
pub mod green;
pub mod impact;
pub mod isolation;
pub mod network;
pub mod obfuscation;
pub mod observe;
pub mod patching;
pub mod persistence;
pub mod phishing;
pub mod ransomware;
pub mod red;
pub mod reward;
pub mod segmentation;
pub mod sensors;
pub mod triage;
