use std::collections::HashSet;

use roomscribe_matrix::run;
use roomscribe_testkit::{Synapse, TestUser, require_limited_synapse, require_synapse};
use roomscribe_transcript::model::{
    BackfillRequest, ChatCommand, ChatEvent, ConnState, MessageKind, TimelineEvent,
};
use tokio::sync::mpsc;

use crate::{client_as, live_bodies, recv_until};

/// Starts `run` for `reader` on `room` (through `via_url`) and waits until it is live.
pub async fn start(
    reader: &TestUser,
    via_url: &str,
    room: &str,
) -> (
    mpsc::Sender<ChatCommand>,
    mpsc::Receiver<ChatEvent>,
    tokio::task::JoinHandle<()>,
) {
    let client = client_as(reader, via_url).await;
    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (ev_tx, mut ev_rx) = mpsc::channel(1024);
    let task = tokio::spawn(run(
        client,
        crate::room(room),
        cmd_rx,
        ev_tx,
        crate::PATIENT,
    ));
    let seen = recv_until(&mut ev_rx, |e| {
        matches!(
            e,
            ChatEvent::Connection(ConnState::Connected | ConnState::Offline { .. })
        )
    })
    .await;
    assert!(
        seen.iter().any(|e| matches!(e, ChatEvent::Room(_))),
        "{seen:?}"
    );
    assert!(
        matches!(
            seen.last(),
            Some(ChatEvent::Connection(ConnState::Connected))
        ),
        "{seen:?}"
    );
    (cmd_tx, ev_rx, task)
}

async fn backfill_all(
    cmd: &mpsc::Sender<ChatCommand>,
    rx: &mut mpsc::Receiver<ChatEvent>,
    req: BackfillRequest,
) -> (Vec<String>, bool) {
    cmd.send(ChatCommand::Backfill(req)).await.unwrap();
    let got = recv_until(rx, |e| matches!(e, ChatEvent::Backfill { done: true, .. })).await;
    let mut bodies = Vec::new();
    let mut start = false;
    // Pages arrive newest page first, each oldest first.
    for ev in got.iter().rev() {
        if let ChatEvent::Backfill {
            events,
            reached_start,
            ..
        } = ev
        {
            start |= reached_start;
            let page: Vec<String> = events
                .iter()
                .filter_map(|e| match e {
                    TimelineEvent::Message(m) => Some(m.body.clone()),
                    _ => None,
                })
                .collect();
            bodies.splice(0..0, page);
        }
    }
    (bodies, start)
}

fn seq(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}-{i}")).collect()
}

#[tokio::test]
async fn history_then_live_messages_names_and_sends() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("alice").await.unwrap();
    let reader = hs.register("reader").await.unwrap();
    let room = alice.create_room(None).await.unwrap();
    for body in seq("old", 0..150) {
        alice.say(&room, &body).await.unwrap();
    }
    let (cmd, mut rx, task) = start(&reader, &hs.url, &room).await;

    // Each request continues exactly where the previous one stopped.
    let (b, start1) = backfill_all(&cmd, &mut rx, BackfillRequest::Last(120)).await;
    assert_eq!(b, seq("old", 30..150));
    assert!(!start1);
    let (b, _) = backfill_all(&cmd, &mut rx, BackfillRequest::Last(20)).await;
    assert_eq!(b, seq("old", 10..30));
    let (b, reached) = backfill_all(&cmd, &mut rx, BackfillRequest::Last(1000)).await;
    assert_eq!(b, seq("old", 0..10));
    assert!(reached);

    for body in seq("live", 0..5) {
        alice.say(&room, &body).await.unwrap();
    }
    let got = recv_until(&mut rx, |e| {
        live_bodies(std::slice::from_ref(e)) == ["live-4"]
    })
    .await;
    assert_eq!(live_bodies(&got), seq("live", 0..5));

    alice.rename_in(&room, "Alice Renamed").await.unwrap();
    alice.say(&room, "renamed").await.unwrap();
    let got = recv_until(&mut rx, |e| {
        live_bodies(std::slice::from_ref(e)) == ["renamed"]
    })
    .await;
    assert!(
        got.iter()
            .any(|e| matches!(e, ChatEvent::MemberName { user_id, name }
        if *user_id == alice.user_id && name == "Alice Renamed")),
        "{got:?}"
    );
    match got.last() {
        Some(ChatEvent::Live(TimelineEvent::Message(m))) => {
            assert_eq!(m.sender_name, "Alice Renamed")
        }
        other => panic!("{other:?}"),
    }

    // Two notices in the same instant both arrive; a retried transaction does not duplicate.
    for (txn, body) in [
        ("t-a", "notice A"),
        ("t-b", "notice B"),
        ("t-a", "notice A"),
    ] {
        cmd.send(ChatCommand::Send {
            txn_id: txn.into(),
            body: body.into(),
            html: Some(format!("<b>{body}</b>")),
            notice: true,
        })
        .await
        .unwrap();
    }
    let mut sent = Vec::new();
    let got = recv_until(&mut rx, |e| {
        if let ChatEvent::Sent { txn_id, event_id } = e {
            sent.push((txn_id.clone(), event_id.clone()));
        }
        sent.len() == 3
    })
    .await;
    assert_eq!(sent[0].1, sent[2].1, "the retry is the same event");
    assert_ne!(sent[0].1, sent[1].1);
    let mut got = got;
    if live_bodies(&got).len() < 2 {
        got.extend(
            recv_until(&mut rx, |e| {
                live_bodies(std::slice::from_ref(e)) == ["notice B"]
            })
            .await,
        );
    }
    let notices: Vec<(String, Option<String>, MessageKind)> = got
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Live(TimelineEvent::Message(m)) => {
                Some((m.body.clone(), m.html.clone(), m.kind.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        notices,
        vec![
            (
                "notice A".into(),
                Some("<b>notice A</b>".into()),
                MessageKind::Notice
            ),
            (
                "notice B".into(),
                Some("<b>notice B</b>".into()),
                MessageKind::Notice
            ),
        ]
    );

    cmd.send(ChatCommand::Shutdown).await.unwrap();
    task.await.unwrap();
}

#[tokio::test]
async fn rate_limited_sends_all_arrive_once_in_order() {
    let Some(hs) = require_limited_synapse() else {
        return;
    };
    rate_limited(&hs).await;
}

async fn rate_limited(hs: &Synapse) {
    let alice = hs.register("alice").await.unwrap();
    let reader = hs.register("reader").await.unwrap();
    let room = alice.create_room(None).await.unwrap();
    // The limits are real: a quick burst from someone else meets M_LIMIT_EXCEEDED.
    let prober = hs.register("prober").await.unwrap();
    prober.join(&room).await.unwrap();
    let mut statuses = Vec::new();
    for i in 0..6 {
        statuses.push(
            prober
                .send_once(&room, &format!("probe-{i}"))
                .await
                .unwrap(),
        );
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    let (cmd, mut rx, task) = start(&reader, &hs.url, &room).await;
    let n = 8;
    for i in 0..n {
        cmd.send(ChatCommand::Send {
            txn_id: format!("rl-{i}"),
            body: format!("burst-{i}"),
            html: None,
            notice: false,
        })
        .await
        .unwrap();
    }
    let mut ids = Vec::new();
    let got = recv_until(&mut rx, |e| {
        if let ChatEvent::Sent { event_id, .. } = e {
            ids.push(event_id.clone());
        }
        ids.len() == n
    })
    .await;
    assert!(
        !got.iter().any(|e| matches!(e, ChatEvent::Error(_))),
        "{got:?}"
    );
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), n);
    let mut live = live_bodies(&got);
    if live.len() < n {
        let more = recv_until(&mut rx, |e| {
            live_bodies(std::slice::from_ref(e)) == [format!("burst-{}", n - 1)]
        })
        .await;
        live.extend(live_bodies(&more));
    }
    assert_eq!(live, seq("burst", 0..n));
    // And the room itself holds each exactly once, in order.
    let path = format!(
        "/rooms/{}/messages?dir=b&limit=100",
        room.replace('!', "%21").replace(':', "%3A")
    );
    let page = alice.call(reqwest::Method::GET, &path, None).await.unwrap();
    let mut in_room: Vec<String> = page["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["content"]["body"].as_str().map(str::to_string))
        .filter(|b| b.starts_with("burst-"))
        .collect();
    in_room.reverse();
    assert_eq!(in_room, seq("burst", 0..n));
    cmd.send(ChatCommand::Shutdown).await.unwrap();
    task.await.unwrap();
}
