//! A double-extortion ransomware operator: one of the AI-like reds ("Beyond CAGE-2", item
//! 4), and the attacker of the bundled `ransomware` scenario. The same crew in the
//! [`Style::Stealthy`] style is an espionage actor, low and slow: it acts every third tick,
//! plants no task, uses encrypted channels only, keeps rebuilding its tools so that
//! signature-based detection of it decays (T1027), steals the data and never encrypts, stops
//! or lures again once inside. It gets in by phishing the
//! staff (a deep-fake lure when the scenario offers one), escalates on the workstation of
//! whoever took the lure, plants a scheduled task there, dumps the credentials cached there
//! and logs in with them wherever they open a door, and only when it can spread no further
//! does it cash in: an (encrypted, when it can) command-and-control channel on each host
//! with data, the data stolen over it, then ransomware on every host it holds, the ones with
//! the most data first, then the goal's critical service stopped. Today's ransomware groups
//! work this way: quiet spread first, impact all at once.
//!
//! What it may use: its own observation (what it knows of each host, its sessions, its last
//! action's result) and the scenario's published facts (routes, which hosts have users and
//! data, what a host's configuration names); never blue's actions or the ground truth. It
//! needs a scenario that enables phishing; the other techniques it uses when enabled.
//!
//! Choice each tick, first that applies: (stealthy, when the scenario enables obfuscation)
//! rebuild its tools on a host it holds, once in; then after every
//! [`STEALTHY_REBUILD_EVERY`] other actions; escalate on a host it holds and has not escalated
//! on (hosts with data first); plant a task on a privileged host (persistence); dump
//! credentials on a privileged host; move laterally to a host it knows, holds no session on,
//! reaches and holds accounts for (data, then the goal, then depth); phish a host with users
//! when it holds nothing beyond its own machine; open a channel, then exfiltrate, on each
//! privileged host with data; encrypt each privileged host; stop the goal's service; phish
//! again for another foothold; else sleep. Ties between hosts are drawn from the agent's own
//! seeded stream.

use mirrorlab_sim::layout::{Layout, RED_OBS_PER_HOST, RedAction};
use mirrorlab_sim::model::{HostId, RedKind, Scenario};
use mirrorlab_sim::rng::{Purpose, Stream};

use crate::pick;
use crate::routes::Routes;
use crate::{Agent, AgentError, Obs, Side};

/// How the crew works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// Double extortion: steal, then encrypt, then stop the goal.
    Extortion,
    /// Espionage, low and slow: one action every [`STEALTHY_PACE`] ticks (it sleeps between),
    /// the data stolen over encrypted channels, nothing encrypted or stopped, so nothing
    /// loud tells blue it is there.
    Stealthy,
}

/// A stealthy crew acts once every this many ticks.
pub const STEALTHY_PACE: u32 = 3;
/// A stealthy crew rebuilds its tools (obfuscation, when the scenario enables it) once a
/// foothold is held and then after every this many of its other actions, so signature-based
/// detection of it decays over the episode.
pub const STEALTHY_REBUILD_EVERY: u32 = 4;

pub struct Extortion {
    style: Style,
    seed: u64,
    h: usize,
    ns: usize,
    goal: Option<HostId>,
    entry: Vec<bool>,
    routes: Routes,
    /// Per host: green users work there (a lure can be taken).
    users: Vec<bool>,
    /// Per host: the value of its data (tenths).
    data: Vec<i32>,
    /// Per host: the subnets whose accounts a credential dump there yields (its own and those
    /// of the hosts its configuration names).
    accounts: Vec<Vec<usize>>,
    /// The lure it sends: a deep fake when the scenario enables one.
    lure: RedKind,
    enabled: [bool; RedKind::COUNT],
    // Memory, per env × host or env × subnet.
    /// Sessions seen last tick: 0 none, 1 user, 2 privileged.
    held: Vec<u8>,
    escalated: Vec<bool>,
    persisted: Vec<bool>,
    dumped: Vec<bool>,
    channel: Vec<bool>,
    exfiltrated: Vec<bool>,
    encrypted: Vec<bool>,
    lures: Vec<u32>,
    credentials: Vec<bool>,
    // Per env: the goal stopped, ticks seen, actions since its tools were last rebuilt.
    impacted: Vec<bool>,
    since_rebuild: Vec<u32>,
    tick: Vec<u32>,
    last: Vec<Option<RedAction>>,
    rng: Vec<Stream>,
    scratch: Vec<HostId>,
}

impl Extortion {
    pub fn new(s: &Scenario, n: usize, seed: u64) -> Result<Extortion, AgentError> {
        Extortion::with_style(s, n, seed, Style::Extortion)
    }

    pub fn with_style(
        s: &Scenario,
        n: usize,
        seed: u64,
        style: Style,
    ) -> Result<Extortion, AgentError> {
        let l = Layout::new(s);
        let name = match style {
            Style::Extortion => "extortion",
            Style::Stealthy => "stealthy",
        };
        let lure = if l.red_has(RedKind::PhishingDeepfake) {
            RedKind::PhishingDeepfake
        } else if l.red_has(RedKind::Phishing) {
            RedKind::Phishing
        } else {
            return Err(AgentError::Unsupported {
                agent: name.into(),
                scenario: s.name.clone(),
                why: "it gets in by phishing, which the scenario does not enable \
                      (`[red.techniques.phishing]` or `[red.techniques.phishing_deepfake]`; \
                      the bundled `ransomware` scenario has both)"
                    .into(),
            });
        };
        let (h, ns) = (s.hosts.len(), s.subnets.len());
        let mut users = vec![false; h];
        for g in &s.green {
            for &x in &g.hosts {
                users[x as usize] = true;
            }
        }
        let mut entry = vec![false; h];
        for &x in &s.red.entry {
            entry[x as usize] = true;
        }
        Ok(Extortion {
            style,
            seed,
            h,
            ns,
            goal: s.red.goals.first().copied(),
            entry,
            routes: Routes::new(s),
            users,
            data: s.hosts.iter().map(|x| x.data_value).collect(),
            accounts: (0..h)
                .map(|x| {
                    s.dumped_subnets(x)
                        .into_iter()
                        .map(|sn| sn as usize)
                        .collect()
                })
                .collect(),
            lure,
            enabled: RedKind::ALL.map(|k| l.red_has(k)),
            held: vec![0; n * h],
            escalated: vec![false; n * h],
            persisted: vec![false; n * h],
            dumped: vec![false; n * h],
            channel: vec![false; n * h],
            exfiltrated: vec![false; n * h],
            encrypted: vec![false; n * h],
            lures: vec![0; n * h],
            credentials: vec![false; n * ns],
            impacted: vec![false; n],
            since_rebuild: vec![STEALTHY_REBUILD_EVERY; n],
            tick: vec![0; n],
            last: vec![None; n],
            rng: (0..n)
                .map(|_| Stream::new(seed, Purpose::AgentRed, 0))
                .collect(),
            scratch: Vec::with_capacity(h),
        })
    }

    fn has(&self, k: RedKind) -> bool {
        self.enabled[k as usize]
    }

    /// Learns from the last result and from sessions lost since the last tick.
    fn learn(&mut self, e: usize, l: &Layout, row: &[f32]) {
        let h = self.h;
        let ok = row[2] > 0.5;
        if let Some(RedAction::Impact(_)) = self.last[e] {
            self.impacted[e] |= ok;
        }
        if let Some(RedAction::Technique(k, x)) = self.last[e] {
            let i = e * h + x as usize;
            match k {
                RedKind::CredentialDumping if ok => {
                    for &sn in &self.accounts[x as usize] {
                        self.credentials[e * self.ns + sn] = true;
                    }
                }
                RedKind::LateralMovement if !ok => {
                    // The accounts may have been reset: forget them, and dump again where a
                    // dump would give them back.
                    let sn = self.routes.subnet_of[x as usize] as usize;
                    self.credentials[e * self.ns + sn] = false;
                    for y in 0..h {
                        if self.accounts[y].contains(&sn) {
                            self.dumped[e * h + y] = false;
                        }
                    }
                }
                RedKind::CommandAndControl | RedKind::EncryptedChannel => self.channel[i] = ok,
                RedKind::Exfiltration => self.exfiltrated[i] |= ok,
                RedKind::Ransomware => self.encrypted[i] |= ok,
                RedKind::Persistence => self.persisted[i] |= ok,
                _ => {}
            }
        }
        let m = &mut *self;
        pick::refresh_held(l, row, &mut m.held[e * h..(e + 1) * h], |x| {
            // Blue took the host back (a Restore undoes the task, the channel and the
            // encryption; what was stolen stays stolen).
            let i = e * h + x;
            for v in [
                &mut m.escalated,
                &mut m.persisted,
                &mut m.dumped,
                &mut m.channel,
                &mut m.encrypted,
            ] {
                v[i] = false;
            }
        });
    }

    /// A uniform draw among the best candidates by `key` (higher is better).
    fn best(&mut self, e: usize, key: impl Fn(&Extortion, usize) -> Option<u32>) -> Option<HostId> {
        let mut top = std::mem::take(&mut self.scratch);
        pick::top_hosts(&mut top, self.h, |x| key(self, x));
        let chosen = pick::draw(&mut self.rng[e], &top);
        self.scratch = top;
        chosen
    }

    fn choose(&mut self, e: usize, l: &Layout, row: &[f32]) -> RedAction {
        let h = self.h;
        let base = l.red_obs_host(0);
        let bit = |x: usize, k: usize| row[base + RED_OBS_PER_HOST * x + k] > 0.5;
        let held = |m: &Extortion, x: usize| m.held[e * h + x] > 0 && !m.entry[x];
        let privileged = |m: &Extortion, x: usize| m.held[e * h + x] == 2 && !m.entry[x];
        let value = |m: &Extortion, x: usize| m.data[x].max(0) as u32;
        let tech = |k: RedKind, x: HostId| RedAction::Technique(k, x);
        // The stealthy crew keeps its tools new: signatures written for the last variant
        // miss the next.
        if self.style == Style::Stealthy
            && self.has(RedKind::Obfuscation)
            && self.since_rebuild[e] >= STEALTHY_REBUILD_EVERY
            && let Some(x) = self.best(e, |m, x| held(m, x).then_some(0))
        {
            self.since_rebuild[e] = 0;
            return tech(RedKind::Obfuscation, x);
        }
        self.since_rebuild[e] += 1;
        // Escalate where a session is held: hosts with data first.
        if let Some(x) = self.best(e, |m, x| {
            (held(m, x) && !m.escalated[e * h + x] && bit(x, 2)).then(|| value(m, x))
        }) {
            self.escalated[e * h + x as usize] = true;
            return RedAction::Escalate(x);
        }
        // A planted task is one more process for the sensors: the stealthy crew does without.
        if self.has(RedKind::Persistence)
            && self.style == Style::Extortion
            && let Some(x) = self.best(e, |m, x| {
                (privileged(m, x) && !m.persisted[e * h + x]).then_some(0)
            })
        {
            return tech(RedKind::Persistence, x);
        }
        if self.has(RedKind::CredentialDumping)
            && let Some(x) = self.best(e, |m, x| {
                (privileged(m, x) && !m.dumped[e * h + x]).then_some(0)
            })
        {
            self.dumped[e * h + x as usize] = true;
            return tech(RedKind::CredentialDumping, x);
        }
        if self.has(RedKind::LateralMovement) {
            let goal = self.goal.map(|g| g as usize);
            let target = self.best(e, |m, x| {
                let sn = m.routes.subnet_of[x] as usize;
                let open = bit(x, 0)
                    && m.held[e * h + x] == 0
                    && !m.entry[x]
                    && m.credentials[e * m.ns + sn]
                    && m.routes.reaches(x, |y| m.held[e * h + y as usize] > 0);
                // Data first, then the goal, then depth.
                open.then(|| {
                    value(m, x).saturating_mul(64)
                        + if Some(x) == goal {
                            32
                        } else {
                            m.routes.host_depth(x).min(31)
                        }
                })
            });
            if let Some(x) = target {
                return tech(RedKind::LateralMovement, x);
            }
        }
        let foothold = (0..h).any(|x| held(self, x));
        let lure = self.lure;
        let phish = |m: &mut Extortion| {
            let x = m.best(e, |m, x| {
                (bit(x, 0) && m.users[x] && m.held[e * h + x] == 0 && !m.entry[x])
                    .then(|| u32::MAX - m.lures[e * h + x])
            })?;
            m.lures[e * h + x as usize] += 1;
            Some(tech(lure, x))
        };
        if !foothold && let Some(a) = phish(self) {
            return a;
        }
        // Cash in: a channel and the data out, host by host, the most valuable first.
        let c2 = if self.has(RedKind::EncryptedChannel) {
            Some(RedKind::EncryptedChannel)
        } else if self.has(RedKind::CommandAndControl) && self.style == Style::Extortion {
            Some(RedKind::CommandAndControl)
        } else {
            None
        };
        if let Some(c2) = c2
            && self.has(RedKind::Exfiltration)
            && let Some(x) = self.best(e, |m, x| {
                (privileged(m, x) && m.data[x] > 0 && !m.exfiltrated[e * h + x])
                    .then(|| value(m, x))
            })
        {
            let k = if self.channel[e * h + x as usize] {
                RedKind::Exfiltration
            } else {
                c2
            };
            return tech(k, x);
        }
        if self.style == Style::Stealthy {
            // Nothing loud: no encryption, no outage, no more lures once inside.
            return RedAction::Sleep;
        }
        if self.has(RedKind::Ransomware)
            && let Some(x) = self.best(e, |m, x| {
                (privileged(m, x) && !m.encrypted[e * h + x]).then(|| value(m, x))
            })
        {
            return tech(RedKind::Ransomware, x);
        }
        if let Some(g) = self.goal
            && privileged(self, g as usize)
            && !self.impacted[e]
        {
            return RedAction::Impact(g);
        }
        phish(self).unwrap_or(RedAction::Sleep)
    }
}

impl Agent for Extortion {
    fn side(&self) -> Side {
        Side::Red
    }
    fn name(&self) -> &str {
        match self.style {
            Style::Extortion => "extortion",
            Style::Stealthy => "stealthy",
        }
    }
    fn reset(&mut self, env: usize, episode: u64) {
        let (h, ns) = (self.h, self.ns);
        let r = env * h..(env + 1) * h;
        self.held[r.clone()].fill(0);
        self.escalated[r.clone()].fill(false);
        self.persisted[r.clone()].fill(false);
        self.dumped[r.clone()].fill(false);
        self.channel[r.clone()].fill(false);
        self.exfiltrated[r.clone()].fill(false);
        self.encrypted[r.clone()].fill(false);
        self.lures[r].fill(0);
        self.credentials[env * ns..(env + 1) * ns].fill(false);
        self.impacted[env] = false;
        self.since_rebuild[env] = STEALTHY_REBUILD_EVERY;
        self.tick[env] = 0;
        self.last[env] = None;
        self.rng[env] = Stream::new(self.seed, Purpose::AgentRed, episode);
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        let l = obs.layout;
        for (e, a) in actions.iter_mut().enumerate() {
            self.tick[e] += 1;
            if obs.status(e).running {
                // The action in flight decides what is learnt: wait for it.
                *a = l.encode_red(RedAction::Sleep);
                continue;
            }
            let row = obs.row(e);
            self.learn(e, l, row);
            let resting = self.style == Style::Stealthy && self.tick[e] % STEALTHY_PACE != 1;
            let act = if resting {
                RedAction::Sleep
            } else {
                self.choose(e, l, row)
            };
            self.last[e] = Some(act);
            *a = l.encode_red(act);
        }
    }
}
