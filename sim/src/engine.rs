//! The simulator's state: a struct of arrays over environments ([`Envs`]), the scenario's
//! facts precomputed for the hot path ([`Static`]), and what a finished episode leaves. The
//! rules that change the state are in `crate::rules`, one module per rule.

use crate::layout::Layout;
use crate::model::{
    AlertKind, BlueKind, HostId, MAX_TOOL_VARIANTS, Probability, RedKind, Scenario, SubnetId,
};
use crate::rng::{Purpose, Stream};
use crate::trace::{Event, EventKind, hash_event, hash_init};

/// Host flag bits.
pub(crate) const F_RED_FILE: u8 = 1;
pub(crate) const F_CRIT_RUNNING: u8 = 2;
pub(crate) const F_CRIT_LINKED: u8 = 4;
pub(crate) const F_EVER_COMPROMISED: u8 = 8;
pub(crate) const F_EVER_PRIVILEGED: u8 = 16;

/// Red knowledge bits per host.
pub(crate) const K_IP: u8 = 1;
pub(crate) const K_PORTS: u8 = 2;
pub(crate) const K_NAME: u8 = 4;
pub(crate) const K_IMPACT: u8 = 8;

/// Event-accumulator flag bits.
pub(crate) const EV_PID: u8 = 1;
pub(crate) const EV_FIRST_DECOY: u8 = 2;
pub(crate) const EV_EPHEMERAL_SHIFT: u8 = 4;

/// Red's last-action result.
pub const RED_FALSE: u8 = 0;
pub const RED_TRUE: u8 = 1;
pub const RED_UNKNOWN: u8 = 2;
pub const RED_INVALID: u8 = 3;

pub(crate) const NONE: u32 = u32::MAX;

/// An alert's cause word (the `b` of an [`EventKind::Alert`] event): benign activity has this
/// bit and the green user's index in the low bits; red's has red's action index in the low
/// 24 bits and, for an exploit, the exploit id + 1 in bits 24..31.
pub const CAUSE_BENIGN: u32 = 1 << 31;
/// Mask of the action index or green user in a cause word.
pub const CAUSE_INDEX: u32 = (1 << 24) - 1;
/// Shift of the exploit id + 1 in a red cause word.
pub const CAUSE_EXPLOIT_SHIFT: u32 = 24;

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
    /// Sensors watching each host: `sensor_list[sensor_at[x]..sensor_at[x + 1]]`, ascending.
    pub sensor_at: Vec<u32>,
    pub sensor_list: Vec<u8>,
    /// Cost and duration tables (red's by [`RedKind`], techniques the scenario does not
    /// enable at 0 and 1).
    pub blue_cost: [i32; BlueKind::COUNT],
    pub blue_duration: [u16; BlueKind::COUNT],
    pub red_cost: [i32; RedKind::COUNT],
    pub red_duration: [u16; RedKind::COUNT],
    /// Per [`RedKind`]: a technique's success chance and its factor on the sensors'
    /// true-positive rates (CAGE-2's kinds: 1 and 1).
    pub red_success: [Probability; RedKind::COUNT],
    pub red_detection: [Probability; RedKind::COUNT],
    /// Per number of red's tool variants: the factor on signature-based sensors'
    /// true-positive rates for red (`(1 − evasion)^variants`; all 1 without obfuscation).
    pub signature_factor: [Probability; MAX_TOOL_VARIANTS + 1],
    /// Per host: some green user works there (a phishing lure has someone to reach).
    pub has_users: Vec<bool>,
    /// Per green agent standing for many users: for each activity (scan, login, file, web)
    /// with a probability strictly between 0 and 1, the tables that count this tick's
    /// actors in a few draws (`rules::green`).
    pub green_draws: Vec<[Option<Box<UserDraw>>; 4]>,
    /// Per host: the subnets a credential dump there gives accounts for
    /// ([`Scenario::dumped_subnets`]; empty unless the scenario enables techniques).
    pub dumped_subnets: Vec<Vec<SubnetId>>,
}

/// Largest power of two a green agent's user count may hold: `MAX_GREEN_USERS < 2^20`.
pub const USER_LEVELS: usize = 21;

/// How many of a block of users act this tick, without a draw per user: for blocks of
/// `2^j` users, the chance that none acts (`(1 - p)^(2^j)`), and the chance that, given that
/// some act, some of the first half do (`1 / (1 + (1 - p)^(2^(j-1)))`). Integer thresholds,
/// so every machine counts alike.
#[derive(Debug)]
pub struct UserDraw {
    pub none: [Probability; USER_LEVELS],
    pub left: [Probability; USER_LEVELS],
}

impl UserDraw {
    pub fn new(p: Probability) -> UserDraw {
        let mut none = [Probability::ZERO; USER_LEVELS];
        let mut left = [Probability::ZERO; USER_LEVELS];
        none[0] = p.complement();
        for j in 1..USER_LEVELS {
            none[j] = none[j - 1].times(none[j - 1]);
        }
        for j in 0..USER_LEVELS {
            left[j] = none[j].one_over_one_plus();
        }
        UserDraw { none, left }
    }
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
        let mut sensor_at = Vec::with_capacity(s.hosts.len() + 1);
        let mut sensor_list = Vec::new();
        let mut next = vec![0usize; s.sensors.len()];
        for x in 0..s.hosts.len() as HostId {
            sensor_at.push(sensor_list.len() as u32);
            for (k, sensor) in s.sensors.iter().enumerate() {
                // Each list is ascending, so one cursor per sensor walks it once.
                if sensor.hosts.get(next[k]) == Some(&x) {
                    sensor_list.push(k as u8);
                    next[k] += 1;
                }
            }
        }
        sensor_at.push(sensor_list.len() as u32);
        let mut blue_cost = [0; BlueKind::COUNT];
        let mut blue_duration = [1; BlueKind::COUNT];
        for (k, c) in s.blue.costs.iter().enumerate() {
            blue_cost[k] = c.cost;
            blue_duration[k] = c.duration;
        }
        for t in &s.blue.tools {
            blue_cost[t.kind as usize] = t.cost.cost;
            blue_duration[t.kind as usize] = t.cost.duration;
        }
        let mut red_cost = [0; RedKind::COUNT];
        let mut red_duration = [1; RedKind::COUNT];
        let mut red_success = [Probability::ONE; RedKind::COUNT];
        let mut red_detection = [Probability::ONE; RedKind::COUNT];
        for (k, c) in s.red.costs.iter().enumerate() {
            red_cost[k] = c.cost;
            red_duration[k] = c.duration;
        }
        for t in &s.red.techniques {
            let k = t.kind as usize;
            red_cost[k] = t.cost.cost;
            red_duration[k] = t.cost.duration;
            red_success[k] = t.success;
            red_detection[k] = t.detection;
        }
        let mut signature_factor = [Probability::ONE; MAX_TOOL_VARIANTS + 1];
        if let Some(t) = s
            .red
            .techniques
            .iter()
            .find(|t| t.kind == RedKind::Obfuscation)
        {
            for v in 1..=MAX_TOOL_VARIANTS {
                signature_factor[v] = signature_factor[v - 1].times(t.evasion.complement());
            }
        }
        let mut has_users = vec![false; s.hosts.len()];
        for g in &s.green {
            for &x in &g.hosts {
                has_users[x as usize] = true;
            }
        }
        let green_draws = s
            .green
            .iter()
            .map(|g| {
                [g.scan, g.login, g.file, g.web].map(|p| {
                    (g.users > 1 && !p.is_never() && !p.is_certain())
                        .then(|| Box::new(UserDraw::new(p)))
                })
            })
            .collect();
        let dumped_subnets = if s.red.techniques.is_empty() {
            Vec::new()
        } else {
            (0..s.hosts.len()).map(|x| s.dumped_subnets(x)).collect()
        };
        Static {
            dumped_subnets,
            green_draws,
            layout,
            sensor_at,
            sensor_list,
            image_ports,
            image_listens,
            base_sessions,
            launch_subnet: s.hosts[s.red.entry[0] as usize].subnet,
            exploit_order,
            blue_cost,
            blue_duration,
            red_cost,
            red_duration,
            red_success,
            red_detection,
            signature_factor,
            has_users,
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
    /// Exploits tried (a service to try it on was known), by exploit id.
    #[serde(default)]
    pub exploits_tried: Vec<u32>,
    /// Alerts raised by red's activity (true positives) and by benign users' (false).
    #[serde(default)]
    pub alerts_true: u32,
    #[serde(default)]
    pub alerts_false: u32,
    /// Red's activities that some sensor could see (one per host and kind), and how many
    /// of them raised at least one alert.
    #[serde(default)]
    pub red_activity: u32,
    #[serde(default)]
    pub red_activity_detected: u32,
    /// Blue's actions with each tool beyond CAGE-2's, in [`BlueKind::tools`] order (empty
    /// when the scenario gives none).
    #[serde(default)]
    pub blue_tools: Vec<u32>,
    /// Red's actions of each technique beyond CAGE-2's, in [`RedKind::techniques`] order
    /// (empty in summaries written before techniques existed: read as zeros).
    #[serde(default)]
    pub red_techniques: Vec<u32>,
    /// Value of the data red exfiltrated (tenths) and the hosts ransomware encrypted.
    #[serde(default)]
    pub data_exfiltrated: i64,
    #[serde(default)]
    pub hosts_encrypted: u32,
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
    /// The slot plays an episode (false once past `limit`).
    pub active: Vec<bool>,
    /// Ticks elapsed in the slot's episode.
    pub tick: Vec<u32>,
    /// The slot's episode id (its random streams).
    pub episode: Vec<u64>,
    /// Red's and green's random streams for the episode.
    pub rng_red: Vec<Stream>,
    pub rng_green: Vec<Stream>,
    /// The sensors' random stream for the episode.
    pub rng_sensors: Vec<Stream>,
    /// Each side's actions in flight and what became of this tick's inputs.
    pub turns: Turns,
    /// This tick's rewards and costs (tenths).
    pub step: StepReward,
    /// The episode ended this tick.
    pub done: Vec<bool>,
    /// The episode's trace hash so far (every event folded in).
    pub hash: Vec<u64>,
    /// The episode's running totals.
    pub ledger: Vec<Ledger>,
    /// Per env × exploit: exploits tried and exploits that gave a session this episode (kept
    /// apart from the ledger, which every tick touches, so it stays small).
    pub exploit_tries: Vec<u32>,
    pub exploit_wins: Vec<u32>,

    // per environment × host (index `e * h + x`)
    /// Red's sessions on each host.
    pub sessions: Sessions,
    /// Host state bits (`F_*`): red's file on disk, the critical service running and
    /// linked, ever compromised, ever privileged.
    pub host_flags: Vec<u8>,
    /// What red knows.
    pub knowledge: RedKnowledge,
    /// Blue's compromise estimate per host: 0 none, 1 unknown, 2 user, 3 privileged.
    pub belief: Vec<u8>,
    /// This tick's activity, as the sensors see it.
    pub activity: Activity,
    /// When and how red first took each host (ground truth).
    pub truth: TruthLog,
    /// Decoys placed, per env × host × decoy kind.
    pub decoys: Vec<u8>,
    /// What the scenario's sensors raised (empty when it has none).
    pub alerts: Alerts,
    /// What red's techniques beyond CAGE-2's have won (empty when it enables none).
    pub intrusion: Intrusion,
    /// What blue's tools beyond CAGE-2's have done (empty when it gives none).
    pub defences: Defences,

    /// Per-environment event log of the current episode (only when recording).
    pub log: Vec<Vec<Event>>,
    /// Per-environment (blue, red) inputs of the current episode (only when recording); red's
    /// is its first input of each tick.
    pub inputs_log: Vec<Vec<(u32, u32)>>,
    /// Red's further inputs of each tick, when it acts more than once a tick
    /// (`red_actions_per_tick − 1` per tick, only when recording).
    pub red_more_log: Vec<Vec<u32>>,
    /// Episodes finished since the caller last drained them.
    pub finished: Vec<Finished>,
}

/// Per environment: each side's action in flight, `(action, completes at tick)` (`NONE`:
/// idle); what became of this tick's inputs (`layout::status` bits); red's last result
/// (`RED_*`, part of its observation); the blue action completed this tick and the host a
/// completed Analyse found red's file on (`NONE`: none), which the sensors read.
pub struct Turns {
    pub blue_pending: Vec<(u32, u32)>,
    pub red_pending: Vec<(u32, u32)>,
    pub blue_status: Vec<u8>,
    pub red_status: Vec<u8>,
    pub red_result: Vec<u8>,
    pub blue_done: Vec<u32>,
    pub analyse_hit: Vec<u32>,
    /// Red's action being applied this tick (the cause of the activity it leaves).
    pub red_acting: Vec<u32>,
    /// That action is a technique beyond CAGE-2's (its own event carries what the sensors see).
    pub red_technique: Vec<bool>,
}

/// Per environment, this tick's blue action cost, and blue's and red's rewards (tenths; red's
/// own action costs and penalties accumulate in `red` until the reward stage).
pub struct StepReward {
    pub cost: Vec<i32>,
    pub blue: Vec<i32>,
    pub red: Vec<i32>,
}

/// Red's sessions per env × host, by kind: privileged (root/SYSTEM; an entry host's
/// permanent foothold counts as one), removable user sessions (blue's Remove kills them) and
/// persistent user sessions (only a Restore ends them).
pub struct Sessions {
    pub privileged: Vec<u8>,
    pub removable: Vec<u8>,
    pub persistent: Vec<u8>,
}

/// What red knows: per env × host, knowledge bits (`K_IP`, `K_PORTS`, `K_NAME`, `K_IMPACT`)
/// and the listening ports its last scan saw; per env × subnet, whether it knows the subnet.
pub struct RedKnowledge {
    pub hosts: Vec<u8>,
    pub ports: Vec<u64>,
    pub subnets: Vec<bool>,
}

/// This tick's activity per env × host, as host sensors see it (CAGE-2 §5): connection and
/// process entries, the local ports they used, flags (`EV_*`); and per environment the hosts
/// touched this tick (`touched[e * h..][..touched_len[e]]`), so clearing is proportional to
/// what happened.
pub struct Activity {
    pub entries: Vec<u16>,
    pub ports: Vec<u64>,
    pub flags: Vec<u8>,
    pub touched: Vec<u32>,
    pub touched_len: Vec<u32>,
}

/// The sensors' state. Red's activity of this tick waits in `pending` (per environment,
/// `pending[e * cap..][..pending_len[e]]`: the events red's action emitted that a sensor might
/// see, with their cause words) until the sensors stage turns it into alerts.
/// Alert counts per env × host × [`AlertKind`] (index `(e * h + x) * 6 + kind`): raised this
/// tick (`now`), in each of the last `window` ticks (`ring`: per env, `window` slots of those
/// counts, slot `tick % window`), and their sum (`recent`), which blue observes.
pub struct Alerts {
    /// The scenario has sensors (all else is empty when not).
    pub on: bool,
    pub window: usize,
    pub cap: usize,
    pub pending: Vec<(Event, u32)>,
    pub pending_len: Vec<u32>,
    pub now: Vec<u8>,
    pub ring: Vec<u8>,
    pub recent: Vec<u16>,
}

/// The footholds red's techniques beyond CAGE-2's leave (all empty when the scenario enables
/// none): per env × subnet, valid accounts red holds (credential dumping); per env × host,
/// red's command-and-control channel (`CHANNEL_*`), data already exfiltrated, data encrypted
/// by ransomware, a persistence task planted.
pub struct Intrusion {
    pub on: bool,
    pub credentials: Vec<bool>,
    pub channel: Vec<u8>,
    pub exfiltrated: Vec<bool>,
    pub encrypted: Vec<bool>,
    pub persistence: Vec<bool>,
    /// Per env: tool variants red has built (obfuscation), at most
    /// [`MAX_TOOL_VARIANTS`](crate::model::MAX_TOOL_VARIANTS).
    pub variants: Vec<u8>,
}

/// What blue's tools leave, per env × host (all empty when the scenario gives none): hosts
/// cut off the network (until a Restore) and hosts patched (for the episode).
pub struct Defences {
    pub on: bool,
    pub isolated: Vec<bool>,
    pub patched: Vec<bool>,
    /// Per env × subnet: blue blocks traffic between the zone and the others.
    pub blocked: Vec<bool>,
    /// Subnets per environment (the stride of `blocked`).
    pub subnets: usize,
}

impl Defences {
    fn new(s: &Scenario, n: usize) -> Defences {
        let on = !s.blue.tools.is_empty();
        let nh = if on { n * s.hosts.len() } else { 0 };
        let subnets = s.subnets.len();
        Defences {
            on,
            isolated: vec![false; nh],
            patched: vec![false; nh],
            blocked: vec![false; if on { n * subnets } else { 0 }],
            subnets,
        }
    }

    fn reset(&mut self, e: usize, h: usize) {
        if self.on {
            self.isolated[e * h..(e + 1) * h].fill(false);
            self.patched[e * h..(e + 1) * h].fill(false);
            self.blocked[e * self.subnets..(e + 1) * self.subnets].fill(false);
        }
    }

    /// Whether host `i` (env × host) is cut off the network.
    #[inline]
    pub fn cut_off(&self, i: usize) -> bool {
        self.on && self.isolated[i]
    }

    /// Whether blue blocks traffic between zone `subnet` and the others in env `e`.
    #[inline]
    pub fn zone_blocked(&self, e: usize, subnet: usize) -> bool {
        self.on && self.blocked[e * self.subnets + subnet]
    }
}

/// Red's command-and-control channel on a host.
pub const CHANNEL_NONE: u8 = 0;
pub const CHANNEL_PLAIN: u8 = 1;
pub const CHANNEL_ENCRYPTED: u8 = 2;

impl Intrusion {
    fn new(s: &Scenario, n: usize) -> Intrusion {
        let on = !s.red.techniques.is_empty();
        let nh = if on { n * s.hosts.len() } else { 0 };
        Intrusion {
            on,
            credentials: vec![false; if on { n * s.subnets.len() } else { 0 }],
            channel: vec![CHANNEL_NONE; nh],
            exfiltrated: vec![false; nh],
            encrypted: vec![false; nh],
            persistence: vec![false; nh],
            variants: vec![0; if on { n } else { 0 }],
        }
    }

    fn reset(&mut self, e: usize, h: usize, subnets: usize) {
        if !self.on {
            return;
        }
        self.credentials[e * subnets..(e + 1) * subnets].fill(false);
        let r = e * h..(e + 1) * h;
        self.channel[r.clone()].fill(CHANNEL_NONE);
        self.exfiltrated[r.clone()].fill(false);
        self.encrypted[r.clone()].fill(false);
        self.persistence[r].fill(false);
        self.variants[e] = 0;
    }

    /// Whether ransomware encrypted host `i` (env × host).
    #[inline]
    pub fn encrypted(&self, i: usize) -> bool {
        self.on && self.encrypted[i]
    }

    /// Blue's Restore reimages host `i` (env × host): the channel, the encryption and the
    /// planted task go; stolen data and dumped credentials stay stolen.
    pub(crate) fn restore(&mut self, i: usize) {
        if self.on {
            self.channel[i] = CHANNEL_NONE;
            self.encrypted[i] = false;
            self.persistence[i] = false;
        }
    }
}

/// Ground truth per env × host (`NONE`: never): the tick red first held a session, the
/// exploit that gave it, the tick red first held it privileged.
pub struct TruthLog {
    pub compromised_at: Vec<u32>,
    pub via: Vec<u32>,
    pub privileged_at: Vec<u32>,
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
    pub blue_actions: [u32; BlueKind::COUNT],
    pub red_actions: [u32; RedKind::COUNT],
    pub red_invalid: u32,
    /// One-off losses waiting for this tick's reward (tenths): data exfiltrated
    /// (confidentiality) and data encrypted (availability).
    pub pending_conf: i32,
    pub pending_avail: i32,
    pub data_exfiltrated: i64,
    pub hosts_encrypted: u32,
    pub alerts_true: u32,
    pub alerts_false: u32,
    pub red_activity: u32,
    pub red_activity_detected: u32,
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
            blue_actions: [0; BlueKind::COUNT],
            red_actions: [0; RedKind::COUNT],
            red_invalid: 0,
            pending_conf: 0,
            pending_avail: 0,
            data_exfiltrated: 0,
            hosts_encrypted: 0,
            alerts_true: 0,
            alerts_false: 0,
            red_activity: 0,
            red_activity_detected: 0,
        }
    }
}

/// A finished episode: its summary and, when recording, its events and inputs.
#[derive(Clone, Debug)]
pub struct Finished {
    pub env: usize,
    pub summary: EpisodeSummary,
    pub events: Vec<Event>,
    /// Each tick's (blue, red) inputs; red's is its first of the tick.
    pub inputs: Vec<(u32, u32)>,
    /// Red's further inputs of each tick, tick by tick (`red_actions_per_tick − 1` per tick;
    /// empty when red acts once a tick).
    pub red_more: Vec<u32>,
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
            rng_sensors: (0..n as u64)
                .map(|i| Stream::new(seed, Purpose::SimSensors, first + i))
                .collect(),
            turns: Turns {
                red_result: vec![RED_UNKNOWN; n],
                blue_pending: vec![(NONE, 0); n],
                red_pending: vec![(NONE, 0); n],
                blue_done: vec![NONE; n],
                blue_status: vec![0; n],
                red_status: vec![0; n],
                analyse_hit: vec![NONE; n],
                red_acting: vec![NONE; n],
                red_technique: vec![false; n],
            },
            step: StepReward {
                cost: vec![0; n],
                blue: vec![0; n],
                red: vec![0; n],
            },
            done: vec![false; n],
            hash: vec![0; n],
            ledger: vec![Ledger::default(); n],
            exploit_tries: vec![0; n * s.exploits.len()],
            exploit_wins: vec![0; n * s.exploits.len()],
            sessions: Sessions {
                privileged: vec![0; nh],
                removable: vec![0; nh],
                persistent: vec![0; nh],
            },
            host_flags: vec![0; nh],
            knowledge: RedKnowledge {
                hosts: vec![0; nh],
                ports: vec![0; nh],
                subnets: vec![false; n * s.subnets.len()],
            },
            belief: vec![0; nh],
            activity: Activity {
                entries: vec![0; nh],
                ports: vec![0; nh],
                flags: vec![0; nh],
                touched: vec![0; nh],
                touched_len: vec![0; n],
            },
            truth: TruthLog {
                compromised_at: vec![NONE; nh],
                via: vec![NONE; nh],
                privileged_at: vec![NONE; nh],
            },
            decoys: vec![0; nh * k],
            alerts: Alerts::new(s, n),
            intrusion: Intrusion::new(s, n),
            defences: Defences::new(s, n),
            log: vec![Vec::new(); if record { n } else { 0 }],
            inputs_log: vec![Vec::new(); if record { n } else { 0 }],
            red_more_log: vec![Vec::new(); if record { n } else { 0 }],
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
        self.rng_sensors[e].restart(episode);
        self.alerts.reset(e, h);
        self.intrusion.reset(e, h, s.subnets.len());
        self.defences.reset(e, h);
        self.turns.red_result[e] = RED_UNKNOWN;
        self.turns.blue_pending[e] = (NONE, 0);
        self.turns.red_pending[e] = (NONE, 0);
        self.turns.blue_done[e] = NONE;
        self.turns.blue_status[e] = 0;
        self.turns.red_status[e] = 0;
        self.turns.analyse_hit[e] = NONE;
        self.turns.red_acting[e] = NONE;
        self.turns.red_technique[e] = false;
        self.step.cost[e] = 0;
        self.hash[e] = hash_init(episode);
        self.ledger[e] = Ledger::default();
        let ne = s.exploits.len();
        self.exploit_tries[e * ne..(e + 1) * ne].fill(0);
        self.exploit_wins[e * ne..(e + 1) * ne].fill(0);
        self.activity.touched_len[e] = 0;
        let r = e * h..(e + 1) * h;
        self.sessions.privileged[r.clone()].copy_from_slice(&st.base_sessions);
        self.sessions.removable[r.clone()].fill(0);
        self.sessions.persistent[r.clone()].fill(0);
        self.knowledge.hosts[r.clone()].fill(0);
        self.knowledge.ports[r.clone()].fill(0);
        self.belief[r.clone()].fill(0);
        self.activity.entries[r.clone()].fill(0);
        self.activity.ports[r.clone()].fill(0);
        self.activity.flags[r.clone()].fill(0);
        self.truth.compromised_at[r.clone()].fill(NONE);
        self.truth.via[r.clone()].fill(NONE);
        self.truth.privileged_at[r.clone()].fill(NONE);
        for (i, host) in s.hosts.iter().enumerate() {
            self.host_flags[e * h + i] = if host.critical_service {
                F_CRIT_RUNNING | F_CRIT_LINKED
            } else {
                0
            };
        }
        self.decoys[e * h * k..(e + 1) * h * k].fill(0);
        let ns = s.subnets.len();
        self.knowledge.subnets[e * ns..(e + 1) * ns].fill(false);
        for &x in &s.red.entry {
            self.knowledge.hosts[e * h + x as usize] = K_IP | K_NAME;
            self.knowledge.subnets[e * ns + s.hosts[x as usize].subnet as usize] = true;
        }
        for &x in &s.red.known_subnets {
            self.knowledge.subnets[e * ns + x as usize] = true;
        }
        for &x in &s.red.known_hosts {
            self.knowledge.hosts[e * h + x as usize] |= K_IP;
        }
        if self.record {
            self.log[e].clear();
            self.inputs_log[e].clear();
            self.red_more_log[e].clear();
        }
    }

    #[inline]
    pub(crate) fn emit(&mut self, e: usize, kind: EventKind, host: u32, a: u32, b: u32) {
        let ev = Event {
            tick: self.tick[e],
            kind,
            host,
            a,
            b,
        };
        self.hash[e] = hash_event(self.hash[e], &ev);
        if self.alerts.on {
            self.sense(e, ev);
        }
        if self.record {
            self.log[e].push(ev);
        }
    }

    #[inline]
    pub(crate) fn sessions(&self, i: usize) -> u32 {
        self.sessions.privileged[i] as u32
            + self.sessions.removable[i] as u32
            + self.sessions.persistent[i] as u32
    }
}

impl Alerts {
    fn new(s: &Scenario, n: usize) -> Alerts {
        let on = !s.sensors.is_empty();
        let per = if on {
            n * s.hosts.len() * AlertKind::COUNT
        } else {
            0
        };
        let window = s.alert_window.max(1) as usize;
        // Red's one action a tick leaves at most two sensed events (an exploit and its
        // call-back); benign work is judged as it happens and never waits here.
        let cap = if on { 4 } else { 0 };
        Alerts {
            on,
            window,
            cap,
            // Placeholders: only `pending_len` entries are ever read.
            pending: vec![(Event::default(), 0); n * cap],
            pending_len: vec![0; if on { n } else { 0 }],
            now: vec![0; per],
            ring: vec![0; per * if on { window } else { 0 }],
            recent: vec![0; per],
        }
    }

    fn reset(&mut self, e: usize, h: usize) {
        if !self.on {
            return;
        }
        let k = AlertKind::COUNT;
        self.pending_len[e] = 0;
        self.now[e * h * k..(e + 1) * h * k].fill(0);
        self.recent[e * h * k..(e + 1) * h * k].fill(0);
        let w = self.window;
        self.ring[e * h * k * w..(e + 1) * h * k * w].fill(0);
    }
}
