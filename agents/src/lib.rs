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

pub mod adaptive;
pub mod blue;
pub mod extortion;
pub mod learned;
pub mod mixture;
pub mod pick;
pub mod play;
pub mod red;
pub mod routes;
pub mod soc;
pub mod worm;

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
    pub side: Side,
    /// Red: `layout.red_obs` values per environment; blue: `layout.blue_obs`.
    pub obs: &'a [f32],
    /// Blue only: per-host alert bits ([`mirrorlab_sim::layout::alert`]); empty for red.
    pub alerts: &'a [u8],
}

/// What became of a side's last input, read from the end of its observation row
/// ([`mirrorlab_sim::layout::STATUS_VALUES`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// The input given last step was taken (started, took effect, or was judged invalid).
    pub taken: bool,
    /// An action is in flight: the next input will be ignored.
    pub running: bool,
}

impl Obs<'_> {
    /// Environment `e`'s observation row.
    pub fn row(&self, e: usize) -> &[f32] {
        let w = match self.side {
            Side::Red => self.layout.red_obs,
            Side::Blue => self.layout.blue_obs,
        };
        &self.obs[e * w..(e + 1) * w]
    }

    /// Environment `e`'s action status (the last [`mirrorlab_sim::layout::STATUS_VALUES`]
    /// of its row, for either side).
    pub fn status(&self, e: usize) -> Status {
        let row = self.row(e);
        let n = row.len();
        Status {
            taken: row[n - 2] > 0.5,
            running: row[n - 1] > 0.5,
        }
    }
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
    /// Turns it takes a tick (red only; 1 but for fast attackers). The simulator it plays in
    /// must be built with as many ([`mirrorlab_sim::SimConfig::red_actions_per_tick`]).
    fn actions_per_tick(&self) -> usize {
        1
    }
    /// Its turn `turn` (1..) of this tick: one action per environment, from the observation
    /// its previous turn left, or [`PASS`](mirrorlab_sim::layout::PASS) for nothing more
    /// this tick (the default: an agent that acts once a tick passes).
    fn act_again(&mut self, _turn: usize, _obs: &Obs<'_>, actions: &mut [u32]) {
        actions.fill(mirrorlab_sim::layout::PASS);
    }
    /// Ask a policy to keep the action distribution of its last `act` (for viewers); an
    /// agent without one ignores it.
    fn keep_distribution(&mut self, _keep: bool) {}
    /// The action probabilities behind slot `env`'s last action (one per action), if this
    /// agent has them and was asked to keep them.
    fn distribution(&self, _env: usize) -> Option<&[f32]> {
        None
    }
}

/// Red's decision for its turn `turn` of a tick, from its observation rows `obs`: the call
/// [`mirrorlab_sim::Sim::step_with`] makes of a red agent (its first turn is `act`, the
/// others `act_again`).
pub fn red_turn(
    red: &mut dyn Agent,
    layout: &Layout,
    turn: usize,
    obs: &[f32],
    actions: &mut [u32],
) {
    let obs = Obs {
        layout,
        side: Side::Red,
        obs,
        alerts: &[],
    };
    if turn == 0 {
        red.act(&obs, actions);
    } else {
        red.act_again(turn, &obs, actions);
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AgentError {
    #[error("unknown {side} agent `{name}`; expected one of: {expected}")]
    Unknown {
        side: &'static str,
        name: String,
        expected: String,
    },
    #[error("{path}: {why}")]
    Checkpoint { path: String, why: String },
    #[error("agent spec `{spec}`: {why}")]
    Spec { spec: String, why: String },
    #[error("agent `{agent}` cannot play scenario `{scenario}`: {why}")]
    Unsupported {
        agent: String,
        scenario: String,
        why: String,
    },
}

/// Builds an agent for `n_envs` slots from the scenario, the run's seed and the agent's
/// argument (the `PATH` of `ppo:PATH`; None for agents that take none).
pub type Build = fn(&Scenario, usize, u64, Option<&str>) -> Result<Box<dyn Agent>, AgentError>;

/// One entry of the agent registry.
pub struct AgentSpec {
    pub side: Side,
    /// Short name, as given to `--red` / `--blue`.
    pub name: &'static str,
    /// The argument it takes after a colon (`ppo:PATH`), if any.
    pub arg: Option<&'static str>,
    /// One line for `mirrorlab agents` and `--help`.
    pub about: &'static str,
    pub build: Build,
}

/// Every agent mirrorlab knows: the one registry that building, `mirrorlab agents`, `--help`
/// and the unknown-agent error all read.
pub const AGENTS: &[AgentSpec] = &[
    AgentSpec {
        side: Side::Red,
        name: "bline",
        arg: None,
        about: "B_line: knows the layout, heads straight for the goal (CAGE-2's B_lineAgent)",
        build: |s, n, seed, _| Ok(Box::new(red::BLine::new(s, n, seed)?)),
    },
    AgentSpec {
        side: Side::Red,
        name: "meander",
        arg: None,
        about: "Meander: explores and takes what it finds, subnet by subnet (CAGE-2's RedMeanderAgent)",
        build: |s, n, seed, _| Ok(Box::new(red::Meander::new(s, n, seed)?)),
    },
    AgentSpec {
        side: Side::Red,
        name: "adaptive",
        arg: None,
        about: "Adaptive: heads for the goal from what it sees, goes round hosts blue took back or that failed it (AI-like)",
        build: |s, n, seed, _| Ok(Box::new(adaptive::Adaptive::new(s, n, seed)?)),
    },
    AgentSpec {
        side: Side::Red,
        name: "fast",
        arg: None,
        about: "Fast: the adaptive attacker at machine speed, three actions for each of blue's, each from what the last showed (AI-like)",
        build: |s, n, seed, _| Ok(Box::new(adaptive::Adaptive::fast(s, n, seed)?)),
    },
    AgentSpec {
        side: Side::Red,
        name: "extortion",
        arg: None,
        about: "Extortion: a ransomware crew; phishes in, dumps credentials, moves laterally, steals the data, then encrypts it (AI-like; needs phishing, as in `ransomware`)",
        build: |s, n, seed, _| Ok(Box::new(extortion::Extortion::new(s, n, seed)?)),
    },
    AgentSpec {
        side: Side::Red,
        name: "stealthy",
        arg: None,
        about: "Stealthy: an espionage crew, low and slow; phishes in, encrypted channels and stolen accounts, takes the data, never encrypts or stops anything (AI-like; needs phishing)",
        build: |s, n, seed, _| {
            Ok(Box::new(extortion::Extortion::with_style(
                s,
                n,
                seed,
                extortion::Style::Stealthy,
            )?))
        },
    },
    AgentSpec {
        side: Side::Red,
        name: "worm",
        arg: None,
        about: "Worm: ransomware that spreads by itself; exploits every host it reaches, encrypts each one it takes at once (AI-like; encrypts where the scenario enables ransomware)",
        build: |s, n, seed, _| Ok(Box::new(worm::Worm::new(s, n, seed))),
    },
    AgentSpec {
        side: Side::Red,
        name: "sleep",
        arg: None,
        about: "does nothing",
        build: |_, _, _, _| Ok(Box::new(red::Sleep)),
    },
    AgentSpec {
        side: Side::Blue,
        name: "sleep",
        arg: None,
        about: "does nothing",
        build: |_, _, _, _| Ok(Box::new(blue::Sleep)),
    },
    AgentSpec {
        side: Side::Blue,
        name: "random",
        arg: None,
        about: "a uniformly random action each step",
        build: |s, n, seed, _| Ok(Box::new(blue::Random::new(s, n, seed))),
    },
    AgentSpec {
        side: Side::Blue,
        name: "react-remove",
        arg: None,
        about: "Monitors; Removes hosts where a reverse shell called back (CAGE-2's reactive class)",
        build: |s, n, _, _| Ok(Box::new(blue::React::new(s, n, blue::Response::Remove))),
    },
    AgentSpec {
        side: Side::Blue,
        name: "react-restore",
        arg: None,
        about: "Monitors; Restores hosts where a reverse shell called back (CAGE-2's reactive class)",
        build: |s, n, _, _| Ok(Box::new(blue::React::new(s, n, blue::Response::Restore))),
    },
    AgentSpec {
        side: Side::Blue,
        name: "soc",
        arg: None,
        about: "a SOC playbook: triages alerting hosts, isolates then restores what is compromised, resets accounts, patches in quiet periods (uses the scenario's blue tools)",
        build: |s, n, _, _| Ok(Box::new(soc::Soc::new(s, n))),
    },
    AgentSpec {
        side: Side::Blue,
        name: "restore-cycle",
        arg: None,
        about: "Monitors, then Restores every host in turn, blind (the leaderboard's 'Blue React Restore' row)",
        build: |s, n, _, _| Ok(Box::new(blue::RestoreCycle::new(s, n))),
    },
    AgentSpec {
        side: Side::Red,
        name: "ppo",
        arg: Some("PATH"),
        about: "a trained red policy (a checkpoint from `mirrorlab train --learner red`), greedy",
        build: |s, n, seed, path| learned_agent(Side::Red, false, s, n, seed, path),
    },
    AgentSpec {
        side: Side::Red,
        name: "ppo-sample",
        arg: Some("PATH"),
        about: "a trained red policy, its actions sampled from the run's seeded stream",
        build: |s, n, seed, path| learned_agent(Side::Red, true, s, n, seed, path),
    },
    AgentSpec {
        side: Side::Blue,
        name: "ppo",
        arg: Some("PATH"),
        about: "a trained policy (a checkpoint from `mirrorlab train`), greedy; runs without libtorch",
        build: |s, n, seed, path| learned_agent(Side::Blue, false, s, n, seed, path),
    },
    AgentSpec {
        side: Side::Blue,
        name: "ppo-sample",
        arg: Some("PATH"),
        about: "a trained policy, its actions sampled from the run's seeded stream",
        build: |s, n, seed, path| learned_agent(Side::Blue, true, s, n, seed, path),
    },
];

/// A trained policy (`ppo:PATH`, `ppo-sample:PATH`) playing `side`.
fn learned_agent(
    side: Side,
    sample: bool,
    s: &Scenario,
    n: usize,
    seed: u64,
    path: Option<&str>,
) -> Result<Box<dyn Agent>, AgentError> {
    let path = path.unwrap_or_default();
    Ok(Box::new(learned::Learned::new(
        side, path, sample, s, n, seed,
    )?))
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Red => "red",
            Side::Blue => "blue",
        }
    }

    /// `red` or `blue`.
    pub fn parse(name: &str) -> Option<Side> {
        match name {
            "red" => Some(Side::Red),
            "blue" => Some(Side::Blue),
            _ => None,
        }
    }

    /// The opposing side.
    pub fn other(self) -> Side {
        match self {
            Side::Red => Side::Blue,
            Side::Blue => Side::Red,
        }
    }
}

/// The registered agents of one side, in registry order.
pub fn agents(side: Side) -> impl Iterator<Item = &'static AgentSpec> {
    AGENTS.iter().filter(move |a| a.side == side)
}

impl AgentSpec {
    /// How it is written on the command line (`bline`, `ppo:PATH`).
    pub fn usage(&self) -> String {
        match self.arg {
            Some(a) => format!("{}:{a}", self.name),
            None => self.name.to_string(),
        }
    }
}

/// The names of one side's agents, comma-separated (for help texts and errors).
pub fn agent_names(side: Side) -> String {
    agents(side)
        .map(|a| a.usage())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Builds one side's agent for `n_envs` slots from a spec: a registered name, or a weighted
/// mixture `NAME:WEIGHT,NAME:WEIGHT,…` (a name without a weight counts 1) drawn per episode
/// (see [`mixture::Mixture`]).
pub fn build_agent(
    side: Side,
    spec: &str,
    s: &Scenario,
    n_envs: usize,
    seed: u64,
) -> Result<Box<dyn Agent>, AgentError> {
    let parts = mixture::parse(spec)?;
    if parts.len() == 1 && parts[0].1 == 1.0 && !spec.contains(',') {
        return build_one(side, &parts[0].0, s, n_envs, seed);
    }
    let mut agents = Vec::with_capacity(parts.len());
    for (name, w) in &parts {
        agents.push((build_one(side, name, s, n_envs, seed)?, *w));
    }
    Ok(Box::new(mixture::Mixture::new(
        side,
        spec.to_string(),
        agents,
        n_envs,
        seed,
    )))
}

fn build_one(
    side: Side,
    name: &str,
    s: &Scenario,
    n_envs: usize,
    seed: u64,
) -> Result<Box<dyn Agent>, AgentError> {
    let (base, arg) = match name.split_once(':') {
        Some((b, a)) => (b, Some(a)),
        None => (name, None),
    };
    match agents(side).find(|a| a.name == base) {
        Some(spec) => match (spec.arg, arg) {
            (Some(what), None) | (Some(what), Some("")) => Err(AgentError::Spec {
                spec: name.into(),
                why: format!("`{base}` needs its {what}: {}", spec.usage()),
            }),
            (None, Some(_)) => Err(AgentError::Spec {
                spec: name.into(),
                why: format!("`{base}` takes no argument"),
            }),
            _ => (spec.build)(s, n_envs, seed, arg),
        },
        None => Err(AgentError::Unknown {
            side: side.name(),
            name: name.into(),
            expected: agent_names(side),
        }),
    }
}

/// Builds a red agent by short name for `n_envs` slots.
pub fn red_agent(
    name: &str,
    s: &Scenario,
    n_envs: usize,
    seed: u64,
) -> Result<Box<dyn Agent>, AgentError> {
    build_agent(Side::Red, name, s, n_envs, seed)
}

/// Builds a blue agent by short name for `n_envs` slots.
pub fn blue_agent(
    name: &str,
    s: &Scenario,
    n_envs: usize,
    seed: u64,
) -> Result<Box<dyn Agent>, AgentError> {
    build_agent(Side::Blue, name, s, n_envs, seed)
}
