//! 100,000 messages: build the timeline, select everything, render one post. Goal: < 20 ms for
//! select + render (what the TUI redoes on every change); building the timeline is reported too.

use std::hint::black_box;

use chrono::{Duration, TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use roomscribe_transcript::model::{ChatMessage, MessageKind, RoomInfo, TimelineEvent};
use roomscribe_transcript::{
    DEFAULT_GAP, Range, RenderOptions, Spec, Template, Timeline, render, select,
};

const N: usize = 100_000;

fn events() -> Vec<TimelineEvent> {
    let t0 = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .unwrap_or_default();
    let bodies = [
        "short one",
        "a longer message with a link https://example.com/a?b=c and @someone in it",
        "```rust\nfn main() { println!(\"[/quote]\"); }\n```",
        "שלום, this mixes RTL text and `inline code` and <b>html</b>",
        "multi\nline\nmessage with [brackets] and *emphasis*",
    ];
    (0..N)
        .map(|i| {
            TimelineEvent::Message(ChatMessage {
                event_id: format!("$event{i:08}"),
                room: "!room:gitter.im".into(),
                sender: format!("@user{}:gitter.im", i % 7),
                sender_name: format!("User {}", i % 7),
                ts: t0 + Duration::seconds((i as i64) * 20),
                kind: MessageKind::Text,
                body: bodies[i % bodies.len()].to_string(),
                html: None,
                edited: false,
                redacted: false,
                reply_to: None,
                thread_id: None,
            })
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let evs = events();
    let room = RoomInfo {
        room_id: "!room:gitter.im".into(),
        alias: Some("#gitterHQ_services:gitter.im".into()),
        name: None,
    };
    let spec = Spec {
        range: Range::Last(N),
        ..Spec::default()
    };
    let opts = RenderOptions {
        timestamps: true,
        ..RenderOptions::default()
    };
    let tpl = Template::builtin();
    let tl = Timeline::from_events(evs.clone());

    let mut g = c.benchmark_group("100k");
    g.sample_size(10);
    g.bench_function("select+render", |b| {
        b.iter(|| {
            let t = select(black_box(&tl), &spec, DEFAULT_GAP);
            black_box(render(&t, &room, &opts, &tpl).len())
        })
    });
    g.bench_function("select", |b| {
        b.iter(|| black_box(select(black_box(&tl), &spec, DEFAULT_GAP).stats.messages))
    });
    let t = select(&tl, &spec, DEFAULT_GAP);
    g.bench_function("render", |b| {
        b.iter(|| black_box(render(black_box(&t), &room, &opts, &tpl).len()))
    });
    let plain = RenderOptions::default();
    g.bench_function("render without stamps", |b| {
        b.iter(|| black_box(render(black_box(&t), &room, &plain, &tpl).len()))
    });
    g.bench_function("timeline+select+render", |b| {
        b.iter(|| {
            let tl = Timeline::from_events(black_box(evs.clone()));
            let t = select(&tl, &spec, DEFAULT_GAP);
            black_box(render(&t, &room, &opts, &tpl).len())
        })
    });
    g.bench_function("backfill 1000 pages of 100", |b| {
        b.iter(|| {
            let mut tl = Timeline::new();
            for page in evs.rchunks(100) {
                tl.prepend(page.to_vec());
            }
            black_box(tl.len())
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
