//! The learner's features (one definition for training and play): the `hosts` policy's static
//! view of a network and blue's memory of its own actions, which enters only what the
//! observation says was taken.

use mirrorlab_agents::Side;
use mirrorlab_agents::learned::features::{
    Featurizer, GLOBAL_FEATURES, HOST_FEATURES, HOST_STATIC, HostsLayout, PAIR_FEATURES, PolicyKind,
};
use mirrorlab_sim::Layout;
use mirrorlab_sim::layout::{BLUE_OBS_PER_HOST, BlueAction};
use mirrorlab_sim::model::Scenario;

fn cage2() -> Scenario {
    mirrorlab_scenarios::load("cage2").unwrap().scenario
}

fn host(s: &Scenario, name: &str) -> usize {
    s.host_by_name(name).unwrap() as usize
}

/// The static values of host `h` (see `features::HOST_STATIC`'s list).
fn statics(hl: &HostsLayout, h: usize) -> &[f32] {
    &hl.host_static[h * HOST_STATIC..(h + 1) * HOST_STATIC]
}

#[test]
fn the_static_view_of_cage2_says_what_the_scenario_says() {
    let s = cage2();
    let hl = HostsLayout::new(&s);
    assert_eq!((hl.n_hosts, hl.n_subnets, hl.n_decoys), (13, 3, 8));
    let op = statics(&hl, host(&s, "Op_Server0"));
    // confidentiality 1 point, availability 10 points (/10), critical, red's goal.
    assert_eq!(&op[..5], &[1.0, 1.0, 1.0, 0.0, 1.0]);
    assert_eq!(
        op[5], 1.0,
        "the operational subnet is two routes from red's entry"
    );
    let user0 = statics(&hl, host(&s, "User0"));
    assert_eq!((user0[3], user0[5]), (1.0, 0.0), "red's entry, depth 0");
    let ent = statics(&hl, host(&s, "Enterprise2"));
    assert_eq!(ent[5], 0.5);
    assert_eq!(ent[7], 1.0, "Enterprise2 reveals Op_Server0, red's goal");
    // Each subnet's mean row sums to one; each host is in exactly one subnet.
    for r in hl.subnet_mean.chunks(hl.n_hosts) {
        assert!((r.iter().sum::<f32>() - 1.0).abs() < 1e-6);
    }
    for r in hl.host_subnet.chunks(hl.n_subnets) {
        assert_eq!(r.iter().sum::<f32>(), 1.0);
    }
    // A decoy is not placeable where its port is taken: every host with a listener on the
    // port a decoy checks reads 0 for that decoy.
    for (h, hh) in s.hosts.iter().enumerate() {
        for (k, d) in s.decoys.iter().enumerate() {
            let taken = hh.services.iter().any(|sv| sv.port == Some(d.checks_port));
            let placeable = hl.pair_static[(h * hl.n_decoys + k) * 2];
            if taken {
                assert_eq!(placeable, 0.0, "{} {}", hh.name, d.name);
            }
        }
    }
    assert!(hl.pair_static.chunks(2).any(|p| p[0] == 1.0));
}

#[test]
fn the_row_width_follows_the_network_and_not_the_policy() {
    for hosts in [6u32, 50, 1000] {
        let g = mirrorlab_scenarios::load_bytes(
            "g.toml",
            mirrorlab_scenarios::generate::network(hosts, 3).as_bytes(),
        )
        .unwrap()
        .scenario;
        let f = Featurizer::new(PolicyKind::Hosts, Side::Blue, &g, 2, 100).unwrap();
        let (h, k) = (g.hosts.len(), g.decoys.len());
        assert_eq!(
            f.dim(),
            h * HOST_FEATURES + h * k * PAIR_FEATURES + GLOBAL_FEATURES
        );
        assert_eq!(f.inputs(), HOST_FEATURES);
    }
    let s = cage2();
    let f = Featurizer::new(PolicyKind::Mlp, Side::Red, &s, 1, 100).unwrap();
    assert_eq!(f.dim(), Layout::new(&s).red_obs + 1);
    let e = Featurizer::new(PolicyKind::Hosts, Side::Red, &s, 1, 100).unwrap_err();
    assert!(e.contains("blue"), "{e}");
}

/// One step of a one-environment featurizer: the observation row says whether the last
/// input was taken; returns the features.
fn features(f: &mut Featurizer, layout: &Layout, tick: u32, taken: bool) -> Vec<f32> {
    let mut obs = vec![0f32; layout.blue_obs];
    obs[layout.blue_status()] = taken as u8 as f32;
    let mut out = vec![0f32; f.dim()];
    f.write(&obs, &[tick], 0..1, &mut out);
    out
}

#[test]
fn blue_remembers_the_actions_the_observation_says_were_taken() {
    let s = cage2();
    let layout = Layout::new(&s);
    let mut f = Featurizer::new(PolicyKind::Hosts, Side::Blue, &s, 1, 100).unwrap();
    let (h, k) = (13, 8);
    let mem = |feats: &[f32], x: usize| {
        let at = x * HOST_FEATURES + BLUE_OBS_PER_HOST + HOST_STATIC;
        feats[at..at + 4].to_vec()
    };
    let deployed = |feats: &[f32], x: usize, j: usize| {
        feats[h * HOST_FEATURES + (x * k + j) * PAIR_FEATURES + 2]
    };
    let ent0 = host(&s, "Enterprise0");
    let user1 = host(&s, "User1");
    let f0 = features(&mut f, &layout, 0, false);
    assert!(
        (0..h).all(|x| mem(&f0, x) == [0.0; 4]),
        "nothing remembered yet"
    );
    assert_eq!(f0[f0.len() - GLOBAL_FEATURES], 0.0);
    // Restore Enterprise0 at tick 0, taken: remembered from tick 1 on, fading.
    let restore = layout.encode_blue(BlueAction::Restore(ent0 as u32));
    f.chosen(&[restore], &[0]);
    let f1 = features(&mut f, &layout, 1, true);
    assert_eq!(mem(&f1, ent0), [0.0, 0.0, 1.0, 0.0]);
    let f3 = features(&mut f, &layout, 3, false);
    assert_eq!(mem(&f3, ent0)[2], 1.0 / 3.0);
    assert_eq!(
        f3[f3.len() - GLOBAL_FEATURES],
        0.03,
        "tick / episode length"
    );
    // A decoy chosen while an action was still running (not taken) is not remembered…
    let decoy = layout.encode_blue(BlueAction::Decoy(2, user1 as u32));
    f.chosen(&[decoy], &[3]);
    let f4 = features(&mut f, &layout, 4, false);
    assert_eq!(mem(&f4, user1)[3], 0.0);
    assert_eq!(deployed(&f4, user1, 2), 0.0);
    // …one that was taken is, until the host is restored.
    f.chosen(&[decoy], &[4]);
    let f5 = features(&mut f, &layout, 5, true);
    assert_eq!(mem(&f5, user1)[3], 1.0 / k as f32);
    assert_eq!(deployed(&f5, user1, 2), 1.0);
    f.chosen(
        &[layout.encode_blue(BlueAction::Restore(user1 as u32))],
        &[5],
    );
    let f6 = features(&mut f, &layout, 6, true);
    assert_eq!(mem(&f6, user1), [0.0, 0.0, 1.0, 0.0]);
    assert_eq!(deployed(&f6, user1, 2), 0.0);
    // A new episode forgets everything.
    f.reset(0);
    let f7 = features(&mut f, &layout, 0, false);
    assert!((0..h).all(|x| mem(&f7, x) == [0.0; 4]));
}
