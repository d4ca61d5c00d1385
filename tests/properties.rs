//! Property tests: random valid scenarios and random legal actions never panic, and the
//! simulator's invariants hold at every step.

#![allow(clippy::needless_range_loop)] // several per-environment arrays share the index

mod common;

use std::sync::Arc;

use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::rng::{Purpose, Stream};
use mirrorlab_sim::{Buffers, Sim, SimConfig};
use proptest::prelude::*;

/// A generated network with randomised rules and durations.
fn scenario(
    hosts: u32,
    net_seed: u64,
    rules: [bool; 8],
    restore_ticks: u16,
    green: bool,
) -> Arc<Scenario> {
    let mut text = mirrorlab_scenarios::generate::network(hosts, net_seed);
    text = text.replace(
        "restore = { cost = 1.0 }",
        &format!("restore = {{ cost = 1.0, duration = {restore_ticks} }}"),
    );
    let names = [
        "restore_breaks_impact",
        "remove_always_succeeds",
        "reward_privileged_only",
        "scan_rule_first",
        "brute_force_unremovable",
        "failed_brute_force_visible",
        "exploit_overwrites_privileged",
        "own_decoy_masks_activity",
    ];
    text.push_str("\n[rules]\n");
    for (n, on) in names.iter().zip(rules) {
        text.push_str(&format!("{n} = {on}\n"));
    }
    if green {
        text.push_str("\n[[green]]\nname = \"office\"\nhosts = [\"U0\", \"Gateway\", \"Entry\"]\nscan_probability = 0.7\n");
    }
    let l = mirrorlab_scenarios::load_bytes("generated.toml", text.as_bytes())
        .expect("generated scenarios are valid");
    Arc::new(l.scenario)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, .. ProptestConfig::default() })]

    #[test]
    fn random_play_keeps_every_invariant(
        hosts in 6u32..40,
        net_seed in 0u64..1000,
        rules in any::<[bool; 8]>(),
        restore_ticks in 1u16..4,
        green in any::<bool>(),
        seed in any::<u64>(),
        n_envs in 1usize..5,
    ) {
        let s = scenario(hosts, net_seed, rules, restore_ticks, green);
        let mut cfg = SimConfig::new(n_envs, seed);
        cfg.episode_length = Some(30);
        let mut sim = Sim::new(s.clone(), &cfg).unwrap();
        let l = sim.layout().clone();
        let mut buf = Buffers::new(&l, n_envs);
        sim.observe(&mut buf.out(true)).unwrap();
        let mut pick = Stream::new(seed, Purpose::AgentBlue, 99);
        let mut blue = vec![0u32; n_envs];
        let mut red = vec![0u32; n_envs];
        let mut sums = vec![0f64; n_envs];
        let mut finished = Vec::new();
        for _ in 0..75 {
            for e in 0..n_envs {
                blue[e] = pick.below(l.blue_actions as u32);
                // A random *legal* red action, from the mask.
                let row = &buf.red_mask[e * l.red_actions..(e + 1) * l.red_actions];
                let legal: Vec<u32> = (0..l.red_actions as u32).filter(|&a| row[a as usize] == 1).collect();
                prop_assert!(!legal.is_empty() && row[0] == 1, "sleep is always legal");
                red[e] = legal[pick.below(legal.len() as u32) as usize];
            }
            sim.step(&blue, &red, &mut buf.out(true)).unwrap();
            let mut ended = Vec::new();
            sim.drain_finished(&mut ended);
            for v in buf.blue_obs.iter().chain(buf.red_obs.iter()) {
                prop_assert!(*v == 0.0 || *v == 1.0, "observation value {v} outside {{0, 1}}");
            }
            let mut from_obs = vec![0u8; l.red_actions];
            for e in 0..n_envs {
                // Red's mask follows from its observation alone.
                l.red_mask_from_obs(&buf.red_obs[e * l.red_obs..(e + 1) * l.red_obs], &mut from_obs);
                prop_assert_eq!(&from_obs[..], &buf.red_mask[e * l.red_actions..(e + 1) * l.red_actions]);
                let row = &buf.blue_obs[e * l.blue_obs..(e + 1) * l.blue_obs];
                for h in 0..l.n_hosts {
                    // Activity Exploit implies activity Scan's bit (the encoding is 1 1).
                    prop_assert!(row[4 * h + 1] <= row[4 * h]);
                }
                let hot = &buf.red_obs[e * l.red_obs..(e + 1) * l.red_obs][..3];
                prop_assert_eq!(hot.iter().sum::<f32>(), 1.0, "success flag is one-hot");
                sums[e] += buf.blue_reward[e] as f64;
                if buf.done[e] == 1 {
                    let x = ended.iter().find(|x| x.env == e).unwrap();
                    let ledger = x.summary.blue_score as f64 / 10.0;
                    prop_assert!((sums[e] - ledger).abs() < 1e-3, "rewards {} vs ledger {}", sums[e], ledger);
                    prop_assert_eq!(
                        x.summary.blue_score,
                        -(x.summary.confidentiality_loss + x.summary.availability_loss + x.summary.action_cost)
                    );
                    prop_assert_eq!(x.summary.red_invalid, 0, "a masked-legal action was judged invalid");
                    prop_assert!(x.summary.hosts_privileged <= x.summary.hosts_compromised.max(x.summary.hosts_privileged));
                    prop_assert!(x.summary.hosts_compromised as usize <= l.n_hosts);
                    sums[e] = 0.0;
                }
            }
            finished.extend(ended);
            for e in 0..n_envs {
                for (h, t) in sim.truth(e).iter().enumerate() {
                    if let (Some(c), Some(p)) = (t.compromised_at, t.privileged_at) {
                        prop_assert!(p >= c || s.red.entry.contains(&(h as u32)));
                    }
                    prop_assert!(t.privileged_sessions <= t.sessions);
                }
            }
        }
        prop_assert!(!finished.is_empty());
    }
}

#[test]
fn durative_actions_take_their_ticks_and_ignore_inputs_meanwhile() {
    let s = scenario(10, 1, [false; 8], 3, false);
    let mut cfg = SimConfig::new(1, 0);
    cfg.record = true;
    cfg.episode_length = Some(6);
    let mut sim = Sim::new(s.clone(), &cfg).unwrap();
    let l = sim.layout().clone();
    let mut buf = Buffers::new(&l, 1);
    let gateway = s.host_by_name("Gateway").unwrap();
    let restore = l.encode_blue(mirrorlab_sim::BlueAction::Restore(gateway));
    let analyse = l.encode_blue(mirrorlab_sim::BlueAction::Analyse(gateway));
    // Tick 1: Restore (3 ticks); ticks 2-3: Analyse inputs are ignored; tick 4: Analyse.
    for a in [restore, analyse, analyse, analyse, 0, 0] {
        sim.step(&[a], &[0], &mut buf.out(false)).unwrap();
    }
    let mut f = Vec::new();
    sim.drain_finished(&mut f);
    use mirrorlab_sim::trace::EventKind as K;
    let ev: Vec<(u32, K)> = f[0]
        .events
        .iter()
        .filter(|e| matches!(e.kind, K::Started | K::Restored | K::BlueAction))
        .map(|e| (e.tick, e.kind))
        .collect();
    assert_eq!(
        ev,
        vec![
            (1, K::Started),
            (3, K::Restored),
            (3, K::BlueAction),
            (4, K::BlueAction),
            (5, K::BlueAction),
            (6, K::BlueAction)
        ]
    );
    // The cost is charged once, when issued.
    assert_eq!(f[0].summary.action_cost, 10);
    assert_eq!(
        f[0].summary.blue_actions[mirrorlab_sim::model::BlueKind::Restore as usize],
        1
    );
    assert_eq!(
        f[0].summary.blue_actions[mirrorlab_sim::model::BlueKind::Analyse as usize],
        1
    );
}

#[test]
fn generated_networks_of_ten_thousand_hosts_load_and_step() {
    let text = mirrorlab_scenarios::generate::network(10_000, 3);
    let l = mirrorlab_scenarios::load_bytes("g.toml", text.as_bytes()).unwrap();
    assert_eq!(l.scenario.hosts.len(), 10_000);
    let s = Arc::new(l.scenario);
    let mut sim = Sim::new(s.clone(), &SimConfig::new(1, 0)).unwrap();
    let lay = sim.layout().clone();
    let mut buf = Buffers::new(&lay, 1);
    for _ in 0..20 {
        sim.step(&[1], &[1], &mut buf.out(false)).unwrap();
    }
    assert_eq!(sim.tick(0), 20);
    // Generation is deterministic.
    let again = mirrorlab_scenarios::load_bytes("g.toml", text.as_bytes()).unwrap();
    assert_eq!(again.scenario, *s);
}

/// Red's action mask read from its observation is the simulator's, in scenarios with
/// techniques too (lures and logins need an address, the rest a host red has been on),
/// along the way the extortion and stealthy crews play.
#[test]
fn red_s_mask_follows_from_its_observation_with_techniques() {
    use mirrorlab_agents::{Obs, Side, blue_agent, red_agent};
    for (name, red) in [
        ("ransomware", "extortion"),
        ("ransomware", "stealthy"),
        ("lesson-evasion", "stealthy"),
        ("lesson-segmentation", "extortion"),
        ("grid", "worm"),
    ] {
        let s = Arc::new(mirrorlab_scenarios::load(name).unwrap().scenario);
        let n = 8;
        let mut sim = Sim::new(s.clone(), &SimConfig::new(n, 3)).unwrap();
        let l = sim.layout().clone();
        let mut buf = Buffers::new(&l, n);
        sim.observe(&mut buf.out(true)).unwrap();
        let mut r = red_agent(red, &s, n, 3).unwrap();
        let mut b = blue_agent("soc", &s, n, 3).unwrap();
        for e in 0..n {
            r.reset(e, sim.episode_id(e));
            b.reset(e, sim.episode_id(e));
        }
        let (mut ra, mut ba) = (vec![0u32; n], vec![0u32; n]);
        let mut from_obs = vec![0u8; l.red_actions];
        let mut valid_somewhere = 0usize;
        for _ in 0..200 {
            r.act(
                &Obs {
                    layout: &l,
                    side: Side::Red,
                    obs: &buf.red_obs,
                    alerts: &[],
                },
                &mut ra,
            );
            b.act(
                &Obs {
                    layout: &l,
                    side: Side::Blue,
                    obs: &buf.blue_obs,
                    alerts: &buf.blue_alerts,
                },
                &mut ba,
            );
            sim.step(&ba, &ra, &mut buf.out(true)).unwrap();
            for e in 0..n {
                l.red_mask_from_obs(
                    &buf.red_obs[e * l.red_obs..(e + 1) * l.red_obs],
                    &mut from_obs,
                );
                assert_eq!(
                    &from_obs[..],
                    &buf.red_mask[e * l.red_actions..(e + 1) * l.red_actions],
                    "{name}, {red}"
                );
                valid_somewhere += from_obs.iter().filter(|&&m| m == 1).count();
                if buf.done[e] == 1 {
                    r.reset(e, sim.episode_id(e));
                    b.reset(e, sim.episode_id(e));
                }
            }
        }
        assert!(
            valid_somewhere > 200 * n * 2,
            "{name}: the masks were not trivial"
        );
    }
}
