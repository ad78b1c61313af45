//! The one atomic file writer of roomscribe. Sessions, the forum key, drafts, published drafts
//! and the forwarded record all go through [`write_private`], so a crash or `kill -9` at any
//! moment leaves either the old file or the new one, never a half-written one, and no other
//! user can read them (they hold tokens or room content).
//!
//! It is its own crate because both protocol crates (matrix: the session and its background
//! token refresh; discourse: the User API key) and the app write files, and neither protocol
//! crate may import the app, while the transcript crate does no I/O.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Replaces `path` with `bytes`: a temp file in the same folder (mode 0600 from creation),
/// synced, renamed over `path`, then the folder synced so the rename itself survives a crash.
/// Missing folders are created.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with_fault(path, bytes, &mut || Ok(()))
}

/// [`write_private`] with a hook run after the temp file is complete and before the rename:
/// tests make it fail (or abort the process) to prove a fault there leaves the old file.
#[doc(hidden)]
pub fn write_with_fault(
    path: &Path,
    bytes: &[u8],
    before_rename: &mut dyn FnMut() -> io::Result<()>,
) -> io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir)?;
    let (tmp, mut file) = create_temp(&dir, path)?;
    let result = (|| {
        file.write_all(bytes)?;
        file.sync_all()?;
        drop(file);
        before_rename()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    sync_dir(&dir);
    Ok(())
}

/// `.<name>.<pid>.<n>.tmp`, created exclusively so two writers never share a temp file.
fn create_temp(dir: &Path, path: &Path) -> io::Result<(PathBuf, File)> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".into());
    loop {
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let tmp = dir.join(format!(".{name}.{}.{n}.tmp", std::process::id()));
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

/// Best effort: some file systems refuse to sync a folder; the data itself is already synced.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777
        }
        #[cfg(not(unix))]
        0o600
    }

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn writes_creates_folders_and_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a/b/session.json");
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        assert_eq!(mode(&path), 0o600);
        assert!(leftovers(&dir.path().join("a/b")).is_empty());
    }

    #[test]
    fn an_existing_public_file_becomes_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("draft.json");
        std::fs::write(&path, "old").unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(mode(&path), 0o600);
    }

    #[test]
    fn a_fault_before_the_rename_keeps_the_old_file_and_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.json");
        write_private(&path, b"old session").unwrap();
        let err = write_with_fault(&path, b"new", &mut || Err(io::Error::other("disk gone")));
        assert!(err.is_err());
        assert_eq!(std::fs::read(&path).unwrap(), b"old session");
        assert!(leftovers(dir.path()).is_empty());
    }

    /// The child half of the crash test: aborts the process between temp write and rename.
    #[test]
    fn crash_child() {
        let Ok(path) = std::env::var("ROOMSCRIBE_FILES_CRASH_AT") else {
            return;
        };
        let big = vec![b'x'; 1 << 20];
        let _ = write_with_fault(Path::new(&path), &big, &mut || std::process::abort());
    }

    #[test]
    fn a_crash_between_temp_write_and_rename_never_leaves_a_broken_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("matrix-session.json");
        write_private(&path, b"{\"old\":true}").unwrap();
        let status = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "tests::crash_child", "--nocapture"])
            .env("ROOMSCRIBE_FILES_CRASH_AT", &path)
            .status()
            .unwrap();
        assert!(!status.success(), "the child should have crashed");
        assert_eq!(std::fs::read(&path).unwrap(), b"{\"old\":true}");
    }
}
