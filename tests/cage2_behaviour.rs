//! The CAGE-2 replica behaves as CybORG 2.1 does: the behavioural checks of CAGE2.md §9,
//! on fixed seeds, with tolerances derived from the sample sizes (about 4 standard errors).

mod common;

use std::sync::Arc;

use common::*;
use mirrorlab_agents::play::Arena;
use mirrorlab_agents::{Agent, Obs, Side, red_agent};
use mirrorlab_sim::layout::{BlueAction, RedAction};
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::trace::{EventKind, ExploitOutcome};
use mirrorlab_sim::{Finished, Sim, SimConfig};

/// A blue agent that plays a fixed script (tick t → action), Sleep elsewhere.
#[derive(Clone)]
struct Script(Vec<(u32, u32)>, Vec<u32>);

impl Agent for Script {
    fn side(&self) -> Side {
        Side::Blue
    }
    fn name(&self) -> &str {
        "script"
    }
    fn reset(&mut self, env: usize, _episode: u64) {
        self.1[env] = 0;
    }
    fn act(&mut self, _obs: &Obs<'_>, actions: &mut [u32]) {
        for (e, a) in actions.iter_mut().enumerate() {
            self.1[e] += 1;
            *a = self
                .0
                .iter()
                .find(|x| x.0 == self.1[e])
                .map(|x| x.1)
                .unwrap_or(0);
        }
    }
}

/// Plays `episodes` single-environment episodes, returning each with blue's observation rows.
fn drive(
    s: &Arc<Scenario>,
    red: &str,
    blue: &Script,
    episodes: u64,
    steps: u32,
    seed: u64,
) -> Vec<(Finished, Vec<Vec<f32>>)> {
    let mut out = Vec::new();
    for ep in 0..episodes {
        let mut cfg = SimConfig::new(1, seed);
        cfg.first_episode = ep;
        cfg.episode_limit = Some(ep + 1);
        cfg.episode_length = Some(steps);
        cfg.record = true;
        let sim = Sim::new(s.clone(), &cfg).unwrap();
        let mut arena = Arena::new(
            sim,
            red_agent(red, s, 1, seed).unwrap(),
            Box::new(blue.clone()),
        )
        .unwrap();
        let mut obs = Vec::new();
        for _ in 0..steps {
            arena.step().unwrap();
            // The CAGE-2 table: the observation without mirrorlab's action-status values.
            let table = arena.sim.layout().blue_status();
            obs.push(arena.buf.blue_obs[..table].to_vec());
        }
        let sim = &mut arena.sim;
        let mut f = Vec::new();
        sim.drain_finished(&mut f);
        out.push((f.pop().unwrap(), obs));
    }
    out
}

fn host(s: &Scenario, name: &str) -> usize {
    s.host_by_name(name).unwrap() as usize
}

/// Binomial share within `k` standard errors.
fn assert_share(what: &str, hits: usize, n: usize, p: f64) {
    let got = hits as f64 / n as f64;
    let se = (p * (1.0 - p) / n as f64).sqrt();
    assert!(
        (got - p).abs() <= 4.0 * se + 1e-9,
        "{what}: {got:.4} vs {p:.4} (n {n}, se {se:.4})"
    );
}

#[test]
fn observation_order_and_first_steps_against_bline() {
    // §9.1: step 1 shows nothing; step 2 Scan on the chosen user host only; step 3 mostly
    // Exploit + User there.
    let s = cage2();
    let blue = Script(vec![], vec![0]);
    let runs = drive(&s, "bline", &blue, 300, 3, 21);
    let users: Vec<usize> = ["User1", "User2", "User3", "User4"]
        .iter()
        .map(|n| host(&s, n))
        .collect();
    let mut exploit_user = 0;
    for (f, obs) in &runs {
        assert!(obs[0].iter().all(|&v| v == 0.0), "step 1 shows something");
        let scanned: Vec<usize> = (0..13)
            .filter(|&h| obs[1][4 * h..4 * h + 4] == [1.0, 0.0, 0.0, 0.0])
            .collect();
        assert_eq!(
            scanned.len(),
            1,
            "step 2 should show one Scan: {:?}",
            obs[1]
        );
        assert!(users.contains(&scanned[0]));
        assert_eq!(obs[1].iter().filter(|&&v| v != 0.0).count(), 1);
        let h = scanned[0];
        if obs[2][4 * h..4 * h + 4] == [1.0, 1.0, 0.0, 1.0] {
            exploit_user += 1;
        }
        assert_eq!(f.summary.ticks, 3);
    }
    // Theory 0.934 (CAGE2.md §9.1).
    assert_share("step-3 Exploit+User", exploit_user, runs.len(), 0.934);
    // Index 51 is Femitter on User2, 139 Restore Op_Server0.
    let l = mirrorlab_sim::Layout::new(&s);
    assert_eq!(
        l.decode_blue(51),
        Some(BlueAction::Decoy(1, host(&s, "User2") as u32))
    );
    assert_eq!(
        l.decode_blue(139),
        Some(BlueAction::Restore(host(&s, "Op_Server0") as u32))
    );
    assert_eq!(l.blue_actions, 145);
    // CAGE-2's 52-value table, then the two action-status values.
    assert_eq!(l.blue_status(), 52);
    assert_eq!(l.blue_obs, 52 + mirrorlab_sim::layout::STATUS_VALUES);
}

#[test]
fn bline_reaches_op_server0_at_step_15_and_plateaus_at_minus_13_1() {
    // §9.2 and §9.3.
    let s = cage2();
    let n = 2000;
    let f = Match {
        scenario: &s,
        red: "bline",
        blue: "sleep",
        episodes: n,
        seed: 3,
        steps: 40,
        batch: 256,
        threads: 2,
        record: true,
    }
    .play();
    let firsts: Vec<u32> = f
        .iter()
        .map(|x| {
            x.summary
                .first_impact
                .expect("B_line always impacts within 40 steps")
        })
        .collect();
    assert!(firsts.iter().all(|&t| t >= 15), "an impact before step 15");
    assert_share(
        "first -10 at step 15",
        firsts.iter().filter(|&&t| t == 15).count(),
        n as usize,
        0.889,
    );
    let per_step: Vec<f64> = (0..40)
        .map(|t| f.iter().map(|x| step_rewards(x)[t]).sum::<f64>() / n as f64)
        .collect();
    let cyborg = [
        0.0, 0.0, -0.08, -0.10, -0.10, -0.14, -1.05, -1.07, -1.07, -1.13, -1.99, -2.01, -2.01,
        -2.91, -11.88, -12.14,
    ];
    for (t, &c) in cyborg.iter().enumerate() {
        assert!(
            (per_step[t] - c).abs() < 0.25,
            "step {}: {:.3} vs CybORG {c}",
            t + 1,
            per_step[t]
        );
    }
    for (t, &v) in per_step.iter().enumerate().skip(25) {
        assert!((v + 13.1).abs() < 0.1, "plateau at step {}: {v:.3}", t + 1);
    }
}

#[test]
fn meander_opens_as_described_and_plateaus_above_minus_14_4() {
    // §9.4 and §7.3.
    let s = cage2();
    let f = Match {
        scenario: &s,
        red: "meander",
        blue: "sleep",
        episodes: 300,
        seed: 4,
        steps: 100,
        batch: 64,
        threads: 1,
        record: true,
    }
    .play();
    let l = mirrorlab_sim::Layout::new(&s);
    let user0 = host(&s, "User0") as u32;
    let mut plateau = 0.0;
    for x in &f {
        let reds: Vec<RedAction> = x
            .events
            .iter()
            .filter(|e| e.kind == EventKind::RedAction)
            .map(|e| l.decode_red(e.a).unwrap())
            .collect();
        assert_eq!(
            reds[0],
            RedAction::DiscoverSystems(s.subnet_by_name("user").unwrap())
        );
        let mut scanned: Vec<u32> = reds[1..6]
            .iter()
            .map(|a| match a {
                RedAction::DiscoverServices(h) => *h,
                other => panic!("steps 2-6 should scan user hosts, got {other:?}"),
            })
            .collect();
        scanned.sort();
        let mut users: Vec<u32> = s.subnets[0].hosts.clone();
        users.sort();
        assert_eq!(scanned, users);
        assert_eq!(reds[6], RedAction::Escalate(user0));
        if let Some(t) = x.summary.first_impact {
            assert!(t >= 22, "Meander impacted at step {t}");
        }
        let r = step_rewards(x);
        assert!(r.iter().all(|&v| v >= -14.4 - 1e-9), "a step below -14.4");
        plateau += r[99];
    }
    let plateau = plateau / f.len() as f64;
    assert!(
        (-14.3..=-13.8).contains(&plateau),
        "Meander's step-100 mean {plateau:.3}"
    );
}

#[test]
fn sleep_blue_cells_match_the_cage2_sleeper_row() {
    // §9.5: B_line −218.65 / −480.17 / −1134.03, Meander −39.31 / −267.6 / −972.43 (1000
    // episodes each on the leaderboard). Our own CIs are about ±1.2 (B_line) and ±4 (Meander).
    let s = cage2();
    for (red, steps, cyborg, tol) in [
        ("bline", 30, -218.65, 4.0),
        ("bline", 100, -1134.03, 4.0),
        ("meander", 30, -39.31, 4.0),
        ("meander", 100, -972.43, 15.0),
        ("sleep", 100, 0.0, 0.0),
    ] {
        let m = mean_score(
            &Match {
                scenario: &s,
                red,
                blue: "sleep",
                episodes: 1000,
                seed: 153,
                steps,
                batch: 256,
                threads: 2,
                record: false,
            }
            .play(),
        );
        assert!(
            (m - cyborg).abs() <= tol + 1e-9,
            "{red} {steps}: {m:.2} vs {cyborg}"
        );
    }
}

#[test]
fn restore_breaks_impact_quirk_q1() {
    // §9.6: Restore Op_Server0 at step 1, then Sleep, against B_line: never −10.
    let s = cage2();
    let restore = mirrorlab_sim::Layout::new(&s)
        .encode_blue(BlueAction::Restore(host(&s, "Op_Server0") as u32));
    let blue = Script(vec![(1, restore)], vec![0]);
    let runs = drive(&s, "bline", &blue, 50, 100, 8);
    let mut total = 0.0;
    for (x, _) in &runs {
        let r = step_rewards(x);
        assert_eq!(r[0], -1.0);
        assert!(r.iter().all(|&v| v > -10.0), "a -10 after Q1's Restore");
        assert!(
            x.events.iter().any(|e| e.kind == EventKind::RedAction
                && e.b == 1
                && mirrorlab_sim::Layout::new(&s).decode_red(e.a)
                    == Some(RedAction::Impact(host(&s, "Op_Server0") as u32))),
            "red still 'succeeds' at Impact"
        );
        total += x.summary.blue_score as f64 / 10.0;
    }
    let mean = total / runs.len() as f64;
    // CybORG: −281.4 ± 1.9 over 50 episodes.
    assert!((mean + 281.4).abs() < 6.0, "Q1 run scored {mean:.2}");
    // And in cage2-fixed the same Restore does not stop a later Impact.
    let fixed = cage2_fixed();
    let blue = Script(vec![(1, restore)], vec![0]);
    let runs = drive(&fixed, "bline", &blue, 20, 40, 8);
    assert!(runs.iter().all(|(x, _)| x.summary.first_impact.is_some()));
}

#[test]
fn decoy_compatibility_matches_cyborg() {
    // §9.9.
    let s = cage2();
    let l = mirrorlab_sim::Layout::new(&s);
    let decoy = |name: &str| s.decoys.iter().position(|d| d.name == name).unwrap() as u8;
    let check = |h: &str, seq: &[(&str, bool)]| {
        let acts: Vec<(u32, u32)> = seq
            .iter()
            .enumerate()
            .map(|(i, (d, _))| {
                (
                    i as u32 + 1,
                    l.encode_blue(BlueAction::Decoy(decoy(d), host(&s, h) as u32)),
                )
            })
            .collect();
        let blue = Script(acts, vec![0]);
        let runs = drive(&s, "sleep", &blue, 1, seq.len() as u32, 0);
        let oks: Vec<bool> = runs[0]
            .0
            .events
            .iter()
            .filter(|e| e.kind == EventKind::BlueAction)
            .map(|e| e.b == 1)
            .collect();
        let want: Vec<bool> = seq.iter().map(|x| x.1).collect();
        assert_eq!(oks, want, "decoys on {h}: {seq:?}");
    };
    check(
        "Enterprise0",
        &[
            ("Apache", true),
            ("Vsftpd", true),
            ("Vsftpd", true),
            ("Apache", false),
        ],
    );
    check(
        "Enterprise1",
        &[
            ("Apache", false),
            ("Femitter", true),
            ("HarakaSMPT", false),
            ("Smss", false),
            ("SSHD", false),
            ("Svchost", false),
            ("Tomcat", false),
            ("Vsftpd", false),
        ],
    );
    check(
        "User0",
        &[
            ("Apache", true),
            ("Smss", true),
            ("Svchost", true),
            ("Tomcat", true),
            ("Femitter", false),
            ("SSHD", false),
            ("HarakaSMPT", false),
            ("Vsftpd", false),
        ],
    );
}

#[test]
fn a_femitter_decoy_on_user2_is_hit_three_times_in_four() {
    // §4.2: a Femitter on User2 makes FTP the top option, so red hits the decoy with p = 0.75.
    let s = cage2();
    let l = mirrorlab_sim::Layout::new(&s);
    let u2 = host(&s, "User2") as u32;
    let fem = s.decoys.iter().position(|d| d.name == "Femitter").unwrap() as u8;
    // Blue places the decoy at step 1; Meander sweeps at 1 and scans User2 at some step ≤ 6.
    let blue = Script(
        vec![(1, l.encode_blue(BlueAction::Decoy(fem, u2)))],
        vec![0],
    );
    let runs = drive(&s, "meander", &blue, 400, 60, 9);
    let (mut hits, mut tries) = (0, 0);
    for (x, _) in &runs {
        if let Some(e) = x
            .events
            .iter()
            .find(|e| e.kind == EventKind::Exploit && e.host == u2)
        {
            tries += 1;
            hits += (e.b == ExploitOutcome::Decoy as u32) as usize;
        }
    }
    assert!(tries > 300);
    assert_share("decoy hit on first exploit of User2", hits, tries, 0.75);
}

#[test]
fn react_restore_restores_what_it_sees_and_nothing_else() {
    // §9.11: it never restores Enterprise0, Op_Server0 or Op_Host0-2, and scores 0 against
    // a sleeping red.
    let s = cage2();
    let l = mirrorlab_sim::Layout::new(&s);
    let never: Vec<u32> = [
        "Enterprise0",
        "Op_Server0",
        "Op_Host0",
        "Op_Host1",
        "Op_Host2",
    ]
    .iter()
    .map(|n| host(&s, n) as u32)
    .collect();
    let f = Match {
        scenario: &s,
        red: "bline",
        blue: "react-restore",
        episodes: 200,
        seed: 12,
        steps: 100,
        batch: 64,
        threads: 1,
        record: true,
    }
    .play();
    let mut restores = 0;
    for x in &f {
        let mut seen_pid: Vec<u32> = Vec::new();
        for e in &x.events {
            match e.kind {
                EventKind::Callback if e.a == 1 => seen_pid.push(e.host),
                EventKind::BlueAction => {
                    if let Some(BlueAction::Restore(h)) = l.decode_blue(e.a) {
                        restores += 1;
                        assert!(!never.contains(&h));
                        // It restores only hosts whose call-back it saw.
                        assert!(
                            seen_pid.contains(&h),
                            "restored {h} without a seen call-back"
                        );
                    }
                }
                _ => {}
            }
        }
    }
    assert!(
        restores > 200,
        "React-Restore hardly acted ({restores} restores)"
    );
    let zero = Match {
        scenario: &s,
        red: "sleep",
        blue: "react-restore",
        episodes: 20,
        seed: 1,
        steps: 100,
        batch: 20,
        threads: 1,
        record: false,
    }
    .play();
    assert!(zero.iter().all(|x| x.summary.blue_score == 0));
}

#[test]
fn restore_on_user0_costs_one_and_keeps_the_foothold() {
    // §9.12.
    let s = cage2();
    let l = mirrorlab_sim::Layout::new(&s);
    let u0 = host(&s, "User0") as u32;
    let blue = Script(
        vec![
            (1, l.encode_blue(BlueAction::Restore(u0))),
            (5, l.encode_blue(BlueAction::Restore(u0))),
        ],
        vec![0],
    );
    let runs = drive(&s, "bline", &blue, 200, 20, 2);
    let mut at15 = 0;
    for (x, _) in &runs {
        let r = step_rewards(x);
        assert_eq!(r[0], -1.0);
        at15 += (x.summary.first_impact == Some(15)) as usize;
    }
    assert_share(
        "B_line unaffected by Restore User0",
        at15,
        runs.len(),
        0.889,
    );
}

#[test]
fn the_leaderboards_react_restore_row_is_a_blind_cycle() {
    // §8: its no-attacker cells are exactly -27, -46, -92.
    let s = cage2();
    for (steps, want) in [(30, -27.0), (50, -46.0), (100, -92.0)] {
        let f = Match {
            scenario: &s,
            red: "sleep",
            blue: "restore-cycle",
            episodes: 5,
            seed: 0,
            steps,
            batch: 5,
            threads: 1,
            record: false,
        }
        .play();
        assert!(
            f.iter().all(|x| x.summary.blue_score as f64 / 10.0 == want),
            "{steps} steps"
        );
    }
}
