//! `mirrorlab`: the command line of the red/blue cyber-defence simulation lab.

mod bench;
mod files;
mod report;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use mirrorlab_agents::play::{PlayConfig, play};
use mirrorlab_scenarios::{Diagnostic, Loaded, Severity};
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::replay::Replay;

#[derive(Parser)]
#[command(
    name = "mirrorlab",
    version,
    about = "Adversarial red/blue cyber-defence simulation lab"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check scenario files; report every problem with file, line and column.
    Validate {
        /// Scenario files (or bundled scenario names: cage2, cage2-fixed).
        #[arg(required = true)]
        files: Vec<String>,
    },
    /// Print the JSON Schema of the scenario format (for editors).
    Schema,
    /// Play scripted agents against each other and summarise the episodes.
    Run(RunArgs),
    /// The CAGE-2 evaluation table for a blue agent: 30/50/100 steps × B_line/Meander/Sleep.
    Eval(EvalArgs),
    /// Measure environment steps per second (one step = one tick of one environment, both
    /// sides acting), on one core and on all cores.
    Bench(bench::BenchArgs),
    /// Play a replay file back and check that every episode reproduces exactly.
    Replay {
        file: PathBuf,
        /// Also print the episodes' event traces.
        #[arg(long)]
        trace: bool,
    },
    /// List the scripted agents.
    Agents,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario file, or a bundled scenario's name (cage2, cage2-fixed).
    scenario: String,
    /// Red agent (bline, meander, sleep).
    #[arg(long)]
    red: String,
    /// Blue agent (sleep, random, react-remove, react-restore).
    #[arg(long)]
    blue: String,
    #[arg(long, default_value_t = 100)]
    episodes: u64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Ticks per episode (default: the scenario's).
    #[arg(long)]
    steps: Option<u32>,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    json: bool,
    /// Write a replay of every episode to this file.
    #[arg(long)]
    replay: Option<PathBuf>,
    /// Write the event trace of every episode to this file.
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Worker threads (default: all cores). Results do not depend on it.
    #[arg(long)]
    threads: Option<usize>,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// Evaluation protocol (only cage2 so far).
    #[arg(long, default_value = "cage2")]
    protocol: String,
    /// Blue agent to evaluate.
    #[arg(long)]
    blue: String,
    /// Scenario to evaluate on (cage2 or cage2-fixed, or a file).
    #[arg(long, default_value = "cage2")]
    scenario: String,
    /// Episodes per cell (the published board used 1000).
    #[arg(long, default_value_t = 1000)]
    episodes: u64,
    #[arg(long, default_value_t = 153)]
    seed: u64,
    #[arg(long)]
    json: bool,
    #[arg(long)]
    threads: Option<usize>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn threads(n: Option<usize>) -> usize {
    n.unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
    .max(1)
}

/// At most this many diagnostics are printed per file (a binary or wrong file can have
/// thousands); the count of the rest follows.
const MAX_PRINTED: usize = 50;

fn print_diags(diags: &[Diagnostic]) {
    for d in diags.iter().take(MAX_PRINTED) {
        eprintln!("{d}");
    }
    if diags.len() > MAX_PRINTED {
        eprintln!("… and {} more", diags.len() - MAX_PRINTED);
    }
}

/// Loads a scenario or fails with every diagnostic printed.
fn load(arg: &str) -> Result<Loaded> {
    match mirrorlab_scenarios::load(arg) {
        Ok(l) => {
            print_diags(&l.warnings);
            Ok(l)
        }
        Err(d) => {
            print_diags(&d);
            let n = d.iter().filter(|d| d.severity == Severity::Error).count();
            bail!("{arg}: {n} error(s); nothing was run")
        }
    }
}

fn dispatch(cmd: Command) -> Result<ExitCode> {
    match cmd {
        Command::Validate { files } => {
            let mut bad = 0;
            for f in &files {
                match mirrorlab_scenarios::load(f) {
                    Ok(l) => {
                        print_diags(&l.warnings);
                        let s = &l.scenario;
                        println!(
                            "ok: {f}: scenario `{}`, {} hosts in {} subnets, {} exploits, {} decoys, {} blue and {} red actions",
                            s.name,
                            s.hosts.len(),
                            s.subnets.len(),
                            s.exploits.len(),
                            s.decoys.len(),
                            mirrorlab_sim::Layout::new(s).blue_actions,
                            mirrorlab_sim::Layout::new(s).red_actions,
                        );
                    }
                    Err(d) => {
                        print_diags(&d);
                        let n = d.iter().filter(|d| d.severity == Severity::Error).count();
                        println!("invalid: {f}: {n} error(s)");
                        bad += 1;
                    }
                }
            }
            Ok(if bad == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
        Command::Schema => {
            println!("{}", mirrorlab_scenarios::schema_json());
            Ok(ExitCode::SUCCESS)
        }
        Command::Agents => {
            println!("red agents:");
            for (n, d) in mirrorlab_agents::RED_AGENTS {
                println!("  {n:<14} {d}");
            }
            println!("blue agents:");
            for (n, d) in mirrorlab_agents::BLUE_AGENTS {
                println!("  {n:<14} {d}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(a) => run(a),
        Command::Eval(a) => eval(a),
        Command::Bench(a) => bench::bench(a),
        Command::Replay { file, trace } => replay(&file, trace),
    }
}

fn progress_bar(total: u64, what: &str) -> indicatif::ProgressBar {
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} episodes, {per_sec}, eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb.set_message(what.to_string());
    pb
}

fn run(a: RunArgs) -> Result<ExitCode> {
    if a.episodes == 0 {
        bail!("--episodes must be at least 1");
    }
    if a.steps == Some(0) {
        bail!("--steps must be at least 1");
    }
    let loaded = load(&a.scenario)?;
    let scenario = Arc::new(loaded.scenario);
    let cfg = PlayConfig {
        scenario: scenario.clone(),
        red: a.red.clone(),
        blue: a.blue.clone(),
        episodes: a.episodes,
        seed: a.seed,
        episode_length: a.steps,
        batch: 256,
        threads: threads(a.threads),
        record: a.replay.is_some() || a.trace.is_some(),
    };
    let pb = progress_bar(a.episodes, &format!("{} vs {}", a.red, a.blue));
    let finished = play(&cfg, &|n| pb.set_position(n))?;
    pb.finish_and_clear();
    let steps = a.steps.unwrap_or(scenario.episode_length);
    let rep = report::RunReport::new(&scenario, &a.red, &a.blue, a.seed, steps, &finished);
    if let Some(path) = &a.trace {
        let text = report::trace_text(&scenario, &finished);
        files::write_atomic(path, text.as_bytes())?;
    }
    if let Some(path) = &a.replay {
        let r = Replay::record(
            &scenario,
            &loaded.source,
            a.seed,
            steps,
            &a.red,
            &a.blue,
            &finished,
        );
        let json = serde_json::to_vec(&r)?;
        files::write_atomic(path, &json)?;
    }
    if a.json {
        println!("{}", serde_json::to_string(&rep.json())?);
    } else {
        print!("{}", rep.text());
    }
    Ok(ExitCode::SUCCESS)
}

fn eval(a: EvalArgs) -> Result<ExitCode> {
    if a.protocol != "cage2" {
        bail!("unknown protocol `{}`; expected: cage2", a.protocol);
    }
    if a.episodes == 0 {
        bail!("--episodes must be at least 1");
    }
    let loaded = load(&a.scenario)?;
    let scenario = Arc::new(loaded.scenario);
    let reds = ["bline", "meander", "sleep"];
    let lengths = [30u32, 50, 100];
    let pb = progress_bar(a.episodes * 9, &format!("cage2 eval of {}", a.blue));
    let mut cells = Vec::new();
    let mut base = 0;
    for red in reds {
        for steps in lengths {
            let cfg = PlayConfig {
                scenario: scenario.clone(),
                red: red.into(),
                blue: a.blue.clone(),
                episodes: a.episodes,
                seed: a.seed,
                episode_length: Some(steps),
                batch: 256,
                threads: threads(a.threads),
                record: false,
            };
            let finished = play(&cfg, &|n| pb.set_position(base + n))?;
            base += a.episodes;
            let scores: Vec<f64> = finished
                .iter()
                .map(|f| f.summary.blue_score as f64 / 10.0)
                .collect();
            let hash = mirrorlab_sim::trace::combine_hashes(
                finished
                    .iter()
                    .map(|f| (f.summary.episode, f.summary.trace_hash)),
            );
            cells.push(report::Cell {
                red: red.into(),
                steps,
                stat: stats::Stat::of(&scores),
                trace_hash: hash,
            });
        }
    }
    pb.finish_and_clear();
    let table = report::EvalTable {
        scenario: scenario.name.clone(),
        blue: a.blue,
        episodes: a.episodes,
        seed: a.seed,
        cells,
    };
    if a.json {
        println!("{}", serde_json::to_string(&table.json())?);
    } else {
        print!("{}", table.text());
    }
    Ok(ExitCode::SUCCESS)
}

fn replay(file: &PathBuf, trace: bool) -> Result<ExitCode> {
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.len() > 1 << 30 {
        bail!(
            "{}: {} bytes; replay files are limited to 1 GiB",
            file.display(),
            meta.len()
        );
    }
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let r: Replay = serde_json::from_slice(&bytes)
        .with_context(|| format!("{}: not a valid replay file", file.display()))?;
    let source = r
        .scenario_source
        .clone()
        .with_context(|| format!("{}: the replay does not embed its scenario", file.display()))?;
    let name = format!("{} (embedded in {})", r.scenario_name, file.display());
    let loaded = match mirrorlab_scenarios::load_bytes(&name, source.as_bytes()) {
        Ok(l) => l,
        Err(d) => {
            print_diags(&d);
            bail!("{}: its embedded scenario does not load", file.display());
        }
    };
    let scenario: Arc<Scenario> = Arc::new(loaded.scenario);
    r.check(&scenario)
        .with_context(|| format!("{}", file.display()))?;
    for i in 0..r.episodes.len() {
        let f = r
            .play(scenario.clone(), i)
            .with_context(|| format!("{}", file.display()))?;
        if trace {
            print!(
                "{}",
                report::trace_text(&scenario, std::slice::from_ref(&f))
            );
        }
        println!(
            "episode {}: reproduced, score {}, trace hash {}",
            f.summary.episode,
            mirrorlab_sim::trace::tenths(f.summary.blue_score as i32),
            mirrorlab_sim::replay::hex(f.summary.trace_hash)
        );
    }
    Ok(ExitCode::SUCCESS)
}
