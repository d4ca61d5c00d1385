//! The `mirrorlab` command as a user meets it.

use std::process::{Command, Output};

fn ml(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mirrorlab"))
        .args(args)
        .output()
        .expect("mirrorlab runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}
fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_str(stdout(o).trim())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(o)))
}

#[test]
fn validate_accepts_bundled_and_reports_located_errors() {
    let ok = ml(&["validate", "cage2", "cage2-fixed", "scenarios/cage2.toml"]);
    assert!(ok.status.success(), "{}", stderr(&ok));
    assert_eq!(stdout(&ok).matches("ok: ").count(), 3);
    let bad = ml(&[
        "validate",
        "scenarios/tests/bad/many_errors.toml",
        "scenarios/cage2.toml",
    ]);
    assert_eq!(bad.status.code(), Some(1));
    let err = stderr(&bad);
    assert!(
        err.contains(
            "scenarios/tests/bad/many_errors.toml:16:1: error: host[0].colour: unknown key"
        ),
        "{err}"
    );
    assert_eq!(err.matches(": error: ").count(), 3, "{err}");
    assert!(stdout(&bad).contains("ok: scenarios/cage2.toml"));
    let missing = ml(&["validate", "no/such/file.toml"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("cannot read"));
}

#[test]
fn run_json_has_the_promised_fields_and_is_deterministic() {
    let args = [
        "run",
        "cage2",
        "--red",
        "bline",
        "--blue",
        "react-remove",
        "--episodes",
        "40",
        "--seed",
        "9",
        "--steps",
        "30",
        "--json",
    ];
    let a = json(&ml(&args));
    for k in [
        "score_mean",
        "score_ci95",
        "episodes",
        "seed",
        "trace_hash",
        "blue_actions",
        "exploits",
    ] {
        assert!(a.get(k).is_some(), "missing {k} in {a}");
    }
    assert_eq!(a["episodes"], 40);
    assert_eq!(a["seed"], 9);
    let mut one = args.to_vec();
    one.extend(["--threads", "1"]);
    let b = json(&ml(&one));
    assert_eq!(a, b, "thread count changed the result");
    let mut other = args.to_vec();
    other[9] = "10";
    assert_ne!(json(&ml(&other))["trace_hash"], a["trace_hash"]);
}

#[test]
fn run_prints_a_readable_summary() {
    let o = ml(&[
        "run",
        "cage2",
        "--red",
        "meander",
        "--blue",
        "sleep",
        "--episodes",
        "10",
        "--steps",
        "50",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t = stdout(&o);
    for k in [
        "score (blue)",
        "95% CI",
        "hosts compromised",
        "first privileged access",
        "first impact",
        "blue actions",
        "trace hash",
    ] {
        assert!(t.contains(k), "missing {k}:\n{t}");
    }
}

#[test]
fn bad_arguments_give_one_clear_line_and_no_panic() {
    let o = ml(&["run", "cage2", "--red", "hal9000", "--blue", "sleep"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("unknown red agent `hal9000`") && e.contains("bline"),
        "{e}"
    );
    assert!(!e.contains("panicked"));
    let o = ml(&["eval", "--protocol", "cage3", "--blue", "sleep"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown protocol"));
    let o = ml(&[
        "run",
        "cage2",
        "--red",
        "bline",
        "--blue",
        "sleep",
        "--episodes",
        "0",
    ]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn replays_round_trip_through_files_and_bad_ones_are_refused() {
    let dir = std::env::temp_dir().join(format!("mirrorlab-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rep = dir.join("r.json");
    let trace = dir.join("t.txt");
    let o = ml(&[
        "run",
        "cage2",
        "--red",
        "bline",
        "--blue",
        "random",
        "--episodes",
        "3",
        "--steps",
        "20",
        "--replay",
        rep.to_str().unwrap(),
        "--trace",
        trace.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let back = ml(&["replay", rep.to_str().unwrap()]);
    assert!(back.status.success(), "{}", stderr(&back));
    assert_eq!(stdout(&back).matches("reproduced").count(), 3);
    let t = std::fs::read_to_string(&trace).unwrap();
    assert!(t.starts_with("# mirrorlab trace v1"));
    assert!(t.lines().filter(|l| !l.starts_with('#')).count() >= 3 * 20 * 3);
    // A recorded score that the episode does not reproduce is refused.
    let mut doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&rep).unwrap()).unwrap();
    let score = doc["episodes"][1]["blue_score"].as_f64().unwrap();
    doc["episodes"][1]["blue_score"] = serde_json::json!(score - 1.0);
    let tampered = dir.join("tampered.json");
    std::fs::write(&tampered, serde_json::to_vec(&doc).unwrap()).unwrap();
    let bad = ml(&["replay", tampered.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("blue score"), "{}", stderr(&bad));
    // Garbage is refused with a message, and the file is left as it was.
    std::fs::write(&rep, b"{\"format\": 1").unwrap();
    let bad = ml(&["replay", rep.to_str().unwrap()]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("not a valid replay file"),
        "{}",
        stderr(&bad)
    );
    assert_eq!(std::fs::read(&rep).unwrap(), b"{\"format\": 1");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn schema_is_json_schema_of_the_format() {
    let o = ml(&["schema"]);
    let s = json(&o);
    assert!(s.get("$schema").is_some());
    for k in [
        "host", "subnet", "route", "exploit", "decoy", "red", "blue", "green", "sensor",
        "generate", "rules",
    ] {
        assert!(s["properties"].get(k).is_some(), "schema lacks {k}");
    }
}

#[test]
fn eval_prints_the_cage2_table() {
    let o = ml(&[
        "eval",
        "--blue",
        "react-restore",
        "--episodes",
        "20",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let j = json(&o);
    assert_eq!(j["cells"].as_array().unwrap().len(), 9);
    let total: f64 = j["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["mean"].as_f64().unwrap())
        .sum();
    assert!((total - j["total"].as_f64().unwrap()).abs() < 1e-9);
    let t = ml(&["eval", "--blue", "sleep", "--episodes", "10"]);
    let text = stdout(&t);
    assert!(
        text.contains("B_line") && text.contains("Meander") && text.contains("total"),
        "{text}"
    );
}

#[test]
fn bench_reports_rows_as_json() {
    let o = ml(&[
        "bench",
        "--seconds",
        "0.05",
        "--no-write",
        "--only",
        "cage2",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        rows.len(),
        3,
        "cage2's rows: B_line, Meander, the fast attacker"
    );
    for r in rows {
        for k in [
            "scenario",
            "hosts",
            "steps_per_sec_per_core",
            "steps_per_sec_all_cores",
        ] {
            assert!(r.get(k).is_some(), "missing {k}");
        }
        assert!(r["steps_per_sec_per_core"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn every_limit_is_enforced_at_the_command_line_and_files_at_the_limit_read_back() {
    let dir = std::env::temp_dir().join(format!("mirrorlab-limits-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rep = dir.join("r.json");
    let r = rep.to_str().unwrap();
    let base = ["run", "cage2", "--red", "sleep", "--blue", "sleep"];
    for (flag, value) in [
        ("--steps", "1000001"),
        ("--steps", "0"),
        ("--episodes", "0"),
        ("--episodes", "1000000001"),
    ] {
        let mut args = base.to_vec();
        args.extend([flag, value, "--replay", r]);
        let o = ml(&args);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}");
        let e = stderr(&o);
        assert!(
            e.contains(flag) && e.contains("expected a whole number from 1 to"),
            "{e}"
        );
        assert!(!rep.exists(), "a refused run wrote a replay");
    }
    // A replay too large to read back is refused before anything runs.
    let mut args = base.to_vec();
    args.extend(["--episodes", "1000", "--steps", "1000000", "--replay", r]);
    let o = ml(&args);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("`mirrorlab replay` reads"),
        "{}",
        stderr(&o)
    );
    assert!(!rep.exists());
    // At the limit, the file written is one `replay` reads back.
    let mut args = base.to_vec();
    args.extend(["--episodes", "1", "--steps", "1000000", "--replay", r]);
    let o = ml(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    let back = ml(&["replay", r]);
    assert!(back.status.success(), "{}", stderr(&back));
    assert!(stdout(&back).contains("reproduced"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn agent_lists_come_from_the_registry() {
    let names = |side| {
        mirrorlab_agents::agents(side)
            .map(|a| a.name)
            .collect::<Vec<_>>()
    };
    let listed = stdout(&ml(&["agents"]));
    let help = stdout(&ml(&["run", "--help"]));
    for side in [mirrorlab_agents::Side::Red, mirrorlab_agents::Side::Blue] {
        for n in names(side) {
            assert!(listed.contains(&format!("  {n} ")), "`agents` lacks {n}");
            assert!(help.contains(n), "`run --help` lacks {n}");
        }
    }
    assert!(listed.contains("restore-cycle") && help.contains("restore-cycle"));
    let e = stderr(&ml(&["run", "cage2", "--red", "bline", "--blue", "nope"]));
    for n in names(mirrorlab_agents::Side::Blue) {
        assert!(e.contains(n), "unknown-agent error lacks {n}: {e}");
    }
    let e = stderr(&ml(&["eval", "--blue", "nope", "--episodes", "1"]));
    assert!(e.contains("restore-cycle"), "{e}");
}

#[test]
fn threads_and_output_paths_are_checked() {
    for t in ["0", "257", "x"] {
        let o = ml(&[
            "run",
            "cage2",
            "--red",
            "sleep",
            "--blue",
            "sleep",
            "--threads",
            t,
        ]);
        assert_eq!(o.status.code(), Some(2), "--threads {t}");
        assert!(stderr(&o).contains("1 to 256"), "{}", stderr(&o));
    }
    let dir = std::env::temp_dir().join(format!("mirrorlab-paths-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let same = dir.join("same.out");
    let p = same.to_str().unwrap();
    let o = ml(&[
        "run",
        "cage2",
        "--red",
        "sleep",
        "--blue",
        "sleep",
        "--episodes",
        "1",
        "--trace",
        p,
        "--replay",
        p,
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("same file"), "{}", stderr(&o));
    assert!(!same.exists());
    // A directory is never replaced.
    let o = ml(&[
        "run",
        "cage2",
        "--red",
        "sleep",
        "--blue",
        "sleep",
        "--episodes",
        "1",
        "--trace",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    assert!(dir.is_dir());
    // Alerts: the extension says the format; the same file by another spelling is refused
    // before anything is played; a failed trace leaves an old alerts file as it was.
    let alerts = dir.join("a.csv");
    std::fs::write(&alerts, "old").unwrap();
    let run = |extra: &[&str]| {
        let mut args = vec![
            "run",
            "enterprise",
            "--red",
            "adaptive",
            "--blue",
            "sleep",
            "--episodes",
            "1",
        ];
        args.extend_from_slice(extra);
        ml(&args)
    };
    let o = run(&["--alerts", dir.join("a.txt").to_str().unwrap()]);
    assert!(
        stderr(&o).contains("expected a name ending in .csv"),
        "{}",
        stderr(&o)
    );
    let other = format!("{}/./a.csv", dir.display());
    let o = run(&["--alerts", alerts.to_str().unwrap(), "--trace", &other]);
    assert!(stderr(&o).contains("name the same file"), "{}", stderr(&o));
    let o = run(&[
        "--alerts",
        alerts.to_str().unwrap(),
        "--trace",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(std::fs::read_to_string(&alerts).unwrap(), "old");
    let o = run(&["--alerts", alerts.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(&alerts).unwrap();
    assert!(
        text.starts_with("episode,tick,host,subnet,sensor"),
        "{text}"
    );
    assert!(text.contains(",malicious,red,") && text.contains(",benign,green,"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn text_from_files_and_arguments_cannot_forge_an_error_line() {
    let o = ml(&[
        "run",
        "cage2",
        "--red",
        "x\nerror: forged",
        "--blue",
        "sleep",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("x\\nerror: forged"), "{e}");
}

#[test]
fn plot_refuses_what_is_not_a_run_folder() {
    let dir = std::env::temp_dir().join(format!("mirrorlab-plot-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let o = ml(&["plot", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("metrics.csv"), "{}", stderr(&o));
    std::fs::write(dir.join("metrics.csv"), "a,b\n1,2\n").unwrap();
    let o = ml(&["plot", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a mirrorlab metrics file"),
        "{}",
        stderr(&o)
    );
    std::fs::remove_dir_all(&dir).ok();
}

#[cfg(feature = "training")]
#[test]
fn train_resume_plot_and_eval_with_the_trained_policy() {
    let dir = std::env::temp_dir().join(format!("mirrorlab-train-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let o = ml(&[
        "train",
        "cage2",
        "--red",
        "bline",
        "--total-steps",
        "3200",
        "--seed",
        "3",
        "--device",
        "cpu",
        "--set",
        "num_envs=16",
        "--set",
        "hidden=[16]",
        "--out",
        d,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        stdout(&o).lines().last(),
        Some(d),
        "the last line is the run folder"
    );
    for f in [
        "run.toml",
        "metrics.csv",
        "policy.safetensors",
        "eval.md",
        "plots/learning_curve.png",
    ] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let eval_md = std::fs::read_to_string(dir.join("eval.md")).unwrap();
    assert!(eval_md.contains("react-restore") && eval_md.contains("| 100 |"));
    // Resuming a finished run changes nothing and says where it is.
    let o = ml(&["train", "--resume", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).lines().last(), Some(d));
    let o = ml(&["plot", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("losses.png"));
    let policy = format!("ppo:{}", dir.join("policy.safetensors").display());
    let o = ml(&["eval", "--blue", &policy, "--episodes", "5", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["cells"].as_array().unwrap().len(), 9);
    let o = ml(&[
        "run",
        "cage2",
        "--red",
        "meander",
        "--blue",
        &policy,
        "--episodes",
        "3",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Bad input: not a run folder; an unknown configuration key.
    let o = ml(&["train", "--resume", "/nonexistent-run"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a run folder"), "{}", stderr(&o));
    let o = ml(&[
        "train",
        "cage2",
        "--set",
        "learning_rat=1",
        "--out",
        "/tmp/never-made",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("learning_rat"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_shipped_defender_plays_right_after_cloning() {
    // results/training/cage2-ppo: total −60.52 on the full protocol (1,000 episodes per cell).
    let o = ml(&[
        "eval",
        "--blue",
        "ppo:results/training/cage2-ppo/policy.safetensors",
        "--episodes",
        "50",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let total = json(&o)["total"].as_f64().unwrap();
    assert!(total > -90.0, "the shipped defender scored {total}");
}

#[cfg(feature = "training")]
#[test]
fn red_learns_the_same_way_and_plays_with_ppo() {
    let dir = std::env::temp_dir().join(format!("mirrorlab-train-red-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let d = dir.to_str().unwrap();
    let o = ml(&[
        "train",
        "cage2",
        "--learner",
        "red",
        "--blue",
        "react-restore",
        "--total-steps",
        "1600",
        "--device",
        "cpu",
        "--set",
        "num_envs=16",
        "--set",
        "hidden=[16]",
        "--out",
        d,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let run_toml = std::fs::read_to_string(dir.join("run.toml")).unwrap();
    assert!(run_toml.contains("side = \"red\""), "{run_toml}");
    assert!(
        !dir.join("eval.md").exists(),
        "the CAGE-2 table is for defenders"
    );
    let policy = format!("ppo:{}", dir.join("policy.safetensors").display());
    let o = ml(&[
        "run",
        "cage2",
        "--red",
        &policy,
        "--blue",
        "sleep",
        "--episodes",
        "2",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json(&o)["episodes"], 2);
    // A red policy cannot defend, and each side's opponent flag is the other side's.
    let o = ml(&["run", "cage2", "--red", "bline", "--blue", &policy]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("red policy"), "{}", stderr(&o));
    // The viewer shows a learned red's most probable actions, the played one first (greedy).
    let scenario = std::sync::Arc::new(mirrorlab_scenarios::load("cage2").unwrap().scenario);
    let mut t = mirrorlab_tui::Timeline::live(scenario, &policy, "sleep", 0, 0, None).unwrap();
    for tick in 1..=10 {
        let f = t.frame(tick);
        assert_eq!(f.red_top.len(), 3, "tick {tick}");
        assert_eq!(Some(f.red_top[0].0), f.inputs.map(|i| i.1), "tick {tick}");
        assert!(f.blue_top.is_empty(), "a scripted blue has no distribution");
    }
    let o = ml(&["train", "cage2", "--learner", "red", "--red", "bline"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--blue"), "{}", stderr(&o));
    let o = ml(&["train", "cage2", "--blue", "sleep"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--red"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn generate_writes_a_network_that_loads_and_refuses_impossible_sizes() {
    let o = ml(&["generate", "--hosts", "40", "--seed", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    let l = mirrorlab_scenarios::load_bytes("g.toml", text.as_bytes()).unwrap();
    assert_eq!(l.scenario.hosts.len(), 40);
    assert_eq!(
        stdout(&ml(&["generate", "--hosts", "40", "--seed", "7"])),
        text
    );
    assert_ne!(
        stdout(&ml(&["generate", "--hosts", "40", "--seed", "8"])),
        text
    );
    for bad in ["5", "100001", "-3", "many"] {
        let o = ml(&["generate", "--hosts", bad]);
        assert_eq!(o.status.code(), Some(2), "--hosts {bad}");
        assert!(stderr(&o).contains("--hosts"), "{}", stderr(&o));
    }
}

#[test]
fn the_shipped_hosts_defender_plays_a_network_it_never_saw() {
    // results/training/cage2-hosts: trained on cage2 (13 hosts).
    let o = ml(&["generate", "--hosts", "60", "--seed", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = std::env::temp_dir().join(format!("mirrorlab-g60-{}.toml", std::process::id()));
    std::fs::write(&path, o.stdout).unwrap();
    let p = path.to_str().unwrap();
    let total = |blue: &str| {
        let o = ml(&[
            "eval",
            "--blue",
            blue,
            "--scenario",
            p,
            "--episodes",
            "20",
            "--json",
        ]);
        assert!(o.status.success(), "{}", stderr(&o));
        json(&o)["total"].as_f64().unwrap()
    };
    let learned = total("ppo:results/training/cage2-hosts/policy.safetensors");
    let react = total("react-restore");
    assert!(
        learned > react / 2.0,
        "hosts policy {learned}, react-restore {react}"
    );
    // The mlp defender is tied to cage2's size, and says so.
    let o = ml(&[
        "eval",
        "--blue",
        "ppo:results/training/cage2-ppo/policy.safetensors",
        "--scenario",
        p,
        "--episodes",
        "2",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("features"), "{}", stderr(&o));
    std::fs::remove_file(&path).ok();
}

#[test]
fn the_viewers_check_their_arguments_and_need_a_terminal() {
    // Bad input is refused before the terminal is taken over.
    let o = ml(&["watch", "cage2", "--red", "nobody"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nobody"), "{}", stderr(&o));
    let o = ml(&["compare", "--blue", "sleep"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("two defenders"), "{}", stderr(&o));
    let o = ml(&[
        "compare",
        "--blue",
        "sleep",
        "--blue",
        "ppo:/nonexistent.safetensors",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nonexistent"), "{}", stderr(&o));
    // Good input, but no terminal (the test's output is a pipe): one clear line.
    for args in [
        &["watch"][..],
        &["compare", "--blue", "sleep", "--blue", "react-restore"][..],
    ] {
        let o = ml(args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("terminal"), "{}", stderr(&o));
        assert_eq!(stderr(&o).trim().lines().count(), 1, "{}", stderr(&o));
    }
    let dir = std::env::temp_dir().join(format!("mirrorlab-view-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let r = dir.join("r.json");
    let rs = r.to_str().unwrap();
    let o = ml(&[
        "run",
        "cage2",
        "--red",
        "bline",
        "--blue",
        "sleep",
        "--episodes",
        "2",
        "--replay",
        rs,
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = ml(&["replay", rs, "--view", "--episode", "2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("2 episode(s)"), "{}", stderr(&o));
    let o = ml(&["replay", rs, "--view"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("terminal"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn view_refuses_what_is_not_results_before_taking_the_terminal() {
    let o = ml(&["view", "/nonexistent/run"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("/nonexistent/run: no such file"),
        "{}",
        stderr(&o)
    );
    let o = ml(&["view", "Cargo.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no table here"), "{}", stderr(&o));
    // Results it can show, but no terminal to show them in.
    let o = ml(&["view", "results/cage2/eval-sleep.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("run it in a terminal"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_evaluation_on_a_scenario_file_records_the_file_so_its_cells_can_be_watched() {
    let dir = std::env::temp_dir().join(format!("mirrorlab-eval-file-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("g.toml");
    std::fs::write(
        &file,
        stdout(&ml(&["generate", "--hosts", "12", "--seed", "2"])),
    )
    .unwrap();
    let f = file.to_str().unwrap();
    let o = ml(&[
        "eval",
        "--scenario",
        f,
        "--blue",
        "sleep",
        "--episodes",
        "2",
        "--markdown",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    assert!(md.contains(&format!("on `{f}`")), "{md}");
    let path = dir.join("e.md");
    std::fs::write(&path, &md).unwrap();
    let doc = mirrorlab_tui::Document::open(&path).unwrap();
    let Some(mirrorlab_tui::results::Item::Table(t)) = doc.items.first() else {
        panic!("a table")
    };
    let l = t.launch(0, 1).unwrap();
    assert_eq!(l.scenario, f);
    // The launched episode loads from the recorded file.
    let s = std::sync::Arc::new(mirrorlab_scenarios::load(&l.scenario).unwrap().scenario);
    assert!(mirrorlab_tui::Timeline::live(s, &l.red, &l.blue, l.seed, 0, Some(l.steps)).is_ok());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_replay_writes_the_same_alerts_as_the_run_that_recorded_it() {
    let dir = std::env::temp_dir().join(format!("ml-replay-alerts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (rep, a1, a2) = (dir.join("r.json"), dir.join("a1.csv"), dir.join("a2.csv"));
    let o = ml(&[
        "run",
        "enterprise",
        "--red",
        "adaptive",
        "--blue",
        "react-restore",
        "--episodes",
        "3",
        "--replay",
        rep.to_str().unwrap(),
        "--alerts",
        a1.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = ml(&[
        "replay",
        rep.to_str().unwrap(),
        "--alerts",
        a2.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let (x, y) = (
        std::fs::read_to_string(&a1).unwrap(),
        std::fs::read_to_string(&a2).unwrap(),
    );
    assert!(x.lines().count() > 10, "{x}");
    assert_eq!(x, y);
    // The replay file itself, or a folder, is refused; nothing is written.
    let o = ml(&[
        "replay",
        rep.to_str().unwrap(),
        "--alerts",
        rep.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the replay file itself"),
        "{}",
        stderr(&o)
    );
    let o = ml(&[
        "replay",
        rep.to_str().unwrap(),
        "--alerts",
        dir.to_str().unwrap(),
    ]);
    assert!(stderr(&o).contains("is a directory"), "{}", stderr(&o));
    std::fs::remove_dir_all(&dir).ok();
}
