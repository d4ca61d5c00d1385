//! Benign users and imperfect sensors: alerts appear at the rates the scenario sets, every
//! alert's ground-truth label names exactly what caused it, blue observes the counts, and the
//! sensors never change what red or green do.

mod common;

use std::collections::BTreeMap;
use std::sync::Arc;

use common::Match;
use mirrorlab_agents::play::Arena;
use mirrorlab_agents::red_agent;
use mirrorlab_sim::layout::RedAction;
use mirrorlab_sim::model::{AlertKind, RedKind, Scenario};
use mirrorlab_sim::trace::{Alert, AlertCause, Event, EventKind};
use mirrorlab_sim::{Sim, SimConfig};

fn enterprise() -> Arc<Scenario> {
    Arc::new(
        mirrorlab_scenarios::load("enterprise")
            .expect("enterprise loads")
            .scenario,
    )
}

fn compile(text: &str) -> Arc<Scenario> {
    match mirrorlab_scenarios::load_bytes("test.toml", text.as_bytes()) {
        Ok(l) => Arc::new(l.scenario),
        Err(d) => panic!("{d:?}"),
    }
}

/// Events of one episode by tick.
fn by_tick(events: &[Event]) -> BTreeMap<u32, Vec<Event>> {
    let mut m: BTreeMap<u32, Vec<Event>> = BTreeMap::new();
    for e in events {
        m.entry(e.tick).or_default().push(*e);
    }
    m
}

#[test]
fn every_alert_is_labelled_with_exactly_what_caused_it() {
    let s = enterprise();
    let layout = mirrorlab_sim::layout::Layout::new(&s);
    let f = Match {
        scenario: &s,
        red: "adaptive",
        blue: "react-restore",
        episodes: 12,
        seed: 3,
        steps: 100,
        batch: 4,
        threads: 1,
        record: true,
    }
    .play();
    let (mut malicious, mut benign) = (0u32, 0u32);
    for x in &f {
        let (mut t, mut b) = (0, 0);
        for (tick, evs) in by_tick(&x.events) {
            for ev in evs.iter().filter(|e| e.kind == EventKind::Alert) {
                let a = Alert::decode(ev).expect("a well-formed alert");
                let sensor = &s.sensors[a.sensor as usize];
                assert!(
                    sensor.hosts.contains(&a.host),
                    "{a:?}: the sensor watches the host"
                );
                assert_ne!(
                    sensor.detects & a.kind.bit(),
                    0,
                    "{a:?}: the sensor sees the kind"
                );
                match a.cause {
                    AlertCause::Red { action, exploit } => {
                        t += 1;
                        // Red's one action of the tick, taken and valid.
                        let acted = evs
                            .iter()
                            .any(|e| e.kind == EventKind::RedAction && e.a == action && e.b != 3);
                        assert!(acted, "tick {tick}: {a:?} names no action red took");
                        let act = layout.decode_red(action).unwrap();
                        let (on_target, kinds): (bool, &[AlertKind]) = match act {
                            RedAction::DiscoverSystems(sn) => (
                                s.subnets[sn as usize].hosts.contains(&a.host),
                                &[AlertKind::Scan],
                            ),
                            RedAction::DiscoverServices(x) => (x == a.host, &[AlertKind::Scan]),
                            RedAction::Exploit(x) => (
                                x == a.host,
                                &[AlertKind::Connection, AlertKind::Login, AlertKind::Process],
                            ),
                            RedAction::Escalate(x) => (x == a.host, &[AlertKind::Process]),
                            RedAction::Impact(x) => (x == a.host, &[AlertKind::Service]),
                            RedAction::Technique(k, x) => (
                                x == a.host,
                                std::slice::from_ref(match k {
                                    RedKind::LateralMovement => &AlertKind::Login,
                                    RedKind::CommandAndControl
                                    | RedKind::EncryptedChannel
                                    | RedKind::Exfiltration => &AlertKind::Connection,
                                    RedKind::Ransomware => &AlertKind::File,
                                    _ => &AlertKind::Process,
                                }),
                            ),
                            RedAction::Sleep => (false, &[]),
                        };
                        assert!(on_target, "tick {tick}: {a:?} is not where {act:?} acted");
                        assert!(kinds.contains(&a.kind), "tick {tick}: {a:?} from {act:?}");
                        let tried = evs.iter().find(|e| e.kind == EventKind::Exploit);
                        assert_eq!(
                            exploit,
                            tried.map(|e| e.a),
                            "tick {tick}: the exploit behind {a:?}"
                        );
                    }
                    AlertCause::Benign { green } => {
                        b += 1;
                        let worked = evs.iter().any(|e| {
                            e.host == a.host
                                && e.a == green
                                && match e.kind {
                                    EventKind::GreenScan => a.kind == AlertKind::Scan,
                                    EventKind::GreenWork => e.b == a.kind as u32,
                                    _ => false,
                                }
                        });
                        assert!(worked, "tick {tick}: {a:?} names no work of that user");
                    }
                }
            }
        }
        assert_eq!(x.summary.alerts_true, t);
        assert_eq!(x.summary.alerts_false, b);
        malicious += t;
        benign += b;
    }
    assert!(malicious > 100 && benign > 100, "{malicious} / {benign}");
}

/// A tiny network: red's foothold and two hosts; one user logs in to `H1` every tick; one
/// host sensor on both hosts.
const TINY: &str = r#"
format = "mirrorlab-scenario"
version = 1
[scenario]
name = "tiny-sensors"
episode_length = 50
[[subnet]]
name = "lan"
[[host]]
name = "Red0"
subnet = "lan"
os = "linux"
[[host]]
name = "H1"
subnet = "lan"
os = "linux"
brute_force_account = "pi"
reveals = ["H2"]
services = [{ name = "sshd", port = 22, type = "ssh", user = "root" }, { name = "web", port = 80, type = "web", user = "www" }]
[[host]]
name = "H2"
subnet = "lan"
os = "linux"
services = [{ name = "web", port = 80, type = "web", user = "www" }, { name = "svc", user = "root", critical = true }]
availability = 1.0
[[exploit]]
name = "RFI"
attack = "T1190"
kind = "reverse_shell"
port = 80
service = "web"
weight = 1
[red]
entry = ["Red0"]
impact_goals = ["H2"]
[[green]]
name = "user"
hosts = ["H1"]
login_probability = 1.0
[[sensor]]
name = "edr"
kind = "host"
hosts = ["H1", "H2"]
true_positive_rate = 0.7
false_positive_rate = 0.2
"#;

#[test]
fn alerts_appear_at_the_configured_rates() {
    let s = compile(TINY);
    let episodes = 1000u64;
    let f = common::play(&s, "meander", "sleep", episodes, 11, 50);
    let benign = episodes as f64 * 50.0; // one login a tick
    let false_alerts: u32 = f.iter().map(|x| x.summary.alerts_false).sum();
    let sd = (benign * 0.2 * 0.8).sqrt();
    assert!(
        (false_alerts as f64 - 0.2 * benign).abs() < 5.0 * sd,
        "{false_alerts} false alerts of {benign} logins (expected 20%)"
    );
    // One sensor watches each activity, so the share detected is its true-positive rate.
    let act: u32 = f.iter().map(|x| x.summary.red_activity).sum();
    let det: u32 = f.iter().map(|x| x.summary.red_activity_detected).sum();
    let alerts_true: u32 = f.iter().map(|x| x.summary.alerts_true).sum();
    assert_eq!(
        det, alerts_true,
        "one sensor: one alert per detected activity"
    );
    assert!(
        act > 3000,
        "red left too little activity to measure ({act})"
    );
    let sd = (act as f64 * 0.7 * 0.3).sqrt();
    assert!(
        (det as f64 - 0.7 * act as f64).abs() < 5.0 * sd,
        "{det} of {act} detected (expected 70%)"
    );
}

#[test]
fn a_sensor_that_never_fires_raises_nothing_and_a_certain_one_sees_all() {
    for (tp, fp) in [(0.0, 0.0), (1.0, 1.0)] {
        let text = TINY
            .replace(
                "true_positive_rate = 0.7",
                &format!("true_positive_rate = {tp}"),
            )
            .replace(
                "false_positive_rate = 0.2",
                &format!("false_positive_rate = {fp}"),
            );
        let s = compile(&text);
        let f = common::play(&s, "meander", "sleep", 20, 1, 50);
        for x in &f {
            let e = &x.summary;
            if tp == 0.0 {
                assert_eq!(
                    (e.alerts_true, e.alerts_false, e.red_activity_detected),
                    (0, 0, 0)
                );
            } else {
                assert_eq!(e.alerts_false, 50, "every login");
                assert_eq!(e.red_activity_detected, e.red_activity);
            }
            assert!(e.red_activity > 0);
        }
    }
}

#[test]
fn blue_observes_alert_counts_this_tick_and_over_the_window() {
    let s = enterprise();
    let mut cfg = SimConfig::new(1, 9);
    cfg.record = true;
    let sim = Sim::new(s.clone(), &cfg).unwrap();
    let red = red_agent("adaptive", &s, 1, 9).unwrap();
    let blue = mirrorlab_agents::blue_agent("sleep", &s, 1, 9).unwrap();
    let mut arena = Arena::new(sim, red, blue).unwrap();
    let l = arena.sim.layout().clone();
    let (k, w) = (AlertKind::COUNT, s.alert_window);
    assert_eq!(l.blue_alert_values, 2 * k);
    assert_eq!(l.blue_obs, (4 + 2 * k) * s.hosts.len() + 2);
    let mut seen = 0;
    for _ in 0..s.episode_length - 1 {
        arena.step().unwrap();
        let tick = arena.sim.tick(0);
        let events = arena.sim.events(0);
        for x in 0..s.hosts.len() {
            let row = &arena.buf.blue_obs[l.blue_alert_counts(x)..][..2 * k];
            for kind in AlertKind::ALL {
                let count = |from: u32| {
                    events
                        .iter()
                        .filter(|e| (from..=tick).contains(&e.tick))
                        .filter_map(Alert::decode)
                        .filter(|a| a.host == x as u32 && a.kind == kind)
                        .count() as f32
                };
                assert_eq!(
                    row[kind as usize],
                    count(tick),
                    "tick {tick} host {x} {kind:?}"
                );
                assert_eq!(
                    row[k + kind as usize],
                    count((tick + 1).saturating_sub(w)),
                    "tick {tick} host {x} {kind:?}, window"
                );
                seen += row[kind as usize] as u32;
            }
        }
    }
    assert!(seen > 20, "too few alerts to test ({seen})");
}

#[test]
fn sensors_never_change_what_red_and_green_do() {
    let with = enterprise();
    let mut without = (*with).clone();
    without.sensors.clear();
    let without = Arc::new(without);
    let play = |s: &Arc<Scenario>| {
        Match {
            scenario: s,
            red: "adaptive",
            blue: "react-restore",
            episodes: 6,
            seed: 4,
            steps: 100,
            batch: 3,
            threads: 1,
            record: true,
        }
        .play()
    };
    let (a, b) = (play(&with), play(&without));
    for (x, y) in a.iter().zip(&b) {
        let strip = |f: &mirrorlab_sim::Finished| -> Vec<Event> {
            f.events
                .iter()
                .filter(|e| e.kind != EventKind::Alert)
                .copied()
                .collect()
        };
        assert_eq!(strip(x), strip(y), "episode {}", x.summary.episode);
        assert_eq!(x.summary.blue_score, y.summary.blue_score);
        assert!(x.summary.alerts_true > 0 && y.summary.alerts_true == 0);
    }
}

#[test]
fn a_sensor_detecting_what_its_kind_cannot_see_is_refused_where_it_is_written() {
    let text = TINY.replace(
        "true_positive_rate = 0.7",
        "detects = [\"login\", \"scan\"]\ntrue_positive_rate = 0.7",
    );
    let d = mirrorlab_scenarios::load_bytes("bad.toml", text.as_bytes()).unwrap_err();
    let msg: Vec<String> = d.iter().map(|d| d.to_string()).collect();
    let line = text.lines().position(|l| l.starts_with("detects")).unwrap() + 1;
    assert!(
        msg.iter().any(|m| m.contains(&format!("bad.toml:{line}:"))
            && m.contains("sensor[0].detects[1]")
            && m.contains("only a network sensor sees")),
        "{msg:#?}"
    );
}

/// Every bundled scenario plays every pairing of scripted agents: a clear refusal (B_line
/// needs CAGE-2's shape) is allowed, a panic is not; what plays is deterministic.
#[test]
fn every_bundled_scenario_plays_every_scripted_pairing() {
    use mirrorlab_agents::Side;
    use mirrorlab_agents::play::{PlayConfig, play_all};
    let names = |side| {
        mirrorlab_agents::agents(side)
            .filter(|a| a.arg.is_none())
            .map(|a| a.name)
            .collect::<Vec<_>>()
    };
    let (reds, blues) = (names(Side::Red), names(Side::Blue));
    for (name, _, _) in mirrorlab_scenarios::BUNDLED {
        let s = Arc::new(mirrorlab_scenarios::load(name).unwrap().scenario);
        for red in &reds {
            for blue in &blues {
                let cfg = |threads| PlayConfig {
                    scenario: s.clone(),
                    red: red.to_string(),
                    blue: blue.to_string(),
                    episodes: 3,
                    seed: 2,
                    episode_length: Some(30),
                    batch: 2,
                    threads,
                    record: false,
                };
                match play_all(&cfg(1), &|_| {}) {
                    Ok(a) => {
                        let b = play_all(&cfg(2), &|_| {}).unwrap();
                        assert_eq!(
                            common::run_hash(&a),
                            common::run_hash(&b),
                            "{name} {red} {blue}"
                        );
                    }
                    Err(e) => {
                        let msg = e.to_string();
                        // B_line knows cage2's hosts only; extortion gets in by phishing;
                        // goal-directed reds need a goal (the lessons have none).
                        let refused = (s.red.goals.is_empty()
                            && msg.contains("names no impact goal"))
                            || (*red == "bline"
                                && msg.contains("meander and adaptive play any network"))
                            || ((*red == "extortion" || *red == "stealthy")
                                && s.red.technique(RedKind::Phishing).is_none()
                                && s.red.technique(RedKind::PhishingDeepfake).is_none()
                                && msg.contains("it gets in by phishing"));
                        assert!(refused, "{name}: {red} vs {blue}: {msg}");
                    }
                }
            }
        }
    }
}

/// The enterprise scenario's behaviour, alerts included, pinned (a change here must be
/// deliberate), and its replays reproduce.
#[test]
fn enterprise_golden_hash_and_replays() {
    common::assert_golden(
        "enterprise",
        "adaptive",
        "react-restore",
        "5c90992fea16d418",
    );
}

#[test]
fn a_generated_enterprise_network_has_users_and_sensors_at_work() {
    use mirrorlab_scenarios::generate::{Profile, network_with};
    let text = network_with(500, 3, Profile::Enterprise);
    let s = compile(&text);
    assert_eq!(s.sensors.len(), 3);
    let users: u32 = s.green.iter().map(|g| g.users).sum();
    assert!(users >= 290, "{users} users on 500 hosts");
    let f = common::play(&s, "meander", "react-restore", 2, 1, 100);
    for x in &f {
        assert!(
            x.summary.alerts_false > 0 && x.summary.alerts_true > 0,
            "{:?}",
            x.summary
        );
    }
    // The bare profile is the network alone, unchanged.
    let bare = compile(&network_with(500, 3, Profile::Cage));
    assert!(bare.sensors.is_empty() && bare.green.is_empty());
    assert_eq!(bare.hosts, s.hosts);
}
