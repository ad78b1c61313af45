use roomscribe_testkit::{CutProxy, require_synapse};
use roomscribe_transcript::model::{ChatEvent, ConnState};

use crate::live::start;
use crate::{live_bodies, recv_until};

fn seq(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}-{i}")).collect()
}

/// The network goes away while the stream is live; others keep talking. When it comes back,
/// every message arrives exactly once and in order, including more than one sync's worth
/// (a `limited` sync whose gap must be filled from history).
#[tokio::test]
async fn messages_sent_while_cut_off_arrive_once_in_order() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("alice").await.unwrap();
    let reader = hs.register("reader").await.unwrap();
    let room = alice.create_room(None).await.unwrap();
    let proxy = CutProxy::in_front_of(&hs.url).await.unwrap();
    let (cmd, mut rx, task) = start(&reader, &proxy.url(), &room).await;

    alice.say(&room, "before").await.unwrap();
    let got = recv_until(&mut rx, |e| {
        !live_bodies(std::slice::from_ref(e)).is_empty()
    })
    .await;
    assert_eq!(live_bodies(&got), ["before"]);

    for (round, count) in [(0, 130), (1, 5)] {
        proxy.cut();
        recv_until(&mut rx, |e| {
            matches!(e, ChatEvent::Connection(ConnState::Reconnecting { .. }))
        })
        .await;
        let prefix = format!("away{round}");
        for body in seq(&prefix, 0..count) {
            alice.say(&room, &body).await.unwrap();
        }
        proxy.restore();
        let last = format!("{prefix}-{}", count - 1);
        let got = recv_until(&mut rx, |e| {
            live_bodies(std::slice::from_ref(e)) == [last.clone()]
        })
        .await;
        assert_eq!(live_bodies(&got), seq(&prefix, 0..count), "round {round}");
        assert!(
            got.iter()
                .any(|e| matches!(e, ChatEvent::Connection(ConnState::Connected))),
            "round {round}: {got:?}"
        );
    }

    alice.say(&room, "after").await.unwrap();
    let got = recv_until(&mut rx, |e| {
        !live_bodies(std::slice::from_ref(e)).is_empty()
    })
    .await;
    assert_eq!(live_bodies(&got), ["after"]);
    cmd.send(roomscribe_transcript::model::ChatCommand::Shutdown)
        .await
        .unwrap();
    task.await.unwrap();
}

/// Starting while the server cannot be reached is not fatal: the source keeps retrying and
/// goes live once it can.
#[tokio::test]
async fn starting_offline_waits_for_the_network() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("alice").await.unwrap();
    let reader = hs.register("reader").await.unwrap();
    let room = alice.create_room(None).await.unwrap();
    let proxy = CutProxy::in_front_of(&hs.url).await.unwrap();
    let client = crate::client_as(&reader, &proxy.url()).await;
    proxy.cut();
    let (cmd, cmd_rx) = tokio::sync::mpsc::channel(4);
    let (ev_tx, mut rx) = tokio::sync::mpsc::channel(256);
    let task = tokio::spawn(roomscribe_matrix::run(
        client,
        crate::room(&room),
        cmd_rx,
        ev_tx,
    ));
    recv_until(&mut rx, |e| {
        matches!(e, ChatEvent::Connection(ConnState::Reconnecting { .. }))
    })
    .await;
    proxy.restore();
    let got = recv_until(&mut rx, |e| {
        matches!(
            e,
            ChatEvent::Connection(ConnState::Connected | ConnState::Offline { .. })
        )
    })
    .await;
    assert!(
        matches!(
            got.last(),
            Some(ChatEvent::Connection(ConnState::Connected))
        ),
        "{got:?}"
    );
    alice.say(&room, "hello").await.unwrap();
    let got = recv_until(&mut rx, |e| {
        !live_bodies(std::slice::from_ref(e)).is_empty()
    })
    .await;
    assert_eq!(live_bodies(&got), ["hello"]);
    cmd.send(roomscribe_transcript::model::ChatCommand::Shutdown)
        .await
        .unwrap();
    task.await.unwrap();
}
