//! `roomscribe tail ROOM [--json] [--backfill N]`: live messages as they arrive, as text or JSON
//! lines. Connection changes and errors go to stderr; Ctrl-C ends it.

use std::io::Write;

use anyhow::{Result, bail};
use chrono_tz::Tz;
use roomscribe_transcript::RoomRef;
use roomscribe_transcript::model::{
    BackfillRequest, ChatCommand, ChatEvent, ConnState, MessageKind, TimelineEvent,
};
use serde_json::json;
use tokio::sync::mpsc;

use crate::config::Options;
use crate::error::usage;

pub fn run(room: &str, json: bool, backfill: Option<usize>, opts: &Options) -> Result<()> {
    let room = RoomRef::parse(room).map_err(|e| usage(e.to_string()))?;
    let tz = opts.tz;
    super::matrix::runtime()?.block_on(async {
        let client = super::matrix::client(opts).await?;
        let (cmd_tx, cmd_rx) = mpsc::channel(16);
        let (ev_tx, mut ev_rx) = mpsc::channel(1024);
        let task = tokio::spawn(roomscribe_matrix::run(
            client,
            room,
            cmd_rx,
            ev_tx,
            opts.give_up_after,
        ));
        if let Some(n) = backfill {
            cmd_tx
                .send(ChatCommand::Backfill(BackfillRequest::Last(n)))
                .await?;
        }
        let printer = Printer { json, tz };
        // Backfill pages come newest page first; print them once complete, oldest first, and
        // hold live events back until then so the output stays in room order.
        let mut history: Vec<Vec<TimelineEvent>> = Vec::new();
        let mut held: Option<Vec<TimelineEvent>> = backfill.map(|_| Vec::new());
        let result = loop {
            let ev = tokio::select! {
                ev = ev_rx.recv() => ev,
                _ = tokio::signal::ctrl_c() => break Ok(()),
            };
            let Some(ev) = ev else { break Ok(()) };
            match ev {
                ChatEvent::Backfill { events, done, .. } => {
                    history.push(events);
                    if done {
                        let live = held.take().unwrap_or_default();
                        for e in history.drain(..).rev().flatten().chain(live) {
                            printer.print(&e)?;
                        }
                    }
                }
                ChatEvent::Live(e) => match &mut held {
                    Some(waiting) => waiting.push(e),
                    None => printer.print(&e)?,
                },
                ChatEvent::Room(info) => {
                    let label = info.alias.or(info.name).unwrap_or(info.room_id);
                    eprintln!("tailing {label} (Ctrl-C to stop)");
                }
                ChatEvent::Connection(ConnState::Reconnecting {
                    in_secs,
                    attempt,
                    why,
                }) => {
                    let why = roomscribe_transcript::sanitize::display(&why);
                    eprintln!("{why}; retry {attempt} in {in_secs}s");
                }
                ChatEvent::Connection(ConnState::Offline { reason }) => break Err(reason),
                ChatEvent::Error(line) => eprintln!("roomscribe: {line}"),
                ChatEvent::Connection(_)
                | ChatEvent::MemberName { .. }
                | ChatEvent::Sent { .. } => {}
            }
        };
        let _ = cmd_tx.send(ChatCommand::Shutdown).await;
        task.abort();
        match result {
            Ok(()) => Ok(()),
            Err(reason) => bail!("{reason}"),
        }
    })
}

struct Printer {
    json: bool,
    tz: Tz,
}

impl Printer {
    fn print(&self, ev: &TimelineEvent) -> Result<()> {
        // Chat text is untrusted: no control sequences reach the terminal in text mode.
        let line = if self.json {
            json_line(ev)
        } else {
            roomscribe_transcript::sanitize::display_lines(&self.text_line(ev)).join("\n    ")
        };
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")?;
        out.flush()?;
        Ok(())
    }

    fn text_line(&self, ev: &TimelineEvent) -> String {
        let time = |ts: &chrono::DateTime<chrono::Utc>| {
            ts.with_timezone(&self.tz).format("%H:%M").to_string()
        };
        match ev {
            TimelineEvent::Message(m) if m.redacted => {
                format!("{} {}: (deleted)", time(&m.ts), m.sender_name)
            }
            TimelineEvent::Message(m) => match &m.kind {
                MessageKind::Emote => format!("{} * {} {}", time(&m.ts), m.sender_name, m.body),
                MessageKind::Image { url, .. } | MessageKind::File { url, .. } => {
                    format!("{} {}: {} <{url}>", time(&m.ts), m.sender_name, m.body)
                }
                _ => format!("{} {}: {}", time(&m.ts), m.sender_name, m.body),
            },
            TimelineEvent::Edit(e) => format!("{} (edit) {}", time(&e.ts), e.body),
            TimelineEvent::Redaction(r) => format!("{} (a message was deleted)", time(&r.ts)),
        }
    }
}

fn kind_name(kind: &MessageKind) -> &'static str {
    match kind {
        MessageKind::Text => "text",
        MessageKind::Emote => "emote",
        MessageKind::Notice => "notice",
        MessageKind::Image { .. } => "image",
        MessageKind::File { .. } => "file",
    }
}

/// One JSON object per line: event_id, sender, name, ts, body, kind (+ what the kind needs).
pub fn json_line(ev: &TimelineEvent) -> String {
    let v = match ev {
        TimelineEvent::Message(m) => {
            let mut v = json!({
                "event_id": m.event_id, "sender": m.sender, "name": m.sender_name,
                "ts": m.ts.to_rfc3339(), "body": m.body, "kind": kind_name(&m.kind),
            });
            if let MessageKind::Image { url, .. } | MessageKind::File { url, .. } = &m.kind {
                v["url"] = json!(url);
            }
            for (key, val) in [("reply_to", &m.reply_to), ("thread_id", &m.thread_id)] {
                if let Some(val) = val {
                    v[key] = json!(val);
                }
            }
            if m.redacted {
                v["redacted"] = json!(true);
            }
            v
        }
        TimelineEvent::Edit(e) => json!({
            "event_id": e.event_id, "sender": e.sender, "ts": e.ts.to_rfc3339(),
            "body": e.body, "kind": "edit", "replaces": e.target,
        }),
        TimelineEvent::Redaction(r) => json!({
            "event_id": r.event_id, "ts": r.ts.to_rfc3339(), "kind": "redaction", "redacts": r.target,
        }),
    };
    // C1 controls, DEL and direction marks as \u escapes: same data, nothing a terminal runs.
    roomscribe_transcript::sanitize::json_line(&v).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use roomscribe_transcript::model::{ChatMessage, Edit};

    use super::*;

    fn msg() -> ChatMessage {
        ChatMessage {
            event_id: "$1".into(),
            room: "!r:hs".into(),
            sender: "@bob:hs".into(),
            sender_name: "Bob".into(),
            ts: chrono::Utc.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            kind: MessageKind::Text,
            body: "hi \"there\"\nline".into(),
            html: None,
            edited: false,
            redacted: false,
            reply_to: None,
            thread_id: None,
        }
    }

    #[test]
    fn json_lines_carry_the_promised_keys() {
        let line = json_line(&TimelineEvent::Message(msg()));
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["event_id"], "$1");
        assert_eq!(v["sender"], "@bob:hs");
        assert_eq!(v["name"], "Bob");
        assert_eq!(v["ts"], "2026-01-02T03:04:05+00:00");
        assert_eq!(v["body"], "hi \"there\"\nline");
        assert_eq!(v["kind"], "text");
        let edit = json_line(&TimelineEvent::Edit(Edit {
            event_id: "$2".into(),
            target: "$1".into(),
            sender: "@bob:hs".into(),
            ts: msg().ts,
            body: "fixed".into(),
            html: None,
        }));
        let v: serde_json::Value = serde_json::from_str(&edit).unwrap();
        assert_eq!(
            (v["kind"].as_str(), v["replaces"].as_str()),
            (Some("edit"), Some("$1"))
        );
    }

    #[test]
    fn text_lines_use_the_zone() {
        let p = Printer {
            json: false,
            tz: "Europe/Berlin".parse().unwrap(),
        };
        assert_eq!(
            p.text_line(&TimelineEvent::Message(msg())),
            "04:04 Bob: hi \"there\"\nline"
        );
    }
}
