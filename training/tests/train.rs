//! The trainer end to end, on small budgets: a run folder that tells the whole story, a
//! resumed run that is bit-identical to an uninterrupted one (after a clean stop and after a
//! crash between writes), the libtorch and candle forwards agreeing, hostile checkpoints
//! refused, and learning that beats a scripted defender on a held-out seed.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mirrorlab_agents::learned::ActorNet;
use mirrorlab_agents::learned::PolicyKind;
use mirrorlab_agents::learned::features::HostsLayout;
use mirrorlab_agents::learned::nets::Graph;
use mirrorlab_agents::play::{PlayConfig, play};
use mirrorlab_sim::model::Scenario;
use mirrorlab_training::checkpoint::Checkpoint;
use mirrorlab_training::config::TrainConfig;
use mirrorlab_training::run::{NewRun, Run};
use tch::{Device, Tensor};

fn cage2() -> (Arc<Scenario>, String) {
    let l = mirrorlab_scenarios::load("cage2").unwrap();
    (Arc::new(l.scenario), l.source)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("mirrorlab-train-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    d
}

fn small(sets: &[&str]) -> TrainConfig {
    let mut all: Vec<String> = [
        "num_envs=16",
        "num_steps=100",
        "hidden=[32, 32]",
        "checkpoint_every=2",
        "torch_threads=1",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    all.extend(sets.iter().map(|s| s.to_string()));
    TrainConfig::resolve(None, &all).unwrap()
}

fn new_run(dir: &Path, cfg: TrainConfig, opponent: &str, steps: u64, seed: u64) -> Run {
    let (s, src) = cage2();
    Run::create(NewRun {
        dir: dir.to_path_buf(),
        cfg,
        scenario: s,
        scenario_source: &src,
        side: mirrorlab_agents::Side::Blue,
        opponent,
        seed,
        total_steps: steps,
        device: Device::Cpu,
    })
    .unwrap()
}

/// Trains until done, or until `stop_at` updates (a clean stop, as Ctrl-C does).
fn train(run: &mut Run, stop_at: Option<u64>) -> bool {
    tch::set_num_threads(1);
    let stop = AtomicBool::new(false);
    let clock = || 0.0;
    run.train(&clock, &stop, &mut |t, _| {
        if Some(t.update) == stop_at {
            stop.store(true, Ordering::SeqCst);
        }
    })
    .unwrap()
}

fn deterministic_rows(dir: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            // Drop wall_time (2), SPS (7) and the time/* columns (15..).
            c.iter()
                .enumerate()
                .filter(|(i, _)| ![2, 7].contains(i) && *i < 15)
                .map(|(_, v)| *v)
                .collect::<Vec<_>>()
                .join(",")
        })
        .collect()
}

fn tensors(path: &Path) -> Vec<(String, Vec<f32>)> {
    let c = Checkpoint::load(path, None).unwrap();
    let mut out = Vec::new();
    for ((n, w), (m, v)) in c.policy.iter().zip(c.adam_m.iter().zip(&c.adam_v)) {
        for (tag, t) in [("w", w), ("m", m), ("v", v)] {
            let n2 = t.numel();
            let mut buf = vec![0f32; n2];
            t.view([-1]).copy_data(&mut buf, n2);
            out.push((format!("{tag}.{n}"), buf));
        }
    }
    out
}

#[test]
fn a_run_folder_tells_the_whole_story_and_its_policy_plays_without_libtorch() {
    let dir = tmp("smoke");
    let mut run = new_run(&dir, small(&[]), "bline:1,meander:1", 2 * 1600, 5);
    assert!(train(&mut run, None));
    for f in [
        "run.toml",
        "scenario.toml",
        "metrics.csv",
        "checkpoints/latest.safetensors",
        "policy.safetensors",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let metrics = std::fs::read_to_string(dir.join("metrics.csv")).unwrap();
    let header = metrics.lines().next().unwrap();
    for col in [
        "global_step",
        "wall_time",
        "charts/episodic_return",
        "charts/episodic_length",
        "charts/SPS",
        "charts/learning_rate",
        "losses/policy_loss",
        "losses/value_loss",
        "losses/entropy",
        "losses/approx_kl",
        "losses/clipfrac",
        "losses/explained_variance",
    ] {
        assert!(header.split(',').any(|c| c == col), "no column {col}");
    }
    assert_eq!(metrics.lines().count(), 3, "{metrics}");
    let run_toml = std::fs::read_to_string(dir.join("run.toml")).unwrap();
    assert!(run_toml.contains("[ppo]") && run_toml.contains("num_envs = 16"));
    // The final policy plays in the libtorch-free player.
    let (s, _) = cage2();
    let cfg = PlayConfig {
        scenario: s,
        red: "bline".into(),
        blue: format!("ppo:{}", dir.join("policy.safetensors").display()),
        episodes: 4,
        seed: 1,
        episode_length: Some(30),
        batch: 4,
        threads: 1,
        record: false,
    };
    let mut n = 0;
    play(&cfg, &mut |_| n += 1, &|_| {}).unwrap();
    assert_eq!(n, 4);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_resumed_run_is_bit_identical_to_an_uninterrupted_one() {
    let steps = 6 * 1600;
    let a = tmp("whole");
    let mut run = new_run(&a, small(&[]), "bline:1,meander:1", steps, 11);
    assert!(train(&mut run, None));

    // A clean stop (Ctrl-C) after update 3, then --resume.
    let b = tmp("stopped");
    let mut run = new_run(&b, small(&[]), "bline:1,meander:1", steps, 11);
    assert!(!train(&mut run, Some(3)));
    drop(run);
    let mut run = Run::resume(b.clone(), Device::Cpu).unwrap();
    assert_eq!(run.trainer.update, 3);
    assert!(train(&mut run, None));

    // A crash (kill -9) after the metrics of update 6 were written but before their
    // checkpoint: metrics.csv (the uninterrupted run's rows 5 and 6, as they were written)
    // runs ahead of checkpoints/latest (update 4).
    let c = tmp("crashed");
    let mut run = new_run(&c, small(&[]), "bline:1,meander:1", steps, 11);
    assert!(!train(&mut run, Some(4)));
    drop(run);
    let mut text = std::fs::read_to_string(c.join("metrics.csv")).unwrap();
    let whole_rows = std::fs::read_to_string(a.join("metrics.csv")).unwrap();
    for row in whole_rows.lines().skip(5) {
        text.push_str(row);
        text.push('\n');
    }
    std::fs::write(c.join("metrics.csv"), text).unwrap();
    let mut run = Run::resume(c.clone(), Device::Cpu).unwrap();
    assert_eq!(run.trainer.update, 4);
    assert!(train(&mut run, None));

    let whole = tensors(&a.join("policy.safetensors"));
    for other in [&b, &c] {
        assert_eq!(deterministic_rows(&a), deterministic_rows(other));
        let t = tensors(&other.join("policy.safetensors"));
        assert_eq!(whole.len(), t.len());
        for (x, y) in whole.iter().zip(&t) {
            assert_eq!(x.0, y.0);
            assert!(
                x.1.iter()
                    .zip(&y.1)
                    .all(|(p, q)| p.to_bits() == q.to_bits()),
                "{} differs after resuming",
                x.0
            );
        }
    }
    // A different seed is a different run.
    let d = tmp("seed12");
    let mut run = new_run(&d, small(&[]), "bline:1,meander:1", 2 * 1600, 12);
    assert!(train(&mut run, None));
    assert_ne!(deterministic_rows(&a)[..2], deterministic_rows(&d)[..]);
    for x in [a, b, c, d] {
        std::fs::remove_dir_all(x).ok();
    }
}

/// The largest difference between two sets of logits `[n × k]`, as a fraction of the largest
/// spread (max − min) of a row: the actions' probabilities near the start of training are
/// all close to uniform, so comparing probabilities alone could not catch a mislaid logit.
fn logit_mismatch(a: &[f32], b: &[f32], k: usize) -> f32 {
    let spread = a
        .chunks(k)
        .map(|r| {
            r.iter().fold(f32::MIN, |m, &x| m.max(x)) - r.iter().fold(f32::MAX, |m, &x| m.min(x))
        })
        .fold(0f32, f32::max);
    assert!(spread > 1e-4, "logits too flat to compare: {spread}");
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0f32, f32::max)
        / spread
}

/// Logits `[n × k]` of the libtorch network and the candle player.
fn both_logits(
    run: &Run,
    net: &ActorNet,
    feats: &[f32],
    n: usize,
    graph: Option<&Graph>,
) -> (Vec<f32>, Vec<f32>) {
    let d = feats.len() / n;
    let x = Tensor::from_slice(feats).view([n as i64, d as i64]);
    let (logits, _) = run.trainer.net.forward(&x);
    let k = logits.size()[1] as usize;
    let mut torch = vec![0f32; n * k];
    logits.view([-1]).copy_data(&mut torch, n * k);
    let candle = net
        .logits(feats, n, graph)
        .unwrap()
        .flatten_all()
        .unwrap()
        .to_vec1::<f32>()
        .unwrap();
    (torch, candle)
}

#[test]
fn libtorch_and_candle_give_the_same_action_probabilities() {
    let dir = tmp("equiv");
    let mut run = new_run(&dir, small(&["hidden=[64, 48]"]), "bline", 2 * 1600, 3);
    assert!(train(&mut run, None));
    let net = ActorNet::load(dir.join("policy.safetensors").to_str().unwrap()).unwrap();
    let d = run.trainer.net.shape.inputs;
    let n = 64;
    let mut rng = mirrorlab_sim::rng::Stream::new(9, mirrorlab_sim::rng::Purpose::SimRed, 0);
    // Observation-like inputs (0/1) and a tick fraction.
    let feats: Vec<f32> = (0..n * d)
        .map(|i| {
            if i % d == d - 1 {
                rng.unit_f32()
            } else {
                (rng.below(2)) as f32
            }
        })
        .collect();
    let candle = net.probabilities(&feats, n, None).unwrap();
    let x = Tensor::from_slice(&feats).view([n as i64, d as i64]);
    let (logits, _) = run.trainer.net.forward(&x);
    let p = logits.softmax(-1, tch::Kind::Float);
    let k = p.size()[1] as usize;
    let mut torch = vec![0f32; n * k];
    p.view([-1]).copy_data(&mut torch, n * k);
    let worst = candle
        .iter()
        .zip(&torch)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-5, "largest difference {worst}");
    let (t, c) = both_logits(&run, &net, &feats, n, None);
    let m = logit_mismatch(&t, &c, k);
    assert!(m < 1e-3, "logits differ by {m} of their spread");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn hosts_policy_libtorch_and_candle_agree_and_it_plays_any_network() {
    let dir = tmp("hosts");
    let mut run = new_run(
        &dir,
        small(&["policy=hosts", "hosts_hidden=[24, 8]"]),
        "bline",
        2 * 1600,
        5,
    );
    assert!(train(&mut run, None));
    let path = dir.join("policy.safetensors");
    let net = ActorNet::load(path.to_str().unwrap()).unwrap();
    assert_eq!(net.kind, PolicyKind::Hosts);
    let (s, _) = cage2();
    let hl = HostsLayout::new(&s);
    let graph = Graph::new(&hl).unwrap();
    let d = run.trainer.feature_dim;
    assert_eq!(d, hl.row_width());
    let n = 48;
    let mut rng = mirrorlab_sim::rng::Stream::new(9, mirrorlab_sim::rng::Purpose::SimRed, 0);
    let feats: Vec<f32> = (0..n * d)
        .map(|i| {
            if i % 3 == 0 {
                rng.unit_f32()
            } else {
                rng.below(2) as f32
            }
        })
        .collect();
    let candle = net.probabilities(&feats, n, Some(&graph)).unwrap();
    let x = Tensor::from_slice(&feats).view([n as i64, d as i64]);
    let (logits, _) = run.trainer.net.forward(&x);
    let p = logits.softmax(-1, tch::Kind::Float);
    let k = p.size()[1] as usize;
    assert_eq!(k, mirrorlab_sim::Layout::new(&s).blue_actions);
    let mut torch = vec![0f32; n * k];
    p.view([-1]).copy_data(&mut torch, n * k);
    let worst = candle
        .iter()
        .zip(&torch)
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    assert!(worst < 1e-5, "largest difference {worst}");
    let (t, c) = both_logits(&run, &net, &feats, n, Some(&graph));
    let m = logit_mismatch(&t, &c, k);
    assert!(m < 1e-3, "logits differ by {m} of their spread");

    // The same file plays networks it was not trained on, of any size, and the `mlp`-only
    // size check does not apply to it.
    for hosts in [8u32, 50, 300] {
        let g = Arc::new(
            mirrorlab_scenarios::load_bytes(
                "g.toml",
                mirrorlab_scenarios::generate::network(hosts, 2).as_bytes(),
            )
            .unwrap()
            .scenario,
        );
        let cfg = PlayConfig {
            scenario: g,
            red: "bline".into(),
            blue: format!("ppo:{}", path.display()),
            episodes: 6,
            seed: 3,
            episode_length: Some(30),
            batch: 4,
            threads: 1,
            record: false,
        };
        let mut episodes = 0;
        let mut actions = 0;
        play(
            &cfg,
            &mut |f| {
                episodes += 1;
                actions += f.summary.blue_actions.iter().sum::<u32>();
            },
            &|_| {},
        )
        .unwrap();
        assert_eq!((episodes, actions), (6, 6 * 30), "{hosts} hosts");
    }
    // A hosts policy cannot play red, and says why.
    let e = mirrorlab_agents::red_agent(&format!("ppo:{}", path.display()), &s, 1, 0)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("blue"), "{e}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn hostile_checkpoints_are_refused_with_a_clear_error_and_never_overwritten() {
    let dir = tmp("hostile");
    let mut run = new_run(&dir, small(&[]), "bline", 2 * 1600, 4);
    assert!(train(&mut run, None));
    let good_path = dir.join("policy.safetensors");
    let good = std::fs::read(&good_path).unwrap();
    let (s, _) = cage2();
    let header_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;

    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty file"),
        ("truncated", good[..good.len() / 2].to_vec(), "safetensors"),
        ("header-only", good[..8].to_vec(), "safetensors"),
        (
            "garbage",
            b"PK\x03\x04 not a checkpoint".to_vec(),
            "safetensors",
        ),
    ];
    let mut flipped_data = good.clone();
    let last = flipped_data.len() - 3;
    flipped_data[last] ^= 0x40;
    cases.push(("flipped-data", flipped_data, "altered or damaged"));
    let mut flipped_header = good.clone();
    flipped_header[8 + header_len / 2] ^= 0x01;
    // A flipped header byte breaks the container, the metadata or the recorded hash:
    // whichever, the file is refused (each error names the file).
    cases.push(("flipped-header", flipped_header, ".safetensors"));
    // A well-formed safetensors file that is not a mirrorlab checkpoint.
    let foreign = {
        let data = vec![0u8; 16];
        let v =
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![4], &data).unwrap();
        safetensors::serialize([("w", v)], None).unwrap()
    };
    cases.push(("foreign", foreign, "not a mirrorlab checkpoint"));
    // The right metadata over the wrong tensors: a shape changed, a dtype changed, a tensor
    // missing, an extra one (each with a recomputed hash, so only the check of names,
    // shapes and dtypes can catch it).
    let st = safetensors::SafeTensors::deserialize(&good).unwrap();
    let (_, hdr) = safetensors::SafeTensors::read_metadata(&good).unwrap();
    let meta_text = hdr.metadata().as_ref().unwrap()["mirrorlab"].clone();
    let rebuild = |edit: &dyn Fn(&mut Vec<RawTensor>)| {
        let mut ts: Vec<RawTensor> = st
            .tensors()
            .into_iter()
            .map(|(n, v)| (n, v.dtype(), v.shape().to_vec(), v.data().to_vec()))
            .collect();
        edit(&mut ts);
        ts.sort_by(|a, b| a.0.cmp(&b.0));
        let h = mirrorlab_agents::learned::tensors_hash(
            ts.iter()
                .map(|(n, d, s, b)| (n.as_str(), format!("{d:?}"), s.as_slice(), b.as_slice())),
        );
        let mut meta: serde_json::Value = serde_json::from_str(&meta_text).unwrap();
        meta["tensors_hash"] = serde_json::Value::from(h);
        let views: Vec<(String, safetensors::tensor::TensorView)> = ts
            .iter()
            .map(|(n, d, s, b)| {
                (
                    n.clone(),
                    safetensors::tensor::TensorView::new(*d, s.clone(), b).unwrap(),
                )
            })
            .collect();
        let info = std::collections::HashMap::from([("mirrorlab".to_string(), meta.to_string())]);
        safetensors::serialize(views, Some(info)).unwrap()
    };
    cases.push((
        "wrong-shape",
        rebuild(&|ts| {
            let t = ts
                .iter_mut()
                .find(|t| t.0 == "policy.actor.out.bias")
                .unwrap();
            t.2 = vec![t.2[0] - 1];
            t.3.truncate(t.3.len() - 4);
        }),
        "shape",
    ));
    cases.push((
        "wrong-dtype",
        rebuild(&|ts| {
            let t = ts
                .iter_mut()
                .find(|t| t.0 == "policy.actor.out.bias")
                .unwrap();
            t.1 = safetensors::Dtype::I32;
        }),
        "expected F32",
    ));
    cases.push((
        "missing",
        rebuild(&|ts| ts.retain(|t| t.0 != "policy.actor.fc0.weight")),
        "missing tensor",
    ));
    cases.push((
        "extra",
        rebuild(&|ts| {
            ts.push((
                "policy.backdoor".into(),
                safetensors::Dtype::F32,
                vec![1],
                vec![0; 4],
            ))
        }),
        "unexpected tensor",
    ));
    for (name, bytes, why) in &cases {
        let p = dir.join(format!("{name}.safetensors"));
        std::fs::write(&p, bytes).unwrap();
        // The trainer's loader (resume) and the player's (ppo:PATH) both refuse it.
        let e = match Checkpoint::load(&p, None) {
            Ok(_) => panic!("{name}: the trainer accepted it"),
            Err(e) => e.to_string(),
        };
        assert!(
            e.contains(p.to_str().unwrap()) && e.contains(why),
            "{name}: {e}"
        );
        match mirrorlab_agents::blue_agent(&format!("ppo:{}", p.display()), &s, 1, 0) {
            // The player reads only the actor; an extra tensor (hash recomputed) is harmless
            // to it.
            Ok(_) => assert_eq!(*name, "extra", "{name}: the player accepted it"),
            Err(e2) => {
                let e2 = e2.to_string();
                assert!(e2.contains(p.to_str().unwrap()), "{name}: {e2}");
                assert!(!e2.contains('\n'));
            }
        }
        assert!(!e.contains('\n'));
        assert_eq!(&std::fs::read(&p).unwrap(), bytes, "{name} was modified");
    }
    // A directory, and a policy trained on another network.
    let e = Checkpoint::load(&dir, None).err().unwrap().to_string();
    assert!(e.contains("directory"), "{e}");
    let other = mirrorlab_scenarios::load_bytes(
        "g.toml",
        mirrorlab_scenarios::generate::network(20, 1).as_bytes(),
    )
    .unwrap()
    .scenario;
    let e = mirrorlab_agents::blue_agent(&format!("ppo:{}", good_path.display()), &other, 1, 0)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("features"), "{e}");
    // Resuming with a foreign checkpoint in place is refused, and the file is kept.
    let ckpt = dir.join("checkpoints/latest.safetensors");
    let d2 = tmp("hostile-other");
    let mut other_run = new_run(&d2, small(&["hidden=[16]"]), "bline", 1600, 4);
    assert!(train(&mut other_run, None));
    let foreign_ckpt = std::fs::read(d2.join("checkpoints/latest.safetensors")).unwrap();
    std::fs::write(&ckpt, &foreign_ckpt).unwrap();
    let e = Run::resume(dir.clone(), Device::Cpu)
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("policy"), "{e}");
    assert_eq!(std::fs::read(&ckpt).unwrap(), foreign_ckpt);
    std::fs::remove_dir_all(&dir).ok();
    std::fs::remove_dir_all(&d2).ok();
}

/// A tensor as stored: name, dtype, shape, bytes.
type RawTensor = (String, safetensors::Dtype, Vec<usize>, Vec<u8>);

fn score(blue: &str, steps: u32, episodes: u64, seed: u64) -> f64 {
    score_on(&cage2().0, blue, steps, episodes, seed)
}

/// Mean blue score of `blue` against B_line on `s`.
fn score_on(s: &Arc<Scenario>, blue: &str, steps: u32, episodes: u64, seed: u64) -> f64 {
    let cfg = PlayConfig {
        scenario: s.clone(),
        red: "bline".into(),
        blue: blue.into(),
        episodes,
        seed,
        episode_length: Some(steps),
        batch: 50,
        threads: 1,
        record: false,
    };
    mean_blue_score(&cfg)
}

/// Blue's mean score over the episodes of `cfg`.
fn mean_blue_score(cfg: &PlayConfig) -> f64 {
    let mut total = 0.0;
    play(
        cfg,
        &mut |f| total += f.summary.blue_score as f64 / 10.0,
        &|_| {},
    )
    .unwrap();
    total / cfg.episodes as f64
}

#[test]
fn a_short_training_run_beats_the_reactive_defender_on_a_held_out_seed() {
    let dir = tmp("learn");
    // About 400k steps against B_line: under a minute on two cores.
    let cfg = TrainConfig::resolve(
        None,
        &[
            "num_envs=64".into(),
            "num_steps=100".into(),
            "torch_threads=2".into(),
            "checkpoint_every=100".into(),
        ],
    )
    .unwrap();
    let mut run = new_run(&dir, cfg, "bline", 64 * 100 * 60, 21);
    assert!(train(&mut run, None));
    let policy = format!("ppo:{}", dir.join("policy.safetensors").display());
    // Held-out seed 999 (training used 21), 200 episodes of 100 steps.
    let learned = score(&policy, 100, 200, 999);
    let react = score("react-restore", 100, 200, 999);
    let sleep = score("sleep", 100, 200, 999);
    eprintln!("learned {learned:.1}, react-restore {react:.1}, sleep {sleep:.1}");
    assert!(
        learned > react && learned > sleep,
        "learned {learned:.1}, react-restore {react:.1}, sleep {sleep:.1}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_hosts_policy_trained_on_cage2_defends_a_larger_network_it_never_saw() {
    let dir = tmp("learn-hosts");
    // The hosts recipe, about 400k steps against B_line on cage2 (13 hosts).
    let cfg = TrainConfig::resolve(
        Some(("hosts.toml", include_str!("../hosts.toml"))),
        &[
            "num_envs=64".into(),
            "num_steps=100".into(),
            "torch_threads=2".into(),
            "checkpoint_every=100".into(),
        ],
    )
    .unwrap();
    let mut run = new_run(&dir, cfg, "bline", 64 * 100 * 60, 21);
    assert!(train(&mut run, None));
    let policy = format!("ppo:{}", dir.join("policy.safetensors").display());
    let (cage, _) = cage2();
    // A generated network of 60 hosts (user, enterprise and operational zones, other
    // services, other decoys), never seen in training.
    let big = Arc::new(
        mirrorlab_scenarios::load_bytes(
            "g.toml",
            mirrorlab_scenarios::generate::network(60, 4).as_bytes(),
        )
        .unwrap()
        .scenario,
    );
    for (name, s) in [("cage2", &cage), ("generated-60", &big)] {
        let learned = score_on(s, &policy, 100, 100, 999);
        let react = score_on(s, "react-restore", 100, 100, 999);
        let sleep = score_on(s, "sleep", 100, 100, 999);
        eprintln!("{name}: learned {learned:.1}, react-restore {react:.1}, sleep {sleep:.1}");
        assert!(
            learned > react && learned > sleep,
            "{name}: learned {learned:.1}, react-restore {react:.1}, sleep {sleep:.1}"
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// A learned red's actions are masked to what it knows, in training and in play: a barely
/// trained attacker (whose raw policy spreads weight over every action) names no unknown
/// host or subnet, yet acts.
#[test]
fn a_learned_red_chooses_only_actions_that_name_what_it_knows() {
    let dir = tmp("red-mask");
    let (s, src) = cage2();
    let mut run = Run::create(NewRun {
        dir: dir.clone(),
        cfg: small(&[]),
        scenario: s.clone(),
        scenario_source: &src,
        side: mirrorlab_agents::Side::Red,
        opponent: "react-restore",
        seed: 3,
        total_steps: 2 * 1600,
        device: Device::Cpu,
    })
    .unwrap();
    assert!(train(&mut run, None));
    let cfg = PlayConfig {
        scenario: s,
        red: format!("ppo-sample:{}", dir.join("policy.safetensors").display()),
        blue: "react-restore".into(),
        episodes: 20,
        seed: 1,
        episode_length: Some(100),
        batch: 20,
        threads: 1,
        record: false,
    };
    let (mut invalid, mut acted) = (0u32, 0u32);
    play(
        &cfg,
        &mut |f| {
            invalid += f.summary.red_invalid;
            acted += f.summary.red_actions[1..].iter().sum::<u32>();
        },
        &|_| {},
    )
    .unwrap();
    assert_eq!(invalid, 0, "invalid red actions");
    assert!(acted > 100, "{acted} actions beyond sleep in 20 episodes");
    std::fs::remove_dir_all(&dir).ok();
}

/// Red learns the same way blue does: an attacker trained for 12 updates against
/// React-Restore costs it more than the same run's attacker after one update, played on a
/// held-out seed (sampled, as a trained red is meant to vary).
#[test]
fn a_short_red_training_run_learns_to_hurt_the_reactive_defender() {
    let (s, src) = cage2();
    let train_red = |updates: u64| {
        let dir = tmp(&format!("red-learn-{updates}"));
        let cfg = TrainConfig::resolve(
            None,
            &["torch_threads=2".into(), "checkpoint_every=100".into()],
        )
        .unwrap();
        let steps = updates * cfg.batch_size() as u64;
        let mut run = Run::create(NewRun {
            dir: dir.clone(),
            cfg,
            scenario: s.clone(),
            scenario_source: &src,
            side: mirrorlab_agents::Side::Red,
            opponent: "react-restore",
            seed: 1,
            total_steps: steps,
            device: Device::Cpu,
        })
        .unwrap();
        assert!(train(&mut run, None));
        let cfg = PlayConfig {
            scenario: s.clone(),
            red: format!("ppo-sample:{}", dir.join("policy.safetensors").display()),
            blue: "react-restore".into(),
            episodes: 200,
            seed: 99,
            episode_length: Some(100),
            batch: 50,
            threads: 1,
            record: false,
        };
        let score = mean_blue_score(&cfg);
        std::fs::remove_dir_all(&dir).ok();
        score
    };
    let (early, trained) = (train_red(1), train_red(12));
    assert!(
        trained < 1.8 * early,
        "React-Restore scores {trained:.1} against the trained red, {early:.1} after one update"
    );
}
