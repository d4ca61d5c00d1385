//! The results view's model: a results document read from disk (a training run folder, an
//! evaluation table, a bench table), the [`Results`] state, its closed [`ResultsMessage`]
//! enum and [`Results::update`], the only place that state changes. Rendering is in
//! `results_view`; the terminal loop (`term::run_results`) opens the episode viewer when a
//! launchable evaluation cell is chosen.
//!
//! What is read, and from where:
//! - a run folder (`mirrorlab train`'s output): `metrics.csv` (CleanRL's column names) as
//!   charts, `eval.md`'s tables, `run.toml` as text;
//! - an evaluation table: `mirrorlab eval --json` output (one JSON object), or a Markdown file
//!   (`eval --markdown`, `eval.md`), whose CAGE-2 tables carry the caption line
//!   ``CAGE-2 evaluation of `BLUE` on `SCENARIO`: N episodes per cell, seed S`` that makes
//!   their cells launchable;
//! - a bench table: `mirrorlab bench` Markdown, or `bench --json` lines.

use std::path::{Path, PathBuf};

/// Files larger than this are refused (results files are kilobytes to a few megabytes).
pub const MAX_FILE_BYTES: u64 = 64 << 20;

/// Why a results document could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("{path}: {why}")]
    Read { path: String, why: String },
    #[error("{path}:{line}: {why}")]
    Line {
        path: String,
        line: usize,
        why: String,
    },
}

fn read_err(path: &Path, why: impl Into<String>) -> ResultsError {
    ResultsError::Read {
        path: path.display().to_string(),
        why: why.into(),
    }
}

/// One episode to watch: an evaluation cell's red, blue, scenario, seed and length.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Launch {
    pub scenario: String,
    pub red: String,
    pub blue: String,
    pub seed: u64,
    pub steps: u32,
    /// The episode id (evaluation cells play episodes 0..N).
    pub episode: u64,
}

/// What an evaluation table's cells are: enough to replay any of their episodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EvalSource {
    pub blue: String,
    pub scenario: String,
    pub seed: u64,
    /// The red agent of each column (None: not an agent column, such as `steps`).
    pub reds: Vec<Option<String>>,
}

/// A table with a caption; its cells launch an episode when `source` says how.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub caption: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub source: Option<EvalSource>,
}

impl Table {
    /// The episode behind cell (`row`, `col`), if it is an evaluation cell.
    pub fn launch(&self, row: usize, col: usize) -> Option<Launch> {
        let src = self.source.as_ref()?;
        let red = src.reds.get(col)?.clone()?;
        let steps = self.rows.get(row)?.first()?.trim().parse().ok()?;
        Some(Launch {
            scenario: src.scenario.clone(),
            red,
            blue: src.blue.clone(),
            seed: src.seed,
            steps,
            episode: 0,
        })
    }
}

/// One series of a run's metrics against the global step.
#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    /// The CSV column (`charts/episodic_return`).
    pub column: String,
    /// What the contents list calls it.
    pub label: String,
    /// (global step, value), rows without a value left out.
    pub points: Vec<(f64, f64)>,
    /// For the return: (step, mean − std, mean + std).
    pub band: Vec<(f64, f64, f64)>,
}

/// What a results document shows: items listed on the left, one shown on the right.
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// Lines of text (a run's summary and configuration).
    Text {
        title: String,
        lines: Vec<String>,
    },
    Chart(Series),
    Table(Table),
}

impl Item {
    pub fn title(&self) -> String {
        match self {
            Item::Text { title, .. } => title.clone(),
            Item::Chart(s) => s.label.clone(),
            Item::Table(t) => match &t.source {
                Some(src) if src.scenario == "cage2" => {
                    format!("eval {}", crate::view::short_agent(&src.blue))
                }
                Some(src) => format!(
                    "eval {} · {}",
                    crate::view::short_agent(&src.blue),
                    src.scenario
                ),
                None => t
                    .caption
                    .split_whitespace()
                    .take(4)
                    .collect::<Vec<_>>()
                    .join(" "),
            },
        }
    }
}

/// A results document: a title, what kind it is, and its items.
#[derive(Clone, Debug, PartialEq)]
pub struct Document {
    pub path: PathBuf,
    pub kind: &'static str,
    pub items: Vec<Item>,
}

/// The metrics charted from a run's `metrics.csv`, in the order listed: (column, label).
pub const CHARTS: [(&str, &str); 10] = [
    ("charts/episodic_return", "return"),
    ("charts/episodic_length", "episode length"),
    ("charts/SPS", "steps/s"),
    ("losses/policy_loss", "policy loss"),
    ("losses/value_loss", "value loss"),
    ("losses/entropy", "entropy"),
    ("losses/approx_kl", "approx KL"),
    ("losses/clipfrac", "clip fraction"),
    ("losses/explained_variance", "explained var."),
    ("charts/learning_rate", "learning rate"),
];

/// Why `path` cannot be read, in words (a missing path, a symlink loop, no permission).
fn meta_err(path: &Path, e: std::io::Error) -> ResultsError {
    if e.kind() == std::io::ErrorKind::NotFound {
        read_err(path, "no such file or folder")
    } else {
        read_err(path, format!("cannot read: {e}"))
    }
}

/// A regular file's text (not a device or a pipe, which could be endless or block forever),
/// at most [`MAX_FILE_BYTES`].
fn read_text(path: &Path) -> Result<String, ResultsError> {
    let meta = std::fs::metadata(path).map_err(|e| meta_err(path, e))?;
    if !meta.is_file() {
        return Err(read_err(
            path,
            "not a regular file (a device, a pipe or a socket): nothing to view",
        ));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(read_err(
            path,
            format!(
                "{} bytes; results files are limited to {MAX_FILE_BYTES} bytes",
                meta.len()
            ),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| read_err(path, format!("cannot read: {e}")))?;
    String::from_utf8(bytes).map_err(|_| read_err(path, "not UTF-8 text"))
}

impl Document {
    /// Reads `path`: a run folder, an evaluation or bench table (JSON or Markdown).
    pub fn open(path: &Path) -> Result<Document, ResultsError> {
        let meta = std::fs::metadata(path).map_err(|e| meta_err(path, e))?;
        if meta.is_dir() {
            return Document::run_folder(path);
        }
        let text = read_text(path)?;
        let items = if text.trim_start().starts_with('{') {
            json_items(path, &text)?
        } else {
            let tables = markdown_tables(&text);
            if tables.is_empty() {
                return Err(read_err(
                    path,
                    "no table here: `mirrorlab view` opens a training run folder, an evaluation \
                     table (`eval --json` or `--markdown`) or a bench table",
                ));
            }
            tables.into_iter().map(Item::Table).collect()
        };
        let kind = if items
            .iter()
            .any(|i| matches!(i, Item::Table(t) if t.source.is_some()))
        {
            "evaluation"
        } else {
            "tables"
        };
        Ok(Document {
            path: path.to_path_buf(),
            kind,
            items,
        })
    }

    fn run_folder(dir: &Path) -> Result<Document, ResultsError> {
        let metrics = dir.join("metrics.csv");
        if !metrics.is_file() {
            return Err(read_err(
                dir,
                "a folder without metrics.csv: not a training run folder",
            ));
        }
        let (series, updates) = read_metrics(&metrics)?;
        let run_toml = dir.join("run.toml");
        let config = if run_toml.is_file() {
            read_text(&run_toml)?
        } else {
            String::new()
        };
        let mut summary = vec![format!("run folder {}", dir.display())];
        let field = |key: &str| {
            config.lines().find_map(|l| {
                let (k, v) = l.split_once('=')?;
                (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
            })
        };
        for key in ["scenario", "policy", "side", "opponent", "seed", "device"] {
            if let Some(v) = field(key) {
                summary.push(format!("{key:<10} {v}"));
            }
        }
        if let Some(ret) = series.iter().find(|s| s.column == "charts/episodic_return")
            && let (Some(first), Some(last)) = (ret.points.first(), ret.points.last())
        {
            let best = ret
                .points
                .iter()
                .map(|p| p.1)
                .fold(f64::NEG_INFINITY, f64::max);
            summary.push(format!("steps      {} ({updates} updates)", last.0 as u64));
            summary.push(format!(
                "return     {:.2} at the start, {:.2} at the end, best {:.2}",
                first.1, last.1, best
            ));
        }
        let mut items = vec![];
        let mut tables = Vec::new();
        let eval = dir.join("eval.md");
        let eval_text = if eval.exists() {
            // A damaged eval.md costs its tables, not the run's curves.
            read_text(&eval)
                .map_err(|e| summary.push(format!("eval       {e}")))
                .ok()
        } else {
            None
        };
        if let Some(text) = eval_text {
            let policy = dir.join("policy.safetensors");
            for mut t in markdown_tables(&text) {
                if let Some(src) = t.source.as_mut() {
                    src.blue = run_policy_spec(&src.blue, &policy);
                }
                if let Some(total) = t
                    .rows
                    .iter()
                    .find(|r| r.first().is_some_and(|c| c.contains("total")))
                {
                    summary.push(format!(
                        "eval       {} {}",
                        t.source.as_ref().map(|s| s.blue.as_str()).unwrap_or("?"),
                        total
                            .get(1)
                            .map(|c| c.replace("**", ""))
                            .unwrap_or_default()
                    ));
                }
                tables.push(Item::Table(t));
            }
        }
        if !config.is_empty() {
            summary.push(String::new());
            summary.push("run.toml:".into());
            summary.extend(config.lines().map(str::to_string));
        }
        items.push(Item::Text {
            title: "summary".into(),
            lines: summary,
        });
        items.extend(series.into_iter().map(Item::Chart));
        items.extend(tables);
        Ok(Document {
            path: dir.to_path_buf(),
            kind: "training run",
            items,
        })
    }
}

/// A checkpoint spec recorded where the run was made (`ppo:runs/x/policy.safetensors`) points
/// at this folder's policy when that path is not there (the folder was moved or copied).
fn run_policy_spec(spec: &str, policy: &Path) -> String {
    match spec.split_once(':') {
        Some((kind, p))
            if (kind == "ppo" || kind == "ppo-sample")
                && !Path::new(p).is_file()
                && p.ends_with("policy.safetensors")
                && policy.is_file() =>
        {
            format!("{kind}:{}", policy.display())
        }
        _ => spec.to_string(),
    }
}

/// `metrics.csv` as series, in [`CHARTS`] order (columns missing from the file left out),
/// and the number of rows (updates).
pub fn read_metrics(path: &Path) -> Result<(Vec<Series>, usize), ResultsError> {
    let text = read_text(path)?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines
        .next()
        .ok_or_else(|| read_err(path, "empty: no header line"))?
        .split(',')
        .collect();
    let col = |name: &str| header.iter().position(|h| *h == name);
    let step = col("global_step").ok_or_else(|| ResultsError::Line {
        path: path.display().to_string(),
        line: 1,
        why: "no `global_step` column: not a mirrorlab metrics.csv".into(),
    })?;
    let mut series: Vec<Series> = CHARTS
        .iter()
        .filter(|(c, _)| col(c).is_some())
        .map(|(c, l)| Series {
            column: c.to_string(),
            label: l.to_string(),
            points: Vec::new(),
            band: Vec::new(),
        })
        .collect();
    let std_col = col("charts/episodic_return_std");
    let mut rows = 0;
    for (i, line) in lines.enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        rows += 1;
        let cells: Vec<&str> = line.split(',').collect();
        let num = |c: usize| cells.get(c).and_then(|v| v.trim().parse::<f64>().ok());
        let x = num(step).ok_or_else(|| ResultsError::Line {
            path: path.display().to_string(),
            line: i + 2,
            why: format!("global_step is {:?}, not a number", cells.get(step)),
        })?;
        for s in &mut series {
            let Some(y) = col(&s.column).and_then(num).filter(|y| y.is_finite()) else {
                continue;
            };
            s.points.push((x, y));
            if s.column == "charts/episodic_return"
                && let Some(sd) = std_col.and_then(num).filter(|v| v.is_finite())
            {
                s.band.push((x, y - sd, y + sd));
            }
        }
    }
    Ok((series, rows))
}

/// The eval JSON (`eval --json`) or bench JSON lines (`bench --json`) as tables.
fn json_items(path: &Path, text: &str) -> Result<Vec<Item>, ResultsError> {
    use serde_json::Value;
    if let Ok(v) = serde_json::from_str::<Value>(text)
        && v.get("cells").is_some()
    {
        return Ok(vec![Item::Table(eval_json_table(path, &v)?)]);
    }
    // Bench rows, one JSON object per line.
    let mut rows = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let v: Value = serde_json::from_str(line).map_err(|e| ResultsError::Line {
            path: path.display().to_string(),
            line: i + 1,
            why: format!("not JSON: {e}"),
        })?;
        let f = |k: &str| match &v[k] {
            Value::String(s) => s.clone(),
            // Steps per second and counts: whole numbers.
            Value::Number(n) => match n.as_f64() {
                Some(x) => format!("{x:.0}"),
                None => n.to_string(),
            },
            Value::Null => String::new(),
            other => other.to_string(),
        };
        if v.get("steps_per_sec_per_core").is_none() {
            return Err(ResultsError::Line {
                path: path.display().to_string(),
                line: i + 1,
                why: "neither an evaluation (`eval --json`) nor a bench row (`bench --json`)"
                    .into(),
            });
        }
        rows.push(vec![
            f("scenario"),
            f("hosts"),
            format!("{} vs {}", f("red"), f("blue")),
            f("batch"),
            f("steps_per_sec_per_core"),
            format!("{} ({})", f("steps_per_sec_all_cores"), f("threads")),
        ]);
    }
    Ok(vec![Item::Table(Table {
        caption: "mirrorlab bench".into(),
        header: [
            "scenario",
            "hosts",
            "red vs blue",
            "envs per batch",
            "steps/s, 1 core",
            "steps/s, all cores",
        ]
        .map(String::from)
        .to_vec(),
        rows,
        source: None,
    })])
}

fn eval_json_table(path: &Path, v: &serde_json::Value) -> Result<Table, ResultsError> {
    let bad = |why: &str| read_err(path, format!("not an `eval --json` table: {why}"));
    let s = |k: &str| v[k].as_str().map(str::to_string);
    let blue = s("blue").ok_or_else(|| bad("no `blue`"))?;
    let scenario = s("scenario").ok_or_else(|| bad("no `scenario`"))?;
    let seed = v["seed"].as_u64().ok_or_else(|| bad("no `seed`"))?;
    let episodes = v["episodes"].as_u64().unwrap_or(0);
    let cells = v["cells"]
        .as_array()
        .ok_or_else(|| bad("`cells` is not a list"))?;
    let mut reds: Vec<String> = Vec::new();
    let mut steps: Vec<u64> = Vec::new();
    for c in cells {
        let red = c["red"]
            .as_str()
            .ok_or_else(|| bad("a cell without `red`"))?;
        let st = c["steps"]
            .as_u64()
            .ok_or_else(|| bad("a cell without `steps`"))?;
        if !reds.iter().any(|r| r == red) {
            reds.push(red.to_string());
        }
        if !steps.contains(&st) {
            steps.push(st);
        }
    }
    steps.sort_unstable();
    let rows = steps
        .iter()
        .map(|&st| {
            let mut row = vec![st.to_string()];
            for red in &reds {
                let cell = cells
                    .iter()
                    .find(|c| c["red"].as_str() == Some(red) && c["steps"].as_u64() == Some(st));
                row.push(match cell {
                    Some(c) => format!(
                        "{:.2} ± {:.2}",
                        c["mean"].as_f64().unwrap_or(f64::NAN),
                        c["ci95"].as_f64().unwrap_or(f64::NAN)
                    ),
                    None => String::new(),
                });
            }
            row
        })
        .collect();
    let mut header = vec!["steps".to_string()];
    header.extend(reds.iter().cloned());
    let mut source_reds = vec![None];
    source_reds.extend(reds.into_iter().map(Some));
    Ok(Table {
        caption: format!(
            "CAGE-2 evaluation of {blue} on {scenario}: {episodes} episodes per cell, seed {seed}; total {:.2} ± {:.2}",
            v["total"].as_f64().unwrap_or(f64::NAN),
            v["total_ci95"].as_f64().unwrap_or(f64::NAN)
        ),
        header,
        rows,
        source: Some(EvalSource {
            blue,
            scenario,
            seed,
            reds: source_reds,
        }),
    })
}

/// The red agent named by a CAGE-2 table's column header.
fn red_of_column(label: &str) -> Option<String> {
    match label.trim() {
        "B_line" | "bline" => Some("bline".into()),
        "Meander" | "meander" => Some("meander".into()),
        "Sleep" | "sleep" => Some("sleep".into()),
        _ => None,
    }
}

/// `CAGE-2 evaluation of `BLUE` on `SCENARIO`: N episodes per cell, seed S ...`.
fn eval_caption(line: &str) -> Option<(String, String, u64)> {
    let rest = line.trim().strip_prefix("CAGE-2 evaluation of `")?;
    let (blue, rest) = rest.split_once('`')?;
    let rest = rest.strip_prefix(" on `")?;
    let (scenario, rest) = rest.split_once('`')?;
    let seed_at = rest.find("seed ")? + 5;
    let digits: String = rest[seed_at..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    Some((blue.to_string(), scenario.to_string(), digits.parse().ok()?))
}

fn markdown_row(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(|c| c.trim().to_string()).collect()
}

fn is_rule(line: &str) -> bool {
    let cells = markdown_row(line);
    !cells.is_empty()
        && cells
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| matches!(ch, '-' | ':' | ' ')))
}

/// Every pipe table of a Markdown text, each with the last paragraph line before it as its
/// caption (an evaluation caption makes its cells launchable).
pub fn markdown_tables(text: &str) -> Vec<Table> {
    let lines: Vec<&str> = text.lines().collect();
    let mut tables = Vec::new();
    let mut caption = String::new();
    let mut i = 0;
    while i < lines.len() {
        let l = lines[i].trim();
        if l.starts_with('|') && i + 1 < lines.len() && is_rule(lines[i + 1]) {
            let header = markdown_row(l);
            let mut rows = Vec::new();
            i += 2;
            while i < lines.len() && lines[i].trim().starts_with('|') {
                rows.push(markdown_row(lines[i]));
                i += 1;
            }
            let source = eval_caption(&caption).map(|(blue, scenario, seed)| EvalSource {
                blue,
                scenario,
                seed,
                reds: header.iter().map(|h| red_of_column(h)).collect(),
            });
            tables.push(Table {
                caption: std::mem::take(&mut caption),
                header,
                rows,
                source,
            });
            continue;
        }
        if !l.is_empty() {
            caption = l.trim_start_matches('#').trim().to_string();
        }
        i += 1;
    }
    tables
}

/// Everything the results view can be asked to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResultsMessage {
    Up,
    Down,
    Left,
    Right,
    /// Into a table's cells, or watch the chosen cell's episode.
    Enter,
    /// Out of a table's cells, or close the help.
    Back,
    ToggleHelp,
    /// The episode viewer opened for a cell has closed (with an error, if it could not open).
    Returned(Option<String>),
    /// Scroll a text item by a page.
    PageDown,
    PageUp,
    Resize(u16, u16),
    Quit,
}

/// The results view's whole state.
pub struct Results {
    pub doc: Document,
    /// The item shown.
    pub selected: usize,
    /// Inside a table: the chosen cell (row, column); None: moving through the items.
    pub cell: Option<(usize, usize)>,
    pub help: bool,
    pub quit: bool,
    pub notice: String,
    /// The first line of a text item shown.
    pub scroll: usize,
    /// An episode to open in the viewer (the terminal loop opens it, then sends `Returned`).
    pub pending: Option<Launch>,
    pub color: bool,
    pub screen: (u16, u16),
}

impl Results {
    pub fn new(doc: Document) -> Results {
        // A table document starts in its first table's cells.
        let cell = match doc.items.first() {
            Some(Item::Table(t)) if !t.rows.is_empty() => {
                Some((0, t.header.len().min(2).saturating_sub(1)))
            }
            _ => None,
        };
        Results {
            doc,
            selected: 0,
            cell,
            help: false,
            quit: false,
            notice: String::new(),
            scroll: 0,
            pending: None,
            color: true,
            screen: (120, 40),
        }
    }

    /// The table shown, if the shown item is one.
    pub fn table(&self) -> Option<&Table> {
        match self.doc.items.get(self.selected) {
            Some(Item::Table(t)) => Some(t),
            _ => None,
        }
    }

    /// The only place the state changes.
    pub fn update(&mut self, msg: ResultsMessage) {
        // A notice stays until the next thing the user does (a resize is not).
        if !matches!(msg, ResultsMessage::Resize(..)) {
            self.notice.clear();
        }
        let items = self.doc.items.len();
        let before = self.selected;
        let shape = self
            .table()
            .map(|t| (t.rows.len(), t.header.len()))
            .unwrap_or((0, 0));
        match (msg.clone(), self.cell) {
            (ResultsMessage::Quit, _) => self.quit = true,
            (ResultsMessage::ToggleHelp, _) => self.help = !self.help,
            (ResultsMessage::Resize(w, h), _) => self.screen = (w, h),
            (ResultsMessage::PageDown | ResultsMessage::PageUp, _) => {
                let lines = match self.doc.items.get(self.selected) {
                    Some(Item::Text { lines, .. }) => lines.len(),
                    _ => 0,
                };
                let page = (self.screen.1 as usize).saturating_sub(6).max(1);
                self.scroll = if msg == ResultsMessage::PageDown {
                    (self.scroll + page).min(lines.saturating_sub(page))
                } else {
                    self.scroll.saturating_sub(page)
                };
            }
            (ResultsMessage::Returned(err), _) => {
                self.pending = None;
                if let Some(e) = err {
                    self.notice = e;
                }
            }
            (ResultsMessage::Back, _) if self.help => self.help = false,
            (ResultsMessage::Back, Some(_)) => self.cell = None,
            (ResultsMessage::Back, None) => {}
            (ResultsMessage::Up, None) => self.selected = self.selected.saturating_sub(1),
            (ResultsMessage::Down, None) => {
                self.selected = (self.selected + 1).min(items.saturating_sub(1))
            }
            (ResultsMessage::Left | ResultsMessage::Right, None) => {}
            (ResultsMessage::Enter, None) => match self.table() {
                Some(t) if !t.rows.is_empty() => {
                    self.cell = Some((0, t.header.len().min(2).saturating_sub(1)))
                }
                Some(_) => self.notice = "this table is empty".into(),
                None => self.notice = "enter opens a table's cells".into(),
            },
            (ResultsMessage::Up, Some((r, c))) => self.cell = Some((r.saturating_sub(1), c)),
            (ResultsMessage::Down, Some((r, c))) => {
                self.cell = Some(((r + 1).min(shape.0.saturating_sub(1)), c))
            }
            (ResultsMessage::Left, Some((r, c))) => self.cell = Some((r, c.saturating_sub(1))),
            (ResultsMessage::Right, Some((r, c))) => {
                self.cell = Some((r, (c + 1).min(shape.1.saturating_sub(1))))
            }
            (ResultsMessage::Enter, Some((r, c))) => {
                match self.table().and_then(|t| t.launch(r, c)) {
                    Some(l) => self.pending = Some(l),
                    None => {
                        let numbered = self.table().is_some_and(|t| {
                            t.rows[r]
                                .first()
                                .is_some_and(|c| c.trim().parse::<u32>().is_ok())
                        });
                        self.notice = if self.table().is_some_and(|t| t.source.is_some()) {
                            if numbered {
                                "choose a cell of an agent's column (B_line, Meander, Sleep)".into()
                            } else {
                                "this row is no episode (a total)".into()
                            }
                        } else {
                            "only a CAGE-2 evaluation's cells open an episode".into()
                        }
                    }
                }
            }
        }
        if self.selected != before {
            self.scroll = 0;
        }
    }
}
