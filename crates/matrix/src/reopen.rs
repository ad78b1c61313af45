//! Reopening a room the cache knows: its info and newest page go to the app before any
//! request, then the live stream resumes from the stored sync token. Its first answer carries
//! everything sent meanwhile (a `limited` one is gap-filled back to that token), and the
//! timeline drops any event it already has, so nothing is missed or shown twice.

use std::sync::Arc;

use matrix_sdk::Client;
use roomscribe_transcript::RoomRef;
use roomscribe_transcript::model::{BackfillRequest, ChatCommand, ChatEvent, ConnState, RoomInfo};
use tokio::sync::mpsc;

use crate::backfill::Backfiller;
use crate::error::Error;
use crate::live::{Backoff, LiveStream};
use crate::resolve::{join_room, room_info};
use crate::room_cache::{RoomCache, Shared};
use crate::run::Tasks;

/// Messages in the page drawn from the cache at start (the app's own first request then
/// continues from there, from the cache too).
const FIRST_PAGE: usize = 100;

pub(crate) async fn reopen(
    client: Client,
    room: RoomRef,
    stored: RoomCache,
    cmd_rx: mpsc::Receiver<ChatCommand>,
    ev_tx: mpsc::Sender<ChatEvent>,
) {
    let (Some(info), Some(since)) = (stored.info().cloned(), stored.since().map(str::to_owned))
    else {
        return;
    };
    let room_id = stored.room_id().clone();
    let names = stored.members();
    let stored: Shared = Arc::new(tokio::sync::Mutex::new(stored));
    if ev_tx.send(ChatEvent::Room(info.clone())).await.is_err() {
        return;
    }
    let mut filler = Backfiller::from_cache(
        client.clone(),
        room_id.clone(),
        stored.clone(),
        names.clone(),
    );
    let req = BackfillRequest::Last(FIRST_PAGE);
    let (mut pages, mut fetched, mut reached_start) = (Vec::new(), 0, false);
    while let Ok(step) = filler.step_cached(&req, fetched).await {
        fetched = step.fetched;
        pages.push(step.events);
        if step.done {
            reached_start = step.reached_start;
            break;
        }
    }
    pages.reverse();
    let page = ChatEvent::Backfill {
        events: pages.into_iter().flatten().collect(),
        fetched,
        done: true,
        reached_start,
    };
    if ev_tx.send(page).await.is_err() {
        return;
    }
    let _ = ev_tx
        .send(ChatEvent::Connection(ConnState::Connecting))
        .await;
    let refresh = tokio::spawn(refresh_info(
        client.clone(),
        room,
        info,
        stored.clone(),
        ev_tx.clone(),
    ));
    let live = LiveStream::resume(client.clone(), room_id.clone(), since, names).storing(stored);
    Tasks::spawn(client, room_id, live, filler, ev_tx, true)
        .serve(cmd_rx)
        .await;
    refresh.abort();
}

/// While the app was closed the room may have been left (it is joined again, as a first
/// start would), renamed, or its alias moved: checked once the server answers, in the
/// background, and the app (and the cache) told when something changed.
async fn refresh_info(
    client: Client,
    room: RoomRef,
    cached: RoomInfo,
    stored: Shared,
    ev_tx: mpsc::Sender<ChatEvent>,
) {
    let mut backoff = Backoff::default();
    loop {
        let checked = match join_room(&client, &room).await {
            Ok(joined) => room_info(&client, &joined).await,
            Err(e) => Err(e),
        };
        match checked {
            Ok(target) if target.info.room_id != cached.room_id => {
                let line = format!(
                    "{} now names another room; showing the one opened before (restart to follow it)",
                    room.as_str()
                );
                let _ = ev_tx.send(ChatEvent::Error(line)).await;
                return;
            }
            Ok(target) => {
                if target.info != cached {
                    stored.lock().await.set_info(target.info.clone()).await;
                    let _ = ev_tx.send(ChatEvent::Room(target.info)).await;
                }
                return;
            }
            Err(Error::Unreachable(_)) => {
                let (wait, _) = backoff.next_delay();
                tokio::time::sleep(wait).await;
            }
            Err(e) => {
                let _ = ev_tx.send(ChatEvent::Error(e.to_string())).await;
                return;
            }
        }
    }
}
