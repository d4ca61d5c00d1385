//! File writes of the command line: the lab's atomic writer (`mirrorlab_scenarios::files`)
//! with the path in the error.

use std::path::Path;

use anyhow::{Context, Result};

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    mirrorlab_scenarios::files::write_atomic(path, bytes)
        .with_context(|| format!("{}: nothing was written", path.display()))
}

/// Whether two output paths name the same file: the same text, or the same file once links
/// and `.`/`..` are resolved (for a file not yet there, its folder resolved and its name).
pub fn same_file(a: &Path, b: &Path) -> bool {
    fn resolved(p: &Path) -> Option<std::path::PathBuf> {
        if let Ok(c) = std::fs::canonicalize(p) {
            return Some(c);
        }
        let name = p.file_name()?;
        let dir = match p.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        Some(std::fs::canonicalize(dir).ok()?.join(name))
    }
    a == b || matches!((resolved(a), resolved(b)), (Some(x), Some(y)) if x == y)
}
