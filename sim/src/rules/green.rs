//! Green (benign users): each green user may, each tick, port-scan one of its hosts, which
//! raises activity that blue's CAGE-2 monitoring sees like red's (CAGE-2 §4); and log in,
//! work on files and send web traffic, which only the scenario's sensors see (and may
//! mistake for an attack: their false positives).
//!
//! An entry standing for one user draws each activity in turn (scan, login, file, web). An
//! entry standing for many (`users = N`) draws, for each activity in turn, how many of its
//! users act this tick, in a few draws rather than one per user: users are interchangeable,
//! so only the count matters. The count is exact (Binomial(N, p)): the users are split into
//! blocks of powers of two; a block is skipped in one draw when none of its users acts
//! (chance `(1 - p)^size`), else halved, the first half taking at least one actor with
//! chance `1 / (1 + (1 - p)^(size / 2))` (the rest follows). Each actor then draws its host.

use crate::engine::*;
use crate::model::{AlertKind, Probability, Scenario};
use crate::rng::Stream;
use crate::trace::EventKind;

/// The kinds of work, in the order they are drawn (a scan first: blue's monitoring sees it).
const WORK: [AlertKind; 4] = [
    AlertKind::Scan,
    AlertKind::Login,
    AlertKind::File,
    AlertKind::Connection,
];

impl Envs {
    pub fn green_turn(&mut self, s: &Scenario, st: &Static, e: usize) {
        for (g, agent) in s.green.iter().enumerate() {
            let probabilities = [agent.scan, agent.login, agent.file, agent.web];
            if agent.users == 1 {
                for (kind, p) in WORK.into_iter().zip(probabilities) {
                    // A probability of zero draws nothing, so users without this work keep
                    // the streams (and traces) they had before it existed.
                    if self.rng_green[e].chance(p) {
                        self.green_work(s, st, e, g, kind);
                    }
                }
                continue;
            }
            for (a, (kind, p)) in WORK.into_iter().zip(probabilities).enumerate() {
                let actors = match &st.green_draws[g][a] {
                    Some(d) => actors(&mut self.rng_green[e], d, agent.users),
                    None if p.is_certain() => agent.users,
                    None => 0,
                };
                for _ in 0..actors {
                    self.green_work(s, st, e, g, kind);
                }
            }
        }
    }

    /// One user of green agent `g` does work of `kind` on one of its hosts, drawn uniformly.
    fn green_work(&mut self, s: &Scenario, st: &Static, e: usize, g: usize, kind: AlertKind) {
        let hosts = &s.green[g].hosts;
        let target = hosts[self.rng_green[e].below(hosts.len() as u32) as usize];
        // Nobody works on a host blue cut off the network (the draws stay).
        if self.defences.cut_off(e * self.h + target as usize) {
            return;
        }
        let benign = CAUSE_BENIGN | g as u32;
        if kind == AlertKind::Scan {
            self.add_scan_events(s, st, e, target as usize);
            self.emit(e, EventKind::GreenScan, target, g as u32, 0);
        } else {
            self.emit(e, EventKind::GreenWork, target, g as u32, kind as u32);
        }
        if self.alerts.on {
            self.sensors_see(s, st, e, target, kind, benign, Probability::ONE);
        }
    }
}

/// How many of `n` users act this tick (Binomial(n, p), with `d` made from p).
pub(crate) fn actors(rng: &mut Stream, d: &UserDraw, n: u32) -> u32 {
    (0..USER_LEVELS)
        .rev()
        .filter(|&j| n & (1 << j) != 0)
        .map(|j| block(rng, d, j, false))
        .sum()
}

/// Actors among a block of `2^j` users; `some`: the block is known to hold at least one.
fn block(rng: &mut Stream, d: &UserDraw, j: usize, some: bool) -> u32 {
    if !some && rng.chance(d.none[j]) {
        return 0;
    }
    if j == 0 {
        return 1;
    }
    if rng.chance(d.left[j - 1]) {
        block(rng, d, j - 1, true) + block(rng, d, j - 1, false)
    } else {
        block(rng, d, j - 1, true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Purpose;

    /// The counts follow Binomial(n, p): mean and variance within their sampling error, for
    /// small and large n and p, and the extremes exact.
    #[test]
    fn actors_are_binomial() {
        for (n, p) in [
            (2u32, 0.5),
            (7, 0.3),
            (1000, 0.02),
            (60_000, 0.05),
            (999_999, 0.001),
        ] {
            let d = UserDraw::new(Probability::new(p));
            let mut rng = Stream::new(3, Purpose::SimGreen, n as u64);
            let t = 4000;
            let xs: Vec<f64> = (0..t).map(|_| actors(&mut rng, &d, n) as f64).collect();
            let mean = xs.iter().sum::<f64>() / t as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (t - 1) as f64;
            let (m, v) = (n as f64 * p, n as f64 * p * (1.0 - p));
            assert!(
                (mean - m).abs() < 5.0 * (v / t as f64).sqrt(),
                "n={n} p={p}: mean {mean} (expected {m})"
            );
            // The sample variance's own spread is about v * sqrt(2 / t).
            assert!(
                (var - v).abs() < 5.0 * v * (2.0 / t as f64).sqrt(),
                "n={n} p={p}: variance {var} (expected {v})"
            );
            assert!(xs.iter().all(|&x| x <= n as f64));
        }
        let mut rng = Stream::new(3, Purpose::SimGreen, 0);
        let never = UserDraw::new(Probability::ZERO);
        assert_eq!(actors(&mut rng, &never, 1000), 0);
    }
}
