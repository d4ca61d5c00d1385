//! One episode as a timeline of frames, one per tick, made by stepping a one-environment
//! [`Sim`] (with recording on) whose inputs come from two agents (live) or a replay file.
//! Both drive the same path: [`Timeline::extend_to`] steps the simulator until the wanted
//! tick has a frame, so seeking backwards is a lookup and forwards is a few microseconds of
//! simulation per tick (a 100-tick CAGE-2 episode is made whole in well under a millisecond).
//!
//! The viewer's simulator plays exactly one episode (`episode_limit`), so after its last tick
//! the slot stops rather than starting the next episode, and the final state stays visible;
//! that step's events come from the finished episode's record.

use std::sync::Arc;

use mirrorlab_agents::{Agent, Obs, Side};
use mirrorlab_sim::model::RedKind;
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::replay::Replay;
use mirrorlab_sim::trace::{Alert, Event, EventKind, ExploitOutcome, TechniqueOutcome};
use mirrorlab_sim::{Buffers, HostView, Layout, RedHold, ScoreView, Sim, SimConfig};

/// Why a timeline could not be made.
#[derive(Debug, thiserror::Error)]
pub enum EpisodeError {
    #[error(transparent)]
    Agent(#[from] mirrorlab_agents::AgentError),
    #[error(transparent)]
    Sim(#[from] mirrorlab_sim::SimError),
    #[error(transparent)]
    Replay(#[from] mirrorlab_sim::replay::ReplayError),
    #[error("the replay holds {len} episodes; there is no episode at index {index}")]
    NoEpisode { index: usize, len: usize },
    #[error("the replay's {side} input at tick {tick} is action {action}, which does not exist")]
    BadInput {
        side: &'static str,
        tick: usize,
        action: u32,
    },
    #[error("there is no earlier episode")]
    BeforeFirst,
    #[error("there is no later episode (episode ids stay below {max})", max = mirrorlab_sim::model::MAX_EPISODES)]
    AfterLast,
}

/// The state after `tick` ticks of the episode.
#[derive(Clone, Debug, PartialEq)]
pub struct Frame {
    /// Ticks elapsed (0: the episode's start).
    pub tick: u32,
    pub hosts: Vec<HostView>,
    /// Running totals (tenths).
    pub score: ScoreView,
    /// The inputs of the step that led here (None at tick 0).
    pub inputs: Option<(u32, u32)>,
    /// The events of that step: `Timeline::events[events.0..events.1]`.
    pub events: (usize, usize),
    /// A learned blue's most probable actions at that step, most probable first (action,
    /// probability); empty for scripted agents and replays.
    pub blue_top: Vec<(u32, f32)>,
    /// The same for a learned red.
    pub red_top: Vec<(u32, f32)>,
}

/// How many of a learned agent's most probable actions a frame keeps.
pub const TOP_ACTIONS: usize = 3;

fn top(dist: &[f32]) -> Vec<(u32, f32)> {
    let mut best: Vec<(u32, f32)> = Vec::with_capacity(TOP_ACTIONS + 1);
    for (a, &p) in dist.iter().enumerate() {
        if best.len() < TOP_ACTIONS || p > best[best.len() - 1].1 {
            let at = best.iter().position(|b| p > b.1).unwrap_or(best.len());
            best.insert(at, (a as u32, p));
            best.truncate(TOP_ACTIONS);
        }
    }
    best
}

/// Where a timeline's inputs come from.
enum Driver {
    Agents {
        blue: Box<dyn Agent>,
        red: Box<dyn Agent>,
        buf: Buffers,
        actions: (Vec<u32>, Vec<u32>),
    },
    Replay {
        blue: Vec<u32>,
        /// Red's inputs, `red_per_tick` a tick.
        red: Vec<u32>,
        red_per_tick: usize,
    },
}

/// What a timeline plays: names for the status line and the seeds that make it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpisodeInfo {
    pub scenario: String,
    pub red: String,
    pub blue: String,
    pub seed: u64,
    /// The episode id (its random streams).
    pub episode: u64,
    pub length: u32,
}

/// One episode, frame by frame.
pub struct Timeline {
    pub scenario: Arc<Scenario>,
    pub layout: Layout,
    pub info: EpisodeInfo,
    sim: Sim,
    driver: Driver,
    frames: Vec<Frame>,
    /// Every event so far, in order.
    pub events: Vec<Event>,
    /// The longest host name, in characters (the map's name column).
    pub longest_name: usize,
}

fn viewer_sim(
    scenario: &Arc<Scenario>,
    seed: u64,
    episode: u64,
    length: u32,
    red_per_tick: usize,
) -> Result<Sim, mirrorlab_sim::SimError> {
    let mut cfg = SimConfig::new(1, seed);
    cfg.red_actions_per_tick = red_per_tick;
    cfg.episode_length = Some(length);
    cfg.first_episode = episode;
    cfg.episode_limit = Some(episode + 1);
    cfg.record = true;
    Sim::new(scenario.clone(), &cfg)
}

impl Timeline {
    /// Episode `episode` of `red` against `blue` (agent specs, as on the command line) with
    /// `seed`, `length` ticks long (default: the scenario's).
    pub fn live(
        scenario: Arc<Scenario>,
        red: &str,
        blue: &str,
        seed: u64,
        episode: u64,
        length: Option<u32>,
    ) -> Result<Timeline, EpisodeError> {
        let length = length.unwrap_or(scenario.episode_length);
        let mut red_agent = mirrorlab_agents::build_agent(Side::Red, red, &scenario, 1, seed)?;
        let mut blue_agent = mirrorlab_agents::build_agent(Side::Blue, blue, &scenario, 1, seed)?;
        red_agent.reset(0, episode);
        blue_agent.reset(0, episode);
        blue_agent.keep_distribution(true);
        red_agent.keep_distribution(true);
        let sim = viewer_sim(
            &scenario,
            seed,
            episode,
            length,
            red_agent.actions_per_tick(),
        )?;
        let layout = sim.layout().clone();
        let mut buf = Buffers::new(&layout, 1);
        sim.observe(&mut buf.out(false))?;
        let info = EpisodeInfo {
            scenario: scenario.name.clone(),
            red: red.into(),
            blue: blue.into(),
            seed,
            episode,
            length,
        };
        Ok(Timeline::start(
            scenario,
            layout,
            info,
            sim,
            Driver::Agents {
                blue: blue_agent,
                red: red_agent,
                buf,
                actions: (vec![0], vec![0]),
            },
        ))
    }

    /// Episode `index` of a replay (checked first: version, scenario, inputs).
    pub fn replay(
        scenario: Arc<Scenario>,
        replay: &Replay,
        index: usize,
    ) -> Result<Timeline, EpisodeError> {
        replay.check(&scenario)?;
        let layout = Layout::new(&scenario);
        let ep = replay.episodes.get(index).ok_or(EpisodeError::NoEpisode {
            index,
            len: replay.episodes.len(),
        })?;
        if let Some(t) = ep
            .blue
            .iter()
            .position(|&a| a as usize >= layout.blue_actions)
        {
            return Err(EpisodeError::BadInput {
                side: "blue",
                tick: t,
                action: ep.blue[t],
            });
        }
        // Red's turns after its first of a tick may pass.
        let k = replay.red_actions_per_tick as usize;
        if let Some(i) = ep.red.iter().enumerate().position(|(i, &a)| {
            a as usize >= layout.red_actions && !(i % k != 0 && a == mirrorlab_sim::layout::PASS)
        }) {
            return Err(EpisodeError::BadInput {
                side: "red",
                tick: i / k,
                action: ep.red[i],
            });
        }
        let sim = viewer_sim(&scenario, replay.seed, ep.episode, replay.episode_length, k)?;
        let info = EpisodeInfo {
            scenario: scenario.name.clone(),
            red: replay.red_agent.clone(),
            blue: replay.blue_agent.clone(),
            seed: replay.seed,
            episode: ep.episode,
            length: replay.episode_length,
        };
        Ok(Timeline::start(
            scenario,
            layout,
            info,
            sim,
            Driver::Replay {
                blue: ep.blue.clone(),
                red: ep.red.clone(),
                red_per_tick: k,
            },
        ))
    }

    fn start(
        scenario: Arc<Scenario>,
        layout: Layout,
        info: EpisodeInfo,
        sim: Sim,
        driver: Driver,
    ) -> Timeline {
        let first = Frame {
            tick: 0,
            hosts: sim.host_views(0),
            score: sim.score_view(0),
            inputs: None,
            events: (0, 0),
            blue_top: Vec::new(),
            red_top: Vec::new(),
        };
        let longest_name = scenario
            .hosts
            .iter()
            .map(|x| x.name.chars().count())
            .max()
            .unwrap_or(6);
        Timeline {
            longest_name,
            scenario,
            layout,
            info,
            sim,
            driver,
            frames: vec![first],
            events: Vec::new(),
        }
    }

    /// The last tick (the episode's length).
    pub fn last_tick(&self) -> u32 {
        self.info.length
    }

    /// Frames made so far (ticks `0..made()`).
    pub fn made(&self) -> u32 {
        self.frames.len() as u32
    }

    /// The frame at `tick` (clamped to the episode), stepping the simulator as needed.
    pub fn frame(&mut self, tick: u32) -> &Frame {
        let t = tick.min(self.last_tick());
        self.extend_to(t);
        &self.frames[t as usize]
    }

    /// A frame already made.
    pub fn made_frame(&self, tick: u32) -> Option<&Frame> {
        self.frames.get(tick as usize)
    }

    /// Steps the simulator until the frame of `tick` exists (at most the episode's length).
    pub fn extend_to(&mut self, tick: u32) {
        let t = tick.min(self.last_tick());
        while self.made() <= t {
            self.step();
        }
    }

    /// The events of the step that led to `frame`.
    pub fn frame_events(&self, frame: &Frame) -> &[Event] {
        &self.events[frame.events.0..frame.events.1]
    }

    fn step(&mut self) {
        let t = self.frames.len() - 1;
        let (mut blue_top, mut red_top) = (Vec::new(), Vec::new());
        let (blue, red) = match &mut self.driver {
            Driver::Agents {
                blue,
                red,
                buf,
                actions,
            } => {
                blue.act(
                    &Obs {
                        layout: &self.layout,
                        side: Side::Blue,
                        obs: &buf.blue_obs,
                        alerts: &buf.blue_alerts,
                    },
                    &mut actions.0,
                );
                let b = actions.0[0];
                if let Some(d) = blue.distribution(0) {
                    blue_top = top(d);
                }
                // Red decides turn by turn (a fast red acts several times a tick); the
                // frame keeps its first input and the distribution behind it.
                let layout = &self.layout;
                let first = &mut actions.1;
                // Inputs were range-checked by the agents' own layout: a failure is a bug.
                self.sim
                    .step_with(&[b], &mut buf.out(false), |turn, obs, acts| {
                        mirrorlab_agents::red_turn(red.as_mut(), layout, turn, obs, acts);
                        if turn == 0 {
                            first[0] = acts[0];
                            if let Some(d) = red.distribution(0) {
                                red_top = top(d);
                            }
                        }
                    })
                    .expect("agents give valid inputs");
                (b, actions.1[0])
            }
            Driver::Replay {
                blue,
                red,
                red_per_tick: k,
            } => {
                let (b, r) = (blue[t], &red[t * *k..(t + 1) * *k]);
                let mut buf = Buffers::new(&self.layout, 1);
                self.sim
                    .step(&[b], r, &mut buf.out(false))
                    .expect("a checked replay's inputs are valid");
                (b, r[0])
            }
        };
        // The step that ends the episode hands its events over with the finished record.
        let mut finished = Vec::new();
        self.sim.drain_finished(&mut finished);
        let all = match finished.last() {
            Some(f) => &f.events[..],
            None => self.sim.events(0),
        };
        let from = self.events.len();
        self.events.extend_from_slice(&all[from.min(all.len())..]);
        self.frames.push(Frame {
            tick: t as u32 + 1,
            hosts: self.sim.host_views(0),
            score: self.sim.score_view(0),
            inputs: Some((blue, red)),
            events: (from, self.events.len()),
            blue_top,
            red_top,
        });
    }

    /// Red's attack path up to `tick`: one edge per session red gained, in order, from the
    /// host that led red there. Every red action is launched from red's first entry host, so
    /// the edge starts at: the pivot a route needs (a route with `via` carries traffic only
    /// while red holds a session in that subnet: the host there red gained last); else the
    /// host whose escalation revealed the target's address (the scenario's `reveals`), or
    /// the target's subnet for a sweep (escalating makes red aware of the host's subnet);
    /// else the launch host. Frames not yet made are not looked at (`tick` is clamped to the last
    /// one made).
    pub fn attack_edges(&self, tick: u32) -> Vec<Edge> {
        let t = tick.min(self.made() - 1);
        let s = &self.scenario;
        let Some(&launch) = s.red.entry.first() else {
            return Vec::new();
        };
        let launch = launch as usize;
        let home = s.hosts[launch].subnet;
        let mut edges: Vec<Edge> = Vec::new();
        let mut revealed_by: Vec<Option<usize>> = vec![None; s.hosts.len()];
        let mut subnet_by: Vec<Option<usize>> = vec![None; s.subnets.len()];
        for k in 1..=t as usize {
            let (before, now) = (&self.frames[k - 1], &self.frames[k]);
            for e in &self.events[now.events.0..now.events.1] {
                if e.kind == EventKind::Escalated {
                    let y = e.host as usize;
                    for &r in &s.hosts[y].reveals {
                        revealed_by[r as usize].get_or_insert(y);
                    }
                    subnet_by[s.hosts[y].subnet as usize].get_or_insert(y);
                }
                let gained = [ExploitOutcome::User, ExploitOutcome::Privileged]
                    .iter()
                    .any(|&o| e.b == o as u32);
                // Sessions come from exploits, and beyond CAGE-2 from a lure someone took
                // (straight from red's machine: mail needs no route) or a login with dumped
                // accounts (over routes, as an exploit).
                let lured = match e.kind {
                    EventKind::Exploit if gained => false,
                    EventKind::Technique if e.b == TechniqueOutcome::Succeeded as u32 => {
                        match RedKind::ALL.get(e.a as usize) {
                            Some(RedKind::Phishing | RedKind::PhishingDeepfake) => true,
                            Some(RedKind::LateralMovement) => false,
                            _ => continue,
                        }
                    }
                    _ => continue,
                };
                let to = e.host as usize;
                let sub = s.hosts[to].subnet;
                let via = (sub != home)
                    .then(|| s.routes.iter().find(|r| r.from == home && r.to == sub))
                    .flatten()
                    .and_then(|r| r.via);
                let held = |h: usize| before.hosts[h].hold >= RedHold::User;
                let from = match via {
                    _ if lured => launch,
                    None => revealed_by[to]
                        .or(subnet_by[sub as usize])
                        .filter(|&y| y != to)
                        .unwrap_or(launch),
                    Some(v) => edges
                        .iter()
                        .rev()
                        .map(|g| g.to)
                        .find(|&h| s.hosts[h].subnet == v && held(h))
                        .or_else(|| {
                            s.subnets[v as usize]
                                .hosts
                                .iter()
                                .map(|&h| h as usize)
                                .find(|&h| held(h))
                        })
                        .unwrap_or(launch),
                };
                // A session gained on the launch host itself is no step of a path.
                if from != to {
                    edges.push(Edge {
                        from,
                        to,
                        tick: k as u32,
                    });
                }
            }
        }
        edges
    }

    /// The first tick after `from` (or before it, going backwards) whose step holds an event
    /// of `mark`; stepping forwards as needed. None if there is none.
    pub fn find(&mut self, mark: Mark, from: u32, forwards: bool) -> Option<u32> {
        if forwards {
            self.extend_to(self.last_tick());
            (from + 1..=self.last_tick()).find(|&t| self.has(t, mark))
        } else {
            (1..from).rev().find(|&t| self.has(t, mark))
        }
    }

    /// The alerts raised on `host` in the step that led to tick `tick` and over the
    /// scenario's alert window ending there (the `[rules] alert_window` ticks blue's
    /// observation counts), from the ground truth: what blue's alert counts were made from,
    /// with each alert's label. Frames not yet made are not looked at.
    pub fn host_alerts(&self, tick: u32, host: usize) -> HostAlerts {
        let mut out = HostAlerts::default();
        let t = tick.min(self.made() - 1) as usize;
        let window = self.scenario.alert_window.max(1) as usize;
        let first = (t + 1).saturating_sub(window).max(1);
        for tk in first..=t {
            for e in self.frame_events(&self.frames[tk]) {
                let Some(a) = Alert::decode(e) else { continue };
                if a.host as usize != host {
                    continue;
                }
                let k = a.kind as usize;
                out.window[k] += 1;
                if a.malicious() {
                    out.window_true += 1;
                }
                if tk == t {
                    out.now[k] += 1;
                    if a.malicious() {
                        out.now_true += 1;
                    }
                }
            }
        }
        out
    }

    fn has(&self, tick: u32, mark: Mark) -> bool {
        let f = &self.frames[tick as usize];
        self.frame_events(f).iter().any(|e| mark.matches(e))
    }
}

/// One host's alerts at a tick ([`Timeline::host_alerts`]): counts by
/// [`mirrorlab_sim::model::AlertKind`] index, and how many of them red caused.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostAlerts {
    /// Raised in the step that led to the tick.
    pub now: [u32; mirrorlab_sim::model::AlertKind::COUNT],
    pub now_true: u32,
    /// Raised over the alert window ending at the tick.
    pub window: [u32; mirrorlab_sim::model::AlertKind::COUNT],
    pub window_true: u32,
}

impl HostAlerts {
    pub fn now_total(&self) -> u32 {
        self.now.iter().sum()
    }
    pub fn window_total(&self) -> u32 {
        self.window.iter().sum()
    }
}

/// One step of red's attack path: a session gained on `to`, reached from `from` (the launch
/// host, or the pivot a route needs), in the step that ends at `tick`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    pub tick: u32,
}

/// Kinds of moments to jump to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mark {
    /// Red gained a session (an exploit gave user or root; a lure was taken; a login with
    /// dumped accounts worked).
    Compromise,
    /// Red escalated to root/SYSTEM.
    Privilege,
    /// A critical service was stopped, or data stolen or encrypted.
    Impact,
    /// Blue restored or cleaned a host.
    Restore,
    /// A sensor raised an alert that red caused (a true positive).
    Detection,
}

impl Mark {
    pub fn name(self) -> &'static str {
        match self {
            Mark::Compromise => "compromise",
            Mark::Privilege => "privilege",
            Mark::Impact => "impact",
            Mark::Restore => "restore",
            Mark::Detection => "detection",
        }
    }

    pub fn matches(self, e: &Event) -> bool {
        match self {
            Mark::Compromise => {
                (e.kind == EventKind::Exploit && (e.b == 2 || e.b == 3))
                    || technique(e).is_some_and(|k| {
                        matches!(
                            k,
                            RedKind::Phishing
                                | RedKind::PhishingDeepfake
                                | RedKind::LateralMovement
                        )
                    })
            }
            Mark::Privilege => {
                (e.kind == EventKind::Escalated && e.a != 0)
                    || (e.kind == EventKind::Exploit && e.b == 3)
            }
            Mark::Impact => {
                e.kind == EventKind::ServiceStopped
                    || technique(e)
                        .is_some_and(|k| matches!(k, RedKind::Ransomware | RedKind::Exfiltration))
            }
            Mark::Restore => {
                e.kind == EventKind::Restored || (e.kind == EventKind::SessionsRemoved && e.a > 0)
            }
            Mark::Detection => Alert::decode(e).is_some_and(|a| a.malicious()),
        }
    }
}

/// The technique of a `Technique` event that worked (None for any other event).
fn technique(e: &Event) -> Option<RedKind> {
    (e.kind == EventKind::Technique && e.b == TechniqueOutcome::Succeeded as u32)
        .then(|| RedKind::ALL.get(e.a as usize).copied())
        .flatten()
}

/// The first tick at which two episodes' worlds differ: what red holds on a host, a stopped
/// service, the decoys placed, a host isolated, patched, encrypted or robbed, or red's own
/// input (its observations differ). None if they
/// never do. Both timelines are made up to the shorter one's last tick.
pub fn first_divergence(a: &mut Timeline, b: &mut Timeline) -> Option<u32> {
    let last = a.last_tick().min(b.last_tick());
    a.extend_to(last);
    b.extend_to(last);
    (0..=last).find(|&t| {
        let (fa, fb) = (&a.frames[t as usize], &b.frames[t as usize]);
        let world = |f: &Frame| {
            f.hosts
                .iter()
                .map(|h| {
                    let beyond = (
                        h.isolated,
                        h.patched,
                        h.encrypted,
                        h.exfiltrated,
                        h.zone_blocked,
                    );
                    (h.hold, h.impacted, h.decoys, beyond)
                })
                .collect::<Vec<_>>()
        };
        world(fa) != world(fb) || fa.inputs.map(|i| i.1) != fb.inputs.map(|i| i.1)
    })
}
