//! A weighted mixture of agents of one side: each episode is played by one of them, drawn
//! from the run's seed and the episode id ([`Purpose::Opponent`]), so the same episode always
//! meets the same opponent and the other side is never told which.

use mirrorlab_sim::rng::{Purpose, Stream};

use crate::{Agent, AgentError, Obs, Side};

/// Parses `NAME[:WEIGHT],…` into (name, weight) pairs. A suffix is a weight only when it is a
/// number and what precedes it is not an agent that takes an argument: `ppo:path/to/file` and
/// `ppo:123` are names (of a policy file), `ppo:run/policy.safetensors:0.5` is a weighted one.
pub fn parse(spec: &str) -> Result<Vec<(String, f64)>, AgentError> {
    let err = |why: String| AgentError::Spec {
        spec: spec.into(),
        why,
    };
    let mut out = Vec::new();
    for item in spec.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(err(
                "an empty name; expected NAME or NAME:WEIGHT, comma-separated".into(),
            ));
        }
        let takes_arg = |n: &str| {
            crate::AGENTS
                .iter()
                .any(|a| a.arg.is_some() && a.name == n.trim())
        };
        let (name, w) = match item.rsplit_once(':') {
            Some((n, w)) if !takes_arg(n) && w.trim().parse::<f64>().is_ok() => {
                (n, w.trim().parse::<f64>().unwrap_or(1.0))
            }
            _ => (item, 1.0),
        };
        if !w.is_finite() || w <= 0.0 {
            return Err(err(format!(
                "weight {w} of `{name}`; expected a positive number"
            )));
        }
        out.push((name.trim().to_string(), w));
    }
    if out.len() > 64 {
        return Err(err(format!("{} agents; at most 64", out.len())));
    }
    Ok(out)
}

/// Several agents of one side, one chosen per episode by weight.
pub struct Mixture {
    side: Side,
    spec: String,
    agents: Vec<Box<dyn Agent>>,
    /// Cumulative weights, normalised to end at 1.
    cumulative: Vec<f64>,
    seed: u64,
    choice: Vec<u8>,
    scratch: Vec<Vec<u32>>,
}

impl Mixture {
    pub fn new(
        side: Side,
        spec: String,
        agents: Vec<(Box<dyn Agent>, f64)>,
        n_envs: usize,
        seed: u64,
    ) -> Mixture {
        let total: f64 = agents.iter().map(|a| a.1).sum();
        let mut acc = 0.0;
        let cumulative = agents
            .iter()
            .map(|a| {
                acc += a.1 / total;
                acc
            })
            .collect();
        let k = agents.len();
        Mixture {
            side,
            spec,
            agents: agents.into_iter().map(|a| a.0).collect(),
            cumulative,
            seed,
            choice: vec![0; n_envs],
            scratch: vec![vec![0; n_envs]; k],
        }
    }

    /// Index of the agent that plays episode `episode`.
    pub fn pick(&self, episode: u64) -> usize {
        let u = Stream::new(self.seed, Purpose::Opponent, episode).unit_f64();
        self.cumulative
            .iter()
            .position(|&c| u < c)
            .unwrap_or(self.agents.len() - 1)
    }
}

impl Agent for Mixture {
    fn side(&self) -> Side {
        self.side
    }
    fn name(&self) -> &str {
        &self.spec
    }
    fn reset(&mut self, env: usize, episode: u64) {
        self.choice[env] = self.pick(episode) as u8;
        for a in &mut self.agents {
            a.reset(env, episode);
        }
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        // Every member decides for every slot (their state follows the real observations);
        // the slot's chosen member's decision is played.
        for (a, out) in self.agents.iter_mut().zip(&mut self.scratch) {
            a.act(obs, out);
        }
        for (e, x) in actions.iter_mut().enumerate() {
            *x = self.scratch[self.choice[e] as usize][e];
        }
    }
    fn actions_per_tick(&self) -> usize {
        self.agents
            .iter()
            .map(|a| a.actions_per_tick())
            .max()
            .unwrap_or(1)
    }
    fn act_again(&mut self, turn: usize, obs: &Obs<'_>, actions: &mut [u32]) {
        // Members with fewer turns a tick pass the rest of theirs.
        for (a, out) in self.agents.iter_mut().zip(&mut self.scratch) {
            if turn < a.actions_per_tick() {
                a.act_again(turn, obs, out);
            } else {
                out.fill(mirrorlab_sim::layout::PASS);
            }
        }
        for (e, x) in actions.iter_mut().enumerate() {
            *x = self.scratch[self.choice[e] as usize][e];
        }
    }
    fn keep_distribution(&mut self, keep: bool) {
        for a in &mut self.agents {
            a.keep_distribution(keep);
        }
    }
    fn distribution(&self, env: usize) -> Option<&[f32]> {
        self.agents[self.choice[env] as usize].distribution(env)
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn weights_names_and_paths() {
        let p = |s: &str| parse(s).unwrap();
        assert_eq!(p("bline"), [("bline".to_string(), 1.0)]);
        assert_eq!(
            p("bline:3,meander:1"),
            [("bline".to_string(), 3.0), ("meander".to_string(), 1.0)]
        );
        assert_eq!(p("ppo:123"), [("ppo:123".to_string(), 1.0)]);
        assert_eq!(p("ppo:r/p.st"), [("ppo:r/p.st".to_string(), 1.0)]);
        assert_eq!(p("ppo:r/p.st:0.5"), [("ppo:r/p.st".to_string(), 0.5)]);
        for bad in [
            "bline:0",
            "bline:-1",
            "bline:inf",
            "bline:NaN",
            "",
            "bline,",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
