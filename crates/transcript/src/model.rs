//! The one message model every source produces (Matrix, legacy Gitter exports, the demo room),
//! and the owned events/commands that flow between a chat source task and the app.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What kind of message this is; media carry the URL the post links to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MessageKind {
    Text,
    Emote,
    Notice,
    /// `url` is an `mxc://` URI or an http(s) URL; `name` is the file name when known.
    Image {
        url: String,
        name: Option<String>,
    },
    File {
        url: String,
        name: Option<String>,
    },
}

/// A chat message as it stands now: edits already folded in (`edited`), redactions marked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    pub event_id: String,
    /// Room id (`!abc:server`) or, for exports without one, the room name.
    pub room: String,
    /// Matrix user id (`@bob:gitter.im`) or a legacy Gitter username.
    pub sender: String,
    /// Display name as it was when the message was sent.
    pub sender_name: String,
    /// Always UTC; the UI converts to the user's zone when showing it.
    pub ts: DateTime<Utc>,
    pub kind: MessageKind,
    /// Plain text body (for replies: without the fallback quote).
    pub body: String,
    pub html: Option<String>,
    pub edited: bool,
    pub redacted: bool,
    pub reply_to: Option<String>,
    pub thread_id: Option<String>,
}

/// A later change to an earlier message (`m.replace`): the latest one wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Edit {
    pub event_id: String,
    pub target: String,
    pub sender: String,
    pub ts: DateTime<Utc>,
    pub body: String,
    pub html: Option<String>,
}

/// A redaction of an earlier message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Redaction {
    pub event_id: String,
    pub target: String,
    pub ts: DateTime<Utc>,
}

/// One item of a room's history, in the order the server gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum TimelineEvent {
    Message(ChatMessage),
    Edit(Edit),
    Redaction(Redaction),
}

/// Connection state of a source, shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnState {
    Connecting,
    Connected,
    /// Waiting `in_secs` before attempt number `attempt`; `why` is the last failure, one line.
    Reconnecting {
        in_secs: u64,
        attempt: u32,
        #[serde(default)]
        why: String,
    },
    Offline {
        reason: String,
    },
    /// The room is shown from the local cache and the server has not been reached yet in this
    /// run: like `Reconnecting`, but what is on screen may be behind.
    CachedOffline {
        in_secs: u64,
        attempt: u32,
        why: String,
    },
}

/// The room a source is attached to, once resolved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomInfo {
    pub room_id: String,
    /// Canonical alias when known, e.g. `#gitterHQ_services:gitter.im`.
    pub alias: Option<String>,
    pub name: Option<String>,
}

/// What a chat source task tells the app. Owned data only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatEvent {
    Room(RoomInfo),
    /// A page of older history, oldest first. `fetched` counts messages so far for this request;
    /// `done` is true when the request is satisfied or the start of the room was reached.
    Backfill {
        events: Vec<TimelineEvent>,
        fetched: usize,
        done: bool,
        reached_start: bool,
    },
    /// A new event from the live stream (or from filling a gap after a limited sync).
    Live(TimelineEvent),
    /// A member changed display name; the new name applies to later messages.
    MemberName {
        user_id: String,
        name: String,
    },
    Connection(ConnState),
    /// A message we sent was accepted by the server.
    Sent {
        txn_id: String,
        event_id: String,
    },
    /// One line, already fit for a user to read; never contains a token.
    Error(String),
}

/// How much history to fetch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BackfillRequest {
    /// `n` more messages before what is already loaded.
    Last(usize),
    /// Everything back to (and including) this instant.
    Since(DateTime<Utc>),
}

/// What the app asks a chat source to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChatCommand {
    Backfill(BackfillRequest),
    /// Send a message; `txn_id` is unique per message so a retry never duplicates it.
    Send {
        txn_id: String,
        body: String,
        html: Option<String>,
        /// `m.notice` when true; `m.text` for bridged rooms that drop notices.
        notice: bool,
    },
    Shutdown,
}
