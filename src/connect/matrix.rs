//! The app's side of Matrix: which credentials to use (flags > environment > config > the
//! stored session), where the session lives, and fetching a room's history for a transcript.

use std::path::PathBuf;

use anyhow::{Context, Result};
use roomscribe_matrix::matrix_sdk::Client;
use roomscribe_matrix::{
    Backfiller, CacheDir, Credentials, StoredSession, persist_refreshed_tokens,
};
use roomscribe_transcript::model::{BackfillRequest, RoomInfo, TimelineEvent};
use roomscribe_transcript::{Range, RoomRef, Spec, Timeline};

use crate::config::Options;

/// `<data dir>/matrix-session.json`.
pub fn session_path() -> PathBuf {
    crate::paths::data_dir().join("matrix-session.json")
}

/// A runtime for a headless command (the CLI entry point is synchronous).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// A logged-in client: an explicit token, else user + password, else the stored session.
/// The password command runs only when there is no token and a user is named.
pub async fn client(opts: &Options) -> Result<Client> {
    client_with(opts, None, &mut None).await
}

/// `<data dir>/cache`: matrix-sdk's sqlite stores for the app's rooms.
pub fn cache_path() -> PathBuf {
    crate::paths::data_dir().join("cache")
}

/// The app's client, its stores in the persistent cache unless `no_cache`. The returned line
/// (cache locked, damaged, cleared for size) is for the status bar; the cache folder must be
/// kept for as long as the client runs.
pub async fn client_cached(
    opts: &Options,
    no_cache: bool,
) -> Result<(Client, Option<CacheDir>, Option<String>)> {
    if no_cache {
        return Ok((client(opts).await?, None, None));
    }
    let opened = CacheDir::open(
        &cache_path(),
        opts.file.cache.max_mb.saturating_mul(1_000_000),
    );
    let mut notice = opened.notice;
    let client = client_with(opts, opened.dir.as_ref(), &mut notice).await?;
    Ok((client, opened.dir, notice))
}

async fn client_with(
    opts: &Options,
    cache: Option<&CacheDir>,
    notice: &mut Option<String>,
) -> Result<Client> {
    let path = session_path();
    let stored = StoredSession::load(&path)?;
    let hs = opts.homeserver.as_deref();
    let password = || opts.secrets.matrix_password();
    let creds = match (opts.secrets.matrix_token()?, &opts.matrix_user) {
        (Some(token), _) => Some(Credentials::Token(token)),
        (None, Some(user)) => match password()? {
            Some(password) => Some(Credentials::Password {
                user: user.clone(),
                password,
            }),
            None if !stored.as_ref().is_some_and(|s| same_user(&s.user_id, user)) => {
                anyhow::bail!(
                    "no password for {user}: set ROOMSCRIBE_MATRIX_PASSWORD (or matrix.password_command), or run `roomscribe login matrix`"
                )
            }
            None => None,
        },
        (None, None) => None,
    };
    let creds = match creds {
        Some(c) => c,
        None => match stored {
            Some(s) => {
                let client =
                    roomscribe_matrix::connect_cached(hs, Credentials::Stored(s), cache, notice)
                        .await?;
                persist_refreshed_tokens(&client, path);
                return Ok(client);
            }
            None => return Err(roomscribe_matrix::Error::NotLoggedIn.into()),
        },
    };
    // A bare token has no homeserver of its own: fall back to the stored session's.
    let stored_hs = stored.map(|s| s.homeserver);
    let hs = hs.or(stored_hs.as_deref());
    Ok(roomscribe_matrix::connect_cached(hs, creds, cache, notice).await?)
}

fn same_user(stored: &str, given: &str) -> bool {
    stored == given
        || roomscribe_matrix::convert::localpart(stored) == given.trim_start_matches('@')
}

/// Enough of the room's history for `spec`: `last:N` pages back until N messages survive the
/// spec's filters (ignored users, redactions); `from:` pages back to that instant.
pub async fn fetch_for_spec(
    client: &Client,
    room: &RoomRef,
    spec: &Spec,
    _gap: chrono::Duration,
    mut progress: impl FnMut(usize),
) -> Result<(RoomInfo, Vec<TimelineEvent>)> {
    let joined = roomscribe_matrix::join_room(client, room).await?;
    let mut filler = Backfiller::new(client.clone(), joined.room_id.clone(), None);
    let mut pages: Vec<Vec<TimelineEvent>> = Vec::new();
    let mut req = match &spec.range {
        Range::Last(n) => BackfillRequest::Last(*n),
        Range::Between { from, .. } => BackfillRequest::Since(*from),
        // The quiet-gap guess looks at the recent past; a few hundred messages cover it.
        Range::Guess => BackfillRequest::Last(300),
        // Threads are usually recent; the root must be in what is fetched.
        Range::Thread(_) => BackfillRequest::Last(1000),
    };
    // The room's state and the newest page need only its id: one round trip for both.
    let (target, first) = tokio::try_join!(
        roomscribe_matrix::room_info(client, &joined),
        filler.step(&req, 0),
    )?;
    let mut first = Some(first);
    loop {
        let mut fetched = 0;
        let reached_start = loop {
            let step = match first.take() {
                Some(step) => step,
                None => filler.step(&req, fetched).await?,
            };
            fetched = step.fetched;
            pages.push(step.events);
            progress(pages.iter().map(Vec::len).sum());
            if step.done {
                break step.reached_start;
            }
        };
        let Range::Last(n) = spec.range else { break };
        let events: Vec<TimelineEvent> = pages.iter().rev().flatten().cloned().collect();
        let timeline = Timeline::from_events(events);
        // `last:N` counts the room's visible messages, before anyone is ignored.
        let kept = timeline.iter().filter(|m| !m.redacted).count();
        if reached_start || kept >= n {
            break;
        }
        req = BackfillRequest::Last(n - kept);
    }
    pages.reverse();
    Ok((target.info, pages.into_iter().flatten().collect()))
}

/// `roomscribe transcript ROOM`'s source: signs in from the settings and fetches the history
/// `spec` needs. Progress goes to stderr when it is a terminal.
pub fn fetch_room_blocking(
    room: &RoomRef,
    spec: &Spec,
    gap: chrono::Duration,
    opts: &Options,
) -> Result<(RoomInfo, Vec<TimelineEvent>)> {
    let (info, events, _) = fetch_room_on(&runtime()?, room, spec, gap, opts)?;
    Ok((info, events))
}

/// `fetch_room_blocking` on the caller's runtime, keeping the signed-in client (publishing
/// downloads the selection's media with it).
pub fn fetch_room_on(
    rt: &tokio::runtime::Runtime,
    room: &RoomRef,
    spec: &Spec,
    gap: chrono::Duration,
    opts: &Options,
) -> Result<(RoomInfo, Vec<TimelineEvent>, Client)> {
    use std::io::{IsTerminal, Write};
    let show = std::io::stderr().is_terminal();
    rt.block_on(async {
        let client = client(opts).await?;
        let fetched = fetch_for_spec(&client, room, spec, gap, |n| {
            if show {
                eprint!("\rloading history: {n} events");
                let _ = std::io::stderr().flush();
            }
        })
        .await;
        if show {
            eprintln!();
        }
        let (info, events) = fetched?;
        Ok((info, events, client))
    })
}
