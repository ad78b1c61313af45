//! Properties of the post for ANY chat content: it stays one quote block, carries no control
//! characters, pings nobody unintended, and parsers never panic.

mod common;

use std::collections::BTreeMap;

use proptest::prelude::*;
use roomscribe_transcript::model::{ChatMessage, MessageKind, RoomInfo, TimelineEvent};
use roomscribe_transcript::{
    DEFAULT_GAP, RenderOptions, Spec, Template, Timeline, render, select, sources, spec,
};

/// Text biased towards everything that could break out of the quote.
fn nasty() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[/quote]".to_string()),
        Just("[QUOTE=\"admin, post:1\"]".to_string()),
        Just("[details=x]".to_string()),
        Just("[/spoiler]".to_string()),
        Just("<script>".to_string()),
        Just("</details>".to_string()),
        Just("```".to_string()),
        Just("````".to_string()),
        Just("~~~".to_string()),
        Just("`".to_string()),
        Just("\\".to_string()),
        Just("\n".to_string()),
        Just("\r".to_string()),
        Just("   ".to_string()),
        Just("@".to_string()),
        Just("@here".to_string()),
        Just("@everyone".to_string()),
        Just("\u{1b}[31m".to_string()),
        Just("\u{1b}]8;;http://x\u{7}".to_string()),
        Just("\u{9b}2J".to_string()),
        Just("\u{202e}".to_string()),
        Just("![x](http://t/p.png)".to_string()),
        "[a-z]{1,6}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

fn message(i: usize, sender: &str, name: &str, body: String, kind: u8) -> TimelineEvent {
    let mut m: ChatMessage = common::msg(&format!("$e{i}"), "x", i as i64 * 400, "");
    m.sender = format!("@{sender}:gitter.im");
    m.sender_name = name.to_string();
    m.kind = match kind % 5 {
        0 => MessageKind::Emote,
        1 => MessageKind::Image {
            url: body.clone(),
            name: Some(body.clone()),
        },
        2 => MessageKind::File {
            url: "https://x/a b)c".into(),
            name: None,
        },
        _ => MessageKind::Text,
    };
    if i > 0 && kind.is_multiple_of(2) {
        m.reply_to = Some(format!("$e{}", i - 1));
    }
    m.body = body;
    TimelineEvent::Message(m)
}

fn post(bodies: Vec<(String, String, u8)>, users: BTreeMap<String, String>) -> String {
    let events = bodies
        .into_iter()
        .enumerate()
        .map(|(i, (body, name, kind))| message(i, ["ann", "bob"][i % 2], &name, body, kind));
    let t = Timeline::from_events(events);
    let spec = Spec {
        range: roomscribe_transcript::Range::Last(1000),
        ..Spec::default()
    };
    let tr = select(&t, &spec, DEFAULT_GAP);
    let room = RoomInfo {
        room_id: "!r:gitter.im".into(),
        alias: Some("#org_room:gitter.im".into()),
        name: None,
    };
    let opts = RenderOptions {
        timestamps: true,
        users,
        ..RenderOptions::default()
    };
    render(&tr, &room, &opts, &Template::builtin())
}

/// CommonMark fences over the output: is a fence still open when `[/quote]` comes?
fn fence_open_at_end(md: &str) -> bool {
    let mut open: Option<(char, usize)> = None;
    let lines: Vec<&str> = md.trim_end().lines().collect();
    for line in &lines[..lines.len() - 1] {
        let t = line.trim_start_matches(' ');
        if line.len() - t.len() > 3 {
            continue;
        }
        let Some(c) = t.chars().next().filter(|c| *c == '`' || *c == '~') else {
            continue;
        };
        let n = t.chars().take_while(|x| *x == c).count();
        let info = &t[n..];
        match open {
            None if n >= 3 && !(c == '`' && info.contains('`')) => open = Some((c, n)),
            Some((oc, on)) if c == oc && n >= on && info.trim().is_empty() => open = None,
            _ => {}
        }
    }
    open.is_some()
}

/// Raw-text checks only; what Discourse makes of the post is checked by tests/discourse.rs
/// with Discourse's own engine (code keeps `[/quote]` there, as an indented block).
fn check_post(md: &str) -> Result<(), TestCaseError> {
    prop_assert!(
        md.starts_with("[quote]\n") && md.ends_with("\n[/quote]\n"),
        "{}",
        md
    );
    prop_assert!(!fence_open_at_end(md), "fence left open:\n{}", md);
    for c in md.chars() {
        let bad =
            (c.is_control() && c != '\n' && c != '\t') || ('\u{202a}'..='\u{202e}').contains(&c);
        prop_assert!(!bad, "control {:?} in {}", c, md);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_text_stays_inside_one_quote(
        msgs in prop::collection::vec((nasty(), nasty(), any::<u8>()), 1..6)
    ) {
        check_post(&post(msgs, BTreeMap::new()))?;
    }

    #[test]
    fn arbitrary_unicode_too(msgs in prop::collection::vec((any::<String>(), any::<String>(), any::<u8>()), 1..4)) {
        check_post(&post(msgs, BTreeMap::new()))?;
    }

    // Mentions, HTML and quote tags: tests/discourse.rs, with Discourse's own engine.

    #[test]
    fn parsers_never_panic(input in any::<String>(), words in prop::collection::vec(any::<String>(), 0..5)) {
        let now = common::t0();
        let _ = spec::parse(&input, now, chrono_tz::Tz::Europe__Berlin);
        let _ = spec::parse_tokens(&words, now, chrono_tz::Tz::America__New_York);
        let _ = roomscribe_transcript::RoomRef::parse(&input);
        let _ = sources::parse("f", &input);
        let _ = Template::from_toml(&input);
    }

    #[test]
    fn grammar_like_input_never_panics(input in "((last|from|to|gap|ignore|title|tags|category|x):[0-9:\\- \"'a-z,T+Z]{0,20} ?){0,4}") {
        let _ = spec::parse(&input, common::t0(), chrono_tz::Tz::Australia__Lord_Howe);
    }

    /// Arrival order does not matter: any shuffle of the same events gives the same timeline.
    #[test]
    fn any_arrival_order_same_timeline(order in Just((0..12usize).collect::<Vec<_>>()).prop_shuffle(), split in 0..12usize) {
        use common::{edit, ev, redact};
        let all = vec![
            ev("$a", "ann", 10, "a"), ev("$b", "bob", 20, "b"), ev("$c", "ann", 30, "c"),
            ev("$d", "bob", 30, "d"), ev("$e", "ann", 50, "e"), ev("$f", "bob", 60, "f"),
            edit("$x1", "$a", "ann", 70, "a2"), edit("$x2", "$a", "ann", 80, "a3"),
            edit("$x3", "$b", "ann", 90, "nope"), redact("$r1", "$c", 95),
            ev("$g", "ann", 5, "g"), ev("$a", "ann", 10, "dup"),
        ];
        let want = Timeline::from_events(all.clone());
        let shuffled: Vec<_> = order.iter().map(|i| all[*i].clone()).collect();
        let mut got = Timeline::new();
        // Some arrive live, the rest as an older page.
        let (live, page) = shuffled.split_at(split);
        for e in live {
            got.apply(e.clone());
        }
        got.prepend(page.to_vec());
        let bodies = |t: &Timeline| t.iter().map(|m| (m.event_id.clone(), m.body.clone(), m.redacted)).collect::<Vec<_>>();
        let mut w = bodies(&want);
        let mut g = bodies(&got);
        // $c and $d share a timestamp; their relative order follows arrival.
        w.sort();
        g.sort();
        prop_assert_eq!(w, g);
        prop_assert!(got.iter().zip(got.iter().skip(1)).all(|(a, b)| a.ts <= b.ts));
    }
}
