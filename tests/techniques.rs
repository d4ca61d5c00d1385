//! Beyond CAGE-2's actions: red's techniques (`[red.techniques]`) and blue's tools
//! (`[blue.tools]`): the action layouts they extend, each one's preconditions and effects in
//! the ground truth, the reward and the sensors, the detection factors measured over seeded
//! runs, and the scripted agents that use them.

mod common;

use std::sync::Arc;

use mirrorlab_sim::layout::{BlueAction, Layout, RedAction};
use mirrorlab_sim::model::{AlertKind, BlueKind, HostId, RedKind, Scenario};
use mirrorlab_sim::trace::{Alert, AlertCause, Event, EventKind, TechniqueOutcome};
use mirrorlab_sim::{Buffers, RedHold, Sim, SimConfig};

/// Five hosts; every technique enabled, certain, seen by certain sensors; every blue tool;
/// no confidentiality values, so the losses measured are the techniques' own.
const LAB: &str = r#"
format = "mirrorlab-scenario"
version = 1

[scenario]
name = "lab"
episode_length = 100

[[subnet]]
name = "internet"
kind = "external"

[[subnet]]
name = "office"
kind = "user"

[[subnet]]
name = "servers"
kind = "enterprise"

[[route]]
from = "internet"
to = "office"
via = "office"

[[route]]
from = "internet"
to = "servers"
via = "office"

[[host]]
name = "Attacker"
subnet = "internet"
os = "linux"

[[host]]
name = "WksA"
subnet = "office"
os = "windows"
availability = 1.0
reveals = ["Srv"]
data = [{ name = "documents", value = 2.0 }]

[[host]]
name = "WksB"
subnet = "office"
os = "windows"

[[host]]
name = "Kiosk"
subnet = "office"
os = "windows"

[[host]]
name = "Srv"
subnet = "servers"
os = "windows"
availability = 3.0
data = [{ name = "customers", value = 30.0 }]
services = [{ name = "smss", port = 445, type = "smb", user = "SYSTEM" }]

[[exploit]]
name = "EternalBlue"
attack = "T1210"
kind = "reverse_shell"
port = 445
service = "smb"
weight = 1

[red]
entry = ["Attacker"]
known_hosts = ["WksA", "WksB", "Kiosk"]

[red.techniques.phishing]
[red.techniques.phishing_deepfake]
[red.techniques.credential_dumping]
[red.techniques.lateral_movement]
[red.techniques.c2]
[red.techniques.c2_encrypted]
[red.techniques.exfiltration]
[red.techniques.ransomware]
[red.techniques.persistence]

[blue.tools.isolate]
[blue.tools.patch]
[blue.tools.reset_credentials]
[blue.tools.triage]
[blue.tools.block_zone]

[[green]]
name = "staff"
hosts = ["WksA", "WksB"]

[[sensor]]
name = "edr"
kind = "host"
subnets = ["office", "servers"]
true_positive_rate = 1.0
false_positive_rate = 0.0

[[sensor]]
name = "ids"
kind = "network"
subnets = ["office", "servers"]
true_positive_rate = 1.0
false_positive_rate = 0.0
"#;

fn compile(text: &str) -> Arc<Scenario> {
    match mirrorlab_scenarios::load_bytes("lab.toml", text.as_bytes()) {
        Ok(l) => Arc::new(l.scenario),
        Err(d) => panic!("{d:?}"),
    }
}

/// `n` environments of one scenario, stepped by hand (blue sleeps unless told otherwise).
struct Lab {
    s: Arc<Scenario>,
    l: Layout,
    sim: Sim,
    buf: Buffers,
    n: usize,
}

impl Lab {
    fn new(text: &str, n: usize, seed: u64) -> Lab {
        let s = compile(text);
        let mut cfg = SimConfig::new(n, seed);
        cfg.record = true;
        let sim = Sim::new(s.clone(), &cfg).unwrap();
        let l = sim.layout().clone();
        let buf = Buffers::new(&l, n);
        Lab { s, l, sim, buf, n }
    }

    fn host(&self, name: &str) -> HostId {
        self.s.host_by_name(name).unwrap()
    }

    fn tech(&self, k: RedKind, name: &str) -> RedAction {
        RedAction::Technique(k, self.host(name))
    }

    /// One tick: blue's and red's actions in every environment; the events of env 0's step.
    fn step(&mut self, blue: BlueAction, red: RedAction) -> Vec<Event> {
        let before = self.sim.events(0).len();
        let b = vec![self.l.encode_blue(blue); self.n];
        let r = vec![self.l.encode_red(red); self.n];
        self.sim.step(&b, &r, &mut self.buf.out(false)).unwrap();
        self.sim.events(0)[before..].to_vec()
    }

    fn red(&mut self, a: RedAction) -> Vec<Event> {
        self.step(BlueAction::Sleep, a)
    }

    /// Red's result in a step: 0 false, 1 true, 3 invalid.
    fn result(ev: &[Event]) -> u32 {
        ev.iter()
            .find(|e| e.kind == EventKind::RedAction)
            .map(|e| e.b)
            .expect("red acted")
    }

    fn hold(&self, name: &str) -> RedHold {
        self.sim.host_views(0)[self.host(name) as usize].hold
    }

    fn technique(ev: &[Event]) -> Option<(RedKind, TechniqueOutcome)> {
        ev.iter().find(|e| e.kind == EventKind::Technique).map(|e| {
            let outcome = match e.b {
                0 => TechniqueOutcome::Failed,
                1 => TechniqueOutcome::Succeeded,
                _ => TechniqueOutcome::Returned,
            };
            (RedKind::ALL[e.a as usize], outcome)
        })
    }

    fn alerts(ev: &[Event]) -> Vec<Alert> {
        ev.iter().filter_map(Alert::decode).collect()
    }

    /// Red holds root on WksA: phished, then escalated.
    fn foothold(&mut self) {
        let a = self.tech(RedKind::Phishing, "WksA");
        assert_eq!(Lab::result(&self.red(a)), 1);
        let x = self.host("WksA");
        assert_eq!(Lab::result(&self.red(RedAction::Escalate(x))), 1);
        assert_eq!(self.hold("WksA"), RedHold::Privileged);
    }
}

#[test]
fn techniques_add_blocks_after_cage2_s_and_cage2_keeps_its_encoding() {
    let cage2 = mirrorlab_scenarios::load("cage2").unwrap().scenario;
    let l = Layout::new(&cage2);
    assert_eq!(l.red_actions, 1 + 3 + 4 * 13, "CAGE-2's 56 red actions");
    assert_eq!(
        l.try_encode_red(RedAction::Technique(RedKind::Phishing, 0)),
        None
    );
    let lab = Lab::new(LAB, 1, 0);
    let (h, sn) = (lab.s.hosts.len(), lab.s.subnets.len());
    assert_eq!(lab.l.red_actions, 1 + sn + (4 + 9) * h);
    for a in 0..lab.l.red_actions as u32 {
        let act = lab.l.decode_red(a).unwrap();
        assert_eq!(lab.l.encode_red(act), a, "{act:?}");
    }
    // The techniques' blocks come in RedKind order after CAGE-2's four.
    assert_eq!(
        lab.l.decode_red((1 + sn + 4 * h) as u32),
        Some(RedAction::Technique(RedKind::Phishing, 0))
    );
    assert_eq!(
        lab.l.decode_red((1 + sn + 12 * h + h - 1) as u32),
        Some(RedAction::Technique(
            RedKind::Persistence,
            (h - 1) as HostId
        ))
    );
    assert_eq!(lab.l.decode_red(lab.l.red_actions as u32), None);
}

#[test]
fn phishing_needs_a_known_address_and_a_user_to_take_the_lure() {
    let mut lab = Lab::new(LAB, 1, 0);
    // Nobody works on the kiosk: nothing happens, nothing is left.
    let a = lab.tech(RedKind::Phishing, "Kiosk");
    let ev = lab.red(a);
    assert_eq!(Lab::result(&ev), 0);
    assert_eq!(Lab::technique(&ev), None);
    assert!(Lab::alerts(&ev).is_empty());
    assert_eq!(lab.hold("Kiosk"), RedHold::Discovered);
    // Red does not know the server's address: the action is invalid.
    let a = lab.tech(RedKind::PhishingDeepfake, "Srv");
    assert_eq!(Lab::result(&lab.red(a)), 3);
    // A user on WksA takes it: a user session, and the payload seen as a new process.
    let a = lab.tech(RedKind::Phishing, "WksA");
    let action = lab.l.encode_red(a);
    let ev = lab.red(a);
    assert_eq!(Lab::result(&ev), 1);
    assert_eq!(
        Lab::technique(&ev),
        Some((RedKind::Phishing, TechniqueOutcome::Succeeded))
    );
    assert_eq!(lab.hold("WksA"), RedHold::User);
    let alerts = Lab::alerts(&ev);
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert_eq!(alerts[0].kind, AlertKind::Process);
    assert_eq!(alerts[0].host, lab.host("WksA"));
    assert_eq!(
        alerts[0].cause,
        mirrorlab_sim::trace::AlertCause::Red {
            action,
            exploit: None
        }
    );
    // Blue's CAGE-2 monitoring saw the call-back (detection 1): it believes a user shell.
    let x = lab.host("WksA") as usize;
    assert_eq!(lab.sim.host_views(0)[x].belief, 2);
}

#[test]
fn a_deep_fake_lure_is_taken_at_its_own_rate() {
    let text = LAB
        .replace(
            "[red.techniques.phishing]\n",
            "[red.techniques.phishing]\nsuccess_probability = 0.2\n",
        )
        .replace(
            "[red.techniques.phishing_deepfake]\n",
            "[red.techniques.phishing_deepfake]\nsuccess_probability = 0.6\n",
        );
    let n = 2000;
    for (k, p) in [(RedKind::Phishing, 0.2), (RedKind::PhishingDeepfake, 0.6)] {
        let mut lab = Lab::new(&text, n, 7);
        let a = lab.tech(k, "WksB");
        lab.red(a);
        let x = lab.host("WksB") as usize;
        let took = (0..n)
            .filter(|&e| lab.sim.host_views(e)[x].hold == RedHold::User)
            .count() as f64;
        let sd = (n as f64 * p * (1.0 - p)).sqrt();
        assert!(
            (took - p * n as f64).abs() < 5.0 * sd,
            "{k:?}: {took} of {n} took the lure (expected {p})"
        );
    }
}

#[test]
fn dumped_credentials_open_the_host_s_subnet_and_the_subnets_it_names() {
    let mut lab = Lab::new(LAB, 1, 0);
    let a = lab.tech(RedKind::Phishing, "WksA");
    lab.red(a);
    // A user session is not enough to dump credentials, and without them no login works.
    let dump = lab.tech(RedKind::CredentialDumping, "WksA");
    assert_eq!(Lab::result(&lab.red(dump)), 0);
    let to_b = lab.tech(RedKind::LateralMovement, "WksB");
    assert_eq!(Lab::result(&lab.red(to_b)), 0);
    assert_eq!(lab.hold("WksB"), RedHold::Discovered);
    // Root on WksA (which names Srv): the dump gives the office's and the servers' accounts.
    let x = lab.host("WksA");
    lab.red(RedAction::Escalate(x));
    let ev = lab.red(dump);
    assert_eq!(
        Lab::technique(&ev),
        Some((RedKind::CredentialDumping, TechniqueOutcome::Succeeded))
    );
    let ev = lab.red(to_b);
    assert_eq!(Lab::result(&ev), 1);
    assert_eq!(lab.hold("WksB"), RedHold::User);
    // A valid login is a login for the sensors, and nothing for CAGE-2's monitoring.
    let kinds: Vec<AlertKind> = Lab::alerts(&ev).iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [AlertKind::Login]);
    let b = lab.host("WksB") as usize;
    assert_eq!(lab.sim.host_views(0)[b].belief, 0);
    let to_srv = lab.tech(RedKind::LateralMovement, "Srv");
    assert_eq!(Lab::result(&lab.red(to_srv)), 1);
    assert_eq!(lab.hold("Srv"), RedHold::User);
    // The kiosk is in the office too: its accounts are known.
    let to_kiosk = lab.tech(RedKind::LateralMovement, "Kiosk");
    assert_eq!(Lab::result(&lab.red(to_kiosk)), 1);
}

#[test]
fn exfiltration_needs_a_channel_and_costs_the_data_s_value_once() {
    let mut lab = Lab::new(LAB, 1, 0);
    lab.foothold();
    let exfil = lab.tech(RedKind::Exfiltration, "WksA");
    assert_eq!(Lab::result(&lab.red(exfil)), 0, "no channel yet");
    let c2 = lab.tech(RedKind::CommandAndControl, "WksA");
    let ev = lab.red(c2);
    assert_eq!(Lab::result(&ev), 1);
    let kinds: Vec<AlertKind> = Lab::alerts(&ev).iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [AlertKind::Connection]);
    assert_eq!(lab.sim.score_view(0).confidentiality_loss, 0);
    assert_eq!(Lab::result(&lab.red(exfil)), 1);
    assert_eq!(
        lab.sim.score_view(0).confidentiality_loss,
        20,
        "2.0 of documents"
    );
    assert_eq!(Lab::result(&lab.red(exfil)), 0, "already taken");
    lab.red(RedAction::Sleep);
    assert_eq!(lab.sim.score_view(0).confidentiality_loss, 20);
    // A Restore closes the channel.
    let x = lab.host("WksA");
    lab.step(BlueAction::Restore(x), RedAction::Sleep);
    let a = lab.tech(RedKind::Phishing, "WksA");
    lab.red(a);
    lab.red(RedAction::Escalate(x));
    assert_eq!(
        Lab::result(&lab.red(exfil)),
        0,
        "the channel went with the Restore"
    );
}

#[test]
fn ransomware_costs_the_data_once_and_availability_until_a_restore() {
    let mut lab = Lab::new(LAB, 1, 0);
    lab.foothold();
    let enc = lab.tech(RedKind::Ransomware, "WksA");
    let ev = lab.red(enc);
    assert_eq!(Lab::result(&ev), 1);
    let kinds: Vec<AlertKind> = Lab::alerts(&ev).iter().map(|a| a.kind).collect();
    assert_eq!(kinds, [AlertKind::File]);
    // 2.0 of data once, and 1.0 of availability this tick.
    assert_eq!(lab.sim.score_view(0).availability_loss, 30);
    assert_eq!(Lab::result(&lab.red(enc)), 0, "already encrypted");
    assert_eq!(lab.sim.score_view(0).availability_loss, 40);
    let x = lab.host("WksA");
    lab.step(BlueAction::Restore(x), RedAction::Sleep);
    assert_eq!(
        lab.sim.score_view(0).availability_loss,
        40,
        "restored: no more loss"
    );
    lab.red(RedAction::Sleep);
    assert_eq!(lab.sim.score_view(0).availability_loss, 40);
    assert_eq!(lab.sim.score_view(0).blue, -40);
}

#[test]
fn persistence_survives_a_remove_but_not_a_restore() {
    let mut lab = Lab::new(LAB, 1, 0);
    let a = lab.tech(RedKind::Phishing, "WksB");
    lab.red(a);
    let x = lab.host("WksB");
    // Without a task, a Remove ends the user session.
    let ev = lab.step(BlueAction::Remove(x), RedAction::Sleep);
    assert!(ev.iter().any(|e| e.kind == EventKind::SessionsRemoved));
    assert_eq!(lab.hold("WksB"), RedHold::Discovered);
    lab.red(a);
    let persist = lab.tech(RedKind::Persistence, "WksB");
    assert_eq!(Lab::result(&lab.red(persist)), 1);
    let ev = lab.step(BlueAction::Remove(x), RedAction::Sleep);
    assert!(ev.iter().any(|e| e.kind == EventKind::SessionsRemoved));
    assert_eq!(
        Lab::technique(&ev),
        Some((RedKind::Persistence, TechniqueOutcome::Returned))
    );
    assert_eq!(lab.hold("WksB"), RedHold::User);
    lab.step(BlueAction::Restore(x), RedAction::Sleep);
    assert_eq!(lab.hold("WksB"), RedHold::Discovered);
    lab.red(a);
    lab.step(BlueAction::Remove(x), RedAction::Sleep);
    assert_eq!(
        lab.hold("WksB"),
        RedHold::Discovered,
        "the task went with the Restore"
    );
}

#[test]
fn an_encrypted_channel_lowers_detection_by_its_factor() {
    // Sensors that see everything: a channel's traffic is seen at the technique's factor,
    // and exfiltration over an encrypted channel at both factors.
    let text = LAB
        .replace(
            "[red.techniques.c2_encrypted]\n",
            "[red.techniques.c2_encrypted]\ndetection = 0.3\n",
        )
        .replace(
            "[red.techniques.exfiltration]\n",
            "[red.techniques.exfiltration]\ndetection = 0.5\n",
        );
    let n = 2000;
    for (k, channel, exfil) in [
        (RedKind::CommandAndControl, 1.0, 0.5),
        (RedKind::EncryptedChannel, 0.3, 0.15),
    ] {
        let mut lab = Lab::new(&text, n, 11);
        lab.foothold();
        let before = (0..n).map(|e| lab.sim.events(e).len()).collect::<Vec<_>>();
        let a = lab.tech(k, "WksA");
        lab.red(a);
        let mid = (0..n).map(|e| lab.sim.events(e).len()).collect::<Vec<_>>();
        let a = lab.tech(RedKind::Exfiltration, "WksA");
        lab.red(a);
        let seen = |from: &[usize], to: Option<&[usize]>| {
            (0..n)
                .filter(|&e| {
                    let ev = lab.sim.events(e);
                    let end = to.map_or(ev.len(), |t| t[e]);
                    ev[from[e]..end]
                        .iter()
                        .filter_map(Alert::decode)
                        .any(|a| a.kind == AlertKind::Connection)
                })
                .count() as f64
        };
        for (what, got, p) in [
            ("channel", seen(&before, Some(&mid)), channel),
            ("exfiltration", seen(&mid, None), exfil),
        ] {
            let sd = (n as f64 * p * (1.0 - p)).sqrt().max(0.5);
            assert!(
                (got - p * n as f64).abs() < 5.0 * sd,
                "{k:?} {what}: seen {got} of {n} (expected {p})"
            );
        }
    }
}

#[test]
fn techniques_are_refused_where_they_miss_what_they_need() {
    let text = LAB.replace("[red.techniques.credential_dumping]\n", "");
    let err = mirrorlab_scenarios::load_bytes("lab.toml", text.as_bytes()).unwrap_err();
    let msg = format!("{err:?}");
    assert!(
        msg.contains("`lateral_movement` needs red's technique `credential_dumping`"),
        "{msg}"
    );
    let text = LAB
        .replace("[red.techniques.c2]\n", "")
        .replace("[red.techniques.c2_encrypted]\n", "");
    let err = mirrorlab_scenarios::load_bytes("lab.toml", text.as_bytes()).unwrap_err();
    let msg = format!("{err:?}");
    assert!(
        msg.contains("`exfiltration` needs red's technique `c2` or `c2_encrypted`"),
        "{msg}"
    );
    let text = LAB.replace("[red.techniques.ransomware]", "[red.techniques.ransom]");
    let err = mirrorlab_scenarios::load_bytes("lab.toml", text.as_bytes()).unwrap_err();
    assert!(format!("{err:?}").contains("ransom"), "{err:?}");
}

/// The bundled ransomware scenario against the extortion crew, pinned (a change here must be
/// deliberate), and its replays reproduce.
#[test]
fn ransomware_golden_hash_and_replays() {
    common::assert_golden(
        "ransomware",
        "extortion",
        "react-restore",
        "8a074b5b73dc8402",
    );
}

/// The crew does what it is built to do: against a blue that never acts, it phishes in,
/// spreads with dumped credentials, steals and encrypts the data on every host it takes,
/// and stops the goal; it never needs an exploit.
#[test]
fn the_extortion_crew_phishes_spreads_steals_then_encrypts() {
    let s = Arc::new(mirrorlab_scenarios::load("ransomware").unwrap().scenario);
    let f = common::Match {
        scenario: &s,
        red: "extortion",
        blue: "sleep",
        episodes: 10,
        seed: 3,
        steps: 100,
        batch: 5,
        threads: 1,
        record: true,
    }
    .play();
    let data: i64 = s.hosts.iter().map(|h| h.data_value as i64).sum();
    for x in &f {
        let m = &x.summary;
        let count = |k: RedKind| m.red_techniques[k as usize - RedKind::CAGE];
        assert!(count(RedKind::PhishingDeepfake) > 0, "{m:?}");
        assert_eq!(count(RedKind::Phishing), 0, "the deep fake is preferred");
        assert!(count(RedKind::LateralMovement) > 0);
        assert_eq!(m.red_actions[RedKind::ExploitRemoteService as usize], 0);
        assert_eq!(m.data_exfiltrated, data, "every host's data stolen");
        assert!(m.hosts_encrypted >= 6, "{m:?}");
        assert!(m.first_impact.is_some(), "{m:?}");
        // Theft comes before encryption on each host.
        let mut stolen = vec![false; s.hosts.len()];
        for e in &x.events {
            if e.kind != EventKind::Technique || e.b != 1 {
                continue;
            }
            match RedKind::ALL[e.a as usize] {
                RedKind::Exfiltration => stolen[e.host as usize] = true,
                RedKind::Ransomware if s.hosts[e.host as usize].data_value > 0 => {
                    assert!(stolen[e.host as usize], "encrypted before stolen: {e:?}")
                }
                _ => {}
            }
        }
    }
}

#[test]
fn tools_add_blocks_after_cage2_s_and_cage2_keeps_its_encoding() {
    let cage2 = mirrorlab_scenarios::load("cage2").unwrap().scenario;
    let l = Layout::new(&cage2);
    assert_eq!(l.blue_actions, 145, "CAGE-2's 145 blue actions");
    assert_eq!(
        l.try_encode_blue(BlueAction::Tool(BlueKind::Isolate, 0)),
        None
    );
    let lab = Lab::new(LAB, 1, 0);
    let h = lab.s.hosts.len();
    assert_eq!(lab.l.blue_actions, 2 + (3 + 5) * h, "no decoys, five tools");
    for a in 0..lab.l.blue_actions as u32 {
        let act = lab.l.decode_blue(a).unwrap();
        assert_eq!(lab.l.encode_blue(act), a, "{act:?}");
    }
    assert_eq!(
        lab.l.decode_blue((2 + 3 * h) as u32),
        Some(BlueAction::Tool(BlueKind::Isolate, 0))
    );
    assert_eq!(
        lab.l.decode_blue((2 + 6 * h + h - 1) as u32),
        Some(BlueAction::Tool(BlueKind::Triage, (h - 1) as HostId))
    );
    assert_eq!(
        lab.l.decode_blue((2 + 7 * h) as u32),
        Some(BlueAction::Tool(BlueKind::BlockZone, 0))
    );
}

#[test]
fn an_isolated_host_is_out_of_red_s_reach_and_costs_availability_until_restored() {
    let mut lab = Lab::new(LAB, 1, 0);
    lab.foothold();
    let a = lab.host("WksA");
    let ev = lab.step(BlueAction::Tool(BlueKind::Isolate, a), RedAction::Sleep);
    assert!(ev.iter().any(|e| e.kind == EventKind::Isolated));
    assert_eq!(
        lab.sim.score_view(0).availability_loss,
        10,
        "WksA's 1.0 a tick"
    );
    // Nothing red does with its session there works, and it opens no route.
    for k in [
        RedKind::Ransomware,
        RedKind::CredentialDumping,
        RedKind::CommandAndControl,
    ] {
        let t = lab.tech(k, "WksA");
        let ev = lab.red(t);
        assert_eq!(Lab::result(&ev), 0, "{k:?}");
        assert_eq!(Lab::technique(&ev), None, "{k:?}");
    }
    let sweep = RedAction::DiscoverSystems(lab.s.hosts[a as usize].subnet);
    assert_eq!(
        Lab::result(&lab.red(sweep)),
        0,
        "the office is out of reach"
    );
    assert_eq!(lab.sim.score_view(0).availability_loss, 50);
    lab.step(BlueAction::Restore(a), RedAction::Sleep);
    let after = lab.sim.score_view(0).availability_loss;
    lab.red(RedAction::Sleep);
    assert_eq!(
        lab.sim.score_view(0).availability_loss,
        after,
        "reconnected"
    );
    let phish = lab.tech(RedKind::Phishing, "WksA");
    assert_eq!(Lab::result(&lab.red(phish)), 1, "reachable again");
}

#[test]
fn a_patched_host_resists_exploits_of_its_services() {
    let srv_exploit = |patch: bool| {
        let mut lab = Lab::new(LAB, 1, 0);
        let srv = lab.host("Srv");
        if patch {
            lab.step(BlueAction::Tool(BlueKind::Patch, srv), RedAction::Sleep);
        }
        lab.foothold(); // WksA names Srv: its address is known
        lab.red(RedAction::DiscoverServices(srv));
        let ev = lab.red(RedAction::Exploit(srv));
        let outcome = ev
            .iter()
            .find(|e| e.kind == EventKind::Exploit)
            .map(|e| e.b)
            .expect("an exploit was tried");
        (Lab::result(&ev), outcome, lab.hold("Srv"))
    };
    assert_eq!(srv_exploit(false), (1, 3, RedHold::Privileged));
    assert_eq!(
        srv_exploit(true),
        (0, 4, RedHold::Scanned),
        "failed on a patched host"
    );
}

#[test]
fn resetting_accounts_voids_what_red_dumped_for_that_subnet_only() {
    let mut lab = Lab::new(LAB, 1, 0);
    lab.foothold();
    let dump = lab.tech(RedKind::CredentialDumping, "WksA");
    assert_eq!(Lab::result(&lab.red(dump)), 1);
    let b = lab.host("WksB");
    lab.step(
        BlueAction::Tool(BlueKind::ResetCredentials, b),
        RedAction::Sleep,
    );
    let to_b = lab.tech(RedKind::LateralMovement, "WksB");
    assert_eq!(
        Lab::result(&lab.red(to_b)),
        0,
        "the office's accounts were reset"
    );
    let to_srv = lab.tech(RedKind::LateralMovement, "Srv");
    assert_eq!(Lab::result(&lab.red(to_srv)), 1, "the servers' still work");
    assert_eq!(Lab::result(&lab.red(dump)), 1);
    assert_eq!(Lab::result(&lab.red(to_b)), 1, "dumped again");
}

#[test]
fn triage_tells_blue_the_truth_about_a_host() {
    let mut lab = Lab::new(LAB, 1, 0);
    lab.foothold();
    let dump = lab.tech(RedKind::CredentialDumping, "WksA");
    lab.red(dump);
    let to_b = lab.tech(RedKind::LateralMovement, "WksB");
    lab.red(to_b);
    let (a, b, k) = (lab.host("WksA"), lab.host("WksB"), lab.host("Kiosk"));
    let belief = |lab: &Lab, x: HostId| lab.sim.host_views(0)[x as usize].belief;
    assert_eq!(belief(&lab, b), 0, "a valid login left no sign");
    for (x, truth) in [(b, 2), (a, 3), (k, 0)] {
        let ev = lab.step(BlueAction::Tool(BlueKind::Triage, x), RedAction::Sleep);
        let found = ev.iter().find(|e| e.kind == EventKind::Triaged).unwrap();
        assert_eq!((found.host, found.a), (x, truth));
        assert_eq!(belief(&lab, x), truth as u8);
    }
}

#[test]
fn the_hosts_policy_refuses_a_scenario_with_blue_tools() {
    use mirrorlab_agents::Side;
    use mirrorlab_agents::learned::{Featurizer, PolicyKind};
    let lab = Lab::new(LAB, 1, 0);
    let err = Featurizer::new(PolicyKind::Hosts, Side::Blue, &lab.s, 1, 100).unwrap_err();
    assert!(err.contains("[blue.tools]"), "{err}");
    assert!(Featurizer::new(PolicyKind::Mlp, Side::Blue, &lab.s, 1, 100).is_ok());
}

/// The SOC playbook uses every tool the ransomware scenario gives it and holds the crew far
/// better than CAGE-2's reactive defender, on the same seeds.
#[test]
fn the_soc_playbook_uses_its_tools_and_beats_the_reactive_defender() {
    let s = Arc::new(mirrorlab_scenarios::load("ransomware").unwrap().scenario);
    let soc = common::play(&s, "extortion", "soc", 30, 5, 100);
    let react = common::play(&s, "extortion", "react-restore", 30, 5, 100);
    let (a, b) = (common::mean_score(&soc), common::mean_score(&react));
    assert!(a > b + 300.0, "soc {a:.1} vs react-restore {b:.1}");
    let l = Layout::new(&s);
    for k in BlueKind::tools().iter().filter(|k| l.blue_has(**k)) {
        let used: u32 = soc
            .iter()
            .map(|f| f.summary.blue_tools[*k as usize - BlueKind::CAGE])
            .sum();
        assert!(used > 0, "{k:?} never used");
    }
}

#[test]
fn red_s_own_machine_holds_nothing_to_take_and_large_data_is_refused() {
    let mut lab = Lab::new(LAB, 1, 0);
    for k in [
        RedKind::Ransomware,
        RedKind::Persistence,
        RedKind::CommandAndControl,
    ] {
        let t = lab.tech(k, "Attacker");
        assert_eq!(Lab::result(&lab.red(t)), 0, "{k:?}");
    }
    assert_eq!(lab.sim.score_view(0).blue, 0);
    // A host's data is capped, so one tick's loss stays within the reward's range.
    let text = LAB.replace(
        r#"data = [{ name = "customers", value = 30.0 }]"#,
        &format!(
            "data = [{}]",
            [r#"{ name = "x", value = 1000.0 }"#; 11].join(", ")
        ),
    );
    let err = mirrorlab_scenarios::load_bytes("lab.toml", text.as_bytes()).unwrap_err();
    assert!(
        format!("{err:?}").contains("expected at most 10000 per host"),
        "{err:?}"
    );
}

/// The bundled grid scenario, pinned (a change here must be deliberate), and its replays
/// reproduce.
#[test]
fn grid_golden_hash_and_replays() {
    common::assert_golden("grid", "extortion", "soc", "d1949b2791dec370");
}

/// `generate --profile ics`: a grid operator's network of any size loads, with its users,
/// sensors and blue tools, red's goal reachable; on a small one the adaptive attacker stops
/// the substation when nobody defends it, and availability is what blue loses most.
#[test]
fn a_generated_grid_loads_at_any_size_and_its_substation_can_be_stopped() {
    use mirrorlab_scenarios::generate::{Profile, network_with};
    for n in [8, 50, 1000] {
        let s = compile(&network_with(n, 2, Profile::Ics));
        assert_eq!(s.hosts.len(), n as usize);
        assert_eq!(s.blue.tools.len(), 3);
        assert_eq!(s.sensors.len(), 2);
        let rtus = s.hosts.iter().filter(|h| h.critical_service).count();
        assert!(rtus as u32 >= (n - 5) / 3, "{rtus} critical hosts of {n}");
    }
    let s = compile(&network_with(50, 2, Profile::Ics));
    let f = common::play(&s, "adaptive", "sleep", 8, 1, 100);
    let impacted = f
        .iter()
        .filter(|x| x.summary.first_impact.is_some())
        .count();
    assert!(
        impacted >= 6,
        "{impacted} of 8 episodes reached the substation"
    );
    let (conf, avail): (i64, i64) = f.iter().fold((0, 0), |(c, a), x| {
        (
            c + x.summary.confidentiality_loss,
            a + x.summary.availability_loss,
        )
    });
    assert!(
        avail > 3 * conf,
        "availability {avail} vs confidentiality {conf}"
    );
}

/// The worm takes only hosts its traffic reaches at that moment (the reachable graph, grown
/// by what it holds), and encrypts every host it holds with root/SYSTEM.
#[test]
fn the_worm_spreads_along_the_reachable_graph_and_encrypts_what_it_takes() {
    let s = Arc::new(mirrorlab_scenarios::load("grid").unwrap().scenario);
    let f = common::Match {
        scenario: &s,
        red: "worm",
        blue: "sleep",
        episodes: 6,
        seed: 4,
        steps: 100,
        batch: 3,
        threads: 1,
        record: true,
    }
    .play();
    let launch = s.hosts[s.red.entry[0] as usize].subnet;
    for x in &f {
        let mut held = vec![false; s.hosts.len()];
        for &e in &s.red.entry {
            held[e as usize] = true;
        }
        let mut taken = 0;
        for e in &x.events {
            if e.kind != EventKind::Exploit || !(e.b == 2 || e.b == 3) {
                continue;
            }
            let sn = s.hosts[e.host as usize].subnet;
            let reachable = sn == launch
                || s.routes.iter().any(|r| {
                    r.from == launch
                        && r.to == sn
                        && r.via.is_none_or(|v| {
                            s.subnets[v as usize]
                                .hosts
                                .iter()
                                .any(|&y| held[y as usize])
                        })
                });
            assert!(reachable, "tick {}: took {} out of reach", e.tick, e.host);
            held[e.host as usize] = true;
            taken += 1;
        }
        assert!(taken >= 5, "the worm took {taken} hosts");
        // Nobody defends: every host it holds with root/SYSTEM ends up encrypted.
        let m = &x.summary;
        assert!(m.hosts_encrypted >= m.hosts_privileged, "{m:?}");
        assert_eq!(
            m.red_actions[RedKind::Impact as usize],
            0,
            "no goal, no impact"
        );
    }
}

/// The stealthy crew steals and never makes noise: no encryption, no outage, one action in
/// three ticks, and fewer alerts than the extortion crew on the same seeds.
#[test]
fn the_stealthy_crew_takes_the_data_quietly() {
    let s = Arc::new(mirrorlab_scenarios::load("ransomware").unwrap().scenario);
    let quiet = common::play(&s, "stealthy", "sleep", 20, 6, 100);
    let loud = common::play(&s, "extortion", "sleep", 20, 6, 100);
    let alerts =
        |f: &[mirrorlab_sim::Finished]| -> u32 { f.iter().map(|x| x.summary.alerts_true).sum() };
    assert!(
        alerts(&quiet) * 2 < alerts(&loud),
        "{} vs {}",
        alerts(&quiet),
        alerts(&loud)
    );
    let stolen: i64 = quiet.iter().map(|x| x.summary.data_exfiltrated).sum();
    assert!(stolen > 0);
    for x in &quiet {
        let m = &x.summary;
        assert_eq!((m.hosts_encrypted, m.first_impact), (0, None), "{m:?}");
        let acted: u32 =
            m.red_actions[1..].iter().sum::<u32>() + m.red_techniques.iter().sum::<u32>();
        assert!(acted <= 34, "{acted} actions in 100 ticks");
    }
}

/// Each teaching scenario shows its technique: the agent its comments name uses it, and it
/// works against a blue that does nothing.
#[test]
fn each_lesson_exercises_its_technique() {
    for (name, red, kinds) in [
        (
            "lesson-phishing",
            "extortion",
            &[RedKind::PhishingDeepfake][..],
        ),
        (
            "lesson-credentials",
            "extortion",
            &[RedKind::CredentialDumping, RedKind::LateralMovement][..],
        ),
        (
            "lesson-exfiltration",
            "stealthy",
            &[RedKind::EncryptedChannel, RedKind::Exfiltration][..],
        ),
        (
            "lesson-ransomware",
            "extortion",
            &[RedKind::Ransomware, RedKind::Persistence][..],
        ),
        (
            "lesson-evasion",
            "stealthy",
            &[RedKind::Obfuscation, RedKind::Exfiltration][..],
        ),
    ] {
        let s = Arc::new(mirrorlab_scenarios::load(name).unwrap().scenario);
        let f = common::play(&s, red, "sleep", 10, 8, s.episode_length);
        for &k in kinds {
            let n: u32 = f
                .iter()
                .map(|x| x.summary.red_techniques[k as usize - RedKind::CAGE])
                .sum();
            assert!(n >= 5, "{name}: {red} used {k:?} {n} times in 10 episodes");
        }
        let lost: i64 = f.iter().map(|x| -x.summary.blue_score).sum();
        assert!(lost > 0, "{name}: blue lost nothing");
    }
}

/// Red observes its footholds (so that a learned attacker can use them): accounts per subnet,
/// and per host a channel, an encrypted one, data taken, encryption, a task; a Restore takes
/// away what it undoes and leaves what was stolen.
#[test]
fn red_observes_its_footholds() {
    use mirrorlab_sim::layout::RED_TECHNIQUE_VALUES_PER_HOST as PER;
    let mut lab = Lab::new(LAB, 1, 0);
    let (ns, h) = (lab.s.subnets.len(), lab.s.hosts.len());
    assert_eq!(lab.l.red_technique_values, ns + PER * h);
    let cage2 = Layout::new(&mirrorlab_scenarios::load("cage2").unwrap().scenario);
    assert_eq!(
        (cage2.red_technique_values, cage2.red_obs),
        (0, 3 + 3 + 5 * 13 + 2)
    );
    let at = lab.l.red_footholds();
    let a = lab.host("WksA") as usize;
    let office = lab.s.hosts[a].subnet as usize;
    let servers = lab.s.hosts[lab.host("Srv") as usize].subnet as usize;
    let host = |lab: &Lab| lab.buf.red_obs[at + ns + PER * a..][..PER].to_vec();
    let accounts = |lab: &Lab| lab.buf.red_obs[at..at + ns].to_vec();
    lab.foothold();
    assert_eq!(host(&lab), [0.0; 5]);
    for k in [
        RedKind::CredentialDumping,
        RedKind::EncryptedChannel,
        RedKind::Exfiltration,
        RedKind::Ransomware,
        RedKind::Persistence,
    ] {
        let t = lab.tech(k, "WksA");
        assert_eq!(Lab::result(&lab.red(t)), 1, "{k:?}");
    }
    let acc = accounts(&lab);
    assert_eq!((acc[office], acc[servers]), (1.0, 1.0));
    assert_eq!(host(&lab), [1.0; 5]);
    lab.step(BlueAction::Restore(a as HostId), RedAction::Sleep);
    assert_eq!(
        host(&lab),
        [0.0, 0.0, 1.0, 0.0, 0.0],
        "the data stays taken"
    );
    assert_eq!(accounts(&lab)[office], 1.0, "the accounts stay dumped");
    // The status values are still last.
    let n = lab.l.red_obs;
    assert_eq!(lab.l.red_status(), n - 2);
}

#[test]
fn an_isolated_host_does_not_answer_a_sweep_and_red_s_foothold_is_beyond_blue_s_tools() {
    let mut lab = Lab::new(LAB, 1, 0);
    lab.foothold();
    let b = lab.host("WksB");
    lab.step(BlueAction::Tool(BlueKind::Isolate, b), RedAction::Sleep);
    let office = lab.s.hosts[b as usize].subnet;
    let ev = lab.red(RedAction::DiscoverSystems(office));
    let swept = ev.iter().find(|e| e.kind == EventKind::Swept).unwrap();
    assert_eq!(swept.a, 2, "WksA and the kiosk answer; WksB is cut off");
    // Blue's tools do nothing on red's own machine.
    let attacker = lab.host("Attacker");
    for k in BlueKind::tools() {
        let ev = lab.step(BlueAction::Tool(*k, attacker), RedAction::Sleep);
        let done = ev.iter().find(|e| e.kind == EventKind::BlueAction).unwrap();
        assert_eq!(done.b, 0, "{k:?} on red's machine");
    }
    assert!(!lab.sim.host_views(0)[attacker as usize].isolated);
}

/// When blue resets the accounts it dumped, the extortion crew notices its logins failing,
/// dumps again where it can, or falls back on lures: it does not keep trying dead accounts.
#[test]
fn the_extortion_crew_does_not_stall_on_reset_accounts() {
    let s = Arc::new(mirrorlab_scenarios::load("grid").unwrap().scenario);
    let l = Layout::new(&s);
    let f = common::Match {
        scenario: &s,
        red: "extortion",
        blue: "soc",
        episodes: 20,
        seed: 3,
        steps: 100,
        batch: 5,
        threads: 1,
        record: true,
    }
    .play();
    let mut worst = 0;
    for x in &f {
        let mut streak = 0;
        for e in x.events.iter().filter(|e| e.kind == EventKind::RedAction) {
            let failed_login = matches!(
                l.decode_red(e.a),
                Some(RedAction::Technique(RedKind::LateralMovement, _))
            ) && e.b == 0;
            streak = if failed_login { streak + 1 } else { 0 };
            worst = worst.max(streak);
        }
    }
    assert!(worst <= 5, "{worst} failed logins in a row");
}

/// Obfuscation (T1027): each tool variant multiplies signature-based sensors' true-positive
/// rate for red by `1 − signature_evasion`; anomaly-based sensors see red as before. Measured
/// on 2,000 environments per variant count, within 5σ of the configured rate.
#[test]
fn tool_variants_evade_signature_sensors_and_not_anomaly_sensors() {
    let text = LAB
        .replace(
            "[red.techniques.persistence]\n",
            "[red.techniques.persistence]\n[red.techniques.obfuscation]\nsignature_evasion = 0.4\n",
        )
        .replace("name = \"ids\"", "name = \"ids\"\nmethod = \"anomaly\"");
    let s = compile(&text);
    assert!(s.sensors[0].signature && !s.sensors[1].signature);
    let n = 2000;
    for variants in [0usize, 1, 3] {
        let mut lab = Lab::new(&text, n, 21);
        lab.foothold();
        for _ in 0..variants {
            let a = lab.tech(RedKind::Obfuscation, "WksA");
            assert_eq!(Lab::result(&lab.red(a)), 1);
        }
        // One process (the edr, signature-based) and one connection (the ids, anomaly-based)
        // of red's per environment: a credential dump, then a channel.
        let before = (0..n).map(|e| lab.sim.events(e).len()).collect::<Vec<_>>();
        let a = lab.tech(RedKind::CredentialDumping, "WksA");
        lab.red(a);
        let a = lab.tech(RedKind::CommandAndControl, "WksA");
        lab.red(a);
        let seen = |kind: AlertKind| {
            (0..n)
                .filter(|&e| {
                    lab.sim.events(e)[before[e]..]
                        .iter()
                        .filter_map(Alert::decode)
                        .any(|a| a.kind == kind)
                })
                .count() as f64
        };
        for (sensor, kind, p) in [
            ("edr", AlertKind::Process, 0.6f64.powi(variants as i32)),
            ("ids", AlertKind::Connection, 1.0),
        ] {
            let got = seen(kind);
            let sd = (n as f64 * p * (1.0 - p)).sqrt().max(0.5);
            assert!(
                (got - p * n as f64).abs() < 5.0 * sd,
                "{sensor} after {variants} variants: {got} of {n} (expected {p:.3})"
            );
        }
    }
    // Only obfuscation takes `signature_evasion`; an unknown method is refused at its key.
    let bad = LAB.replace(
        "[red.techniques.c2]\n",
        "[red.techniques.c2]\nsignature_evasion = 0.5\n",
    );
    let err = mirrorlab_scenarios::load_bytes("lab.toml", bad.as_bytes()).unwrap_err();
    assert!(
        format!("{err:?}").contains("only `obfuscation` takes `signature_evasion`"),
        "{err:?}"
    );
    let bad = LAB.replace("name = \"ids\"", "name = \"ids\"\nmethod = \"heuristic\"");
    let err = mirrorlab_scenarios::load_bytes("lab.toml", bad.as_bytes()).unwrap_err();
    assert!(format!("{err:?}").contains("heuristic"), "{err:?}");
}

/// The stealthy crew keeps its tools new where the scenario lets it, and signature-based
/// detection of it decays over the episode while anomaly-based detection does not.
#[test]
fn signature_detection_of_the_stealthy_crew_decays() {
    let s = Arc::new(
        mirrorlab_scenarios::load("lesson-evasion")
            .unwrap()
            .scenario,
    );
    let edr = s.sensors.iter().position(|x| x.name == "edr").unwrap() as u32;
    let f = common::Match {
        scenario: &s,
        red: "stealthy",
        blue: "sleep",
        episodes: 100,
        seed: 4,
        steps: 100,
        batch: 50,
        threads: 1,
        record: true,
    }
    .play();
    // True alerts per sensor in the first and the second half of the episodes.
    let mut count = [[0u32; 2]; 2];
    for x in &f {
        for (ev, a) in x
            .events
            .iter()
            .filter_map(|ev| Alert::decode(ev).map(|a| (ev, a)))
        {
            if matches!(a.cause, AlertCause::Red { .. }) {
                let half = (ev.tick > 50) as usize;
                count[(a.sensor != edr) as usize][half] += 1;
            }
        }
    }
    let [[edr_early, edr_late], [ueba_early, ueba_late]] = count;
    let ratio = |a: u32, b: u32| a as f64 / b.max(1) as f64;
    assert!(ueba_early > 0 && ueba_late > 0, "{count:?}");
    // The EDR sees 1.8 times what the anomaly sensor sees of a red that never varies
    // (0.9 against 0.5); of this crew, less and less.
    assert!(
        ratio(edr_early, ueba_early) > 2.0 * ratio(edr_late, ueba_late),
        "edr/ueba early {:.2}, late {:.2} ({count:?})",
        ratio(edr_early, ueba_early),
        ratio(edr_late, ueba_late)
    );
    assert!(
        f.iter()
            .all(|x| x.summary.red_techniques[RedKind::Obfuscation as usize - RedKind::CAGE] >= 3)
    );
}

/// Blocking a zone (`block_zone`): red's traffic does not cross its edge (no login into it,
/// no relay through it, no command to a session inside it, which stays, dormant); the block
/// costs the zone's availability every tick; the same action lifts it, and the session works
/// again; red's own zone cannot be blocked.
#[test]
fn a_blocked_zone_stops_red_s_traffic_at_its_edge_until_the_block_is_lifted() {
    let text = LAB;
    let mut lab = Lab::new(text, 1, 0);
    lab.foothold();
    let dump = lab.tech(RedKind::CredentialDumping, "WksA");
    assert_eq!(Lab::result(&lab.red(dump)), 1);
    let (srv, wks) = (lab.host("Srv"), lab.host("WksA"));
    let block = |x: HostId| BlueAction::Tool(BlueKind::BlockZone, x);
    // Block the servers: the login there fails, and Srv's 3.0 is lost every tick.
    let ev = lab.step(block(srv), RedAction::Sleep);
    let zone = ev
        .iter()
        .find(|e| e.kind == EventKind::ZoneBlocked)
        .unwrap();
    assert_eq!((zone.host, zone.a), (lab.s.hosts[srv as usize].subnet, 1));
    assert_eq!(lab.sim.score_view(0).availability_loss, 30);
    let login = lab.tech(RedKind::LateralMovement, "Srv");
    assert_eq!(Lab::result(&lab.red(login)), 0, "blocked");
    assert_eq!(lab.sim.score_view(0).availability_loss, 60);
    // Lift it: the same login works.
    let ev = lab.step(block(srv), RedAction::Sleep);
    assert!(
        ev.iter()
            .any(|e| e.kind == EventKind::ZoneBlocked && e.a == 0)
    );
    assert_eq!(
        lab.sim.score_view(0).availability_loss,
        60,
        "no longer lost"
    );
    assert_eq!(Lab::result(&lab.red(login)), 1);
    // Block the office: the session there relays nothing to the servers and takes no command
    // (nothing is stolen or encrypted), but it stays.
    let mut lab = Lab::new(text, 1, 0);
    lab.foothold();
    let dump = lab.tech(RedKind::CredentialDumping, "WksA");
    assert_eq!(Lab::result(&lab.red(dump)), 1);
    let c2 = lab.tech(RedKind::CommandAndControl, "WksA");
    assert_eq!(Lab::result(&lab.red(c2)), 1);
    lab.step(block(wks), RedAction::Sleep);
    let login = lab.tech(RedKind::LateralMovement, "Srv");
    let exfil = lab.tech(RedKind::Exfiltration, "WksA");
    let encrypt = lab.tech(RedKind::Ransomware, "WksA");
    assert_eq!(
        Lab::result(&lab.red(login)),
        0,
        "no relay through the office"
    );
    assert_eq!(Lab::result(&lab.red(exfil)), 0, "nothing leaves the office");
    assert_eq!(Lab::result(&lab.red(encrypt)), 0, "no command gets in");
    assert_eq!(lab.hold("WksA"), RedHold::Privileged, "dormant, not gone");
    lab.step(block(wks), RedAction::Sleep);
    assert_eq!(Lab::result(&lab.red(exfil)), 1, "unblocked");
    assert_eq!(Lab::result(&lab.red(encrypt)), 1);
    // Red's own zone is beyond blue's reach.
    let attacker = lab.host("Attacker");
    let ev = lab.step(block(attacker), RedAction::Sleep);
    assert!(!ev.iter().any(|e| e.kind == EventKind::ZoneBlocked));
}

/// The SOC playbook quarantines the office when it finds the intrusion there and keeps the
/// crew out of the control zone: with `block_zone` it loses far less than without it, and
/// far less than the reactive defender.
#[test]
fn the_soc_playbook_blocks_the_breached_zone_and_keeps_the_control_zone() {
    let s = Arc::new(
        mirrorlab_scenarios::load("lesson-segmentation")
            .unwrap()
            .scenario,
    );
    let source = mirrorlab_scenarios::BUNDLED
        .iter()
        .find(|b| b.0 == "lesson-segmentation")
        .unwrap()
        .2;
    let without = compile(&source.replace("[blue.tools.block_zone]\ncost = 0.5\n", ""));
    let soc = common::mean_score(&common::play(&s, "extortion", "soc", 100, 3, 60));
    let unblocked = common::mean_score(&common::play(&without, "extortion", "soc", 100, 3, 60));
    let react = common::mean_score(&common::play(&s, "extortion", "react-restore", 100, 3, 60));
    assert!(
        soc > 0.75 * unblocked && soc > 0.75 * react,
        "soc {soc:.1}, soc without block_zone {unblocked:.1}, react-restore {react:.1}"
    );
    let blocks: u32 = common::play(&s, "extortion", "soc", 20, 3, 60)
        .iter()
        .map(|f| f.summary.blue_tools[BlueKind::BlockZone as usize - BlueKind::CAGE])
        .sum();
    assert!(blocks > 0);
}
