//! The app's side of Matrix: which credentials to use (flags > environment > config > the
//! stored session), where the session lives, and fetching a room's history for a transcript.

use std::path::PathBuf;

use anyhow::{Context, Result};
use roomscribe_matrix::matrix_sdk::Client;
use roomscribe_matrix::{
    Backfiller, CacheDir, Credentials, Lookup, Opening, StoredSession, persist_refreshed_tokens,
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
    Ok(client_looking_up(opts, None, None, &mut None).await?.0)
}

/// `client`, looking up `room` on the way (see `roomscribe_matrix::connect_looking_up`): the
/// room to hand to `run` or `fetch_for_spec`.
pub async fn client_for_room(opts: &Options, room: &RoomRef) -> Result<(Client, Opening)> {
    let (client, found) = client_looking_up(opts, Some(room), None, &mut None).await?;
    Ok((client, Opening::new(room.clone(), found)))
}

/// `<data dir>/cache`: matrix-sdk's sqlite stores for the app's rooms.
pub fn cache_path() -> PathBuf {
    crate::paths::data_dir().join("cache")
}

/// What the app opens its room with.
pub struct AppStart {
    pub client: Client,
    pub opening: Opening,
    /// The persistent cache the client's stores are in (None: `--no-cache`, or locked by
    /// another instance); kept for as long as the client runs.
    pub cache: Option<CacheDir>,
    /// A line for the status bar: the cache locked, damaged, or cleared for size.
    pub notice: Option<String>,
}

/// [`client_for_room`] with the client's stores in the persistent cache unless `no_cache`.
pub async fn client_for_app(opts: &Options, room: &RoomRef, no_cache: bool) -> Result<AppStart> {
    let opened = match no_cache {
        true => roomscribe_matrix::Opened::default(),
        false => CacheDir::open(
            &cache_path(),
            opts.file.cache.max_mb.saturating_mul(1_000_000),
        ),
    };
    let mut notice = opened.notice;
    let (client, found) =
        client_looking_up(opts, Some(room), opened.dir.as_ref(), &mut notice).await?;
    Ok(AppStart {
        client,
        opening: Opening::new(room.clone(), found),
        cache: opened.dir,
        notice,
    })
}

async fn client_looking_up(
    opts: &Options,
    room: Option<&RoomRef>,
    cache: Option<&CacheDir>,
    notice: &mut Option<String>,
) -> Result<(Client, Option<Lookup>)> {
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
            Some(s) => return stored_looking_up(hs, s, room, path, cache, notice).await,
            None => return Err(roomscribe_matrix::Error::NotLoggedIn.into()),
        },
    };
    // A bare token has no homeserver of its own: fall back to the stored session's.
    let stored_hs = stored.map(|s| s.homeserver);
    let hs = hs.or(stored_hs.as_deref());
    Ok(match room {
        Some(room) => roomscribe_matrix::connect_looking_up(hs, creds, room, cache, notice).await?,
        None => (
            roomscribe_matrix::connect_cached(hs, creds, cache, notice).await?,
            None,
        ),
    })
}

/// The stored session, starting from what earlier starts learnt (the server's versions, the
/// room's id and that we are in it) and keeping what this one learns for the next.
async fn stored_looking_up(
    hs: Option<&str>,
    session: StoredSession,
    room: Option<&RoomRef>,
    path: PathBuf,
    cache: Option<&CacheDir>,
    notice: &mut Option<String>,
) -> Result<(Client, Option<Lookup>)> {
    // (A `--homeserver` given with a stored session is another address of the same server:
    // the session's tokens are valid nowhere else.)
    let knew_versions = !session.server_versions().is_empty();
    let remembered = room.and_then(|r| Lookup::remembered(r, session.room_id_for(r.as_str())?));
    let client =
        roomscribe_matrix::connect_cached(hs, Credentials::Stored(session), cache, notice).await?;
    persist_refreshed_tokens(&client, path.clone());
    let lookup = async {
        match (remembered, room) {
            (Some(known), _) => Some(known),
            (None, Some(room)) => {
                let found = roomscribe_matrix::look_up(&client, room).await.ok();
                if let Some(f) = found.as_ref().filter(|f| f.is_joined()) {
                    let id = f.room_id().to_string();
                    keep(&path, None, Some((room.as_str(), &id)));
                }
                found
            }
            (None, None) => None,
        }
    };
    // The first request asks for them anyway; kept so the next start need not wait for them.
    let versions = async {
        match knew_versions {
            true => None,
            false => client.server_versions().await.ok(),
        }
    };
    let (found, versions) = tokio::join!(lookup, versions);
    if let Some(v) = versions {
        keep(&path, Some(&v.into_iter().collect::<Vec<_>>()), None);
    }
    Ok((client, found))
}

fn keep(
    path: &std::path::Path,
    versions: Option<&[roomscribe_matrix::matrix_sdk::ruma::api::MatrixVersion]>,
    room: Option<(&str, &str)>,
) {
    if let Err(e) = StoredSession::remember(path, versions, room) {
        tracing::warn!("cannot keep what was learnt with the session: {e}");
    }
}

fn same_user(stored: &str, given: &str) -> bool {
    stored == given
        || roomscribe_matrix::convert::localpart(stored) == given.trim_start_matches('@')
}

/// Enough of the room's history for `spec`: `last:N` pages back until N messages survive the
/// spec's filters (ignored users, redactions); `from:` pages back to that instant.
pub async fn fetch_for_spec(
    client: &Client,
    room: Opening,
    spec: &Spec,
    _gap: chrono::Duration,
    mut progress: impl FnMut(usize),
) -> Result<(RoomInfo, Vec<TimelineEvent>)> {
    let mut room = room;
    let (target, first, mut filler) = loop {
        let remembered = room.is_remembered();
        let joined = room.join(client).await?;
        let mut filler = Backfiller::new(client.clone(), joined.room_id.clone(), None);
        let req = first_request(spec);
        // The room's state and the newest page need only its id: one round trip for both,
        // and for checking that a remembered alias still points there.
        let checking = async {
            remembered && roomscribe_matrix::alias_moved(client, room.room(), &joined).await
        };
        let (read, moved) = tokio::join!(
            async {
                tokio::try_join!(
                    roomscribe_matrix::room_info(client, &joined),
                    filler.step(&req, 0),
                )
            },
            checking,
        );
        match read {
            Ok((target, first)) if !moved => break (target, first, filler),
            Err(e) if !remembered => return Err(e.into()),
            // Moved, left or gone since the session saw it: ask the server this time.
            _ => room = Opening::new(room.room().clone(), None),
        }
    };
    let mut pages: Vec<Vec<TimelineEvent>> = Vec::new();
    let mut req = first_request(spec);
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

/// What `spec` asks of the history first.
fn first_request(spec: &Spec) -> BackfillRequest {
    match &spec.range {
        Range::Last(n) => BackfillRequest::Last(*n),
        Range::Between { from, .. } => BackfillRequest::Since(*from),
        // The quiet-gap guess looks at the recent past; a few hundred messages cover it.
        Range::Guess => BackfillRequest::Last(300),
        // Threads are usually recent; the root must be in what is fetched.
        Range::Thread(_) => BackfillRequest::Last(1000),
    }
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
        let (client, room) = client_for_room(opts, room).await?;
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
