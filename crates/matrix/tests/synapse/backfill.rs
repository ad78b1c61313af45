use crate::room;
use roomscribe_matrix::{backfill, resolve_room};
use roomscribe_testkit::{Synapse, TestUser, require_synapse};
use roomscribe_transcript::model::{BackfillRequest, ChatMessage, MessageKind, TimelineEvent};
use serde_json::json;

use crate::client_as;

struct Seeded {
    alias: String,
    hello: String,
    hi: String,
    oops: String,
}

/// A room with every kind of event a transcript meets, from two users, one of whom renames.
async fn seed(hs: &Synapse) -> (TestUser, Seeded) {
    let alice = hs.register("alice").await.unwrap();
    let bob = hs.register("bob").await.unwrap();
    alice.set_display_name("Alice").await.unwrap();
    bob.set_display_name("Bob One").await.unwrap();
    let local = format!("bf-{}", alice.localpart);
    let room = alice.create_room(Some(&local)).await.unwrap();
    bob.join(&room).await.unwrap();
    let msg = |body: &str, msgtype: &str| json!({"msgtype": msgtype, "body": body});
    let hello = alice
        .send(&room, "m.room.message", msg("hello", "m.text"))
        .await
        .unwrap();
    let hi = bob.say(&room, "hi there").await.unwrap();
    bob.send(&room, "m.room.message", msg("waves", "m.emote"))
        .await
        .unwrap();
    alice
        .send(&room, "m.room.message", msg("a notice", "m.notice"))
        .await
        .unwrap();
    let mxc = alice
        .upload("image/png", vec![0x89, b'P', b'N', b'G'])
        .await
        .unwrap();
    alice
        .send(
            &room,
            "m.room.message",
            json!({"msgtype": "m.image", "body": "cat.png", "url": mxc}),
        )
        .await
        .unwrap();
    bob.send(
        &room,
        "m.room.message",
        json!({"msgtype": "m.text", "body": format!("> <{}> hello\n\nreply body", alice.user_id),
               "m.relates_to": {"m.in_reply_to": {"event_id": hello}}}),
    )
    .await
    .unwrap();
    alice
        .send(
            &room,
            "m.room.message",
            json!({"msgtype": "m.text", "body": " * hello (edited)",
                   "m.new_content": {"msgtype": "m.text", "body": "hello (edited)"},
                   "m.relates_to": {"rel_type": "m.replace", "event_id": hello}}),
        )
        .await
        .unwrap();
    let oops = bob.say(&room, "oops").await.unwrap();
    bob.redact(&room, &oops).await.unwrap();
    bob.rename_in(&room, "Bob Two").await.unwrap();
    bob.say(&room, "after rename").await.unwrap();
    alice
        .send(
            &room,
            "m.room.message",
            json!({"msgtype": "m.text", "body": "in thread",
                   "m.relates_to": {"rel_type": "m.thread", "event_id": hi}}),
        )
        .await
        .unwrap();
    let alias = format!("#{local}:localhost");
    (
        alice,
        Seeded {
            alias,
            hello,
            hi,
            oops,
        },
    )
}

fn messages(events: &[TimelineEvent]) -> Vec<&ChatMessage> {
    events
        .iter()
        .filter_map(|e| match e {
            TimelineEvent::Message(m) => Some(m),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn history_maps_every_kind_with_names_as_they_were() {
    let Some(hs) = require_synapse() else { return };
    let (_alice, s) = seed(&hs).await;
    let reader = hs.register("reader").await.unwrap();
    let client = client_as(&reader, &hs.url).await;
    let target = resolve_room(&client, &room(&s.alias)).await.unwrap();
    assert_eq!(target.info.alias.as_deref(), Some(s.alias.as_str()));

    let mut pages = 0;
    let events = backfill(
        &client,
        &target.room_id,
        &BackfillRequest::Last(100),
        |_| pages += 1,
    )
    .await
    .unwrap();
    assert!(pages >= 1);
    let msgs = messages(&events);
    let summary: Vec<(&str, &str)> = msgs
        .iter()
        .map(|m| (m.body.as_str(), m.sender_name.as_str()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("hello", "Alice"),
            ("hi there", "Bob One"),
            ("waves", "Bob One"),
            ("a notice", "Alice"),
            ("cat.png", "Alice"),
            ("reply body", "Bob One"),
            ("", "Bob One"),
            ("after rename", "Bob Two"),
            ("in thread", "Alice"),
        ]
    );
    assert_eq!(msgs[2].kind, MessageKind::Emote);
    assert_eq!(msgs[3].kind, MessageKind::Notice);
    assert!(matches!(&msgs[4].kind, MessageKind::Image { url, name }
        if url.starts_with("mxc://localhost/") && name.as_deref() == Some("cat.png")));
    assert_eq!(msgs[5].reply_to.as_deref(), Some(s.hello.as_str()));
    assert_eq!(msgs[6].event_id, s.oops);
    assert!(msgs[6].redacted);
    assert_eq!(msgs[8].thread_id.as_deref(), Some(s.hi.as_str()));
    assert!(msgs.iter().all(|m| m.room == target.room_id.as_str()));

    let edit = events.iter().find_map(|e| match e {
        TimelineEvent::Edit(e) => Some(e),
        _ => None,
    });
    assert_eq!(
        edit.map(|e| (e.target.as_str(), e.body.as_str())),
        Some((s.hello.as_str(), "hello (edited)"))
    );
    let redaction = events.iter().find_map(|e| match e {
        TimelineEvent::Redaction(r) => Some(r),
        _ => None,
    });
    assert_eq!(redaction.map(|r| r.target.as_str()), Some(s.oops.as_str()));
}

#[tokio::test]
async fn last_n_and_since_stop_exactly() {
    let Some(hs) = require_synapse() else { return };
    let (_alice, s) = seed(&hs).await;
    let reader = hs.register("reader").await.unwrap();
    let client = client_as(&reader, &hs.url).await;
    let target = resolve_room(&client, &room(&s.alias)).await.unwrap();

    let last3 = backfill(&client, &target.room_id, &BackfillRequest::Last(3), |_| {})
        .await
        .unwrap();
    let bodies: Vec<&str> = messages(&last3).iter().map(|m| m.body.as_str()).collect();
    assert_eq!(bodies, vec!["", "after rename", "in thread"]);

    let all = backfill(
        &client,
        &target.room_id,
        &BackfillRequest::Last(1000),
        |_| {},
    )
    .await
    .unwrap();
    let after_rename = messages(&all)
        .into_iter()
        .find(|m| m.body == "after rename")
        .unwrap()
        .ts;
    let since = backfill(
        &client,
        &target.room_id,
        &BackfillRequest::Since(after_rename),
        |_| {},
    )
    .await
    .unwrap();
    let bodies: Vec<&str> = messages(&since).iter().map(|m| m.body.as_str()).collect();
    assert!(
        bodies.ends_with(&["after rename", "in thread"]),
        "{bodies:?}"
    );
    assert!(!bodies.contains(&"hello"), "{bodies:?}");
}
