//! The persistent room cache: matrix-sdk's own sqlite stores (state store and event cache
//! store) in one private folder. This module only decides whether and how that folder can be
//! used; what goes into it is the SDK's business.
//!
//! A moderator who opens a second window on the same data, or whose cache file broke, still
//! gets a working app: a locked cache means "run without it", a damaged one is removed and
//! started afresh, and a cache over its size bound is cleared at start. Each case is one line.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

use matrix_sdk::ClientBuilder;

/// The lock file: held (advisory `flock`) for as long as the process uses the cache.
const LOCK: &str = "roomscribe.lock";

/// A cache folder this process holds the lock on.
#[derive(Debug)]
pub struct CacheDir {
    path: PathBuf,
    _lock: File,
}

/// What opening the cache came to, with the one line to tell the user (if any).
#[derive(Debug, Default)]
pub struct Opened {
    pub dir: Option<CacheDir>,
    pub notice: Option<String>,
}

impl CacheDir {
    /// Takes `path` (created 0700) for this process. Over `max_bytes`, its contents are
    /// cleared first (they are only a cache: everything comes back from the server).
    pub fn open(path: &Path, max_bytes: u64) -> Opened {
        let none = |notice: String| Opened {
            dir: None,
            notice: Some(notice),
        };
        if let Err(e) = create_private_dir(path) {
            return none(format!("cache {}: {e}; running without it", path.display()));
        }
        let lock = match OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path.join(LOCK))
        {
            Ok(f) => f,
            Err(e) => return none(format!("cache {}: {e}; running without it", path.display())),
        };
        set_private(&path.join(LOCK));
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                return none(
                    "cache in use by another roomscribe; running without it (nothing is stored)"
                        .into(),
                );
            }
            Err(TryLockError::Error(e)) => {
                return none(format!("cache {}: {e}; running without it", path.display()));
            }
        }
        let dir = CacheDir {
            path: path.to_path_buf(),
            _lock: lock,
        };
        let size = dir.size();
        let notice = if size > max_bytes {
            dir.clear();
            Some(format!(
                "cache was {} MB (over cache.max_mb = {} MB): cleared",
                size / 1_000_000,
                max_bytes / 1_000_000
            ))
        } else {
            None
        };
        Opened {
            dir: Some(dir),
            notice,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes used by the folder's files.
    pub fn size(&self) -> u64 {
        std::fs::read_dir(&self.path)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum()
    }

    /// Removes every store file (the lock stays, still held).
    pub fn clear(&self) {
        for entry in std::fs::read_dir(&self.path)
            .into_iter()
            .flatten()
            .flatten()
        {
            if entry.file_name() != LOCK {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }

    /// The SDK's files are created with the process umask; they hold room content.
    pub fn make_private(&self) {
        for entry in std::fs::read_dir(&self.path)
            .into_iter()
            .flatten()
            .flatten()
        {
            set_private(&entry.path());
        }
    }

    /// `builder` with its sqlite stores in this folder.
    pub fn apply(&self, builder: ClientBuilder) -> ClientBuilder {
        builder.sqlite_store(&self.path, None)
    }
}

fn create_private_dir(path: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

fn set_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
}

/// Whether a store error means the files are unusable (not a database, malformed), as opposed
/// to a passing problem.
pub(crate) fn is_damage(err: &matrix_sdk::ClientBuildError) -> bool {
    matches!(err, matrix_sdk::ClientBuildError::SqliteStore(_))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode(p: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_second_instance_runs_without_the_cache() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("cache");
        let first = CacheDir::open(&path, u64::MAX);
        assert!(first.dir.is_some() && first.notice.is_none());
        let second = CacheDir::open(&path, u64::MAX);
        assert!(second.dir.is_none());
        assert!(
            second
                .notice
                .unwrap()
                .contains("in use by another roomscribe")
        );
        drop(first);
        assert!(CacheDir::open(&path, u64::MAX).dir.is_some());
    }

    #[test]
    fn over_the_bound_is_cleared_at_start() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("cache");
        std::fs::create_dir_all(&path).unwrap();
        std::fs::write(
            path.join("matrix-sdk-event-cache.sqlite3"),
            vec![0u8; 3_000_000],
        )
        .unwrap();
        let opened = CacheDir::open(&path, 2_000_000);
        assert!(opened.notice.unwrap().contains("cleared"));
        let dir = opened.dir.unwrap();
        assert!(dir.size() < 1000, "{}", dir.size());
    }

    #[cfg(unix)]
    #[test]
    fn folder_is_0700_and_files_0600() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("cache");
        let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
        std::fs::write(path.join("x.sqlite3"), b"x").unwrap();
        dir.make_private();
        assert_eq!(mode(&path), 0o700);
        assert_eq!(mode(&path.join("x.sqlite3")), 0o600);
        assert_eq!(mode(&path.join(LOCK)), 0o600);
    }
}
