//! `roomscribe tui ROOM` (and `roomscribe ROOM`): the terminal app on the live room and forum.
//! Sign-in problems are reported before the terminal is taken over; a forum that cannot be
//! reached only marks the sidebar offline, the room still works.

use anyhow::Result;
use chrono::Utc;

use crate::config::{Config, Options};
use crate::discourse::feed::{FeedOptions, run_with};
use crate::discourse::types::ForumEvent;
use crate::error::usage;
use crate::transcript::model::ConnState;
use crate::transcript::room::RoomRef;
use crate::tui::{self, App};

pub fn run(room: &str, opts: &Options, no_cache: bool) -> Result<()> {
    let room_ref = RoomRef::parse(room).map_err(|e| usage(e.to_string()))?;
    let mut app = App::new(&opts.file, opts.tui(room), Utc::now())?;
    // What `roomscribe watch` already sent shows as forwarded; a damaged record only loses marks.
    let record = crate::paths::data_dir().join("forwarded.json");
    if let Ok(forwarded) = crate::headless::watch::Forwarded::load(&record) {
        let keys = forwarded.keys_for(room).cloned();
        app.state.sidebar.forwarded.extend(keys);
    }
    let forum = crate::connect::forum::connect(opts);
    crate::connect::matrix::runtime()?.block_on(async move {
        let start = crate::connect::matrix::client_for_app(opts, &room_ref, no_cache).await?;
        if let Some(line) = start.notice {
            app.state.flash(crate::tui::state::Level::Error, line);
        }
        // Holding the cache folder holds its lock until the app ends.
        let (client, cache) = (start.client, start.cache);
        let (links, peer) = tui::links();
        tokio::spawn(crate::matrix::run_cached(
            client.clone(),
            start.opening,
            peer.chat_cmd_rx,
            peer.chat_ev_tx,
            opts.give_up_after,
            cache.is_some(),
        ));
        let idle_forum = start_forum(
            forum,
            &opts.file,
            Some(client.clone()),
            peer.forum_cmd_rx,
            peer.forum_ev_tx,
        )
        .await;
        let result = tui::terminal::run(app, links, crate::paths::drafts_dir()).await;
        drop(idle_forum);
        result
    })
}

/// Runs the forum feed for the app; without a forum the sidebar says why it is offline.
/// Returns the channel ends to hold until the app ends when there is no forum, so its
/// channel stays open.
pub async fn start_forum(
    forum: Result<crate::discourse::Client>,
    config: &Config,
    media_from: Option<crate::matrix::matrix_sdk::Client>,
    cmd_rx: tokio::sync::mpsc::Receiver<crate::discourse::types::ForumCommand>,
    ev_tx: tokio::sync::mpsc::Sender<ForumEvent>,
) -> Option<impl Sized> {
    match forum {
        Ok(c) => {
            let opts = FeedOptions {
                poll_only: config.forum.poll_only,
                ..FeedOptions::default()
            };
            // With media on, publishing goes through the relay that copies the files.
            let cmd_rx = match media_from {
                Some(matrix) if config.transcript.media => {
                    let (tx, rx) = tokio::sync::mpsc::channel(1024);
                    tokio::spawn(crate::headless::media::relay(
                        cmd_rx,
                        tx,
                        ev_tx.clone(),
                        matrix,
                        c.clone(),
                    ));
                    rx
                }
                _ => cmd_rx,
            };
            tokio::spawn(run_with(c, config.rules.clone(), opts, cmd_rx, ev_tx));
            None
        }
        Err(e) => {
            let reason = crate::error::one_line(&e);
            let _ = ev_tx
                .send(ForumEvent::Connection(ConnState::Offline { reason }))
                .await;
            Some((cmd_rx, ev_tx))
        }
    }
}
