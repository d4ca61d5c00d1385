//! The AI-like attackers: what each one does differently, on fixed seeds.

use std::sync::Arc;

use mirrorlab_agents::adaptive::AVOID_AFTER_LOSS;
use mirrorlab_agents::play::{PlayConfig, play_all};
use mirrorlab_sim::RedAction;
use mirrorlab_sim::layout::Layout;
use mirrorlab_sim::trace::EventKind;

fn cfg(red: &str, blue: &str, episodes: u64, record: bool) -> PlayConfig {
    PlayConfig {
        scenario: Arc::new(mirrorlab_scenarios::load("cage2").unwrap().scenario),
        red: red.into(),
        blue: blue.into(),
        episodes,
        seed: 11,
        episode_length: Some(100),
        batch: 64,
        threads: 1,
        record,
    }
}

fn mean_score(red: &str, blue: &str, episodes: u64) -> f64 {
    let all = play_all(&cfg(red, blue, episodes, false), &|_| {}).unwrap();
    all.iter().map(|f| f.summary.blue_score as f64).sum::<f64>() / all.len() as f64 / 10.0
}

#[test]
fn the_adaptive_attacker_goes_round_a_host_blue_took_back() {
    use mirrorlab_agents::{Agent, Obs, Side};
    let c = cfg("adaptive", "sleep", 1, false);
    let s = &c.scenario;
    let l = Layout::new(s);
    let host = |n: &str| s.host_by_name(n).unwrap() as usize;
    let mut red = mirrorlab_agents::adaptive::Adaptive::new(s, 1, 3).unwrap();
    red.reset(0, 0);
    // Red knows the user subnet, has scanned User1..User4 (their ports are known) and holds
    // a privileged session on User1 (so it knows its name); its last action succeeded.
    let mut row = vec![0.0f32; l.red_obs];
    row[2] = 1.0;
    let user = s.hosts[host("User0")].subnet as usize;
    row[3 + user] = 1.0;
    for n in ["User0", "User1", "User2", "User3", "User4"] {
        let at = l.red_obs_host(host(n));
        row[at] = 1.0;
        row[at + 1] = (n != "User0") as u8 as f32;
    }
    let at1 = l.red_obs_host(host("User1"));
    row[at1 + 2] = 1.0;
    row[at1 + 3] = 1.0;
    row[at1 + 4] = 1.0;
    let at0 = l.red_obs_host(host("User0"));
    row[at0 + 2] = 1.0;
    row[at0 + 3] = 1.0;
    row[at0 + 4] = 1.0;
    let mut act = |row: &[f32]| {
        let mut a = [0u32];
        red.act(
            &Obs {
                layout: &l,
                side: Side::Red,
                obs: row,
                alerts: &[],
            },
            &mut a,
        );
        l.decode_red(a[0]).unwrap()
    };
    // Holding User1 it escalates there first, then sweeps the subnet it knows of.
    assert_eq!(act(&row), RedAction::Escalate(host("User1") as u32));
    assert_eq!(act(&row), RedAction::DiscoverSystems(user as u32));
    // Blue restores User1: the session is gone. Red exploits the other user hosts first,
    // each once (each exploit here "fails", so each is avoided in turn); only when all of
    // them are avoided too does it retry the one whose wait ends first.
    row[at1 + 3] = 0.0;
    row[at1 + 4] = 0.0;
    let mut targets = Vec::new();
    for i in 0..AVOID_AFTER_LOSS {
        // The sweep succeeded; every exploit from here on fails.
        (row[1], row[2]) = if i == 0 { (0.0, 1.0) } else { (1.0, 0.0) };
        match act(&row) {
            RedAction::Exploit(x) => targets.push(x as usize),
            RedAction::DiscoverServices(_) | RedAction::DiscoverSystems(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let mut first: Vec<usize> = targets.iter().copied().take(3).collect();
    first.sort_unstable();
    assert_eq!(
        first,
        [host("User2"), host("User3"), host("User4")],
        "the other user hosts first, not the restored one: {targets:?}"
    );
}

/// Of the restores that cost red a session, how many were followed within
/// `AVOID_AFTER_LOSS` ticks of red learning of the loss by an exploit of another host.
fn took_another_host(red: &str) -> f64 {
    let c = cfg(red, "react-restore", 200, true);
    let layout = Layout::new(&c.scenario);
    let (mut restores, mut elsewhere) = (0, 0);
    for f in play_all(&c, &|_| {}).unwrap() {
        for r in f
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Restored && e.a > 0)
        {
            restores += 1;
            let window = r.tick + 1..r.tick + 1 + AVOID_AFTER_LOSS;
            elsewhere += f.events.iter().any(|e| {
                e.kind == EventKind::RedAction
                    && window.contains(&e.tick)
                    && matches!(layout.decode_red(e.a),
                        Some(RedAction::Exploit(y)) if y != r.host)
            }) as u32;
        }
    }
    assert!(
        restores > 100,
        "{red}: React-Restore restored {restores} times"
    );
    elsewhere as f64 / restores as f64
}

#[test]
fn after_a_restore_the_adaptive_attacker_changes_route_where_b_line_does_not() {
    let adaptive = took_another_host("adaptive");
    let bline = took_another_host("bline");
    assert!(
        adaptive > 0.5 && adaptive > bline + 0.2,
        "share of restores followed by an exploit elsewhere: adaptive {adaptive:.2}, B_line {bline:.2}"
    );
}

#[test]
fn the_adaptive_attacker_is_deterministic_and_reaches_its_goal() {
    let a = play_all(&cfg("adaptive", "sleep", 20, false), &|_| {}).unwrap();
    let b = play_all(&cfg("adaptive", "sleep", 20, false), &|_| {}).unwrap();
    assert_eq!(
        a.iter().map(|f| f.summary.trace_hash).collect::<Vec<_>>(),
        b.iter().map(|f| f.summary.trace_hash).collect::<Vec<_>>()
    );
    assert!(
        a.iter().all(|f| f.summary.first_impact.is_some()),
        "against Sleep it impacts the goal in every episode"
    );
}

#[test]
fn defenders_trained_on_b_line_and_meander_lose_more_to_the_adaptive_attacker() {
    // The shipped defenders were trained against B_line and Meander only (results/training):
    // an attacker they never met costs them several times more (results/attackers.md).
    for policy in ["cage2-ppo", "cage2-hosts"] {
        let blue = format!(
            "ppo:{}/results/training/{policy}/policy.safetensors",
            env!("CARGO_MANIFEST_DIR")
        );
        let seen = mean_score("bline", &blue, 100);
        let unseen = mean_score("adaptive", &blue, 100);
        assert!(
            unseen < 1.8 * seen,
            "{policy}: {unseen:.1} against adaptive, {seen:.1} against B_line"
        );
    }
}

/// Red's actions (RedAction events) per tick of a recorded episode.
fn red_actions_per_tick(f: &mirrorlab_sim::Finished) -> Vec<u32> {
    let mut per = vec![0u32; f.summary.ticks as usize + 1];
    for e in &f.events {
        if e.kind == EventKind::RedAction {
            per[e.tick as usize] += 1;
        }
    }
    per
}

#[test]
fn the_fast_attacker_acts_three_times_a_tick_and_reaches_the_goal_sooner() {
    use mirrorlab_agents::adaptive::FAST_ACTIONS_PER_TICK;
    let fast = play_all(&cfg("fast", "sleep", 20, true), &|_| {}).unwrap();
    let adaptive = play_all(&cfg("adaptive", "sleep", 20, true), &|_| {}).unwrap();
    for f in &fast {
        let per = red_actions_per_tick(f);
        assert!(per.iter().all(|&n| n as usize <= FAST_ACTIONS_PER_TICK));
        // It takes every turn until it has nothing left but to impact (Impact and Sleep
        // still count as actions): the first ticks are full.
        assert!(
            per[1..=5]
                .iter()
                .all(|&n| n as usize == FAST_ACTIONS_PER_TICK),
            "turns per tick {:?}",
            &per[..10]
        );
    }
    for f in &adaptive {
        assert!(red_actions_per_tick(f).iter().all(|&n| n <= 1));
    }
    let mean_impact = |all: &[mirrorlab_sim::Finished]| {
        all.iter()
            .map(|f| f.summary.first_impact.expect("it reaches the goal") as f64)
            .sum::<f64>()
            / all.len() as f64
    };
    let (tf, ta) = (mean_impact(&fast), mean_impact(&adaptive));
    // The same choices three times as often: about a third of the ticks to the goal.
    assert!(
        tf < 0.5 * ta,
        "first impact at tick {tf:.1} (fast) against {ta:.1} (adaptive)"
    );
}

#[test]
fn the_fast_attacker_beats_a_reactive_defender_that_holds_the_adaptive_one() {
    let fast = mean_score("fast", "react-restore", 100);
    let adaptive = mean_score("adaptive", "react-restore", 100);
    assert!(
        fast < 1.5 * adaptive,
        "react-restore scores {fast:.1} against fast, {adaptive:.1} against adaptive"
    );
}

#[test]
fn a_fast_attacker_in_a_mixture_leaves_the_others_one_action_a_tick() {
    let all = play_all(&cfg("fast:1,bline:1", "react-restore", 24, true), &|_| {}).unwrap();
    let (mut fast, mut slow) = (0, 0);
    for f in &all {
        let max = *red_actions_per_tick(f).iter().max().unwrap();
        assert!(max == 1 || max == 3, "max turns a tick {max}");
        if max == 3 {
            fast += 1;
        } else {
            slow += 1;
        }
    }
    assert!(fast > 0 && slow > 0, "{fast} fast and {slow} slow episodes");
}

#[test]
fn fast_episodes_replay_exactly() {
    let c = cfg("fast", "react-restore", 6, true);
    let all = play_all(&c, &|_| {}).unwrap();
    let source = mirrorlab_scenarios::BUNDLED
        .iter()
        .find(|b| b.0 == "cage2")
        .unwrap()
        .2;
    let r = mirrorlab_sim::replay::Replay::record(
        &c.scenario,
        source,
        c.seed,
        100,
        "fast",
        "react-restore",
        &all,
    );
    assert_eq!(r.red_actions_per_tick, 3);
    assert!(r.episodes.iter().all(|e| e.red.len() == 300));
    let json = serde_json::to_string(&r).unwrap();
    let back: mirrorlab_sim::replay::Replay = serde_json::from_str(&json).unwrap();
    back.check(&c.scenario).unwrap();
    for (i, orig) in all.iter().enumerate() {
        let again = back.play(c.scenario.clone(), i).unwrap();
        assert_eq!(again.summary, orig.summary);
        assert_eq!(again.events, orig.events);
    }
    // A replay that claims another tempo does not fit its inputs.
    let mut bad = back.clone();
    bad.red_actions_per_tick = 2;
    assert!(bad.check(&c.scenario).is_err());
    bad.red_actions_per_tick = 0;
    assert!(bad.check(&c.scenario).is_err());
}

#[test]
fn a_red_turn_that_passes_leaves_no_trace_and_a_first_turn_cannot_pass() {
    use mirrorlab_sim::layout::PASS;
    use mirrorlab_sim::{Buffers, Sim, SimConfig, SimError};
    let s = cfg("bline", "sleep", 1, false).scenario;
    let l = Layout::new(&s);
    let user = s.subnets.iter().position(|x| x.name == "user").unwrap() as u32;
    let sweep = l.encode_red(RedAction::DiscoverSystems(user));
    let hashes = |per_tick: usize| {
        let mut c = SimConfig::new(2, 5);
        c.red_actions_per_tick = per_tick;
        let mut sim = Sim::new(s.clone(), &c).unwrap();
        let mut buf = Buffers::new(&l, 2);
        let mut red = vec![sweep; 2];
        red.resize(2 * per_tick, PASS);
        for _ in 0..10 {
            sim.step(&[0, 0], &red, &mut buf.out(false)).unwrap();
        }
        (sim.trace_hash(0), sim.trace_hash(1))
    };
    assert_eq!(hashes(1), hashes(3));
    let mut c = SimConfig::new(1, 5);
    c.red_actions_per_tick = 2;
    let mut sim = Sim::new(s.clone(), &c).unwrap();
    let mut buf = Buffers::new(&l, 1);
    assert!(matches!(
        sim.step(&[0], &[PASS, sweep], &mut buf.out(false)),
        Err(SimError::ActionOutOfRange { side: "red", .. })
    ));
    assert!(matches!(
        sim.step(&[0], &[sweep], &mut buf.out(false)),
        Err(SimError::BufferSize { what: "red", .. })
    ));
    for bad in [0, 9] {
        c.red_actions_per_tick = bad;
        assert!(matches!(
            Sim::new(s.clone(), &c),
            Err(SimError::RedActionsPerTick(_))
        ));
    }
    // An arena refuses a fast red in a simulator built for one action a tick.
    let sim = Sim::new(s.clone(), &SimConfig::new(1, 5)).unwrap();
    let fast = mirrorlab_agents::red_agent("fast", &s, 1, 5).unwrap();
    let blue = mirrorlab_agents::blue_agent("sleep", &s, 1, 5).unwrap();
    assert!(matches!(
        mirrorlab_agents::play::Arena::new(sim, fast, blue),
        Err(SimError::RedTempo { agent: 3, sim: 1 })
    ));
}
