//! Matrix event JSON → our model. Works on the raw JSON the server sent (the SDK hands us `Raw`
//! events), so redacted events, room version 12 (`redacts` in content) and unknown msgtypes all
//! map without a lossy typed parse. Never panics on server data.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use roomscribe_transcript::model::{ChatMessage, Edit, MessageKind, Redaction, TimelineEvent};
use serde_json::Value;

/// Display names by user id, as they stand at the point of the timeline being converted.
#[derive(Debug, Default, Clone, serde::Serialize, serde::Deserialize)]
pub struct Names(HashMap<String, String>);

impl Names {
    pub fn set(&mut self, user_id: &str, name: String) {
        self.0.insert(user_id.to_string(), name);
    }

    /// Takes every name `newer` knows (it describes a later point of the timeline).
    pub fn update_from(&mut self, newer: &Names) {
        for (id, name) in &newer.0 {
            self.0.insert(id.clone(), name.clone());
        }
    }

    pub fn knows(&self, user_id: &str) -> bool {
        self.0.contains_key(user_id)
    }

    /// The known name, else the user id's localpart (what clients show without a name).
    pub fn name_of(&self, user_id: &str) -> String {
        self.0
            .get(user_id)
            .cloned()
            .unwrap_or_else(|| localpart(user_id))
    }
}

pub fn localpart(user_id: &str) -> String {
    let rest = user_id.strip_prefix('@').unwrap_or(user_id);
    rest.split(':').next().unwrap_or(rest).to_string()
}

/// A membership event's name change: `name` after it, `prev_name` before it (None: no name).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberChange {
    pub user_id: String,
    /// Membership is `join` after the event (not a leave, ban or invite).
    pub joined: bool,
    pub name: Option<String>,
    pub prev_name: Option<String>,
}

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

pub fn event_id(ev: &Value) -> Option<&str> {
    s(ev, "event_id")
}

fn ts(ev: &Value) -> DateTime<Utc> {
    ev.get("origin_server_ts")
        .and_then(Value::as_i64)
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or_default()
}

/// The display name a member event sets; None when the user left or has no name.
pub fn member_change(ev: &Value) -> Option<MemberChange> {
    if s(ev, "type") != Some("m.room.member") {
        return None;
    }
    let user_id = s(ev, "state_key")?.to_string();
    let name_in = |content: Option<&Value>| -> Option<String> {
        let c = content?;
        if s(c, "membership") != Some("join") {
            return None;
        }
        s(c, "displayname")
            .filter(|n| !n.trim().is_empty())
            .map(str::to_string)
    };
    let prev = ev.get("unsigned").and_then(|u| u.get("prev_content"));
    let joined = ev
        .get("content")
        .and_then(|c| s(c, "membership"))
        .is_some_and(|m| m == "join");
    Some(MemberChange {
        joined,
        name: name_in(ev.get("content")),
        prev_name: name_in(prev),
        user_id,
    })
}

/// Converts one timeline event; None for events that are not part of a transcript (state,
/// reactions, encrypted events, ...).
pub fn convert(ev: &Value, room_id: &str, names: &Names) -> Option<TimelineEvent> {
    let event_id = event_id(ev)?.to_string();
    match s(ev, "type")? {
        "m.room.redaction" => {
            let target = ev
                .get("content")
                .and_then(|c| s(c, "redacts"))
                .or_else(|| s(ev, "redacts"))?;
            Some(TimelineEvent::Redaction(Redaction {
                event_id,
                target: target.to_string(),
                ts: ts(ev),
            }))
        }
        "m.room.message" => convert_message(ev, event_id, room_id, names),
        _ => None,
    }
}

fn convert_message(
    ev: &Value,
    event_id: String,
    room_id: &str,
    names: &Names,
) -> Option<TimelineEvent> {
    let sender = s(ev, "sender")?.to_string();
    let empty = Value::Null;
    let content = ev.get("content").unwrap_or(&empty);
    let relates = content.get("m.relates_to");
    let rel_type = relates.and_then(|r| s(r, "rel_type"));
    if rel_type == Some("m.replace") {
        let target = relates.and_then(|r| s(r, "event_id"))?.to_string();
        let new = content.get("m.new_content").unwrap_or(content);
        return Some(TimelineEvent::Edit(Edit {
            event_id,
            target,
            sender,
            ts: ts(ev),
            body: s(new, "body").unwrap_or_default().to_string(),
            html: html_of(new),
        }));
    }
    let redacted = ev
        .get("unsigned")
        .and_then(|u| u.get("redacted_because"))
        .is_some()
        || content.get("msgtype").is_none();
    let reply_to = relates
        .and_then(|r| r.get("m.in_reply_to"))
        .filter(|_| {
            !relates
                .and_then(|r| r.get("is_falling_back"))
                .and_then(Value::as_bool)
                .unwrap_or(false)
        })
        .and_then(|r| s(r, "event_id"))
        .map(str::to_string);
    let thread_id = relates
        .filter(|_| rel_type == Some("m.thread"))
        .and_then(|r| s(r, "event_id"))
        .map(str::to_string);
    let mut body = s(content, "body").unwrap_or_default().to_string();
    let mut html = html_of(content);
    if reply_to.is_some() {
        body = strip_reply_fallback(&body);
        html = html.map(|h| strip_mx_reply(&h));
    }
    Some(TimelineEvent::Message(ChatMessage {
        event_id,
        room: room_id.to_string(),
        sender_name: names.name_of(&sender),
        sender,
        ts: ts(ev),
        kind: kind_of(content),
        body,
        html,
        edited: false,
        redacted,
        reply_to,
        thread_id,
    }))
}

fn html_of(content: &Value) -> Option<String> {
    if s(content, "format") == Some("org.matrix.custom.html") {
        s(content, "formatted_body").map(str::to_string)
    } else {
        None
    }
}

fn kind_of(content: &Value) -> MessageKind {
    let media = || {
        let url = s(content, "url").unwrap_or_default().to_string();
        let name = s(content, "filename")
            .or_else(|| s(content, "body"))
            .map(str::to_string);
        (url, name)
    };
    match s(content, "msgtype") {
        Some("m.emote") => MessageKind::Emote,
        Some("m.notice") => MessageKind::Notice,
        Some("m.image") => {
            let (url, name) = media();
            MessageKind::Image { url, name }
        }
        Some("m.file" | "m.video" | "m.audio") => {
            let (url, name) = media();
            MessageKind::File { url, name }
        }
        _ => MessageKind::Text,
    }
}

/// Drops the `> <@sender> quoted` lines (and the blank line after them) a reply body starts with.
fn strip_reply_fallback(body: &str) -> String {
    if !body.starts_with("> <") {
        return body.to_string();
    }
    let mut lines = body
        .lines()
        .skip_while(|l| l.starts_with("> ") || *l == ">");
    let rest: Vec<&str> = match lines.next() {
        Some("") => lines.collect(),
        Some(first) => std::iter::once(first).chain(lines).collect(),
        None => Vec::new(),
    };
    rest.join("\n")
}

fn strip_mx_reply(html: &str) -> String {
    match (html.find("<mx-reply>"), html.find("</mx-reply>")) {
        (Some(start), Some(end)) if end > start => {
            let tail = html.get(end + "</mx-reply>".len()..).unwrap_or_default();
            format!("{}{}", html.get(..start).unwrap_or_default(), tail)
        }
        _ => html.to_string(),
    }
}

#[cfg(test)]
#[path = "convert_tests.rs"]
mod tests;
