//! `mirrorlab train`: PPO for a defender, with a run folder, a progress bar, Ctrl-C that
//! saves and exits, and `--resume`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};

use mirrorlab_training::config::TrainConfig;
use mirrorlab_training::run::{NewRun, Run, default_dir};

#[derive(clap::Args)]
pub struct TrainArgs {
    /// Scenario file, or a bundled scenario's name (cage2, cage2-fixed, enterprise, ransomware, grid, lesson-*). Not needed with
    /// --resume.
    scenario: Option<String>,
    /// The side that learns: blue (a defender) or red (an attacker).
    #[arg(long, default_value = "blue", value_parser = ["blue", "red"])]
    learner: String,
    /// Red, when blue learns: a red agent, or a weighted mixture drawn per episode, e.g.
    /// `bline:1,meander:1` (blue is never told which it faces) [default: bline:1,meander:1].
    #[arg(long)]
    red: Option<String>,
    /// Blue, when red learns: a blue agent or a weighted mixture [default: react-restore].
    #[arg(long)]
    blue: Option<String>,
    /// Environment steps to train for (one step = one tick of one environment); rounded up to
    /// whole updates.
    #[arg(long, default_value_t = 5_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    total_steps: u64,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to train: auto (the GPU when one is usable), cpu or cuda [default: auto; on
    /// --resume, the device the run used].
    #[arg(long)]
    device: Option<String>,
    /// A TOML file with any of the fields of training/ppo.toml.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Override one configuration field, e.g. `--set num_envs=512` (repeatable).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// The run folder (default: runs/<scenario>__<policy>__<seed>__<time>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Measure end-to-end training throughput instead of training: a few updates of the
    /// configuration (nothing written), then steps per second and where the time went.
    #[arg(long, conflicts_with_all = ["resume", "out"])]
    bench: bool,
    /// Continue the run in this folder from its last checkpoint.
    #[arg(
        long,
        value_name = "RUN",
        conflicts_with_all = ["scenario", "config", "sets", "out", "learner", "red", "blue"]
    )]
    resume: Option<PathBuf>,
}

impl TrainArgs {
    /// The learning side and its opponent's spec.
    fn sides(&self) -> Result<(mirrorlab_agents::Side, String)> {
        use mirrorlab_agents::Side;
        match self.learner.as_str() {
            "red" => {
                if self.red.is_some() {
                    bail!("--learner red: red is the learner; give its opponent with --blue");
                }
                Ok((
                    Side::Red,
                    self.blue.clone().unwrap_or_else(|| "react-restore".into()),
                ))
            }
            _ => {
                if self.blue.is_some() {
                    bail!("blue is the learner; give its opponent with --red (or --learner red)");
                }
                Ok((
                    Side::Blue,
                    self.red
                        .clone()
                        .unwrap_or_else(|| "bline:1,meander:1".into()),
                ))
            }
        }
    }
}

/// Whether a scenario hash is one of the bundled CAGE-2 scenarios (the protocol's reds are
/// written for that network).
fn is_bundled_cage2(hash: &str) -> bool {
    ["cage2", "cage2-fixed"].iter().any(|n| {
        mirrorlab_scenarios::load_bundled(n)
            .and_then(|l| l.ok())
            .is_some_and(|l| format!("{:016x}", l.scenario.source_hash) == hash)
    })
}

/// The CAGE-2 table of the trained defender beside React-Restore's, printed and written to
/// `eval.md` (1,000 episodes per cell, seed 153: the published protocol).
fn evaluate(run: &Run) -> Result<()> {
    let scenario = &run.trainer.setup.scenario;
    let policy = format!("ppo:{}", run.dir.join("policy.safetensors").display());
    let threads = crate::threads(None);
    let learned = crate::cage2_table(scenario, &policy, 1000, 153, threads)?;
    let react = crate::cage2_table(scenario, "react-restore", 1000, 153, threads)?;
    eprint!("{}", learned.text());
    eprint!("{}", react.text());
    let md = format!(
        "# Evaluation of {}\n\nTrained against `{}` on `{}` for {} steps (seed {}).\n\n{}\n{}",
        run.dir.display(),
        run.info.opponent,
        run.info.scenario,
        run.trainer.global_step(),
        run.info.seed,
        learned.markdown(),
        react.markdown()
    );
    crate::files::write_atomic(&run.dir.join("eval.md"), md.as_bytes())
}

/// A UTC timestamp for folder names, `YYYYmmdd-HHMMSS`.
fn stamp() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, d) = crate::bench::civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The configuration of `--config FILE` and `--set` overrides.
fn resolve_config(a: &TrainArgs) -> Result<TrainConfig> {
    let text = match &a.config {
        Some(p) => Some((
            p.display().to_string(),
            std::fs::read_to_string(p).with_context(|| format!("cannot read {}", p.display()))?,
        )),
        None => None,
    };
    Ok(TrainConfig::resolve(
        text.as_ref().map(|(n, t)| (n.as_str(), t.as_str())),
        &a.sets,
    )?)
}

/// `train --bench`: end-to-end steps per second of the configuration, with a profile.
fn bench(a: &TrainArgs, device: tch::Device) -> Result<ExitCode> {
    let name = a.scenario.as_deref().unwrap_or("cage2");
    let cfg = resolve_config(a)?;
    let loaded = crate::load(name)?;
    let scenario = Arc::new(loaded.scenario);
    tch::set_num_threads(cfg.torch_threads as i32);
    let batch = cfg.batch_size() as u64;
    let updates = 6u64;
    let (side, opponent) = a.sides()?;
    let mut t = mirrorlab_training::ppo::Trainer::new(
        cfg.clone(),
        mirrorlab_training::ppo::Setup {
            scenario: scenario.clone(),
            side,
            opponent,
            seed: a.seed,
            total_steps: batch * updates,
            device,
        },
    )?;
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64();
    // The first update warms up libtorch's allocator and kernels; it is not counted.
    t.step_update(&clock)?;
    let (mut sim, mut inf, mut upd, mut wall) = (0.0, 0.0, 0.0, 0.0);
    for _ in 1..updates {
        let start = clock();
        let m = t.step_update(&clock)?;
        wall += clock() - start;
        sim += m.time_sim;
        inf += m.time_inference;
        upd += m.time_update;
    }
    let steps = (batch * (updates - 1)) as f64;
    let other = (wall - sim - inf - upd).max(0.0);
    println!(
        "train --bench · {} · {} policy {:?} · {} envs × {} steps per update · {} · {} torch threads",
        scenario.name,
        cfg.policy,
        cfg.policy_hidden(),
        cfg.num_envs,
        cfg.num_steps,
        mirrorlab_training::run::device_name(device),
        cfg.torch_threads
    );
    println!(
        "end-to-end          {:>10.0} steps/s ({} updates timed)",
        steps / wall,
        updates - 1
    );
    for (what, secs) in [
        ("simulator+opponent", sim),
        ("policy inference", inf),
        ("PPO update", upd),
        ("other (copies, GAE)", other),
    ] {
        println!(
            "  {what:<20} {:>6.1}%  ({:.0} steps/s alone)",
            100.0 * secs / wall,
            steps / secs.max(1e-9)
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn train(a: TrainArgs) -> Result<ExitCode> {
    // The device is chosen before anything else touches libtorch (TRAINING.md §1). A resumed
    // run keeps the device it was started on unless told otherwise.
    let recorded = match &a.resume {
        Some(dir) => Some(Run::recorded_device(dir)?),
        None => None,
    };
    let request = a
        .device
        .clone()
        .or(recorded.clone())
        .unwrap_or_else(|| "auto".into());
    let device = mirrorlab_training::device::select(&request).map_err(anyhow::Error::msg)?;
    if a.bench {
        return bench(&a, device);
    }
    let mut run = if let Some(dir) = a.resume.clone() {
        let name = mirrorlab_training::run::device_name(device);
        if recorded.as_deref().is_some_and(|r| r != name) {
            eprintln!(
                "warning: the run was trained on {} and continues on {name}: it will not be \
                 bit-identical to an uninterrupted run",
                recorded.unwrap_or_default()
            );
        }
        Run::resume(dir, device)?
    } else {
        let Some(name) = a.scenario.as_deref() else {
            bail!("give a scenario to train on (or --resume RUN)");
        };
        let cfg = resolve_config(&a)?;
        let (side, opponent) = a.sides()?;
        let loaded = crate::load(name)?;
        let scenario = Arc::new(loaded.scenario);
        let policy = match side {
            mirrorlab_agents::Side::Blue => cfg.policy.clone(),
            mirrorlab_agents::Side::Red => format!("red-{}", cfg.policy),
        };
        let dir = a.out.unwrap_or_else(|| {
            default_dir(
                std::path::Path::new("runs"),
                &scenario.name,
                &policy,
                a.seed,
                &stamp(),
            )
        });
        Run::create(NewRun {
            dir,
            cfg,
            scenario,
            scenario_source: &loaded.source,
            side,
            opponent: &opponent,
            seed: a.seed,
            total_steps: a.total_steps,
            device,
        })?
    };
    let stop = Arc::new(AtomicBool::new(false));
    {
        let stop = stop.clone();
        let _ = ctrlc::set_handler(move || {
            if stop.swap(true, Ordering::SeqCst) {
                // A second Ctrl-C: leave now (the last checkpoint is safe on disk).
                std::process::exit(130);
            }
            eprintln!(
                "\nstopping after this update and saving a checkpoint (Ctrl-C again to quit at once)"
            );
        });
    }
    let total = run.trainer.total_updates * run.trainer.cfg.batch_size() as u64;
    let pb = indicatif::ProgressBar::with_draw_target(
        Some(total),
        indicatif::ProgressDrawTarget::stderr(),
    );
    pb.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:25}] {human_pos}/{human_len} steps, {per_sec}, eta {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    pb.set_position(run.trainer.global_step());
    pb.reset_eta();
    eprintln!(
        "training {} ({}) against {} on {} · {} updates of {} steps · run folder {}",
        run.info.side,
        run.trainer.cfg.policy,
        run.info.opponent,
        run.info.scenario,
        run.trainer.total_updates,
        run.trainer.cfg.batch_size(),
        run.dir.display()
    );
    let t0 = Instant::now();
    let clock = move || t0.elapsed().as_secs_f64();
    let finished = run.train(&clock, &stop, &mut |t, m| {
        pb.set_position(t.global_step());
        pb.set_message(format!(
            "update {}/{} · return {:.1}",
            m.update, t.total_updates, m.episodic_return
        ));
    })?;
    pb.finish_and_clear();
    match crate::plot::plot_run(&run.dir) {
        Ok(files) => eprintln!("plots: {}", files.len()),
        Err(e) => eprintln!("warning: no plots: {e:#}"),
    }
    if finished {
        eprintln!("done: {} steps", run.trainer.global_step());
        if run.info.side == "blue" && is_bundled_cage2(&run.info.scenario_hash) {
            evaluate(&run)?;
        }
    } else {
        eprintln!(
            "stopped at update {} (checkpoint saved); continue with: mirrorlab train --resume {}",
            run.trainer.update,
            run.dir.display()
        );
    }
    println!("{}", run.dir.display());
    Ok(if finished {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(130)
    })
}
