//! Flat action encodings and observation layouts, declared once with their bounds.
//!
//! Blue (CAGE-2's flat encoding when the scenario has CAGE's 8 decoys: 145 actions for 13
//! hosts): `Sleep, Monitor, Analyse(h)…, Remove(h)…, Decoy_k(h)… for each decoy kind k,
//! Restore(h)…`, then one block of `h` actions for each tool the scenario gives blue
//! (`[blue.tools]`, in [`BlueKind`] order).
//! Red: `Sleep, DiscoverRemoteSystems(s)…, DiscoverNetworkServices(h)…, Exploit(h)…,
//! PrivilegeEscalate(h)…, Impact(h)…`, then one block of `h` actions for each technique the
//! scenario enables (`[red.techniques]`, in [`RedKind`] order): a scenario without techniques
//! (cage2) has CAGE-2's encoding exactly.

use crate::model::{BlueKind, HostId, RedKind, Scenario, SubnetId};

/// A decoded blue action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BlueAction {
    Sleep,
    Monitor,
    Analyse(HostId),
    Remove(HostId),
    Decoy(u8, HostId),
    Restore(HostId),
    /// One of the tools beyond CAGE-2's ([`BlueKind::tools`]) on a host.
    Tool(BlueKind, HostId),
}

impl BlueAction {
    pub fn kind(self) -> BlueKind {
        match self {
            BlueAction::Sleep => BlueKind::Sleep,
            BlueAction::Monitor => BlueKind::Monitor,
            BlueAction::Analyse(_) => BlueKind::Analyse,
            BlueAction::Remove(_) => BlueKind::Remove,
            BlueAction::Decoy(..) => BlueKind::Decoy,
            BlueAction::Restore(_) => BlueKind::Restore,
            BlueAction::Tool(k, _) => k,
        }
    }
    pub fn host(self) -> Option<HostId> {
        match self {
            BlueAction::Sleep | BlueAction::Monitor => None,
            BlueAction::Analyse(h)
            | BlueAction::Remove(h)
            | BlueAction::Decoy(_, h)
            | BlueAction::Restore(h)
            | BlueAction::Tool(_, h) => Some(h),
        }
    }
}

/// A decoded red action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedAction {
    Sleep,
    DiscoverSystems(SubnetId),
    DiscoverServices(HostId),
    Exploit(HostId),
    Escalate(HostId),
    Impact(HostId),
    /// One of the techniques beyond CAGE-2's ([`RedKind::techniques`]) on a host.
    Technique(RedKind, HostId),
}

impl RedAction {
    /// The host the action targets (None: sleep, a sweep of a subnet).
    pub fn host(self) -> Option<HostId> {
        match self {
            RedAction::Sleep | RedAction::DiscoverSystems(_) => None,
            RedAction::DiscoverServices(h)
            | RedAction::Exploit(h)
            | RedAction::Escalate(h)
            | RedAction::Impact(h)
            | RedAction::Technique(_, h) => Some(h),
        }
    }

    /// What red must know for the action to be valid (the rule of `Envs::red_valid` and of
    /// [`Layout::red_mask_from_obs`]): an action names only what red knows.
    pub fn needs(self) -> RedNeeds {
        match self {
            RedAction::Sleep => RedNeeds::Nothing,
            RedAction::DiscoverSystems(x) => RedNeeds::Subnet(x),
            RedAction::DiscoverServices(x) | RedAction::Exploit(x) => RedNeeds::Address(x),
            RedAction::Escalate(x) | RedAction::Impact(x) => RedNeeds::Name(x),
            // A lure or a login needs the host's address; the rest act where red has been.
            RedAction::Technique(
                RedKind::Phishing | RedKind::PhishingDeepfake | RedKind::LateralMovement,
                x,
            ) => RedNeeds::Address(x),
            RedAction::Technique(_, x) => RedNeeds::Name(x),
        }
    }

    pub fn kind(self) -> RedKind {
        match self {
            RedAction::Sleep => RedKind::Sleep,
            RedAction::DiscoverSystems(_) => RedKind::DiscoverRemoteSystems,
            RedAction::DiscoverServices(_) => RedKind::DiscoverNetworkServices,
            RedAction::Exploit(_) => RedKind::ExploitRemoteService,
            RedAction::Escalate(_) => RedKind::PrivilegeEscalate,
            RedAction::Impact(_) => RedKind::Impact,
            RedAction::Technique(k, _) => k,
        }
    }
}

/// What a red action needs red to know ([`RedAction::needs`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RedNeeds {
    Nothing,
    /// The subnet is known.
    Subnet(SubnetId),
    /// The host's address is known.
    Address(HostId),
    /// The host's name is known (red has been there, or was told of it).
    Name(HostId),
}

/// Red observation: success flag of red's last action, one-hot.
pub const RED_OBS_SUCCESS: usize = 3;
/// Red observation values per host: ip known, ports known, hostname known, any session,
/// privileged session.
pub const RED_OBS_PER_HOST: usize = 5;
/// Red's observation values per host in a scenario with techniques beyond CAGE-2's: a
/// channel open, an encrypted one, the data taken, the host encrypted, a task planted.
pub const RED_TECHNIQUE_VALUES_PER_HOST: usize = 5;
/// Blue observation values per host: activity (2 bits), compromise estimate (2 bits).
pub const BLUE_OBS_PER_HOST: usize = 4;
/// Blue's alert counts per host in a scenario with sensors: for each
/// [`crate::model::AlertKind`], the alerts raised this tick, then for each kind the alerts of
/// the last `alert_window` ticks (this one included). Counts, not scaled: up to 255 a tick.
pub const BLUE_ALERT_VALUES_PER_HOST: usize = 2 * crate::model::AlertKind::COUNT;

/// The last values of each side's observation say what became of that side's last input, so
/// an agent (scripted or learned) can tell an action that is still running from one that
/// took effect: `[input taken, action running]`.
/// - input taken = 1: the input given this step was taken (it started, took effect, or was
///   judged invalid); 0: it was ignored because an earlier action was still in flight.
/// - action running = 1: an action is in flight, so the next input will be ignored too.
///
/// An action of `k > 1` ticks reads `1 1` after the step that issued it, `0 1` while it runs,
/// and `0 0` after the step in which it takes effect (its result is then in the observation).
/// At an episode's start both are 0.
pub const STATUS_VALUES: usize = 2;

/// Bits of a side's action status (see [`STATUS_VALUES`]).
/// Red's input for "nothing more this tick": a red acting several times a tick
/// ([`SimConfig::red_actions_per_tick`](crate::SimConfig::red_actions_per_tick)) may give it
/// for any of its turns after the first, which then leaves no trace and changes nothing.
pub const PASS: u32 = u32::MAX;

pub mod status {
    /// The input given this step was taken.
    pub const TAKEN: u8 = 1;
    /// An action is in flight: the next input will be ignored.
    pub const RUNNING: u8 = 2;
}

/// Bits of the per-host blue alert byte (what blue's monitoring saw this step).
pub mod alert {
    /// Some activity was recorded on the host this step.
    pub const ANY: u8 = 1;
    /// An entry carried a process id (a reverse shell's call-back).
    pub const PROCESS: u8 = 2;
    /// The activity reads as a scan.
    pub const SCAN: u8 = 4;
    /// The activity reads as an exploit.
    pub const EXPLOIT: u8 = 8;
}

/// Sizes and offsets of a scenario's spaces.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Layout {
    pub n_hosts: usize,
    pub n_subnets: usize,
    pub n_decoys: usize,
    pub blue_actions: usize,
    /// Blue's per-host blocks after CAGE-2's (Analyse, Remove, the decoys, Restore): the
    /// scenario's tools.
    pub blue_tools: Vec<BlueKind>,
    pub red_actions: usize,
    /// Red's per-host action blocks after the sweeps, in encoding order: CAGE-2's four, then
    /// the scenario's techniques.
    pub red_blocks: Vec<RedKind>,
    /// Blue's observation: the CAGE-2 table (`BLUE_OBS_PER_HOST` values per host, 52 for
    /// CAGE-2's 13 hosts), then, in a scenario with sensors, the alert counts
    /// (`BLUE_ALERT_VALUES_PER_HOST` per host, host by host), then the [`STATUS_VALUES`].
    pub blue_obs: usize,
    /// Alert-count values per host in blue's observation (0 without sensors).
    pub blue_alert_values: usize,
    /// Red's observation: success flag, known subnets, per-host knowledge, then, in a
    /// scenario with techniques, its footholds (per subnet: valid accounts held; per host,
    /// [`RED_TECHNIQUE_VALUES_PER_HOST`] values), then the [`STATUS_VALUES`].
    pub red_obs: usize,
    /// Red's foothold values (0 without techniques): one per subnet, then
    /// [`RED_TECHNIQUE_VALUES_PER_HOST`] per host.
    pub red_technique_values: usize,
}

impl Layout {
    pub fn new(s: &Scenario) -> Layout {
        let h = s.hosts.len();
        let sn = s.subnets.len();
        let k = s.decoys.len();
        let alerts = if s.sensors.is_empty() {
            0
        } else {
            BLUE_ALERT_VALUES_PER_HOST
        };
        let footholds = if s.red.techniques.is_empty() {
            0
        } else {
            sn + RED_TECHNIQUE_VALUES_PER_HOST * h
        };
        let mut red_blocks = vec![
            RedKind::DiscoverNetworkServices,
            RedKind::ExploitRemoteService,
            RedKind::PrivilegeEscalate,
            RedKind::Impact,
        ];
        red_blocks.extend(s.red.techniques.iter().map(|t| t.kind));
        Layout {
            n_hosts: h,
            n_subnets: sn,
            n_decoys: k,
            blue_actions: 2 + (3 + k + s.blue.tools.len()) * h,
            blue_tools: s.blue.tools.iter().map(|t| t.kind).collect(),
            red_actions: 1 + sn + red_blocks.len() * h,
            red_blocks,
            blue_obs: (BLUE_OBS_PER_HOST + alerts) * h + STATUS_VALUES,
            blue_alert_values: alerts,
            red_obs: RED_OBS_SUCCESS + sn + RED_OBS_PER_HOST * h + footholds + STATUS_VALUES,
            red_technique_values: footholds,
        }
    }

    #[inline]
    pub fn decode_blue(&self, a: u32) -> Option<BlueAction> {
        let h = self.n_hosts;
        let a = a as usize;
        if a >= self.blue_actions {
            return None;
        }
        Some(match a {
            0 => BlueAction::Sleep,
            1 => BlueAction::Monitor,
            _ => {
                let i = a - 2;
                let (block, host) = (i / h, (i % h) as HostId);
                match block {
                    0 => BlueAction::Analyse(host),
                    1 => BlueAction::Remove(host),
                    b if b < 2 + self.n_decoys => BlueAction::Decoy((b - 2) as u8, host),
                    b if b == 2 + self.n_decoys => BlueAction::Restore(host),
                    b => BlueAction::Tool(self.blue_tools[b - 3 - self.n_decoys], host),
                }
            }
        })
    }

    /// The flat index of `a`; None for a tool the scenario does not give blue.
    #[inline]
    pub fn try_encode_blue(&self, a: BlueAction) -> Option<u32> {
        let h = self.n_hosts;
        let i = match a {
            BlueAction::Sleep => 0,
            BlueAction::Monitor => 1,
            BlueAction::Analyse(x) => 2 + x as usize,
            BlueAction::Remove(x) => 2 + h + x as usize,
            BlueAction::Decoy(k, x) => 2 + (2 + k as usize) * h + x as usize,
            BlueAction::Restore(x) => 2 + (2 + self.n_decoys) * h + x as usize,
            BlueAction::Tool(k, x) => {
                let b = self.blue_tools.iter().position(|&t| t == k)?;
                2 + (3 + self.n_decoys + b) * h + x as usize
            }
        };
        Some(i as u32)
    }

    /// The flat index of `a`.
    ///
    /// # Panics
    /// For a tool the scenario does not give blue (see [`Layout::try_encode_blue`]).
    #[inline]
    pub fn encode_blue(&self, a: BlueAction) -> u32 {
        match self.try_encode_blue(a) {
            Some(i) => i,
            None => not_enabled(a),
        }
    }

    /// Whether the scenario gives blue action kind `k`.
    pub fn blue_has(&self, k: BlueKind) -> bool {
        (k as usize) < BlueKind::CAGE || self.blue_tools.contains(&k)
    }

    #[inline]
    pub fn decode_red(&self, a: u32) -> Option<RedAction> {
        let a = a as usize;
        if a >= self.red_actions {
            return None;
        }
        if a == 0 {
            return Some(RedAction::Sleep);
        }
        let i = a - 1;
        if i < self.n_subnets {
            return Some(RedAction::DiscoverSystems(i as SubnetId));
        }
        let i = i - self.n_subnets;
        let (block, host) = (i / self.n_hosts, (i % self.n_hosts) as HostId);
        Some(match block {
            0 => RedAction::DiscoverServices(host),
            1 => RedAction::Exploit(host),
            2 => RedAction::Escalate(host),
            3 => RedAction::Impact(host),
            b => RedAction::Technique(self.red_blocks[b], host),
        })
    }

    /// The flat index of `a`; None for a technique the scenario does not enable.
    #[inline]
    pub fn try_encode_red(&self, a: RedAction) -> Option<u32> {
        let (s, h) = (self.n_subnets, self.n_hosts);
        let i = match a {
            RedAction::Sleep => 0,
            RedAction::DiscoverSystems(x) => 1 + x as usize,
            RedAction::DiscoverServices(x) => 1 + s + x as usize,
            RedAction::Exploit(x) => 1 + s + h + x as usize,
            RedAction::Escalate(x) => 1 + s + 2 * h + x as usize,
            RedAction::Impact(x) => 1 + s + 3 * h + x as usize,
            RedAction::Technique(k, x) => {
                let b = self.red_blocks.iter().position(|&b| b == k)?;
                1 + s + b * h + x as usize
            }
        };
        Some(i as u32)
    }

    /// The flat index of `a`.
    ///
    /// # Panics
    /// For a technique the scenario does not enable (see [`Layout::try_encode_red`]).
    #[inline]
    pub fn encode_red(&self, a: RedAction) -> u32 {
        match self.try_encode_red(a) {
            Some(i) => i,
            None => not_enabled(a),
        }
    }

    /// Whether the scenario enables red action kind `k`.
    pub fn red_has(&self, k: RedKind) -> bool {
        (k as usize) < RedKind::CAGE || self.red_blocks.contains(&k)
    }

    /// Offset of the [`STATUS_VALUES`] in blue's observation (after the CAGE-2 table and
    /// the alert counts).
    pub fn blue_status(&self) -> usize {
        (BLUE_OBS_PER_HOST + self.blue_alert_values) * self.n_hosts
    }

    /// Offset of host `h`'s alert counts in blue's observation (meaningful only when
    /// `blue_alert_values > 0`).
    pub fn blue_alert_counts(&self, h: usize) -> usize {
        BLUE_OBS_PER_HOST * self.n_hosts + self.blue_alert_values * h
    }

    /// Offset of the [`STATUS_VALUES`] in red's observation.
    pub fn red_status(&self) -> usize {
        self.red_footholds() + self.red_technique_values
    }

    /// Offset of red's foothold values (see [`Layout::red_technique_values`]): per subnet,
    /// valid accounts held; then per host, [`RED_TECHNIQUE_VALUES_PER_HOST`] values.
    pub fn red_footholds(&self) -> usize {
        RED_OBS_SUCCESS + self.n_subnets + RED_OBS_PER_HOST * self.n_hosts
    }

    /// Offset of host `h`'s values in the red observation.
    pub fn red_obs_host(&self, h: usize) -> usize {
        RED_OBS_SUCCESS + self.n_subnets + RED_OBS_PER_HOST * h
    }

    /// Red's valid actions (1) from one of its observation rows (`red_obs` values): the same
    /// mask the simulator writes ([`crate::StepOut::red_mask`]), since validity depends only
    /// on what red knows and red observes all of that. For a learned red's action masking.
    ///
    /// # Panics
    /// If `row` is not `red_obs` long or `mask` not `red_actions` long.
    pub fn red_mask_from_obs(&self, row: &[f32], mask: &mut [u8]) {
        assert_eq!(row.len(), self.red_obs, "one red observation row");
        assert_eq!(mask.len(), self.red_actions, "one mask row");
        let host = |x: HostId, k: usize| row[self.red_obs_host(x as usize) + k] > 0.5;
        for (a, m) in mask.iter_mut().enumerate() {
            *m = self.decode_red(a as u32).is_some_and(|r| match r.needs() {
                RedNeeds::Nothing => true,
                RedNeeds::Subnet(x) => row[RED_OBS_SUCCESS + x as usize] > 0.5,
                RedNeeds::Address(x) => host(x, 0),
                RedNeeds::Name(x) => host(x, 2),
            }) as u8;
        }
    }

    /// Human-readable name of a blue action.
    pub fn blue_name(&self, s: &Scenario, a: u32) -> String {
        match self.decode_blue(a) {
            None => format!("invalid({a})"),
            Some(BlueAction::Decoy(k, h)) => {
                format!(
                    "decoy_{} {}",
                    s.decoys[k as usize].name, s.hosts[h as usize].name
                )
            }
            Some(b) => match b.host() {
                Some(h) => format!("{} {}", b.kind().name(), s.hosts[h as usize].name),
                None => b.kind().name().to_string(),
            },
        }
    }

    /// Human-readable name of a red action.
    pub fn red_name(&self, s: &Scenario, a: u32) -> String {
        match self.decode_red(a) {
            None => format!("invalid({a})"),
            Some(RedAction::Sleep) => "sleep".into(),
            Some(RedAction::DiscoverSystems(x)) => {
                format!("discover_systems {}", s.subnets[x as usize].name)
            }
            Some(r) => match r.host() {
                Some(h) => format!("{} {}", r.kind().name(), s.hosts[h as usize].name),
                None => r.kind().name().to_string(),
            },
        }
    }
}

/// The panic of `encode_red` / `encode_blue` for an action the scenario does not have (kept
/// out of line, so the encoders stay small).
#[cold]
#[inline(never)]
fn not_enabled(a: impl std::fmt::Debug) -> ! {
    panic!("{a:?}: the scenario does not have this action (a technique or tool it does not enable)")
}
