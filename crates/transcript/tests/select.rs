//! Picking a range, ignoring users and merging runs into turns.

mod common;

use chrono::Duration;
use common::{ev, redact, t0};
use roomscribe_transcript::select::{self, Filter, guess, resolve};
use roomscribe_transcript::{DEFAULT_GAP, Range, Spec, Timeline, by_hand};

fn names(t: &roomscribe_transcript::Transcript<'_>) -> Vec<String> {
    t.turns()
        .map(|turn| {
            let bodies: Vec<&str> = turn.messages.iter().map(|l| l.msg.body.as_str()).collect();
            format!("{}:{}", turn.first().unwrap().sender_name, bodies.join("+"))
        })
        .collect()
}

#[test]
fn guess_starts_at_the_last_quiet_gap_but_not_in_the_last_five() {
    // 0..6 chatter, 10 minutes of silence, 6 more; then a gap inside the last five.
    let mut evs: Vec<_> = (0..6)
        .map(|i| ev(&format!("$a{i}"), "ann", i * 30, "x"))
        .collect();
    evs.extend((0..6).map(|i| ev(&format!("$b{i}"), "bob", 900 + i * 30, "x")));
    evs.push(ev("$late", "ann", 5000, "x"));
    let t = Timeline::from_events(evs);
    assert_eq!(guess(&t), 6..13);
}

#[test]
fn guess_without_a_gap_takes_the_last_ten() {
    let t = Timeline::from_events((0..30).map(|i| ev(&format!("${i}"), "ann", i * 60, "x")));
    assert_eq!(guess(&t), 20..30);
    let small = Timeline::from_events((0..4).map(|i| ev(&format!("${i}"), "ann", i * 600, "x")));
    assert_eq!(guess(&small), 0..4);
    assert_eq!(guess(&Timeline::new()), 0..0);
}

#[test]
fn last_n_counts_the_rooms_visible_messages_before_anyone_is_ignored() {
    let t = Timeline::from_events([
        ev("$1", "ann", 0, "a1"),
        ev("$2", "bot", 10, "b"),
        ev("$3", "ann", 20, "a2"),
        ev("$4", "bot", 30, "b"),
        ev("$5", "ann", 40, "a3"),
        redact("$r", "$5", 50),
    ]);
    // $5 is redacted: the last 2 visible are $3 and $4, whoever is ignored.
    let filter = Filter::new(&["BOT".to_string()]);
    assert_eq!(resolve(&t, &Range::Last(2), &filter), 2..5);
    assert_eq!(resolve(&t, &Range::Last(2), &Filter::default()), 2..5);
    assert_eq!(resolve(&t, &Range::Last(50), &filter), 0..5);
    let spec = |ignore: &[&str]| Spec {
        range: Range::Last(2),
        ignore: ignore.iter().map(|s| s.to_string()).collect(),
        ..Spec::default()
    };
    let bodies = |sp: &Spec| -> Vec<String> {
        select::select(&t, sp, Duration::zero())
            .messages()
            .map(|m| m.body.clone())
            .collect()
    };
    assert_eq!(bodies(&spec(&[])), ["a2", "b"]);
    assert_eq!(bodies(&spec(&["bot"])), ["a2"]);
}

#[test]
fn a_thread_holds_its_messages_in_order_and_nothing_else() {
    let mut evs = vec![
        ev("$root", "ann", 0, "question"),
        ev("$x1", "bob", 10, "chatter"),
        ev("$t1", "cid", 20, "answer"),
        ev("$x2", "bob", 30, "more chatter"),
        ev("$t2", "ann", 40, "thanks"),
        ev("$r1", "dan", 50, "reply to chatter"),
    ];
    for (e, thread, reply) in [
        (2, Some("$root"), None),
        (4, Some("$root"), None),
        (5, None, Some("$x1")),
    ] {
        if let roomscribe_transcript::model::TimelineEvent::Message(m) = &mut evs[e] {
            m.thread_id = thread.map(str::to_string);
            m.reply_to = reply.map(str::to_string);
        }
    }
    let t = Timeline::from_events(evs);
    let pick = |id: &str| -> Vec<String> {
        let sp = Spec {
            range: Range::Thread(id.into()),
            ..Spec::default()
        };
        select::select(&t, &sp, Duration::zero())
            .messages()
            .map(|m| m.event_id.clone())
            .collect()
    };
    assert_eq!(pick("$t2"), ["$root", "$t1", "$t2"]);
    assert_eq!(pick("$root"), ["$root", "$t1", "$t2"]);
    // A reply chain without m.thread: the message replied to and its replies.
    assert_eq!(pick("$r1"), ["$x1", "$r1"]);
}

#[test]
fn between_is_inclusive_and_open_ended() {
    let t = Timeline::from_events((0..10).map(|i| ev(&format!("${i}"), "ann", i * 60, "x")));
    let at = |s| t0() + Duration::seconds(s);
    let f = Filter::default();
    let r = |from, to| Range::Between { from, to };
    assert_eq!(resolve(&t, &r(at(120), Some(at(300))), &f), 2..6);
    assert_eq!(resolve(&t, &r(at(121), None), &f), 3..10);
    assert_eq!(resolve(&t, &r(at(9000), None), &f), 10..10);
}

#[test]
fn ignore_and_merge_runs_within_the_gap() {
    let t = Timeline::from_events([
        ev("$1", "ann", 0, "hi"),
        ev("$2", "ann", 60, "there"),
        ev("$3", "bot", 70, "build ok"),
        ev("$4", "ann", 80, "again"),
        ev("$5", "ann", 1000, "later"),
        ev("$6", "bob", 1010, "yo"),
        ev("$7", "bob", 1020, "gone"),
        redact("$r", "$7", 1030),
    ]);
    let spec = Spec {
        ignore: vec!["@Bot:gitter.im".into()],
        range: Range::Last(100),
        ..Spec::default()
    };
    let tr = select::select(&t, &spec, DEFAULT_GAP);
    // The bot's message no longer splits ann's run; 920 s is past the 5 minute window.
    assert_eq!(names(&tr), ["Ann:hi+there+again", "Ann:later", "Bob:yo"]);
    assert_eq!(tr.stats.messages, 5);
    assert_eq!(tr.stats.speakers.len(), 2);
    assert_eq!(
        (
            tr.stats.speakers[0].name.as_str(),
            tr.stats.speakers[0].count
        ),
        ("Ann", 4)
    );
    assert_eq!(tr.stats.span(), Some(Duration::seconds(1010)));
    // gap:0 never merges; ignoring by display name or localpart works too.
    let spec = Spec {
        gap: Some(Duration::zero()),
        ignore: vec!["Bot".into(), "@bob".into()],
        range: Range::Last(100),
        ..Spec::default()
    };
    let tr = select::select(&t, &spec, DEFAULT_GAP);
    assert_eq!(
        names(&tr),
        ["Ann:hi", "Ann:there", "Ann:again", "Ann:later"]
    );
}

#[test]
fn by_hand_in_either_direction_and_replies_resolved() {
    let mut reply = common::msg("$3", "bob", 30, "answer");
    reply.reply_to = Some("$1".into());
    let t = Timeline::from_events([
        ev("$1", "ann", 0, "question"),
        ev("$2", "ann", 10, "more"),
        roomscribe_transcript::model::TimelineEvent::Message(reply),
    ]);
    let tr = by_hand(&t, 2, 1, &Filter::default(), DEFAULT_GAP);
    assert_eq!(names(&tr), ["Ann:more", "Bob:answer"]);
    let line = tr.turns().nth(1).unwrap().messages[0];
    assert_eq!(line.reply.map(|m| m.body.as_str()), Some("question"));
    assert_eq!(
        by_hand(&t, 7, 9, &Filter::default(), DEFAULT_GAP)
            .stats
            .messages,
        0
    );
}
