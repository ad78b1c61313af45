use serde_json::json;

use super::*;

fn names() -> Names {
    let mut n = Names::default();
    n.set("@bob:hs", "Bob".into());
    n
}

fn msg(content: Value) -> Value {
    json!({
        "type": "m.room.message", "event_id": "$e1", "sender": "@bob:hs",
        "origin_server_ts": 1_700_000_000_000_i64, "content": content,
    })
}

fn message(ev: &Value) -> ChatMessage {
    match convert(ev, "!r:hs", &names()) {
        Some(TimelineEvent::Message(m)) => m,
        other => panic!("not a message: {other:?}"),
    }
}

#[test]
fn text_with_html_and_name() {
    let m = message(&msg(json!({
        "msgtype": "m.text", "body": "hi *there*",
        "format": "org.matrix.custom.html", "formatted_body": "hi <em>there</em>",
    })));
    assert_eq!(m.sender_name, "Bob");
    assert_eq!(m.body, "hi *there*");
    assert_eq!(m.html.as_deref(), Some("hi <em>there</em>"));
    assert_eq!(m.kind, MessageKind::Text);
    assert_eq!(m.room, "!r:hs");
    assert_eq!(m.ts.timestamp_millis(), 1_700_000_000_000);
    assert!(!m.redacted && !m.edited);
}

#[test]
fn unknown_sender_falls_back_to_localpart() {
    let mut ev = msg(json!({"msgtype": "m.text", "body": "x"}));
    ev["sender"] = json!("@carol:hs");
    assert_eq!(message(&ev).sender_name, "carol");
}

#[test]
fn kinds() {
    assert_eq!(
        message(&msg(json!({"msgtype": "m.emote", "body": "waves"}))).kind,
        MessageKind::Emote
    );
    assert_eq!(
        message(&msg(json!({"msgtype": "m.notice", "body": "n"}))).kind,
        MessageKind::Notice
    );
    assert_eq!(
        message(&msg(
            json!({"msgtype": "m.image", "body": "cat.png", "url": "mxc://hs/abc"})
        ))
        .kind,
        MessageKind::Image {
            url: "mxc://hs/abc".into(),
            name: Some("cat.png".into())
        }
    );
    assert_eq!(
        message(&msg(
            json!({"msgtype": "m.file", "body": "f", "filename": "a.txt", "url": "mxc://hs/f"})
        ))
        .kind,
        MessageKind::File {
            url: "mxc://hs/f".into(),
            name: Some("a.txt".into())
        }
    );
    assert_eq!(
        message(&msg(json!({"msgtype": "org.custom", "body": "?"}))).kind,
        MessageKind::Text
    );
}

#[test]
fn reply_fallback_is_stripped() {
    let m = message(&msg(json!({
        "msgtype": "m.text",
        "body": "> <@alice:hs> original\n> second line\n\nmy answer\nmore",
        "format": "org.matrix.custom.html",
        "formatted_body": "<mx-reply><blockquote>original</blockquote></mx-reply>my answer",
        "m.relates_to": {"m.in_reply_to": {"event_id": "$orig"}},
    })));
    assert_eq!(m.reply_to.as_deref(), Some("$orig"));
    assert_eq!(m.body, "my answer\nmore");
    assert_eq!(m.html.as_deref(), Some("my answer"));
}

#[test]
fn reply_without_fallback_keeps_body() {
    let m = message(&msg(json!({
        "msgtype": "m.text", "body": "> quoting myself is fine",
        "m.relates_to": {"m.in_reply_to": {"event_id": "$orig"}},
    })));
    assert_eq!(m.body, "> quoting myself is fine");
    let m = message(&msg(json!({
        "msgtype": "m.text", "body": "plain answer",
        "m.relates_to": {"m.in_reply_to": {"event_id": "$orig"}},
    })));
    assert_eq!(m.body, "plain answer");
}

#[test]
fn thread_message() {
    let m = message(&msg(json!({
        "msgtype": "m.text", "body": "in thread",
        "m.relates_to": {"rel_type": "m.thread", "event_id": "$root", "is_falling_back": true,
                          "m.in_reply_to": {"event_id": "$last"}},
    })));
    assert_eq!(m.thread_id.as_deref(), Some("$root"));
    assert_eq!(m.reply_to, None);
    assert_eq!(m.body, "in thread");
}

#[test]
fn edit_uses_new_content() {
    let ev = msg(json!({
        "msgtype": "m.text", "body": " * fixed",
        "m.new_content": {"msgtype": "m.text", "body": "fixed", "format": "org.matrix.custom.html", "formatted_body": "<b>fixed</b>"},
        "m.relates_to": {"rel_type": "m.replace", "event_id": "$orig"},
    }));
    match convert(&ev, "!r:hs", &names()) {
        Some(TimelineEvent::Edit(e)) => {
            assert_eq!(e.target, "$orig");
            assert_eq!(e.body, "fixed");
            assert_eq!(e.html.as_deref(), Some("<b>fixed</b>"));
            assert_eq!(e.sender, "@bob:hs");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn redactions_in_both_room_version_shapes() {
    for ev in [
        json!({"type": "m.room.redaction", "event_id": "$r", "sender": "@bob:hs",
               "origin_server_ts": 1, "content": {"redacts": "$x"}}),
        json!({"type": "m.room.redaction", "event_id": "$r", "sender": "@bob:hs",
               "origin_server_ts": 1, "redacts": "$x", "content": {}}),
    ] {
        match convert(&ev, "!r:hs", &names()) {
            Some(TimelineEvent::Redaction(r)) => assert_eq!(r.target, "$x"),
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn redacted_message_is_marked() {
    let mut ev = msg(json!({}));
    ev["unsigned"] = json!({"redacted_because": {"type": "m.room.redaction"}});
    let m = message(&ev);
    assert!(m.redacted);
    assert_eq!(m.body, "");
}

#[test]
fn other_events_and_garbage_are_skipped() {
    let names = names();
    assert!(
        convert(
            &json!({"type": "m.reaction", "event_id": "$a"}),
            "!r",
            &names
        )
        .is_none()
    );
    assert!(
        convert(
            &json!({"type": "m.room.encrypted", "event_id": "$a", "sender": "@x:y"}),
            "!r",
            &names
        )
        .is_none()
    );
    assert!(convert(&json!([1, 2]), "!r", &names).is_none());
    assert!(
        convert(
            &json!({"type": "m.room.message", "event_id": 5}),
            "!r",
            &names
        )
        .is_none()
    );
    assert!(
        convert(
            &json!({"type": "m.room.message", "event_id": "$a"}),
            "!r",
            &names
        )
        .is_none()
    );
}

#[test]
fn member_changes() {
    let ev = json!({
        "type": "m.room.member", "state_key": "@bob:hs", "event_id": "$m",
        "content": {"membership": "join", "displayname": "Robert"},
        "unsigned": {"prev_content": {"membership": "join", "displayname": "Bob"}},
    });
    assert_eq!(
        member_change(&ev),
        Some(MemberChange {
            user_id: "@bob:hs".into(),
            joined: true,
            name: Some("Robert".into()),
            prev_name: Some("Bob".into())
        })
    );
    let first_join =
        json!({"type": "m.room.member", "state_key": "@c:hs", "content": {"membership": "join"}});
    assert_eq!(member_change(&first_join).and_then(|c| c.prev_name), None);
    let left =
        json!({"type": "m.room.member", "state_key": "@c:hs", "content": {"membership": "leave"}});
    assert!(!member_change(&left).unwrap().joined);
    assert!(member_change(&msg(json!({}))).is_none());
    assert_eq!(localpart("@alice:example.org"), "alice");
    assert_eq!(localpart("weird"), "weird");
}
