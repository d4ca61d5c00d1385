//! `mirrorlab`: the command line of the red/blue cyber-defence simulation lab.

mod alerts;
mod bench;
mod files;
mod plot;
mod report;
mod stats;
#[cfg(feature = "training")]
mod train;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};

use mirrorlab_agents::Side;
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
        /// Scenario files (or bundled scenario names: cage2, cage2-fixed, enterprise, ransomware, grid, lesson-*).
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
    /// Train a defender with PPO (libtorch): a run folder with the resolved configuration,
    /// metrics.csv, checkpoints and the final policy; the last line printed is its path.
    #[cfg(feature = "training")]
    Train(train::TrainArgs),
    /// Play a replay file back and check that every episode reproduces exactly.
    Replay {
        file: PathBuf,
        /// Also print the episodes' event traces.
        #[arg(long)]
        trace: bool,
        /// Write every alert of the replayed episodes with its ground-truth label, as `run
        /// --alerts` does (`.csv` or `.jsonl`); written only once every episode reproduced.
        #[arg(long, value_name = "FILE")]
        alerts: Option<PathBuf>,
        /// After the checks, show the episodes in the terminal viewer (as `watch` does).
        #[arg(long, conflicts_with_all = ["trace", "alerts"])]
        view: bool,
        /// With --view: the episode to show first (its index in the file, from 0).
        #[arg(long, default_value_t = 0, requires = "view")]
        episode: usize,
    },
    /// Watch one episode live in the terminal: the network (what is true and what blue
    /// believes), red's path, the events with their ATT&CK techniques, the score over time.
    /// Pause, step, seek back and forth, jump to the next compromise; `?` lists the keys.
    Watch(WatchArgs),
    /// Two defenders side by side against the same attack (seed and episode), in lock-step:
    /// both networks, the score difference over time, and the first tick where their worlds
    /// diverge (`d` jumps there).
    Compare(CompareArgs),
    /// List the agents (scripted, and trained policies).
    Agents,
    /// Write a generated network of any size as a scenario file (to standard output): a
    /// CAGE-like kill chain of user, enterprise and operational zones (or, with `--profile
    /// ics`, a grid operator's IT, OT and field zones), drawn from its seed when loaded, with
    /// red's goal always reachable.
    Generate {
        /// Hosts in the network (6..=100000).
        #[arg(long, value_parser = clap::value_parser!(u32).range(6..=mirrorlab_sim::model::MAX_HOSTS as i64))]
        hosts: u32,
        /// The network's seed (which hosts get which OS and services).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// cage: the network alone; enterprise: at work, with a benign user per
        /// workstation, administrators on the servers, EDR and IDS sensors; ics: a grid
        /// operator (IT, an OT boundary, a control centre, substation RTUs) with users,
        /// sensors and blue's tools.
        #[arg(long, value_enum, default_value_t = GenProfile::Cage)]
        profile: GenProfile,
    },
    /// Open results in the terminal: a training run folder (its learning curves and losses
    /// as charts, its evaluation tables, its configuration), an evaluation table (`eval
    /// --json` or `--markdown` output, a run's eval.md) or a bench table. Enter on an
    /// evaluation cell watches that cell's episode; `?` lists the keys.
    View {
        /// A run folder, or a results file (.json or .md).
        path: PathBuf,
    },
    /// Draw a training run's metrics as PNG plots in RUN/plots/.
    Plot {
        /// The run folder (holds metrics.csv).
        run: PathBuf,
    },
}

#[derive(clap::Args)]
struct WatchArgs {
    /// Scenario file, or a bundled scenario's name.
    #[arg(default_value = "cage2")]
    scenario: String,
    #[arg(long, default_value = "bline", help = agent_help(Side::Red))]
    red: String,
    #[arg(long, default_value = "react-restore", help = agent_help(Side::Blue))]
    blue: String,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The episode to show first (its id: the same episode as `run --seed S` plays at that
    /// position); n / N in the viewer move to the next / previous one.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..mirrorlab_sim::model::MAX_EPISODES))]
    episode: u64,
    #[arg(long, value_parser = steps_arg, help = steps_help())]
    steps: Option<u32>,
    /// Start paused at tick 0.
    #[arg(long)]
    paused: bool,
}

#[derive(clap::Args)]
struct CompareArgs {
    /// Scenario file, or a bundled scenario's name.
    #[arg(default_value = "cage2")]
    scenario: String,
    #[arg(long, default_value = "bline", help = agent_help(Side::Red))]
    red: String,
    /// The two defenders, e.g. `--blue react-restore --blue ppo:PATH`.
    #[arg(long, num_args = 1, required = true)]
    blue: Vec<String>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// The episode to show first; n / N in the viewer move to the next / previous one.
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..mirrorlab_sim::model::MAX_EPISODES))]
    episode: u64,
    #[arg(long, value_parser = steps_arg, help = steps_help())]
    steps: Option<u32>,
    /// Start paused at tick 0.
    #[arg(long)]
    paused: bool,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum GenProfile {
    Cage,
    Enterprise,
    Ics,
}

#[derive(clap::Args)]
struct RunArgs {
    /// Scenario file, or a bundled scenario's name (cage2, cage2-fixed, enterprise, ransomware, grid, lesson-*).
    scenario: String,
    #[arg(long, help = agent_help(Side::Red))]
    red: String,
    #[arg(long, help = agent_help(Side::Blue))]
    blue: String,
    #[arg(long, default_value_t = 100, value_parser = episodes_arg, help = episodes_help())]
    episodes: u64,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_parser = steps_arg, help = steps_help())]
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
    /// Write every alert the scenario's sensors raised, with its ground-truth label (red's
    /// action and ATT&CK technique, or the benign user), to this file: CSV if it ends in
    /// .csv, JSON Lines if in .jsonl.
    #[arg(long)]
    alerts: Option<PathBuf>,
    /// Worker threads (default: all cores; 1..=256). Results do not depend on it.
    #[arg(long, value_parser = threads_arg)]
    threads: Option<usize>,
}

#[derive(clap::Args)]
struct EvalArgs {
    /// Evaluation protocol (only cage2 so far).
    #[arg(long, default_value = "cage2")]
    protocol: String,
    #[arg(long, help = agent_help(Side::Blue))]
    blue: String,
    /// Scenario to evaluate on (cage2 or cage2-fixed, or a file).
    #[arg(long, default_value = "cage2")]
    scenario: String,
    /// Episodes per cell (the published board used 1000).
    #[arg(long, default_value_t = 1000, value_parser = episodes_arg)]
    episodes: u64,
    #[arg(long, default_value_t = 153)]
    seed: u64,
    /// Print one JSON object instead of the table.
    #[arg(long)]
    json: bool,
    /// Print the table in Markdown.
    #[arg(long, conflicts_with = "json")]
    markdown: bool,
    /// Worker threads (default: all cores; 1..=256). Results do not depend on it.
    #[arg(long, value_parser = threads_arg)]
    threads: Option<usize>,
}

/// `--red` / `--blue` help, from the agent registry.
fn agent_help(side: Side) -> String {
    format!(
        "{} agent: {} (`mirrorlab agents` describes them)",
        match side {
            Side::Red => "Red",
            Side::Blue => "Blue",
        },
        mirrorlab_agents::agent_names(side)
    )
}

fn episodes_help() -> String {
    format!(
        "Episodes to play (1..={}; summaries stream, so memory does not grow with it)",
        mirrorlab_sim::model::MAX_EPISODES
    )
}

fn steps_help() -> String {
    format!(
        "Ticks per episode (default: the scenario's; 1..={})",
        mirrorlab_sim::model::MAX_EPISODE_LENGTH
    )
}

/// `--episodes`: 1..=[`MAX_EPISODES`](mirrorlab_sim::model::MAX_EPISODES).
fn episodes_arg(v: &str) -> Result<u64, String> {
    let max = mirrorlab_sim::model::MAX_EPISODES;
    match v.parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {max}")),
    }
}

/// `--steps`: 1..=[`MAX_EPISODE_LENGTH`](mirrorlab_sim::model::MAX_EPISODE_LENGTH), the
/// limit scenario files and replay files share.
fn steps_arg(v: &str) -> Result<u32, String> {
    let max = mirrorlab_sim::model::MAX_EPISODE_LENGTH;
    match v.parse::<u32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(format!("expected a whole number from 1 to {max}")),
    }
}

/// `--threads`: 1..=256 (each thread holds its own batch of environments).
fn threads_arg(v: &str) -> Result<usize, String> {
    match v.parse::<usize>() {
        Ok(n) if (1..=256).contains(&n) => Ok(n),
        _ => Err("expected a whole number from 1 to 256".into()),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(code) => code,
        // A reader that stopped reading (`mirrorlab replay … | head`) is not an error.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            ExitCode::SUCCESS
        }
        Err(e) => {
            // Names, paths and values from files or arguments are escaped: one error, one line.
            eprintln!(
                "error: {}",
                mirrorlab_scenarios::diag::escape_controls(&format!("{e:#}"))
            );
            ExitCode::from(2)
        }
    }
}

pub fn threads(n: Option<usize>) -> usize {
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
pub fn load(arg: &str) -> Result<Loaded> {
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
                        let layout = mirrorlab_sim::Layout::new(s);
                        let n = |k: usize, one: &str, many: &str| {
                            format!("{k} {}", if k == 1 { one } else { many })
                        };
                        let mut extra = String::new();
                        if !s.red.techniques.is_empty() {
                            extra += &format!(
                                ", {}",
                                n(s.red.techniques.len(), "red technique", "red techniques")
                            );
                        }
                        if !s.blue.tools.is_empty() {
                            extra +=
                                &format!(", {}", n(s.blue.tools.len(), "blue tool", "blue tools"));
                        }
                        println!(
                            "ok: {f}: scenario `{}`, {} in {}, {}, {}{extra}, {} blue and {} red actions",
                            s.name,
                            n(s.hosts.len(), "host", "hosts"),
                            n(s.subnets.len(), "subnet", "subnets"),
                            n(s.exploits.len(), "exploit", "exploits"),
                            n(s.decoys.len(), "decoy", "decoys"),
                            layout.blue_actions,
                            layout.red_actions,
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
            for side in [Side::Red, Side::Blue] {
                println!("{} agents:", side.name());
                for a in mirrorlab_agents::agents(side) {
                    println!("  {:<14} {}", a.name, a.about);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate {
            hosts,
            seed,
            profile,
        } => {
            if matches!(profile, GenProfile::Ics) && hosts < 8 {
                anyhow::bail!(
                    "--profile ics needs at least 8 hosts (red's machine, the historian, the jump host, the SCADA master, the main substation and at least one of each generated kind); found {hosts}"
                );
            }
            let profile = match profile {
                GenProfile::Cage => mirrorlab_scenarios::generate::Profile::Cage,
                GenProfile::Enterprise => mirrorlab_scenarios::generate::Profile::Enterprise,
                GenProfile::Ics => mirrorlab_scenarios::generate::Profile::Ics,
            };
            let text = mirrorlab_scenarios::generate::network_with(hosts, seed, profile);
            // The text must load: a generated file that does not is a bug, said here.
            if let Err(d) = mirrorlab_scenarios::load_bytes("generated.toml", text.as_bytes()) {
                print_diags(&d);
                bail!("the generated network does not load (a bug; please report it)");
            }
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                r => r.context("cannot write to standard output")?,
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Run(a) => run(a),
        Command::Eval(a) => eval(a),
        Command::Bench(a) => bench::bench(a),
        #[cfg(feature = "training")]
        Command::Train(a) => train::train(a),
        Command::Replay {
            file,
            trace,
            alerts,
            view,
            episode,
        } => {
            if view {
                replay_view(&file, episode)
            } else {
                replay(&file, trace, alerts.as_ref())
            }
        }
        Command::Watch(a) => watch(a),
        Command::View { path } => view(&path),
        Command::Compare(a) => compare(a),
        Command::Plot { run } => {
            for p in plot::plot_run(&run)? {
                println!("{}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
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
        record: a.replay.is_some() || a.trace.is_some() || a.alerts.is_some(),
    };
    let keep = a.replay.is_some() || a.trace.is_some();
    let steps = a.steps.unwrap_or(scenario.episode_length);
    let outputs = [
        ("--trace", &a.trace),
        ("--replay", &a.replay),
        ("--alerts", &a.alerts),
    ];
    for (i, (x, px)) in outputs.iter().enumerate() {
        let Some(p) = px else { continue };
        // Refuse before playing what the writes would refuse after.
        if p.is_dir() {
            bail!("{x} {}: is a directory; expected a file name", p.display());
        }
        for (y, py) in &outputs[i + 1..] {
            if let Some(q) = py
                && files::same_file(p, q)
            {
                bail!(
                    "{x} and {y} name the same file ({}); give each its own",
                    p.display()
                );
            }
        }
    }
    let mut alert_file = match &a.alerts {
        Some(path) => {
            if scenario.sensors.is_empty() {
                eprintln!(
                    "note: scenario {} has no [[sensor]], so {} will hold no alerts",
                    scenario.name,
                    path.display()
                );
            }
            Some(alerts::AlertWriter::create(path, &scenario)?)
        }
        None => None,
    };
    let mut alert_error = None;
    if a.replay.is_some() {
        // Each tick of each episode takes at least 4 bytes of a replay ("0,0,"): refuse a
        // replay `mirrorlab replay` would refuse to read, before playing anything.
        let least = a.episodes.saturating_mul(steps as u64).saturating_mul(4);
        let max = mirrorlab_sim::replay::MAX_FILE_BYTES;
        if least > max {
            bail!(
                "a replay of {} episodes × {steps} ticks takes at least {least} bytes, over the \
                 {max} bytes that `mirrorlab replay` reads; record fewer or shorter episodes",
                a.episodes
            );
        }
    }
    let pb = progress_bar(a.episodes, &format!("{} vs {}", a.red, a.blue));
    let mut acc = report::RunAcc::new(&scenario, &a.red, &a.blue, a.seed, steps);
    let mut kept = Vec::new();
    play(
        &cfg,
        &mut |f| {
            acc.add(&f.summary);
            if let Some(w) = &mut alert_file
                && alert_error.is_none()
                && let Err(e) = w.add(&f)
            {
                alert_error = Some(e);
            }
            if keep {
                kept.push(f);
            }
        },
        &|n| pb.set_position(n),
    )?;
    pb.finish_and_clear();
    if let Some(e) = alert_error {
        return Err(e);
    }
    let rep = acc.finish();
    if let Some(path) = &a.trace {
        let text = report::trace_text(&scenario, &kept);
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
            &kept,
        );
        let json = serde_json::to_vec(&r)?;
        let max = mirrorlab_sim::replay::MAX_FILE_BYTES;
        if json.len() as u64 > max {
            bail!(
                "the replay would be {} bytes, over the {max} bytes that `mirrorlab replay` \
                 reads; nothing was written (record fewer or shorter episodes)",
                json.len()
            );
        }
        files::write_atomic(path, &json)?;
    }
    // Last: if the trace or the replay could not be written, the alerts file is dropped
    // unwritten too (an old one stays as it was).
    if let Some(w) = alert_file {
        w.finish()?;
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
    let loaded = load(&a.scenario)?;
    let scenario = Arc::new(loaded.scenario);
    let mut table = cage2_table(&scenario, &a.blue, a.episodes, a.seed, threads(a.threads))?;
    // A scenario file is recorded as given, so the table says how to load it again (and
    // `mirrorlab view` can watch its cells); a bundled scenario by its name.
    if let Ok(path) = std::fs::canonicalize(&a.scenario)
        && path.is_file()
    {
        table.scenario = path.display().to_string();
    }
    if a.json {
        println!("{}", serde_json::to_string(&table.json())?);
    } else if a.markdown {
        print!("{}", table.markdown());
    } else {
        print!("{}", table.text());
    }
    Ok(ExitCode::SUCCESS)
}

/// The CAGE-2 protocol: 30/50/100 steps × B_line/Meander/Sleep, `episodes` per cell.
pub fn cage2_table(
    scenario: &Arc<Scenario>,
    blue: &str,
    episodes: u64,
    seed: u64,
    threads: usize,
) -> Result<report::EvalTable> {
    let reds = ["bline", "meander", "sleep"];
    let lengths = [30u32, 50, 100];
    let pb = progress_bar(episodes * 9, &format!("cage2 eval of {blue}"));
    let mut cells = Vec::new();
    let mut base = 0;
    for red in reds {
        for steps in lengths {
            let cfg = PlayConfig {
                scenario: scenario.clone(),
                red: red.into(),
                blue: blue.into(),
                episodes,
                seed,
                episode_length: Some(steps),
                batch: 256,
                threads,
                record: false,
            };
            let mut score = stats::Acc::default();
            let mut hash = mirrorlab_sim::trace::HashChain::new();
            play(
                &cfg,
                &mut |f| {
                    score.add(f.summary.blue_score as f64 / 10.0);
                    hash.add(f.summary.episode, f.summary.trace_hash);
                },
                &|n| pb.set_position(base + n),
            )?;
            base += episodes;
            cells.push(report::Cell {
                red: red.into(),
                steps,
                stat: score.stat(),
                trace_hash: hash.value(),
            });
        }
    }
    pb.finish_and_clear();
    Ok(report::EvalTable {
        scenario: scenario.name.clone(),
        blue: blue.into(),
        episodes,
        seed,
        cells,
    })
}

/// The viewer needs a terminal on both ends.
fn need_terminal(what: &str) -> Result<()> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!("{what} shows a terminal viewer: run it in a terminal (standard input and output)");
    }
    Ok(())
}

/// The episode id `offset` away from `base`, within the ids a run may use.
fn episode_at(base: u64, offset: i64) -> Result<u64, mirrorlab_tui::EpisodeError> {
    match base.checked_add_signed(offset) {
        None => Err(mirrorlab_tui::EpisodeError::BeforeFirst),
        Some(e) if e >= mirrorlab_sim::model::MAX_EPISODES => {
            Err(mirrorlab_tui::EpisodeError::AfterLast)
        }
        Some(e) => Ok(e),
    }
}

fn watch(a: WatchArgs) -> Result<ExitCode> {
    let scenario = Arc::new(load(&a.scenario)?.scenario);
    // Bad agents or lengths are reported before the terminal is taken over.
    let first = mirrorlab_tui::Timeline::live(
        scenario.clone(),
        &a.red,
        &a.blue,
        a.seed,
        a.episode,
        a.steps,
    )?;
    need_terminal("watch")?;
    let (red, blue, seed, base, steps) = (a.red, a.blue, a.seed, a.episode, a.steps);
    let maker: mirrorlab_tui::app::EpisodeMaker = Box::new(move |offset| {
        let episode = episode_at(base, offset)?;
        mirrorlab_tui::Timeline::live(scenario.clone(), &red, &blue, seed, episode, steps)
    });
    let app = mirrorlab_tui::App::new(first, a.paused, Some(maker));
    mirrorlab_tui::term::run(app).context("the terminal viewer failed")?;
    Ok(ExitCode::SUCCESS)
}

fn view(path: &std::path::Path) -> Result<ExitCode> {
    // An unreadable or foreign file is reported before the terminal is taken over.
    let doc = mirrorlab_tui::Document::open(path)?;
    need_terminal("view")?;
    let mut scenarios: Vec<(String, Arc<Scenario>)> = Vec::new();
    let launcher: mirrorlab_tui::term::Launcher = Box::new(move |l| {
        let scenario = match scenarios.iter().find(|(n, _)| *n == l.scenario) {
            Some((_, s)) => s.clone(),
            None => {
                let s = mirrorlab_scenarios::load(&l.scenario)
                    .map_err(|d| {
                        let first = d
                            .first()
                            .and_then(|d| d.to_string().lines().next().map(str::to_string))
                            .unwrap_or_default();
                        format!("cannot load scenario {}: {first}", l.scenario)
                    })?
                    .scenario;
                let s = Arc::new(s);
                scenarios.push((l.scenario.clone(), s.clone()));
                s
            }
        };
        let (red, blue, seed, base, steps) = (
            l.red.clone(),
            l.blue.clone(),
            l.seed,
            l.episode,
            Some(l.steps),
        );
        let first = mirrorlab_tui::Timeline::live(scenario.clone(), &red, &blue, seed, base, steps)
            .map_err(|e| e.to_string())?;
        let maker: mirrorlab_tui::app::EpisodeMaker = Box::new(move |offset| {
            let episode = episode_at(base, offset)?;
            mirrorlab_tui::Timeline::live(scenario.clone(), &red, &blue, seed, episode, steps)
        });
        Ok(mirrorlab_tui::App::new(first, false, Some(maker)))
    });
    mirrorlab_tui::term::run_results(mirrorlab_tui::Results::new(doc), launcher)
        .context("the terminal viewer failed")?;
    Ok(ExitCode::SUCCESS)
}

fn compare(a: CompareArgs) -> Result<ExitCode> {
    if a.blue.len() != 2 {
        bail!(
            "compare takes two defenders (--blue A --blue B); {} given",
            a.blue.len()
        );
    }
    let scenario = Arc::new(load(&a.scenario)?.scenario);
    let pair = move |episode: u64| -> Result<_, mirrorlab_tui::EpisodeError> {
        let make = |blue: &str| {
            mirrorlab_tui::Timeline::live(scenario.clone(), &a.red, blue, a.seed, episode, a.steps)
        };
        Ok((make(&a.blue[0])?, make(&a.blue[1])?))
    };
    let (first, second) = pair(a.episode)?;
    need_terminal("compare")?;
    let base = a.episode;
    let maker: mirrorlab_tui::app::PairMaker = Box::new(move |offset| {
        let episode = episode_at(base, offset)?;
        pair(episode)
    });
    let app = mirrorlab_tui::App::compare(first, second, a.paused, Some(maker));
    mirrorlab_tui::term::run(app).context("the terminal viewer failed")?;
    Ok(ExitCode::SUCCESS)
}

/// Reads, checks and plays back a replay file (every episode must reproduce its hash).
fn read_replay(file: &PathBuf) -> Result<(Replay, Arc<Scenario>)> {
    let meta =
        std::fs::metadata(file).with_context(|| format!("cannot read {}", file.display()))?;
    if meta.len() > mirrorlab_sim::replay::MAX_FILE_BYTES {
        bail!(
            "{}: {} bytes; replay files are limited to {} bytes",
            file.display(),
            meta.len(),
            mirrorlab_sim::replay::MAX_FILE_BYTES
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
    if r.episodes.is_empty() {
        bail!("{}: the replay holds no episodes", file.display());
    }
    Ok((r, scenario))
}

fn replay_view(file: &PathBuf, episode: usize) -> Result<ExitCode> {
    let (r, scenario) = read_replay(file)?;
    if episode >= r.episodes.len() {
        bail!(
            "{}: --episode {episode}, but the replay holds {} episode(s) (0..{})",
            file.display(),
            r.episodes.len(),
            r.episodes.len()
        );
    }
    // Every episode must reproduce before any is shown.
    for i in 0..r.episodes.len() {
        r.play(scenario.clone(), i)
            .with_context(|| format!("{}", file.display()))?;
    }
    let first = mirrorlab_tui::Timeline::replay(scenario.clone(), &r, episode)?;
    need_terminal("replay --view")?;
    let maker: mirrorlab_tui::app::EpisodeMaker = Box::new(move |offset| {
        let len = r.episodes.len();
        let index = episode
            .checked_add_signed(offset as isize)
            .ok_or(mirrorlab_tui::EpisodeError::BeforeFirst)?;
        if index >= len {
            return Err(mirrorlab_tui::EpisodeError::NoEpisode { index, len });
        }
        mirrorlab_tui::Timeline::replay(scenario.clone(), &r, index)
    });
    let app = mirrorlab_tui::App::new(first, true, Some(maker));
    mirrorlab_tui::term::run(app).context("the terminal viewer failed")?;
    Ok(ExitCode::SUCCESS)
}

fn replay(file: &PathBuf, trace: bool, alerts: Option<&PathBuf>) -> Result<ExitCode> {
    let (r, scenario) = read_replay(file)?;
    if let Some(a) = alerts
        && a.is_dir()
    {
        bail!(
            "--alerts {}: is a directory; expected a file name",
            a.display()
        );
    }
    if alerts.is_some_and(|a| files::same_file(a, file)) {
        bail!(
            "--alerts names the replay file itself ({}); give the alerts their own file",
            file.display()
        );
    }
    let mut alert_file = match alerts {
        Some(path) => Some(alerts::AlertWriter::create(path, &scenario)?),
        None => None,
    };
    let mut out = std::io::stdout().lock();
    for i in 0..r.episodes.len() {
        let f = r
            .play(scenario.clone(), i)
            .with_context(|| format!("{}", file.display()))?;
        if let Some(w) = &mut alert_file {
            w.add(&f)?;
        }
        if trace {
            out.write_all(report::trace_text(&scenario, std::slice::from_ref(&f)).as_bytes())?;
        }
        writeln!(
            out,
            "episode {}: reproduced, score {}, trace hash {}",
            f.summary.episode,
            mirrorlab_sim::trace::tenths(f.summary.blue_score as i32),
            mirrorlab_sim::replay::hex(f.summary.trace_hash)
        )?;
    }
    if let Some(w) = alert_file {
        w.finish()?;
    }
    Ok(ExitCode::SUCCESS)
}
