//! mirrorlab's scripted agents and the loop that plays them against each other.
//!
//! Agents are batched: one agent object decides for every environment of a batch, keeping
//! per-environment state in flat arrays, and draws randomness only from its own per-episode
//! stream ([`Purpose::AgentRed`] / [`Purpose::AgentBlue`]), so its choices in an episode depend
//! on (seed, episode id) alone. Agents see only their side's observation, as a learned policy
//! would: red its knowledge vector and last success flag, blue the CAGE-2 table and its
//! per-host alerts.
//!
//! [`Purpose::AgentRed`]: mirrorlab_sim::rng::Purpose::AgentRed
//! [`Purpose::AgentBlue`]: mirrorlab_sim::rng::Purpose::AgentBlue

pub mod blue;
pub mod play;
pub mod red;

use mirrorlab_sim::Layout;
use mirrorlab_sim::model::Scenario;

/// Which side an agent plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Red,
    Blue,
}

/// What an agent sees of one step, for the whole batch (row-major by environment).
pub struct Obs<'a> {
    pub layout: &'a Layout,
    /// Red: `layout.red_obs` values per environment; blue: `layout.blue_obs`.
    pub obs: &'a [f32],
    /// Blue only: per-host alert bits ([`mirrorlab_sim::layout::alert`]); empty for red.
    pub alerts: &'a [u8],
}

/// A batched agent.
pub trait Agent: Send {
    fn side(&self) -> Side;
    /// Short name (`bline`, `react-restore`, …).
    fn name(&self) -> &str;
    /// Slot `env` starts episode `episode`: forget it, and reseed its randomness.
    fn reset(&mut self, env: usize, episode: u64);
    /// One action per environment, from the observation the last step returned.
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]);
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AgentError {
    #[error("unknown {side} agent `{name}`; expected one of: {expected}")]
    Unknown {
        side: &'static str,
        name: String,
        expected: String,
    },
    #[error("agent `{agent}` cannot play scenario `{scenario}`: {why}")]
    Unsupported {
        agent: String,
        scenario: String,
        why: String,
    },
}

pub const RED_AGENTS: &[(&str, &str)] = &[
    (
        "bline",
        "B_line: knows the layout, heads straight for the goal (CAGE-2's B_lineAgent)",
    ),
    (
        "meander",
        "Meander: explores and takes what it finds, subnet by subnet (CAGE-2's RedMeanderAgent)",
    ),
    ("sleep", "does nothing"),
];

pub const BLUE_AGENTS: &[(&str, &str)] = &[
    ("sleep", "does nothing"),
    ("random", "a uniformly random action each step"),
    (
        "react-remove",
        "Monitors; Removes hosts where a reverse shell called back (CAGE-2's reactive class)",
    ),
    (
        "react-restore",
        "Monitors; Restores hosts where a reverse shell called back (CAGE-2's reactive class)",
    ),
];

fn expected(list: &[(&str, &str)]) -> String {
    list.iter().map(|a| a.0).collect::<Vec<_>>().join(", ")
}

/// Builds a red agent by short name for `n_envs` slots.
pub fn red_agent(
    name: &str,
    s: &Scenario,
    n_envs: usize,
    seed: u64,
) -> Result<Box<dyn Agent>, AgentError> {
    Ok(match name {
        "bline" => Box::new(red::BLine::new(s, n_envs, seed)?),
        "meander" => Box::new(red::Meander::new(s, n_envs, seed)?),
        "sleep" => Box::new(red::Sleep),
        _ => {
            return Err(AgentError::Unknown {
                side: "red",
                name: name.into(),
                expected: expected(RED_AGENTS),
            });
        }
    })
}

/// Builds a blue agent by short name for `n_envs` slots.
pub fn blue_agent(
    name: &str,
    s: &Scenario,
    n_envs: usize,
    seed: u64,
) -> Result<Box<dyn Agent>, AgentError> {
    Ok(match name {
        "sleep" => Box::new(blue::Sleep),
        "random" => Box::new(blue::Random::new(s, n_envs, seed)),
        "react-remove" => Box::new(blue::React::new(s, n_envs, blue::Response::Remove)),
        "react-restore" => Box::new(blue::React::new(s, n_envs, blue::Response::Restore)),
        "restore-cycle" => Box::new(blue::RestoreCycle::new(s, n_envs)),
        _ => {
            return Err(AgentError::Unknown {
                side: "blue",
                name: name.into(),
                expected: expected(BLUE_AGENTS),
            });
        }
    })
}
