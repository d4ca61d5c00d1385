//! The compiled, ready-to-run scenario model.
//!
//! A [`Scenario`] is what the `scenarios` crate produces from a validated file: every name is
//! resolved to an index, every probability is checked, every list has its final order. The
//! simulator never sees file syntax, and never re-validates: constructing a `Scenario` by hand
//! (as tests and generators do) must uphold the invariants documented on each field, which
//! [`Scenario::check`] verifies.

use serde::{Deserialize, Serialize};

/// Index of a host in [`Scenario::hosts`]; also its position in observations and actions.
pub type HostId = u32;
/// Index of a subnet in [`Scenario::subnets`].
pub type SubnetId = u32;
/// Index of a port in [`Scenario::ports`] (at most [`MAX_PORTS`] distinct ports).
pub type PortIdx = u8;

/// Ports are tracked as a 64-bit mask, so a scenario may use at most this many distinct ports.
pub const MAX_PORTS: usize = 64;
/// Hard limit on hosts per environment (memory and index width).
pub const MAX_HOSTS: usize = 100_000;
/// Hard limit on decoy kinds.
pub const MAX_DECOY_KINDS: usize = 16;
/// Hard limit on exploits.
pub const MAX_EXPLOITS: usize = 64;
/// Longest episode, in ticks. Scenario files, `run --steps`, [`crate::SimConfig`] and replay
/// files all share this one limit, so every file the lab writes is one it reads back.
pub const MAX_EPISODE_LENGTH: u32 = 1_000_000;
/// Most episodes one run (or one evaluation cell) may play. Summaries stream, so memory does
/// not grow with the count; the limit keeps episode ids and counters far from overflow.
pub const MAX_EPISODES: u64 = 1_000_000_000;

/// Operating system of a host: decides what "privileged" is called and which exploits and
/// decoys apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Windows,
    Linux,
}

/// A listening connection (or a portless process such as an OT service) on a host's image.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    /// Listening port, or `None` for a process with no listener (e.g. CAGE's OTService).
    pub port: Option<PortIdx>,
    /// Service type an exploit looks for (index into [`Scenario::service_types`]); `None` means
    /// no exploit can use it (CAGE quirk Q2 is such an untyped SMB listener).
    pub service_type: Option<u16>,
    /// Runs as root/SYSTEM: a shell gained through it is privileged at once.
    pub privileged: bool,
    /// Version as a comparable tuple (major, minor, patch), when known.
    pub version: Option<[u16; 3]>,
}

/// One host of the network.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Host {
    pub name: String,
    pub subnet: SubnetId,
    pub os: Os,
    /// Free-text role (workstation, server, gateway, …) for people and reports.
    pub role: String,
    /// Image services in process order; exploits search them in this order before decoys.
    pub services: Vec<Service>,
    /// An account a brute-force exploit can take (unprivileged), if any.
    pub brute_force_account: Option<String>,
    /// Confidentiality value in tenths of a reward point, charged while red holds the host
    /// (privileged only, unless the rule says otherwise).
    pub confidentiality: i32,
    /// Availability value in tenths, charged per step while its critical service is stopped.
    pub availability: i32,
    /// The host runs a critical service (no port) that Impact stops.
    pub critical_service: bool,
    /// Value of the data assets on the host, in tenths (at most [`MAX_DATA_VALUE`]): lost
    /// once when red exfiltrates them (confidentiality), and each time ransomware encrypts
    /// them (availability).
    #[serde(default)]
    pub data_value: i32,
    /// Hosts whose address red learns when it escalates on this host.
    pub reveals: Vec<HostId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Subnet {
    pub name: String,
    /// Hosts in sweep order.
    pub hosts: Vec<HostId>,
}

/// Traffic from subnet `from` to subnet `to` is allowed (within a subnet it always is).
/// With `via`, only while red holds a live session on some host of subnet `via`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Route {
    pub from: SubnetId,
    pub to: SubnetId,
    pub via: Option<SubnetId>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExploitKind {
    /// Connects to a service and opens a reverse shell (one event at the port; a call-back
    /// event that blue can see with `detection`; a file on disk).
    ReverseShell,
    /// Guesses an account's password over the service (many events, no process id, no file).
    BruteForce,
}

/// A remote exploit red can choose among (CAGE's ExploitRemoteService options).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Exploit {
    pub name: String,
    /// MITRE ATT&CK technique id.
    pub attack_id: String,
    pub kind: ExploitKind,
    pub port: PortIdx,
    pub service_type: u16,
    /// Only hosts with this OS (None: any).
    pub os: Option<Os>,
    /// Higher weight is preferred (see [`Rules::top_exploit_probability`]).
    pub weight: f64,
    /// Offered when red's port list for the target contains all of these…
    pub requires_all: u64,
    /// …and at least one of these (0: no such condition).
    pub requires_any: u64,
    /// Works only on services whose version is strictly below this.
    pub max_version: Option<[u16; 3]>,
    /// Probability the exploit works once a target service is found.
    pub success: Probability,
    /// Probability a reverse shell's call-back is visible to blue's monitoring.
    pub detection: Probability,
    /// Events the attempt itself leaves at the port (brute force: every guess).
    pub attempt_events: u16,
    /// Extra events on success (brute force: the login).
    pub success_events: u16,
}

/// A decoy service blue can deploy.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DecoyKind {
    pub name: String,
    /// Placement fails if anything listens on this port.
    pub checks_port: PortIdx,
    /// The decoy listens on this port (CAGE quirk Q4: Vsftpd checks 21 but opens 80).
    pub opens_port: PortIdx,
    pub service_type: u16,
    pub os: Option<Os>,
    pub version: Option<[u16; 3]>,
}

/// A probability stored exactly as a threshold on a uniform 64-bit draw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Probability {
    /// `p * 2^64`, saturated; `u64::MAX` with `certain` means 1.
    threshold: u64,
    certain: bool,
}

impl Probability {
    pub const ZERO: Probability = Probability {
        threshold: 0,
        certain: false,
    };
    pub const ONE: Probability = Probability {
        threshold: u64::MAX,
        certain: true,
    };

    /// `p` must be in [0, 1] (checked by the scenario validator; clamped here).
    pub fn new(p: f64) -> Probability {
        if p >= 1.0 {
            Probability::ONE
        } else if p.is_nan() || p <= 0.0 {
            Probability::ZERO
        } else {
            // Multiplying by a power of two is exact; the cast truncates toward zero.
            Probability {
                threshold: (p * 18_446_744_073_709_551_616.0) as u64,
                certain: false,
            }
        }
    }
    pub fn value(self) -> f64 {
        if self.certain {
            1.0
        } else {
            self.threshold as f64 / 18_446_744_073_709_551_616.0
        }
    }
    pub fn is_certain(self) -> bool {
        self.certain
    }
    /// `1 - self` (exact).
    pub fn complement(self) -> Probability {
        if self.certain {
            Probability::ZERO
        } else if self.threshold == 0 {
            Probability::ONE
        } else {
            Probability {
                threshold: 0u64.wrapping_sub(self.threshold),
                certain: false,
            }
        }
    }
    /// `1 / (1 + self)`, rounded down to the threshold's resolution (exact for 0 and 1).
    pub fn one_over_one_plus(self) -> Probability {
        if self.certain {
            Probability {
                threshold: 1 << 63,
                certain: false,
            }
        } else if self.threshold == 0 {
            Probability::ONE
        } else {
            let t = u128::MAX / ((1u128 << 64) + self.threshold as u128);
            Probability {
                threshold: t as u64,
                certain: false,
            }
        }
    }
    /// The product of two probabilities (exact when either is 0 or 1).
    pub fn times(self, other: Probability) -> Probability {
        if other.certain {
            self
        } else if self.certain {
            other
        } else {
            Probability {
                threshold: ((self.threshold as u128 * other.threshold as u128) >> 64) as u64,
                certain: false,
            }
        }
    }
    pub fn is_never(self) -> bool {
        !self.certain && self.threshold == 0
    }
    /// True with this probability for a uniform 64-bit word.
    #[inline]
    pub fn test(self, word: u64) -> bool {
        self.certain || word < self.threshold
    }
}

/// Behaviour switches. CAGE-2's quirks are rules here, named and documented, so that the
/// `cage2` scenario reproduces CybORG 2.1 and `cage2-fixed` turns them off.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rules {
    /// With several exploits offered, the top-weighted is used with this probability, else one
    /// of the others, uniformly.
    pub top_exploit_probability: Probability,
    /// Q1: a Restore unlinks the critical service from its process, so Impact never stops it
    /// again in that episode.
    pub restore_breaks_impact: bool,
    /// Q5: Remove reports success even when it killed nothing.
    pub remove_always_succeeds: bool,
    /// Q6: only root/SYSTEM sessions cost confidentiality.
    pub reward_privileged_only: bool,
    /// Q7: the activity rule tests "≥3 entries on ≥3 ports → Scan" before the call-back port.
    pub scan_rule_first: bool,
    /// Q9: brute-forced sessions never become suspicious, so Remove cannot remove them.
    pub brute_force_unremovable: bool,
    /// Q10: a failed brute force still shows all its attempts (reads as Exploit).
    pub failed_brute_force_visible: bool,
    /// Q11: an Exploit reading overwrites a Privileged compromise estimate with User.
    pub exploit_overwrites_privileged: bool,
    /// Q12: blue's own new decoy entry can mask a same-step scan of that host.
    pub own_decoy_masks_activity: bool,
}

impl Rules {
    /// Every quirk off: the corrected game.
    pub fn fixed() -> Rules {
        Rules {
            top_exploit_probability: Probability::new(0.75),
            restore_breaks_impact: false,
            remove_always_succeeds: false,
            reward_privileged_only: false,
            scan_rule_first: false,
            brute_force_unremovable: false,
            failed_brute_force_visible: false,
            exploit_overwrites_privileged: false,
            own_decoy_masks_activity: false,
        }
    }
}

/// Blue's action kinds, in the order of the flat action encoding: CAGE-2's six, then the
/// tools a scenario may give blue (`[blue.tools]`), each a block of one action per host after
/// CAGE-2's blocks, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlueKind {
    Sleep,
    Monitor,
    Analyse,
    Remove,
    Decoy,
    Restore,
    /// Cut the host off the network until a Restore (MITRE D3FEND: network isolation): no
    /// traffic reaches it or leaves it; it costs its availability value every tick.
    Isolate,
    /// Patch the host's services: exploits of its services fail for the rest of the episode.
    Patch,
    /// Reset the accounts of the host's subnet: credentials red dumped there no longer work.
    ResetCredentials,
    /// An analyst triages the host's alerts: blue's compromise estimate becomes the truth.
    Triage,
    /// Block traffic between the host's zone (its subnet) and every other zone (a firewall
    /// rule; MITRE D3FEND: network traffic filtering), or lift the block: red's traffic
    /// cannot cross it, and blue loses the zone's hosts' availability every tick it holds.
    BlockZone,
}

impl BlueKind {
    /// Every kind, in encoding order.
    pub const ALL: [BlueKind; BlueKind::COUNT] = [
        BlueKind::Sleep,
        BlueKind::Monitor,
        BlueKind::Analyse,
        BlueKind::Remove,
        BlueKind::Decoy,
        BlueKind::Restore,
        BlueKind::Isolate,
        BlueKind::Patch,
        BlueKind::ResetCredentials,
        BlueKind::Triage,
        BlueKind::BlockZone,
    ];
    pub const COUNT: usize = 11;
    /// CAGE-2's kinds (every scenario has them).
    pub const CAGE: usize = 6;
    /// The kinds a scenario may give blue: `ALL[CAGE..]`.
    pub fn tools() -> &'static [BlueKind] {
        &BlueKind::ALL[BlueKind::CAGE..]
    }
    pub fn name(self) -> &'static str {
        match self {
            BlueKind::Sleep => "sleep",
            BlueKind::Monitor => "monitor",
            BlueKind::Analyse => "analyse",
            BlueKind::Remove => "remove",
            BlueKind::Decoy => "decoy",
            BlueKind::Restore => "restore",
            BlueKind::Isolate => "isolate",
            BlueKind::Patch => "patch",
            BlueKind::ResetCredentials => "reset_credentials",
            BlueKind::Triage => "triage",
            BlueKind::BlockZone => "block_zone",
        }
    }
    pub fn from_name(name: &str) -> Option<BlueKind> {
        BlueKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A tool the scenario gives blue (`[blue.tools.NAME]`): one more action per host. Its rule is
/// in `sim::rules` (`isolation`, `patching`, `triage`, `credentials`, `segmentation`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Tool {
    /// One of [`BlueKind::tools`].
    pub kind: BlueKind,
    pub cost: ActionCost,
}

/// Cost (tenths of reward, charged when issued) and duration (ticks, ≥ 1) of one action kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionCost {
    pub cost: i32,
    pub duration: u16,
}

/// Red's action kinds, in the order of the flat action encoding: CAGE-2's six, then the
/// techniques a scenario may enable (`[red.techniques]`), each a block of one action per host
/// after CAGE-2's blocks, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RedKind {
    Sleep,
    DiscoverRemoteSystems,
    DiscoverNetworkServices,
    ExploitRemoteService,
    PrivilegeEscalate,
    Impact,
    /// Phishing a user of the host (T1566): a user session if the lure works.
    Phishing,
    /// Phishing with a deep-fake lure (a cloned voice or face of someone the user trusts,
    /// T1566): the same, at its own (higher) success rate.
    PhishingDeepfake,
    /// OS credential dumping (T1003) on a host red holds privileged: valid accounts for the
    /// host's subnet.
    CredentialDumping,
    /// Lateral movement over remote services (T1021) with valid accounts (T1078).
    LateralMovement,
    /// A command-and-control channel over an application-layer protocol (T1071).
    CommandAndControl,
    /// An encrypted command-and-control channel (T1573): seen less by network sensors.
    EncryptedChannel,
    /// Exfiltration over the command-and-control channel (T1041).
    Exfiltration,
    /// Data encrypted for impact (T1486): ransomware.
    Ransomware,
    /// Persistence by a scheduled task (T1053): survives a Remove, not a Restore.
    Persistence,
    /// Obfuscated files or information (T1027): red rebuilds its tools, a new variant that
    /// signature-based sensors know less of.
    Obfuscation,
}

impl RedKind {
    /// Every kind, in encoding order.
    pub const ALL: [RedKind; RedKind::COUNT] = [
        RedKind::Sleep,
        RedKind::DiscoverRemoteSystems,
        RedKind::DiscoverNetworkServices,
        RedKind::ExploitRemoteService,
        RedKind::PrivilegeEscalate,
        RedKind::Impact,
        RedKind::Phishing,
        RedKind::PhishingDeepfake,
        RedKind::CredentialDumping,
        RedKind::LateralMovement,
        RedKind::CommandAndControl,
        RedKind::EncryptedChannel,
        RedKind::Exfiltration,
        RedKind::Ransomware,
        RedKind::Persistence,
        RedKind::Obfuscation,
    ];
    pub const COUNT: usize = 16;
    /// CAGE-2's kinds (every scenario has them).
    pub const CAGE: usize = 6;
    /// The kinds a scenario may enable: `ALL[CAGE..]`.
    pub fn techniques() -> &'static [RedKind] {
        &RedKind::ALL[RedKind::CAGE..]
    }
    pub fn name(self) -> &'static str {
        match self {
            RedKind::Sleep => "sleep",
            RedKind::DiscoverRemoteSystems => "discover_systems",
            RedKind::DiscoverNetworkServices => "discover_services",
            RedKind::ExploitRemoteService => "exploit",
            RedKind::PrivilegeEscalate => "escalate",
            RedKind::Impact => "impact",
            RedKind::Phishing => "phishing",
            RedKind::PhishingDeepfake => "phishing_deepfake",
            RedKind::CredentialDumping => "credential_dumping",
            RedKind::LateralMovement => "lateral_movement",
            RedKind::CommandAndControl => "c2",
            RedKind::EncryptedChannel => "c2_encrypted",
            RedKind::Exfiltration => "exfiltration",
            RedKind::Ransomware => "ransomware",
            RedKind::Persistence => "persistence",
            RedKind::Obfuscation => "obfuscation",
        }
    }
    /// MITRE ATT&CK technique of the action kind (exploits carry their own).
    pub fn attack_id(self) -> &'static str {
        match self {
            RedKind::Sleep => "-",
            RedKind::DiscoverRemoteSystems => "T1018",
            RedKind::DiscoverNetworkServices => "T1046",
            RedKind::ExploitRemoteService => "T1210",
            RedKind::PrivilegeEscalate => "T1068",
            RedKind::Impact => "T1489",
            RedKind::Phishing | RedKind::PhishingDeepfake => "T1566",
            RedKind::CredentialDumping => "T1003",
            RedKind::LateralMovement => "T1021",
            RedKind::CommandAndControl => "T1071",
            RedKind::EncryptedChannel => "T1573",
            RedKind::Exfiltration => "T1041",
            RedKind::Ransomware => "T1486",
            RedKind::Persistence => "T1053",
            RedKind::Obfuscation => "T1027",
        }
    }
    pub fn from_name(name: &str) -> Option<RedKind> {
        RedKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// A technique the scenario enables for red (`[red.techniques.NAME]`): one more action per
/// host. Its rule is in `sim::rules` (one module per technique).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Technique {
    /// One of [`RedKind::techniques`].
    pub kind: RedKind,
    /// Chance that the action works once its preconditions hold (red's stream).
    pub success: Probability,
    /// Factor on every sensor's true-positive rate for the activity it leaves: 1 leaves the
    /// sensors as they are; an encrypted channel's factor also applies to what goes over it
    /// (exfiltration).
    pub detection: Probability,
    pub cost: ActionCost,
    /// Obfuscation only (0 for the others): each variant red builds multiplies every
    /// signature-based sensor's true-positive rate for red's later activity by
    /// `1 − evasion`, down to [`MAX_TOOL_VARIANTS`] variants.
    pub evasion: Probability,
}

/// Most tool variants that count (further ones evade no more).
pub const MAX_TOOL_VARIANTS: usize = 15;

/// Red's side of the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RedSpec {
    /// Hosts where red holds a permanent privileged foothold at reset; the first is where every
    /// red action is launched from.
    pub entry: Vec<HostId>,
    /// Hosts red tries to impact (its goal; used by reports and validation).
    pub goals: Vec<HostId>,
    /// Subnets red knows at reset besides its entry hosts' (public address ranges found by
    /// reconnaissance, ATT&CK T1590): it may sweep them from the first tick.
    #[serde(default)]
    pub known_subnets: Vec<SubnetId>,
    /// Hosts whose address red knows at reset (gathered victim information, ATT&CK T1589:
    /// staff e-mail addresses a phishing lure can be sent to).
    #[serde(default)]
    pub known_hosts: Vec<HostId>,
    /// Penalty (tenths, subtracted from red's own reward) for an invalid action.
    pub invalid_action_penalty: i32,
    /// CAGE-2's six kinds, in [`RedKind`] order.
    pub costs: [ActionCost; 6],
    /// Techniques beyond CAGE-2's, in [`RedKind`] order, each at most once (none in cage2).
    #[serde(default)]
    pub techniques: Vec<Technique>,
}

impl Scenario {
    /// The subnets whose valid accounts a credential dump on host `x` yields (ATT&CK T1003):
    /// its own and those of the hosts it `reveals` (cached credentials of the servers it
    /// talks to, beside the configuration that names them); ascending, each once. The one
    /// definition of the rule: the simulator, the reachability proof and the scripted
    /// agents all read it.
    pub fn dumped_subnets(&self, x: usize) -> Vec<SubnetId> {
        let host = &self.hosts[x];
        let mut v: Vec<SubnetId> = std::iter::once(host.subnet)
            .chain(host.reveals.iter().map(|&r| self.hosts[r as usize].subnet))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

impl RedSpec {
    /// The enabled technique of this kind, if any.
    pub fn technique(&self, kind: RedKind) -> Option<&Technique> {
        self.techniques.iter().find(|t| t.kind == kind)
    }
}

/// Blue's side of the scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlueSpec {
    /// CAGE-2's six kinds, in [`BlueKind`] order.
    pub costs: [ActionCost; 6],
    /// Tools beyond CAGE-2's, in [`BlueKind`] order, each at most once (none in cage2).
    #[serde(default)]
    pub tools: Vec<Tool>,
}

impl BlueSpec {
    /// The tool of this kind, if the scenario gives it.
    pub fn tool(&self, kind: BlueKind) -> Option<&Tool> {
        self.tools.iter().find(|t| t.kind == kind)
    }
}

/// A benign user that works on `hosts`. Each tick, with its own probability, it port-scans
/// one of them (`scan`: activity blue's CAGE-2 monitoring sees as a scan, CAGE-2 §4), logs in
/// to one (`login`), reads or writes files on one (`file`), and sends web traffic to one
/// (`web`); the host is drawn uniformly each time. Logins, files and web traffic reach only
/// the [`Sensor`]s. (CAGE quirk Q8: CAGE-2's green never acts, so `cage2` has none.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GreenAgent {
    pub name: String,
    pub hosts: Vec<HostId>,
    /// How many users this entry stands for, each acting independently (at least 1).
    #[serde(default = "one")]
    pub users: u32,
    pub scan: Probability,
    #[serde(default = "never")]
    pub login: Probability,
    #[serde(default = "never")]
    pub file: Probability,
    #[serde(default = "never")]
    pub web: Probability,
}

fn one() -> u32 {
    1
}

fn never() -> Probability {
    Probability::ZERO
}

/// Kinds of activity a sensor can raise an alert about. Host sensors see the first four on
/// the hosts they are installed on; network sensors see the last two in traffic to the hosts
/// they watch. The order is that of blue's alert-count observation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// An authentication: a user's login, a brute-force guess.
    Login,
    /// A new process: a reverse shell's call-back, an escalation exploit.
    Process,
    /// File access: a user's documents.
    File,
    /// A service stopped or changed (ATT&CK T1489).
    Service,
    /// A sweep or port scan reaching the host (T1018, T1046; a user's scan).
    Scan,
    /// An inbound connection to a service: an exploit attempt, a user's web traffic.
    Connection,
}

impl AlertKind {
    pub const ALL: [AlertKind; 6] = [
        AlertKind::Login,
        AlertKind::Process,
        AlertKind::File,
        AlertKind::Service,
        AlertKind::Scan,
        AlertKind::Connection,
    ];
    pub const COUNT: usize = 6;
    pub fn name(self) -> &'static str {
        match self {
            AlertKind::Login => "login",
            AlertKind::Process => "process",
            AlertKind::File => "file",
            AlertKind::Service => "service",
            AlertKind::Scan => "scan",
            AlertKind::Connection => "connection",
        }
    }
    /// The class of sensor that sees this kind.
    pub fn class(self) -> SensorClass {
        match self {
            AlertKind::Scan | AlertKind::Connection => SensorClass::Network,
            _ => SensorClass::Host,
        }
    }
    pub fn bit(self) -> u8 {
        1 << self as u8
    }
    pub fn from_index(i: u32) -> Option<AlertKind> {
        AlertKind::ALL.get(i as usize).copied()
    }
}

/// Where a sensor sits: on hosts (an EDR agent, host logs) or on the wire (an IDS).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SensorClass {
    Host,
    Network,
}

impl SensorClass {
    pub fn name(self) -> &'static str {
        match self {
            SensorClass::Host => "host",
            SensorClass::Network => "network",
        }
    }
    /// The [`AlertKind`] bits a sensor of this class can see.
    pub fn kinds(self) -> u8 {
        AlertKind::ALL
            .iter()
            .filter(|k| k.class() == self)
            .fold(0, |m, k| m | k.bit())
    }
}

/// A sensor: each activity of a kind it `detects` on a host it `watches` raises an alert with
/// probability `true_positive` when red caused it and `false_positive` when a benign user
/// did. Draws come from the episode's sensor stream, so sensors never change what red or
/// green do.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Sensor {
    pub name: String,
    pub class: SensorClass,
    /// Hosts it watches, ascending, each once.
    pub hosts: Vec<HostId>,
    /// [`AlertKind::bit`]s it raises alerts for (a subset of its class's kinds).
    pub detects: u8,
    pub true_positive: Probability,
    pub false_positive: Probability,
    /// It matches known signatures (red's tool variants evade it), rather than anomalies.
    pub signature: bool,
}

/// Longest alert window, in ticks (blue observes alert counts over the last `window` ticks).
pub const MAX_ALERT_WINDOW: u32 = 100;
/// Most benign users a scenario may have (all `[[green]]` entries' `users` together).
pub const MAX_GREEN_USERS: u64 = 1_000_000;
/// Most sensors a scenario may have.
/// Most data value a host may hold, in tenths (10,000.0): one tick's loss stays far inside
/// the reward's integer range.
pub const MAX_DATA_VALUE: i32 = 100_000;
pub const MAX_SENSORS: usize = 64;

/// The whole, resolved scenario.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub name: String,
    /// Hash of the source the scenario was compiled from (replays check it).
    pub source_hash: u64,
    /// Default episode length in ticks.
    pub episode_length: u32,
    pub subnets: Vec<Subnet>,
    pub hosts: Vec<Host>,
    pub routes: Vec<Route>,
    /// Port numbers, indexed by [`PortIdx`].
    pub ports: Vec<u16>,
    pub service_types: Vec<String>,
    pub exploits: Vec<Exploit>,
    pub decoys: Vec<DecoyKind>,
    pub red: RedSpec,
    pub blue: BlueSpec,
    pub green: Vec<GreenAgent>,
    /// Sensors (none in CAGE-2: blue's only sensing there is the CAGE-2 monitoring table).
    #[serde(default)]
    pub sensors: Vec<Sensor>,
    /// Ticks over which blue's observation counts alerts (1..=[`MAX_ALERT_WINDOW`]).
    #[serde(default = "default_alert_window")]
    pub alert_window: u32,
    pub rules: Rules,
}

fn default_alert_window() -> u32 {
    10
}

/// A structural error in a hand-built [`Scenario`] (files get located errors earlier).
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("invalid scenario model: {0}")]
pub struct ModelError(pub String);

impl Scenario {
    pub fn n_hosts(&self) -> usize {
        self.hosts.len()
    }

    pub fn host_by_name(&self, name: &str) -> Option<HostId> {
        self.hosts
            .iter()
            .position(|h| h.name == name)
            .map(|i| i as HostId)
    }

    pub fn subnet_by_name(&self, name: &str) -> Option<SubnetId> {
        self.subnets
            .iter()
            .position(|s| s.name == name)
            .map(|i| i as SubnetId)
    }

    pub fn port_number(&self, p: PortIdx) -> u16 {
        self.ports[p as usize]
    }

    /// Checks every index and limit the simulator relies on.
    pub fn check(&self) -> Result<(), ModelError> {
        let err = |m: String| Err(ModelError(m));
        let nh = self.hosts.len();
        if nh == 0 || nh > MAX_HOSTS {
            return err(format!("{nh} hosts (expected 1..={MAX_HOSTS})"));
        }
        if self.ports.len() > MAX_PORTS {
            return err(format!("{} ports (at most {MAX_PORTS})", self.ports.len()));
        }
        if self.decoys.len() > MAX_DECOY_KINDS {
            return err(format!(
                "{} decoy kinds (at most {MAX_DECOY_KINDS})",
                self.decoys.len()
            ));
        }
        if self.exploits.len() > MAX_EXPLOITS {
            return err(format!(
                "{} exploits (at most {MAX_EXPLOITS})",
                self.exploits.len()
            ));
        }
        if self.episode_length == 0 || self.episode_length > MAX_EPISODE_LENGTH {
            return err(format!(
                "episode length {} (expected 1..={MAX_EPISODE_LENGTH})",
                self.episode_length
            ));
        }
        let ns = self.subnets.len() as u32;
        let np = self.ports.len();
        let nt = self.service_types.len();
        let port_ok = |p: PortIdx| (p as usize) < np;
        let type_ok = |t: u16| (t as usize) < nt;
        let mut seen = vec![false; nh];
        for s in &self.subnets {
            for &h in &s.hosts {
                if h as usize >= nh || seen[h as usize] {
                    return err(format!(
                        "subnet {} lists host {h} twice or out of range",
                        s.name
                    ));
                }
                seen[h as usize] = true;
            }
        }
        // Which subnet lists each host (each is listed once, checked above).
        let mut listed_in = vec![u32::MAX; nh];
        for (si, s) in self.subnets.iter().enumerate() {
            for &h in &s.hosts {
                listed_in[h as usize] = si as u32;
            }
        }
        for (i, h) in self.hosts.iter().enumerate() {
            if h.subnet >= ns || listed_in[i] != h.subnet {
                return err(format!(
                    "host {} has a subnet that does not list it",
                    h.name
                ));
            }
            for s in &h.services {
                if s.port.is_some_and(|p| !port_ok(p))
                    || s.service_type.is_some_and(|t| !type_ok(t))
                {
                    return err(format!(
                        "host {} service {} has a bad port or type",
                        h.name, s.name
                    ));
                }
            }
            if h.reveals.iter().any(|&r| r as usize >= nh) {
                return err(format!("host {} reveals an unknown host", h.name));
            }
        }
        if seen.iter().any(|s| !s) {
            return err("a host is in no subnet".into());
        }
        for r in &self.routes {
            if r.from >= ns || r.to >= ns || r.via.is_some_and(|v| v >= ns) {
                return err("route names an unknown subnet".into());
            }
        }
        for e in &self.exploits {
            if !port_ok(e.port) || !type_ok(e.service_type) {
                return err(format!("exploit {} has a bad port or type", e.name));
            }
        }
        for d in &self.decoys {
            if !port_ok(d.checks_port) || !port_ok(d.opens_port) || !type_ok(d.service_type) {
                return err(format!("decoy {} has a bad port or type", d.name));
            }
        }
        if self.red.entry.is_empty() || self.red.entry.iter().any(|&h| h as usize >= nh) {
            return err("red needs at least one valid entry host".into());
        }
        if self.red.known_subnets.iter().any(|&x| x >= ns) {
            return err("red knows an unknown subnet".into());
        }
        if self.red.known_hosts.iter().any(|&x| x as usize >= nh) {
            return err("red knows an unknown host".into());
        }
        let kinds: Vec<RedKind> = self.red.techniques.iter().map(|t| t.kind).collect();
        if kinds.iter().any(|k| (*k as usize) < RedKind::CAGE)
            || kinds.windows(2).any(|w| w[0] >= w[1])
        {
            return err(
                "red's techniques must be beyond CAGE-2's, each once, in RedKind order".into(),
            );
        }
        let tools: Vec<BlueKind> = self.blue.tools.iter().map(|t| t.kind).collect();
        if tools.iter().any(|k| (*k as usize) < BlueKind::CAGE)
            || tools.windows(2).any(|w| w[0] >= w[1])
        {
            return err(
                "blue's tools must be beyond CAGE-2's, each once, in BlueKind order".into(),
            );
        }
        if self.red.goals.iter().any(|&h| h as usize >= nh) {
            return err("red goal out of range".into());
        }
        for g in &self.green {
            if g.hosts.is_empty() || g.hosts.iter().any(|&h| h as usize >= nh) {
                return err(format!("green agent {} has no or bad hosts", g.name));
            }
            if g.users == 0 {
                return err(format!("green agent {} stands for no users", g.name));
            }
        }
        let users: u64 = self.green.iter().map(|g| g.users as u64).sum();
        if users > MAX_GREEN_USERS {
            return err(format!("{users} green users (at most {MAX_GREEN_USERS})"));
        }
        if self.sensors.len() > MAX_SENSORS {
            return err(format!(
                "{} sensors (at most {MAX_SENSORS})",
                self.sensors.len()
            ));
        }
        for x in &self.sensors {
            if x.hosts.iter().any(|&h| h as usize >= nh) || !x.hosts.is_sorted_by(|a, b| a < b) {
                return err(format!(
                    "sensor {} watches a bad host list (out of range, unsorted or repeated)",
                    x.name
                ));
            }
            if x.detects & !x.class.kinds() != 0 {
                return err(format!(
                    "sensor {} detects a kind its class cannot see",
                    x.name
                ));
            }
        }
        if !(1..=MAX_ALERT_WINDOW).contains(&self.alert_window) {
            return err(format!(
                "alert window {} (expected 1..={MAX_ALERT_WINDOW})",
                self.alert_window
            ));
        }
        for c in self.blue.costs.iter().chain(self.red.costs.iter()) {
            if c.duration == 0 {
                return err("action duration 0 (must be at least 1 tick)".into());
            }
        }
        Ok(())
    }
}
