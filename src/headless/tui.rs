//! `roomscribe tui ROOM` (and `roomscribe ROOM`): the terminal app on the live room and forum.
//! Sign-in problems are reported before the terminal is taken over; a forum that cannot be
//! reached only marks the sidebar offline, the room still works.

use anyhow::Result;
use chrono::Utc;

use crate::config::Options;
use crate::discourse::feed::{FeedOptions, run_with};
use crate::discourse::types::ForumEvent;
use crate::error::usage;
use crate::transcript::model::ConnState;
use crate::transcript::room::RoomRef;
use crate::tui::{self, App};

pub fn run(room: &str, opts: &Options) -> Result<()> {
    let room_ref = RoomRef::parse(room).map_err(|e| usage(e.to_string()))?;
    let mut app = App::new(&opts.file, opts.tui(room), Utc::now())?;
    // What `roomscribe watch` already sent shows as forwarded; a damaged record only loses marks.
    let record = crate::paths::data_dir().join("forwarded.json");
    if let Ok(forwarded) = super::watch::Forwarded::load(&record) {
        let keys = forwarded.keys_for(room).cloned();
        app.state.sidebar.forwarded.extend(keys);
    }
    let forum = super::forum::connect(opts);
    super::matrix::runtime()?.block_on(async move {
        let client = super::matrix::client(opts).await?;
        let (links, peer) = tui::links();
        tokio::spawn(crate::matrix::run(
            client,
            room_ref,
            peer.chat_cmd_rx,
            peer.chat_ev_tx,
        ));
        // Held until the app ends when there is no forum, so its channel stays open.
        let mut idle_forum = None;
        match forum {
            Ok(c) => {
                let feed = FeedOptions {
                    poll_only: opts.file.forum.poll_only,
                    ..FeedOptions::default()
                };
                tokio::spawn(run_with(
                    c,
                    opts.file.rules.clone(),
                    feed,
                    peer.forum_cmd_rx,
                    peer.forum_ev_tx,
                ));
            }
            Err(e) => {
                let reason = crate::error::one_line(&e);
                let _ = peer
                    .forum_ev_tx
                    .send(ForumEvent::Connection(ConnState::Offline { reason }))
                    .await;
                idle_forum = Some((peer.forum_cmd_rx, peer.forum_ev_tx));
            }
        }
        let result = tui::terminal::run(app, links, crate::paths::drafts_dir()).await;
        drop(idle_forum);
        result
    })
}
