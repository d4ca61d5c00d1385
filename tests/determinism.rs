//! The determinism contract (DESIGN.md §5): same scenario + seed + agents ⇒ the same episodes,
//! whatever the batch size or thread count; replays reproduce; golden hashes pin behaviour.

mod common;

use common::*;
use mirrorlab_sim::replay::Replay;

const REDS: [&str; 3] = ["bline", "meander", "sleep"];
const BLUES: [&str; 4] = ["sleep", "random", "react-remove", "react-restore"];

/// Run hashes of 20 episodes × 50 steps, seed 7, for every scripted pairing on cage2.
/// A change here means the game's behaviour changed: if that was intended, update the table
/// (the failure message prints the new one) and say why in the commit.
const GOLDEN: [(&str, &str, &str); 12] = [
    ("bline", "sleep", "412dd9dddf26c7ab"),
    ("bline", "random", "cc53cb1d3530b936"),
    ("bline", "react-remove", "1dbee0abed1b6701"),
    ("bline", "react-restore", "a59e474623244fba"),
    ("meander", "sleep", "22817c5ee096cedf"),
    ("meander", "random", "d297533a1a49fb5d"),
    ("meander", "react-remove", "a66167d4db635048"),
    ("meander", "react-restore", "01b0ddfbce281e3d"),
    ("sleep", "sleep", "741c34dafc4fbfbc"),
    ("sleep", "random", "bd8fd6563a3954bc"),
    ("sleep", "react-remove", "0a464615776e52ea"),
    ("sleep", "react-restore", "0a464615776e52ea"),
];

#[test]
fn golden_trace_hashes_of_every_cage2_pairing() {
    let s = cage2();
    let mut actual = Vec::new();
    for red in REDS {
        for blue in BLUES {
            let h = run_hash(&play(&s, red, blue, 20, 7, 50));
            actual.push((red, blue, format!("{h:016x}")));
        }
    }
    let table: String = actual
        .iter()
        .map(|(r, b, h)| format!("    (\"{r}\", \"{b}\", \"{h}\"),\n"))
        .collect();
    for (g, a) in GOLDEN.iter().zip(&actual) {
        assert_eq!((g.0, g.1), (a.0, a.1));
        assert_eq!(
            g.2, a.2,
            "golden hash of {} vs {} changed; the new table is:\n{table}",
            a.0, a.1
        );
    }
}

#[test]
fn same_seed_same_trace_different_seed_different_trace() {
    let s = cage2();
    for (red, blue) in [("bline", "react-restore"), ("meander", "random")] {
        let a = run_hash(&play(&s, red, blue, 10, 1, 100));
        let b = run_hash(&play(&s, red, blue, 10, 1, 100));
        let c = run_hash(&play(&s, red, blue, 10, 2, 100));
        assert_eq!(a, b, "{red} vs {blue}: same seed, different traces");
        assert_ne!(a, c, "{red} vs {blue}: different seeds, same traces");
    }
}

#[test]
fn batch_size_and_threads_do_not_change_any_episode() {
    let s = cage2();
    for (red, blue) in [("meander", "random"), ("bline", "react-remove")] {
        let m = |batch, threads| {
            Match {
                scenario: &s,
                red,
                blue,
                episodes: 37,
                seed: 11,
                steps: 60,
                batch,
                threads,
                record: false,
            }
            .play()
        };
        let alone = m(1, 1);
        for (batch, threads) in [(37, 1), (8, 1), (5, 2), (64, 2), (3, 3)] {
            let other = m(batch, threads);
            assert_eq!(alone.len(), other.len());
            for (x, y) in alone.iter().zip(&other) {
                assert_eq!(
                    x.summary, y.summary,
                    "{red} vs {blue}, batch {batch}, {threads} threads"
                );
            }
        }
    }
}

#[test]
fn replays_reproduce_their_episodes() {
    let s = cage2();
    let source = mirrorlab_scenarios::BUNDLED[0].2;
    let f = Match {
        scenario: &s,
        red: "meander",
        blue: "random",
        episodes: 6,
        seed: 5,
        steps: 40,
        batch: 4,
        threads: 1,
        record: true,
    }
    .play();
    common::assert_replays(&s, source, 5, 40, "meander", "random", &f);
}

#[test]
fn a_tampered_replay_is_detected() {
    let s = cage2();
    let source = mirrorlab_scenarios::BUNDLED[0].2;
    let f = Match {
        scenario: &s,
        red: "bline",
        blue: "random",
        episodes: 1,
        seed: 3,
        steps: 30,
        batch: 1,
        threads: 1,
        record: true,
    }
    .play();
    let mut r = Replay::record(&s, source, 3, 30, "bline", "random", &f);
    // Change blue's action at tick 10 to Restore Op_Server0 (index 139).
    r.episodes[0].blue[9] = if r.episodes[0].blue[9] == 139 {
        140
    } else {
        139
    };
    assert!(matches!(
        r.play(s.clone(), 0),
        Err(mirrorlab_sim::replay::ReplayError::Diverged { .. })
    ));
    let other = cage2_fixed();
    assert!(matches!(
        r.check(&other),
        Err(mirrorlab_sim::replay::ReplayError::ScenarioMismatch { .. })
    ));
}

#[test]
fn hostile_replays_are_errors_not_panics() {
    let s = cage2();
    let source = mirrorlab_scenarios::BUNDLED[0].2;
    let f = Match {
        scenario: &s,
        red: "bline",
        blue: "random",
        episodes: 1,
        seed: 3,
        steps: 5,
        batch: 1,
        threads: 1,
        record: true,
    }
    .play();
    let good = Replay::record(&s, source, 3, 5, "bline", "random", &f);
    let mut r = good.clone();
    r.episode_length = 0;
    r.episodes[0].blue.clear();
    r.episodes[0].red.clear();
    assert!(r.play(s.clone(), 0).is_err());
    let mut r = good.clone();
    r.episodes[0].episode = u64::MAX;
    assert!(r.play(s.clone(), 0).is_err());
    let mut r = good.clone();
    r.episodes[0].red[2] = 10_000;
    assert!(matches!(
        r.play(s.clone(), 0),
        Err(mirrorlab_sim::replay::ReplayError::Sim { .. })
    ));
    let mut r = good.clone();
    r.episodes[0].blue.pop();
    assert!(r.play(s.clone(), 0).is_err());
    let mut r = good;
    r.format_version = 99;
    assert!(r.play(s, 0).is_err());
}

#[test]
fn a_viewer_can_seek_backwards_and_forwards() {
    let s = cage2();
    let source = mirrorlab_scenarios::BUNDLED[0].2;
    let f = Match {
        scenario: &s,
        red: "bline",
        blue: "react-remove",
        episodes: 2,
        seed: 4,
        steps: 30,
        batch: 2,
        threads: 1,
        record: true,
    }
    .play();
    let r = Replay::record(&s, source, 4, 30, "bline", "react-remove", &f);
    let late = r.sim_at(s.clone(), 1, 20).unwrap();
    let early = r.sim_at(s.clone(), 1, 5).unwrap();
    assert_eq!((late.tick(0), early.tick(0)), (20, 5));
    // The events so far are a prefix of the recorded episode's, and seeking is repeatable.
    let all = &f[1].events;
    assert_eq!(late.events(0), &all[..late.events(0).len()]);
    assert!(early.events(0).len() < late.events(0).len());
    assert_eq!(
        r.sim_at(s.clone(), 1, 20).unwrap().trace_hash(0),
        late.trace_hash(0)
    );
    // B_line has compromised something by tick 20, nothing by tick 0.
    assert!(late.truth(0).iter().any(|t| t.compromised_at.is_some()));
    assert!(
        r.sim_at(s, 1, 0)
            .unwrap()
            .truth(0)
            .iter()
            .all(|t| t.compromised_at.is_none())
    );
}

#[test]
fn finished_episodes_reach_the_sink_in_id_order_whatever_the_threads() {
    let s = cage2();
    for (threads, batch) in [(1, 7), (3, 2), (4, 5)] {
        let cfg = mirrorlab_agents::play::PlayConfig {
            scenario: s.clone(),
            red: "meander".into(),
            blue: "random".into(),
            episodes: 61,
            seed: 9,
            episode_length: Some(17),
            batch,
            threads,
            record: false,
        };
        let mut ids = Vec::new();
        mirrorlab_agents::play::play(&cfg, &mut |f| ids.push(f.summary.episode), &|_| {}).unwrap();
        assert_eq!(ids, (0..61).collect::<Vec<u64>>(), "{threads} threads");
    }
}
