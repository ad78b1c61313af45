//! Reading progress for large export files: a reader that counts bytes, and the one-line
//! percent on stderr (only when stderr is a terminal, so pipes and `--format json` see nothing).

use std::io::{IsTerminal, Read, Write};
use std::path::Path;

/// Files smaller than this read in well under a second: no progress line.
const SHOWN_FROM: u64 = 8 << 20;

/// Calls `progress(bytes read, total)` each time another percent of `total` has been read.
pub struct Counting<R, F> {
    inner: R,
    done: u64,
    total: u64,
    next: u64,
    progress: F,
}

impl<R, F: FnMut(u64, u64)> Counting<R, F> {
    pub fn new(inner: R, total: u64, progress: F) -> Self {
        Self {
            inner,
            done: 0,
            total,
            next: 0,
            progress,
        }
    }
}

impl<R: Read, F: FnMut(u64, u64)> Read for Counting<R, F> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.done += n as u64;
        if self.done >= self.next && self.total > 0 {
            (self.progress)(self.done.min(self.total), self.total);
            self.next = self.done + (self.total / 100).max(1);
        }
        Ok(n)
    }
}

/// The percent line on stderr, or nothing.
pub struct Stderr {
    shown: bool,
    label: String,
}

impl Stderr {
    pub fn for_file(path: &Path) -> Self {
        let big = std::fs::metadata(path).is_ok_and(|m| m.len() >= SHOWN_FROM);
        Self {
            shown: big && std::io::stderr().is_terminal(),
            label: path
                .file_name()
                .unwrap_or(path.as_os_str())
                .to_string_lossy()
                .into_owned(),
        }
    }

    pub fn show(&self, done: u64, total: u64) {
        if self.shown {
            let pct = done * 100 / total.max(1);
            let _ = write!(std::io::stderr(), "\rreading {}: {pct:>3}%", self.label);
        }
    }

    /// Erases the line, so what follows starts on a clean one.
    pub fn clear(&self) {
        if self.shown {
            let _ = write!(std::io::stderr(), "\r\x1b[2K");
        }
    }
}
