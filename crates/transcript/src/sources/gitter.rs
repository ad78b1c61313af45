//! Legacy Gitter exports: the old REST API message objects
//! (`id, text, html, sent, editedAt, fromUser{username, displayName}`).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

use crate::model::{ChatMessage, MessageKind, TimelineEvent};

/// Typed, so a streamed export is read element by element without a `Value` per message.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Message {
    id: String,
    #[serde(default)]
    text: String,
    html: Option<String>,
    sent: DateTime<Utc>,
    edited_at: Option<DateTime<Utc>>,
    from_user: User,
    /// `/me` messages.
    #[serde(default)]
    status: bool,
    /// Gitter threads: the message this one answers in a thread.
    parent_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    username: String,
    display_name: Option<String>,
}

pub(crate) fn looks_like(v: &Value) -> bool {
    v.get("fromUser").is_some() || (v.get("sent").is_some() && v.get("text").is_some())
}

/// One message object; `room` is what the caller knows of the room (may be empty).
pub(crate) fn convert(v: Value, room: &str) -> Result<TimelineEvent, String> {
    let m: Message = serde_json::from_value(v).map_err(|e| e.to_string())?;
    Ok(from_message(m, room))
}

/// The compact form: the message's own strings moved, nothing of the JSON kept.
pub(crate) fn from_message(m: Message, room: &str) -> TimelineEvent {
    let deleted = m.text.is_empty() && m.html.as_deref().is_none_or(str::is_empty);
    let sender_name = m
        .from_user
        .display_name
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| m.from_user.username.clone());
    TimelineEvent::Message(ChatMessage {
        event_id: m.id,
        room: room.to_string(),
        sender: m.from_user.username,
        sender_name,
        ts: m.sent,
        kind: if m.status {
            MessageKind::Emote
        } else {
            MessageKind::Text
        },
        body: m.text,
        html: m.html.filter(|h| !h.is_empty()),
        edited: m.edited_at.is_some(),
        redacted: deleted,
        reply_to: None,
        thread_id: m.parent_id,
    })
}
