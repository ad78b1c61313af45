//! Runs the side effects `update` asks for: channel sends, draft files, the browser. Nothing
//! here blocks the loop: slow work goes to tasks, and results come back as `Msg`s.

use std::io::Write;
use std::path::{Path, PathBuf};

use roomscribe_discourse::types::ForumCommand;
use roomscribe_transcript::model::ChatCommand;
use tokio::sync::mpsc;

use super::msg::{Command, Msg};
use super::state::Draft;

/// What needs the terminal itself: suspending for `$EDITOR`, and OSC 52 copies.
pub trait Control {
    /// Edits `text` in an external editor; the new text, or one line saying why not.
    fn edit(&mut self, text: &str) -> Result<String, String>;
    fn copy(&mut self, text: &str) -> std::io::Result<()>;
}

#[derive(Debug, Clone)]
pub struct Executor {
    drafts: PathBuf,
}

pub struct Running {
    /// Draft files go through one worker in order, so a save never lands after a delete.
    drafts: Option<std::sync::mpsc::Sender<DraftOp>>,
    worker: Option<std::thread::JoinHandle<()>>,
    chat: mpsc::Sender<ChatCommand>,
    forum: mpsc::Sender<ForumCommand>,
    back: mpsc::UnboundedSender<Msg>,
}

enum DraftOp {
    Save(Draft),
    Delete(String),
    Load(String),
    Archive(Draft, String),
}

impl Executor {
    /// `drafts`: the folder for autosaved drafts (`paths::drafts_dir()` in the app).
    pub fn new(drafts: PathBuf) -> Self {
        Self { drafts }
    }

    pub fn with(
        self,
        chat: mpsc::Sender<ChatCommand>,
        forum: mpsc::Sender<ForumCommand>,
        back: mpsc::UnboundedSender<Msg>,
    ) -> Running {
        let (tx, rx) = std::sync::mpsc::channel();
        let dir = self.drafts;
        let to_app = back.clone();
        let worker = std::thread::spawn(move || {
            for op in rx {
                draft_op(&dir, op, &to_app);
            }
        });
        Running {
            drafts: Some(tx),
            worker: Some(worker),
            chat,
            forum,
            back,
        }
    }
}

fn draft_op(dir: &Path, op: DraftOp, back: &mpsc::UnboundedSender<Msg>) {
    match op {
        DraftOp::Save(d) => {
            let path = draft_path(dir, &d.room);
            if let Err(e) = save_draft(&path, &d) {
                tracing::warn!("autosave {}: {e}", path.display());
                let _ = back.send(Msg::Failed(format!("autosave failed: {e}")));
            }
        }
        DraftOp::Delete(room) => {
            let _ = std::fs::remove_file(draft_path(dir, &room));
        }
        DraftOp::Archive(d, url) => {
            let path = published_path(dir, &d);
            let record = serde_json::to_value(&d).map(|mut v| {
                v["topic_url"] = serde_json::Value::String(url);
                v
            });
            let saved = match record {
                Ok(v) => save_json(&path, &v),
                Err(e) => Err(e.into()),
            };
            if let Err(e) = saved {
                tracing::warn!("archive {}: {e}", path.display());
                let _ = back.send(Msg::Failed(format!(
                    "could not keep the published post: {e}"
                )));
            }
        }
        DraftOp::Load(room) => {
            if let Some(d) = load_draft(&draft_path(dir, &room)) {
                let _ = back.send(Msg::DraftFound(d));
            }
        }
    }
}

/// The app is ending: every queued draft write finishes first.
impl Drop for Running {
    fn drop(&mut self) {
        drop(self.drafts.take());
        if let Some(w) = self.worker.take() {
            let _ = w.join();
        }
    }
}

impl Running {
    pub fn run(&self, cmd: Command) {
        let drafts = |op| {
            if let Some(tx) = &self.drafts {
                let _ = tx.send(op);
            }
        };
        match cmd {
            Command::Chat(c) => send(&self.chat, c, &self.back, "chat"),
            Command::Forum(c) => send(&self.forum, c, &self.back, "forum"),
            Command::SaveDraft(d) => drafts(DraftOp::Save(d)),
            Command::DeleteDraft { room } => drafts(DraftOp::Delete(room)),
            Command::LoadDraft { room } => drafts(DraftOp::Load(room)),
            Command::ArchivePublished { draft, url } => drafts(DraftOp::Archive(draft, url)),
            Command::OpenUrl(url) => {
                let back = self.back.clone();
                tokio::task::spawn_blocking(move || {
                    let _ = back.send(open_url(&url));
                });
            }
            // The loop handles these: they need the terminal or end it.
            Command::SpawnEditor { .. } | Command::Copy(_) | Command::Quit => {}
        }
    }
}

/// Never waits: a full channel hands the send to a task, a closed one is reported once.
fn send<T: Send + 'static>(
    tx: &mpsc::Sender<T>,
    item: T,
    back: &mpsc::UnboundedSender<Msg>,
    what: &str,
) {
    match tx.try_send(item) {
        Ok(()) => {}
        Err(mpsc::error::TrySendError::Full(item)) => {
            let tx = tx.clone();
            tokio::spawn(async move { tx.send(item).await.ok() });
        }
        Err(mpsc::error::TrySendError::Closed(_)) => {
            let _ = back.send(Msg::Failed(format!("the {what} connection has stopped")));
        }
    }
}

pub fn draft_path(dir: &Path, room: &str) -> PathBuf {
    let name: String = room
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir.join(format!("{name}.json"))
}

/// `<drafts>/published/<room>-<UTC time>.json`: one file per published post.
pub fn published_path(dir: &Path, d: &Draft) -> PathBuf {
    let room = draft_path(dir, &d.room);
    let stem = room.file_stem().map(|s| s.to_string_lossy().to_string());
    let at = d.saved_at.format("%Y%m%dT%H%M%SZ");
    dir.join("published")
        .join(format!("{}-{at}.json", stem.unwrap_or_default()))
}

/// Through the one atomic writer: a crash mid-save keeps the previous draft.
pub fn save_draft(path: &Path, draft: &Draft) -> std::io::Result<()> {
    save_json(path, draft)
}

fn save_json(path: &Path, value: &impl serde::Serialize) -> std::io::Result<()> {
    let text = serde_json::to_vec_pretty(value)?;
    roomscribe_files::write_private(path, &text)
}

pub fn load_draft(path: &Path) -> Option<Draft> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Over SSH there is no browser here: say so and show the link instead.
fn open_url(url: &str) -> Msg {
    if !crate::browser::is_local() {
        Msg::Notice(format!("no browser here (SSH?); open {url}"))
    } else if crate::browser::open(url) {
        Msg::Notice(format!("opened {url}"))
    } else {
        Msg::Notice(format!("no browser found; open {url}"))
    }
}

/// Runs `editor` (through `sh`, so `code --wait` works) on a temp file holding `text`.
pub fn edit_with(editor: &str, text: &str) -> Result<String, String> {
    let mut file = tempfile::Builder::new()
        .prefix("roomscribe-")
        .suffix(".md")
        .tempfile()
        .map_err(|e| format!("temp file: {e}"))?;
    file.write_all(text.as_bytes())
        .map_err(|e| format!("temp file: {e}"))?;
    let status = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{editor} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()
        .map_err(|e| format!("cannot start {editor}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "{editor} exited with {status}; the text is unchanged"
        ));
    }
    std::fs::read_to_string(file.path()).map_err(|e| format!("reading back: {e}"))
}

/// `$VISUAL`, then `$EDITOR`, then `vi`.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "vi".to_string())
}
