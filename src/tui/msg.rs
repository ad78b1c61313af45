//! Everything that can happen to the app (`Msg`) and every side effect it may ask for
//! (`Command`). `update` turns the first into the second; the executor runs the second.

use chrono::{DateTime, Utc};
use crossterm::event::{KeyEvent, MouseEvent};
use roomscribe_discourse::types::{ForumCommand, ForumEvent};
use roomscribe_transcript::model::{ChatCommand, ChatEvent};

use super::state::Draft;

#[derive(Debug, Clone)]
pub enum Msg {
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// Text pasted into the terminal (bracketed paste).
    Paste(String),
    Resize {
        width: u16,
        height: u16,
    },
    /// The clock: drives relative times, reconnect countdowns and autosave.
    Tick(DateTime<Utc>),
    Chat(ChatEvent),
    Forum(ForumEvent),
    /// `$EDITOR` came back: the new text, or why it failed.
    EditorReturned(Result<String, String>),
    /// A saved draft for this room found at start.
    DraftFound(Draft),
    /// A side effect finished with something to tell the user (one line).
    Notice(String),
    /// A side effect failed (one line).
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Chat(ChatCommand),
    Forum(ForumCommand),
    /// Write the draft atomically to the drafts folder.
    SaveDraft(Draft),
    /// The draft was published or discarded.
    DeleteDraft {
        room: String,
    },
    /// Keep a published post with its topic URL (`<drafts>/published/`), for the record.
    ArchivePublished {
        draft: Draft,
        url: String,
    },
    /// Look for a draft left by an earlier run (crash, kill, quit).
    LoadDraft {
        room: String,
    },
    /// Suspend the terminal, edit this text in `$EDITOR`, resume.
    SpawnEditor {
        text: String,
    },
    OpenUrl(String),
    /// Copy to the local clipboard through the terminal (OSC 52), works over SSH.
    Copy(String),
    Quit,
}
