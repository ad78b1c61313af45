//! `roomscribe feed [--json]`: live forum activity, one line (or JSON object) per item.

use anyhow::Result;
use tokio::sync::mpsc;

use super::forum;
use crate::config::Options;
use crate::discourse::feed::{FeedOptions, run_with};
use crate::discourse::types::{ForumEvent, ItemKind};
use crate::transcript::model::ConnState;

pub fn run(json: bool, opts: &Options) -> Result<()> {
    let client = forum::connect(opts)?;
    let rules = opts.file.rules.clone();
    let opts = FeedOptions {
        poll_only: opts.file.forum.poll_only,
        ..FeedOptions::default()
    };
    forum::runtime()?.block_on(async move {
        let (_cmd_tx, cmd_rx) = mpsc::channel(4);
        let (ev_tx, mut ev_rx) = mpsc::channel(64);
        tokio::spawn(run_with(client, rules, opts, cmd_rx, ev_tx));
        let mut connected_once = false;
        loop {
            tokio::select! {
                ev = ev_rx.recv() => match ev {
                    // Refused credentials at the start will not fix themselves: stop and say why.
                    Some(ForumEvent::Connection(ConnState::Offline { reason }))
                        if !connected_once =>
                    {
                        anyhow::bail!("{reason}");
                    }
                    Some(ev) => {
                        connected_once |= ev == ForumEvent::Connection(ConnState::Connected);
                        print_event(&ev, json);
                    }
                    None => break,
                },
                _ = tokio::signal::ctrl_c() => break,
            }
        }
        Ok(())
    })
}

fn print_event(ev: &ForumEvent, json: bool) {
    match ev {
        ForumEvent::Item(item) if json => {
            if let Ok(line) = roomscribe_transcript::sanitize::json_line(item) {
                println!("{line}");
            }
        }
        ForumEvent::Item(item) => {
            let what = match item.kind {
                ItemKind::NewTopic => "new topic",
                ItemKind::Reply => "reply",
                ItemKind::Notification => "notification",
            };
            let routes = if item.routes.is_empty() {
                String::new()
            } else {
                format!("  → {}", item.routes.join(", "))
            };
            // Forum text is untrusted: the one sanitizer's terminal mode, like chat text.
            let line = format!(
                "{}  {what}  {}: {}  {}{routes}",
                item.created_at.format("%H:%M"),
                item.username,
                item.title,
                item.url
            );
            println!("{}", roomscribe_transcript::sanitize::display(&line));
        }
        // Status goes to stderr so stdout stays a clean stream of items.
        ForumEvent::Connection(state) => {
            eprintln!("roomscribe: forum {}", forum::state_text(state))
        }
        ForumEvent::Error(e) => eprintln!("roomscribe: {e}"),
        _ => {}
    }
}
