//! `roomscribe demo`: the real app on the embedded room and forum (see `crate::demo`).
//! No accounts, no network; secrets commands from the config are not run.

use std::time::Duration;

use anyhow::Result;
use chrono::Utc;

use crate::cli::Global;
use crate::config::{Config, Settings};
use crate::demo;
use crate::tui::{self, App};

pub fn run(pace_secs: u64, global: &Global, config: &Config) -> Result<()> {
    let settings = Settings {
        tz: global.tz.clone().or_else(|| config.timezone.clone()),
        forum_url: Some(demo::forum::BASE_URL.into()),
        ..Settings::default()
    };
    let opts = tui::options::options(config, &settings, demo::room::ROOM_ALIAS)?;
    let app = App::new(config, opts, Utc::now())?;
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
