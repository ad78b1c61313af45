//! The chat source task: resolves and joins the room, then runs the live stream, backfill and
//! sending side by side, reporting everything as owned `ChatEvent`s.

use std::sync::Arc;
use std::time::{Duration, Instant};

use matrix_sdk::Client;
use matrix_sdk::ruma::OwnedRoomId;
use roomscribe_transcript::RoomRef;
use roomscribe_transcript::model::{BackfillRequest, ChatCommand, ChatEvent, ConnState};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::backfill::{Backfiller, RawPage};
use crate::error::Error;
use crate::live::{Backoff, LiveError, LiveStream};
use crate::resolve::{
    Joined, Lookup, RoomTarget, alias_moved, info_from_state, join_looked_up, join_room,
};
use crate::room_cache::{RoomCache, Shared};
use crate::send::send_message;

/// Events the first sync brings as the first history page (the app asks for 100 messages).
const FIRST_PAGE: u32 = 100;

/// The room to open, and what is already known of it (`connect_looking_up` finds it while
/// signing in).
pub struct Opening {
    room: RoomRef,
    found: Option<Lookup>,
}

impl Opening {
    pub fn new(room: RoomRef, found: Option<Lookup>) -> Self {
        Self { room, found }
    }

    pub fn room(&self) -> &RoomRef {
        &self.room
    }

    /// What is known of the room was remembered from an earlier start, not asked.
    pub fn is_remembered(&self) -> bool {
        self.found.as_ref().is_some_and(Lookup::is_remembered)
    }

    /// Joins the room (only if not joined), using what is known of it.
    pub async fn join(&self, client: &Client) -> crate::Result<Joined> {
        match &self.found {
            Some(found) => join_looked_up(client, found.clone()).await,
            None => join_room(client, &self.room).await,
        }
    }
}

impl From<RoomRef> for Opening {
    fn from(room: RoomRef) -> Self {
        Self::new(room, None)
    }
}

pub(crate) struct Outgoing {
    txn_id: String,
    body: String,
    html: Option<String>,
    notice: bool,
}

/// Runs until `Shutdown`, until `cmd_rx` closes, or until the app stops listening. A failure
/// nothing can fix by waiting (unknown room, revoked session) ends it with
/// `Connection(Offline { reason })`, the reason being one line for the user; so does a first
/// connection still failing after `give_up_after` (once connected, outages are waited out).
pub async fn run(
    client: Client,
    room: impl Into<Opening>,
    cmd_rx: mpsc::Receiver<ChatCommand>,
    ev_tx: mpsc::Sender<ChatEvent>,
    give_up_after: Duration,
) {
    run_cached(client, room, cmd_rx, ev_tx, give_up_after, false).await
}

/// [`run`], keeping the room in the client's stores when `cache` (a client built on the
/// persistent cache): a room an earlier run stored is shown from there before any request and
/// stays usable with the server down (no giving up: the moderator works on what is cached,
/// while the stream keeps trying), then catches up from the stored sync token.
pub async fn run_cached(
    client: Client,
    room: impl Into<Opening>,
    cmd_rx: mpsc::Receiver<ChatCommand>,
    ev_tx: mpsc::Sender<ChatEvent>,
    give_up_after: Duration,
    cache: bool,
) {
    let Opening { room, mut found } = room.into();
    if cache && let Some(stored) = RoomCache::open(&client, &room).await {
        return crate::reopen::reopen(client, room, stored, cmd_rx, ev_tx).await;
    }
    let _ = ev_tx
        .send(ChatEvent::Connection(ConnState::Connecting))
        .await;
    let patience = Patience::new(give_up_after, room.as_str());
    let (joined, live, since, first) = loop {
        let remembered = found.as_ref().is_some_and(Lookup::is_remembered);
        let Some(joined) = retrying(&ev_tx, &patience, || {
            let opening = Opening::new(room.clone(), found.take());
            let client = &client;
            async move { opening.join(client).await.map_err(retry_or_stop) }
        })
        .await
        else {
            return;
        };
        // The first sync brings the newest page and the room's state with its token: the
        // first screen needs nothing else. A remembered alias is checked meanwhile: aliases
        // can be moved to another room.
        let check = remembered.then(|| room.as_str().starts_with('#'));
        let (started, moved) = tokio::join!(
            retrying(&ev_tx, &patience, || {
                LiveStream::start_with_page(client.clone(), joined.room_id.clone(), FIRST_PAGE)
            }),
            async { check == Some(true) && alias_moved(&client, &room, &joined).await }
        );
        let Some((live, since, first)) = started else {
            return;
        };
        if moved {
            tracing::info!("{} has moved since the session saw it", room.as_str());
            continue;
        }
        if first.in_room || !remembered {
            break (joined, live, since, first);
        }
        // Left since the session saw it: ask the server this time.
        tracing::info!("{} is no longer joined; looking it up", room.as_str());
    };
    let target = match info_from_state(&joined, &first.state) {
        Ok(target) => target,
        Err(e) => {
            let reason = e.to_string();
            let _ = ev_tx
                .send(ChatEvent::Connection(ConnState::Offline { reason }))
                .await;
            return;
        }
    };
    if ev_tx
        .send(ChatEvent::Room(target.info.clone()))
        .await
        .is_err()
    {
        return;
    }
    let _ = ev_tx
        .send(ChatEvent::Connection(ConnState::Connected))
        .await;
    let stored = match cache {
        true => store_first(&client, &room, &target, &since, &first.page).await,
        false => None,
    };
    let mut live = live;
    let mut filler =
        Backfiller::new(client.clone(), target.room_id.clone(), None).preloaded(first.page);
    if let Some(stored) = stored {
        live = live.storing(stored.clone());
        filler = filler.storing(stored);
    }
    let tasks = Tasks::spawn(client, target.room_id, live, filler, ev_tx, false);
    tasks.serve(cmd_rx).await;
}

/// A fresh cache for the room, holding the first sync's timeline (the newest page, as if
/// paged back from the sync's token).
async fn store_first(
    client: &Client,
    room: &RoomRef,
    target: &RoomTarget,
    since: &str,
    page: &RawPage,
) -> Option<Shared> {
    let alias = room.as_str().starts_with('#').then_some(room.as_str());
    let info = target.info.clone();
    let mut stored = RoomCache::create(client, target.room_id.clone(), info, alias, since).await?;
    stored
        .prepend(Some(since), &page.chunk, page.end.as_deref(), &page.state)
        .await;
    Some(Arc::new(tokio::sync::Mutex::new(stored)))
}

/// The live stream, backfill and sending of one room, side by side.
pub(crate) struct Tasks {
    set: JoinSet<()>,
    backfill: mpsc::Sender<BackfillRequest>,
    send: mpsc::Sender<Outgoing>,
}

impl Tasks {
    /// `cached`: what the app shows came from the cache and the server was not reached yet.
    pub(crate) fn spawn(
        client: Client,
        room_id: OwnedRoomId,
        live: LiveStream,
        filler: Backfiller,
        ev_tx: mpsc::Sender<ChatEvent>,
        cached: bool,
    ) -> Self {
        let (bf_tx, bf_rx) = mpsc::channel(16);
        let (send_tx, send_rx) = mpsc::channel(64);
        let mut set = JoinSet::new();
        set.spawn(live_loop(live, ev_tx.clone(), cached));
        set.spawn(backfill_loop(filler, bf_rx, ev_tx.clone()));
        set.spawn(send_loop(client, room_id, send_rx, ev_tx));
        Self {
            set,
            backfill: bf_tx,
            send: send_tx,
        }
    }

    /// Hands the app's commands to the tasks until it shuts down.
    pub(crate) async fn serve(mut self, mut cmd_rx: mpsc::Receiver<ChatCommand>) {
        loop {
            tokio::select! {
                cmd = cmd_rx.recv() => match cmd {
                    None | Some(ChatCommand::Shutdown) => break,
                    Some(ChatCommand::Backfill(req)) => {
                        if self.backfill.send(req).await.is_err() { break; }
                    }
                    Some(ChatCommand::Send { txn_id, body, html, notice }) => {
                        let out = Outgoing { txn_id, body, html, notice };
                        if self.send.send(out).await.is_err() { break; }
                    }
                },
                // A task ends only when the app stopped listening or the session died.
                _ = self.set.join_next() => break,
            }
        }
        self.set.abort_all();
    }
}

/// `step` retried with backoff while the server cannot be reached, given up (with `Offline`)
/// when the answer is final (unknown, forbidden, encrypted) or the first connection has taken
/// longer than the patience allows.
async fn retrying<T, F, Fut>(
    ev_tx: &mpsc::Sender<ChatEvent>,
    patience: &Patience,
    mut step: F,
) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, LiveError>>,
{
    let mut backoff = Backoff::default();
    loop {
        match step().await {
            Ok(done) => return Some(done),
            Err(err) => {
                if !wait_after(err, &mut backoff, ev_tx, Some(patience), false).await {
                    return None;
                }
            }
        }
    }
}

/// Only an unreachable server is worth waiting for.
fn retry_or_stop(err: Error) -> LiveError {
    match err {
        Error::Unreachable(why) => LiveError::Transient(why),
        other => LiveError::Fatal(other.to_string()),
    }
}

/// How long a first connection may keep failing before the user is told it will not work.
struct Patience {
    since: Instant,
    limit: Duration,
    room: String,
}

impl Patience {
    fn new(limit: Duration, room: &str) -> Self {
        Self {
            since: Instant::now(),
            limit,
            room: room.to_string(),
        }
    }

    /// The reason to give up with, when waiting `wait` more would pass the limit.
    fn exhausted(&self, wait: Duration, why: &str) -> Option<String> {
        let spent = self.since.elapsed();
        (spent + wait > self.limit).then(|| {
            let spent = chrono::Duration::from_std(spent).unwrap_or_default();
            let spent = roomscribe_transcript::human(spent);
            format!("cannot open {}: {why} (gave up after {spent})", self.room)
        })
    }
}

/// Reports a failed request and waits before the next try. False: give up.
async fn wait_after(
    err: LiveError,
    backoff: &mut Backoff,
    ev_tx: &mpsc::Sender<ChatEvent>,
    patience: Option<&Patience>,
    cached: bool,
) -> bool {
    match err {
        LiveError::RateLimited(wait) => {
            tokio::time::sleep(wait).await;
            true
        }
        LiveError::Transient(why) => {
            let (wait, attempt) = backoff.next_delay();
            if let Some(reason) = patience.and_then(|p| p.exhausted(wait, &why)) {
                tracing::warn!("first connection failed: {reason}");
                let _ = ev_tx
                    .send(ChatEvent::Connection(ConnState::Offline { reason }))
                    .await;
                return false;
            }
            tracing::info!("request failed ({why}); attempt {attempt} in {wait:?}");
            let in_secs = wait.as_secs_f64().ceil() as u64;
            let state = if cached {
                ConnState::CachedOffline {
                    in_secs,
                    attempt,
                    why,
                }
            } else {
                ConnState::Reconnecting {
                    in_secs,
                    attempt,
                    why,
                }
            };
            if ev_tx.send(ChatEvent::Connection(state)).await.is_err() {
                return false;
            }
            tokio::time::sleep(wait).await;
            true
        }
        LiveError::Fatal(reason) => {
            let _ = ev_tx
                .send(ChatEvent::Connection(ConnState::Offline { reason }))
                .await;
            false
        }
    }
}

/// `cached`: the app shows the cache and nothing was asked yet; until the first answer,
/// failures say so, and that answer says "connected".
async fn live_loop(mut live: LiveStream, ev_tx: mpsc::Sender<ChatEvent>, mut cached: bool) {
    let mut backoff = Backoff::default();
    loop {
        match live.next().await {
            Ok(items) => {
                if backoff.failing() || cached {
                    backoff.reset();
                    cached = false;
                    if ev_tx
                        .send(ChatEvent::Connection(ConnState::Connected))
                        .await
                        .is_err()
                    {
                        return;
                    }
                }
                for ev in items {
                    if ev_tx.send(ev).await.is_err() {
                        return;
                    }
                }
            }
            Err(err) => {
                if !wait_after(err, &mut backoff, &ev_tx, None, cached).await {
                    return;
                }
            }
        }
    }
}

/// Serves backfill requests one after another. Every request ends with a `done` page; when
/// it fails, an `Error` line comes first and the `done` page is empty.
async fn backfill_loop(
    mut filler: Backfiller,
    mut requests: mpsc::Receiver<BackfillRequest>,
    ev_tx: mpsc::Sender<ChatEvent>,
) {
    while let Some(req) = requests.recv().await {
        let mut fetched = 0;
        loop {
            let (page, done) = match filler.step(&req, fetched).await {
                Ok(step) => {
                    fetched = step.fetched;
                    let done = step.done;
                    let page = ChatEvent::Backfill {
                        events: step.events,
                        fetched: step.fetched,
                        done,
                        reached_start: step.reached_start,
                    };
                    (page, done)
                }
                Err(e) => {
                    let line = ChatEvent::Error(format!("loading history: {e}"));
                    if ev_tx.send(line).await.is_err() {
                        return;
                    }
                    let page = ChatEvent::Backfill {
                        events: Vec::new(),
                        fetched,
                        done: true,
                        reached_start: false,
                    };
                    (page, true)
                }
            };
            if ev_tx.send(page).await.is_err() {
                return;
            }
            if done {
                break;
            }
        }
    }
    // The app dropped its command channel; stay idle so `run` is not woken by our exit.
    std::future::pending::<()>().await;
}

async fn send_loop(
    client: Client,
    room_id: OwnedRoomId,
    mut outgoing: mpsc::Receiver<Outgoing>,
    ev_tx: mpsc::Sender<ChatEvent>,
) {
    while let Some(m) = outgoing.recv().await {
        let ev = match send_message(
            &client,
            &room_id,
            &m.txn_id,
            &m.body,
            m.html.as_deref(),
            m.notice,
        )
        .await
        {
            Ok(event_id) => ChatEvent::Sent {
                txn_id: m.txn_id,
                event_id,
            },
            Err(e) => ChatEvent::Error(format!("sending: {e}")),
        };
        if ev_tx.send(ev).await.is_err() {
            return;
        }
    }
    std::future::pending::<()>().await;
}
