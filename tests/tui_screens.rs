//! Every screen and dialog, driven headless by keys and source events, snapshotted as text.

mod tui_support;

use insta::assert_snapshot;
use roomscribe::discourse::types::{ForumCommand, ForumEvent, PublishedTopic};
use roomscribe::transcript::model::{ChatCommand, ChatEvent, ConnState};
use roomscribe::tui::{Command, Msg};
use tui_support::*;

#[test]
fn room_wide() {
    let mut app = loaded("dark", 140, 30);
    keys(&mut app, "k k k k k k [ j j j j ]");
    assert_snapshot!(screen(&app));
}

#[test]
fn room_tiny_80x24_sidebar_collapses() {
    let mut app = loaded("dark", 80, 24);
    keys(&mut app, "S");
    assert_snapshot!("tiny_room", screen(&app));
    keys(&mut app, "tab tab");
    assert_snapshot!("tiny_sidebar", screen(&app));
}

#[test]
fn reconnecting_and_offline_in_status_bar() {
    let mut app = loaded("dark", 120, 24);
    app.handle(Msg::Chat(ChatEvent::Connection(ConnState::Reconnecting {
        in_secs: 8,
        attempt: 3,
    })));
    app.handle(Msg::Forum(ForumEvent::Connection(ConnState::Offline {
        reason: "401 Unauthorized".into(),
    })));
    let s = screen(&app);
    assert!(s.contains("reconnecting in 8s"), "{s}");
    assert_snapshot!(s);
}

#[test]
fn command_line_selects_and_errors_in_one_line() {
    let mut app = loaded("dark", 120, 24);
    keys(&mut app, ":");
    type_text(&mut app, "last:4 ignore:Spammer");
    assert_snapshot!("command_typing", screen(&app));
    keys(&mut app, "enter");
    assert_eq!(app.state.selection.stats.messages, 4);
    assert_snapshot!("command_applied", screen(&app));
    keys(&mut app, ":");
    type_text(&mut app, "last:x");
    keys(&mut app, "enter");
    let s = screen(&app);
    assert!(s.lines().any(|l| l.contains("`last:x`")), "{s}");
}

#[test]
fn ignoring_a_user_dims_them_and_drops_them_from_the_post() {
    let mut app = loaded("dark", 120, 24);
    keys(&mut app, "g [ G ]");
    assert!(app.state.editor.text().contains("BUY CHEAP"));
    keys(&mut app, "tab");
    let spam = app
        .state
        .selection
        .speakers
        .iter()
        .position(|s| s.name == "Spammer")
        .unwrap();
    for _ in 0..spam {
        keys(&mut app, "j");
    }
    keys(&mut app, "space");
    assert!(!app.state.editor.text().contains("BUY CHEAP"));
    assert_snapshot!(screen(&app));
}

#[test]
fn editor_preview_and_search() {
    let mut app = loaded("dark", 100, 24);
    keys(&mut app, "g [ G ] e");
    assert!(!app.state.editor.touched);
    assert_snapshot!("editor_live", screen(&app));
    type_text(&mut app, "Summary: ");
    assert!(app.state.editor.touched);
    keys(&mut app, "ctrl-f");
    type_text(&mut app, "secret");
    assert_snapshot!("editor_search", screen(&app));
    keys(&mut app, "enter ctrl-p");
    assert_snapshot!("editor_preview", screen(&app));
    // A rebuild over edits asks first.
    keys(&mut app, "ctrl-p alt-r");
    assert_snapshot!("editor_rebuild_asks", screen(&app));
    keys(&mut app, "n");
    assert!(app.state.editor.text().starts_with("Summary: "));
}

#[test]
fn publish_dialog_failure_keeps_everything_then_success() {
    let mut app = loaded("dark", 100, 30);
    keys(&mut app, "g [ G ] p");
    assert_snapshot!("publish_form", screen(&app));
    keys(&mut app, "tab");
    type_text(&mut app, "web");
    let cmds = keys(&mut app, "enter");
    let Some(Command::Forum(ForumCommand::Publish(topic))) = cmds.first() else {
        panic!("{cmds:?}")
    };
    assert_eq!(topic.category_id, Some(2));
    app.handle(Msg::Forum(ForumEvent::PublishFailed {
        errors: vec!["Title has already been used".into()],
    }));
    assert_snapshot!("publish_failed", screen(&app));
    app.handle(Msg::Forum(ForumEvent::Published(PublishedTopic {
        topic_id: 77,
        post_id: Some(1),
        title: topic.title.clone(),
        url: "https://forum.example.org/t/webhook/77".into(),
        adopted: false,
    })));
    assert_snapshot!("publish_done", screen(&app));
    assert_eq!(
        keys(&mut app, "ctrl-y"),
        vec![Command::Copy(
            "https://forum.example.org/t/webhook/77".into()
        )]
    );
    keys(&mut app, "ctrl-a");
    assert_snapshot!("announce_asks", screen(&app));
    let cmds = keys(&mut app, "y");
    assert!(
        matches!(&cmds[..], [Command::Chat(ChatCommand::Send { body, notice: false, .. })] if body.contains("/t/webhook/77"))
    );
}

#[test]
fn forward_shows_the_notice_first_and_marks_the_item() {
    let mut app = loaded("dark", 140, 30);
    keys(&mut app, "tab tab f");
    assert_snapshot!("forward_preview", screen(&app));
    let cmds = keys(&mut app, "y");
    assert!(
        matches!(&cmds[..], [Command::Chat(ChatCommand::Send { notice: true, txn_id, .. })] if txn_id == "roomscribe-fwd-post_1")
    );
    assert!(screen(&app).contains("✓ fwd"));
}

#[test]
fn help_overlay_comes_from_the_keymap() {
    let mut app = loaded("dark", 100, 30);
    keys(&mut app, "?");
    assert_snapshot!(screen(&app));
}

#[test]
fn chat_error_and_escape_sequences_never_reach_the_terminal() {
    let mut app = loaded("dark", 120, 24);
    app.handle(Msg::Chat(ChatEvent::Error(
        "room not found: #nope:gitter.im".into(),
    )));
    let buf = render(&app);
    let s = text(&buf);
    assert!(s.contains("room not found"));
    assert!(!s.chars().any(|c| c.is_control() && c != '\n'), "{s:?}");
    assert_snapshot!(s);
}

#[test]
fn every_theme() {
    for theme in ["dark", "light", "high-contrast"] {
        let mut app = loaded(theme, 100, 24);
        keys(&mut app, "k k [ j ]");
        assert_snapshot!(format!("theme_{theme}"), svg::styles(&render(&app)));
    }
}
