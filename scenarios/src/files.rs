//! The lab's file primitive: writing a file so that a crash or a bad run never leaves a
//! damaged one. The bytes go to a temporary file beside the target, which is flushed to disk
//! and renamed over the target; the directory is then flushed too, so the rename survives a
//! power cut. Only regular files are ever replaced: a symbolic link is followed (its target is
//! replaced, the link stays), and a directory, FIFO, socket or device is refused. A
//! temporary file that a killed writer left is removed by the next write to the same file.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path` atomically (see the module's documentation). Missing parent
/// folders are created.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)
        .map_err(|e| annotate(e, format!("cannot write {}", f.tmp.display())))?;
    f.commit()
}

/// A file written in pieces that appears at its path only when [`AtomicFile::commit`] is
/// called (see the module's documentation); dropped without a commit, it leaves nothing and
/// the old file, if any, untouched. For outputs too large to hold in memory.
pub struct AtomicFile {
    path: PathBuf,
    dir: PathBuf,
    tmp: PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    /// Opens a fresh temporary file beside `path` (missing parent folders are created).
    pub fn create(path: &Path) -> std::io::Result<AtomicFile> {
        let path = resolve(path)?;
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        std::fs::create_dir_all(&dir)
            .map_err(|e| annotate(e, format!("cannot create {}", dir.display())))?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        sweep_stale(&dir, &name);
        // A fresh temporary name (never an existing file or a link planted there).
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let (tmp, f) = loop {
            let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let tmp = dir.join(format!(".{name}.tmp-{}-{n}", std::process::id()));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
            {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && n < 1_000_000 => {}
                Err(e) => return Err(annotate(e, format!("cannot create {}", tmp.display()))),
            }
        };
        Ok(AtomicFile {
            path,
            dir,
            tmp,
            file: Some(std::io::BufWriter::new(f)),
        })
    }

    /// Flushes the file to disk and renames it over its path.
    pub fn commit(mut self) -> std::io::Result<()> {
        let Some(w) = self.file.take() else {
            return Ok(());
        };
        let result = (|| -> std::io::Result<()> {
            let f = w.into_inner().map_err(|e| {
                annotate(
                    e.into_error(),
                    format!("cannot write {}", self.tmp.display()),
                )
            })?;
            f.sync_all()?;
            std::fs::rename(&self.tmp, &self.path)
                .map_err(|e| annotate(e, format!("cannot write {}", self.path.display())))?;
            if let Ok(d) = std::fs::File::open(&self.dir) {
                let _ = d.sync_all();
            }
            Ok(())
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&self.tmp);
        }
        result
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match &mut self.file {
            Some(f) => f.write(buf),
            None => Err(std::io::Error::other("the file was already committed")),
        }
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match &mut self.file {
            Some(f) => f.flush(),
            None => Ok(()),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

/// Removes temporary files that an earlier write to `name` in `dir` left when its process
/// was killed before it could commit or clean up (`.NAME.tmp-PID-N` of a process that no
/// longer runs). Only where `/proc` tells which processes run; anything else is left alone.
fn sweep_stale(dir: &Path, name: &str) {
    if !Path::new("/proc/self").exists() {
        return;
    }
    let prefix = format!(".{name}.tmp-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let file = entry.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else {
            continue;
        };
        let Some((pid, n)) = rest.split_once('-') else {
            continue;
        };
        let (Ok(pid), Ok(_)) = (pid.parse::<u32>(), n.parse::<u64>()) else {
            continue;
        };
        let regular = entry.file_type().is_ok_and(|t| t.is_file());
        if regular && pid != std::process::id() && !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The regular file a write to `path` replaces: `path` itself, or the target of a symbolic
/// link. Anything else that exists there is an error.
fn resolve(path: &Path) -> std::io::Result<PathBuf> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(path.to_path_buf()),
        Err(e) => Err(annotate(e, format!("cannot inspect {}", path.display()))),
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            // The final target of a chain of links; it must be a regular file.
            Ok(target) if target.is_file() => Ok(target),
            Ok(_) => Err(not_regular(path)),
            // A dangling link: create the file it points to.
            Err(_) => {
                let target = std::fs::read_link(path)?;
                Ok(match path.parent() {
                    Some(p) if target.is_relative() => p.join(target),
                    _ => target,
                })
            }
        },
        Ok(m) if m.is_file() => Ok(path.to_path_buf()),
        Ok(_) => Err(not_regular(path)),
    }
}

fn not_regular(path: &Path) -> std::io::Error {
    std::io::Error::other(format!(
        "{} exists and is not a regular file (a directory, device, FIFO or socket): refusing to replace it",
        path.display()
    ))
}

fn annotate(e: std::io::Error, what: String) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{what}: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_files_follows_links_and_refuses_the_rest() {
        let dir = std::env::temp_dir().join(format!("mirrorlab-files-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("sub/a.txt");
        write_atomic(&f, b"one").unwrap();
        write_atomic(&f, b"two").unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"two");
        let link = dir.join("link.txt");
        std::os::unix::fs::symlink("sub/a.txt", &link).unwrap();
        write_atomic(&link, b"three").unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(std::fs::read(&f).unwrap(), b"three");
        let e = write_atomic(&dir.join("sub"), b"x").unwrap_err();
        assert!(e.to_string().contains("not a regular file"), "{e}");
        assert!(dir.join("sub").is_dir());
        let leftovers: Vec<_> = std::fs::read_dir(dir.join("sub"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(leftovers.len(), 1, "{leftovers:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_uncommitted_file_leaves_nothing_and_the_old_one_intact() {
        let dir = std::env::temp_dir().join(format!("mirrorlab-files-drop-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let f = dir.join("a.csv");
        write_atomic(&f, b"old").unwrap();
        {
            let mut w = AtomicFile::create(&f).unwrap();
            w.write_all(b"half of a new file").unwrap();
        }
        assert_eq!(std::fs::read(&f).unwrap(), b"old");
        // What a killed writer left (a process that cannot exist) is swept away by the next
        // write to the same file; a live process's, and other files, are not.
        let stale = dir.join(".a.csv.tmp-999999999-0");
        let live = dir.join(format!(".a.csv.tmp-{}-999", std::process::id()));
        let other = dir.join(".b.csv.tmp-999999999-0");
        for p in [&stale, &live, &other] {
            std::fs::write(p, b"x").unwrap();
        }
        let mut w = AtomicFile::create(&f).unwrap();
        w.write_all(b"new").unwrap();
        w.commit().unwrap();
        assert_eq!(std::fs::read(&f).unwrap(), b"new");
        assert!(!stale.exists() && live.exists() && other.exists());
        std::fs::remove_file(&live).unwrap();
        std::fs::remove_file(&other).unwrap();
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
