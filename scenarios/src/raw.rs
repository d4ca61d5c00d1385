//! The scenario file as written: plain serde structs, one per table of the format.
//!
//! These types *are* the format: the JSON Schema (`mirrorlab schema`) is derived from them,
//! structural validation runs against that schema, and the doc comments are what editors show.
//! Everything is checked again, semantically, in `validate.rs` before compilation.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// What a name may contain (scenario, subnets, hosts, templates, exploits, decoys, services,
/// data, green users, sensors, and the identifiers subnet kinds, service types and privileged
/// users): 1 to 64 ASCII letters, digits, `_`, `.`, `:` or `-`, starting
/// with a letter, digit or `_`. Names are written unquoted into traces (space-separated
/// `key=value` lines), reports and the terminal, so no name may hold a space, `=`, `#`, a
/// quote or a control character: every output that embeds one stays unambiguous.
pub const NAME_PATTERN: &str = r"^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}$";
/// A generated host's name is this prefix and a number: the same characters, possibly empty.
pub const NAME_PREFIX_PATTERN: &str = r"^([A-Za-z0-9_][A-Za-z0-9_.:-]{0,55})?$";
/// Reward-valued keys (confidentiality, availability, costs, penalties, data values) carry
/// this schema keyword with the value 1: the simulator keeps rewards in integer tenths, so
/// such a value may have at most one decimal place.
pub const DECIMAL_PLACES_KEYWORD: &str = "x-decimal-places";
/// Free text (descriptions, roles, accounts): anything but control characters (C0, DEL, C1).
pub const TEXT_PATTERN: &str = r"^[^\x00-\x1f\x7f-\x9f]*$";

/// A mirrorlab scenario file (TOML).
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "mirrorlab scenario")]
pub struct ScenarioFile {
    /// Always "mirrorlab-scenario".
    pub format: String,
    /// Version of the format; this mirrorlab reads version 1.
    #[schemars(range(min = 1))]
    pub version: u32,
    pub scenario: Meta,
    /// Behaviour switches. Every CAGE-2 quirk is one of these (all off by default).
    #[serde(default)]
    pub rules: Rules,
    /// Subnets (zones). Within a subnet all traffic is allowed.
    #[serde(default)]
    pub subnet: Vec<Subnet>,
    /// Firewall rules between subnets.
    #[serde(default)]
    pub route: Vec<Route>,
    /// Hosts, in the order of observations and actions.
    #[serde(default)]
    pub host: Vec<Host>,
    /// Host templates for procedural `generate` sections.
    #[serde(default)]
    pub template: Vec<Template>,
    /// Procedural sections: "N hosts drawn from this distribution".
    #[serde(default)]
    pub generate: Vec<Generate>,
    /// Remote exploits red can use.
    #[serde(default)]
    pub exploit: Vec<Exploit>,
    /// Decoy services blue can deploy.
    #[serde(default)]
    pub decoy: Vec<Decoy>,
    pub red: Red,
    #[serde(default)]
    pub blue: Blue,
    /// Benign users.
    #[serde(default)]
    pub green: Vec<Green>,
    /// Host and network sensors that turn activity into alerts.
    #[serde(default)]
    pub sensor: Vec<Sensor>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Meta {
    /// Short name, used on the command line and in reports (see [`NAME_PATTERN`]).
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    #[serde(default)]
    #[schemars(regex(pattern = TEXT_PATTERN), length(max = 256))]
    pub description: String,
    /// Default episode length, in ticks.
    #[schemars(range(min = 1, max = mirrorlab_sim::model::MAX_EPISODE_LENGTH))]
    pub episode_length: u32,
    /// Seed for procedural sections (the same file and seed give the same network).
    #[serde(default)]
    pub network_seed: u64,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rules {
    /// Users whose processes run privileged (root, SYSTEM).
    #[serde(default = "default_privileged_users")]
    #[schemars(inner(regex(pattern = NAME_PATTERN)))]
    pub privileged_users: Vec<String>,
    /// With several exploits offered, the heaviest is used with this probability, else one of
    /// the others uniformly (CAGE-2: 0.75).
    #[serde(default = "default_top")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub top_exploit_probability: f64,
    /// CAGE quirk Q1: Restore unlinks the critical service, so Impact never stops it again.
    #[serde(default)]
    pub restore_breaks_impact: bool,
    /// CAGE quirk Q5: Remove reports success even when it killed nothing.
    #[serde(default)]
    pub remove_always_succeeds: bool,
    /// CAGE quirk Q6: only root/SYSTEM sessions cost confidentiality.
    #[serde(default)]
    pub reward_privileged_only: bool,
    /// CAGE quirk Q7: "≥3 entries on ≥3 ports → Scan" is tested before the call-back port.
    #[serde(default)]
    pub scan_rule_first: bool,
    /// CAGE quirk Q9: brute-forced sessions are never suspicious, so Remove cannot remove them.
    #[serde(default)]
    pub brute_force_unremovable: bool,
    /// CAGE quirk Q10: a failed brute force shows all its attempts (reads as an exploit).
    #[serde(default)]
    pub failed_brute_force_visible: bool,
    /// CAGE quirk Q11: an exploit reading overwrites a Privileged estimate with User.
    #[serde(default)]
    pub exploit_overwrites_privileged: bool,
    /// CAGE quirk Q12: blue's own new decoy can mask a same-step scan of that host.
    #[serde(default)]
    pub own_decoy_masks_activity: bool,
    /// Ticks over which blue's observation counts each host's alerts (with sensors).
    #[serde(default = "default_alert_window")]
    #[schemars(range(min = 1, max = mirrorlab_sim::model::MAX_ALERT_WINDOW))]
    pub alert_window: u32,
}

fn default_alert_window() -> u32 {
    10
}

fn default_privileged_users() -> Vec<String> {
    vec!["root".into(), "SYSTEM".into()]
}
fn default_top() -> f64 {
    0.75
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            privileged_users: default_privileged_users(),
            top_exploit_probability: default_top(),
            restore_breaks_impact: false,
            remove_always_succeeds: false,
            reward_privileged_only: false,
            scan_rule_first: false,
            brute_force_unremovable: false,
            failed_brute_force_visible: false,
            exploit_overwrites_privileged: false,
            own_decoy_masks_activity: false,
            alert_window: default_alert_window(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Subnet {
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    /// Zone kind, for people and reports (user, enterprise, operational, dmz, ot, …).
    #[serde(default)]
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub kind: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Route {
    /// Source subnet.
    pub from: String,
    /// Destination subnet.
    pub to: String,
    /// Allowed only while red holds a session on some host of this subnet (a pivot).
    #[serde(default)]
    pub via: Option<String>,
    /// Ports allowed (empty: all). Recorded for sensors; red's actions use any port.
    #[serde(default)]
    pub ports: Vec<u16>,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    Windows,
    Linux,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Service {
    /// Process name.
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    /// Listening port; omit for a process with no listener.
    #[serde(default)]
    pub port: Option<u16>,
    /// Service type exploits look for (ftp, ssh, smb, rdp, smtp, web, mysql, …); omit for
    /// none (no exploit can use it).
    #[serde(default, rename = "type")]
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub service_type: Option<String>,
    /// User the process runs as; privileged if listed in `rules.privileged_users`.
    #[schemars(regex(pattern = TEXT_PATTERN), length(max = 256))]
    pub user: String,
    /// Version, "major.minor.patch".
    #[serde(default)]
    pub version: Option<String>,
    /// A critical service (e.g. an OT control service): Impact stops it, and the host's
    /// availability value is lost while it is stopped.
    #[serde(default)]
    pub critical: bool,
}

/// A data asset on a host: stolen or encrypted, it costs its value. (Simulated from the
/// attacks issue on; validated now.)
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Data {
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    #[schemars(range(min = 0.0, max = 1000.0), extend("x-decimal-places" = 1))]
    pub value: f64,
}

/// A host-specific vulnerability that overrides an exploit's probabilities on this host.
/// (Simulated from the attacks issue on; validated now.)
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vulnerability {
    /// Name of an `[[exploit]]`.
    pub exploit: String,
    #[schemars(range(min = 0.0, max = 1.0))]
    pub success_probability: f64,
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub detection_probability: Option<f64>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Host {
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    pub subnet: String,
    pub os: Os,
    #[serde(default)]
    #[schemars(regex(pattern = TEXT_PATTERN), length(max = 256))]
    pub role: String,
    /// Confidentiality value: lost per tick while red holds the host (root/SYSTEM only
    /// under rule `reward_privileged_only`). One decimal place.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1000.0), extend("x-decimal-places" = 1))]
    pub confidentiality: f64,
    /// Availability value: lost per tick while the host's critical service is stopped.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1000.0), extend("x-decimal-places" = 1))]
    pub availability: f64,
    /// An unprivileged account a brute-force exploit can take.
    #[serde(default)]
    #[schemars(regex(pattern = TEXT_PATTERN), length(max = 256))]
    pub brute_force_account: Option<String>,
    /// Hosts whose address red learns when it escalates here (credentials, config files).
    #[serde(default)]
    pub reveals: Vec<String>,
    #[serde(default)]
    pub services: Vec<Service>,
    #[serde(default)]
    pub data: Vec<Data>,
    #[serde(default)]
    pub vulnerability: Vec<Vulnerability>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Template {
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    #[serde(default)]
    #[schemars(regex(pattern = TEXT_PATTERN), length(max = 256))]
    pub role: String,
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1000.0), extend("x-decimal-places" = 1))]
    pub confidentiality: f64,
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1000.0), extend("x-decimal-places" = 1))]
    pub availability: f64,
    #[serde(default)]
    #[schemars(regex(pattern = TEXT_PATTERN), length(max = 256))]
    pub brute_force_account: Option<String>,
    /// Services per operating system: the OS drawn picks the list.
    #[serde(default)]
    pub windows_services: Vec<Service>,
    #[serde(default)]
    pub linux_services: Vec<Service>,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Generate {
    /// Subnet the hosts join.
    pub subnet: String,
    /// How many hosts to draw.
    #[schemars(range(min = 1, max = 100000))]
    pub count: u32,
    /// Host names are the prefix and a number from 0.
    #[schemars(regex(pattern = NAME_PREFIX_PATTERN))]
    pub name_prefix: String,
    /// Template to draw from.
    pub template: String,
    /// Relative weight of each OS (default: all Linux).
    #[serde(default)]
    pub os: BTreeMap<Os, f64>,
    /// Each drawn host reveals this host on escalation (the path onward).
    #[serde(default)]
    pub reveals: Vec<String>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExploitKind {
    ReverseShell,
    BruteForce,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Exploit {
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    /// MITRE ATT&CK technique id, e.g. "T1190" or "T1110.001".
    #[schemars(regex(pattern = r"^T[0-9]{4}(\.[0-9]{3})?$"))]
    pub attack: String,
    pub kind: ExploitKind,
    /// Port it connects to.
    pub port: u16,
    /// Service type it needs on that port.
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub service: String,
    /// Only against hosts with this OS.
    #[serde(default)]
    pub os: Option<Os>,
    /// Preference among offered exploits (heaviest first).
    #[schemars(range(min = 0.0))]
    pub weight: f64,
    /// Offered only when red's scan found all of these ports (default: `port`).
    #[serde(default)]
    pub requires_all_ports: Option<Vec<u16>>,
    /// …and at least one of these.
    #[serde(default)]
    pub requires_any_ports: Vec<u16>,
    /// Works only on services with a version strictly below this.
    #[serde(default)]
    pub max_version: Option<String>,
    #[serde(default = "one")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub success_probability: f64,
    /// Probability blue's monitoring sees a reverse shell's call-back.
    #[serde(default = "one")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub detection_probability: f64,
    /// Events the attempt leaves at the port.
    #[serde(default = "one_u16")]
    #[schemars(range(min = 0, max = 1000))]
    pub attempt_events: u16,
    /// Extra events on success (e.g. a brute force's login).
    #[serde(default)]
    #[schemars(range(min = 0, max = 1000))]
    pub success_events: u16,
}

fn one() -> f64 {
    1.0
}
fn one_u16() -> u16 {
    1
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Decoy {
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    /// Placement fails if anything listens here.
    pub checks_port: u16,
    /// Port the decoy listens on (default: `checks_port`).
    #[serde(default)]
    pub opens_port: Option<u16>,
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub service: String,
    #[serde(default)]
    pub os: Option<Os>,
    #[serde(default)]
    pub version: Option<String>,
}

/// Cost and duration of an action kind.
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionSpec {
    /// Reward cost, charged when the action is issued. One decimal place.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1000.0), extend("x-decimal-places" = 1))]
    pub cost: f64,
    /// Ticks the action takes (1: resolves within its own tick).
    #[serde(default = "one_u16")]
    #[schemars(range(min = 1, max = 10000))]
    pub duration: u16,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Red {
    /// Hosts where red holds a permanent root/SYSTEM foothold; red acts from the first.
    #[schemars(length(min = 1))]
    pub entry: Vec<String>,
    /// Hosts whose critical service red aims to stop.
    #[serde(default)]
    pub impact_goals: Vec<String>,
    /// Subnets red knows from the start besides its entry's (public address ranges found by
    /// reconnaissance, ATT&CK T1590), so it can sweep them at once.
    #[serde(default)]
    pub known_subnets: Vec<String>,
    /// Hosts whose address red knows from the start (gathered victim information, ATT&CK
    /// T1589: the staff's e-mail addresses a phishing lure can reach).
    #[serde(default)]
    pub known_hosts: Vec<String>,
    /// Subtracted from red's own reward for an action naming something red doesn't know.
    #[serde(default = "default_invalid")]
    #[schemars(range(min = 0.0, max = 1000.0), extend("x-decimal-places" = 1))]
    pub invalid_action_penalty: f64,
    /// Per action kind: sleep, discover_systems, discover_services, exploit, escalate, impact.
    #[serde(default)]
    pub actions: BTreeMap<RedActionName, ActionSpec>,
    /// Techniques beyond CAGE-2's that red may use, each with its parameters: a table
    /// `[red.techniques.NAME]` enables one (an empty table takes the defaults). Each adds one
    /// red action per host.
    #[serde(default)]
    pub techniques: Techniques,
}

/// `[red.techniques]`: one optional table per technique (a struct, not a map, so that an
/// unknown name is a located error and editors complete the names).
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Techniques {
    /// T1566: a lure to a host's users; a user session if one takes it.
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub phishing: Option<TechniqueSpec>,
    /// T1566 with a deep-fake lure (its own, usually higher, success probability).
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub phishing_deepfake: Option<TechniqueSpec>,
    /// T1003: with root/SYSTEM on a host, valid accounts for its subnet and the subnets of
    /// the hosts it reveals.
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub credential_dumping: Option<TechniqueSpec>,
    /// T1021 with valid accounts (T1078): a user session on a reachable host of a subnet
    /// whose accounts red holds. Needs `credential_dumping`.
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub lateral_movement: Option<TechniqueSpec>,
    /// T1071: a command-and-control channel from a host red holds.
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub c2: Option<TechniqueSpec>,
    /// T1573: an encrypted channel (its `detection` factor also applies to exfiltration
    /// over it).
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub c2_encrypted: Option<TechniqueSpec>,
    /// T1041: with root/SYSTEM and a channel on a host, its data is stolen. Needs `c2` or
    /// `c2_encrypted`.
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub exfiltration: Option<TechniqueSpec>,
    /// T1486: with root/SYSTEM, the host's data is encrypted.
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub ransomware: Option<TechniqueSpec>,
    /// T1053: a scheduled task that brings red's session back after a Remove.
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub persistence: Option<TechniqueSpec>,
    /// T1027: red rebuilds its tools on a host it holds; each new variant lowers what
    /// signature-based sensors see of red by `signature_evasion`.
    #[serde(default)]
    #[schemars(with = "TechniqueSpec")]
    pub obfuscation: Option<TechniqueSpec>,
}

impl Techniques {
    /// The tables given, in the order of [`TechniqueName`].
    pub fn iter(&self) -> impl Iterator<Item = (TechniqueName, &TechniqueSpec)> {
        use TechniqueName as N;
        [
            (N::Phishing, &self.phishing),
            (N::PhishingDeepfake, &self.phishing_deepfake),
            (N::CredentialDumping, &self.credential_dumping),
            (N::LateralMovement, &self.lateral_movement),
            (N::C2, &self.c2),
            (N::C2Encrypted, &self.c2_encrypted),
            (N::Exfiltration, &self.exfiltration),
            (N::Ransomware, &self.ransomware),
            (N::Persistence, &self.persistence),
            (N::Obfuscation, &self.obfuscation),
        ]
        .into_iter()
        .filter_map(|(n, t)| t.as_ref().map(|t| (n, t)))
    }

    pub fn contains_key(&self, n: &TechniqueName) -> bool {
        self.iter().any(|(m, _)| m == *n)
    }

    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// Techniques beyond CAGE-2's, with their ATT&CK ids.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum TechniqueName {
    /// T1566: a lure to a host's users; a user session if one takes it.
    Phishing,
    /// T1566 with a deep-fake lure (its own, usually higher, success probability).
    PhishingDeepfake,
    /// T1003: with root/SYSTEM on a host, valid accounts for its subnet.
    CredentialDumping,
    /// T1021 with valid accounts (T1078): a user session on a reachable host of a subnet
    /// whose accounts red holds. Needs `credential_dumping`.
    LateralMovement,
    /// T1071: a command-and-control channel from a host red holds.
    C2,
    /// T1573: an encrypted channel (its `detection` factor also applies to exfiltration
    /// over it).
    C2Encrypted,
    /// T1041: with root/SYSTEM and a channel on a host, its data is stolen (its value lost
    /// once). Needs `c2` or `c2_encrypted`.
    Exfiltration,
    /// T1486: with root/SYSTEM, the host's data is encrypted: its value lost once, and the
    /// host's availability every tick until a Restore.
    Ransomware,
    /// T1053: a scheduled task that brings red's session back after a Remove (not after a
    /// Restore).
    Persistence,
    /// T1027: red rebuilds its tools on a host it holds; each new variant lowers what
    /// signature-based sensors see of red.
    Obfuscation,
}

/// A technique's parameters.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TechniqueSpec {
    /// Chance that it works once its preconditions hold.
    #[serde(default = "certain")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub success_probability: f64,
    /// Factor on each sensor's true-positive rate for the activity it leaves (1: as seen
    /// as any other red activity; lower: stealthier).
    #[serde(default = "certain")]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub detection: f64,
    /// Reward cost to red, charged when issued. One decimal place.
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1000.0), extend("x-decimal-places" = 1))]
    pub cost: f64,
    /// Ticks it takes.
    #[serde(default = "one_u16")]
    #[schemars(range(min = 1, max = 10000))]
    pub duration: u16,
    /// `obfuscation` only: the share of red's activity that each new tool variant hides from
    /// signature-based sensors (their true-positive rate for red is multiplied by
    /// `1 − signature_evasion` per variant; default 0.3).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub signature_evasion: Option<f64>,
}

fn certain() -> f64 {
    1.0
}

fn one_u32() -> u32 {
    1
}

fn default_invalid() -> f64 {
    0.1
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum RedActionName {
    Sleep,
    DiscoverSystems,
    DiscoverServices,
    Exploit,
    Escalate,
    Impact,
}

#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum BlueActionName {
    Sleep,
    Monitor,
    Analyse,
    Remove,
    Decoy,
    Restore,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Blue {
    /// Per action kind: sleep, monitor, analyse, remove, decoy, restore.
    #[serde(default)]
    pub actions: BTreeMap<BlueActionName, ActionSpec>,
    /// Tools beyond CAGE-2's that blue may use, each with its cost and duration: a table
    /// `[blue.tools.NAME]` gives one (an empty table takes the defaults). Each adds one blue
    /// action per host.
    #[serde(default)]
    pub tools: Tools,
}

/// `[blue.tools]`: one optional table per tool (a struct, not a map, so that an unknown name
/// is a located error).
#[derive(Clone, Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tools {
    /// Cut the host off the network until a Restore; its availability value is lost every
    /// tick meanwhile.
    #[serde(default)]
    #[schemars(with = "ActionSpec")]
    pub isolate: Option<ActionSpec>,
    /// Patch the host's services: exploits of them fail for the rest of the episode.
    #[serde(default)]
    #[schemars(with = "ActionSpec")]
    pub patch: Option<ActionSpec>,
    /// Reset the accounts of the host's subnet: dumped credentials stop working.
    #[serde(default)]
    #[schemars(with = "ActionSpec")]
    pub reset_credentials: Option<ActionSpec>,
    /// Triage the host: blue's compromise estimate for it becomes the truth.
    #[serde(default)]
    #[schemars(with = "ActionSpec")]
    pub triage: Option<ActionSpec>,
    /// Block traffic between the host's zone and every other zone, or lift the block; the
    /// zone's hosts' availability is lost every tick it holds.
    #[serde(default)]
    #[schemars(with = "ActionSpec")]
    pub block_zone: Option<ActionSpec>,
}

impl Tools {
    /// The tables given, in the order of [`ToolName`].
    pub fn iter(&self) -> impl Iterator<Item = (ToolName, &ActionSpec)> {
        [
            (ToolName::Isolate, &self.isolate),
            (ToolName::Patch, &self.patch),
            (ToolName::ResetCredentials, &self.reset_credentials),
            (ToolName::Triage, &self.triage),
            (ToolName::BlockZone, &self.block_zone),
        ]
        .into_iter()
        .filter_map(|(n, t)| t.as_ref().map(|t| (n, t)))
    }
}

/// Blue's tools beyond CAGE-2's.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ToolName {
    /// Cut the host off the network until a Restore; its availability value is lost every
    /// tick meanwhile.
    Isolate,
    /// Patch the host's services: exploits of them fail for the rest of the episode.
    Patch,
    /// Reset the accounts of the host's subnet: dumped credentials stop working.
    ResetCredentials,
    /// Triage the host: blue's compromise estimate for it becomes the truth.
    Triage,
    /// Block traffic between the host's zone and every other zone, or lift the block.
    BlockZone,
}

#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Green {
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    /// Hosts the user works on…
    #[serde(default)]
    pub hosts: Vec<String>,
    /// …and every host of these subnets (at least one host in all).
    #[serde(default)]
    pub subnets: Vec<String>,
    /// How many users this entry stands for, each acting on its own with the probabilities
    /// below.
    #[serde(default = "one_u32")]
    #[schemars(range(min = 1, max = mirrorlab_sim::model::MAX_GREEN_USERS))]
    pub users: u32,
    /// Probability per tick that the user port-scans one of its hosts (benign activity that
    /// blue's monitoring sees as a scan).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub scan_probability: f64,
    /// Probability per tick that the user logs in to one of its hosts (host sensors see a
    /// `login`).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub login_probability: f64,
    /// Probability per tick that the user works on files on one of its hosts (`file`).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub file_probability: f64,
    /// Probability per tick that the user sends web traffic to one of its hosts (network
    /// sensors see a `connection`).
    #[serde(default)]
    #[schemars(range(min = 0.0, max = 1.0))]
    pub web_probability: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SensorKind {
    Host,
    Network,
}

/// Kinds of activity a sensor raises alerts about.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum AlertKindName {
    Login,
    Process,
    File,
    Service,
    Scan,
    Connection,
}

/// A sensor: a host sensor (an EDR agent, host logs) sees logins, processes, file work and
/// service changes on the hosts it is installed on; a network sensor (an IDS) sees scans and
/// inbound connections to the hosts it watches. Every activity it sees raises an alert with
/// `true_positive_rate` if red caused it, `false_positive_rate` if a benign user did.
#[derive(Clone, Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sensor {
    #[schemars(regex(pattern = NAME_PATTERN))]
    pub name: String,
    pub kind: SensorKind,
    /// Hosts it watches.
    #[serde(default)]
    pub hosts: Vec<String>,
    /// Subnets it watches: every host in them.
    #[serde(default)]
    pub subnets: Vec<String>,
    /// Kinds it raises alerts about (default: all its kind can see; host: login, process,
    /// file, service; network: scan, connection).
    #[serde(default)]
    pub detects: Option<Vec<AlertKindName>>,
    /// Probability that an activity of red's it sees raises an alert.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub true_positive_rate: f64,
    /// Probability that an activity of a benign user's it sees raises an alert.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub false_positive_rate: f64,
    /// How it detects: `signature` (known indicators; red's rebuilt tools evade it,
    /// `[red.techniques.obfuscation]`) or `anomaly` (behaviour; not evaded). Default
    /// `signature`.
    #[serde(default)]
    pub method: SensorMethod,
}

/// How a sensor tells red's activity: by known signatures, or by anomalous behaviour.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SensorMethod {
    /// Known indicators (hashes, command lines, domains): red's new tool variants evade it.
    #[default]
    Signature,
    /// Behaviour out of the ordinary: tool variants do not change what it sees.
    Anomaly,
}
