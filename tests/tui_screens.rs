//! Every screen and dialog, driven headless by keys and source events, snapshotted as text.

mod tui_support;

use insta::assert_snapshot;
use roomscribe::discourse::types::{ForumCommand, ForumEvent, PublishedTopic};
use roomscribe::transcript::model::{ChatCommand, ChatEvent, ConnState};
use roomscribe::tui::transcript::markdown;
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
        why: "the homeserver answered 502 Bad Gateway".into(),
    })));
    app.handle(Msg::Forum(ForumEvent::Connection(ConnState::Offline {
        reason: "401 Unauthorized".into(),
    })));
    let s = screen(&app);
    assert!(
        s.contains("reconnecting in 8s (#3): the homeserver answered 502"),
        "{s}"
    );
    assert_snapshot!(s);
}

#[test]
fn command_line_selects_and_errors_in_one_line() {
    let mut app = loaded("dark", 120, 24);
    keys(&mut app, ":");
    type_text(&mut app, "last:4 ignore:Spammer");
    assert_snapshot!("command_typing", screen(&app));
    keys(&mut app, "enter");
    // The room's last 4 visible messages (the redacted one does not count), then the
    // spammer's dropped: 3 kept.
    assert_eq!(app.state.selection.stats.messages, 3);
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
    assert!(markdown(&app.state).contains("BUY CHEAP"));
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
    assert!(!markdown(&app.state).contains("BUY CHEAP"));
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
    assert!(
        keys(&mut app, "enter").is_empty(),
        "Enter on the form only asks to confirm"
    );
    assert_snapshot!("publish_confirm", screen(&app));
    let cmds = keys(&mut app, "enter");
    let Some(Command::Forum(ForumCommand::Publish(topic))) = cmds.first() else {
        panic!("{cmds:?}")
    };
    assert_eq!(topic.category_id, Some(2));
    assert!(
        topic
            .external_id
            .as_deref()
            .is_some_and(|id| id.starts_with("roomscribe-")),
        "the selection's id goes with the topic: {topic:?}"
    );
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
        already: false,
        notes: Vec::new(),
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
fn publish_dialog_says_already_published_and_lists_files_left_as_links() {
    let mut app = loaded("dark", 100, 30);
    app.handle(Msg::Forum(ForumEvent::Published(PublishedTopic {
        topic_id: 77,
        post_id: None,
        title: "Webhook secrets".into(),
        url: "https://forum.example.org/t/webhook/77".into(),
        adopted: false,
        already: true,
        notes: vec!["huge.log: not copied to the forum (too big)".into()],
    })));
    let shown = screen(&app);
    assert!(
        shown.contains("Already published (not posted again):"),
        "{shown}"
    );
    assert!(
        shown.contains("huge.log: not copied to the forum (too big)"),
        "{shown}"
    );
}

#[test]
fn forward_shows_the_notice_first_and_marks_the_item() {
    let mut app = loaded("dark", 140, 30);
    keys(&mut app, "tab tab f");
    assert_snapshot!("forward_preview", screen(&app));
    let cmds = keys(&mut app, "y");
    assert!(
        matches!(&cmds[..], [Command::Chat(ChatCommand::Send { notice: true, txn_id, .. })] if *txn_id == roomscribe::discourse::forward::txn_id("gitterHQ/services", "post:1"))
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

#[test]
fn mouse_clicks_toggle_users_and_mark_messages() {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
    let mouse = |kind, column, row| {
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        })
    };
    let mut app = loaded("dark", 140, 30);
    // Right click on Alice's first message (row 5), then on "That fixed it" (row 14).
    app.handle(mouse(MouseEventKind::Down(MouseButton::Right), 30, 5));
    app.handle(mouse(MouseEventKind::Down(MouseButton::Right), 30, 14));
    let ids = (
        app.state.selection.first.clone(),
        app.state.selection.last.clone(),
    );
    assert_eq!(ids, (Some("$ev2".into()), Some("$ev10".into())));
    assert_eq!(app.state.selection.stats.messages, 9);
    // The users panel: row 2 inside the pane is the first speaker; a click toggles ignoring.
    let first = app.state.selection.speakers[0].clone();
    app.handle(mouse(MouseEventKind::Down(MouseButton::Left), 110, 2));
    assert!(app.state.selection.is_ignored(&first.sender, &first.name));
    assert!(app.state.selection.stats.messages < 9);
    app.handle(mouse(MouseEventKind::Down(MouseButton::Left), 110, 2));
    assert!(!app.state.selection.is_ignored(&first.sender, &first.name));
    assert_snapshot!(screen(&app));
}

#[test]
fn scrolling_past_the_top_asks_for_history_and_shows_progress() {
    use roomscribe::transcript::model::BackfillRequest;
    let mut app = app_with_theme("dark");
    app.handle(Msg::Resize {
        width: 100,
        height: 24,
    });
    app.handle(Msg::Chat(room_info()));
    app.handle(Msg::Chat(ChatEvent::Backfill {
        events: sample_events(),
        fetched: 11,
        done: true,
        reached_start: false,
    }));
    let cmds = keys(&mut app, "g");
    assert_eq!(
        cmds,
        vec![Command::Chat(ChatCommand::Backfill(BackfillRequest::Last(
            100
        )))]
    );
    assert!(keys(&mut app, "k").is_empty(), "one request at a time");
    app.handle(Msg::Chat(ChatEvent::Backfill {
        events: vec![],
        fetched: 40,
        done: false,
        reached_start: false,
    }));
    assert_snapshot!(screen(&app));
}

#[test]
fn live_messages_edits_and_redactions_apply_in_place() {
    use roomscribe::transcript::model::{Edit, MessageKind, Redaction, TimelineEvent};
    let mut app = loaded("dark", 100, 24);
    keys(&mut app, ":");
    type_text(&mut app, "from:15:40-15:50");
    keys(&mut app, "enter");
    assert_eq!(app.state.selection.stats.messages, 5);
    let live = msg(
        20,
        "carol",
        "Carol",
        1,
        MessageKind::Text,
        "Is the webhook fixed for everyone?",
    );
    app.handle(Msg::Chat(ChatEvent::Live(TimelineEvent::Message(live))));
    app.handle(Msg::Chat(ChatEvent::Live(TimelineEvent::Edit(Edit {
        event_id: "$e2".into(),
        target: "$ev4".into(),
        sender: "@alice:gitter.im".into(),
        ts: now(),
        body: "3.2.1, self-hosted on Debian".into(),
        html: None,
    }))));
    app.handle(Msg::Chat(ChatEvent::Live(TimelineEvent::Redaction(
        Redaction {
            event_id: "$r2".into(),
            target: "$ev6".into(),
            ts: now(),
        },
    ))));
    let s = screen(&app);
    assert!(s.contains("Is the webhook fixed"), "{s}");
    assert!(s.contains("self-hosted on Debian (edited)"), "{s}");
    assert!(markdown(&app.state).contains("self-hosted on Debian"));
    assert!(!markdown(&app.state).contains("signing secret"));
    assert_snapshot!(s);
}

#[test]
fn messages_expire_and_reconnect_counts_down_on_the_clock() {
    let mut app = loaded("dark", 120, 24);
    app.handle(Msg::Chat(ChatEvent::Connection(ConnState::Reconnecting {
        in_secs: 10,
        attempt: 2,
        why: String::new(),
    })));
    app.handle(Msg::Notice("copied".into()));
    app.handle(Msg::Tick(now() + chrono::Duration::seconds(4)));
    assert!(app.state.tick_redraw);
    let s = screen(&app);
    assert!(s.contains("reconnecting in 6s"), "{s}");
    assert!(s.contains("copied"));
    app.handle(Msg::Tick(now() + chrono::Duration::seconds(9)));
    let s = screen(&app);
    assert!(!s.contains("copied"), "{s}");
    assert!(s.contains("reconnecting in 1s"), "{s}");
}

#[test]
fn key_overrides_from_the_config_work_and_show_in_help() {
    let mut config = roomscribe::config::Config::default();
    config.keys.insert("normal.ctrl-n".into(), "down".into());
    config.keys.insert("normal.?".into(), "none".into());
    config.keys.insert("normal.h".into(), "help".into());
    let mut app = roomscribe::tui::App::new(&config, options(), now()).unwrap();
    app.handle(Msg::Resize {
        width: 100,
        height: 40,
    });
    app.handle(Msg::Chat(backfill()));
    keys(&mut app, "g ctrl-n");
    assert_eq!(app.state.room.cursor, 1);
    keys(&mut app, "?");
    assert!(!app.state.help);
    keys(&mut app, "h");
    let s = screen(&app);
    assert!(s.contains("ctrl-n") && s.contains("move down"), "{s}");
    config.keys.insert("normal.j".into(), "fly".into());
    let err = roomscribe::tui::App::new(&config, options(), now())
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("unknown action fly"), "{err}");
}

#[test]
fn a_terminal_too_small_for_the_panes_says_so() {
    for (w, h) in [(30, 8), (80, 5), (1, 1)] {
        let app = loaded("dark", w, h);
        let s = screen(&app);
        assert!(s.contains("roomscribe needs") || w < 20, "{s}");
    }
}

#[test]
fn a_room_from_the_cache_says_cached_offline_wide_and_narrow() {
    for (width, full) in [(120, true), (80, false)] {
        let mut app = loaded("dark", width, 24);
        app.handle(Msg::Chat(ChatEvent::Connection(ConnState::CachedOffline {
            in_secs: 8,
            attempt: 3,
            why: "connection refused".into(),
        })));
        app.handle(Msg::Tick(now() + chrono::Duration::seconds(3)));
        assert!(app.state.tick_redraw, "the countdown ticks");
        let s = screen(&app);
        assert!(s.contains("cached, offline"), "{s}");
        assert_eq!(
            s.contains("retry in 5s (#3): connection refused"),
            full,
            "{s}"
        );
        assert!(
            s.contains("3.2.1, self-hosted"),
            "the cached messages stay: {s}"
        );
    }
}
