//! The app on real parts: the Matrix source against Synapse and the forum feed against the
//! stateful stand-in, driven by keys through the real loop into a TestBackend. The test taps
//! the source channels only to know when history has arrived (its sync point).

mod tui_support;

use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use roomscribe::discourse::feed::{FeedOptions, run_with};
use roomscribe::discourse::types::ForumEvent;
use roomscribe::discourse::{Auth, Client};
use roomscribe::matrix::Credentials;
use roomscribe::transcript::RoomRef;
use roomscribe::transcript::model::{ChatEvent, TimelineEvent};
use roomscribe::tui::app::{self, SystemClock};
use roomscribe::tui::executor::{Control, Executor};
use roomscribe::tui::keymap::Key;
use roomscribe::tui::links;
use roomscribe_forum_standin::ForumStandin;
use roomscribe_testkit::require_synapse;
use tokio::sync::mpsc;
use tui_support::*;

/// Only a hang fails; never a speed assertion.
const PATIENCE: Duration = Duration::from_secs(60);

struct NoTerminal;
impl Control for NoTerminal {
    fn edit(&mut self, text: &str) -> Result<String, String> {
        Ok(text.to_string())
    }
    fn copy(&mut self, _: &str) -> std::io::Result<()> {
        Ok(())
    }
}

async fn until<T>(what: &str, mut f: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn app_on_synapse_and_the_forum_standin() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let alice = synapse.register("tuialice").await.unwrap();
    let moderator = synapse.register("tuimod").await.unwrap();
    let alias_local = format!("tui{}", uuid::Uuid::new_v4().simple());
    let room_id = alice.create_room(Some(&alias_local)).await.unwrap();
    let server = alice.user_id.split_once(':').unwrap().1.to_string();
    for body in [
        "the webhook stopped firing",
        "which version?",
        "3.2.1, fixed by re-saving the secret",
    ] {
        alice.say(&room_id, body).await.unwrap();
    }
    let mut forum = ForumStandin::start().await.unwrap();

    let client = roomscribe::matrix::connect(
        Some(&synapse.url),
        Credentials::Token(moderator.access_token.clone()),
    )
    .await
    .unwrap();
    let (app_links, peer) = links();
    // Tap between the Matrix source and the app: everything is passed on, and reported.
    let (src_ev_tx, mut src_ev_rx) = mpsc::channel::<ChatEvent>(1024);
    let (seen_tx, mut seen_rx) = mpsc::unbounded_channel();
    let chat_ev_tx = peer.chat_ev_tx.clone();
    tokio::spawn(async move {
        while let Some(ev) = src_ev_rx.recv().await {
            // Passed on first, so the app has it queued before the test acts on it.
            if chat_ev_tx.send(ev.clone()).await.is_err() {
                break;
            }
            let _ = seen_tx.send(ev);
        }
    });
    let room = RoomRef::parse(&format!("#{alias_local}:{server}")).unwrap();
    tokio::spawn(roomscribe::matrix::run(
        client,
        room,
        peer.chat_cmd_rx,
        src_ev_tx,
        std::time::Duration::from_secs(120),
    ));
    let forum_client = Client::new(
        &forum.base_url(),
        Auth::AdminKey {
            key: forum.admin_key(),
            username: "admin".into(),
        },
    )
    .unwrap();
    let (fsrc_tx, mut fsrc_rx) = mpsc::channel::<ForumEvent>(1024);
    let (fseen_tx, mut fseen_rx) = mpsc::unbounded_channel();
    let forum_ev_tx = peer.forum_ev_tx.clone();
    tokio::spawn(async move {
        while let Some(ev) = fsrc_rx.recv().await {
            // Passed on first, so the app has it queued before the test acts on it.
            if forum_ev_tx.send(ev.clone()).await.is_err() {
                break;
            }
            let _ = fseen_tx.send(ev);
        }
    });
    tokio::spawn(run_with(
        forum_client,
        vec![],
        FeedOptions::default(),
        peer.forum_cmd_rx,
        fsrc_tx,
    ));

    let (in_tx, input) = terminal_input();
    let press = |spec: &str| {
        for k in spec.split_whitespace() {
            let key = Key::parse(k).unwrap();
            in_tx
                .send(Event::Key(KeyEvent::new(key.code, key.mods)))
                .unwrap();
        }
    };
    let drafts = tempfile::tempdir().unwrap();
    let mut app = app_with_theme("dark");
    let mut term = Terminal::new(TestBackend::new(120, 30)).unwrap();
    let exec = Executor::new(drafts.path().to_path_buf());
    let standin = &forum;
    let mut control = NoTerminal;
    let driver = async {
        // History, then the categories: only then is there something to select and publish.
        let mut loaded = 0;
        while loaded < 3 {
            match tokio::time::timeout(PATIENCE, seen_rx.recv())
                .await
                .expect("history")
            {
                Some(ChatEvent::Backfill { events, .. }) => {
                    loaded += events
                        .iter()
                        .filter(|e| matches!(e, TimelineEvent::Message(_)))
                        .count();
                }
                Some(_) => {}
                None => panic!("the Matrix source stopped"),
            }
        }
        loop {
            match tokio::time::timeout(PATIENCE, fseen_rx.recv())
                .await
                .expect("categories")
            {
                Some(ForumEvent::Categories(_)) => break,
                Some(_) => {}
                None => panic!("the forum source stopped"),
            }
        }
        press(": l a s t : 3 enter p tab");
        for c in "chat logs".chars() {
            let name = if c == ' ' {
                "space".to_string()
            } else {
                c.to_string()
            };
            let key = Key::parse(&name).unwrap();
            in_tx
                .send(Event::Key(KeyEvent::new(key.code, key.mods)))
                .unwrap();
        }
        press("enter enter");
        let topic = until("the topic", async || standin.topics().into_iter().next()).await;
        assert_eq!(topic.category_id, 3);
        assert!(
            topic.posts[0].contains("re-saving the secret"),
            "{:?}",
            topic.posts
        );
        // The Published event comes back from the feed; then announce the link in the room.
        loop {
            match tokio::time::timeout(PATIENCE, fseen_rx.recv())
                .await
                .expect("published")
            {
                Some(ForumEvent::Published(_)) => break,
                Some(_) => {}
                None => panic!("the forum source stopped"),
            }
        }
        press("ctrl-a y");
        let path = format!(
            "/rooms/{}/messages?dir=b&limit=20",
            roomscribe_testkit::encode(&room_id)
        );
        until("the announcement in the room", async || {
            let v = alice.get(&path).await.ok()?;
            let found = v["chunk"].as_array()?.iter().any(|e| {
                e["content"]["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("Transcript posted to the forum"))
            });
            found.then_some(())
        })
        .await;
        // A live message shows up while the app runs.
        alice.say(&room_id, "thanks, all good now").await.unwrap();
        loop {
            match tokio::time::timeout(PATIENCE, seen_rx.recv())
                .await
                .expect("live")
            {
                Some(ChatEvent::Live(TimelineEvent::Message(m))) if m.body.contains("all good") => {
                    break;
                }
                Some(_) => {}
                None => panic!("the Matrix source stopped"),
            }
        }
        // Queued is not yet applied: the app takes it at its next turn, which may come after a
        // key already waiting; give it that turn before quitting.
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        press("q");
    };
    let (res, ()) = tokio::join!(
        app::run(
            &mut app,
            &mut term,
            &mut control,
            input,
            app_links,
            Arc::new(SystemClock),
            exec
        ),
        driver
    );
    res.unwrap();
    let screen = text(term.backend().buffer());
    assert!(screen.contains("thanks, all good now"), "{screen}");
    assert!(screen.contains("chat ● connected"), "{screen}");
    forum.stop().await;
}
