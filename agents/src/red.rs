//! Scripted red agents: B_line, Meander, Sleep (CAGE-2 §7).

use mirrorlab_sim::layout::{Layout, RED_OBS_PER_HOST, RedAction};
use mirrorlab_sim::model::{HostId, Scenario, SubnetId};
use mirrorlab_sim::rng::{Purpose, Stream};

use crate::{Agent, AgentError, Obs, Side};

/// Red's last result, read from its observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Flag {
    Unknown,
    False,
    True,
}

fn flag(row: &[f32]) -> Flag {
    if row[2] > 0.5 {
        Flag::True
    } else if row[1] > 0.5 {
        Flag::False
    } else {
        Flag::Unknown
    }
}

/// Per-host knowledge bits from red's observation row.
struct Know<'a> {
    row: &'a [f32],
    base: usize,
}

impl Know<'_> {
    fn new<'a>(l: &Layout, row: &'a [f32]) -> Know<'a> {
        Know {
            row,
            base: l.red_obs_host(0),
        }
    }
    fn ip(&self, h: usize) -> bool {
        self.row[self.base + RED_OBS_PER_HOST * h] > 0.5
    }
    fn ports(&self, h: usize) -> bool {
        self.row[self.base + RED_OBS_PER_HOST * h + 1] > 0.5
    }
    fn name(&self, h: usize) -> bool {
        self.row[self.base + RED_OBS_PER_HOST * h + 2] > 0.5
    }
    fn subnet(&self, s: usize) -> bool {
        self.row[3 + s] > 0.5
    }
}

/// Does nothing, every step.
pub struct Sleep;

impl Agent for Sleep {
    fn side(&self) -> Side {
        Side::Red
    }
    fn name(&self) -> &str {
        "sleep"
    }
    fn reset(&mut self, _env: usize, _episode: u64) {}
    fn act(&mut self, _obs: &Obs<'_>, actions: &mut [u32]) {
        actions.fill(0);
    }
}

/// B_line: a 15-state machine that heads for the goal through the enterprise (CAGE-2 §7.2).
pub struct BLine {
    seed: u64,
    user_subnet: SubnetId,
    /// Candidate first hosts: the entry subnet minus red's footholds.
    candidates: Vec<HostId>,
    goal: HostId,
    /// The enterprise host that reveals the goal (CAGE-2: Enterprise2).
    pivot: HostId,
    pivot_subnet: SubnetId,
    /// The enterprise host each candidate reveals (CAGE-2: Enterprise1 or Enterprise0).
    first_reveal: Vec<HostId>,
    state: Vec<u8>,
    user_host: Vec<u32>, // index into candidates; u32::MAX until state 1 is first entered
    s12_built: Vec<bool>,
    rng: Vec<Stream>,
}

/// Failure jumps (CAGE-2 §7.2).
const JUMP: [u8; 15] = [0, 1, 2, 2, 2, 2, 5, 5, 5, 5, 9, 9, 9, 12, 13];

impl BLine {
    pub fn new(s: &Scenario, n: usize, seed: u64) -> Result<BLine, AgentError> {
        let unsupported = |why: String| AgentError::Unsupported {
            agent: "bline".into(),
            scenario: s.name.clone(),
            why,
        };
        let entry = s.red.entry[0];
        let user_subnet = s.hosts[entry as usize].subnet;
        let candidates: Vec<HostId> = s.subnets[user_subnet as usize]
            .hosts
            .iter()
            .copied()
            .filter(|h| !s.red.entry.contains(h))
            .collect();
        let goal = *s
            .red
            .goals
            .first()
            .ok_or_else(|| unsupported("the scenario names no impact goal".into()))?;
        let pivot = (0..s.hosts.len() as HostId)
            .find(|&h| s.hosts[h as usize].reveals.contains(&goal))
            .ok_or_else(|| unsupported("no host reveals the goal's address".into()))?;
        let mut first_reveal = Vec::new();
        for &c in &candidates {
            first_reveal.push(*s.hosts[c as usize].reveals.first().ok_or_else(|| {
                unsupported(format!(
                    "user host {} reveals no next host",
                    s.hosts[c as usize].name
                ))
            })?);
        }
        if candidates.is_empty() {
            return Err(unsupported(
                "the entry subnet has no host besides red's foothold (B_line follows CAGE-2's route from a workstation zone; meander and adaptive play any network by its exploits, extortion one that enables phishing)".into(),
            ));
        }
        Ok(BLine {
            seed,
            user_subnet,
            candidates,
            goal,
            pivot,
            pivot_subnet: s.hosts[pivot as usize].subnet,
            first_reveal,
            state: vec![0; n],
            user_host: vec![u32::MAX; n],
            s12_built: vec![false; n],
            rng: (0..n)
                .map(|_| Stream::new(seed, Purpose::AgentRed, 0))
                .collect(),
        })
    }

    fn action(&mut self, l: &Layout, e: usize, know: &Know) -> RedAction {
        if self.state[e] == 12 && !self.s12_built[e] {
            self.s12_built[e] = true;
            // Restart rule: the goal's scan found no ports (no route): back to state 1.
            if !know.ports(self.goal as usize) {
                self.state[e] = 1;
            }
        }
        if self.state[e] >= 1 && self.user_host[e] == u32::MAX {
            self.user_host[e] = self.rng[e].below(self.candidates.len() as u32);
        }
        let _ = l;
        let uh = self.user_host[e].min(self.candidates.len() as u32 - 1) as usize;
        let user = self.candidates[uh];
        let ent = self.first_reveal[uh];
        match self.state[e] {
            0 => RedAction::DiscoverSystems(self.user_subnet),
            1 => RedAction::DiscoverServices(user),
            2 => RedAction::Exploit(user),
            3 => RedAction::Escalate(user),
            4 => RedAction::DiscoverServices(ent),
            5 => RedAction::Exploit(ent),
            6 => RedAction::Escalate(ent),
            7 => RedAction::DiscoverSystems(self.pivot_subnet),
            8 => RedAction::DiscoverServices(self.pivot),
            9 => RedAction::Exploit(self.pivot),
            10 => RedAction::Escalate(self.pivot),
            11 => RedAction::DiscoverServices(self.goal),
            12 => RedAction::Exploit(self.goal),
            13 => RedAction::Escalate(self.goal),
            _ => RedAction::Impact(self.goal),
        }
    }
}

impl Agent for BLine {
    fn side(&self) -> Side {
        Side::Red
    }
    fn name(&self) -> &str {
        "bline"
    }
    fn reset(&mut self, env: usize, episode: u64) {
        self.state[env] = 0;
        self.user_host[env] = u32::MAX;
        self.s12_built[env] = false;
        self.rng[env] = Stream::new(self.seed, Purpose::AgentRed, episode);
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        let l = obs.layout;
        for (e, a) in actions.iter_mut().enumerate() {
            if obs.status(e).running {
                // The last action is still in flight: this input will be ignored, and the
                // result flag still belongs to an earlier action. Wait for it.
                *a = l.encode_red(RedAction::Sleep);
                continue;
            }
            let row = obs.row(e);
            let s = self.state[e];
            self.state[e] = if flag(row) == Flag::True {
                (s + 1).min(14)
            } else {
                JUMP[s as usize]
            };
            let know = Know::new(l, row);
            *a = l.encode_red(self.action(l, e, &know));
        }
    }
}

/// Meander: explores and takes what it finds (CAGE-2 §7.3).
pub struct Meander {
    seed: u64,
    h: usize,
    ns: usize,
    goal: Option<HostId>,
    /// Subnets in the order their escalated hosts are forgotten (deepest first), entry subnet
    /// excluded.
    tiers: Vec<Vec<HostId>>,
    swept: Vec<bool>,     // env × subnet
    scanned: Vec<bool>,   // env × host
    exploited: Vec<bool>, // env × host (by address)
    escalated: Vec<bool>, // env × host (by name)
    mapped: Vec<bool>,    // env × host: hostname ↔ address recorded
    last: Vec<Option<RedAction>>,
    rng: Vec<Stream>,
    scratch: Vec<u32>,
}

impl Meander {
    pub fn new(s: &Scenario, n: usize, seed: u64) -> Result<Meander, AgentError> {
        let h = s.hosts.len();
        let ns = s.subnets.len();
        let entry_subnet = s.hosts[s.red.entry[0] as usize].subnet as usize;
        let tiers = (0..ns)
            .rev()
            .filter(|&i| i != entry_subnet)
            .map(|i| s.subnets[i].hosts.clone())
            .collect();
        Ok(Meander {
            seed,
            h,
            ns,
            goal: s.red.goals.first().copied(),
            tiers,
            swept: vec![false; n * ns],
            scanned: vec![false; n * h],
            exploited: vec![false; n * h],
            escalated: vec![false; n * h],
            mapped: vec![false; n * h],
            last: vec![None; n],
            rng: (0..n)
                .map(|_| Stream::new(seed, Purpose::AgentRed, 0))
                .collect(),
            scratch: Vec::with_capacity(h),
        })
    }

    /// Corrects the optimistic lists with the last action's result.
    fn learn(&mut self, e: usize, f: Flag) {
        let h = self.h;
        let drop_host = |m: &mut Meander, x: usize| {
            m.escalated[e * h + x] = false;
            if m.mapped[e * h + x] {
                m.exploited[e * h + x] = false;
            }
        };
        match self.last[e] {
            Some(RedAction::Exploit(x)) => {
                let x = x as usize;
                if f == Flag::True {
                    self.mapped[e * h + x] = true;
                } else {
                    self.exploited[e * h + x] = false;
                    for t in 0..self.tiers.len() {
                        let hit = self.tiers[t]
                            .iter()
                            .any(|&y| self.escalated[e * h + y as usize]);
                        if hit {
                            for i in 0..self.tiers[t].len() {
                                let y = self.tiers[t][i] as usize;
                                drop_host(self, y);
                            }
                            break;
                        }
                    }
                }
            }
            Some(RedAction::Escalate(x)) | Some(RedAction::Impact(x)) if f == Flag::False => {
                drop_host(self, x as usize);
            }
            _ => {}
        }
    }

    fn choose(&mut self, e: usize, know: &Know) -> RedAction {
        let h = self.h;
        if let Some(g) = self.goal
            && self.escalated[e * h + g as usize]
        {
            return RedAction::Impact(g);
        }
        for s in 0..self.ns {
            if know.subnet(s) && !self.swept[e * self.ns + s] {
                self.swept[e * self.ns + s] = true;
                return RedAction::DiscoverSystems(s as SubnetId);
            }
        }
        // "The first eligible host of a uniform shuffle" is a uniform draw among the eligible.
        let pick = |m: &mut Meander, eligible: &dyn Fn(&Meander, usize) -> bool| -> Option<usize> {
            m.scratch.clear();
            for x in 0..h {
                if eligible(m, x) {
                    m.scratch.push(x as u32);
                }
            }
            if m.scratch.is_empty() {
                return None;
            }
            let i = m.rng[e].below(m.scratch.len() as u32) as usize;
            Some(m.scratch[i] as usize)
        };
        if let Some(x) = pick(self, &|m, x| know.ip(x) && !m.scanned[e * h + x]) {
            self.scanned[e * h + x] = true;
            return RedAction::DiscoverServices(x as HostId);
        }
        if let Some(x) = pick(self, &|m, x| {
            know.name(x)
                && !m.escalated[e * h + x]
                && (!m.mapped[e * h + x] || m.exploited[e * h + x])
        }) {
            self.escalated[e * h + x] = true;
            return RedAction::Escalate(x as HostId);
        }
        if let Some(x) = pick(self, &|m, x| know.ip(x) && !m.exploited[e * h + x]) {
            self.exploited[e * h + x] = true;
            return RedAction::Exploit(x as HostId);
        }
        RedAction::Sleep
    }
}

impl Agent for Meander {
    fn side(&self) -> Side {
        Side::Red
    }
    fn name(&self) -> &str {
        "meander"
    }
    fn reset(&mut self, env: usize, episode: u64) {
        let (h, ns) = (self.h, self.ns);
        self.swept[env * ns..(env + 1) * ns].fill(false);
        for v in [
            &mut self.scanned,
            &mut self.exploited,
            &mut self.escalated,
            &mut self.mapped,
        ] {
            v[env * h..(env + 1) * h].fill(false);
        }
        self.last[env] = None;
        self.rng[env] = Stream::new(self.seed, Purpose::AgentRed, episode);
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        let l = obs.layout;
        for (e, a) in actions.iter_mut().enumerate() {
            if obs.status(e).running {
                // Wait for the action in flight; its result decides what is learnt.
                *a = l.encode_red(RedAction::Sleep);
                continue;
            }
            let row = obs.row(e);
            self.learn(e, flag(row));
            let know = Know::new(l, row);
            let act = self.choose(e, &know);
            self.last[e] = Some(act);
            *a = l.encode_red(act);
        }
    }
}
