//! `mirrorlab bench`: environment steps per second, on one core and on all cores.
//! One step is one tick of one environment with both sides acting (scripted agents included).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde_json::json;

use mirrorlab_agents::play::Arena;
use mirrorlab_agents::{blue_agent, red_agent};
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::{Sim, SimConfig};

use crate::files::write_atomic;

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Print one JSON object per row instead of the table.
    #[arg(long)]
    json: bool,
    /// Seconds to measure each figure.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Folder the results are written to.
    #[arg(long, default_value = "results/bench")]
    out: PathBuf,
    /// Don't write results files.
    #[arg(long)]
    no_write: bool,
    /// Measure only these rows (by scenario name prefix).
    #[arg(long)]
    only: Option<String>,
}

struct Row {
    scenario: String,
    hosts: usize,
    red: &'static str,
    blue: &'static str,
    batch: usize,
    per_core: f64,
    all_cores: f64,
    threads: usize,
}

/// Steps per second of `threads` independent workers, each with its own batch and agents.
fn measure(
    s: &Arc<Scenario>,
    red: &str,
    blue: &str,
    batch: usize,
    threads: usize,
    secs: f64,
) -> Result<f64> {
    let dur = Duration::from_secs_f64(secs);
    let counts: Vec<Result<(u64, f64)>> = std::thread::scope(|scope| {
        let hs: Vec<_> = (0..threads)
            .map(|t| {
                scope.spawn(move || -> Result<(u64, f64)> {
                    let mut cfg = SimConfig::new(batch, 1);
                    cfg.first_episode = (t * batch) as u64;
                    cfg.episode_stride = Some((threads * batch) as u64);
                    let red = red_agent(red, s, batch, 1)?;
                    cfg.red_actions_per_tick = red.actions_per_tick();
                    let sim = Sim::new(s.clone(), &cfg)?;
                    let mut arena = Arena::new(sim, red, blue_agent(blue, s, batch, 1)?)?;
                    let start = Instant::now();
                    let mut steps = 0u64;
                    loop {
                        for _ in 0..16 {
                            arena.step()?;
                            steps += batch as u64;
                        }
                        if start.elapsed() >= dur {
                            break;
                        }
                    }
                    Ok((steps, start.elapsed().as_secs_f64()))
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("bench thread panicked"))
            .collect()
    });
    let mut total = 0.0;
    for c in counts {
        let (steps, secs) = c?;
        total += steps as f64 / secs;
    }
    Ok(total)
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .next()
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|k| k.parse::<u64>().ok())
        })
        .map(|kb| format!("{:.0} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_default();
    format!(
        "{cpu}, {cores} cores, {mem} RAM, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

/// Today's date (UTC) as YYYY-MM-DD, from the system clock (only for naming results).
fn today() -> String {
    let days = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or(0) as i64;
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + (m <= 2) as i64;
    (y, m, d)
}

pub fn bench(a: BenchArgs) -> Result<ExitCode> {
    if cfg!(debug_assertions) {
        eprintln!("warning: this is a debug build; build with --release for meaningful figures");
    }
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let load = |name: &str| -> Result<Arc<Scenario>> {
        use mirrorlab_scenarios::generate::{Profile, network_with};
        let l = if let Some(n) = name.strip_prefix("generated-enterprise-") {
            let text = network_with(n.parse()?, 1, Profile::Enterprise);
            mirrorlab_scenarios::load_bytes(name, text.as_bytes())
        } else if let Some(n) = name.strip_prefix("generated-ics-") {
            let text = network_with(n.parse()?, 1, Profile::Ics);
            mirrorlab_scenarios::load_bytes(name, text.as_bytes())
        } else if let Some(n) = name.strip_prefix("generated-") {
            let text = network_with(n.parse()?, 1, Profile::Cage);
            mirrorlab_scenarios::load_bytes(name, text.as_bytes())
        } else {
            mirrorlab_scenarios::load(name)
        };
        Ok(Arc::new(
            l.map_err(|d| anyhow::anyhow!("{}", d[0]))?.scenario,
        ))
    };
    let plan: [(&str, &'static str, &'static str, usize); 11] = [
        ("cage2", "bline", "react-restore", 1024),
        ("cage2", "meander", "random", 1024),
        // Red taking three turns a tick: the batch runs whole, red deciding between turns.
        ("cage2", "fast", "react-restore", 1024),
        ("enterprise", "adaptive", "react-restore", 1024),
        ("ransomware", "extortion", "soc", 1024),
        ("grid", "extortion", "soc", 1024),
        ("generated-1000", "meander", "random", 16),
        ("generated-10000", "meander", "random", 1),
        ("generated-enterprise-10000", "meander", "random", 1),
        ("generated-ics-10000", "adaptive", "soc", 1),
        ("generated-enterprise-100000", "meander", "random", 1),
    ];
    if let Some(o) = &a.only
        && !plan.iter().any(|p| p.0.starts_with(o.as_str()))
    {
        let names: Vec<&str> = plan.iter().map(|p| p.0).collect();
        anyhow::bail!(
            "--only {o}: no bench row's scenario starts with it (rows: {})",
            names.join(", ")
        );
    }
    let mut rows = Vec::new();
    for (name, red, blue, batch) in plan {
        if let Some(o) = &a.only
            && !name.starts_with(o.as_str())
        {
            continue;
        }
        let s = load(name)?;
        eprintln!(
            "measuring {} ({} hosts), {red} vs {blue}, batch {batch} ...",
            s.name,
            s.hosts.len()
        );
        let per_core = measure(&s, red, blue, batch, 1, a.seconds)?;
        let all_cores = measure(&s, red, blue, batch, threads, a.seconds)?;
        let row = Row {
            scenario: s.name.clone(),
            hosts: s.hosts.len(),
            red,
            blue,
            batch,
            per_core,
            all_cores,
            threads,
        };
        if a.json {
            println!(
                "{}",
                json!({
                    "scenario": row.scenario, "hosts": row.hosts, "red": row.red, "blue": row.blue,
                    "batch": row.batch, "steps_per_sec_per_core": row.per_core,
                    "steps_per_sec_all_cores": row.all_cores, "threads": row.threads,
                    "machine": machine(),
                })
            );
        }
        rows.push(row);
    }
    let mut md = String::new();
    md.push_str(&format!(
        "# mirrorlab bench, {}\n\nMachine: {}\n\n",
        today(),
        machine()
    ));
    md.push_str(
        "One step = one tick of one environment, both sides acting (scripted agents included).\n\n",
    );
    md.push_str("| scenario | hosts | red vs blue | envs per batch | steps/s, 1 core | steps/s, all cores (threads) |\n|---|---:|---|---:|---:|---:|\n");
    for r in &rows {
        md.push_str(&format!(
            "| {} | {} | {} vs {} | {} | {:.0} | {:.0} ({}) |\n",
            r.scenario, r.hosts, r.red, r.blue, r.batch, r.per_core, r.all_cores, r.threads
        ));
    }
    if !a.json {
        print!("{md}");
    }
    if !a.no_write {
        let path = a.out.join(format!("{}.md", today()));
        write_atomic(&path, md.as_bytes())?;
        eprintln!("written to {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}
