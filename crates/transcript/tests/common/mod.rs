//! Message builders shared by the integration tests.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use roomscribe_transcript::model::{ChatMessage, Edit, MessageKind, Redaction, TimelineEvent};

pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 9, 0, 0).unwrap()
}

/// Message `id` by `who` at `t0 + secs`.
pub fn msg(id: &str, who: &str, secs: i64, body: &str) -> ChatMessage {
    ChatMessage {
        event_id: id.to_string(),
        room: "!room:gitter.im".into(),
        sender: format!("@{who}:gitter.im"),
        sender_name: format!("{}{}", who[..1].to_uppercase(), &who[1..]),
        ts: t0() + Duration::seconds(secs),
        kind: MessageKind::Text,
        body: body.to_string(),
        html: None,
        edited: false,
        redacted: false,
        reply_to: None,
        thread_id: None,
    }
}

pub fn ev(id: &str, who: &str, secs: i64, body: &str) -> TimelineEvent {
    TimelineEvent::Message(msg(id, who, secs, body))
}

pub fn edit(id: &str, target: &str, who: &str, secs: i64, body: &str) -> TimelineEvent {
    TimelineEvent::Edit(Edit {
        event_id: id.to_string(),
        target: target.to_string(),
        sender: format!("@{who}:gitter.im"),
        ts: t0() + Duration::seconds(secs),
        body: body.to_string(),
        html: None,
    })
}

pub fn redact(id: &str, target: &str, secs: i64) -> TimelineEvent {
    TimelineEvent::Redaction(Redaction {
        event_id: id.to_string(),
        target: target.to_string(),
        ts: t0() + Duration::seconds(secs),
    })
}
