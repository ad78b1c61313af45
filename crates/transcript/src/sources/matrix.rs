//! Matrix room events as the client-server API returns them (`/messages` chunk, any order).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{ChatMessage, Edit, MessageKind, Redaction, RoomInfo, TimelineEvent};

/// Converts raw events; `Err((index, reason))` names the event that is malformed.
pub(crate) fn convert(raw: &[Value]) -> Result<(RoomInfo, Vec<TimelineEvent>), (usize, String)> {
    let mut order: Vec<(DateTime<Utc>, usize)> = Vec::with_capacity(raw.len());
    for (i, ev) in raw.iter().enumerate() {
        order.push((timestamp(ev).map_err(|r| (i, r))?, i));
    }
    order.sort();
    let mut names = initial_names(raw, &order);
    let mut room = RoomInfo {
        room_id: String::new(),
        alias: None,
        name: None,
    };
    let mut events = Vec::new();
    for (ts, i) in order {
        let Some(ev) = raw.get(i) else { continue };
        let kind = str_at(ev, "type").unwrap_or("");
        if room.room_id.is_empty()
            && let Some(id) = str_at(ev, "room_id")
        {
            room.room_id = id.to_string();
        }
        let content = ev.get("content").unwrap_or(&Value::Null);
        match kind {
            "m.room.member" => {
                if let (Some(user), Some(name)) =
                    (str_at(ev, "state_key"), str_at(content, "displayname"))
                {
                    names.insert(user.to_string(), name.to_string());
                }
            }
            "m.room.name" => room.name = str_at(content, "name").map(str::to_string),
            "m.room.canonical_alias" => room.alias = str_at(content, "alias").map(str::to_string),
            "m.room.redaction" => {
                let target = str_at(content, "redacts").or_else(|| str_at(ev, "redacts"));
                let target = target.ok_or((i, "redaction without `redacts`".to_string()))?;
                events.push(TimelineEvent::Redaction(Redaction {
                    event_id: field(ev, "event_id").map_err(|r| (i, r))?,
                    target: target.to_string(),
                    ts,
                }));
            }
            "m.room.message" => {
                if let Some(e) = message(ev, content, ts, &names).map_err(|r| (i, r))? {
                    events.push(e);
                }
            }
            _ => {}
        }
    }
    Ok((room, events))
}

/// Names before the first member event in the file come from that event's `prev_content`.
fn initial_names(raw: &[Value], order: &[(DateTime<Utc>, usize)]) -> HashMap<String, String> {
    let mut names = HashMap::new();
    for (_, i) in order {
        let Some(ev) = raw.get(*i) else { continue };
        if str_at(ev, "type") != Some("m.room.member") {
            continue;
        }
        let Some(user) = str_at(ev, "state_key") else {
            continue;
        };
        if names.contains_key(user) {
            continue;
        }
        let prev = ev
            .get("unsigned")
            .and_then(|u| u.get("prev_content"))
            .and_then(|p| str_at(p, "displayname"));
        names.insert(user.to_string(), prev.map(str::to_string));
    }
    names
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect()
}

fn message(
    ev: &Value,
    content: &Value,
    ts: DateTime<Utc>,
    names: &HashMap<String, String>,
) -> Result<Option<TimelineEvent>, String> {
    let event_id = field(ev, "event_id")?;
    let sender = field(ev, "sender")?;
    let relates = content.get("m.relates_to");
    if let Some(rel) = relates
        && str_at(rel, "rel_type") == Some("m.replace")
    {
        let target = str_at(rel, "event_id").ok_or("edit without target event_id")?;
        let new = content.get("m.new_content").unwrap_or(content);
        return Ok(Some(TimelineEvent::Edit(Edit {
            event_id,
            target: target.to_string(),
            sender,
            ts,
            body: str_at(new, "body").unwrap_or("").to_string(),
            html: html(new),
        })));
    }
    let redacted = content.as_object().is_none_or(|c| c.is_empty())
        || ev
            .get("unsigned")
            .and_then(|u| u.get("redacted_because"))
            .is_some();
    let Some(kind) = kind(content, redacted) else {
        return Ok(None);
    };
    let thread_id = relates
        .filter(|r| str_at(r, "rel_type") == Some("m.thread"))
        .and_then(|r| str_at(r, "event_id"))
        .map(str::to_string);
    // In a thread, `m.in_reply_to` with `is_falling_back` only serves clients without threads.
    let reply_to = relates
        .filter(|r| r.get("is_falling_back").and_then(Value::as_bool) != Some(true))
        .and_then(|r| r.get("m.in_reply_to"))
        .and_then(|r| str_at(r, "event_id"))
        .map(str::to_string);
    let raw_body = str_at(content, "body").unwrap_or("");
    let body = if reply_to.is_some() {
        strip_fallback(raw_body)
    } else {
        raw_body.to_string()
    };
    let html = html(content).map(|h| {
        if reply_to.is_some() {
            strip_mx_reply(&h)
        } else {
            h
        }
    });
    let sender_name = names
        .get(&sender)
        .cloned()
        .unwrap_or_else(|| localpart(&sender));
    Ok(Some(TimelineEvent::Message(ChatMessage {
        event_id,
        room: str_at(ev, "room_id").unwrap_or("").to_string(),
        sender,
        sender_name,
        ts,
        kind,
        body: if redacted { String::new() } else { body },
        html: if redacted { None } else { html },
        edited: false,
        redacted,
        reply_to,
        thread_id,
    })))
}

fn kind(content: &Value, redacted: bool) -> Option<MessageKind> {
    if redacted {
        return Some(MessageKind::Text);
    }
    let media = || {
        let url = str_at(content, "url")
            .or_else(|| content.get("file").and_then(|f| str_at(f, "url")))
            .unwrap_or("")
            .to_string();
        let name = str_at(content, "filename")
            .or_else(|| str_at(content, "body"))
            .map(str::to_string);
        (url, name)
    };
    Some(match str_at(content, "msgtype")? {
        "m.text" => MessageKind::Text,
        "m.emote" => MessageKind::Emote,
        "m.notice" => MessageKind::Notice,
        "m.image" => {
            let (url, name) = media();
            MessageKind::Image { url, name }
        }
        "m.file" | "m.video" | "m.audio" => {
            let (url, name) = media();
            MessageKind::File { url, name }
        }
        _ => MessageKind::Text,
    })
}

/// Reply bodies start with `> <@user> quoted` lines and a blank line: the fallback.
fn strip_fallback(body: &str) -> String {
    if !body.starts_with("> ") {
        return body.to_string();
    }
    let mut lines = body.split('\n');
    let mut rest = Vec::new();
    let mut in_quote = true;
    for line in lines.by_ref() {
        if in_quote && line.starts_with('>') {
            continue;
        }
        if in_quote && line.is_empty() {
            in_quote = false;
            continue;
        }
        in_quote = false;
        rest.push(line);
    }
    rest.join("\n")
}

fn strip_mx_reply(html: &str) -> String {
    match (html.find("<mx-reply>"), html.find("</mx-reply>")) {
        (Some(a), Some(b)) if a < b => {
            let mut s = html.get(..a).unwrap_or("").to_string();
            s.push_str(html.get(b + "</mx-reply>".len()..).unwrap_or(""));
            s
        }
        _ => html.to_string(),
    }
}

fn html(content: &Value) -> Option<String> {
    (str_at(content, "format") == Some("org.matrix.custom.html"))
        .then(|| str_at(content, "formatted_body").map(str::to_string))
        .flatten()
}

fn localpart(user: &str) -> String {
    let s = user.strip_prefix('@').unwrap_or(user);
    s.split_once(':').map_or(s, |(l, _)| l).to_string()
}

fn timestamp(ev: &Value) -> Result<DateTime<Utc>, String> {
    let ms = ev
        .get("origin_server_ts")
        .and_then(Value::as_i64)
        .ok_or("missing origin_server_ts")?;
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| format!("origin_server_ts {ms} is out of range"))
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn field(ev: &Value, key: &str) -> Result<String, String> {
    str_at(ev, key)
        .map(str::to_string)
        .ok_or_else(|| format!("missing {key}"))
}
