//! An adaptive attacker: one of the AI-like reds ("Beyond CAGE-2", item 4). It heads for red's
//! goal like B_line, but from what it observes rather than a fixed script, and it changes
//! route when blue answers: a host where its session was lost (blue restored or cleaned it)
//! is avoided for a while and another host of the same zone is taken instead; a host where
//! an exploit failed (a decoy, a patched or missing service) is avoided for longer with each
//! failure, and given up after three. It works on any scenario with a goal, generated
//! networks included.
//!
//! What it may use: its own observation (what it knows of each host, its sessions, its last
//! action's result) and the scenario's published layout (subnets, routes, the goal), as
//! B_line does; never blue's actions or the ground truth.
//!
//! Choice each tick, first that applies: Impact the goal once it holds it and has escalated
//! there; escalate on a host it holds and has not escalated on (which reveals the next hosts),
//! the goal first, then the deepest; sweep the deepest subnet it knows of, reaches and has not
//! swept; then scan a known host its traffic reaches (a `via` route needs a session in that
//! zone) or exploit a scanned one, whichever target it prefers: reachable hosts, then the
//! goal, then hosts deeper on the routes from red's entry; on a tie it exploits what it has
//! scanned. When every target is avoided it retries the one whose wait ends first; with
//! nothing at all to do it sleeps. Ties between hosts are drawn from the agent's own seeded
//! stream.

use mirrorlab_sim::layout::{Layout, PASS, RED_OBS_PER_HOST, RedAction};
use mirrorlab_sim::model::{HostId, Scenario, SubnetId};
use mirrorlab_sim::rng::{Purpose, Stream};

use crate::pick;
use crate::routes::Routes;
use crate::{Agent, AgentError, Obs, Side};

/// Ticks a host is avoided after red lost its session there.
pub const AVOID_AFTER_LOSS: u32 = 8;
/// Ticks a host is avoided after a failed exploit, times the failures so far.
pub const AVOID_AFTER_FAILURE: u32 = 4;
/// Failed exploits after which a host is given up for the episode.
pub const GIVE_UP_AFTER: u8 = 3;

/// Turns a tick the `fast` attacker takes.
pub const FAST_ACTIONS_PER_TICK: usize = 3;

pub struct Adaptive {
    name: &'static str,
    /// Turns it takes a tick (1; `fast`: [`FAST_ACTIONS_PER_TICK`]).
    per_tick: usize,
    seed: u64,
    h: usize,
    ns: usize,
    goal: HostId,
    /// Hosts red starts on (never targets).
    entry: Vec<bool>,
    /// Per host: the route distance of its subnet from red's entry subnet.
    depth: Vec<u32>,
    /// How red's traffic reaches each subnet.
    routes: Routes,
    // Memory, per env × subnet or env × host.
    /// Subnets swept (a sweep that reached nothing is forgotten, to be tried again).
    swept: Vec<bool>,
    escalated: Vec<bool>,
    /// Sessions seen last tick: 0 none, 1 user, 2 privileged.
    held: Vec<u8>,
    avoid_until: Vec<u32>,
    failures: Vec<u8>,
    // Per env.
    tick: Vec<u32>,
    last: Vec<Option<RedAction>>,
    rng: Vec<Stream>,
    scratch: Vec<HostId>,
}

impl Adaptive {
    pub fn new(s: &Scenario, n: usize, seed: u64) -> Result<Adaptive, AgentError> {
        let goal = *s.red.goals.first().ok_or_else(|| AgentError::Unsupported {
            agent: "adaptive".into(),
            scenario: s.name.clone(),
            why: "the scenario names no impact goal".into(),
        })?;
        let (h, ns) = (s.hosts.len(), s.subnets.len());
        let routes = Routes::new(s);
        let mut entry = vec![false; h];
        for &x in &s.red.entry {
            entry[x as usize] = true;
        }
        Ok(Adaptive {
            name: "adaptive",
            per_tick: 1,
            seed,
            h,
            ns,
            goal,
            entry,
            depth: (0..h).map(|x| routes.host_depth(x)).collect(),
            routes,
            swept: vec![false; n * ns],
            escalated: vec![false; n * h],
            held: vec![0; n * h],
            avoid_until: vec![0; n * h],
            failures: vec![0; n * h],
            tick: vec![0; n],
            last: vec![None; n],
            rng: (0..n)
                .map(|_| Stream::new(seed, Purpose::AgentRed, 0))
                .collect(),
            scratch: Vec::with_capacity(h),
        })
    }

    /// The fast attacker: the same choices at machine speed, [`FAST_ACTIONS_PER_TICK`] turns
    /// a tick, each from the observation its last turn left (so it escalates the tick it
    /// gets in, and sweeps, scans and exploits the next zone before blue's next action).
    pub fn fast(s: &Scenario, n: usize, seed: u64) -> Result<Adaptive, AgentError> {
        let mut a = Adaptive::new(s, n, seed).map_err(|e| match e {
            AgentError::Unsupported { scenario, why, .. } => AgentError::Unsupported {
                agent: "fast".into(),
                scenario,
                why,
            },
            e => e,
        })?;
        a.name = "fast";
        a.per_tick = FAST_ACTIONS_PER_TICK;
        Ok(a)
    }

    /// One decision for every environment; `tick`: the first of a tick (later turns of a
    /// tick do not advance the agent's clock, and pass while an action is in flight).
    fn decide(&mut self, obs: &Obs<'_>, actions: &mut [u32], tick: bool) {
        let l = obs.layout;
        for (e, a) in actions.iter_mut().enumerate() {
            if tick {
                self.tick[e] += 1;
            }
            if obs.status(e).running {
                // The action in flight decides what is learnt: wait for it.
                *a = if tick {
                    l.encode_red(RedAction::Sleep)
                } else {
                    PASS
                };
                continue;
            }
            let row = obs.row(e);
            self.learn(e, l, row);
            let act = self.choose(e, l, row);
            self.last[e] = Some(act);
            *a = l.encode_red(act);
        }
    }

    /// Learns from the last result and from sessions lost since the last tick.
    fn learn(&mut self, e: usize, l: &Layout, row: &[f32]) {
        let h = self.h;
        let t = self.tick[e];
        let ok = row[2] > 0.5;
        match self.last[e] {
            Some(RedAction::Exploit(x)) if !ok => {
                let i = e * h + x as usize;
                self.failures[i] = self.failures[i].saturating_add(1);
                self.avoid_until[i] = t + AVOID_AFTER_FAILURE * self.failures[i] as u32;
            }
            Some(RedAction::DiscoverSystems(sn)) if !ok => {
                self.swept[e * self.ns + sn as usize] = false;
            }
            _ => {}
        }
        let (avoid_until, escalated) = (&mut self.avoid_until, &mut self.escalated);
        pick::refresh_held(l, row, &mut self.held[e * h..(e + 1) * h], |x| {
            // Blue took the host back: go round it for a while.
            avoid_until[e * h + x] = t + AVOID_AFTER_LOSS;
            escalated[e * h + x] = false;
        });
    }

    /// A uniform draw among the best candidates by `key` (higher is better).
    fn best(&mut self, e: usize, key: impl Fn(&Adaptive, usize) -> Option<u32>) -> Option<HostId> {
        let mut top = std::mem::take(&mut self.scratch);
        pick::top_hosts(&mut top, self.h, |x| key(self, x));
        let chosen = pick::draw(&mut self.rng[e], &top);
        self.scratch = top;
        chosen
    }

    fn choose(&mut self, e: usize, l: &Layout, row: &[f32]) -> RedAction {
        let (h, t) = (self.h, self.tick[e]);
        let base = l.red_obs_host(0);
        let bit = |x: usize, k: usize| row[base + RED_OBS_PER_HOST * x + k] > 0.5;
        let g = self.goal as usize;
        if self.held[e * h + g] > 0 && self.escalated[e * h + g] {
            return RedAction::Impact(self.goal);
        }
        // Escalate where a session is held and it has not yet escalated: the goal first, then
        // the deepest.
        if let Some(x) = self.best(e, |m, x| {
            (m.held[e * h + x] > 0 && !m.escalated[e * h + x] && !m.entry[x] && bit(x, 2))
                .then(|| if x == g { u32::MAX } else { m.depth[x] })
        }) {
            self.escalated[e * h + x as usize] = true;
            return RedAction::Escalate(x);
        }
        // Zones red's traffic reaches now.
        let reaches_subnet = |m: &Adaptive, sn: usize| {
            m.routes
                .reaches_subnet(sn, |y| m.held[e * h + y as usize] > 0)
        };
        let reaches = |m: &Adaptive, x: usize| reaches_subnet(m, m.routes.subnet_of[x] as usize);
        // Sweep the deepest known subnet it reaches and has not swept.
        let unswept = (0..self.ns)
            .filter(|&sn| {
                row[3 + sn] > 0.5 && !self.swept[e * self.ns + sn] && reaches_subnet(self, sn)
            })
            .max_by_key(|&sn| self.routes.depth[sn]);
        if let Some(sn) = unswept {
            self.swept[e * self.ns + sn] = true;
            return RedAction::DiscoverSystems(sn as SubnetId);
        }
        let avoided = |m: &Adaptive, x: usize| {
            m.avoid_until[e * h + x] > t || m.failures[e * h + x] >= GIVE_UP_AFTER
        };
        // Scan a known host or exploit a scanned one, whichever target is preferred (the goal
        // first, then the deepest reachable); on a tie, exploit what is already scanned.
        let scan = |m: &Adaptive, x: usize| {
            // A scan that reached nothing leaves the ports unknown: scanned is what red's
            // observation says, and only hosts it reaches now are scanned.
            (bit(x, 0) && !bit(x, 1) && !m.entry[x] && !avoided(m, x) && reaches(m, x))
                .then(|| priority(m, x, g, true))
        };
        let exploit = |m: &Adaptive, x: usize| {
            (bit(x, 1) && m.held[e * h + x] == 0 && !m.entry[x] && !avoided(m, x))
                .then(|| priority(m, x, g, reaches(m, x)))
        };
        let top = |key: &dyn Fn(&Adaptive, usize) -> Option<u32>| {
            (0..h).filter_map(|x| key(self, x)).max()
        };
        let (best_scan, best_exploit) = (top(&scan), top(&exploit));
        if best_exploit.is_some()
            && best_exploit >= best_scan
            && let Some(x) = self.best(e, exploit)
        {
            return RedAction::Exploit(x);
        }
        if let Some(x) = self.best(e, scan) {
            return RedAction::DiscoverServices(x);
        }
        // Everything left is avoided: retry the one whose wait ends first.
        let retry = (0..h)
            .filter(|&x| {
                bit(x, 1)
                    && self.held[e * h + x] == 0
                    && !self.entry[x]
                    && self.failures[e * h + x] < GIVE_UP_AFTER
            })
            .min_by_key(|&x| self.avoid_until[e * h + x]);
        match retry {
            Some(x) => RedAction::Exploit(x as HostId),
            None => RedAction::Sleep,
        }
    }
}

/// Preference among targets: reachable before unreachable, the goal before all, then depth.
fn priority(m: &Adaptive, x: usize, goal: usize, reachable: bool) -> u32 {
    let within = if x == goal {
        m.ns as u32 + 1
    } else {
        m.depth[x]
    };
    within + if reachable { 1 << 16 } else { 0 }
}

impl Agent for Adaptive {
    fn side(&self) -> Side {
        Side::Red
    }
    fn name(&self) -> &str {
        self.name
    }
    fn actions_per_tick(&self) -> usize {
        self.per_tick
    }
    fn reset(&mut self, env: usize, episode: u64) {
        let (h, ns) = (self.h, self.ns);
        self.swept[env * ns..(env + 1) * ns].fill(false);
        self.escalated[env * h..(env + 1) * h].fill(false);
        self.held[env * h..(env + 1) * h].fill(0);
        self.avoid_until[env * h..(env + 1) * h].fill(0);
        self.failures[env * h..(env + 1) * h].fill(0);
        self.tick[env] = 0;
        self.last[env] = None;
        self.rng[env] = Stream::new(self.seed, Purpose::AgentRed, episode);
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        self.decide(obs, actions, true);
    }
    fn act_again(&mut self, _turn: usize, obs: &Obs<'_>, actions: &mut [u32]) {
        self.decide(obs, actions, false);
    }
}
