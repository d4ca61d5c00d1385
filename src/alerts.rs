//! `run --alerts FILE`: every alert the scenario's sensors raised, with its ground-truth label,
//! one per line, as CSV or JSON Lines (by the file's extension), streamed episode by episode
//! (in episode-id order) into a file that appears only when the run succeeds.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use mirrorlab_scenarios::files::AtomicFile;
use mirrorlab_sim::engine::Finished;
use mirrorlab_sim::layout::Layout;
use mirrorlab_sim::model::Scenario;
use mirrorlab_sim::trace::{Alert, AlertCause};

/// The columns (CSV header; JSON Lines keys), in order.
pub const COLUMNS: [&str; 14] = [
    "episode",
    "tick",
    "host",
    "subnet",
    "sensor",
    "sensor_kind",
    "kind",
    "label",
    "source",
    "user",
    "action",
    "action_index",
    "target",
    "attack",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    JsonLines,
}

impl Format {
    /// `.csv` is CSV; `.jsonl` and `.ndjson` are JSON Lines.
    pub fn of(path: &Path) -> Result<Format> {
        match path.extension().and_then(|e| e.to_str()) {
            Some("csv") => Ok(Format::Csv),
            Some("jsonl" | "ndjson") => Ok(Format::JsonLines),
            _ => bail!(
                "--alerts {}: the extension says the format; expected a name ending in .csv \
                 (CSV) or .jsonl (JSON Lines)",
                path.display()
            ),
        }
    }
}

pub struct AlertWriter<'a> {
    scenario: &'a Scenario,
    layout: Layout,
    format: Format,
    file: AtomicFile,
    path: std::path::PathBuf,
    pub alerts: u64,
}

impl<'a> AlertWriter<'a> {
    pub fn create(path: &Path, scenario: &'a Scenario) -> Result<AlertWriter<'a>> {
        let format = Format::of(path)?;
        let mut file = AtomicFile::create(path)
            .with_context(|| format!("{}: nothing was written", path.display()))?;
        if format == Format::Csv {
            writeln!(file, "{}", COLUMNS.join(","))?;
        }
        Ok(AlertWriter {
            scenario,
            layout: Layout::new(scenario),
            format,
            file,
            path: path.to_path_buf(),
            alerts: 0,
        })
    }

    /// Writes the alerts of one finished (recorded) episode.
    pub fn add(&mut self, f: &Finished) -> Result<()> {
        for ev in &f.events {
            if let Some(a) = Alert::decode(ev) {
                let row = self.row(f.summary.episode, ev.tick, &a);
                match self.format {
                    Format::Csv => {
                        let cells: Vec<String> = row
                            .iter()
                            .map(|v| match v {
                                serde_json::Value::String(s) => s.clone(),
                                serde_json::Value::Null => String::new(),
                                v => v.to_string(),
                            })
                            .collect();
                        writeln!(self.file, "{}", cells.join(","))
                    }
                    Format::JsonLines => {
                        let obj: serde_json::Map<String, serde_json::Value> =
                            COLUMNS.iter().map(|k| k.to_string()).zip(row).collect();
                        writeln!(self.file, "{}", serde_json::Value::Object(obj))
                    }
                }
                .with_context(|| format!("{}: cannot write", self.path.display()))?;
                self.alerts += 1;
            }
        }
        Ok(())
    }

    fn row(&self, episode: u64, tick: u32, a: &Alert) -> Vec<serde_json::Value> {
        use serde_json::{Value, json};
        let s = self.scenario;
        let name = |v: Option<&str>| Value::String(v.unwrap_or("?").to_string());
        let host = s.hosts.get(a.host as usize);
        let sensor = s.sensors.get(a.sensor as usize);
        let (label, source, user, action, index, target) = match a.cause {
            AlertCause::Benign { green } => {
                let work = mirrorlab_sim::trace::green_work(a.kind);
                (
                    "benign",
                    "green",
                    name(s.green.get(green as usize).map(|g| g.name.as_str())),
                    json!(work),
                    Value::Null,
                    name(host.map(|h| h.name.as_str())),
                )
            }
            AlertCause::Red { action, .. } => {
                let full = self.layout.red_name(s, action);
                let (act, target) = full.split_once(' ').unwrap_or((&full, ""));
                (
                    "malicious",
                    "red",
                    Value::Null,
                    json!(act),
                    json!(action),
                    json!(target),
                )
            }
        };
        vec![
            json!(episode),
            json!(tick),
            name(host.map(|h| h.name.as_str())),
            name(
                host.and_then(|h| s.subnets.get(h.subnet as usize))
                    .map(|x| x.name.as_str()),
            ),
            name(sensor.map(|x| x.name.as_str())),
            name(sensor.map(|x| x.class.name())),
            json!(a.kind.name()),
            json!(label),
            json!(source),
            user,
            action,
            index,
            target,
            match a.cause {
                AlertCause::Benign { .. } => Value::Null,
                AlertCause::Red { .. } => json!(a.attack_id(s, &self.layout)),
            },
        ]
    }

    /// Puts the file in place; returns how many alerts it holds.
    pub fn finish(self) -> Result<u64> {
        let n = self.alerts;
        let path = self.path.clone();
        self.file
            .commit()
            .with_context(|| format!("{}: nothing was written", path.display()))?;
        Ok(n)
    }
}
