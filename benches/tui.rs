//! Frame render time with 100,000 messages loaded (goal < 2 ms), and the process's RSS
//! (goal ≤ 100 MB). `cargo bench -p roomscribe --bench tui`

use std::collections::BTreeMap;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use roomscribe::transcript::model::{ChatEvent, ChatMessage, MessageKind, TimelineEvent};
use roomscribe::tui::keymap::Keymap;
use roomscribe::tui::state::{Options, State};
use roomscribe::tui::theme::Theme;
use roomscribe::tui::{App, Msg};

const N: usize = 100_000;

fn app() -> App {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let opts = Options {
        room: "bench/room".into(),
        tz: chrono_tz::Europe::Berlin,
        gap: Duration::minutes(5),
        timestamps: false,
        forum_url: None,
        default_category: None,
        send_as_text: false,
        users: BTreeMap::new(),
        template: roomscribe::transcript::Template::builtin(),
    };
    let state = State::new(
        opts,
        Keymap::new(&BTreeMap::new()).unwrap(),
        Theme::built_in("dark"),
        start,
    );
    let mut app = App { state };
    app.handle(Msg::Resize {
        width: 160,
        height: 48,
    });
    let events = (0..N).map(|i| TimelineEvent::Message(message(i))).collect();
    app.handle(Msg::Chat(ChatEvent::Backfill {
        events,
        fetched: N,
        done: true,
        reached_start: true,
    }));
    app
}

fn rss_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.0);
    kb / 1024.0
}

fn message(i: usize) -> ChatMessage {
    let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    ChatMessage {
        event_id: format!("$e{i}"),
        room: "!r:x".into(),
        sender: format!("@user{}:gitter.im", i % 37),
        sender_name: format!("User {}", i % 37),
        ts: start + Duration::seconds(i as i64 * 20),
        kind: MessageKind::Text,
        body: format!(
            "message {i}: a typical line of chat that is long enough to wrap in a narrow pane"
        ),
        html: None,
        edited: false,
        redacted: false,
        reply_to: None,
        thread_id: None,
    }
}

fn press(app: &mut App, keys: &str) {
    for k in keys.split_whitespace() {
        let key = roomscribe::tui::keymap::Key::parse(k).unwrap();
        app.handle(Msg::Key(crossterm::event::KeyEvent::new(
            key.code, key.mods,
        )));
    }
}

fn bench(c: &mut Criterion) {
    let before = rss_mb();
    let mut app = app();
    eprintln!(
        "RSS: {before:.1} MB before loading, {:.1} MB with {N} messages loaded",
        rss_mb()
    );
    let mut term = Terminal::new(TestBackend::new(160, 48)).unwrap();
    c.bench_function("frame, 100k messages, newest", |b| {
        b.iter(|| {
            term.draw(|f| app.draw(f)).unwrap();
        })
    });
    // The cursor at the oldest message, a one-message selection there.
    press(&mut app, "g [ ]");
    c.bench_function("frame, 100k messages, oldest", |b| {
        b.iter(|| {
            term.draw(|f| app.draw(f)).unwrap();
        })
    });
    // A live message while 1,000 messages are selected (counts refresh on every message).
    press(&mut app, "G : l a s t : 1 0 0 0 enter");
    let mut i = N;
    c.bench_function("live message, 100k loaded, 1k selected", |b| {
        b.iter(|| {
            i += 1;
            let ev = TimelineEvent::Message(message(i));
            app.handle(Msg::Chat(ChatEvent::Live(ev)));
        })
    });
    eprintln!("RSS at the end: {:.1} MB", rss_mb());
}

criterion_group!(benches, bench);
criterion_main!(benches);
