//! Durative actions: whatever each action kind's duration, the scripted reds wait for their
//! actions (the action status in their observation says when one is still running), so they
//! never issue an invalid action and, against a sleeping blue, still reach their goal.

mod common;

use std::sync::Arc;

use common::Match;
use mirrorlab_sim::model::Scenario;
use proptest::prelude::*;

/// `s` with every red and blue action kind given the duration in `red` / `blue`.
fn with_durations(s: &Scenario, red: [u16; 6], blue: [u16; 6]) -> Arc<Scenario> {
    let mut s = s.clone();
    for (c, d) in s.red.costs.iter_mut().zip(red) {
        c.duration = d;
    }
    for (c, d) in s.blue.costs.iter_mut().zip(blue) {
        c.duration = d;
    }
    Arc::new(s)
}

fn generated(hosts: u32, seed: u64) -> Scenario {
    let text = mirrorlab_scenarios::generate::network(hosts, seed);
    mirrorlab_scenarios::load_bytes("generated.toml", text.as_bytes())
        .expect("generated scenarios are valid")
        .scenario
}

/// Plays `red` against `blue` and checks: no invalid red action; against a sleeping blue,
/// the goal's service stopped in every episode.
fn check(s: &Arc<Scenario>, red: &str, blue: &str, steps: u32, seed: u64) -> Result<(), String> {
    let episodes = 6;
    let f = Match {
        scenario: s,
        red,
        blue,
        episodes,
        seed,
        steps,
        batch: 3,
        threads: 1,
        record: false,
    }
    .play();
    assert_eq!(f.len() as u64, episodes);
    for x in &f {
        let e = &x.summary;
        if e.red_invalid != 0 {
            return Err(format!(
                "{red} vs {blue}: episode {} has {} invalid red actions",
                e.episode, e.red_invalid
            ));
        }
        if blue == "sleep" && e.first_impact.is_none() {
            return Err(format!(
                "{red} vs {blue}: episode {} never reached the goal in {steps} ticks",
                e.episode
            ));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn scripted_reds_wait_for_durative_actions_on_cage2(
        red in prop::array::uniform6(1u16..5),
        blue in prop::array::uniform6(1u16..5),
        seed in any::<u64>(),
    ) {
        let s = with_durations(&common::cage2(), red, blue);
        // The slowest path: Meander's ~45 actions of up to 4 ticks, with failed exploits.
        for (r, b) in [("bline", "sleep"), ("meander", "sleep"), ("bline", "random"), ("meander", "react-restore")] {
            prop_assert_eq!(check(&s, r, b, 600, seed), Ok(()));
        }
    }

    #[test]
    fn scripted_reds_wait_for_durative_actions_on_generated_networks(
        hosts in 6u32..40,
        net_seed in 0u64..1000,
        red in prop::array::uniform6(1u16..5),
        blue in prop::array::uniform6(1u16..5),
        seed in any::<u64>(),
    ) {
        let s = with_durations(&generated(hosts, net_seed), red, blue);
        let steps = 60 * hosts + 300;
        for (r, b) in [("bline", "sleep"), ("meander", "sleep"), ("meander", "random")] {
            prop_assert_eq!(check(&s, r, b, steps, seed), Ok(()));
        }
    }
}

#[test]
fn the_trial_file_with_two_tick_exploits_reaches_impact_without_invalid_actions() {
    // shared case h14: cage2 with `actions.exploit = { duration = 2 }`. Before the action
    // status existed, B_line never reached Impact and issued 685 invalid actions in 100
    // episodes of 50 steps.
    let s = common::cage2();
    let mut red = [1u16; 6];
    red[3] = 2; // exploit
    let s = with_durations(&s, red, [1; 6]);
    let f = Match {
        scenario: &s,
        red: "bline",
        blue: "sleep",
        episodes: 100,
        seed: 0,
        steps: 50,
        batch: 25,
        threads: 2,
        record: false,
    }
    .play();
    assert!(f.iter().all(|x| x.summary.red_invalid == 0));
    assert!(f.iter().all(|x| x.summary.first_impact.is_some()));
    // Three exploits of two ticks: Impact four ticks later than cage2's 15.6 on average.
    let mean = f
        .iter()
        .map(|x| x.summary.first_impact.unwrap() as f64)
        .sum::<f64>()
        / f.len() as f64;
    assert!((17.0..23.0).contains(&mean), "first impact at {mean}");
}

#[test]
fn the_status_values_say_taken_running_then_done() {
    use mirrorlab_sim::layout::RedAction;
    use mirrorlab_sim::{Buffers, Sim, SimConfig};
    let mut red = [1u16; 6];
    red[1] = 3; // discover_systems takes three ticks
    let s = with_durations(&common::cage2(), red, [1; 6]);
    let mut sim = Sim::new(s.clone(), &SimConfig::new(1, 0)).unwrap();
    let l = sim.layout().clone();
    let mut buf = Buffers::new(&l, 1);
    let sweep = l.encode_red(RedAction::DiscoverSystems(0));
    let status = |b: &Buffers| {
        let r = &b.red_obs[l.red_status()..l.red_status() + 2];
        let bl = &b.blue_obs[l.blue_status()..l.blue_status() + 2];
        ((r[0], r[1]), (bl[0], bl[1]))
    };
    sim.observe(&mut buf.out(false)).unwrap();
    assert_eq!(status(&buf).0, (0.0, 0.0), "nothing before the first input");
    let mut seen = Vec::new();
    for _ in 0..4 {
        sim.step(&[0], &[sweep], &mut buf.out(false)).unwrap();
        seen.push(status(&buf));
    }
    // Red: issued (taken, running), ignored while running, done, then a new sweep taken.
    let red_seen: Vec<_> = seen.iter().map(|s| s.0).collect();
    assert_eq!(red_seen, [(1.0, 1.0), (0.0, 1.0), (0.0, 0.0), (1.0, 1.0)]);
    // Blue's one-tick actions are always taken and never running.
    assert!(seen.iter().all(|s| s.1 == (1.0, 0.0)));
}

#[test]
fn reactive_blues_still_respond_when_their_monitor_takes_several_ticks() {
    for monitor in 2..=4u16 {
        let mut blue = [1u16; 6];
        blue[1] = monitor;
        let s = with_durations(&common::cage2(), [1; 6], blue);
        for agent in ["react-restore", "react-remove"] {
            let f = Match {
                scenario: &s,
                red: "bline",
                blue: agent,
                episodes: 40,
                seed: 3,
                steps: 100,
                batch: 20,
                threads: 1,
                record: false,
            }
            .play();
            // blue_actions: sleep, monitor, analyse, remove, decoy, restore.
            let responses: u32 = f
                .iter()
                .map(|x| x.summary.blue_actions[3] + x.summary.blue_actions[5])
                .sum();
            assert!(
                responses > 40,
                "{agent} with a {monitor}-tick monitor responded {responses} times"
            );
        }
    }
}
