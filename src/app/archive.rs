//! `roomscribe tui --input FILE [ROOM]`: the whole app on an archive (a Matrix event JSON file
//! or a legacy Gitter export) — select, ignore, edit, publish, forum sidebar — with no Matrix
//! connection. The file is read by the one archive loader, before the terminal is taken over.

use std::path::Path;

use anyhow::Result;
use chrono::Utc;
use tokio::sync::mpsc;

use crate::config::Options;
use crate::transcript::model::{ChatCommand, ChatEvent, ConnState, RoomInfo, TimelineEvent};
use crate::tui::{self, App};

pub fn run(file: &Path, room: Option<&str>, opts: &Options) -> Result<()> {
    let (mut info, events) = crate::headless::transcript::read_input(file)?;
    if std::env::var_os(LOAD_ONLY).is_some() {
        return load_only(events);
    }
    if let Some(room) = room {
        info.name = Some(room.to_string());
        if info.alias.is_none() && room.starts_with('#') {
            info.alias = Some(room.to_string());
        }
    }
    let name = room
        .map(str::to_string)
        .or_else(|| info.alias.clone())
        .or_else(|| info.name.clone())
        .unwrap_or_else(|| info.room_id.clone());
    let mut app = App::new(&opts.file, opts.tui(&name), Utc::now())?;
    let shown = file.file_name().unwrap_or(file.as_os_str());
    app.state.archive = Some(shown.to_string_lossy().into_owned());
    let forum = crate::connect::forum::connect(opts);
    crate::connect::matrix::runtime()?.block_on(async move {
        let (links, peer) = tui::links();
        tokio::spawn(serve(info, events, peer.chat_cmd_rx, peer.chat_ev_tx));
        let idle_forum =
            super::tui::start_forum(forum, &opts.file, None, peer.forum_cmd_rx, peer.forum_ev_tx)
                .await;
        // Archive drafts are kept apart from the live room's.
        let drafts = crate::paths::drafts_dir().join("archive");
        let result = tui::terminal::run(app, links, drafts).await;
        drop(idle_forum);
        result
    })
}

/// Bench-only switch (benches/archive.rs): load the file into the timeline the app keeps,
/// print how many messages it holds, and exit without taking over the terminal, so peak RSS
/// can be measured without a pty.
const LOAD_ONLY: &str = "ROOMSCRIBE_ARCHIVE_LOAD_ONLY";

fn load_only(events: Vec<TimelineEvent>) -> Result<()> {
    let timeline = crate::transcript::Timeline::from_events(events);
    eprintln!("loaded {} messages", timeline.len());
    Ok(())
}

/// The chat source for an archive: the whole file as the first history page, then nothing.
async fn serve(
    info: RoomInfo,
    events: Vec<TimelineEvent>,
    mut cmds: mpsc::Receiver<ChatCommand>,
    out: mpsc::Sender<ChatEvent>,
) {
    let _ = out.send(ChatEvent::Room(info)).await;
    let _ = out.send(ChatEvent::Connection(ConnState::Connected)).await;
    let mut events = Some(events);
    while let Some(cmd) = cmds.recv().await {
        let ev = match cmd {
            ChatCommand::Backfill(_) => {
                let events = events.take().unwrap_or_default();
                ChatEvent::Backfill {
                    fetched: events.len(),
                    events,
                    done: true,
                    reached_start: true,
                }
            }
            ChatCommand::Send { .. } => {
                ChatEvent::Error("this is an archive: nothing is sent to a room".into())
            }
            ChatCommand::Shutdown => break,
        };
        if out.send(ev).await.is_err() {
            break;
        }
    }
}
