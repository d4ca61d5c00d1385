//! Scripted blue agents: Sleep, Random, React-Remove, React-Restore (CAGE-2 §7.4–7.7).

use mirrorlab_sim::layout::{BlueAction, alert};
use mirrorlab_sim::model::{HostId, Scenario};
use mirrorlab_sim::rng::{Purpose, Stream};

use crate::{Agent, Obs, Side};

/// Does nothing, every step.
pub struct Sleep;

impl Agent for Sleep {
    fn side(&self) -> Side {
        Side::Blue
    }
    fn name(&self) -> &str {
        "sleep"
    }
    fn reset(&mut self, _env: usize, _episode: u64) {}
    fn act(&mut self, _obs: &Obs<'_>, actions: &mut [u32]) {
        actions.fill(0);
    }
}

/// A uniformly random action each step, from its own stream.
pub struct Random {
    seed: u64,
    rng: Vec<Stream>,
}

impl Random {
    pub fn new(_s: &Scenario, n: usize, seed: u64) -> Random {
        Random {
            seed,
            rng: (0..n)
                .map(|_| Stream::new(seed, Purpose::AgentBlue, 0))
                .collect(),
        }
    }
}

impl Agent for Random {
    fn side(&self) -> Side {
        Side::Blue
    }
    fn name(&self) -> &str {
        "random"
    }
    fn reset(&mut self, env: usize, episode: u64) {
        self.rng[env] = Stream::new(self.seed, Purpose::AgentBlue, episode);
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        let n = obs.layout.blue_actions as u32;
        for (e, a) in actions.iter_mut().enumerate() {
            *a = self.rng[e].below(n);
        }
    }
}

/// What a reactive agent does to a host it suspects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Response {
    Remove,
    Restore,
}

/// CAGE-2's reactive blue classes on the live observation (§7.6, §7.7): Monitor; after a
/// Monitor, queue every host (other than red's declared foothold) where a reverse shell called
/// back; then Remove/Restore the head of the queue, else Monitor. Detections that arrive in a
/// step in which it did not Monitor are not inspected, as in the original.
pub struct React {
    response: Response,
    h: usize,
    skip: Vec<bool>,
    queue: Vec<u32>, // env × h ring buffer
    head: Vec<u32>,
    len: Vec<u32>,
    queued: Vec<bool>, // env × h
    /// The last input issued was a Monitor.
    issued_monitor: Vec<bool>,
    /// The action taken most recently (running or done) is a Monitor.
    current_monitor: Vec<bool>,
    first: Vec<bool>,
}

impl React {
    pub fn new(s: &Scenario, n: usize, response: Response) -> React {
        let h = s.hosts.len();
        let mut skip = vec![false; h];
        for &x in &s.red.entry {
            skip[x as usize] = true;
        }
        React {
            response,
            h,
            skip,
            queue: vec![0; n * h],
            head: vec![0; n],
            len: vec![0; n],
            queued: vec![false; n * h],
            issued_monitor: vec![false; n],
            current_monitor: vec![false; n],
            first: vec![true; n],
        }
    }
}

impl Agent for React {
    fn side(&self) -> Side {
        Side::Blue
    }
    fn name(&self) -> &str {
        match self.response {
            Response::Remove => "react-remove",
            Response::Restore => "react-restore",
        }
    }
    fn reset(&mut self, env: usize, _episode: u64) {
        self.head[env] = 0;
        self.len[env] = 0;
        self.queued[env * self.h..(env + 1) * self.h].fill(false);
        self.issued_monitor[env] = false;
        self.current_monitor[env] = false;
        self.first[env] = true;
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        let l = obs.layout;
        let h = self.h;
        for (e, a) in actions.iter_mut().enumerate() {
            let status = obs.status(e);
            if status.taken {
                self.current_monitor[e] = self.issued_monitor[e];
            }
            if self.first[e] && !status.running {
                self.first[e] = false;
                self.issued_monitor[e] = true;
                *a = l.encode_blue(BlueAction::Monitor);
                continue;
            }
            // Alerts are inspected on every step of a Monitor, the step it completes included.
            if self.current_monitor[e] {
                let alerts = &obs.alerts[e * h..(e + 1) * h];
                for (x, &bits) in alerts.iter().enumerate() {
                    if bits & alert::PROCESS != 0 && !self.skip[x] && !self.queued[e * h + x] {
                        let tail = (self.head[e] + self.len[e]) as usize % h;
                        self.queue[e * h + tail] = x as u32;
                        self.len[e] += 1;
                        self.queued[e * h + x] = true;
                    }
                }
            }
            if status.running {
                // An action is in flight: this input will be ignored. Wait for it.
                self.issued_monitor[e] = true;
                *a = l.encode_blue(BlueAction::Monitor);
                continue;
            }
            // Inspected: a later ignored input does not inspect them again.
            self.current_monitor[e] = false;
            if self.len[e] > 0 {
                let x = self.queue[e * h + self.head[e] as usize] as HostId;
                self.head[e] = (self.head[e] + 1) % h as u32;
                self.len[e] -= 1;
                self.queued[e * h + x as usize] = false;
                self.issued_monitor[e] = false;
                *a = l.encode_blue(match self.response {
                    Response::Remove => BlueAction::Remove(x),
                    Response::Restore => BlueAction::Restore(x),
                });
            } else {
                self.issued_monitor[e] = true;
                *a = l.encode_blue(BlueAction::Monitor);
            }
        }
    }
}

/// A blind restore cycle: Monitor, then Restore every host but red's declared foothold, in
/// host order, and again. This is what CAGE-2's leaderboard row "Blue React Restore" actually
/// scored (CAGE2.md §8): the reactive class fed the *reset* observation every step.
pub struct RestoreCycle {
    cycle: Vec<u32>,
    /// The cycle entry issued last; it advances only once that input was taken.
    pos: Vec<u32>,
    started: Vec<bool>,
}

impl RestoreCycle {
    pub fn new(s: &Scenario, n: usize) -> RestoreCycle {
        let l = mirrorlab_sim::Layout::new(s);
        let mut cycle = vec![l.encode_blue(BlueAction::Monitor)];
        cycle.extend(
            (0..s.hosts.len() as HostId)
                .filter(|h| !s.red.entry.contains(h))
                .map(|h| l.encode_blue(BlueAction::Restore(h))),
        );
        RestoreCycle {
            cycle,
            pos: vec![0; n],
            started: vec![false; n],
        }
    }
}

impl Agent for RestoreCycle {
    fn side(&self) -> Side {
        Side::Blue
    }
    fn name(&self) -> &str {
        "restore-cycle"
    }
    fn reset(&mut self, env: usize, _episode: u64) {
        self.pos[env] = 0;
        self.started[env] = false;
    }
    fn act(&mut self, obs: &Obs<'_>, actions: &mut [u32]) {
        for (e, a) in actions.iter_mut().enumerate() {
            if !self.started[e] {
                self.started[e] = true;
            } else if obs.status(e).taken {
                self.pos[e] = (self.pos[e] + 1) % self.cycle.len() as u32;
            }
            *a = self.cycle[self.pos[e] as usize];
        }
    }
}
