//! File writes of the command line: the lab's atomic writer (`mirrorlab_scenarios::files`)
//! with the path in the error.

use std::path::Path;

use anyhow::{Context, Result};

pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    mirrorlab_scenarios::files::write_atomic(path, bytes)
        .with_context(|| format!("{}: nothing was written", path.display()))
}
