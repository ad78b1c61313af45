//! What a fresh start with a bare token asks the homeserver before the newest page is shown:
//! every request is a round trip the user waits for on a long link.

use std::time::Duration;

use roomscribe_matrix::{CacheDir, Credentials, Opening, connect_looking_up, run_cached};
use roomscribe_testkit::{DelayProxy, require_synapse};
use roomscribe_transcript::model::{BackfillRequest, ChatCommand, ChatEvent};
use tokio::sync::mpsc;

use crate::{recv_until, room};

/// Connects through a counting proxy and runs the chat source until the first history page,
/// as the TUI does (it asks for the last page at once), its stores in `cache` when given; the
/// requests seen on the way.
async fn requests_before_first_page(
    hs_url: &str,
    token: &str,
    alias: &str,
    cache: Option<&CacheDir>,
) -> Vec<String> {
    let proxy = DelayProxy::in_front_of(hs_url, Duration::ZERO)
        .await
        .unwrap();
    let room = room(alias);
    let (client, found) = connect_looking_up(
        Some(&proxy.url()),
        Credentials::Token(token.to_string()),
        &room,
        cache,
        &mut None,
    )
    .await
    .expect("connect with token");
    let (cmd_tx, cmd_rx) = mpsc::channel(8);
    let (ev_tx, mut ev_rx) = mpsc::channel(64);
    cmd_tx
        .send(ChatCommand::Backfill(BackfillRequest::Last(50)))
        .await
        .unwrap();
    let opening = Opening::new(room, found);
    let patience = crate::PATIENT;
    let task = tokio::spawn(run_cached(
        client,
        opening,
        cmd_rx,
        ev_tx,
        patience,
        cache.is_some(),
    ));
    let seen = recv_until(&mut ev_rx, |e| matches!(e, ChatEvent::Backfill { .. })).await;
    let seen_requests = proxy.requests();
    let page = seen.iter().find_map(|e| match e {
        ChatEvent::Backfill { events, .. } => Some(events.len()),
        _ => None,
    });
    assert!(page.unwrap_or(0) > 0, "empty first page: {seen:#?}");
    task.abort();
    seen_requests
}

fn count(requests: &[String], what: &str) -> usize {
    requests.iter().filter(|r| r.contains(what)).count()
}

#[tokio::test]
async fn a_fresh_token_start_asks_only_what_the_first_page_needs() {
    fresh_start_asks_only_what_the_first_page_needs(false).await;
}

/// The app's first start, with an empty cache to fill: the same two round trips.
#[tokio::test]
async fn a_fresh_cache_changes_nothing_before_the_first_page() {
    fresh_start_asks_only_what_the_first_page_needs(true).await;
}

async fn fresh_start_asks_only_what_the_first_page_needs(cached: bool) {
    let Some(hs) = require_synapse() else { return };
    let folder = tempfile::tempdir().unwrap();
    let cache = match cached {
        true => CacheDir::open(&folder.path().join("cache"), 100_000_000).dir,
        false => None,
    };
    assert_eq!(cache.is_some(), cached);
    let tag = if cached { "c" } else { "" };
    let owner = hs.register(&format!("rtowner{tag}")).await.unwrap();
    let reader = hs.register(&format!("rtreader{tag}")).await.unwrap();
    let alias_name = format!("rt-{}", owner.localpart);
    let room_id = owner.create_room(Some(&alias_name)).await.unwrap();
    owner.say(&room_id, "first words").await.unwrap();
    reader.join(&room_id).await.unwrap();
    let alias = format!("#{alias_name}:localhost");

    let requests =
        requests_before_first_page(&hs.url, &reader.access_token, &alias, cache.as_ref()).await;
    eprintln!("requests before the first page (joined): {requests:#?}");
    assert_eq!(count(&requests, "/versions"), 1, "{requests:#?}");
    assert_eq!(
        count(&requests, "/join/"),
        0,
        "joined already: {requests:#?}"
    );
    // Two round trips: whoami ∥ /versions ∥ joined_rooms ∥ the alias lookup, then the first
    // /sync, whose timeline is the first page and whose state names the room.
    for (what, n) in [
        ("/whoami", 1),
        ("/joined_rooms", 1),
        ("/directory/room/", 1),
        ("/sync", 1),
        ("/messages", 0),
        ("/state/", 0),
    ] {
        assert_eq!(count(&requests, what), n, "{what}: {requests:#?}");
    }
    assert_eq!(requests.len(), 5, "{requests:#?}");
}

#[tokio::test]
async fn a_room_not_joined_yet_is_joined_and_its_history_shown() {
    let Some(hs) = require_synapse() else { return };
    let owner = hs.register("rtowner2").await.unwrap();
    let reader = hs.register("rtreader2").await.unwrap();
    let alias_name = format!("rt2-{}", owner.localpart);
    let room_id = owner.create_room(Some(&alias_name)).await.unwrap();
    owner.say(&room_id, "before the reader came").await.unwrap();
    let alias = format!("#{alias_name}:localhost");

    let requests = requests_before_first_page(&hs.url, &reader.access_token, &alias, None).await;
    eprintln!("requests before the first page (not joined): {requests:#?}");
    assert_eq!(count(&requests, "/join/"), 1, "{requests:#?}");
    let joined = reader.get("/joined_rooms").await.unwrap();
    assert!(
        joined["joined_rooms"]
            .as_array()
            .is_some_and(|r| r.iter().any(|id| id == room_id.as_str())),
        "{joined}"
    );
}
