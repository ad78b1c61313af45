//! A selection means what it says: `last:N` counts the room, ignoring never moves the range,
//! live messages do not join a selection unless asked, a thread is exactly its messages, and
//! a published transcript is done.

mod tui_support;

use chrono::Duration;
use insta::assert_snapshot;
use roomscribe::discourse::types::{ForumEvent, PublishedTopic};
use roomscribe::transcript::model::{ChatEvent, MessageKind, TimelineEvent};
use roomscribe::tui::{Command, Msg};
use tui_support::*;

fn live(app: &mut roomscribe::tui::App, i: usize, sender: &str, body: &str) {
    let mut m = msg(i, sender, sender, 0, MessageKind::Text, body);
    m.ts = now() + Duration::seconds(i as i64);
    app.handle(Msg::Chat(ChatEvent::Live(TimelineEvent::Message(m))));
}

fn span(app: &roomscribe::tui::App) -> Option<std::ops::Range<usize>> {
    app.state.selection.span(&app.state.room.timeline)
}

fn with_live_room() -> roomscribe::tui::App {
    let mut app = loaded("dark", 120, 30);
    for i in 0..20 {
        live(
            &mut app,
            100 + i,
            if i % 3 == 0 { "bob" } else { "ann" },
            "chat",
        );
    }
    app
}

#[test]
fn last_12_stays_12_while_20_live_messages_arrive() {
    let mut app = with_live_room();
    keys(&mut app, ":");
    type_text(&mut app, "last:12");
    keys(&mut app, "enter");
    let before = span(&app);
    assert_eq!(app.state.selection.stats.messages, 12);
    for i in 0..20 {
        live(&mut app, 200 + i, "cid", "later");
    }
    assert_eq!(app.state.selection.stats.messages, 12);
    assert_eq!(span(&app), before);
    assert!(!screen(&app).contains("following live"));
}

#[test]
fn the_follow_key_extends_to_now_and_the_status_bar_says_so() {
    let mut app = with_live_room();
    keys(&mut app, ":");
    type_text(&mut app, "last:5");
    keys(&mut app, "enter L");
    live(&mut app, 300, "cid", "joins");
    assert_eq!(app.state.selection.stats.messages, 6);
    assert!(screen(&app).contains("following live"), "{}", screen(&app));
    // The same with the grammar's `to:now`.
    keys(&mut app, ":");
    type_text(&mut app, "last:2 to:now");
    keys(&mut app, "enter");
    live(&mut app, 301, "cid", "joins too");
    assert_eq!(app.state.selection.stats.messages, 3);
}

#[test]
fn ignoring_never_moves_the_range() {
    let mut app = with_live_room();
    keys(&mut app, ":");
    type_text(&mut app, "last:3");
    keys(&mut app, "enter");
    let plain = span(&app);
    keys(&mut app, ":");
    type_text(&mut app, "last:3 ignore:bob");
    keys(&mut app, "enter");
    assert_eq!(span(&app), plain, "last:3 ignore:bob is last:3 without bob");
    assert!(app.state.selection.stats.messages < 3);
    // The speakers panel still lists bob (unchecked); toggling him back keeps the range.
    let bob = app
        .state
        .selection
        .speakers
        .iter()
        .position(|s| s.sender == "@bob:gitter.im")
        .expect("bob is listed though ignored");
    assert!(screen(&app).contains("✗ bob"), "{}", screen(&app));
    app.state.focus = roomscribe::tui::state::Focus::Users;
    app.state.user_cursor = bob;
    keys(&mut app, "space");
    assert_eq!(span(&app), plain);
    assert_eq!(app.state.selection.stats.messages, 3);
    keys(&mut app, "space");
    assert_eq!(span(&app), plain);
}

#[test]
fn publishing_archives_clears_and_marks_the_range_and_s_starts_after_it() {
    let mut app = with_live_room();
    keys(&mut app, ":");
    type_text(&mut app, "last:8");
    keys(&mut app, "enter e");
    type_text(&mut app, "edited ");
    let published = span(&app).expect("a span");
    app.handle(Msg::Forum(ForumEvent::Published(PublishedTopic {
        topic_id: 9,
        post_id: Some(1),
        title: "A chat about things".into(),
        url: "https://forum.example.org/t/things/9".into(),
        adopted: false,
        already: false,
        notes: Vec::new(),
    })));
    let cmds = keys(&mut app, "esc esc");
    assert!(
        cmds.iter().all(|c| !matches!(c, Command::SaveDraft(_))),
        "{cmds:?}"
    );
    assert!(app.state.selection.is_empty());
    assert!(!app.state.editor.touched);
    assert!(app.state.editor.text().is_empty());
    assert!(app.state.room.is_published(published.start));
    assert!(app.state.room.is_published(published.end - 1));
    assert_snapshot!("published_range_marked", screen(&app));
    // New chat after a pause: the guess starts after what was published.
    for i in 0..3 {
        live(&mut app, 400 + i, "dan", "a new question");
    }
    keys(&mut app, "S");
    let next = span(&app).expect("a guess");
    assert!(next.start >= published.end, "{next:?} after {published:?}");
}

#[test]
fn publishing_sends_the_archive_command_with_the_topic_url() {
    let mut app = with_live_room();
    keys(&mut app, ":");
    type_text(&mut app, "last:4");
    keys(&mut app, "enter e");
    let cmds = app.handle(Msg::Forum(ForumEvent::Published(PublishedTopic {
        topic_id: 9,
        post_id: Some(1),
        title: "A chat about things".into(),
        url: "https://forum.example.org/t/things/9".into(),
        adopted: false,
        already: false,
        notes: Vec::new(),
    })));
    let archived = cmds.iter().find_map(|c| match c {
        Command::ArchivePublished { draft, url } => Some((draft.text.clone(), url.clone())),
        _ => None,
    });
    let (text, url) = archived.expect("archived");
    assert_eq!(url, "https://forum.example.org/t/things/9");
    assert!(text.contains("chat"), "{text}");
}

#[test]
fn the_thread_key_selects_exactly_the_thread_root_first() {
    let mut app = loaded("dark", 120, 30);
    let mut events = Vec::new();
    for (i, thread) in [
        (500, None),
        (501, Some("$ev500")),
        (502, None),
        (503, Some("$ev500")),
    ] {
        let mut m = msg(i, "ann", "Ann", 0, MessageKind::Text, &format!("m{i}"));
        m.ts = now() + Duration::seconds(i as i64);
        m.thread_id = thread.map(str::to_string);
        events.push(m);
    }
    for m in events {
        app.handle(Msg::Chat(ChatEvent::Live(TimelineEvent::Message(m))));
    }
    // The cursor is on the newest message, which is in the thread.
    keys(&mut app, "t");
    assert_eq!(app.state.selection.stats.messages, 3);
    keys(&mut app, "e");
    let post = app.state.editor.text();
    assert!(post.starts_with("*A thread"), "{post}");
    assert!(
        post.contains("%24ev500") || post.contains("$ev500"),
        "{post}"
    );
    let (a, b, c) = (post.find("m500"), post.find("m501"), post.find("m503"));
    assert!(a < b && b < c && a.is_some(), "{post}");
    assert!(!post.contains("m502"), "{post}");
}

#[test]
fn row_counts_match_the_lines_drawn() {
    let app = with_live_room();
    let st = &app.state;
    for w in [20u16, 60, 118] {
        for i in 0..st.room.timeline.len() {
            let drawn = roomscribe::tui::widgets::timeline::message_lines(st, i, w).len();
            let counted = st
                .room
                .rows
                .message_rows(&st.room.timeline, i, w, st.opts.tz);
            assert_eq!(drawn, counted, "message {i} at width {w}");
        }
    }
}

#[test]
fn a_2500_key_command_line_still_leaves_on_esc() {
    let mut app = loaded("dark", 100, 24);
    keys(&mut app, ":");
    type_text(&mut app, &"a".repeat(2500));
    let _ = screen(&app);
    keys(&mut app, "esc");
    assert!(app.state.command.is_none());
}
