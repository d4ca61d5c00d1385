//! The learner's features, defined once for training and play: what a policy sees of one
//! environment each step, built from its side's observation row, the scenario's static
//! layout and the agent's own memory — never the simulator's ground truth.
//!
//! - `mlp`: the observation row (action status included), then `tick / episode_length`.
//! - `hosts` (blue): one row of [`HOST_FEATURES`] per host, one of [`PAIR_FEATURES`] per
//!   (host, decoy kind), and [`GLOBAL_FEATURES`], so the policy's parameters do not depend on
//!   the number of hosts, subnets or decoy kinds. Flat row order: every host's features (host
//!   order), then every pair (host-major, then decoy kind), then the globals.
//!
//! Per host: blue's four CAGE-2 observation values; static values from the scenario
//! ([`HOST_STATIC`]: reward values, red's entry and goals, depth of the host's subnet from red's
//! entry, what red learns there, its OS and exploitable services); and blue's memory of its
//! own actions on the host ([`HOST_MEMORY`]: how recently it analysed, removed or restored it,
//! as `1 / ticks since`, and the share of decoy kinds it deployed there since the last
//! restore). An action enters the memory when the observation says it was taken (the action
//! status), so a durative action is remembered once.
//!
//! Per (host, decoy kind): whether the decoy can be placed there (nothing listens on the port
//! it checks; its OS matches), how attractive it is to red (the highest weight of an exploit
//! aimed at the port and service type it opens, over the scenario's highest exploit weight),
//! and whether blue deployed it there since the last restore (an issued Decoy the
//! observation says was taken; a placement that then failed still counts).
//!
//! Globals: `tick / episode_length` and the two action status values.

use std::collections::VecDeque;
use std::ops::Range;

use mirrorlab_sim::Layout;
use mirrorlab_sim::layout::{BLUE_OBS_PER_HOST, BlueAction};
use mirrorlab_sim::model::{Os, Scenario};

use crate::Side;

/// Static values per host (see the module docs for the list, in order).
pub const HOST_STATIC: usize = 12;
/// Memory values per host: recency of Analyse, Remove, Restore; share of decoy kinds placed.
pub const HOST_MEMORY: usize = 4;
/// Features per host: observation, static values, memory.
pub const HOST_FEATURES: usize = BLUE_OBS_PER_HOST + HOST_STATIC + HOST_MEMORY;
/// Features per (host, decoy kind): placeable, attractiveness, deployed.
pub const PAIR_FEATURES: usize = 3;
/// Features of the whole environment: `tick / episode_length`, input taken, action running.
pub const GLOBAL_FEATURES: usize = 3;
/// Blue's per-host action kinds in the `hosts` policy's host head: Analyse, Remove, Restore.
pub const HOST_ACTIONS: usize = 3;
/// Blue's global actions: Sleep, Monitor.
pub const GLOBAL_ACTIONS: usize = 2;

/// A policy architecture, as named in configurations and checkpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PolicyKind {
    /// An MLP over the flat observation.
    Mlp,
    /// Per-host encoder, message passing over subnets, per-host logits (blue only).
    Hosts,
}

impl PolicyKind {
    pub const NAMES: &'static str = "mlp, hosts";

    pub fn parse(name: &str) -> Option<PolicyKind> {
        match name {
            "mlp" => Some(PolicyKind::Mlp),
            "hosts" => Some(PolicyKind::Hosts),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            PolicyKind::Mlp => "mlp",
            PolicyKind::Hosts => "hosts",
        }
    }
}

/// The scenario's static layout as the `hosts` policy reads it.
#[derive(Clone, Debug, PartialEq)]
pub struct HostsLayout {
    pub n_hosts: usize,
    pub n_subnets: usize,
    pub n_decoys: usize,
    /// `n_hosts × HOST_STATIC`.
    pub host_static: Vec<f32>,
    /// `n_hosts × n_decoys × 2`: placeable, attractiveness.
    pub pair_static: Vec<f32>,
    /// `n_subnets × n_hosts`: row `s` averages the hosts of subnet `s` (1 / its size).
    pub subnet_mean: Vec<f32>,
    /// `n_subnets × n_subnets`: row `s` averages the subnets joined to `s` by a route (either
    /// direction, its `via` subnet included, itself excluded); a subnet with no route has a
    /// zero row.
    pub subnet_neighbours: Vec<f32>,
    /// `n_hosts × n_subnets`: one-hot of each host's subnet.
    pub host_subnet: Vec<f32>,
}

impl HostsLayout {
    pub fn new(s: &Scenario) -> HostsLayout {
        let (nh, ns, nk) = (s.hosts.len(), s.subnets.len(), s.decoys.len());
        // Depth of each subnet from red's entry subnet, over routes: `from → to`, or
        // `via → to` for a route open only while red holds a host of `via`.
        let mut depth = vec![u32::MAX; ns];
        let entry_subnet = s.hosts[s.red.entry[0] as usize].subnet as usize;
        depth[entry_subnet] = 0;
        let mut queue = VecDeque::from([entry_subnet]);
        while let Some(x) = queue.pop_front() {
            for r in s
                .routes
                .iter()
                .filter(|r| r.via.unwrap_or(r.from) as usize == x)
            {
                let t = r.to as usize;
                if depth[t] == u32::MAX {
                    depth[t] = depth[x] + 1;
                    queue.push_back(t);
                }
            }
        }
        let max_depth = depth.iter().filter(|&&d| d != u32::MAX).max().copied();
        let max_depth = max_depth.unwrap_or(0).max(1) as f32;
        let max_weight = s
            .exploits
            .iter()
            .map(|e| e.weight)
            .fold(0.0f64, f64::max)
            .max(f64::MIN_POSITIVE);
        let os_ok = |want: Option<Os>, os: Os| want.is_none_or(|w| w == os);
        let mut host_static = Vec::with_capacity(nh * HOST_STATIC);
        let mut pair_static = Vec::with_capacity(nh * nk * 2);
        for (i, h) in s.hosts.iter().enumerate() {
            let id = i as u32;
            let exploitable: Vec<_> = h
                .services
                .iter()
                .filter(|sv| {
                    s.exploits.iter().any(|e| {
                        sv.port == Some(e.port)
                            && sv.service_type == Some(e.service_type)
                            && os_ok(e.os, h.os)
                    })
                })
                .collect();
            let d = depth[h.subnet as usize];
            let flag = |b: bool| b as u8 as f32;
            host_static.extend_from_slice(&[
                h.confidentiality as f32 / 10.0,
                h.availability as f32 / 100.0,
                flag(h.critical_service),
                flag(s.red.entry.contains(&id)),
                flag(s.red.goals.contains(&id)),
                if d == u32::MAX {
                    1.0
                } else {
                    d as f32 / max_depth
                },
                flag(!h.reveals.is_empty()),
                flag(h.reveals.iter().any(|r| s.red.goals.contains(r))),
                flag(h.os == Os::Windows),
                (exploitable.len() as f32 / 4.0).min(1.0),
                flag(exploitable.iter().any(|sv| sv.privileged)),
                flag(h.brute_force_account.is_some()),
            ]);
            for k in &s.decoys {
                let placeable = os_ok(k.os, h.os)
                    && !h.services.iter().any(|sv| sv.port == Some(k.checks_port));
                let attraction = s
                    .exploits
                    .iter()
                    .filter(|e| {
                        e.port == k.opens_port
                            && e.service_type == k.service_type
                            && k.os.is_none_or(|o| os_ok(e.os, o))
                    })
                    .map(|e| e.weight)
                    .fold(0.0f64, f64::max);
                pair_static.push(flag(placeable));
                pair_static.push((attraction / max_weight) as f32);
            }
        }
        let mut subnet_mean = vec![0f32; ns * nh];
        let mut host_subnet = vec![0f32; nh * ns];
        for (si, sn) in s.subnets.iter().enumerate() {
            for &h in &sn.hosts {
                subnet_mean[si * nh + h as usize] = 1.0 / sn.hosts.len() as f32;
                host_subnet[h as usize * ns + si] = 1.0;
            }
        }
        let mut joined = vec![false; ns * ns];
        for r in &s.routes {
            for a in [Some(r.from), r.via].into_iter().flatten() {
                let (a, b) = (a as usize, r.to as usize);
                if a != b {
                    joined[a * ns + b] = true;
                    joined[b * ns + a] = true;
                }
            }
        }
        let mut subnet_neighbours = vec![0f32; ns * ns];
        for a in 0..ns {
            let row = &joined[a * ns..(a + 1) * ns];
            let count = row.iter().filter(|&&j| j).count();
            for b in 0..ns {
                if row[b] {
                    subnet_neighbours[a * ns + b] = 1.0 / count as f32;
                }
            }
        }
        HostsLayout {
            n_hosts: nh,
            n_subnets: ns,
            n_decoys: nk,
            host_static,
            pair_static,
            subnet_mean,
            subnet_neighbours,
            host_subnet,
        }
    }

    /// Width of one environment's flat feature row.
    pub fn row_width(&self) -> usize {
        self.n_hosts * HOST_FEATURES
            + self.n_hosts * self.n_decoys * PAIR_FEATURES
            + GLOBAL_FEATURES
    }
}

/// Blue's memory of its own actions, per environment and host.
#[derive(Clone, Debug)]
struct Memory {
    h: usize,
    k: usize,
    /// `n × h × 3`: tick + 1 at which Analyse, Remove, Restore was last issued (0: never).
    last: Vec<u32>,
    /// `n × h × k`: decoy kind deployed on the host since its last restore.
    decoys: Vec<u8>,
    /// Per environment: the action chosen at the last step and that step's tick, until the
    /// observation says whether it was taken.
    pending: Vec<Option<(u32, u32)>>,
}

const NO_ACTION: Option<(u32, u32)> = None;

impl Memory {
    fn reset(&mut self, e: usize) {
        let (h, k) = (self.h, self.k);
        self.last[e * h * 3..(e + 1) * h * 3].fill(0);
        self.decoys[e * h * k..(e + 1) * h * k].fill(0);
        self.pending[e] = NO_ACTION;
    }

    fn commit(&mut self, layout: &Layout, e: usize, action: u32, tick: u32) {
        let (h, k) = (self.h, self.k);
        let slot = |x: u32, kind: usize| (e * h + x as usize) * 3 + kind;
        match layout.decode_blue(action) {
            Some(BlueAction::Analyse(x)) => self.last[slot(x, 0)] = tick + 1,
            Some(BlueAction::Remove(x)) => self.last[slot(x, 1)] = tick + 1,
            Some(BlueAction::Restore(x)) => {
                self.last[slot(x, 2)] = tick + 1;
                let d = (e * h + x as usize) * k;
                self.decoys[d..d + k].fill(0);
            }
            Some(BlueAction::Decoy(kind, x)) => {
                self.decoys[(e * h + x as usize) * k + kind as usize] = 1;
            }
            // Tools are refused at construction (`Featurizer::new`).
            Some(BlueAction::Sleep | BlueAction::Monitor | BlueAction::Tool(..)) | None => {}
        }
    }
}

/// Turns a side's observations into a policy's features, with whatever memory the policy's
/// features need. One per batch of environments; the trainer and the player drive it the
/// same way: [`Featurizer::write`] before choosing, [`Featurizer::chosen`] after,
/// [`Featurizer::reset`] when an environment starts a new episode.
#[derive(Clone, Debug)]
pub struct Featurizer {
    kind: PolicyKind,
    side: Side,
    layout: Layout,
    obs_width: usize,
    episode_length: u32,
    hosts: Option<HostsLayout>,
    memory: Option<Memory>,
}

impl Featurizer {
    /// Features of `kind` for `side` on scenario `s`, for `n` environments. The `hosts`
    /// features exist for blue only (an error names the reason).
    pub fn new(
        kind: PolicyKind,
        side: Side,
        s: &Scenario,
        n: usize,
        episode_length: u32,
    ) -> Result<Featurizer, String> {
        let layout = Layout::new(s);
        let obs_width = match side {
            Side::Blue => layout.blue_obs,
            Side::Red => layout.red_obs,
        };
        let (hosts, memory) = match kind {
            PolicyKind::Mlp => (None, None),
            PolicyKind::Hosts => {
                if side != Side::Blue {
                    return Err(
                        "the `hosts` policy plays blue; a red learner uses the `mlp` policy".into(),
                    );
                }
                if !s.blue.tools.is_empty() {
                    return Err(
                        "the `hosts` policy knows CAGE-2's blue actions; this scenario gives blue tools beyond them (`[blue.tools]`): use the `mlp` policy".into(),
                    );
                }
                let hl = HostsLayout::new(s);
                let (h, k) = (hl.n_hosts, hl.n_decoys);
                let memory = Memory {
                    h,
                    k,
                    last: vec![0; n * h * 3],
                    decoys: vec![0; n * h * k],
                    pending: vec![NO_ACTION; n],
                };
                (Some(hl), Some(memory))
            }
        };
        Ok(Featurizer {
            kind,
            side,
            layout,
            obs_width,
            episode_length: episode_length.max(1),
            hosts,
            memory,
        })
    }

    pub fn kind(&self) -> PolicyKind {
        self.kind
    }

    pub fn side(&self) -> Side {
        self.side
    }

    /// The `hosts` policy's view of the scenario (None for `mlp`).
    pub fn hosts_layout(&self) -> Option<&HostsLayout> {
        self.hosts.as_ref()
    }

    /// Width of one environment's feature row.
    pub fn dim(&self) -> usize {
        match &self.hosts {
            None => self.obs_width + 1,
            Some(h) => h.row_width(),
        }
    }

    /// Per-input width recorded in checkpoints: the row width for `mlp`, the per-host width
    /// ([`HOST_FEATURES`]) for `hosts`.
    pub fn inputs(&self) -> usize {
        match self.kind {
            PolicyKind::Mlp => self.dim(),
            PolicyKind::Hosts => HOST_FEATURES,
        }
    }

    /// Forgets environment `e`'s memory (a new episode starts there).
    pub fn reset(&mut self, e: usize) {
        if let Some(m) = &mut self.memory {
            m.reset(e);
        }
    }

    /// Records the actions chosen for every environment at this step (`ticks[e]` is the
    /// step's tick); they enter the memory once the next observation shows them taken.
    pub fn chosen(&mut self, actions: &[u32], ticks: &[u32]) {
        if let Some(m) = &mut self.memory {
            for (e, (&a, &t)) in actions.iter().zip(ticks).enumerate() {
                m.pending[e] = Some((a, t));
            }
        }
    }

    /// Writes the features of environments `envs` into `out` (`envs.len() × dim()`), from
    /// the side's observation rows of every environment (`obs`, `n × width`) and each
    /// environment's current tick.
    pub fn write(&mut self, obs: &[f32], ticks: &[u32], envs: Range<usize>, out: &mut [f32]) {
        let w = self.obs_width;
        let len = self.episode_length as f32;
        let d = self.dim();
        match (&self.hosts, &mut self.memory) {
            (Some(hl), Some(mem)) => {
                let (h, k) = (hl.n_hosts, hl.n_decoys);
                let status_at = self.layout.blue_status();
                for (row, e) in out.chunks_exact_mut(d).zip(envs) {
                    let o = &obs[e * w..(e + 1) * w];
                    let taken = o[status_at];
                    if let Some((a, t)) = mem.pending[e].take()
                        && taken > 0.5
                    {
                        mem.commit(&self.layout, e, a, t);
                    }
                    let tick = ticks[e];
                    let recency = |stamp: u32| {
                        if stamp == 0 {
                            0.0
                        } else {
                            1.0 / (tick + 1).saturating_sub(stamp).max(1) as f32
                        }
                    };
                    let (hosts, rest) = row.split_at_mut(h * HOST_FEATURES);
                    let (pairs, globals) = rest.split_at_mut(h * k * PAIR_FEATURES);
                    for (x, f) in hosts.chunks_exact_mut(HOST_FEATURES).enumerate() {
                        let (fo, fs) = f.split_at_mut(BLUE_OBS_PER_HOST);
                        let (fs, fm) = fs.split_at_mut(HOST_STATIC);
                        fo.copy_from_slice(&o[x * BLUE_OBS_PER_HOST..(x + 1) * BLUE_OBS_PER_HOST]);
                        fs.copy_from_slice(&hl.host_static[x * HOST_STATIC..(x + 1) * HOST_STATIC]);
                        let last = &mem.last[(e * h + x) * 3..(e * h + x) * 3 + 3];
                        let placed = &mem.decoys[(e * h + x) * k..(e * h + x + 1) * k];
                        fm[0] = recency(last[0]);
                        fm[1] = recency(last[1]);
                        fm[2] = recency(last[2]);
                        fm[3] = if k == 0 {
                            0.0
                        } else {
                            placed.iter().map(|&p| p as f32).sum::<f32>() / k as f32
                        };
                        for j in 0..k {
                            let p = &mut pairs[(x * k + j) * PAIR_FEATURES..][..PAIR_FEATURES];
                            p[0] = hl.pair_static[(x * k + j) * 2];
                            p[1] = hl.pair_static[(x * k + j) * 2 + 1];
                            p[2] = placed[j] as f32;
                        }
                    }
                    globals[0] = tick as f32 / len;
                    globals[1] = taken;
                    globals[2] = o[status_at + 1];
                }
            }
            _ => {
                for (row, e) in out.chunks_exact_mut(d).zip(envs) {
                    row[..w].copy_from_slice(&obs[e * w..(e + 1) * w]);
                    row[w] = ticks[e] as f32 / len;
                }
            }
        }
    }
}

/// The learner's action count on a scenario.
pub fn action_count(layout: &Layout, side: Side) -> usize {
    match side {
        Side::Blue => layout.blue_actions,
        Side::Red => layout.red_actions,
    }
}
