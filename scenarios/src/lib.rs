//! mirrorlab's scenario files: the TOML format, its JSON Schema, located validation, and
//! compilation into the simulator's model. Architecture invariant: this is the only crate that
//! knows the file syntax.

pub mod compile;
pub mod diag;
pub mod files;
pub mod generate;
pub mod load;
pub mod raw;
pub mod reach;

use std::path::Path;

pub use diag::{Diagnostic, Severity};
use mirrorlab_sim::model::Scenario;

/// The scenarios shipped with mirrorlab, by name: (name, file name, text).
pub const BUNDLED: &[(&str, &str, &str)] = &[
    ("cage2", "cage2.toml", include_str!("../cage2.toml")),
    (
        "cage2-fixed",
        "cage2-fixed.toml",
        include_str!("../cage2-fixed.toml"),
    ),
    (
        "enterprise",
        "enterprise.toml",
        include_str!("../enterprise.toml"),
    ),
    (
        "ransomware",
        "ransomware.toml",
        include_str!("../ransomware.toml"),
    ),
    ("grid", "grid.toml", include_str!("../grid.toml")),
    // Teaching scenarios: a handful of hosts, one technique (and blue's answer) each.
    (
        "lesson-phishing",
        "lesson-phishing.toml",
        include_str!("../lesson-phishing.toml"),
    ),
    (
        "lesson-credentials",
        "lesson-credentials.toml",
        include_str!("../lesson-credentials.toml"),
    ),
    (
        "lesson-exfiltration",
        "lesson-exfiltration.toml",
        include_str!("../lesson-exfiltration.toml"),
    ),
    (
        "lesson-ransomware",
        "lesson-ransomware.toml",
        include_str!("../lesson-ransomware.toml"),
    ),
    (
        "lesson-evasion",
        "lesson-evasion.toml",
        include_str!("../lesson-evasion.toml"),
    ),
    (
        "lesson-segmentation",
        "lesson-segmentation.toml",
        include_str!("../lesson-segmentation.toml"),
    ),
];

/// A compiled scenario and what was said about it.
#[derive(Debug)]
pub struct Loaded {
    pub scenario: Scenario,
    pub warnings: Vec<Diagnostic>,
    /// The file's text (replays embed it).
    pub source: String,
}

/// FNV-1a over the file's bytes: the scenario's identity in replays.
pub fn source_hash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Loads a scenario from bytes; `name` is used in messages.
pub fn load_bytes(name: &str, bytes: &[u8]) -> Result<Loaded, Vec<Diagnostic>> {
    let text = load::decode(name, bytes).map_err(|d| vec![d])?;
    let parsed = load::parse(name, text)?;
    let (scenario, warnings) = compile::compile(&parsed, source_hash(bytes))?;
    Ok(Loaded {
        scenario,
        warnings,
        source: text.to_string(),
    })
}

/// Loads a bundled scenario by name (`cage2`, `cage2-fixed`).
pub fn load_bundled(name: &str) -> Option<Result<Loaded, Vec<Diagnostic>>> {
    BUNDLED
        .iter()
        .find(|b| b.0 == name)
        .map(|b| load_bytes(b.1, b.2.as_bytes()))
}

/// Loads `arg`: a bundled scenario's name, or a path to a file.
pub fn load(arg: &str) -> Result<Loaded, Vec<Diagnostic>> {
    if let Some(r) = load_bundled(arg)
        && !Path::new(arg).exists()
    {
        return r;
    }
    let io_err = |message: String| {
        vec![Diagnostic {
            severity: Severity::Error,
            file: arg.to_string(),
            line: 0,
            column: 0,
            path: String::new(),
            message,
        }]
    };
    let meta = std::fs::metadata(arg).map_err(|e| {
        let names: Vec<&str> = BUNDLED.iter().map(|b| b.0).collect();
        io_err(format!(
            "cannot read: {e} (and it is not a bundled scenario: {})",
            names.join(", ")
        ))
    })?;
    if !meta.is_file() {
        return Err(io_err("not a regular file".into()));
    }
    if meta.len() > load::MAX_FILE_BYTES as u64 {
        return Err(io_err(format!(
            "file is {} bytes; scenario files are limited to {} bytes",
            meta.len(),
            load::MAX_FILE_BYTES
        )));
    }
    let bytes = std::fs::read(arg).map_err(|e| io_err(format!("cannot read: {e}")))?;
    load_bytes(arg, &bytes)
}

/// The JSON Schema of the format, pretty-printed.
pub fn schema_json() -> String {
    serde_json::to_string_pretty(&load::schema()).expect("schema serialises")
}
