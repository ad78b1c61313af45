//! The real loop, headless: terminal input from a channel, an in-process chat and forum source
//! on the other ends of the channels, a TestBackend, drafts in a temp folder.

mod tui_support;

use std::sync::{Arc, Mutex};

use crossterm::event::{Event, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use roomscribe::discourse::types::{ForumCommand, ForumEvent, PublishedTopic};
use roomscribe::transcript::model::{BackfillRequest, ChatCommand};
use roomscribe::tui::app::{self, Clock};
use roomscribe::tui::executor::{self, Control, Executor};
use roomscribe::tui::keymap::Key;
use roomscribe::tui::{Msg, links};
use tui_support::*;

struct Fixed;
impl Clock for Fixed {
    fn now(&self) -> chrono::DateTime<chrono::Utc> {
        now()
    }
}

/// Runs `$EDITOR` as a script on the temp file, records copies.
struct Headless {
    copies: Arc<Mutex<Vec<String>>>,
}
impl Control for Headless {
    fn edit(&mut self, text: &str) -> Result<String, String> {
        executor::edit_with("sed -i 's/^Hi all/Hello everyone/'", text)
    }
    fn copy(&mut self, text: &str) -> std::io::Result<()> {
        self.copies.lock().unwrap().push(text.to_string());
        Ok(())
    }
}

fn key_events(spec: &str) -> Vec<Event> {
    spec.split_whitespace()
        .map(|k| {
            let key = Key::parse(k).unwrap();
            Event::Key(KeyEvent::new(key.code, key.mods))
        })
        .collect()
}

#[tokio::test]
async fn whole_app_against_in_process_sources() {
    let drafts = tempfile::tempdir().unwrap();
    let (links, mut peer) = links();
    let (in_tx, input) = terminal_input();
    let copies = Arc::new(Mutex::new(Vec::new()));
    let mut control = Headless {
        copies: copies.clone(),
    };
    let mut app = app_with_theme("dark");
    let mut term = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let exec = Executor::new(drafts.path().to_path_buf());
    let send_keys = |spec: &str| {
        for ev in key_events(spec) {
            in_tx.send(ev).unwrap();
        }
    };

    let driver = async {
        // The app asks for history first; the source answers with a page.
        assert_eq!(
            peer.chat_cmd_rx.recv().await,
            Some(ChatCommand::Backfill(BackfillRequest::Last(100)))
        );
        peer.chat_ev_tx.send(room_info()).await.unwrap();
        peer.chat_ev_tx.send(backfill()).await.unwrap();
        for ev in forum_events() {
            peer.forum_ev_tx.send(ev).await.unwrap();
        }
        // Select everything but the bot, edit in $EDITOR, publish.
        send_keys(": l a s t : 9 enter e ctrl-o ctrl-s tab");
        for c in "webhooks".chars() {
            in_tx
                .send(Event::Key(KeyEvent::new(
                    crossterm::event::KeyCode::Char(c),
                    crossterm::event::KeyModifiers::NONE,
                )))
                .unwrap();
        }
        send_keys("enter enter");
        let topic = loop {
            match peer.forum_cmd_rx.recv().await {
                Some(ForumCommand::Publish(t)) => break t,
                Some(_) => continue,
                None => panic!("forum channel closed"),
            }
        };
        assert!(
            topic.raw.contains("Hello everyone, the webhook"),
            "{}",
            topic.raw
        );
        assert!(!topic.raw.contains("Nightly deploy"));
        assert_eq!(topic.category_id, Some(2));
        peer.forum_ev_tx
            .send(ForumEvent::Published(PublishedTopic {
                topic_id: 9,
                post_id: None,
                title: topic.title.clone(),
                url: "https://forum.example.org/t/x/9".into(),
                adopted: false,
                already: false,
                notes: Vec::new(),
            }))
            .await
            .unwrap();
        send_keys("ctrl-y ctrl-a y");
        match peer.chat_cmd_rx.recv().await {
            Some(ChatCommand::Send { body, .. }) => assert!(body.contains("/t/x/9")),
            other => panic!("{other:?}"),
        }
        send_keys("q");
    };
    let (res, ()) = tokio::join!(
        app::run(
            &mut app,
            &mut term,
            &mut control,
            input,
            links,
            Arc::new(Fixed),
            exec
        ),
        driver
    );
    res.unwrap();
    assert_eq!(
        copies.lock().unwrap().as_slice(),
        ["https://forum.example.org/t/x/9"]
    );
    let s = text(term.backend().buffer());
    assert!(
        s.contains("Transcript posted to the forum") || s.contains("sent") || s.contains("NORMAL"),
        "{s}"
    );
    let draft = executor::draft_path(drafts.path(), "gitterHQ/services");
    assert!(!draft.exists(), "a published draft is removed");
}

#[tokio::test]
async fn quitting_with_edits_leaves_the_draft_on_disk() {
    let drafts = tempfile::tempdir().unwrap();
    let (links, peer) = links();
    let (in_tx, input) = terminal_input();
    peer.chat_ev_tx.send(room_info()).await.unwrap();
    peer.chat_ev_tx.send(backfill()).await.unwrap();
    for ev in key_events("g [ G ] e N o t e : space esc q") {
        in_tx.send(ev).unwrap();
    }
    let mut control = Headless {
        copies: Arc::default(),
    };
    let mut app = app_with_theme("dark");
    let mut term = Terminal::new(TestBackend::new(100, 24)).unwrap();
    let exec = Executor::new(drafts.path().to_path_buf());
    app::run(
        &mut app,
        &mut term,
        &mut control,
        input,
        links,
        Arc::new(Fixed),
        exec,
    )
    .await
    .unwrap();
    let saved =
        executor::load_draft(&executor::draft_path(drafts.path(), "gitterHQ/services")).unwrap();
    assert!(saved.text.starts_with("Note: [quote]"), "{}", saved.text);
    drop(peer);
}

#[test]
fn drafts_are_written_atomically_and_offered_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = loaded("dark", 100, 24);
    keys(&mut app, "g [ G ] e");
    type_text(&mut app, "My notes ");
    let cmds = keys(&mut app, "esc");
    let Some(roomscribe::tui::Command::SaveDraft(d)) = cmds.first() else {
        panic!("{cmds:?}")
    };
    let path = executor::draft_path(dir.path(), &d.room);
    executor::save_draft(&path, d).unwrap();
    // A later run (after a crash) finds it and asks.
    let mut next = loaded("dark", 100, 24);
    let found = executor::load_draft(&path).unwrap();
    next.handle(Msg::DraftFound(found));
    assert!(screen(&next).contains("Restore the draft"));
    keys(&mut next, "y");
    assert!(next.state.editor.text().starts_with("My notes "));
    assert!(next.state.editor.touched);
}
