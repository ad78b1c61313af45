//! Integration tests against the real Synapse started by `scripts/synapse`. One binary (one
//! link of matrix-sdk) with a module per area; every test uses its own users and rooms.

mod backfill;
mod cache;
mod fault;
mod live;
mod login;
mod oauth;
mod reopen;
mod resolve;
mod round_trips;

use std::time::Duration;

use roomscribe_matrix::matrix_sdk::Client;
use roomscribe_matrix::{Credentials, connect};
use roomscribe_testkit::TestUser;
use roomscribe_transcript::model::ChatEvent;
use tokio::sync::mpsc;

/// How long `run` may keep trying a first connection in tests that expect it to succeed.
pub const PATIENT: Duration = Duration::from_secs(120);

/// A parsed ROOM, as the app hands it over.
pub fn room(text: &str) -> roomscribe_transcript::RoomRef {
    roomscribe_transcript::RoomRef::parse(text).expect("room parses")
}

/// A logged-in client for `user`, talking to `homeserver` (the server itself or a proxy).
pub async fn client_as(user: &TestUser, homeserver: &str) -> Client {
    connect(
        Some(homeserver),
        Credentials::Token(user.access_token.clone()),
    )
    .await
    .expect("connect with token")
}

/// Receives until `pred` matches; everything received on the way (including the match) is
/// returned. Panics after a minute so a broken stream fails instead of hanging CI.
pub async fn recv_until(
    rx: &mut mpsc::Receiver<ChatEvent>,
    mut pred: impl FnMut(&ChatEvent) -> bool,
) -> Vec<ChatEvent> {
    let mut seen = Vec::new();
    loop {
        match tokio::time::timeout(Duration::from_secs(60), rx.recv()).await {
            Ok(Some(ev)) => {
                let hit = pred(&ev);
                seen.push(ev);
                if hit {
                    return seen;
                }
            }
            Ok(None) => panic!("event channel closed; got {seen:#?}"),
            Err(_) => panic!("no matching event within 60 s; got {seen:#?}"),
        }
    }
}

/// Bodies of the live messages among `events`, in order.
pub fn live_bodies(events: &[ChatEvent]) -> Vec<String> {
    use roomscribe_transcript::model::TimelineEvent;
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Live(TimelineEvent::Message(m)) => Some(m.body.clone()),
            _ => None,
        })
        .collect()
}
