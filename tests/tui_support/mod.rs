//! Shared by the tui_* tests: a headless app with sample room and forum data, key helpers,
//! and buffer dumps (text, styles, SVG).
#![allow(dead_code)]

pub mod pty;
pub mod svg;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use roomscribe::discourse::types::{Category, ForumEvent, ForumItem, ItemKind};
use roomscribe::transcript::model::{
    ChatEvent, ChatMessage, ConnState, Edit, MessageKind, Redaction, RoomInfo, TimelineEvent,
};
use roomscribe::tui::keymap::{Key, Keymap};
use roomscribe::tui::state::{Options, State};
use roomscribe::tui::theme::Theme;
use roomscribe::tui::{App, Command, Msg};

pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 15, 30, 0).unwrap()
}

pub fn options() -> Options {
    Options {
        room: "gitterHQ/services".into(),
        tz: chrono_tz::Europe::Berlin,
        gap: Duration::minutes(5),
        timestamps: false,
        forum_url: Some("https://forum.example.org".into()),
        default_category: None,
        send_as_text: false,
        users: BTreeMap::new(),
        template: roomscribe::transcript::Template::builtin(),
    }
}

pub fn app_with_theme(theme: &str) -> App {
    let state = State::new(
        options(),
        Keymap::new(&BTreeMap::new()).unwrap(),
        Theme::built_in(theme),
        now(),
    );
    App { state }
}

pub fn msg(
    i: usize,
    sender: &str,
    name: &str,
    mins_before_now: i64,
    kind: MessageKind,
    body: &str,
) -> ChatMessage {
    ChatMessage {
        event_id: format!("$ev{i}"),
        room: "!room:gitter.im".into(),
        sender: format!("@{sender}:gitter.im"),
        sender_name: name.into(),
        ts: now() - Duration::minutes(mins_before_now),
        kind,
        body: body.into(),
        html: None,
        edited: false,
        redacted: false,
        reply_to: None,
        thread_id: None,
    }
}

/// A small support conversation over two days, with every kind of message.
pub fn sample_events() -> Vec<TimelineEvent> {
    use MessageKind::*;
    let mut v = vec![
        msg(
            1,
            "ops",
            "Ops bot",
            24 * 60 + 10,
            Notice,
            "Nightly deploy finished",
        ),
        msg(
            2,
            "alice",
            "Alice",
            50,
            Text,
            "Hi all, the webhook for our repo stopped firing after the upgrade",
        ),
        msg(3, "bob", "Bob", 48, Text, "Which version are you on?"),
        msg(4, "alice", "Alice", 47, Text, "3.2.1, self-hosted"),
        msg(5, "sara", "Sara", 45, Emote, "looks into it"),
        msg(
            6,
            "bob",
            "Bob",
            40,
            Text,
            "There was a change to the signing secret in 3.2",
        ),
        msg(
            7,
            "alice",
            "Alice",
            38,
            Image {
                url: "mxc://gitter.im/abc".into(),
                name: Some("settings.png".into()),
            },
            "settings.png",
        ),
        msg(
            8,
            "spam",
            "Spammer",
            36,
            Text,
            "BUY CHEAP \u{1b}]0;pwned\u{7}TOKENS now\u{1b}[2J",
        ),
        msg(
            9,
            "sara",
            "Sara",
            30,
            Text,
            "You need to re-save the secret in the repo settings, then it signs again",
        ),
        msg(10, "alice", "Alice", 28, Text, "That fixed it, thanks!"),
        msg(11, "bob", "Bob", 26, Text, "oops wrong room"),
    ];
    if let Some(m) = v.get_mut(9) {
        m.reply_to = Some("$ev9".into());
    }
    let mut events: Vec<TimelineEvent> = v.into_iter().map(TimelineEvent::Message).collect();
    events.push(TimelineEvent::Edit(Edit {
        event_id: "$edit1".into(),
        target: "$ev3".into(),
        sender: "@bob:gitter.im".into(),
        ts: now() - Duration::minutes(47),
        body: "Which version are you on? And is it self-hosted?".into(),
        html: None,
    }));
    events.push(TimelineEvent::Redaction(Redaction {
        event_id: "$red1".into(),
        target: "$ev11".into(),
        ts: now() - Duration::minutes(25),
    }));
    events
}

pub fn room_info() -> ChatEvent {
    ChatEvent::Room(RoomInfo {
        room_id: "!room:gitter.im".into(),
        alias: Some("#gitterHQ_services:gitter.im".into()),
        name: Some("services".into()),
    })
}

pub fn backfill() -> ChatEvent {
    ChatEvent::Backfill {
        events: sample_events(),
        fetched: 11,
        done: true,
        reached_start: true,
    }
}

pub fn categories() -> Vec<Category> {
    let cat = |id, name: &str, slug: &str, parent, can| Category {
        id,
        name: name.into(),
        slug: slug.into(),
        parent_id: parent,
        color: "0088CC".into(),
        read_restricted: false,
        can_create_topic: can,
    };
    vec![
        cat(1, "Support", "support", None, true),
        cat(2, "Webhooks", "webhooks", Some(1), true),
        cat(3, "Announcements", "announcements", None, false),
        cat(4, "Chat transcripts", "transcripts", None, true),
    ]
}

pub fn item(n: u64, kind: ItemKind, title: &str, user: &str, routes: &[&str]) -> ForumItem {
    ForumItem {
        key: format!("post:{n}"),
        kind,
        topic_id: 100 + n,
        post_id: Some(1000 + n),
        post_number: Some(1),
        title: title.into(),
        category_id: Some(2),
        tags: vec![],
        username: user.into(),
        excerpt: "The webhook stops after upgrading to 3.2".into(),
        url: format!("https://forum.example.org/t/topic/{}", 100 + n),
        created_at: now() - Duration::minutes(n as i64),
        routes: routes.iter().map(|s| s.to_string()).collect(),
    }
}

pub fn forum_events() -> Vec<ForumEvent> {
    vec![
        ForumEvent::Connection(ConnState::Connected),
        ForumEvent::Categories(categories()),
        ForumEvent::Item(item(
            3,
            ItemKind::NewTopic,
            "Webhook not firing after 3.2",
            "alice",
            &["gitterHQ/services"],
        )),
        ForumEvent::Item(item(2, ItemKind::Reply, "Release notes 3.2", "bob", &[])),
        ForumEvent::Item(item(
            1,
            ItemKind::Notification,
            "Flagged post in Support",
            "system",
            &["gitterHQ/services"],
        )),
    ]
}

/// An app with the sample room, forum and connections loaded, at this size.
pub fn loaded(theme: &str, w: u16, h: u16) -> App {
    let mut app = app_with_theme(theme);
    app.handle(Msg::Resize {
        width: w,
        height: h,
    });
    app.start();
    app.handle(Msg::Chat(room_info()));
    app.handle(Msg::Chat(backfill()));
    app.handle(Msg::Chat(ChatEvent::Connection(ConnState::Connected)));
    for ev in forum_events() {
        app.handle(Msg::Forum(ev));
    }
    app
}

/// Presses keys written as in the config: `"[ j j ] e"`; a word in quotes types text.
pub fn keys(app: &mut App, spec: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for k in spec.split_whitespace() {
        let key = Key::parse(k).unwrap_or_else(|| panic!("bad key {k}"));
        out.extend(app.handle(Msg::Key(KeyEvent::new(key.code, key.mods))));
    }
    out
}

pub fn type_text(app: &mut App, text: &str) -> Vec<Command> {
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(app.handle(Msg::Key(KeyEvent::new(
            KeyCode::Char(c),
            KeyModifiers::NONE,
        ))));
    }
    out
}

pub fn render(app: &App) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(app.state.width, app.state.height)).unwrap();
    term.draw(|f| app.draw(f)).unwrap();
    term.backend().buffer().clone()
}

/// The screen as text, one line per row, trailing spaces kept off.
pub fn text(buf: &Buffer) -> String {
    let mut out = String::new();
    for y in 0..buf.area.height {
        let mut line = String::new();
        let mut skip = 0;
        for x in 0..buf.area.width {
            if skip > 0 {
                skip -= 1;
                continue;
            }
            let sym = buf[(x, y)].symbol();
            skip = unicode_width::UnicodeWidthStr::width(sym).saturating_sub(1);
            line.push_str(sym);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

pub fn screen(app: &App) -> String {
    text(&render(app))
}

/// Terminal input for the real loop, fed by the test: the sender, and the stream factory that
/// `app::run` takes (it makes a fresh stream after `$EDITOR` returns).
pub fn terminal_input() -> (
    tokio::sync::mpsc::UnboundedSender<crossterm::event::Event>,
    impl FnMut() -> futures_util::stream::BoxStream<'static, std::io::Result<crossterm::event::Event>>,
) {
    use futures_util::StreamExt;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let rx = std::sync::Arc::new(tokio::sync::Mutex::new(rx));
    let input = move || {
        futures_util::stream::unfold(rx.clone(), |rx| async move {
            let ev = rx.lock().await.recv().await?;
            Some((Ok(ev), rx))
        })
        .boxed()
    };
    (tx, input)
}
