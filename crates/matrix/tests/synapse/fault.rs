use std::time::Duration;

use roomscribe_testkit::{CutProxy, Gateway, require_synapse};
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
    let (cmd, mut rx, task) = retrying(client, &room).await;
    proxy.restore();
    connected(&mut rx).await;
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

/// A gateway answering 502 for the room lookup: each retry says why, and after the patience
/// runs out the source gives up with one line naming the room and the answer (no HTML page).
#[tokio::test]
async fn a_gateway_answering_502_is_reported_and_given_up_on() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("alice").await.unwrap();
    let reader = hs.register("reader").await.unwrap();
    let alias = format!("gw{}", uuid::Uuid::new_v4().simple());
    alice.create_room(Some(&alias)).await.unwrap();
    let server = alice.user_id.split_once(':').unwrap().1.to_string();
    let gateway = Gateway::in_front_of(&hs.url).await.unwrap();
    let client = crate::client_as(&reader, &gateway.url()).await;
    gateway.fail("/directory/room/");
    let (_cmd, cmd_rx) = tokio::sync::mpsc::channel(4);
    let (ev_tx, mut rx) = tokio::sync::mpsc::channel(256);
    let room = format!("#{alias}:{server}");
    let task = tokio::spawn(roomscribe_matrix::run(
        client,
        crate::room(&room),
        cmd_rx,
        ev_tx,
        Duration::from_secs(4),
    ));
    let got = recv_until(&mut rx, |e| {
        matches!(e, ChatEvent::Connection(ConnState::Offline { .. }))
    })
    .await;
    let retries: Vec<&String> = got
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Connection(ConnState::Reconnecting { why, .. }) => Some(why),
            _ => None,
        })
        .collect();
    assert!(!retries.is_empty(), "{got:?}");
    assert!(
        retries.iter().all(|w| w.contains("502 Bad Gateway")),
        "{retries:?}"
    );
    let Some(ChatEvent::Connection(ConnState::Offline { reason })) = got.last() else {
        unreachable!()
    };
    assert!(reason.contains(&room) && reason.contains("502"), "{reason}");
    assert!(reason.contains("gave up after"), "{reason}");
    assert!(
        !reason.contains("nginx") && !reason.contains('\n'),
        "{reason}"
    );
    task.await.unwrap();
}

/// A 502 that clears up before the patience runs out: the source connects and goes live.
#[tokio::test]
async fn a_gateway_that_recovers_in_time_connects() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("alice").await.unwrap();
    let reader = hs.register("reader").await.unwrap();
    let room = alice.create_room(None).await.unwrap();
    let gateway = Gateway::in_front_of(&hs.url).await.unwrap();
    let client = crate::client_as(&reader, &gateway.url()).await;
    gateway.fail("/join");
    let (cmd, mut rx, task) = retrying(client, &room).await;
    gateway.heal();
    connected(&mut rx).await;
    cmd.send(roomscribe_transcript::model::ChatCommand::Shutdown)
        .await
        .unwrap();
    task.await.unwrap();
}

/// `run` started on `client`, once it has said it is retrying.
async fn retrying(
    client: roomscribe_matrix::matrix_sdk::Client,
    room: &str,
) -> (
    tokio::sync::mpsc::Sender<roomscribe_transcript::model::ChatCommand>,
    tokio::sync::mpsc::Receiver<ChatEvent>,
    tokio::task::JoinHandle<()>,
) {
    let (cmd, cmd_rx) = tokio::sync::mpsc::channel(4);
    let (ev_tx, mut rx) = tokio::sync::mpsc::channel(256);
    let task = tokio::spawn(roomscribe_matrix::run(
        client,
        crate::room(room),
        cmd_rx,
        ev_tx,
        crate::PATIENT,
    ));
    recv_until(&mut rx, |e| {
        matches!(e, ChatEvent::Connection(ConnState::Reconnecting { .. }))
    })
    .await;
    (cmd, rx, task)
}

/// Waits for the next final connection state and checks it is `Connected`.
async fn connected(rx: &mut tokio::sync::mpsc::Receiver<ChatEvent>) {
    let got = recv_until(rx, |e| {
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
}
