//! The post's details: links, speakers, media, replies, titles, and the template as data.

mod common;

use std::collections::BTreeMap;

use common::msg;
use roomscribe_transcript::model::{MessageKind, RoomInfo, TimelineEvent};
use roomscribe_transcript::{
    DEFAULT_GAP, Filter, RenderOptions, Template, Timeline, by_hand, permalink, render,
    suggest_title,
};

fn room() -> RoomInfo {
    RoomInfo {
        room_id: "!abc:gitter.im".into(),
        alias: Some("#gitterHQ_services:gitter.im".into()),
        name: None,
    }
}

fn post_with(events: Vec<TimelineEvent>, opts: &RenderOptions, tpl: &Template) -> String {
    let t = Timeline::from_events(events);
    let tr = by_hand(
        &t,
        0,
        t.len().saturating_sub(1),
        &Filter::default(),
        DEFAULT_GAP,
    );
    render(&tr, &room(), opts, tpl)
}

fn post(events: Vec<TimelineEvent>) -> String {
    post_with(events, &RenderOptions::default(), &Template::builtin())
}

fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("ROOMSCRIBE_BLESS").is_some() {
        std::fs::write(&path, actual).ok();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        expected, actual,
        "{name} differs; ROOMSCRIBE_BLESS=1 rewrites it"
    );
}

#[test]
fn injection_attempts_golden() {
    let texts = [
        "[/quote]\n\n# I own this topic now\n[quote=\"admin, post:1, topic:1\"]\nfake\n[/quote]",
        "<script>alert(1)</script> <details open><summary>x</summary>hidden</details>",
        "[details=\"Summary\"]\n[spoiler]boo[/spoiler]\n[/details]",
        "```\n[/quote]\n@everyone <b>in code</b>\n```\nafter the fence @here",
        "unclosed fence:\n~~~~\n[/quote]\nstill code",
        "`[/quote]` and ``a ` b`` and a lone ` backtick [/quote]",
        "\\`[/quote]\\` backslashes do not unescape",
        "![tracking](https://evil.example/p.png) [click](javascript:alert(1))",
        "mail bob@example.com, see https://mastodon.social/@bob, ping @bob_smith and @group",
        "\u{1b}]0;pwned\u{7}\u{1b}[2J\u{9b}31mansi\u{202e}gnp.exe\u{7} C1:\u{85}\u{9f}",
        "line1\r\nline2\rline3",
        "---\nnot a heading above",
        &"very long ".repeat(300),
    ];
    let events = texts
        .iter()
        .enumerate()
        .map(|(i, t)| {
            TimelineEvent::Message(msg(
                &format!("$m{i}"),
                ["eve", "mallory"][i % 2],
                i as i64 * 600,
                t,
            ))
        })
        .collect();
    golden("injection.md", &post(events));
}

#[test]
fn speakers_mapped_on_purpose_ping_others_do_not() {
    let mut a = msg("$1", "ann", 0, "hi");
    a.sender_name = "Ann [/quote] *Smith*".into();
    let b = msg("$2", "bob", 10, "yo");
    let users = BTreeMap::from([
        ("bob".to_string(), "unused".to_string()),
        ("BOB".to_string(), "bob.forum".into()),
    ]);
    let opts = RenderOptions {
        users,
        ..RenderOptions::default()
    };
    let md = post_with(
        vec![TimelineEvent::Message(a), TimelineEvent::Message(b)],
        &opts,
        &Template::builtin(),
    );
    assert!(
        md.contains("**@<!-- -->Ann \\[<!-- -->/quote\\] \\*Smith\\*:**"),
        "{md}"
    );
    assert!(md.contains("**@bob.forum:**"), "{md}");
}

#[test]
fn media_links_replies_and_emotes() {
    let mut img = msg("$img", "ann", 0, "cat.png");
    img.kind = MessageKind::Image {
        url: "mxc://gitter.im/abc".into(),
        name: None,
    };
    let mut file = msg("$file", "ann", 10, "ignored body");
    file.kind = MessageKind::File {
        url: "https://files.example/a b.log".into(),
        name: Some("a b.log".into()),
    };
    let mut emote = msg("$em", "bob", 20, "```\ncode after an emote\n```");
    emote.kind = MessageKind::Emote;
    let mut reply = msg("$re", "ann", 30, "yes");
    reply.reply_to = Some("$gone".into());
    let mut reply2 = msg("$re2", "bob", 40, "thanks");
    reply2.reply_to = Some("$re".into());
    let md = post(
        [img, file, emote, reply, reply2]
            .into_iter()
            .map(TimelineEvent::Message)
            .collect(),
    );
    assert!(
        md.contains(
            "[🖼 cat\\.png](https://app.gitter.im/#/room/#gitterHQ_services:gitter.im/$img)"
        ),
        "{md}"
    );
    assert!(
        md.contains("[📎 a b\\.log](https://files.example/a%20b.log)"),
        "{md}"
    );
    assert!(
        md.contains("\\* Bob \n```\ncode after an emote\n```"),
        "{md}"
    );
    // A reply to a message outside the timeline is shown without a quote.
    assert!(md.contains("**@<!-- -->Ann:**\n\nyes"), "{md}");
    assert!(md.contains("> Ann: yes\n\nthanks"), "{md}");
}

#[test]
fn permalinks() {
    let by_id = RoomInfo {
        room_id: "!abc:example.org".into(),
        alias: None,
        name: None,
    };
    assert_eq!(
        permalink(&by_id, "$e v"),
        "https://matrix.to/#/!abc:example.org/$e%20v?via=example.org"
    );
    assert_eq!(
        permalink(&room(), "5c7d2a9e"),
        "https://gitter.im/gitterHQ/services?at=5c7d2a9e"
    );
    let legacy = RoomInfo {
        room_id: "gitterHQ/webapp".into(),
        alias: None,
        name: None,
    };
    assert_eq!(
        permalink(&legacy, "5c7d"),
        "https://gitter.im/gitterHQ/webapp?at=5c7d"
    );
}

#[test]
fn titles() {
    let tz = chrono_tz::Tz::Asia__Tokyo;
    let a = msg("$1", "ann", 0, "x");
    let b = msg("$2", "ann", 3600 * 16, "x");
    assert_eq!(
        suggest_title("org/room", [&a], tz),
        "org/room chat, 2026-11-24 18:00–18:00"
    );
    assert_eq!(
        suggest_title("org/room", [&a, &b], tz),
        "org/room chat, 2026-11-24 18:00 – 2026-11-25 10:00"
    );
    assert_eq!(suggest_title("org/\u{1b}[31mroom", [], tz), "org/room chat");
}

#[test]
fn a_user_template_replaces_parts_and_typos_are_one_line_errors() {
    let tpl = Template::from_toml(
        "turn = \"{speaker} at {stamp}: {lines}\"\nstamp = \"{time}\"\ntime_format = \"%H:%M:%S\"\nheader_gitter = \"{{{gitter_room}}}\"",
    )
    .unwrap();
    let opts = RenderOptions {
        timestamps: true,
        ..RenderOptions::default()
    };
    let md = post_with(vec![common::ev("$1", "ann", 5, "hello")], &opts, &tpl);
    assert_eq!(
        md,
        "[quote]\n{gitterHQ/services}\n\n@<!-- -->Ann at 09:00:05: hello\n[/quote]\n"
    );
    for (toml, want) in [
        (
            "turn = \"{speakr}\"",
            "transcript template: turn: unknown placeholder {speakr}",
        ),
        (
            "emote = \"{url}\"",
            "transcript template: emote: {url} is not available here (use {text}, {name})",
        ),
        (
            "time_format = \"%Q\"",
            "transcript template: time_format: \"%Q\" is not a strftime format",
        ),
        (
            "colour = \"red\"",
            "transcript template: unknown field `colour`",
        ),
    ] {
        let e = Template::from_toml(toml).unwrap_err().to_string();
        assert!(e.starts_with(want), "{toml}: {e}");
        assert!(!e.contains('\n'));
    }
}
