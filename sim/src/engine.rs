//! The simulator's state (struct of arrays over environments) and its rules, as plain
//! functions over one environment. The bevy_ecs systems in `world.rs` are thin wrappers that
//! call these for every environment of a chunk, in environment order.
//!
//! Turn order of one tick (CAGE-2 §6.2): blue's action, green, red's action, reward, then
//! monitoring builds blue's observation. Every random draw is taken from the episode's own
//! streams in a fixed order, so an environment's trajectory does not depend on its neighbours.

use crate::layout::{BlueAction, Layout, RedAction, alert, status};
use crate::model::{BlueKind, ExploitKind, HostId, RedKind, Scenario};
use crate::rng::{Purpose, Stream};
use crate::trace::{Event, EventKind, ExploitOutcome, hash_event, hash_init};

/// Host flag bits.
const F_RED_FILE: u8 = 1;
const F_CRIT_RUNNING: u8 = 2;
const F_CRIT_LINKED: u8 = 4;
const F_EVER_COMPROMISED: u8 = 8;
const F_EVER_PRIVILEGED: u8 = 16;

/// Red knowledge bits per host.
pub(crate) const K_IP: u8 = 1;
pub(crate) const K_PORTS: u8 = 2;
const K_NAME: u8 = 4;
const K_IMPACT: u8 = 8;

/// Event-accumulator flag bits.
const EV_PID: u8 = 1;
const EV_FIRST_DECOY: u8 = 2;
const EV_EPHEMERAL_SHIFT: u8 = 4;

/// Red's last-action result.
pub const RED_FALSE: u8 = 0;
pub const RED_TRUE: u8 = 1;
pub const RED_UNKNOWN: u8 = 2;
pub const RED_INVALID: u8 = 3;

const NONE: u32 = u32::MAX;

/// Blue's four observation values per host, indexed by `activity * 4 + estimate`:
/// activity None `0 0`, Scan `1 0`, Exploit `1 1`; estimate No `0 0`, Unknown `1 0`,
/// User `0 1`, Privileged `1 1` (CAGE-2 §5).
const BLUE_ROWS: [[f32; 4]; 12] = {
    let mut t = [[0.0; 4]; 12];
    let mut i = 0;
    while i < 12 {
        let (act, flag) = (i / 4, i % 4);
        t[i] = [
            (act >= 1) as u8 as f32,
            (act == 2) as u8 as f32,
            (flag & 1) as f32,
            (flag >> 1) as f32,
        ];
        i += 1;
    }
    t
};

/// Red's five observation values per host, indexed by knowledge bits (ip, ports, name),
/// `any session << 3` and `privileged session << 4`.
const RED_ROWS: [[f32; 5]; 32] = {
    let mut t = [[0.0; 5]; 32];
    let mut i = 0;
    while i < 32 {
        t[i] = [
            (i & K_IP as usize != 0) as u8 as f32,
            (i & K_PORTS as usize != 0) as u8 as f32,
            (i & K_NAME as usize != 0) as u8 as f32,
            (i >> 3 & 1) as f32,
            (i >> 4 & 1) as f32,
        ];
        i += 1;
    }
    t
};

/// Facts about the scenario precomputed for the hot path.
#[derive(Debug)]
pub struct Static {
    pub layout: Layout,
    /// Per host: mask and count of listening connections of the image.
    pub image_ports: Vec<u64>,
    pub image_listens: Vec<u16>,
    /// Base (permanent) privileged red sessions per host: 1 on entry hosts.
    pub base_sessions: Vec<u8>,
    /// Subnet red launches from.
    pub launch_subnet: u32,
    /// Exploit ids, heaviest first (the order options are offered in).
    pub exploit_order: Vec<u8>,
    /// Cost and duration tables.
    pub blue_cost: [i32; 6],
    pub blue_duration: [u16; 6],
    pub red_cost: [i32; 6],
    pub red_duration: [u16; 6],
}

impl Static {
    pub fn new(s: &Scenario) -> Static {
        let layout = Layout::new(s);
        let mut image_ports = vec![0u64; s.hosts.len()];
        let mut image_listens = vec![0u16; s.hosts.len()];
        for (i, h) in s.hosts.iter().enumerate() {
            for svc in &h.services {
                if let Some(p) = svc.port {
                    image_ports[i] |= 1 << p;
                    image_listens[i] += 1;
                }
            }
        }
        let mut base_sessions = vec![0u8; s.hosts.len()];
        for &e in &s.red.entry {
            base_sessions[e as usize] = 1;
        }
        // Exploits sorted by weight, heaviest first (stable: file order breaks ties).
        let mut exploit_order: Vec<u8> = (0..s.exploits.len() as u8).collect();
        exploit_order.sort_by(|&a, &b| {
            s.exploits[b as usize]
                .weight
                .total_cmp(&s.exploits[a as usize].weight)
        });
        Static {
            layout,
            image_ports,
            image_listens,
            base_sessions,
            launch_subnet: s.hosts[s.red.entry[0] as usize].subnet,
            exploit_order,
            blue_cost: s.blue.costs.map(|c| c.cost),
            blue_duration: s.blue.costs.map(|c| c.duration),
            red_cost: s.red.costs.map(|c| c.cost),
            red_duration: s.red.costs.map(|c| c.duration),
        }
    }
}

/// What an environment's finished episode amounted to.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EpisodeSummary {
    pub episode: u64,
    pub ticks: u32,
    /// Sum of blue's rewards, in tenths (the CAGE-2 score ×10).
    pub blue_score: i64,
    pub red_score: i64,
    /// Blue's losses by source, in tenths (positive numbers).
    pub confidentiality_loss: i64,
    pub availability_loss: i64,
    pub action_cost: i64,
    pub trace_hash: u64,
    /// Hosts (other than red's entry hosts) where red ever held a session.
    pub hosts_compromised: u32,
    /// Hosts (other than entry hosts) where red ever held root/SYSTEM.
    pub hosts_privileged: u32,
    /// First tick at which red held root/SYSTEM on a non-entry host.
    pub first_privileged: Option<u32>,
    /// First tick at which a critical service was stopped.
    pub first_impact: Option<u32>,
    /// Blue's actions by kind (sleep, monitor, analyse, remove, decoy, restore).
    pub blue_actions: [u32; 6],
    /// Red's actions by kind (sleep, sweep, scan, exploit, escalate, impact).
    pub red_actions: [u32; 6],
    pub red_invalid: u32,
    /// Successful exploits by exploit id.
    pub exploits: Vec<u32>,
}

/// Ground truth per host of one environment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HostTruth {
    /// First tick red held a session here (None: never, or an entry host).
    pub compromised_at: Option<u32>,
    /// Exploit that gave that first session.
    pub via_exploit: Option<u32>,
    /// The host the exploit was launched from.
    pub from_host: Option<HostId>,
    pub privileged_at: Option<u32>,
    pub sessions: u8,
    pub privileged_sessions: u8,
}

/// State of every environment of a batch: one `Vec` per field, indexed by environment (and
/// host). Fixed size after construction: stepping never allocates, except when recording.
pub struct Envs {
    pub n: usize,
    pub h: usize,
    pub seed: u64,
    pub episode_length: u32,
    pub stride: u64,
    pub limit: Option<u64>,
    pub record: bool,

    // per environment
    pub active: Vec<bool>,
    pub tick: Vec<u32>,
    pub episode: Vec<u64>,
    pub rng_red: Vec<Stream>,
    pub rng_green: Vec<Stream>,
    pub red_result: Vec<u8>,
    pub blue_pending: Vec<(u32, u32)>, // (action, completes at tick); NONE = idle
    pub red_pending: Vec<(u32, u32)>,
    pub blue_done: Vec<u32>, // blue action completed this tick (NONE: none)
    /// What became of each side's input this tick ([`status`] bits).
    pub blue_status: Vec<u8>,
    pub red_status: Vec<u8>,
    pub analyse_hit: Vec<u32>,
    pub step_cost: Vec<i32>,
    pub step_blue: Vec<i32>,
    pub step_red: Vec<i32>,
    pub done: Vec<bool>,
    pub hash: Vec<u64>,
    pub ledger: Vec<Ledger>,
    pub touched_len: Vec<u32>,

    // per environment × host
    pub s_priv: Vec<u8>,
    pub s_rm: Vec<u8>,
    pub s_fixed: Vec<u8>,
    pub hflags: Vec<u8>,
    pub know: Vec<u8>,
    pub ports: Vec<u64>,
    pub blue_flag: Vec<u8>,
    pub ev_entries: Vec<u16>,
    pub ev_ports: Vec<u64>,
    pub ev_flags: Vec<u8>,
    pub touched: Vec<u32>,
    pub truth_tick: Vec<u32>,
    pub truth_via: Vec<u32>,
    pub truth_priv: Vec<u32>,
    // per environment × host × decoy kind
    pub decoys: Vec<u8>,
    // per environment × subnet
    pub subnet_known: Vec<bool>,

    /// Per-environment event log of the current episode (only when recording).
    pub log: Vec<Vec<Event>>,
    /// Per-environment (blue, red) inputs of the current episode (only when recording).
    pub inputs_log: Vec<Vec<(u32, u32)>>,
    /// Episodes finished since the caller last drained them.
    pub finished: Vec<Finished>,
}

/// Per-episode running totals.
#[derive(Clone, Debug)]
pub struct Ledger {
    pub blue: i64,
    pub red: i64,
    pub conf: i64,
    pub avail: i64,
    pub cost: i64,
    pub first_priv: Option<u32>,
    pub first_impact: Option<u32>,
    pub blue_actions: [u32; 6],
    pub red_actions: [u32; 6],
    pub red_invalid: u32,
    pub exploits: [u32; crate::model::MAX_EXPLOITS],
}

impl Default for Ledger {
    fn default() -> Ledger {
        Ledger {
            blue: 0,
            red: 0,
            conf: 0,
            avail: 0,
            cost: 0,
            first_priv: None,
            first_impact: None,
            blue_actions: [0; 6],
            red_actions: [0; 6],
            red_invalid: 0,
            exploits: [0; crate::model::MAX_EXPLOITS],
        }
    }
}

/// A finished episode: its summary and, when recording, its events and inputs.
#[derive(Clone, Debug)]
pub struct Finished {
    pub env: usize,
    pub summary: EpisodeSummary,
    pub events: Vec<Event>,
    pub inputs: Vec<(u32, u32)>,
}

impl Envs {
    pub fn new(s: &Scenario, cfg: &crate::world::SimConfig) -> Envs {
        let n = cfg.n_envs;
        let seed = cfg.seed;
        let episode_length = cfg.episode_length.unwrap_or(s.episode_length).max(1);
        let first = cfg.first_episode;
        let stride = cfg.episode_stride.unwrap_or(n as u64).max(1);
        let limit = cfg.episode_limit;
        let record = cfg.record;
        let h = s.hosts.len();
        let k = s.decoys.len();
        let nh = n * h;
        let mut envs = Envs {
            n,
            h,
            seed,
            episode_length,
            stride,
            limit,
            record,
            active: vec![false; n],
            tick: vec![0; n],
            episode: (0..n as u64).map(|i| first + i).collect(),
            rng_red: (0..n as u64)
                .map(|i| Stream::new(seed, Purpose::SimRed, first + i))
                .collect(),
            rng_green: (0..n as u64)
                .map(|i| Stream::new(seed, Purpose::SimGreen, first + i))
                .collect(),
            red_result: vec![RED_UNKNOWN; n],
            blue_pending: vec![(NONE, 0); n],
            red_pending: vec![(NONE, 0); n],
            blue_done: vec![NONE; n],
            blue_status: vec![0; n],
            red_status: vec![0; n],
            analyse_hit: vec![NONE; n],
            step_cost: vec![0; n],
            step_blue: vec![0; n],
            step_red: vec![0; n],
            done: vec![false; n],
            hash: vec![0; n],
            ledger: vec![Ledger::default(); n],
            touched_len: vec![0; n],
            s_priv: vec![0; nh],
            s_rm: vec![0; nh],
            s_fixed: vec![0; nh],
            hflags: vec![0; nh],
            know: vec![0; nh],
            ports: vec![0; nh],
            blue_flag: vec![0; nh],
            ev_entries: vec![0; nh],
            ev_ports: vec![0; nh],
            ev_flags: vec![0; nh],
            touched: vec![0; nh],
            truth_tick: vec![NONE; nh],
            truth_via: vec![NONE; nh],
            truth_priv: vec![NONE; nh],
            decoys: vec![0; nh * k],
            subnet_known: vec![false; n * s.subnets.len()],
            log: vec![Vec::new(); if record { n } else { 0 }],
            inputs_log: vec![Vec::new(); if record { n } else { 0 }],
            finished: Vec::new(),
        };
        let st = Static::new(s);
        for e in 0..n {
            let ep = envs.episode[e];
            if limit.is_none_or(|l| ep < l) {
                envs.reset_env(s, &st, e, ep);
            }
        }
        envs
    }

    /// Starts episode `episode` in slot `e`.
    pub fn reset_env(&mut self, s: &Scenario, st: &Static, e: usize, episode: u64) {
        let h = self.h;
        let k = s.decoys.len();
        self.active[e] = true;
        self.tick[e] = 0;
        self.episode[e] = episode;
        self.rng_red[e].restart(episode);
        self.rng_green[e].restart(episode);
        self.red_result[e] = RED_UNKNOWN;
        self.blue_pending[e] = (NONE, 0);
        self.red_pending[e] = (NONE, 0);
        self.blue_done[e] = NONE;
        self.blue_status[e] = 0;
        self.red_status[e] = 0;
        self.analyse_hit[e] = NONE;
        self.step_cost[e] = 0;
        self.hash[e] = hash_init(episode);
        self.ledger[e] = Ledger::default();
        self.touched_len[e] = 0;
        let r = e * h..(e + 1) * h;
        self.s_priv[r.clone()].copy_from_slice(&st.base_sessions);
        self.s_rm[r.clone()].fill(0);
        self.s_fixed[r.clone()].fill(0);
        self.know[r.clone()].fill(0);
        self.ports[r.clone()].fill(0);
        self.blue_flag[r.clone()].fill(0);
        self.ev_entries[r.clone()].fill(0);
        self.ev_ports[r.clone()].fill(0);
        self.ev_flags[r.clone()].fill(0);
        self.truth_tick[r.clone()].fill(NONE);
        self.truth_via[r.clone()].fill(NONE);
        self.truth_priv[r.clone()].fill(NONE);
        for (i, host) in s.hosts.iter().enumerate() {
            self.hflags[e * h + i] = if host.critical_service {
                F_CRIT_RUNNING | F_CRIT_LINKED
            } else {
                0
            };
        }
        self.decoys[e * h * k..(e + 1) * h * k].fill(0);
        let ns = s.subnets.len();
        self.subnet_known[e * ns..(e + 1) * ns].fill(false);
        for &x in &s.red.entry {
            self.know[e * h + x as usize] = K_IP | K_NAME;
            self.subnet_known[e * ns + s.hosts[x as usize].subnet as usize] = true;
        }
        if self.record {
            self.log[e].clear();
            self.inputs_log[e].clear();
        }
    }

    #[inline]
    fn emit(&mut self, e: usize, kind: EventKind, host: u32, a: u32, b: u32) {
        let ev = Event {
            tick: self.tick[e],
            kind,
            host,
            a,
            b,
        };
        self.hash[e] = hash_event(self.hash[e], &ev);
        if self.record {
            self.log[e].push(ev);
        }
    }

    #[inline]
    fn touch(&mut self, e: usize, host: usize) -> usize {
        let i = e * self.h + host;
        if self.ev_entries[i] == 0 && self.ev_flags[i] == 0 {
            let t = self.touched_len[e] as usize;
            // A host is listed once per tick: it is only added while its accumulators are
            // empty, and they are cleared only when the list is.
            if t < self.h {
                self.touched[e * self.h + t] = host as u32;
                self.touched_len[e] += 1;
            }
        }
        i
    }

    /// Adds `n` events at port `port` (or no port) on `host` to this tick's monitoring.
    #[inline]
    fn add_events(&mut self, e: usize, host: usize, n: u16, port: Option<u8>) {
        if n == 0 {
            return;
        }
        let i = self.touch(e, host);
        self.ev_entries[i] = self.ev_entries[i].saturating_add(n);
        if let Some(p) = port {
            self.ev_ports[i] |= 1 << p;
        }
    }

    /// A reverse shell's call-back: an entry with an ephemeral local port and a process id.
    #[inline]
    fn add_callback(&mut self, e: usize, host: usize) {
        let i = self.touch(e, host);
        self.ev_entries[i] = self.ev_entries[i].saturating_add(1);
        let eph = (self.ev_flags[i] >> EV_EPHEMERAL_SHIFT)
            .saturating_add(1)
            .min(15);
        self.ev_flags[i] = (self.ev_flags[i] & 0x0f) | EV_PID | (eph << EV_EPHEMERAL_SHIFT);
    }

    /// Scan events on `host`: one per listening connection, image then decoys.
    fn add_scan_events(&mut self, s: &Scenario, st: &Static, e: usize, host: usize) -> u16 {
        let (mask, count) = self.listening(s, st, e, host);
        if count > 0 {
            let i = self.touch(e, host);
            self.ev_entries[i] = self.ev_entries[i].saturating_add(count);
            self.ev_ports[i] |= mask;
        }
        count
    }

    /// Current listening ports (mask) and connection count, decoys included.
    fn listening(&self, s: &Scenario, st: &Static, e: usize, host: usize) -> (u64, u16) {
        let mut mask = st.image_ports[host];
        let mut count = st.image_listens[host];
        let k = s.decoys.len();
        let base = (e * self.h + host) * k;
        for (d, kind) in s.decoys.iter().enumerate() {
            let c = self.decoys[base + d];
            if c > 0 {
                mask |= 1 << kind.opens_port;
                count += c as u16;
            }
        }
        (mask, count)
    }

    #[inline]
    fn sessions(&self, i: usize) -> u32 {
        self.s_priv[i] as u32 + self.s_rm[i] as u32 + self.s_fixed[i] as u32
    }

    /// Whether red's traffic from its launch point reaches subnet `to`.
    fn routable_subnet(&self, s: &Scenario, st: &Static, e: usize, to: u32) -> bool {
        if to == st.launch_subnet {
            return true;
        }
        s.routes.iter().any(|r| {
            r.from == st.launch_subnet
                && r.to == to
                && match r.via {
                    None => true,
                    Some(v) => s.subnets[v as usize]
                        .hosts
                        .iter()
                        .any(|&x| self.sessions(e * self.h + x as usize) > 0),
                }
        })
    }

    // ---------------------------------------------------------------- tick start

    /// Clears last tick's monitoring and advances the clock.
    pub fn begin_tick(&mut self, e: usize) {
        let h = self.h;
        for t in 0..self.touched_len[e] as usize {
            let i = e * h + self.touched[e * h + t] as usize;
            self.ev_entries[i] = 0;
            self.ev_ports[i] = 0;
            self.ev_flags[i] = 0;
        }
        self.touched_len[e] = 0;
        self.tick[e] += 1;
        self.blue_done[e] = NONE;
        self.analyse_hit[e] = NONE;
        self.step_cost[e] = 0;
        self.step_red[e] = 0;
    }

    // ---------------------------------------------------------------- blue

    /// Blue's input for this tick: starts it, continues a durative action, or completes one.
    pub fn blue_turn(&mut self, s: &Scenario, st: &Static, e: usize, input: u32) {
        if self.record {
            self.inputs_log[e].push((input, NONE));
        }
        let tick = self.tick[e];
        let (pending, at) = self.blue_pending[e];
        let action = if pending != NONE {
            if at > tick {
                self.blue_status[e] = status::RUNNING; // still busy: the input is ignored
                return;
            }
            self.blue_pending[e] = (NONE, 0);
            self.blue_status[e] = 0;
            pending
        } else {
            let Some(a) = st.layout.decode_blue(input) else {
                self.blue_status[e] = 0;
                return;
            };
            let kind = a.kind() as usize;
            self.ledger[e].blue_actions[kind] += 1;
            self.step_cost[e] += st.blue_cost[kind];
            let d = st.blue_duration[kind] as u32;
            if d > 1 {
                self.blue_pending[e] = (input, tick + d - 1);
                self.blue_status[e] = status::TAKEN | status::RUNNING;
                self.emit(e, EventKind::Started, d, input, 0);
                return;
            }
            self.blue_status[e] = status::TAKEN;
            input
        };
        let ok = self.apply_blue(s, st, e, action);
        self.blue_done[e] = action;
        self.emit(e, EventKind::BlueAction, 0, action, ok as u32);
    }

    fn apply_blue(&mut self, s: &Scenario, st: &Static, e: usize, action: u32) -> bool {
        let Some(a) = st.layout.decode_blue(action) else {
            return false;
        };
        let h = self.h;
        match a {
            BlueAction::Sleep | BlueAction::Monitor => true,
            BlueAction::Analyse(x) => {
                if self.hflags[e * h + x as usize] & F_RED_FILE != 0 {
                    self.analyse_hit[e] = x;
                }
                true
            }
            BlueAction::Remove(x) => {
                let i = e * h + x as usize;
                let n = self.s_rm[i];
                self.s_rm[i] = 0;
                if n > 0 {
                    self.emit(e, EventKind::SessionsRemoved, x, n as u32, 0);
                }
                n > 0 || s.rules.remove_always_succeeds
            }
            BlueAction::Decoy(k, x) => self.place_decoy(s, e, k as usize, x as usize),
            BlueAction::Restore(x) => {
                let x = x as usize;
                let i = e * h + x;
                let lost = self.sessions(i).saturating_sub(st.base_sessions[x] as u32);
                self.s_priv[i] = st.base_sessions[x];
                self.s_rm[i] = 0;
                self.s_fixed[i] = 0;
                let mut f = self.hflags[i] & !(F_RED_FILE | F_CRIT_RUNNING);
                if s.hosts[x].critical_service {
                    f |= F_CRIT_RUNNING;
                    if s.rules.restore_breaks_impact {
                        f &= !F_CRIT_LINKED;
                    }
                }
                self.hflags[i] = f;
                let k = s.decoys.len();
                self.decoys[i * k..(i + 1) * k].fill(0);
                self.ev_entries[i] = 0;
                self.ev_ports[i] = 0;
                self.ev_flags[i] = 0;
                self.emit(e, EventKind::Restored, x as u32, lost, 0);
                true
            }
        }
    }

    fn place_decoy(&mut self, s: &Scenario, e: usize, k: usize, x: usize) -> bool {
        let kind = &s.decoys[k];
        let host = &s.hosts[x];
        if kind.os.is_some_and(|os| os != host.os) {
            return false;
        }
        let i = e * self.h + x;
        let nk = s.decoys.len();
        let port_bit = 1u64 << kind.checks_port;
        let image_busy = host
            .services
            .iter()
            .any(|v| v.port == Some(kind.checks_port));
        let decoy_busy = (0..nk).any(|d| {
            self.decoys[i * nk + d] > 0 && (1u64 << s.decoys[d].opens_port) & port_bit != 0
        });
        if image_busy || decoy_busy || self.decoys[i * nk + k] == u8::MAX {
            return false;
        }
        self.decoys[i * nk + k] += 1;
        if s.rules.own_decoy_masks_activity {
            // Blue's own new process entry: no connection, at the head of the host's list.
            let i = self.touch(e, x);
            if self.ev_entries[i] == 0 {
                self.ev_flags[i] |= EV_FIRST_DECOY;
            }
            self.ev_entries[i] = self.ev_entries[i].saturating_add(1);
        }
        self.emit(e, EventKind::DecoyPlaced, x as u32, k as u32, 0);
        true
    }

    // ---------------------------------------------------------------- green

    pub fn green_turn(&mut self, s: &Scenario, st: &Static, e: usize) {
        for (g, agent) in s.green.iter().enumerate() {
            if self.rng_green[e].chance(agent.scan) {
                let n = agent.hosts.len() as u32;
                let target = agent.hosts[self.rng_green[e].below(n) as usize] as usize;
                self.add_scan_events(s, st, e, target);
                self.emit(e, EventKind::GreenScan, target as u32, g as u32, 0);
            }
        }
    }

    // ---------------------------------------------------------------- red

    /// Whether `action` is valid for red now (names only known subnets, addresses, names).
    pub fn red_valid(&self, s: &Scenario, e: usize, a: RedAction) -> bool {
        let h = self.h;
        match a {
            RedAction::Sleep => true,
            RedAction::DiscoverSystems(x) => self.subnet_known[e * s.subnets.len() + x as usize],
            RedAction::DiscoverServices(x) | RedAction::Exploit(x) => {
                self.know[e * h + x as usize] & K_IP != 0
            }
            RedAction::Escalate(x) | RedAction::Impact(x) => {
                self.know[e * h + x as usize] & K_NAME != 0
            }
        }
    }

    pub fn red_turn(&mut self, s: &Scenario, st: &Static, e: usize, input: u32) {
        if self.record
            && let Some(last) = self.inputs_log[e].last_mut()
        {
            last.1 = input;
        }
        let tick = self.tick[e];
        let (pending, at) = self.red_pending[e];
        let action = if pending != NONE {
            if at > tick {
                self.red_status[e] = status::RUNNING; // still busy: the input is ignored
                return;
            }
            self.red_pending[e] = (NONE, 0);
            self.red_status[e] = 0;
            pending
        } else {
            let Some(a) = st.layout.decode_red(input) else {
                self.red_status[e] = 0;
                return;
            };
            let kind = a.kind() as usize;
            self.ledger[e].red_actions[kind] += 1;
            self.red_status[e] = status::TAKEN;
            if !self.red_valid(s, e, a) {
                self.ledger[e].red_invalid += 1;
                self.step_red_penalty(e, s.red.invalid_action_penalty);
                self.red_result[e] = RED_INVALID;
                self.emit(e, EventKind::RedAction, 0, input, RED_INVALID as u32);
                return;
            }
            self.step_red_penalty(e, st.red_cost[kind]);
            let d = st.red_duration[kind] as u32;
            if d > 1 {
                self.red_pending[e] = (input, tick + d - 1);
                self.red_status[e] = status::TAKEN | status::RUNNING;
                self.emit(e, EventKind::Started, d, input, 1);
                return;
            }
            input
        };
        let Some(a) = st.layout.decode_red(action) else {
            return;
        };
        let result = self.apply_red(s, st, e, a);
        self.red_result[e] = result;
        self.emit(e, EventKind::RedAction, 0, action, result as u32);
    }

    #[inline]
    fn step_red_penalty(&mut self, e: usize, p: i32) {
        // Red's own costs are folded into its reward at the reward stage.
        self.step_red[e] -= p;
    }

    fn apply_red(&mut self, s: &Scenario, st: &Static, e: usize, a: RedAction) -> u8 {
        let h = self.h;
        match a {
            RedAction::Sleep => RED_UNKNOWN,
            RedAction::DiscoverSystems(x) => {
                if !self.routable_subnet(s, st, e, x) {
                    self.emit(e, EventKind::Swept, x, 0, 0);
                    return RED_FALSE;
                }
                let hosts = &s.subnets[x as usize].hosts;
                for &t in hosts {
                    self.know[e * h + t as usize] |= K_IP;
                }
                self.emit(e, EventKind::Swept, x, hosts.len() as u32, 0);
                RED_TRUE
            }
            RedAction::DiscoverServices(x) => {
                let xi = x as usize;
                if self.routable_subnet(s, st, e, s.hosts[xi].subnet) {
                    let (mask, _) = self.listening(s, st, e, xi);
                    let n = self.add_scan_events(s, st, e, xi);
                    self.ports[e * h + xi] = mask;
                    self.know[e * h + xi] |= K_PORTS;
                    self.emit(e, EventKind::Scanned, x, n as u32, 0);
                } else {
                    self.emit(e, EventKind::Scanned, x, 0, 0);
                }
                // Always reports success, even when nothing was reachable (CAGE-2 §3.3).
                RED_TRUE
            }
            RedAction::Exploit(x) => self.exploit(s, st, e, x as usize),
            RedAction::Escalate(x) => self.escalate(s, e, x as usize),
            RedAction::Impact(x) => {
                let i = e * h + x as usize;
                let host = &s.hosts[x as usize];
                if self.sessions(i) == 0 || self.know[i] & K_IMPACT == 0 || !host.critical_service {
                    return RED_FALSE;
                }
                let f = self.hflags[i];
                if f & F_CRIT_LINKED != 0 && f & F_CRIT_RUNNING != 0 {
                    self.hflags[i] = f & !F_CRIT_RUNNING;
                    self.emit(e, EventKind::ServiceStopped, x, 0, 0);
                    if self.ledger[e].first_impact.is_none() {
                        self.ledger[e].first_impact = Some(self.tick[e]);
                    }
                }
                RED_TRUE
            }
        }
    }

    fn exploit(&mut self, s: &Scenario, st: &Static, e: usize, x: usize) -> u8 {
        let h = self.h;
        let i = e * h + x;
        if self.know[i] & K_PORTS == 0 {
            return RED_FALSE;
        }
        let known = self.ports[i];
        // Options in weight order; the choice rule is CAGE-2's (§3.4).
        let mut options = [0u8; crate::model::MAX_EXPLOITS];
        let mut n = 0usize;
        for &x_id in &st.exploit_order {
            let ex = &s.exploits[x_id as usize];
            let offered = known & ex.requires_all == ex.requires_all
                && (ex.requires_any == 0 || known & ex.requires_any != 0);
            if offered {
                options[n] = x_id;
                n += 1;
            }
        }
        if n == 0 {
            return RED_FALSE;
        }
        let chosen = if n == 1 {
            options[0]
        } else {
            let rng = &mut self.rng_red[e];
            let other = options[1 + rng.below(n as u32 - 1) as usize];
            if rng.chance(s.rules.top_exploit_probability) {
                options[0]
            } else {
                other
            }
        };
        let ex = &s.exploits[chosen as usize];
        let host = &s.hosts[x];
        let reachable = self.routable_subnet(s, st, e, host.subnet);
        let os_ok = ex.os.is_none_or(|os| os == host.os);
        let version_ok = |v: Option<[u16; 3]>| match (ex.max_version, v) {
            (Some(max), Some(v)) => v < max,
            (Some(_), None) => false,
            (None, _) => true,
        };
        // First matching image service, then the first matching decoy.
        let image = host.services.iter().position(|v| {
            v.port == Some(ex.port)
                && v.service_type == Some(ex.service_type)
                && version_ok(v.version)
        });
        let nk = s.decoys.len();
        let decoy = if image.is_none() {
            (0..nk).find(|&d| {
                let k = &s.decoys[d];
                self.decoys[i * nk + d] > 0
                    && k.opens_port == ex.port
                    && k.service_type == ex.service_type
                    && version_ok(k.version)
            })
        } else {
            None
        };
        if !reachable || !os_ok || (image.is_none() && decoy.is_none()) {
            self.emit(
                e,
                EventKind::Exploit,
                x as u32,
                chosen as u32,
                ExploitOutcome::NoTarget as u32,
            );
            return RED_FALSE;
        }
        let port = Some(ex.port);
        let outcome = match ex.kind {
            ExploitKind::ReverseShell => {
                self.add_events(e, x, ex.attempt_events, port);
                if decoy.is_some() {
                    self.add_events(e, x, 1, port);
                    ExploitOutcome::Decoy
                } else if !self.rng_red[e].chance(ex.success) {
                    ExploitOutcome::Failed
                } else {
                    let privileged = host.services[image.unwrap_or(0)].privileged;
                    let seen = self.rng_red[e].chance(ex.detection);
                    if seen {
                        self.add_callback(e, x);
                    }
                    if privileged {
                        self.s_priv[i] = self.s_priv[i].saturating_add(1);
                    } else if seen {
                        self.s_rm[i] = self.s_rm[i].saturating_add(1);
                    } else {
                        self.s_fixed[i] = self.s_fixed[i].saturating_add(1);
                    }
                    self.hflags[i] |= F_RED_FILE;
                    self.emit(e, EventKind::Callback, x as u32, seen as u32, 0);
                    if privileged {
                        ExploitOutcome::Privileged
                    } else {
                        ExploitOutcome::User
                    }
                }
            }
            ExploitKind::BruteForce => {
                let works = decoy.is_none() && host.brute_force_account.is_some();
                if works && self.rng_red[e].chance(ex.success) {
                    self.add_events(e, x, ex.attempt_events + ex.success_events, port);
                    if s.rules.brute_force_unremovable {
                        self.s_fixed[i] = self.s_fixed[i].saturating_add(1);
                    } else {
                        self.s_rm[i] = self.s_rm[i].saturating_add(1);
                    }
                    ExploitOutcome::User
                } else {
                    let n = if s.rules.failed_brute_force_visible {
                        ex.attempt_events
                    } else {
                        1
                    };
                    self.add_events(e, x, n, port);
                    if decoy.is_some() {
                        ExploitOutcome::Decoy
                    } else {
                        ExploitOutcome::Failed
                    }
                }
            }
        };
        self.emit(
            e,
            EventKind::Exploit,
            x as u32,
            chosen as u32,
            outcome as u32,
        );
        match outcome {
            ExploitOutcome::User | ExploitOutcome::Privileged => {
                self.know[i] |= K_NAME;
                self.ledger[e].exploits[chosen as usize] += 1;
                self.note_compromise(e, x, Some(chosen as u32));
                if outcome == ExploitOutcome::Privileged {
                    self.note_privileged(e, x);
                }
                RED_TRUE
            }
            _ => RED_FALSE,
        }
    }

    fn note_compromise(&mut self, e: usize, x: usize, via: Option<u32>) {
        let i = e * self.h + x;
        if self.truth_tick[i] == NONE {
            self.truth_tick[i] = self.tick[e];
            self.truth_via[i] = via.unwrap_or(NONE);
            self.hflags[i] |= F_EVER_COMPROMISED;
        }
    }

    fn note_privileged(&mut self, e: usize, x: usize) {
        let i = e * self.h + x;
        if self.truth_priv[i] == NONE {
            self.truth_priv[i] = self.tick[e];
            self.hflags[i] |= F_EVER_PRIVILEGED;
            if self.ledger[e].first_priv.is_none() {
                self.ledger[e].first_priv = Some(self.tick[e]);
            }
        }
    }

    fn escalate(&mut self, s: &Scenario, e: usize, x: usize) -> u8 {
        let h = self.h;
        let i = e * h + x;
        let total = self.sessions(i);
        if total == 0 {
            return RED_FALSE;
        }
        let raised = if self.s_priv[i] > 0 {
            false
        } else {
            let pick = self.rng_red[e].below(total);
            if pick < self.s_rm[i] as u32 {
                self.s_rm[i] -= 1;
            } else {
                self.s_fixed[i] -= 1;
            }
            self.s_priv[i] += 1;
            self.hflags[i] |= F_RED_FILE;
            true
        };
        let host = &s.hosts[x];
        for &r in &host.reveals {
            self.know[e * h + r as usize] |= K_IP;
        }
        self.subnet_known[e * s.subnets.len() + host.subnet as usize] = true;
        if host.critical_service {
            self.know[i] |= K_IMPACT;
        }
        self.emit(e, EventKind::Escalated, x as u32, raised as u32, 0);
        self.note_privileged(e, x);
        RED_TRUE
    }

    // ---------------------------------------------------------------- reward

    pub fn score(&mut self, s: &Scenario, e: usize) {
        let h = self.h;
        let mut conf = 0i32;
        let mut avail = 0i32;
        for (x, host) in s.hosts.iter().enumerate() {
            let i = e * h + x;
            if host.confidentiality != 0 {
                let held = if s.rules.reward_privileged_only {
                    self.s_priv[i] > 0
                } else {
                    self.sessions(i) > 0
                };
                if held {
                    conf += host.confidentiality;
                }
            }
            if host.critical_service && self.hflags[i] & F_CRIT_RUNNING == 0 {
                avail += host.availability;
            }
        }
        let cost = self.step_cost[e];
        let blue = -(conf + avail) - cost;
        let red = conf + avail + self.step_red[e];
        self.step_blue[e] = blue;
        self.step_red[e] = red;
        let l = &mut self.ledger[e];
        l.blue += blue as i64;
        l.red += red as i64;
        l.conf += conf as i64;
        l.avail += avail as i64;
        l.cost += cost as i64;
        self.emit(e, EventKind::Reward, 0, blue as u32, red as u32);
    }

    // ---------------------------------------------------------------- monitoring

    /// Activity of one host from this tick's entries: 0 none, 1 scan, 2 exploit.
    #[inline]
    fn activity(&self, s: &Scenario, i: usize) -> u8 {
        let entries = self.ev_entries[i];
        if entries == 0 {
            return 0;
        }
        let f = self.ev_flags[i];
        let distinct = self.ev_ports[i].count_ones() + (f >> EV_EPHEMERAL_SHIFT) as u32;
        let pid = f & EV_PID != 0;
        let scan3 = entries >= 3 && distinct >= 3;
        if s.rules.scan_rule_first {
            if scan3 {
                return 1;
            }
            if pid {
                return 2;
            }
        } else {
            if pid {
                return 2;
            }
            if scan3 {
                return 1;
            }
        }
        if entries >= 3 && distinct == 1 {
            return 2;
        }
        if f & EV_FIRST_DECOY != 0 {
            return 0;
        }
        1
    }

    /// Updates blue's compromise estimates from this tick (CAGE-2 §5, in order).
    pub fn monitor(&mut self, s: &Scenario, st: &Static, e: usize) {
        let h = self.h;
        if self.blue_done[e] != NONE {
            match st.layout.decode_blue(self.blue_done[e]) {
                Some(BlueAction::Restore(x)) => self.blue_flag[e * h + x as usize] = 0,
                Some(BlueAction::Remove(x)) => {
                    let i = e * h + x as usize;
                    if self.blue_flag[i] != 0 {
                        self.blue_flag[i] = 1;
                    }
                }
                _ => {}
            }
        }
        for t in 0..self.touched_len[e] as usize {
            let i = e * h + self.touched[e * h + t] as usize;
            if self.activity(s, i) == 2
                && (s.rules.exploit_overwrites_privileged || self.blue_flag[i] != 3)
            {
                self.blue_flag[i] = 2;
            }
        }
        if self.analyse_hit[e] != NONE {
            self.blue_flag[e * h + self.analyse_hit[e] as usize] = 3;
        }
    }

    /// Ends the episode if its time is up; records the summary and starts the next one.
    pub fn finish_if_done(&mut self, s: &Scenario, st: &Static, e: usize) {
        self.done[e] = self.tick[e] >= self.episode_length;
        if !self.done[e] {
            return;
        }
        let h = self.h;
        let l = &self.ledger[e];
        let mut compromised = 0;
        let mut privileged = 0;
        for x in 0..h {
            if st.base_sessions[x] > 0 {
                continue;
            }
            let f = self.hflags[e * h + x];
            compromised += (f & F_EVER_COMPROMISED != 0) as u32;
            privileged += (f & F_EVER_PRIVILEGED != 0) as u32;
        }
        let summary = EpisodeSummary {
            episode: self.episode[e],
            ticks: self.tick[e],
            blue_score: l.blue,
            red_score: l.red,
            confidentiality_loss: l.conf,
            availability_loss: l.avail,
            action_cost: l.cost,
            trace_hash: self.hash[e],
            hosts_compromised: compromised,
            hosts_privileged: privileged,
            first_privileged: l.first_priv,
            first_impact: l.first_impact,
            blue_actions: l.blue_actions,
            red_actions: l.red_actions,
            red_invalid: l.red_invalid,
            exploits: l.exploits[..s.exploits.len()].to_vec(),
        };
        let (events, inputs) = if self.record {
            (
                std::mem::take(&mut self.log[e]),
                std::mem::take(&mut self.inputs_log[e]),
            )
        } else {
            (Vec::new(), Vec::new())
        };
        self.finished.push(Finished {
            env: e,
            summary,
            events,
            inputs,
        });
        let next = self.episode[e] + self.stride;
        if self.limit.is_none_or(|l| next < l) {
            self.reset_env(s, st, e, next);
        } else {
            self.active[e] = false;
        }
    }

    // ---------------------------------------------------------------- outputs

    /// Writes env `e`'s observations into the caller's rows.
    pub fn write_blue_obs(&self, s: &Scenario, e: usize, obs: &mut [f32], alerts: &mut [u8]) {
        let h = self.h;
        let base = e * h;
        for x in 0..h {
            let i = base + x;
            let (act, bits) = if self.ev_entries[i] > 0 {
                let act = self.activity(s, i);
                let pid = if self.ev_flags[i] & EV_PID != 0 {
                    alert::PROCESS
                } else {
                    0
                };
                let kind = [0, alert::SCAN, alert::EXPLOIT][act as usize];
                (act, alert::ANY | pid | kind)
            } else {
                (0, 0)
            };
            let row = &BLUE_ROWS[act as usize * 4 + (self.blue_flag[i] & 3) as usize];
            obs[4 * x..4 * x + 4].copy_from_slice(row);
            alerts[x] = bits;
        }
        write_status(&mut obs[4 * h..], self.blue_status[e]);
    }

    pub fn write_red_obs(&self, s: &Scenario, e: usize, obs: &mut [f32]) {
        let h = self.h;
        let ns = s.subnets.len();
        let r = self.red_result[e];
        obs[0] = (r == RED_UNKNOWN) as u8 as f32;
        obs[1] = (r == RED_FALSE || r == RED_INVALID) as u8 as f32;
        obs[2] = (r == RED_TRUE) as u8 as f32;
        for sn in 0..ns {
            obs[3 + sn] = self.subnet_known[e * ns + sn] as u8 as f32;
        }
        let rows = &mut obs[3 + ns..3 + ns + 5 * h];
        for (x, o) in rows.chunks_exact_mut(5).enumerate() {
            let i = e * h + x;
            let k = self.know[i] & (K_IP | K_PORTS | K_NAME);
            let any = (self.sessions(i) > 0) as usize;
            let pr = (self.s_priv[i] > 0) as usize;
            o.copy_from_slice(&RED_ROWS[k as usize | any << 3 | pr << 4]);
        }
        write_status(&mut obs[3 + ns + 5 * h..], self.red_status[e]);
    }

    pub fn write_red_mask(&self, s: &Scenario, st: &Static, e: usize, mask: &mut [u8]) {
        for (a, m) in mask.iter_mut().enumerate() {
            *m = st
                .layout
                .decode_red(a as u32)
                .is_some_and(|r| self.red_valid(s, e, r)) as u8;
        }
    }

    /// Ground truth of env `e`'s current episode.
    pub fn truth(&self, e: usize, launch: HostId) -> Vec<HostTruth> {
        let h = self.h;
        (0..h)
            .map(|x| {
                let i = e * h + x;
                let opt = |v: u32| (v != NONE).then_some(v);
                HostTruth {
                    compromised_at: opt(self.truth_tick[i]),
                    via_exploit: opt(self.truth_via[i]),
                    from_host: opt(self.truth_tick[i]).map(|_| launch),
                    privileged_at: opt(self.truth_priv[i]),
                    sessions: (self.sessions(i)).min(255) as u8,
                    privileged_sessions: self.s_priv[i],
                }
            })
            .collect()
    }

    /// Blue's compromise estimate per host (0 none, 1 unknown, 2 user, 3 privileged).
    pub fn blue_estimate(&self, e: usize) -> &[u8] {
        &self.blue_flag[e * self.h..(e + 1) * self.h]
    }

    /// Whether host `x`'s critical service is running.
    pub fn service_running(&self, e: usize, x: usize) -> bool {
        self.hflags[e * self.h + x] & F_CRIT_RUNNING != 0
    }
}

/// The [`crate::layout::STATUS_VALUES`] of a side: input taken, action running.
#[inline]
fn write_status(obs: &mut [f32], bits: u8) {
    obs[0] = (bits & status::TAKEN != 0) as u8 as f32;
    obs[1] = (bits & status::RUNNING != 0) as u8 as f32;
}

/// Red kinds by index (for summaries).
pub fn red_kind_names() -> [&'static str; 6] {
    RedKind::ALL.map(|k| k.name())
}

/// Blue kinds by index (for summaries).
pub fn blue_kind_names() -> [&'static str; 6] {
    BlueKind::ALL.map(|k| k.name())
}
