//! The cache's layout on a real sqlite store (no server): writes at both ends, reading back
//! newest first down to the gap, duplicates dropped, the oldest chunks dropped past the bound.

use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::{Client, SessionMeta, SessionTokens};
use roomscribe_transcript::RoomRef;
use roomscribe_transcript::model::RoomInfo;
use serde_json::{Value, json};

use super::{MAX_EVENTS, Older, RoomCache};
use crate::convert::Names;

async fn client(dir: &std::path::Path) -> Client {
    let client = Client::builder()
        .homeserver_url("http://127.0.0.1:9")
        .sqlite_store(dir, None)
        .build()
        .await
        .unwrap();
    let session = MatrixSession {
        meta: SessionMeta {
            user_id: "@me:hs".try_into().unwrap(),
            device_id: "DEV".into(),
        },
        tokens: SessionTokens {
            access_token: "t".into(),
            refresh_token: None,
        },
    };
    client
        .matrix_auth()
        .restore_session(session, RoomLoadSettings::default())
        .await
        .unwrap();
    client
}

fn msg(n: usize) -> Value {
    json!({"type": "m.room.message", "event_id": format!("$e{n}"), "sender": "@bob:hs",
           "origin_server_ts": n, "content": {"msgtype": "m.text", "body": format!("m{n}")}})
}

fn info() -> RoomInfo {
    RoomInfo {
        room_id: "!r:hs".into(),
        alias: Some("#a:hs".into()),
        name: None,
    }
}

/// Every stored event id, oldest first, and what the store ends with.
async fn read_all(cache: &RoomCache) -> (Vec<String>, String) {
    let mut after = None;
    let mut pages = Vec::new();
    let end = loop {
        match cache.older(after).await {
            Older::Events(id, events) => {
                after = Some(id);
                pages.push(events);
            }
            Older::Gap(token) => break format!("gap {token}"),
            Older::Start => break "start".into(),
        }
    };
    pages.reverse();
    let ids = pages
        .into_iter()
        .flatten()
        .map(|e| e["event_id"].as_str().unwrap().to_string())
        .collect();
    (ids, end)
}

fn ids(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| format!("$e{n}")).collect()
}

#[tokio::test]
async fn both_ends_read_back_in_order_without_duplicates() {
    let tmp = tempfile::tempdir().unwrap();
    let client = client(tmp.path()).await;
    let room_id = "!r:hs".try_into().unwrap();
    let mut cache = RoomCache::create(&client, room_id, info(), Some("#a:hs"), "s0")
        .await
        .unwrap();
    // Live after s0 (one repeated inside the batch and one across batches), then history
    // before it, newest first as /messages pages it.
    let live: Vec<Value> = (10..20).chain([12]).map(msg).collect();
    cache.append(&live, "s0", "s1", &Names::default()).await;
    cache
        .append(&[msg(19), msg(20)], "s1", "s2", &Names::default())
        .await;
    let page: Vec<Value> = (0..10).rev().map(msg).collect();
    // A page from elsewhere (not the front gap's token) does not join what is stored.
    cache.prepend(Some("s9"), &[msg(99)], Some("x"), &[]).await;
    cache.prepend(Some("s0"), &page, Some("p0"), &[]).await;
    assert_eq!(read_all(&cache).await, (ids(0..21), "gap p0".into()));

    // What the next run finds by the alias: the same, with its token and info.
    drop(cache);
    let cache = RoomCache::open(&client, &RoomRef::parse("#a:hs").unwrap())
        .await
        .expect("stored");
    assert_eq!(cache.since(), Some("s2"));
    assert_eq!(cache.info(), Some(&info()));
    assert_eq!(read_all(&cache).await, (ids(0..21), "gap p0".into()));

    // The start of the room reached: no gap any more.
    let mut cache = cache;
    cache.prepend(Some("p0"), &[], None, &[]).await;
    assert_eq!(read_all(&cache).await.1, "start");
}

#[tokio::test]
async fn only_the_newest_events_are_kept_and_the_gap_points_before_them() {
    let tmp = tempfile::tempdir().unwrap();
    let client = client(tmp.path()).await;
    let room_id = "!r:hs".try_into().unwrap();
    let mut cache = RoomCache::create(&client, room_id, info(), None, "s0")
        .await
        .unwrap();
    let batches = MAX_EVENTS / 100 + 10;
    for b in 0..batches {
        let batch: Vec<Value> = (b * 100..(b + 1) * 100).map(msg).collect();
        cache
            .append(
                &batch,
                &format!("s{b}"),
                &format!("s{}", b + 1),
                &Names::default(),
            )
            .await;
    }
    let (kept, end) = read_all(&cache).await;
    let total = batches * 100;
    assert!(
        kept.len() <= MAX_EVENTS && kept.len() > MAX_EVENTS - 200,
        "{}",
        kept.len()
    );
    assert_eq!(kept, ids(total - kept.len()..total));
    // The gap's token is one from at or before the oldest kept event: paging back from there
    // overlaps what is kept (dropped as duplicates), never skips.
    let first_kept = total - kept.len();
    let token: usize = end.strip_prefix("gap s").unwrap().parse().unwrap();
    assert!(token * 100 <= first_kept, "{end} for {first_kept}");
    // (The SDK's store still holds a dropped event's content: hence the compaction.)
    let guard = match client.event_cache_store().lock().await.unwrap() {
        matrix_sdk::cross_process_lock::MappedCrossProcessLockState::Clean(g)
        | matrix_sdk::cross_process_lock::MappedCrossProcessLockState::Dirty(g) => g,
    };
    let first = "$e0".try_into().unwrap();
    let room_id: matrix_sdk::ruma::OwnedRoomId = "!r:hs".try_into().unwrap();
    assert!(guard.find_event(&room_id, first).await.unwrap().is_some());
}

#[tokio::test]
async fn dropped_events_leave_the_store_when_it_is_compacted() {
    let tmp = tempfile::tempdir().unwrap();
    let client = client(tmp.path()).await;
    let room_id: matrix_sdk::ruma::OwnedRoomId = "!r:hs".try_into().unwrap();
    let mut cache = RoomCache::create(&client, room_id.clone(), info(), None, "s0")
        .await
        .unwrap();
    let store = || async {
        match client.event_cache_store().lock().await.unwrap() {
            matrix_sdk::cross_process_lock::MappedCrossProcessLockState::Clean(g)
            | matrix_sdk::cross_process_lock::MappedCrossProcessLockState::Dirty(g) => g,
        }
    };
    let batches = 6 * MAX_EVENTS / 500;
    for b in 0..batches {
        let batch: Vec<Value> = (b * 500..(b + 1) * 500).map(msg).collect();
        cache
            .append(
                &batch,
                &format!("s{b}"),
                &format!("s{}", b + 1),
                &Names::default(),
            )
            .await;
    }
    let total = batches * 500;
    let (kept, end) = read_all(&cache).await;
    assert!(kept.len() <= MAX_EVENTS, "{}", kept.len());
    assert_eq!(kept, ids(total - kept.len()..total));
    assert!(end.starts_with("gap s"), "{end}");
    let first = "$e0".try_into().unwrap();
    let gone = store().await.find_event(&room_id, first).await.unwrap();
    assert!(gone.is_none(), "the first event's content was dropped");
    // Still readable as the next run finds it.
    drop(cache);
    let cache = RoomCache::open(&client, &RoomRef::parse("!r:hs").unwrap())
        .await
        .expect("stored");
    assert_eq!(read_all(&cache).await, (kept, end));
}
