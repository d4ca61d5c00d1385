//! Run folders: everything a training run needs to be read, resumed and trusted.
//!
//! ```text
//! runs/<scenario>__<policy>__<seed>__<time>/
//!   run.toml             what was asked (scenario, opponent, seed, steps, device) and the
//!                        fully resolved PPO configuration ([ppo])
//!   scenario.toml        the scenario's text, so the run resumes without the original file
//!   metrics.csv          one row per update (CleanRL's column names)
//!   checkpoints/latest.safetensors   the last checkpoint (weights, Adam, counters)
//!   policy.safetensors   the final policy, written when the run completes
//! ```
//!
//! Crash safety: every file is written atomically; metrics are flushed *before* the
//! checkpoint they belong to, and a resumed run keeps only the rows up to its checkpoint's
//! update, so a run killed at any moment (kill -9 included) resumes with no duplicated or
//! lost row beyond the last interval.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mirrorlab_agents::Side;
use mirrorlab_sim::model::Scenario;
use serde::{Deserialize, Serialize};
use tch::Device;

use crate::checkpoint::{Checkpoint, CheckpointError, FORMAT, FORMAT_VERSION, Meta, hash_hex};
use crate::config::TrainConfig;
use crate::ppo::{Metrics, Setup, TrainError, Trainer};

/// The `[run]` table of `run.toml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunInfo {
    pub scenario: String,
    pub scenario_hash: String,
    pub side: String,
    pub opponent: String,
    pub seed: u64,
    pub total_steps: u64,
    /// `cpu` or `cuda` (what was used; `auto` is resolved).
    pub device: String,
    pub mirrorlab_version: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RunFile {
    run: RunInfo,
    ppo: TrainConfig,
}

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Train(#[from] TrainError),
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("{path}: {why}")]
    Folder { path: String, why: String },
}

fn folder_err(path: &Path, why: impl Into<String>) -> RunError {
    RunError::Folder {
        path: path.display().to_string(),
        why: why.into(),
    }
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), RunError> {
    crate::files::write_atomic(path, bytes).map_err(|e| folder_err(path, e.to_string()))
}

/// What a new run is asked to do.
pub struct NewRun<'a> {
    pub dir: PathBuf,
    pub cfg: TrainConfig,
    pub scenario: Arc<Scenario>,
    /// The scenario file's text (kept in the run folder).
    pub scenario_source: &'a str,
    /// The learning side (its opponent is the other).
    pub side: Side,
    /// The opponent spec (`bline:1,meander:1`).
    pub opponent: &'a str,
    pub seed: u64,
    pub total_steps: u64,
    pub device: Device,
}

/// A training run and its folder.
pub struct Run {
    pub dir: PathBuf,
    pub info: RunInfo,
    pub trainer: Trainer,
    pub meta: Meta,
    /// Every metrics row so far (rewritten whole, atomically, at each checkpoint).
    pub rows: Vec<String>,
}

/// The default folder name: `<scenario>__<policy>__<seed>__<time>`.
pub fn default_dir(root: &Path, scenario: &str, policy: &str, seed: u64, time: &str) -> PathBuf {
    root.join(format!("{scenario}__{policy}__{seed}__{time}"))
}

fn side_name(s: Side) -> &'static str {
    s.name()
}

fn meta_of(info: &RunInfo, cfg: &TrainConfig, trainer: &Trainer) -> Meta {
    let s = &trainer.net.shape;
    Meta {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        mirrorlab_version: mirrorlab_sim::VERSION.into(),
        side: info.side.clone(),
        policy: s.kind.clone(),
        inputs: s.inputs,
        hidden: s.hidden.clone(),
        actions: s.actions,
        scenario: info.scenario.clone(),
        scenario_hash: info.scenario_hash.clone(),
        config_hash: hash_hex(cfg.to_toml().as_bytes()),
        seed: info.seed,
        opponent: info.opponent.clone(),
        episode_length: trainer.episode_length,
        wall_time: 0.0,
        tensors_hash: String::new(),
    }
}

impl Run {
    /// Starts a new run in `spec.dir` (which must not exist or be empty).
    pub fn create(spec: NewRun<'_>) -> Result<Run, RunError> {
        let NewRun {
            dir,
            cfg,
            scenario,
            scenario_source,
            side,
            opponent,
            seed,
            total_steps,
            device,
        } = spec;
        if dir.exists()
            && std::fs::read_dir(&dir)
                .map(|mut d| d.next().is_some())
                .unwrap_or(true)
        {
            return Err(folder_err(
                &dir,
                "already exists and is not empty; choose another --out, or --resume it",
            ));
        }
        let info = RunInfo {
            scenario: scenario.name.clone(),
            scenario_hash: format!("{:016x}", scenario.source_hash),
            side: side_name(side).into(),
            opponent: opponent.into(),
            seed,
            total_steps,
            device: device_name(device).into(),
            mirrorlab_version: mirrorlab_sim::VERSION.into(),
        };
        let trainer = Trainer::new(
            cfg.clone(),
            Setup {
                scenario,
                side,
                opponent: opponent.into(),
                seed,
                total_steps,
                device,
            },
        )?;
        // The opponent must build before anything is written.
        mirrorlab_agents::build_agent(side.other(), opponent, &trainer.setup.scenario, 1, seed)
            .map_err(TrainError::from)?;
        std::fs::create_dir_all(dir.join("checkpoints"))
            .map_err(|e| folder_err(&dir, format!("cannot create: {e}")))?;
        let file = RunFile {
            run: info.clone(),
            ppo: cfg.clone(),
        };
        let text = toml::to_string(&file).map_err(|e| folder_err(&dir, e.to_string()))?;
        write(&dir.join("run.toml"), text.as_bytes())?;
        write(&dir.join("scenario.toml"), scenario_source.as_bytes())?;
        write(
            &dir.join("metrics.csv"),
            format!("{}\n", Metrics::HEADER).as_bytes(),
        )?;
        let meta = meta_of(&info, &cfg, &trainer);
        Ok(Run {
            dir,
            info,
            trainer,
            meta,
            rows: Vec::new(),
        })
    }

    /// The device (`cpu` or `cuda`) a run folder's run was started on.
    pub fn recorded_device(dir: &Path) -> Result<String, RunError> {
        let run_toml = dir.join("run.toml");
        let text = std::fs::read_to_string(&run_toml).map_err(|e| {
            folder_err(dir, format!("not a run folder (cannot read run.toml: {e})"))
        })?;
        let file: RunFile = toml::from_str(&text)
            .map_err(|e| folder_err(&run_toml, e.to_string().trim().replace('\n', " ")))?;
        Ok(file.run.device)
    }

    /// Reopens a run folder at its last checkpoint (or its start, if it has none yet).
    /// `device` may differ from the original run's.
    pub fn resume(dir: PathBuf, device: Device) -> Result<Run, RunError> {
        let run_toml = dir.join("run.toml");
        let text = std::fs::read_to_string(&run_toml).map_err(|e| {
            folder_err(
                &dir,
                format!("not a run folder (cannot read run.toml: {e})"),
            )
        })?;
        let file: RunFile = toml::from_str(&text)
            .map_err(|e| folder_err(&run_toml, e.to_string().trim().replace('\n', " ")))?;
        file.ppo
            .check()
            .map_err(|e| folder_err(&run_toml, e.to_string()))?;
        let scenario_path = dir.join("scenario.toml");
        let source = std::fs::read(&scenario_path)
            .map_err(|e| folder_err(&scenario_path, format!("cannot read: {e}")))?;
        let loaded = mirrorlab_scenarios::load_bytes(&scenario_path.display().to_string(), &source)
            .map_err(|d| {
                folder_err(
                    &scenario_path,
                    format!(
                        "does not load: {}",
                        d.first().map(|x| x.to_string()).unwrap_or_default()
                    ),
                )
            })?;
        let scenario = Arc::new(loaded.scenario);
        if format!("{:016x}", scenario.source_hash) != file.run.scenario_hash {
            return Err(folder_err(
                &scenario_path,
                "differs from the scenario the run was started with (hash mismatch)",
            ));
        }
        let info = file.run.clone();
        let side = Side::parse(&info.side).ok_or_else(|| {
            folder_err(
                &run_toml,
                format!("side = {:?}: expected \"blue\" or \"red\"", info.side),
            )
        })?;
        let mut trainer = Trainer::new(
            file.ppo.clone(),
            Setup {
                scenario,
                side,
                opponent: info.opponent.clone(),
                seed: info.seed,
                total_steps: info.total_steps,
                device,
            },
        )?;
        let meta = meta_of(&info, &file.ppo, &trainer);
        let ckpt_path = dir.join("checkpoints/latest.safetensors");
        let mut resumed_update = 0;
        if ckpt_path.exists() {
            let c = Checkpoint::load(&ckpt_path, Some(&meta))?;
            trainer.restore(&c);
            resumed_update = c.update;
        }
        // Keep the metrics rows up to the checkpoint: later ones are re-made exactly.
        let metrics_path = dir.join("metrics.csv");
        let text = match std::fs::read_to_string(&metrics_path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => {
                return Err(folder_err(
                    &metrics_path,
                    format!("cannot read ({e}); nothing was changed"),
                ));
            }
        };
        let mut rows = Vec::new();
        for line in text.lines().skip(1) {
            let update: u64 = match line.split(',').next().and_then(|u| u.parse().ok()) {
                Some(u) => u,
                None => continue,
            };
            if update <= resumed_update {
                rows.push(line.to_string());
            }
        }
        if rows.len() as u64 != resumed_update {
            return Err(folder_err(
                &metrics_path,
                format!(
                    "holds {} rows up to update {resumed_update}, expected one per update; \
                     nothing was changed",
                    rows.len()
                ),
            ));
        }
        let run = Run {
            dir,
            info,
            trainer,
            meta,
            rows,
        };
        run.write_metrics()?;
        Ok(run)
    }

    fn write_metrics(&self) -> Result<(), RunError> {
        let mut text = String::with_capacity(200 * (self.rows.len() + 1));
        text.push_str(Metrics::HEADER);
        text.push('\n');
        for r in &self.rows {
            text.push_str(r);
            text.push('\n');
        }
        write(&self.dir.join("metrics.csv"), text.as_bytes())
    }

    /// Metrics first, then the checkpoint they belong to. Weights that are no longer finite
    /// (a diverged run) are an error, and the last good checkpoint is kept.
    pub fn checkpoint(&mut self, wall_time: f64) -> Result<(), RunError> {
        if !self.trainer.parameters_finite() {
            return Err(folder_err(
                &self.dir,
                format!(
                    "training diverged at update {} (weights are NaN or infinite); the last \
                     good checkpoint is kept — lower learning_rate or raise the minibatch size",
                    self.trainer.update
                ),
            ));
        }
        self.write_metrics()?;
        let c = self.trainer.snapshot(&self.meta, wall_time);
        c.save(&self.dir.join("checkpoints/latest.safetensors"))?;
        Ok(())
    }

    /// Trains until the run's steps are done or `stop` is set, checkpointing every
    /// `checkpoint_every` updates and at the end. `on_update` sees every metrics row.
    pub fn train(
        &mut self,
        clock: &dyn Fn() -> f64,
        stop: &AtomicBool,
        on_update: &mut dyn FnMut(&Trainer, &Metrics),
    ) -> Result<bool, RunError> {
        let start = clock();
        let offset = self.trainer.wall_offset;
        while !self.trainer.done() {
            let mut m = self.trainer.step_update(clock)?;
            m.wall_time = offset + clock() - start;
            self.rows.push(m.csv());
            on_update(&self.trainer, &m);
            let every = self.trainer.cfg.checkpoint_every as u64;
            if self.trainer.update.is_multiple_of(every) || self.trainer.done() {
                self.checkpoint(m.wall_time)?;
            }
            if stop.load(Ordering::SeqCst) && !self.trainer.done() {
                if !self.trainer.update.is_multiple_of(every) {
                    self.checkpoint(m.wall_time)?;
                }
                return Ok(false);
            }
        }
        let c = self.trainer.snapshot(&self.meta, offset + clock() - start);
        c.save(&self.dir.join("policy.safetensors"))?;
        Ok(true)
    }
}

pub fn device_name(d: Device) -> &'static str {
    match d {
        Device::Cpu => "cpu",
        _ => "cuda",
    }
}

impl Trainer {
    /// The trainer's state as a checkpoint.
    pub fn snapshot(&self, meta: &Meta, wall_time: f64) -> Checkpoint {
        let mut meta = meta.clone();
        meta.wall_time = wall_time;
        Checkpoint {
            meta,
            update: self.update,
            global_step: self.global_step(),
            adam_step: self.adam.step,
            policy: self
                .params
                .iter()
                .map(|(n, t)| (n.clone(), t.shallow_clone()))
                .collect(),
            adam_m: self.adam.m.iter().map(|t| t.shallow_clone()).collect(),
            adam_v: self.adam.v.iter().map(|t| t.shallow_clone()).collect(),
        }
    }

    /// Whether every weight is finite.
    pub fn parameters_finite(&self) -> bool {
        self.params
            .iter()
            .all(|(_, p)| p.isfinite().all().int64_value(&[]) == 1)
    }

    /// Takes a checked checkpoint's weights, Adam state and counters.
    pub fn restore(&mut self, c: &Checkpoint) {
        let _g = tch::no_grad_guard();
        let device = self.setup.device;
        for ((name, p), (cname, w)) in self.params.iter().zip(&c.policy) {
            // Both lists are in name order and were checked against the same shape.
            assert_eq!(
                name, cname,
                "checkpoint tensors out of step with the policy"
            );
            let mut p = p.shallow_clone();
            p.copy_(&w.to_device(device));
        }
        for (m, w) in self.adam.m.iter_mut().zip(&c.adam_m) {
            m.copy_(&w.to_device(device));
        }
        for (v, w) in self.adam.v.iter_mut().zip(&c.adam_v) {
            v.copy_(&w.to_device(device));
        }
        self.adam.step = c.adam_step;
        self.update = c.update;
        self.wall_offset = c.meta.wall_time;
    }
}
