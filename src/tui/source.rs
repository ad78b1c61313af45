//! The channel pairs between the app and its sources. A source (Matrix, Discourse, the demo,
//! or a test) holds the `Peer` end; the app holds the `Links` end.

use roomscribe_discourse::types::{ForumCommand, ForumEvent};
use roomscribe_transcript::model::{ChatCommand, ChatEvent};
use tokio::sync::mpsc;

/// Room for bursts (a backfill page, a reconnect flood) without blocking a source.
const CAPACITY: usize = 1024;

pub struct Links {
    pub chat_tx: mpsc::Sender<ChatCommand>,
    pub chat_rx: mpsc::Receiver<ChatEvent>,
    pub forum_tx: mpsc::Sender<ForumCommand>,
    pub forum_rx: mpsc::Receiver<ForumEvent>,
}

/// The source side: what a chat/forum task's `run(.., cmd_rx, ev_tx)` takes.
pub struct Peer {
    pub chat_cmd_rx: mpsc::Receiver<ChatCommand>,
    pub chat_ev_tx: mpsc::Sender<ChatEvent>,
    pub forum_cmd_rx: mpsc::Receiver<ForumCommand>,
    pub forum_ev_tx: mpsc::Sender<ForumEvent>,
}

pub fn links() -> (Links, Peer) {
    let (chat_tx, chat_cmd_rx) = mpsc::channel(CAPACITY);
    let (chat_ev_tx, chat_rx) = mpsc::channel(CAPACITY);
    let (forum_tx, forum_cmd_rx) = mpsc::channel(CAPACITY);
    let (forum_ev_tx, forum_rx) = mpsc::channel(CAPACITY);
    (
        Links {
            chat_tx,
            chat_rx,
            forum_tx,
            forum_rx,
        },
        Peer {
            chat_cmd_rx,
            chat_ev_tx,
            forum_cmd_rx,
            forum_ev_tx,
        },
    )
}
