//! A ransomware worm: one of the AI-like reds ("Beyond CAGE-2", item 4). It spreads by itself,
//! as WannaCry and NotPetya did: no goal, no stealth, no operator choosing targets. Every host
//! it holds is encrypted at once (where the scenario enables `ransomware`, after escalating
//! there), and it takes every host its traffic reaches, nearest first along the routes (the
//! reachable graph), sweeping each subnet it reaches and scanning and exploiting what it finds.
//!
//! What it may use: its own observation (what it knows of each host, its sessions, its last
//! action's result) and the scenario's routes; never blue's actions or the ground truth.
//!
//! Choice each tick, first that applies: encrypt a host it holds with root/SYSTEM; escalate on
//! a host it holds and has not escalated on; exploit a scanned host it reaches and does not
//! hold (it gives a host up after [`GIVE_UP_AFTER`] failures); scan a host it knows and
//! reaches; sweep a subnet it knows and reaches and has not swept; else sleep. Among hosts it
//! prefers the nearest subnet on the routes from its entry, and draws ties from its own seeded
//! stream.

use mirrorlab_sim::layout::{Layout, RED_OBS_PER_HOST, RedAction};
use mirrorlab_sim::model::{HostId, RedKind, Scenario, SubnetId};
use mirrorlab_sim::rng::{Purpose, Stream};

use crate::pick;
use crate::routes::Routes;
use crate::{Agent, Obs, Side};

/// Failed exploits after which the worm leaves a host alone for the episode.
pub const GIVE_UP_AFTER: u8 = 3;

pub struct Worm {
    seed: u64,
    h: usize,
    ns: usize,
    entry: Vec<bool>,
    routes: Routes,
    encrypts: bool,
    // Memory, per env × host or env × subnet.
    held: Vec<u8>,
    escalated: Vec<bool>,
    encrypted: Vec<bool>,
    failures: Vec<u8>,
    swept: Vec<bool>,
    // Per env.
    last: Vec<Option<RedAction>>,
    rng: Vec<Stream>,
    scratch: Vec<HostId>,
}

impl Worm {
    pub fn new(s: &Scenario, n: usize, seed: u64) -> Worm {
        let (h, ns) = (s.hosts.len(), s.subnets.len());
        let mut entry = vec![false; h];
        for &x in &s.red.entry {
            entry[x as usize] = true;
        }
        Worm {
            seed,
            h,
            ns,
            entry,
            routes: Routes::new(s),
            encrypts: Layout::new(s).red_has(RedKind::Ransomware),
            held: vec![0; n * h],
            escalated: vec![false; n * h],
            encrypted: vec![false; n * h],
            failures: vec![0; n * h],
            swept: vec![false; n * ns],
            last: vec![None; n],
            rng: (0..n)
                .map(|_| Stream::new(seed, Purpose::AgentRed, 0))
                .collect(),
            scratch: Vec::with_capacity(h),
        }
    }

    fn learn(&mut self, e: usize, l: &Layout, row: &[f32]) {
        let h = self.h;
        let ok = row[2] > 0.5;
        match self.last[e] {
            Some(RedAction::Exploit(x)) if !ok => {
                let i = e * h + x as usize;
                self.failures[i] = self.failures[i].saturating_add(1);
            }
            Some(RedAction::Technique(RedKind::Ransomware, x)) => {
                self.encrypted[e * h + x as usize] |= ok;
            }
            Some(RedAction::DiscoverSystems(sn)) if !ok => {
                // A sweep that reached nothing is tried again later.
                self.swept[e * self.ns + sn as usize] = false;
            }
            _ => {}
        }
        let (escalated, encrypted) = (&mut self.escalated, &mut self.encrypted);
        pick::refresh_held(l, row, &mut self.held[e * h..(e + 1) * h], |x| {
            // Restored: decrypted, and to be taken again.
            escalated[e * h + x] = false;
            encrypted[e * h + x] = false;
        });
    }

    /// A uniform draw among the candidates `key` ranks lowest.
    fn nearest(&mut self, e: usize, key: impl Fn(&Worm, usize) -> Option<u32>) -> Option<HostId> {
        let mut top = std::mem::take(&mut self.scratch);
        pick::top_hosts(&mut top, self.h, |x| key(self, x).map(|k| u32::MAX - k));
        let chosen = pick::draw(&mut self.rng[e], &top);
        self.scratch = top;
        chosen
    }

    fn choose(&mut self, e: usize, l: &Layout, row: &[f32]) -> RedAction {
        let h = self.h;
        let base = l.red_obs_host(0);
        let bit = |x: usize, k: usize| row[base + RED_OBS_PER_HOST * x + k] > 0.5;
        let mine = |m: &Worm, x: usize| m.held[e * h + x] > 0 && !m.entry[x];
        let reaches = |m: &Worm, x: usize| m.routes.reaches(x, |y| m.held[e * h + y as usize] > 0);
        let depth = |m: &Worm, x: usize| m.routes.host_depth(x);
        if self.encrypts
            && let Some(x) = self.nearest(e, |m, x| {
                (mine(m, x) && m.held[e * h + x] == 2 && !m.encrypted[e * h + x]).then_some(0)
            })
        {
            return RedAction::Technique(RedKind::Ransomware, x);
        }
        if let Some(x) = self.nearest(e, |m, x| {
            (mine(m, x) && !m.escalated[e * h + x] && bit(x, 2)).then(|| depth(m, x))
        }) {
            self.escalated[e * h + x as usize] = true;
            return RedAction::Escalate(x);
        }
        let open = |m: &Worm, x: usize| {
            m.held[e * h + x] == 0
                && !m.entry[x]
                && m.failures[e * h + x] < GIVE_UP_AFTER
                && reaches(m, x)
        };
        if let Some(x) = self.nearest(e, |m, x| (bit(x, 1) && open(m, x)).then(|| depth(m, x))) {
            return RedAction::Exploit(x);
        }
        if let Some(x) = self.nearest(e, |m, x| {
            (bit(x, 0) && !bit(x, 1) && open(m, x)).then(|| depth(m, x))
        }) {
            return RedAction::DiscoverServices(x);
        }
        let sweep = (0..self.ns)
            .filter(|&sn| {
                row[3 + sn] > 0.5
                    && !self.swept[e * self.ns + sn]
                    && self
                        .routes
                        .reaches_subnet(sn, |y| self.held[e * h + y as usize] > 0)
            })
            .min_by_key(|&sn| self.routes.depth[sn]);
        if let Some(sn) = sweep {
            self.swept[e * self.ns + sn] = true;
            return RedAction::DiscoverSystems(sn as SubnetId);
        }
        RedAction::Sleep
    }
}

impl Agent for Worm {
    fn side(&self) -> Side {
        Side::Red
    }
    fn name(&self) -> &str {
        "worm"
    }
    fn reset(&mut self, env: usize, episode: u64) {
        let (h, ns) = (self.h, self.ns);
        let r = env * h..(env + 1) * h;
        self.held[r.clone()].fill(0);
        self.escalated[r.clone()].fill(false);
        self.encrypted[r.clone()].fill(false);
        self.failures[r].fill(0);
        self.swept[env * ns..(env + 1) * ns].fill(false);
        self.last[env] = None;
        self.rng[env] = Stream::new(self.seed, Purpose::AgentRed, episode);
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        let l = obs.layout;
        for (e, a) in actions.iter_mut().enumerate() {
            if obs.status(e).running {
                *a = l.encode_red(RedAction::Sleep);
                continue;
            }
            let row = obs.row(e);
            self.learn(e, l, row);
            let act = self.choose(e, l, row);
            self.last[e] = Some(act);
            *a = l.encode_red(act);
        }
    }
}
