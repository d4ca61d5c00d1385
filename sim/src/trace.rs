//! Per-step events, the trace hash, and the one-line-per-event text format.

use serde::{Deserialize, Serialize};

use crate::layout::Layout;
use crate::model::{AlertKind, Scenario};
use crate::rng::mix64;

/// What happened. Numeric values are part of the trace hash (the determinism contract).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[repr(u8)]
pub enum EventKind {
    /// Blue's action took effect. `a` = action index, `b` = success (0/1).
    BlueAction = 1,
    /// Red's action took effect. `a` = action index, `b` = 0 false, 1 true, 2 unknown, 3 invalid.
    RedAction = 2,
    /// An exploit was tried on `host`. `a` = exploit id, `b` = [`ExploitOutcome`].
    Exploit = 3,
    /// A reverse shell's call-back on `host`: `a` = 1 if blue's monitoring saw it.
    Callback = 4,
    /// Red escalated on `host`; `a` = 1 if a session was raised (a file written).
    Escalated = 5,
    /// Blue's Remove killed `a` red sessions on `host`.
    SessionsRemoved = 6,
    /// Blue restored `host`; red lost `a` sessions.
    Restored = 7,
    /// Red's Impact stopped the critical service on `host`.
    ServiceStopped = 8,
    /// Blue deployed decoy kind `a` on `host`.
    DecoyPlaced = 9,
    /// Green agent `a` port-scanned `host`.
    GreenScan = 10,
    /// The step's rewards, in tenths: `a` = blue (as i32), `b` = red (as i32).
    Reward = 11,
    /// Red swept subnet `host`, learning `a` addresses.
    Swept = 12,
    /// Red port-scanned `host`, finding `a` listening connections (0 if unroutable).
    Scanned = 13,
    /// A durative action started: `a` = action index, `b` = 0 blue / 1 red; `host` = ticks.
    Started = 14,
    /// Green user `a` worked on `host`: `b` = the [`crate::model::AlertKind`] of the work
    /// (login, file, connection for web traffic).
    GreenWork = 15,
    /// A sensor raised an alert about `host`: `a` = sensor index | alert kind << 8, `b` = the
    /// cause word (`engine::CAUSE_*`: benign and its green user, or red's action index and
    /// exploit). Ground truth: blue observes only counts.
    Alert = 16,
    /// A technique beyond CAGE-2's acted on `host`: `a` = its [`crate::model::RedKind`]
    /// index, `b` = [`TechniqueOutcome`].
    Technique = 17,
    /// Blue cut `host` off the network (its `isolate` tool).
    Isolated = 18,
    /// Blue's triage of `host` found `a`: 0 clean, 2 a user session, 3 a privileged one.
    Triaged = 19,
    /// Blue blocked (`a` = 1) or lifted the block on (`a` = 0) traffic between zone `host`
    /// (a subnet index) and the others (its `block_zone` tool).
    ZoneBlocked = 20,
}

/// Outcome of a technique ([`EventKind::Technique`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum TechniqueOutcome {
    /// The preconditions held but the draw failed (a user who did not take the lure).
    Failed = 0,
    /// It worked: a session, credentials, a channel, data stolen or encrypted, a task
    /// planted.
    Succeeded = 1,
    /// Persistence brought red's session back after blue's Remove.
    Returned = 2,
}

/// Outcome of an exploit attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum ExploitOutcome {
    /// No suitable service (or no route): nothing happened.
    NoTarget = 0,
    /// It hit a decoy.
    Decoy = 1,
    /// Red gained an unprivileged session.
    User = 2,
    /// Red gained a root/SYSTEM session.
    Privileged = 3,
    /// The service was found but the exploit failed.
    Failed = 4,
}

/// One event. `host` is a host id unless the kind says otherwise. (The default, a zero
/// reward at tick 0, is a placeholder for preallocated buffers.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub tick: u32,
    pub kind: EventKind,
    pub host: u32,
    pub a: u32,
    pub b: u32,
}

/// What caused an alert (its ground-truth label).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertCause {
    /// A benign user's work (a false positive): the green user's index.
    Benign { green: u32 },
    /// Red's action (a true positive): its flat action index and, for an exploit, which one.
    Red { action: u32, exploit: Option<u32> },
}

/// An [`EventKind::Alert`] event, decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Alert {
    pub host: u32,
    /// Index of the sensor in the scenario's sensors.
    pub sensor: u32,
    pub kind: AlertKind,
    pub cause: AlertCause,
}

impl Alert {
    /// `None` unless `e` is a well-formed alert event.
    pub fn decode(e: &Event) -> Option<Alert> {
        use crate::engine::{CAUSE_BENIGN, CAUSE_EXPLOIT_SHIFT, CAUSE_INDEX};
        if e.kind != EventKind::Alert {
            return None;
        }
        let cause = if e.b & CAUSE_BENIGN != 0 {
            AlertCause::Benign {
                green: e.b & CAUSE_INDEX,
            }
        } else {
            let x = (e.b & !CAUSE_BENIGN) >> CAUSE_EXPLOIT_SHIFT;
            AlertCause::Red {
                action: e.b & CAUSE_INDEX,
                exploit: x.checked_sub(1),
            }
        };
        Some(Alert {
            host: e.host,
            sensor: e.a & 0xff,
            kind: AlertKind::from_index(e.a >> 8)?,
            cause,
        })
    }

    /// Whether red caused it.
    pub fn malicious(&self) -> bool {
        matches!(self.cause, AlertCause::Red { .. })
    }

    /// ATT&CK technique of the red action behind it (an exploit's own), or `-` if benign.
    pub fn attack_id<'a>(&self, s: &'a Scenario, layout: &Layout) -> &'a str {
        match self.cause {
            AlertCause::Benign { .. } => "-",
            AlertCause::Red {
                exploit: Some(x), ..
            } => s
                .exploits
                .get(x as usize)
                .map_or("?", |x| x.attack_id.as_str()),
            AlertCause::Red { action, .. } => layout
                .decode_red(action)
                .map_or("?", |a| a.kind().attack_id()),
        }
    }
}

impl Default for Event {
    fn default() -> Event {
        Event {
            tick: 0,
            kind: EventKind::Reward,
            host: 0,
            a: 0,
            b: 0,
        }
    }
}

/// Initial trace-hash state of an episode.
pub fn hash_init(episode: u64) -> u64 {
    mix64(episode ^ 0x7472_6163_6568_6173) // "tracehas"
}

/// Folds one event into a running trace hash (order-sensitive, platform-independent).
#[inline]
pub fn hash_event(h: u64, e: &Event) -> u64 {
    let w0 = (e.tick as u64) | ((e.kind as u64) << 32);
    let w1 = (e.host as u64) | ((e.a as u64) << 32);
    let h = mix64(h.rotate_left(7) ^ w0);
    let h = mix64(h ^ w1);
    mix64(h ^ e.b as u64)
}

/// Combines per-episode hashes (in episode-id order) into one run hash.
pub fn combine_hashes(episodes: impl IntoIterator<Item = (u64, u64)>) -> u64 {
    let mut h = HashChain::new();
    for (id, eh) in episodes {
        h.add(id, eh);
    }
    h.value()
}

/// [`combine_hashes`] one episode at a time, in constant memory.
#[derive(Clone, Copy, Debug)]
pub struct HashChain(u64);

impl HashChain {
    pub fn new() -> HashChain {
        HashChain(0x6d69_7272_6f72_6c61)
    }
    /// Adds episode `id`'s trace hash (episodes in id order).
    pub fn add(&mut self, id: u64, episode_hash: u64) {
        self.0 = mix64(mix64(self.0.rotate_left(7) ^ id) ^ episode_hash);
    }
    pub fn value(&self) -> u64 {
        self.0
    }
}

impl Default for HashChain {
    fn default() -> HashChain {
        HashChain::new()
    }
}

/// The legend printed at the top of a text trace.
pub const LEGEND: &str = "\
# mirrorlab trace v1: one event per line
# <episode> <tick> <who> <event> <subject> [key=value ...]
#   subject: a host, a subnet, '-', or an action and its target (names hold no space or '=')
#   who:   BLUE | RED | GREEN | SENSOR | SIM
#   event: action      an agent's action took effect (ok=yes|no|unknown|invalid)
#          started     a durative action began (done after ticks=N)
#          exploit     red tried an exploit (result=no-target|decoy|user|privileged|failed)
#          callback    a reverse shell called back (seen=yes|no by blue's monitoring)
#          escalated   red raised a session to root/SYSTEM (file=yes) or already held one
#          removed     blue's Remove killed red sessions (sessions=N)
#          restored    blue restored a host from backup (red_sessions_lost=N)
#          stopped     red's Impact stopped the host's critical service
#          decoy       blue deployed a decoy (kind=NAME)
#          scan        a green user port-scanned a host
#          swept       red swept a subnet (found=N)
#          scanned     red port-scanned a host (connections=N, 0 if unroutable)
#          work        a green user worked on a host (kind=login|file|web)
#          alert       a sensor raised an alert (label=malicious by=red action=A target=T
#                      attack=ID, or label=benign by=green user=NAME)
#          isolated    blue cut a host off the network (its isolate tool)
#          triaged     blue triaged a host (found=clean|user|privileged)
#          zone        blue blocked a zone's traffic to the others or lifted the block
#                      (blocked=yes|no)
#          phishing, phishing_deepfake, credential_dumping, lateral_movement, c2,
#          c2_encrypted, exfiltration, ransomware, persistence, obfuscation
#                      a technique beyond CAGE-2's acted (attack=ID
#                      result=succeeded|failed|returned: a task brought a session back)
#          reward      the step's rewards (blue=R red=R)";

/// Formats one event as a trace line.
pub fn format_event(s: &Scenario, layout: &Layout, episode: u64, e: &Event) -> String {
    let host = |h: u32| {
        s.hosts
            .get(h as usize)
            .map(|x| x.name.as_str())
            .unwrap_or("?")
            .to_string()
    };
    let subnet = |sn: u32| {
        s.subnets
            .get(sn as usize)
            .map_or("?", |x| x.name.as_str())
            .to_string()
    };
    let green = |g: u32| s.green.get(g as usize).map_or("?", |g| g.name.as_str());
    let yes = |b: u32| if b != 0 { "yes" } else { "no" };
    let (who, what, subject, rest) = match e.kind {
        EventKind::BlueAction => (
            "BLUE",
            "action",
            layout.blue_name(s, e.a),
            format!("ok={}", yes(e.b)),
        ),
        EventKind::RedAction => {
            let ok = ["no", "yes", "unknown", "invalid"]
                .get(e.b as usize)
                .copied()
                .unwrap_or("?");
            ("RED", "action", layout.red_name(s, e.a), format!("ok={ok}"))
        }
        EventKind::Started => {
            let (who, name) = if e.b == 0 {
                ("BLUE", layout.blue_name(s, e.a))
            } else {
                ("RED", layout.red_name(s, e.a))
            };
            (who, "started", name, format!("ticks={}", e.host))
        }
        EventKind::Exploit => {
            let ex = s.exploits.get(e.a as usize);
            let result = ["no-target", "decoy", "user", "privileged", "failed"]
                .get(e.b as usize)
                .copied()
                .unwrap_or("?");
            let via = ex.map(|x| x.name.as_str()).unwrap_or("?");
            let att = ex.map(|x| x.attack_id.as_str()).unwrap_or("?");
            (
                "RED",
                "exploit",
                host(e.host),
                format!("via={via} attack={att} result={result}"),
            )
        }
        EventKind::Callback => (
            "RED",
            "callback",
            host(e.host),
            format!("seen={}", yes(e.a)),
        ),
        EventKind::Escalated => (
            "RED",
            "escalated",
            host(e.host),
            format!("file={}", yes(e.a)),
        ),
        EventKind::SessionsRemoved => {
            ("BLUE", "removed", host(e.host), format!("sessions={}", e.a))
        }
        EventKind::Restored => (
            "BLUE",
            "restored",
            host(e.host),
            format!("red_sessions_lost={}", e.a),
        ),
        EventKind::ServiceStopped => ("RED", "stopped", host(e.host), String::new()),
        EventKind::DecoyPlaced => {
            let k = s
                .decoys
                .get(e.a as usize)
                .map(|d| d.name.as_str())
                .unwrap_or("?");
            ("BLUE", "decoy", host(e.host), format!("kind={k}"))
        }
        EventKind::GreenScan => (
            "GREEN",
            "scan",
            host(e.host),
            format!("user={}", green(e.a)),
        ),
        EventKind::GreenWork => {
            let kind = AlertKind::from_index(e.b).map_or("?", green_work);
            (
                "GREEN",
                "work",
                host(e.host),
                format!("user={} kind={kind}", green(e.a)),
            )
        }
        EventKind::Alert => match Alert::decode(e) {
            None => ("SENSOR", "alert", host(e.host), "malformed".into()),
            Some(al) => {
                let sensor = s
                    .sensors
                    .get(al.sensor as usize)
                    .map_or("?", |x| x.name.as_str());
                let cause = match al.cause {
                    AlertCause::Benign { green: g } => {
                        format!("label=benign by=green user={}", green(g))
                    }
                    AlertCause::Red { action, .. } => {
                        let name = layout.red_name(s, action);
                        let (act, target) = name.split_once(' ').unwrap_or((&name, "-"));
                        format!(
                            "label=malicious by=red action={act} target={target} attack={}",
                            al.attack_id(s, layout)
                        )
                    }
                };
                (
                    "SENSOR",
                    "alert",
                    host(e.host),
                    format!("sensor={sensor} kind={} {cause}", al.kind.name()),
                )
            }
        },
        EventKind::Reward => (
            "SIM",
            "reward",
            String::from("-"),
            format!("blue={} red={}", tenths(e.a as i32), tenths(e.b as i32)),
        ),
        EventKind::Swept => ("RED", "swept", subnet(e.host), format!("found={}", e.a)),
        EventKind::Scanned => (
            "RED",
            "scanned",
            host(e.host),
            format!("connections={}", e.a),
        ),
        EventKind::Isolated => ("BLUE", "isolated", host(e.host), String::new()),
        EventKind::ZoneBlocked => (
            "BLUE",
            "zone",
            subnet(e.host),
            format!("blocked={}", yes(e.a)),
        ),
        EventKind::Triaged => (
            "BLUE",
            "triaged",
            host(e.host),
            format!(
                "found={}",
                match e.a {
                    3 => "privileged",
                    2 => "user",
                    _ => "clean",
                }
            ),
        ),
        EventKind::Technique => {
            let k = crate::model::RedKind::ALL.get(e.a as usize);
            let result = ["failed", "succeeded", "returned"]
                .get(e.b as usize)
                .copied()
                .unwrap_or("?");
            (
                "RED",
                k.map_or("technique", |k| k.name()),
                host(e.host),
                format!(
                    "attack={} result={result}",
                    k.map_or("?", |k| k.attack_id())
                ),
            )
        }
    };
    let mut line = format!("{episode} {} {who} {what} {subject}", e.tick);
    if !rest.is_empty() {
        line.push(' ');
        line.push_str(&rest);
    }
    line
}

/// Tenths as a decimal string ("-1.3").
pub fn tenths(t: i32) -> String {
    let sign = if t < 0 { "-" } else { "" };
    let a = t.unsigned_abs();
    format!("{sign}{}.{}", a / 10, a % 10)
}

/// The name of a green user's work that leaves activity of `kind`, as the scenario format
/// names it (`login_probability`, `file_probability`, `web_probability`): login, file, web
/// (web traffic is a connection to the sensors), scan.
pub fn green_work(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::Connection => "web",
        k => k.name(),
    }
}
