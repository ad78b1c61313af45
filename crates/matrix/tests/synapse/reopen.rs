//! The room cache in use: a room opened once is shown from the cache at the next start, with
//! the server down too ("cached, offline"), and catches up with what was sent meanwhile: every
//! message once, in order, even past the sync's timeline limit (the gap is filled).

use roomscribe_matrix::matrix_sdk::Client;
use roomscribe_matrix::{CacheDir, Credentials, connect_cached, run_cached};
use roomscribe_testkit::{TestUser, require_synapse};
use roomscribe_transcript::model::{
    BackfillRequest, ChatCommand, ChatEvent, ConnState, TimelineEvent,
};
use tokio::sync::mpsc;

use crate::{PATIENT, live_bodies, recv_until, room};

async fn cached_client(url: &str, user: &TestUser, dir: &CacheDir) -> Client {
    connect_cached(
        Some(url),
        Credentials::Token(user.access_token.clone()),
        Some(dir),
        &mut None,
    )
    .await
    .expect("cached client")
}

fn start(
    client: Client,
    alias: &str,
) -> (
    mpsc::Sender<ChatCommand>,
    mpsc::Receiver<ChatEvent>,
    tokio::task::JoinHandle<()>,
) {
    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (ev_tx, ev_rx) = mpsc::channel(1024);
    let task = tokio::spawn(run_cached(
        client,
        room(alias),
        cmd_rx,
        ev_tx,
        PATIENT,
        true,
    ));
    (cmd_tx, ev_rx, task)
}

fn page_bodies(ev: &ChatEvent) -> Vec<String> {
    match ev {
        ChatEvent::Backfill { events, .. } => events
            .iter()
            .filter_map(|e| match e {
                TimelineEvent::Message(m) => Some(m.body.clone()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// A room under a fresh alias with one message in it, and a reader not in it yet.
struct Aliased {
    owner: TestUser,
    reader: TestUser,
    room_id: String,
    alias: String,
}

async fn aliased_room(
    hs: &roomscribe_testkit::Synapse,
    owner: &str,
    reader: &str,
    said: &str,
) -> Aliased {
    let name = format!("{owner}{}", uuid::Uuid::new_v4().simple());
    let owner = hs.register(owner).await.unwrap();
    let reader = hs.register(reader).await.unwrap();
    let room_id = owner.create_room(Some(&name)).await.unwrap();
    owner.say(&room_id, said).await.unwrap();
    let alias = format!("#{name}:{}", owner.user_id.split_once(':').unwrap().1);
    Aliased {
        owner,
        reader,
        room_id,
        alias,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reopen_shows_the_cache_offline_then_catches_up_once_in_order() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("reopena").await.unwrap();
    let reader = hs.register("reopenr").await.unwrap();
    let name = format!("reopen{}", uuid::Uuid::new_v4().simple());
    let room_id = alice.create_room(Some(&name)).await.unwrap();
    let server = alice.user_id.split_once(':').unwrap().1.to_string();
    let alias = format!("#{name}:{server}");
    for i in 0..5 {
        alice.say(&room_id, &format!("before {i}")).await.unwrap();
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("cache");

    // First run: history and one live message go into the cache.
    {
        let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
        let client = cached_client(&hs.url, &reader, &dir).await;
        let (cmd_tx, mut ev_rx, task) = start(client, &alias);
        cmd_tx
            .send(ChatCommand::Backfill(BackfillRequest::Last(100)))
            .await
            .unwrap();
        recv_until(&mut ev_rx, |e| {
            matches!(e, ChatEvent::Backfill { done: true, .. })
        })
        .await;
        alice.say(&room_id, "live 0").await.unwrap();
        recv_until(&mut ev_rx, |e| {
            live_bodies(std::slice::from_ref(e)) == ["live 0"]
        })
        .await;
        cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
        task.await.unwrap();
    }

    // Sent while closed: more than one sync timeline holds (100), so the first answer of the
    // reopened stream is `limited` and the rest comes from the gap fill.
    let sent: Vec<String> = (0..110).map(|i| format!("while closed {i}")).collect();
    for body in &sent {
        alice.say(&room_id, body).await.unwrap();
    }

    // The server unreachable: the cached room still comes, then "cached, offline".
    {
        let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
        let client = cached_client("http://127.0.0.1:9", &reader, &dir).await;
        let (cmd_tx, mut ev_rx, task) = start(client, &alias);
        let seen = recv_until(&mut ev_rx, |e| {
            matches!(e, ChatEvent::Connection(ConnState::CachedOffline { .. }))
        })
        .await;
        assert!(
            matches!(&seen[0], ChatEvent::Room(info) if info.room_id == room_id),
            "{seen:#?}"
        );
        let shown = page_bodies(&seen[1]);
        let mut want: Vec<String> = (0..5).map(|i| format!("before {i}")).collect();
        want.push("live 0".into());
        assert_eq!(shown, want, "{seen:#?}");
        cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
        task.await.unwrap();
    }

    // Back online: the cache first, then exactly what was sent meanwhile.
    let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
    let client = cached_client(&hs.url, &reader, &dir).await;
    let (cmd_tx, mut ev_rx, task) = start(client, &alias);
    let last = sent.last().unwrap().clone();
    let seen = recv_until(&mut ev_rx, |e| {
        live_bodies(std::slice::from_ref(e)) == [last.clone()]
    })
    .await;
    assert_eq!(
        page_bodies(&seen[1]).last().map(String::as_str),
        Some("live 0")
    );
    assert_eq!(live_bodies(&seen), sent, "every message once, in order");
    assert!(
        seen.iter()
            .any(|e| matches!(e, ChatEvent::Connection(ConnState::Connected)))
    );
    cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
    task.await.unwrap();
    drop(dir);

    // And the next reopen has all of it in the cache, the newest last.
    let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
    let client = cached_client("http://127.0.0.1:9", &reader, &dir).await;
    let (cmd_tx, mut ev_rx, task) = start(client, &alias);
    let seen = recv_until(&mut ev_rx, |e| matches!(e, ChatEvent::Backfill { .. })).await;
    let page = page_bodies(seen.last().unwrap());
    assert_eq!(page.len(), 100, "{page:?}");
    assert_eq!(page.as_slice(), &sent[10..]);
    cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
    task.await.unwrap();
}

fn count(requests: &[String], what: &str) -> usize {
    requests.iter().filter(|r| r.contains(what)).count()
}

/// With the cache, a first start asks `/versions` once, like one without; a reopen asks
/// nothing before the cached page, and neither whoami nor versions after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reopen_asks_nothing_before_the_cached_page_nor_who_or_versions_after() {
    let Some(hs) = require_synapse() else { return };
    let Aliased {
        reader,
        room_id,
        alias,
        ..
    } = aliased_room(&hs, "reopenq", "reopens", "known words").await;
    reader.join(&room_id).await.unwrap();
    let proxy = roomscribe_testkit::DelayProxy::in_front_of(&hs.url, std::time::Duration::ZERO)
        .await
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("cache");

    {
        let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
        let client = cached_client(&proxy.url(), &reader, &dir).await;
        let (cmd_tx, mut ev_rx, task) = start(client, &alias);
        cmd_tx
            .send(ChatCommand::Backfill(BackfillRequest::Last(50)))
            .await
            .unwrap();
        recv_until(&mut ev_rx, |e| {
            matches!(e, ChatEvent::Backfill { done: true, .. })
        })
        .await;
        let requests = proxy.requests();
        assert_eq!(count(&requests, "/versions"), 1, "{requests:#?}");
        assert_eq!(count(&requests, "/whoami"), 1, "{requests:#?}");
        cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
        task.await.unwrap();
    }

    proxy.clear();
    let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
    let client = cached_client(&proxy.url(), &reader, &dir).await;
    let (cmd_tx, mut ev_rx, task) = start(client, &alias);
    let seen = recv_until(&mut ev_rx, |e| matches!(e, ChatEvent::Backfill { .. })).await;
    assert_eq!(page_bodies(seen.last().unwrap()), ["known words"]);
    assert_eq!(
        proxy.requests(),
        Vec::<String>::new(),
        "before the cached page"
    );
    recv_until(&mut ev_rx, |e| {
        matches!(e, ChatEvent::Connection(ConnState::Connected))
    })
    .await;
    let requests = proxy.requests();
    // (Membership and the alias are checked in the background: `joined_rooms`, the alias
    // lookup; joined already, so no `join`.)
    for never in ["/versions", "/whoami", "/join/"] {
        assert_eq!(count(&requests, never), 0, "{never}: {requests:#?}");
    }
    assert!(count(&requests, "/sync") >= 1, "{requests:#?}");
    cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
    task.await.unwrap();
}

/// Left while the app was closed: the reopened room is joined again in the background and
/// what was said meanwhile still arrives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_left_while_closed_is_joined_again() {
    let Some(hs) = require_synapse() else { return };
    let Aliased {
        owner,
        reader,
        room_id,
        alias,
    } = aliased_room(&hs, "reopenl", "reopenm", "before leaving").await;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("cache");
    {
        let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
        let client = cached_client(&hs.url, &reader, &dir).await;
        let (cmd_tx, mut ev_rx, task) = start(client, &alias);
        cmd_tx
            .send(ChatCommand::Backfill(BackfillRequest::Last(50)))
            .await
            .unwrap();
        recv_until(&mut ev_rx, |e| {
            matches!(e, ChatEvent::Backfill { done: true, .. })
        })
        .await;
        cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
        task.await.unwrap();
    }
    let leave = format!("/rooms/{}/leave", roomscribe_testkit::encode(&room_id));
    reader
        .call(
            roomscribe_matrix::matrix_sdk::reqwest::Method::POST,
            &leave,
            Some(serde_json::json!({})),
        )
        .await
        .unwrap();

    let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
    let client = cached_client(&hs.url, &reader, &dir).await;
    let (cmd_tx, mut ev_rx, task) = start(client, &alias);
    recv_until(&mut ev_rx, |e| matches!(e, ChatEvent::Backfill { .. })).await;
    // Joined again by the background check, then a new message arrives live.
    let mut said = false;
    for _ in 0..50 {
        let joined = reader.get("/joined_rooms").await.unwrap();
        if joined["joined_rooms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r == &room_id)
        {
            owner.say(&room_id, "after coming back").await.unwrap();
            said = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(said, "joined again");
    recv_until(&mut ev_rx, |e| {
        live_bodies(std::slice::from_ref(e)) == ["after coming back"]
    })
    .await;
    cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
    task.await.unwrap();
}

/// A stored session (`roomscribe login matrix`) reopens a cached room offline too: restoring it
/// asks the server nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_session_reopens_a_cached_room_offline() {
    let Some(hs) = require_synapse() else { return };
    let Aliased { reader, alias, .. } =
        aliased_room(&hs, "reopent", "reopenu", "kept for later").await;
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("cache");
    let session = {
        let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
        let client = cached_client(&hs.url, &reader, &dir).await;
        let session = roomscribe_matrix::StoredSession::from_client(&client).unwrap();
        let (cmd_tx, mut ev_rx, task) = start(client, &alias);
        cmd_tx
            .send(ChatCommand::Backfill(BackfillRequest::Last(50)))
            .await
            .unwrap();
        recv_until(&mut ev_rx, |e| {
            matches!(e, ChatEvent::Backfill { done: true, .. })
        })
        .await;
        cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
        task.await.unwrap();
        session
    };

    let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
    let client = connect_cached(
        Some("http://127.0.0.1:9"),
        Credentials::Stored(session),
        Some(&dir),
        &mut None,
    )
    .await
    .expect("restored without the server");
    let (cmd_tx, mut ev_rx, task) = start(client, &alias);
    let seen = recv_until(&mut ev_rx, |e| {
        matches!(e, ChatEvent::Connection(ConnState::CachedOffline { .. }))
    })
    .await;
    assert_eq!(page_bodies(&seen[1]), ["kept for later"], "{seen:#?}");
    cmd_tx.send(ChatCommand::Shutdown).await.unwrap();
    task.await.unwrap();
}
