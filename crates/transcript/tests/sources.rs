//! Export files: Matrix events (any order) and legacy Gitter messages, detected automatically.

use roomscribe_transcript::model::{MessageKind, TimelineEvent};
use roomscribe_transcript::{Timeline, sources};

fn sample() -> String {
    std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/sample-room.json"
    ))
    .unwrap()
}

#[test]
fn the_sample_room_has_everything() {
    let p = sources::parse("sample-room.json", &sample()).unwrap();
    assert_eq!(p.room.room_id, "!VsyUPlaMPsDOwFZlNq:gitter.im");
    assert_eq!(
        p.room.alias.as_deref(),
        Some("#gitterHQ_services:gitter.im")
    );
    assert_eq!(p.room.name.as_deref(), Some("gitterHQ/services"));
    let t = Timeline::from_events(p.events);
    assert!(t.len() >= 60);
    let speakers: std::collections::BTreeSet<_> = t.iter().map(|m| &m.sender).collect();
    assert!(speakers.len() >= 5);
    assert!(t.iter().any(|m| m.redacted && m.body.is_empty()));
    assert!(t.iter().any(|m| {
        m.edited
            && m.body
                .ends_with("(webhook secret not mentioned on regenerate)")
    }));
    assert!(t.iter().any(|m| m.kind == MessageKind::Emote));
    assert!(
        t.iter().any(
            |m| matches!(&m.kind, MessageKind::Image { url, .. } if url.starts_with("mxc://"))
        )
    );
    assert!(
        t.iter()
            .any(|m| m.thread_id.is_some() && m.reply_to.is_none())
    );
    // The reply's fallback quote is gone from body and html.
    let reply = t.iter().find(|m| m.reply_to.is_some()).unwrap();
    assert_eq!(reply.body, "where do I find the secret on the Gitter side?");
    assert!(!reply.html.as_deref().unwrap_or("").contains("mx-reply"));
    // Display names as they were: sara before and after her rename.
    let sara: Vec<&str> = t
        .iter()
        .filter(|m| m.sender == "@sara:gitter.im")
        .map(|m| m.sender_name.as_str())
        .collect();
    assert_eq!(sara.first(), Some(&"sara"));
    assert_eq!(sara.last(), Some(&"Sara (on call)"));
}

#[test]
fn bare_chunk_arrays_in_any_order_give_the_same_timeline() {
    let v: serde_json::Value = serde_json::from_str(&sample()).unwrap();
    let mut chunk = v["chunk"].as_array().unwrap().clone();
    let a = Timeline::from_events(
        sources::parse("a", &serde_json::to_string(&chunk).unwrap())
            .unwrap()
            .events,
    );
    chunk.reverse();
    chunk.rotate_left(17);
    let b = Timeline::from_events(
        sources::parse("b", &serde_json::to_string(&chunk).unwrap())
            .unwrap()
            .events,
    );
    assert!(a.iter().eq(b.iter()));
}

#[test]
fn room_v11_redacts_in_content_and_unknown_types_skipped() {
    let text = r#"[
      {"type":"m.room.message","event_id":"$m","sender":"@a:x","origin_server_ts":1000,"content":{"msgtype":"m.text","body":"oops"}},
      {"type":"m.room.redaction","event_id":"$r","sender":"@a:x","origin_server_ts":2000,"content":{"redacts":"$m"}},
      {"type":"m.reaction","event_id":"$x","sender":"@a:x","origin_server_ts":3000,"content":{}},
      {"type":"m.room.message","event_id":"$n","sender":"@a:x","origin_server_ts":4000,"content":{"msgtype":"m.notice","body":"n"}}
    ]"#;
    let p = sources::parse("f.json", text).unwrap();
    assert_eq!(p.events.len(), 3);
    assert!(matches!(&p.events[1], TimelineEvent::Redaction(r) if r.target == "$m"));
    let t = Timeline::from_events(p.events);
    assert!(t.by_id("$m").unwrap().redacted);
    assert_eq!(t.by_id("$n").unwrap().sender_name, "a");
}

#[test]
fn legacy_gitter_export_as_array_and_ndjson() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/gitter-export.json"
    ))
    .unwrap();
    let p = sources::parse("data/gitterHQ-webapp.json", &text).unwrap();
    assert_eq!(p.room.room_id, "gitterHQ-webapp");
    let t = Timeline::from_events(p.events);
    assert_eq!(t.len(), 8);
    let m = t.get(1).unwrap();
    assert_eq!(
        (m.sender.as_str(), m.sender_name.as_str(), m.edited),
        ("pkowal", "Piotr Kowal", true)
    );
    assert_eq!(t.get(2).unwrap().kind, MessageKind::Emote);
    assert!(t.get(4).unwrap().redacted);
    assert_eq!(
        t.get(6).unwrap().thread_id.as_deref(),
        Some("5c7d2b551b2c3d4e5f601a06")
    );

    let v: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let nd: String = v.iter().map(|m| format!("{m}\n")).collect();
    let q = sources::parse("export.ndjson", &nd).unwrap();
    assert_eq!(q.events.len(), 8);
}

#[test]
fn errors_name_the_file_and_position() {
    let e = |text: &str| sources::parse("room.json", text).unwrap_err().to_string();
    assert!(
        e("[\n{\"type\": \n").starts_with("room.json: line 3, column 0:"),
        "{}",
        e("[\n{\"type\": \n")
    );
    assert!(e("{\"id\":\"1\",\"text\":\"a\",\"sent\":\"2019-03-04T13:01:18Z\",\"fromUser\":{\"username\":\"a\"}}\nnot json\n").starts_with("room.json: line 2:"));
    assert_eq!(e("42"), "room.json: top level: expected a JSON array");
    assert!(e("{\"rooms\": 1}").contains("{\"chunk\": [...]}"));
    let missing_ts = r#"[{"type":"m.room.message","event_id":"$a","sender":"@a:x","content":{}}]"#;
    assert_eq!(
        e(missing_ts),
        "room.json: event 1: missing origin_server_ts"
    );
    let bad_gitter = r#"[{"id":"1","text":"a","sent":"yesterday","fromUser":{"username":"a"}}]"#;
    assert!(
        e(bad_gitter).starts_with("room.json: message 1: "),
        "{}",
        e(bad_gitter)
    );
    assert_eq!(sources::parse("empty.json", "[]").unwrap().events.len(), 0);
}

#[test]
fn an_export_starting_with_a_byte_order_mark_reads_like_one_without() {
    let plain = sources::parse("sample-room.json", &sample()).unwrap();
    let marked = sources::parse("sample-room.json", &format!("\u{feff}{}", sample())).unwrap();
    assert_eq!(marked.room, plain.room);
    assert_eq!(marked.events.len(), plain.events.len());
}
