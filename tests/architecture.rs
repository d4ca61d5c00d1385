//! ARCHITECTURE.md's invariants, checked from the manifests and the sources.

use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn manifest(krate: &str) -> toml::Table {
    let path = root().join(krate).join("Cargo.toml");
    std::fs::read_to_string(&path).unwrap().parse().unwrap()
}

fn deps(krate: &str) -> Vec<String> {
    let m = manifest(krate);
    let mut out = Vec::new();
    for section in ["dependencies", "build-dependencies"] {
        if let Some(t) = m.get(section).and_then(|d| d.as_table()) {
            out.extend(t.keys().cloned());
        }
    }
    out
}

fn sources(dir: &Path) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let text = std::fs::read_to_string(&p).unwrap();
                out.push((p, text));
            }
        }
    }
    out
}

/// Source text without comments (so the invariants can be named in docs).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const HEAVY: [&str; 6] = [
    "tch",
    "torch-sys",
    "candle-core",
    "ratatui",
    "crossterm",
    "plotters",
];

#[test]
fn sim_depends_on_no_mirrorlab_crate_and_no_tensor_or_ui_library() {
    for d in deps("sim") {
        assert!(!d.starts_with("mirrorlab"), "sim depends on {d}");
        assert!(!HEAVY.contains(&d.as_str()), "sim depends on {d}");
    }
}

#[test]
fn scenarios_and_agents_depend_only_on_sim_among_mirrorlab_crates() {
    for krate in ["scenarios", "agents"] {
        for d in deps(krate) {
            assert!(
                !d.starts_with("mirrorlab") || d == "mirrorlab-sim",
                "{krate} depends on {d}"
            );
            // The agents crate plays trained policies with candle-core (pure Rust), so that
            // they run where there is no libtorch; nothing else heavy.
            let allowed = krate == "agents" && d == "candle-core";
            assert!(
                allowed || !HEAVY.contains(&d.as_str()),
                "{krate} depends on {d}"
            );
        }
    }
    assert!(
        !deps("agents").iter().any(|d| d == "toml"),
        "agents must not know the scenario file syntax"
    );
}

#[test]
fn sim_does_no_io_and_never_reads_the_clock_or_unseeded_randomness() {
    let banned = [
        "std::fs",
        "std::net",
        "std::io::stdin",
        "std::env",
        "Instant",
        "SystemTime",
        "thread_rng",
        "rand::rng",
        "from_entropy",
        "from_os_rng",
        "HashMap",
        "HashSet",
        "println!",
        "eprintln!",
    ];
    for (path, text) in sources(&root().join("sim/src")) {
        let c = code(&text);
        for b in banned {
            assert!(!c.contains(b), "{} uses {b}", path.display());
        }
    }
}

#[test]
fn no_bevy_type_in_sims_public_api() {
    for (path, text) in sources(&root().join("sim/src")) {
        let c = code(&text);
        if path.ends_with("world.rs") {
            // bevy lives here, privately: no `pub` item may mention it.
            for line in c.lines().filter(|l| l.trim_start().starts_with("pub ")) {
                for b in ["Res<", "ResMut<", "World", "Schedule", "Resource", "bevy"] {
                    assert!(
                        !line.contains(b) || line.contains("World_"),
                        "public bevy type in {}: {line}",
                        path.display()
                    );
                }
            }
        } else {
            assert!(
                !c.contains("bevy"),
                "{} mentions bevy outside world.rs",
                path.display()
            );
        }
    }
    let lib = std::fs::read_to_string(root().join("sim/src/lib.rs")).unwrap();
    assert!(
        lib.contains("mod world;") && !lib.contains("pub mod world"),
        "world.rs must stay private"
    );
}

#[test]
fn only_scenarios_knows_the_file_syntax() {
    for krate in ["sim", "agents"] {
        assert!(
            !deps(krate).iter().any(|d| d == "toml"),
            "{krate} depends on toml"
        );
    }
}

#[test]
fn bevy_is_single_threaded_and_lean() {
    let ws: toml::Table = std::fs::read_to_string(root().join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let bevy = &ws["workspace"]["dependencies"]["bevy_ecs"];
    assert_eq!(bevy["default-features"].as_bool(), Some(false));
    let feats: Vec<&str> = bevy["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f.as_str())
        .collect();
    assert!(
        !feats.contains(&"multi_threaded"),
        "multi_threaded reorders systems"
    );
}

#[test]
fn only_the_training_crate_links_libtorch_and_the_binary_only_behind_its_feature() {
    for krate in ["sim", "scenarios", "agents"] {
        for d in deps(krate) {
            assert!(
                d != "tch" && d != "torch-sys" && d != "mirrorlab-training",
                "{krate} depends on {d}"
            );
        }
    }
    let training = deps("training");
    assert!(training.iter().any(|d| d == "tch"));
    let root_manifest = manifest(".");
    let root_deps = root_manifest["dependencies"].as_table().unwrap();
    for d in ["tch", "torch-sys", "mirrorlab-training"] {
        assert_eq!(
            root_deps[d].get("optional").and_then(|o| o.as_bool()),
            Some(true),
            "the binary must reach {d} only through the `training` feature"
        );
    }
}

#[test]
fn the_viewer_depends_on_sim_and_agents_and_only_it_knows_the_terminal() {
    for d in deps("tui") {
        assert!(
            [
                "mirrorlab-sim",
                "mirrorlab-agents",
                "ratatui",
                "thiserror",
                "ctrlc",
                "serde_json"
            ]
            .contains(&d.as_str()),
            "tui depends on {d}"
        );
    }
    for krate in ["sim", "scenarios", "agents", "training"] {
        for d in deps(krate) {
            assert!(
                d != "ratatui" && d != "crossterm" && d != "mirrorlab-tui",
                "{krate} depends on {d}"
            );
        }
    }
    // The terminal is touched in one file: the rest of the viewer is model, update and a
    // pure view, testable without a terminal.
    for (path, text) in sources(&root().join("tui/src")) {
        let c = code(&text);
        if !path.ends_with("term.rs") {
            for b in [
                "crossterm::terminal",
                "execute!",
                "ratatui::init",
                "try_init",
                "stdout()",
            ] {
                assert!(!c.contains(b), "{} uses {b}", path.display());
            }
        }
    }
    // `update` is the only place the App changes: the view takes it by shared reference.
    let view = std::fs::read_to_string(root().join("tui/src/view.rs")).unwrap();
    assert!(view.contains("pub fn render(app: &App, f: &mut Frame)"));
    assert!(!code(&view).contains("&mut App"));
    // The same for the results view.
    let view = std::fs::read_to_string(root().join("tui/src/results_view.rs")).unwrap();
    assert!(view.contains("pub fn render(app: &Results, f: &mut Frame)"));
    assert!(!code(&view).contains("&mut Results"));
}
