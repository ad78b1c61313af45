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

use crate::backfill::Backfiller;
use crate::error::Error;
use crate::live::{Backoff, LiveError, LiveStream};
use crate::resolve::{join_room, room_info};
use crate::room_cache::RoomCache;
use crate::send::send_message;

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
    room: RoomRef,
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
    room: RoomRef,
    cmd_rx: mpsc::Receiver<ChatCommand>,
    ev_tx: mpsc::Sender<ChatEvent>,
    give_up_after: Duration,
    cache: bool,
) {
    if cache && let Some(stored) = RoomCache::open(&client, &room).await {
        return crate::reopen::reopen(client, room, stored, cmd_rx, ev_tx).await;
    }
    let _ = ev_tx
        .send(ChatEvent::Connection(ConnState::Connecting))
        .await;
    let patience = Patience::new(give_up_after, room.as_str());
    let Some(joined) = retrying(&ev_tx, &patience, || async {
        join_room(&client, &room).await.map_err(retry_or_stop)
    })
    .await
    else {
        return;
    };
    // The room's state and the first sync need only its id: one round trip for both.
    let (target, started) = tokio::join!(
        retrying(&ev_tx, &patience, || async {
            room_info(&client, &joined).await.map_err(retry_or_stop)
        }),
        retrying(&ev_tx, &patience, || {
            LiveStream::start(client.clone(), joined.room_id.clone())
        }),
    );
    let (Some(target), Some((mut live, since))) = (target, started) else {
        return;
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
    let mut filler = Backfiller::new(client.clone(), target.room_id.clone(), Some(since.clone()));
    if cache {
        let alias = room.as_str().starts_with('#').then_some(room.as_str());
        let info = target.info.clone();
        if let Some(stored) =
            RoomCache::create(&client, target.room_id.clone(), info, alias, &since).await
        {
            let stored = Arc::new(tokio::sync::Mutex::new(stored));
            live = live.storing(stored.clone());
            filler = filler.storing(stored);
        }
    }
    let tasks = Tasks::spawn(client, target.room_id, live, filler, ev_tx, false);
    tasks.serve(cmd_rx).await;
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
