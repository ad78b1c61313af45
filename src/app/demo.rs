//! `roomscribe demo`: the real app on the embedded room and forum (see `crate::demo`).
//! No accounts, no network; secrets commands from the config are not run.

use std::time::Duration;

use anyhow::Result;
use chrono::Utc;

use crate::config::Options;
use crate::demo;
use crate::tui::{self, App};

pub fn run(pace_secs: u64, opts: &Options) -> Result<()> {
    let mut app_opts = opts.tui(demo::room::ROOM_ALIAS);
    app_opts.forum_url = Some(demo::forum::BASE_URL.into());
    let app = App::new(&opts.file, app_opts, Utc::now())?;
    let pace = Duration::from_secs(pace_secs.max(1));
    let script = demo::room::sample_script(Utc::now(), pace)?;
    crate::connect::matrix::runtime()?.block_on(async move {
        let (links, peer) = tui::links();
        tokio::spawn(demo::room::run(
            script,
            pace,
            peer.chat_cmd_rx,
            peer.chat_ev_tx,
        ));
        // The forum moves more slowly than the chat, as real ones do.
        tokio::spawn(demo::forum::run(
            demo::room::ROOM_ALIAS.into(),
            pace * 3,
            peer.forum_cmd_rx,
            peer.forum_ev_tx,
        ));
        // Demo drafts stay apart, so they are never offered back in a real room.
        tui::terminal::run(app, links, crate::paths::drafts_dir().join("demo")).await
    })
}
