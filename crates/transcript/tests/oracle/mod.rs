//! Discourse's own markdown engine (`../shared/discourse/render`) as a test oracle: copied to
//! the target dir (the shared folder is read-only in CI), its npm packages installed once, and
//! ONE node process answering line-delimited JSON for every test in the binary.
//!
//! Without the folder the tests print a SKIP line and pass, so a clone without it still
//! passes; with `ROOMSCRIBE_REQUIRE_RENDERER=1` (set by scripts/test) they fail instead.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::{Mutex, OnceLock};

use serde::Deserialize;

/// What Discourse made of one post (render.mjs's report; the fields the tests read).
#[derive(Debug, Clone, Deserialize)]
pub struct Cooked {
    pub html: String,
    pub text: String,
    pub top_level_quotes: usize,
    pub nested_quotes: usize,
    pub mentions: Vec<String>,
    pub notifying_mentions: Vec<String>,
    pub group_or_here_mentions: Vec<String>,
    pub code_blocks: usize,
    pub code_texts: Vec<String>,
    pub link_mismatches: Vec<serde_json::Value>,
    pub disallowed_tags_seen: Vec<String>,
}

struct Node {
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

fn source() -> PathBuf {
    std::env::var_os("ROOMSCRIBE_DISCOURSE_RENDER")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/discourse/render")
        })
}

fn required() -> bool {
    std::env::var("ROOMSCRIBE_REQUIRE_RENDERER").is_ok_and(|v| v == "1")
}

fn copy_dir(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_name() == "node_modules" {
            continue;
        }
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            let _ = std::fs::remove_file(&target);
            std::fs::copy(entry.path(), &target)?;
            let mut perms = std::fs::metadata(&target)?.permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perms.set_readonly(false);
            std::fs::set_permissions(&target, perms)?;
        }
    }
    Ok(())
}

fn start() -> Result<Node, String> {
    let src = source();
    if !src.join("render.mjs").is_file() {
        return Err(format!("{} is absent", src.display()));
    }
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("discourse-render");
    copy_dir(&src, &dir).map_err(|e| format!("copying {}: {e}", src.display()))?;
    if !dir.join("node_modules/markdown-it").is_dir() {
        let status = Command::new("sh")
            .arg(dir.join("setup.sh"))
            .current_dir(&dir)
            .status()
            .map_err(|e| format!("setup.sh: {e}"))?;
        if !status.success() {
            return Err(format!("setup.sh in {} failed: {status}", dir.display()));
        }
    }
    let driver = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oracle/driver.mjs");
    let mut child = Command::new("node")
        .arg(driver)
        .arg(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("node: {e}"))?;
    let stdin = child.stdin.take().ok_or("node: no stdin")?;
    let stdout = BufReader::new(child.stdout.take().ok_or("node: no stdout")?);
    Ok(Node {
        _child: child,
        stdin,
        stdout,
    })
}

fn node() -> &'static Mutex<Result<Node, String>> {
    static NODE: OnceLock<Mutex<Result<Node, String>>> = OnceLock::new();
    NODE.get_or_init(|| Mutex::new(start()))
}

/// Whether the oracle is there; prints the SKIP line (or panics when it is required).
pub fn available(test: &str) -> bool {
    let guard = node().lock().unwrap_or_else(|e| e.into_inner());
    match &*guard {
        Ok(_) => true,
        Err(why) if required() => {
            panic!("{test}: Discourse renderer required (ROOMSCRIBE_REQUIRE_RENDERER=1): {why}")
        }
        Err(why) => {
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            let line = format!("SKIP {test}: Discourse renderer unavailable: {why}\n");
            let _ = std::io::stderr().write_all(line.as_bytes());
            false
        }
    }
}

/// Cooks `markdown` with Discourse's engine. Call [`available`] first.
pub fn cook(markdown: &str) -> Cooked {
    let mut guard = node().lock().unwrap_or_else(|e| e.into_inner());
    let node = guard.as_mut().expect("renderer available");
    let mut line = serde_json::to_string(markdown).expect("json");
    line.push('\n');
    node.stdin
        .write_all(line.as_bytes())
        .expect("write to node");
    node.stdin.flush().expect("flush node");
    let mut answer = String::new();
    node.stdout.read_line(&mut answer).expect("read from node");
    serde_json::from_str(&answer)
        .unwrap_or_else(|e| panic!("renderer answered {answer:?} ({e}) for {markdown:?}"))
}
