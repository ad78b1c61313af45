//! `roomscribe bot [ROOM...]`: the room's own bot. One Matrix sync for all its rooms; each
//! `!transcript ...` command is answered once (recorded in `<data dir>/bot.json` before and
//! after publishing), as a threaded reply; the `[[rules]]` notices for its rooms are forwarded
//! by the same `Forwarder` as `watch`.

mod access;
mod command;
mod handle;
mod history;
mod options;
mod record;

use std::collections::HashMap;

use anyhow::{Context, Result, bail};
use roomscribe_matrix::matrix_sdk::Client as ChatClient;
use roomscribe_matrix::matrix_sdk::ruma::OwnedRoomId;
use roomscribe_matrix::{Backoff, LiveError, RoomTarget, RoomsSync, resolve_room, send_message};
use tokio::sync::mpsc;

use super::watch::{Forwarded, Forwarder, Outgoing, same_room};
use super::{forum, matrix};
use crate::config::Options as Resolved;
use crate::discourse::feed::{FeedOptions, run_with};
use crate::discourse::types::ForumEvent;
use crate::discourse::{Auth, Client};
use crate::error::usage;
use crate::transcript::RoomRef;
use crate::transcript::model::ConnState;

enum SyncMsg {
    Batch(roomscribe_matrix::Batch),
    State(ConnState),
}

pub fn run(args: &[String], resolved: &Resolved) -> Result<()> {
    let config = &resolved.file;
    let mut names: Vec<String> = config.bot.rooms.clone();
    for a in args {
        if !names.iter().any(|n| same_room(n, a)) {
            names.push(a.clone());
        }
    }
    if names.is_empty() {
        return Err(usage(
            "name the rooms to serve: `roomscribe bot ROOM...` or `[bot] rooms = [...]` in the config",
        ));
    }
    let mut refs = Vec::new();
    for n in &names {
        refs.push(RoomRef::parse(n).map_err(|e| usage(format!("{n}: {e}")))?);
    }
    let opts = handle::Options::resolve(resolved)?;
    let Some(forum_url) = resolved.forum_url.clone() else {
        return Err(usage(
            "the bot needs the forum: --forum URL, ROOMSCRIBE_FORUM_URL or `[forum] url`",
        ));
    };
    let Some(key) = resolved.secrets.forum_api_key()? else {
        return Err(usage(
            "the bot posts as the moderator who asks, which needs the forum's admin API key: --forum-api-key or ROOMSCRIBE_FORUM_API_KEY (or `[forum] api_key_command`)",
        ));
    };
    let own = resolved
        .forum_username
        .clone()
        .unwrap_or_else(|| "system".into());
    let admin = Client::new(
        &forum_url,
        Auth::AdminKey {
            key: key.clone(),
            username: own,
        },
    )?;
    let data = crate::paths::data_dir();
    let bot_path = data.join("bot.json");
    let fwd_path = data.join("forwarded.json");
    let record = record::BotRecord::load(&bot_path)?;
    let forwarded = Forwarded::load(&fwd_path)?;
    let notice_type = !config.matrix.send_as_text;
    let rules = config.rules.clone();
    let routed = rules
        .iter()
        .any(|r| names.iter().any(|n| same_room(&r.room, n)));
    let poll_only = config.forum.poll_only;
    matrix::runtime()?.block_on(async move {
        let chat = matrix::client(resolved).await?;
        let bot_user = chat.user_id().map(|u| u.to_string()).unwrap_or_default();
        let mut targets: Vec<(String, RoomTarget)> = Vec::new();
        for (name, r) in names.iter().zip(&refs) {
            let t = resolve_room(&chat, r)
                .await
                .with_context(|| format!("room {name}"))?;
            targets.push((name.clone(), t));
        }
        let ids: Vec<OwnedRoomId> = targets.iter().map(|(_, t)| t.room_id.clone()).collect();
        let (sync_tx, mut sync_rx) = mpsc::channel(16);
        tokio::spawn(sync_task(chat.clone(), ids, record.position.clone(), sync_tx));

        let (out_tx, mut out_rx) = mpsc::channel::<Outgoing>(64);
        let mut fw = Forwarder::new(names.clone(), forwarded, fwd_path, out_tx, notice_type);
        let (_forum_cmd, forum_cmd_rx) = mpsc::channel(4);
        let (forum_ev_tx, mut forum_ev) = mpsc::channel(64);
        if routed {
            let feed = FeedOptions { poll_only, since_post: fw.resume_after(), ..FeedOptions::default() };
            tokio::spawn(run_with(admin.clone(), rules, feed, forum_cmd_rx, forum_ev_tx));
        }
        let room_of: HashMap<String, OwnedRoomId> =
            targets.iter().map(|(n, t)| (n.clone(), t.room_id.clone())).collect();
        let mut bot = handle::Bot::new(handle::Parts {
            chat: chat.clone(),
            admin,
            forum_url,
            key,
            bot_user,
            rooms: targets.into_iter().map(|(_, t)| (t.room_id.to_string(), t.info)).collect(),
            record,
            path: bot_path,
            opts,
        });
        eprintln!(
            "roomscribe: bot for {} (commands start with {})",
            names.join(", "),
            bot.prefix()
        );
        let mut send_failed = false;
        loop {
            tokio::select! {
                msg = sync_rx.recv() => match msg {
                    Some(SyncMsg::Batch(b)) => {
                        bot.batch(b).await?;
                        // A notice the homeserver refused while the sync was fine: try again
                        // now rather than at the next reconnection or restart.
                        if std::mem::take(&mut send_failed) {
                            fw.resend_pending().await;
                        }
                    }
                    Some(SyncMsg::State(s)) => {
                        eprintln!("roomscribe: room {}", forum::state_text(&s));
                        fw.chat_state(s == ConnState::Connected).await;
                        if let ConnState::Offline { reason } = s {
                            bail!("{reason}");
                        }
                    }
                    None => bail!("the room sync stopped"),
                },
                ev = forum_ev.recv(), if routed => match ev {
                    Some(ForumEvent::Item(item)) => fw.item(item).await?,
                    Some(ForumEvent::Connection(s)) => eprintln!("roomscribe: forum {}", forum::state_text(&s)),
                    Some(ForumEvent::Error(e)) => eprintln!("roomscribe: forum: {e}"),
                    Some(_) => {}
                    None => bail!("the forum task stopped"),
                },
                Some(out) = out_rx.recv() => {
                    let Some(room_id) = room_of.get(&out.room) else { continue };
                    match send_message(&chat, room_id, &out.txn_id, &out.body, Some(&out.html), out.notice).await {
                        Ok(_) => fw.sent(&out.txn_id)?,
                        Err(e) => {
                            eprintln!("roomscribe: room: sending: {e}");
                            send_failed = true;
                        }
                    }
                }
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    })
}

/// The one sync loop, from the stored position; retried with backoff through outages.
async fn sync_task(
    client: ChatClient,
    rooms: Vec<OwnedRoomId>,
    since: Option<String>,
    tx: mpsc::Sender<SyncMsg>,
) {
    let mut backoff = Backoff::default();
    let _ = tx.send(SyncMsg::State(ConnState::Connecting)).await;
    let mut sync = loop {
        match RoomsSync::start(client.clone(), rooms.clone(), since.clone()).await {
            Ok(s) => break s,
            Err(e) => {
                if !wait_after(e, &mut backoff, &tx).await {
                    return;
                }
            }
        }
    };
    backoff.reset();
    if tx.send(SyncMsg::State(ConnState::Connected)).await.is_err() {
        return;
    }
    // Stored at once, so commands sent while a first run is stopped are not missed.
    let start = roomscribe_matrix::Batch {
        events: Vec::new(),
        position: sync.position().to_string(),
    };
    if tx.send(SyncMsg::Batch(start)).await.is_err() {
        return;
    }
    loop {
        match sync.next().await {
            Ok(batch) => {
                if backoff.failing() {
                    backoff.reset();
                    if tx.send(SyncMsg::State(ConnState::Connected)).await.is_err() {
                        return;
                    }
                }
                if tx.send(SyncMsg::Batch(batch)).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                if !wait_after(e, &mut backoff, &tx).await {
                    return;
                }
            }
        }
    }
}

async fn wait_after(err: LiveError, backoff: &mut Backoff, tx: &mpsc::Sender<SyncMsg>) -> bool {
    match err {
        LiveError::RateLimited(wait) => tokio::time::sleep(wait).await,
        LiveError::Transient(why) => {
            let (wait, attempt) = backoff.next_delay();
            tracing::info!("sync failed ({why}); attempt {attempt} in {wait:?}");
            let state = ConnState::Reconnecting {
                in_secs: wait.as_secs_f64().ceil() as u64,
                attempt,
                why,
            };
            if tx.send(SyncMsg::State(state)).await.is_err() {
                return false;
            }
            tokio::time::sleep(wait).await;
        }
        LiveError::Fatal(reason) => {
            let _ = tx.send(SyncMsg::State(ConnState::Offline { reason })).await;
            return false;
        }
    }
    true
}
