//! Fidelity, cell by cell: every scripted pairing on cage2 scores as CybORG 2.1 (commit
//! 26ce1c1) did on the same protocol, within noise. CybORG's figures are data measured beside
//! the project (results/cyborg/, with the command and commit); this test never runs CybORG.

mod common;

use common::*;

fn our_name(cyborg: &str) -> &'static str {
    match cyborg {
        "B_lineAgent" => "bline",
        "RedMeanderAgent" => "meander",
        "SleepAgent" => "sleep",
        other => panic!("unknown red agent {other} in the CybORG data"),
    }
}

/// One row of CybORG's measurements: (red, blue, steps, mean, 95% CI half-width).
fn cyborg_rows(file: &str) -> Vec<(&'static str, String, u32, f64, f64)> {
    let path = format!("{}/results/cyborg/{file}", env!("CARGO_MANIFEST_DIR"));
    let csv = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (cr, cb, cs, cm, cci) = (
        col("red"),
        col("blue"),
        col("steps"),
        col("mean"),
        col("ci95"),
    );
    rows.filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                our_name(f[cr]),
                f[cb].to_string(),
                f[cs].parse().unwrap(),
                f[cm].parse().unwrap(),
                f[cci].parse().unwrap(),
            )
        })
        .collect()
}

#[test]
fn every_scripted_cell_matches_cyborg_within_noise() {
    let s = cage2();
    let mut rows = cyborg_rows("cage2_scripted.csv");
    assert_eq!(rows.len(), 36, "expected 3 reds × 4 blues × 3 lengths");
    // A second, independent CybORG run of some cells with 500 episodes each.
    rows.extend(cyborg_rows("cage2_scripted_n500.csv"));
    let mut report = String::new();
    let mut worst: f64 = 0.0;
    for (red, blue, steps, theirs, their_ci) in &rows {
        let ours = Match {
            scenario: &s,
            red,
            blue,
            episodes: 1000,
            seed: 153,
            steps: *steps,
            batch: 256,
            threads: 2,
            record: false,
        }
        .play();
        let scores: Vec<f64> = ours
            .iter()
            .map(|x| x.summary.blue_score as f64 / 10.0)
            .collect();
        let n = scores.len() as f64;
        let mean = scores.iter().sum::<f64>() / n;
        let sd = (scores.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / (n - 1.0)).sqrt();
        let our_se = sd / n.sqrt();
        let their_se = their_ci / 1.96;
        let se = (our_se * our_se + their_se * their_se).sqrt();
        let z = if se == 0.0 {
            if (mean - theirs).abs() < 1e-9 {
                0.0
            } else {
                f64::INFINITY
            }
        } else {
            (mean - theirs) / se
        };
        worst = worst.max(z.abs());
        report.push_str(&format!(
            "{red:>8} vs {blue:<14} {steps:>3}: ours {mean:9.2}, CybORG {theirs:9.2}, z {z:+.2}\n"
        ));
    }
    // Up to ~70 comparisons: |z| > 4 happens by chance with probability about 0.4%.
    assert!(
        worst <= 4.0,
        "a cell differs from CybORG beyond noise:\n{report}"
    );
    eprintln!("{report}");
}

#[test]
fn per_step_rewards_match_cyborg_against_a_sleeping_blue() {
    let csv = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/results/cyborg/cage2_per_step.csv"
    ))
    .expect("CybORG's per-step figures");
    let s = cage2();
    for cy_red in ["B_lineAgent", "RedMeanderAgent"] {
        let theirs: Vec<f64> = csv
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect::<Vec<_>>())
            .filter(|f| f[0] == cy_red && f[1] == "sleep")
            .map(|f| f[3].parse().unwrap())
            .collect();
        assert_eq!(theirs.len(), 100);
        let red = our_name(cy_red);
        let ours = Match {
            scenario: &s,
            red,
            blue: "sleep",
            episodes: 1000,
            seed: 153,
            steps: 100,
            batch: 256,
            threads: 2,
            record: true,
        }
        .play();
        for (t, their) in theirs.iter().enumerate() {
            let mean = ours.iter().map(|x| step_rewards(x)[t]).sum::<f64>() / ours.len() as f64;
            // A step's reward lies in [-14.7, 0]: its sd is at most 7.35, so the combined
            // standard error of the two means (1000 and 200 episodes) is at most 0.57.
            assert!(
                (mean - their).abs() <= 4.0 * 0.57,
                "{red} step {}: ours {mean:.3}, CybORG {their:.3}",
                t + 1
            );
        }
    }
}
