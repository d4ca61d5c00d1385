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
