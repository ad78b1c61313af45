//! The post as Discourse itself cooks it (its own markdown engine, see `oracle/mod.rs`):
//! one quote, nobody pinged or linked, no injected markup, and the reader sees what the chat
//! showed — text, code byte for byte, links and e-mail addresses.

mod common;
mod oracle;

use std::collections::BTreeMap;

use oracle::{Cooked, available, cook};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use roomscribe_transcript::model::{ChatMessage, MessageKind, RoomInfo, TimelineEvent};
use roomscribe_transcript::{
    DEFAULT_GAP, Range, RenderOptions, Spec, Template, Timeline, permalink, render, sanitize,
    select,
};

fn room() -> RoomInfo {
    RoomInfo {
        room_id: "!r:gitter.im".into(),
        alias: Some("#org_room:gitter.im".into()),
        name: None,
    }
}

/// The post for these (display name, body) messages, each from its own sender.
fn post(msgs: &[(&str, &str)], users: &BTreeMap<String, String>) -> String {
    let events = msgs.iter().enumerate().map(|(i, (name, body))| {
        let mut m: ChatMessage = common::msg(&format!("$e{i}"), "x", i as i64 * 400, body);
        m.sender = format!("@u{i}:gitter.im");
        m.sender_name = name.to_string();
        m.kind = MessageKind::Text;
        TimelineEvent::Message(m)
    });
    let t = Timeline::from_events(events);
    let spec = Spec {
        range: Range::Last(1000),
        ..Spec::default()
    };
    let tr = select(&t, &spec, DEFAULT_GAP);
    let opts = RenderOptions {
        users: users.clone(),
        ..RenderOptions::default()
    };
    render(&tr, &room(), &opts, &Template::builtin())
}

const HEADER: &str = "View in org/room on Gitter";

/// Injection is held: one top-level quote, nothing nested, no mention linked or notifying,
/// no markup chat text may not make.
fn assert_safe(md: &str, c: &Cooked) {
    assert_eq!(c.top_level_quotes, 1, "quote count for\n{md}\n{c:#?}");
    assert_eq!(c.nested_quotes, 0, "nested quote for\n{md}\n{c:#?}");
    assert!(c.mentions.is_empty(), "mentions for\n{md}\n{c:#?}");
    assert!(c.notifying_mentions.is_empty(), "pings for\n{md}\n{c:#?}");
    // The header's link back to the room is ours (render.mjs counts every non-auto link).
    let ours = format!("a(link:{})", &permalink(&room(), "$e0")[..40]);
    let injected: Vec<&String> = c
        .disallowed_tags_seen
        .iter()
        .filter(|t| **t != ours)
        .collect();
    assert!(injected.is_empty(), "markup for\n{md}\n{c:#?}");
}

/// Whether the chat message, cooked alone, is plain chat markdown (the reader text can then
/// be compared): no raw HTML, links, BBCode or images that the transcript shows as text.
fn comparable(body: &str, alone: &Cooked) -> bool {
    // Discourse drops a stray `[/quote]` line and what follows it on the line.
    alone.disallowed_tags_seen.is_empty()
        && !body.contains("[/")
        && !body.to_lowercase().contains("[quote")
        // A BBCode block line ends a paragraph when Discourse reads it, not as text.
        && !body
            .split('[')
            .skip(1)
            .any(|r| r.starts_with(|c: char| c.is_ascii_alphabetic() || c == '/'))
        && alone.top_level_quotes == 0
        && !has_html(body)
}

/// `<` that may start raw HTML.
fn has_html(body: &str) -> bool {
    body.split('<')
        .skip(1)
        .any(|r| r.starts_with(|c: char| c.is_ascii_alphabetic() || "/!?".contains(c)))
}

/// The reader's text of a one-message post without the header and the speaker line.
fn message_text<'a>(md: &str, c: &'a Cooked, label: &str) -> &'a str {
    let head = format!("{HEADER}\n{label}:");
    let rest = c.text.strip_prefix(&head).unwrap_or_else(|| {
        panic!("post text starts {:?}, not {head:?}:\n{md}", c.text);
    });
    rest.strip_prefix('\n').unwrap_or(rest)
}

/// Cooks `body` as a one-message post and alone; checks safety and, where comparable, that
/// the reader sees the same text and code.
#[derive(Clone, Copy)]
enum Outcome {
    Compared = 0,
    Gap = 1,
    NotComparable = 2,
}

fn check_message(name: &str, body: &str) -> Result<Outcome, String> {
    let md = post(&[(name, body)], &BTreeMap::new());
    let c = cook(&md);
    assert_safe(&md, &c);
    let shown = sanitize::post(body);
    // A post ends with a newline; without one an unclosed fence would lose its last one.
    let alone = cook(&format!("{}\n", shown.strip_suffix('\n').unwrap_or(&shown)));
    // Whatever markup the chat text holds, no word of it is lost (short words can be
    // typography, like `(c)`).
    // (Raw HTML in the chat can swallow the markdown after it; we show it as text instead.)
    let words = shown
        .split(|c: char| !c.is_alphanumeric())
        .filter(|_| !has_html(&shown));
    for word in words.filter(|w| w.chars().count() >= 3 && alone.text.contains(w)) {
        if !c.text.contains(word) && !known_gap(body) {
            return Err(format!(
                "{word:?} lost\nbody: {body:?}\npost: {md:?}\ntext: {:?}",
                c.text
            ));
        }
    }
    if !comparable(&shown, &alone) {
        return Ok(Outcome::NotComparable);
    }
    let result = compare(md.as_str(), &c, &alone, name, body);
    match result {
        Err(_) if known_gap(body) => Ok(Outcome::Gap),
        Err(e) => Err(e),
        Ok(()) => Ok(Outcome::Compared),
    }
}

fn compare(md: &str, c: &Cooked, alone: &Cooked, name: &str, body: &str) -> Result<(), String> {
    {
        // The oracle trims the whole text, so trim the message's part too.
        let text = message_text(md, c, &label(name)).trim();
        // Typography may join a dash differently where an escape splits the text.
        let dashes = |s: &str| s.replace('–', "--").replace('—', "---");
        if dashes(text) != dashes(&alone.text) {
            return Err(format!(
                "reader text differs\nbody: {body:?}\npost: {md:?}\nwant: {:?}\ngot:  {text:?}",
                alone.text
            ));
        }
        if c.code_texts != alone.code_texts {
            return Err(format!(
                "code differs\nbody: {body:?}\npost: {md:?}\nwant: {:?}\ngot:  {:?}",
                alone.code_texts, c.code_texts
            ));
        }
        // An international domain's href is punycode, which the oracle cannot compare.
        let broken = c
            .link_mismatches
            .iter()
            .filter(|m| !m["href"].as_str().is_some_and(|h| h.contains("xn--")));
        if alone.link_mismatches.is_empty() && broken.count() > 0 {
            return Err(format!(
                "broken link\nbody: {body:?}\n{:?}",
                c.link_mismatches
            ));
        }
    }
    Ok(())
}

/// The speaker label a reader sees for a display name.
fn label(name: &str) -> String {
    let clean = sanitize::post(name);
    let words: Vec<&str> = clean.split_whitespace().collect();
    let joined = words.join(" ");
    if let Some(rest) = joined.strip_prefix('@') {
        return format!("@{}", rest.trim_start());
    }
    if words.is_empty() {
        "@u0:gitter.im".to_string()
    } else {
        format!("@{}", words.join(" "))
    }
}

#[test]
fn indented_code_survives_byte_for_byte() {
    if !available("indented_code_survives_byte_for_byte") {
        return;
    }
    let body = "    let a = b[0] < c && d\\e;\n    // @bob [/quote]\n\n\tx = \"<b>\"";
    let md = post(&[("Ann", body)], &BTreeMap::new());
    let c = cook(&md);
    assert_safe(&md, &c);
    assert_eq!(
        c.code_texts,
        vec!["let a = b[0] < c && d\\e;\n// @bob [/quote]\n\nx = \"<b>\"\n"],
        "{md}"
    );
}

#[test]
fn fences_keep_their_code_also_with_quote_tags_inside() {
    if !available("fences_keep_their_code_also_with_quote_tags_inside") {
        return;
    }
    let cases = [
        (
            "```rust\nlet x = y[1];\n[/quote]\n<b>@here</b>\n```",
            "let x = y[1];\n[/quote]\n<b>@here</b>\n",
        ),
        (
            "~~~\n[quote=\"admin, post:1\"]\n  \\[x\\]\n~~~",
            "[quote=\"admin, post:1\"]\n  \\[x\\]\n",
        ),
        ("text first\n```\n[/QUOTE]\n```\nafter", "[/QUOTE]\n"),
        ("> ```\n> a < b && [/quote]\n> ```", "a < b && [/quote]\n"),
        ("> quoted\n>\n>     indented <i>\n", "indented <i>\n"),
        (
            "```\nnever closed [/quote]\n<script>",
            "never closed [/quote]\n<script>\n",
        ),
    ];
    for (body, code) in cases {
        let md = post(&[("Ann", body)], &BTreeMap::new());
        let c = cook(&md);
        assert_safe(&md, &c);
        assert_eq!(
            c.code_texts,
            vec![code.to_string()],
            "{body:?} as\n{md}\n{c:#?}"
        );
    }
}

#[test]
fn emails_and_urls_stay_links() {
    if !available("emails_and_urls_stay_links") {
        return;
    }
    let cases = [
        (
            "write to ann@example.com please",
            "href=\"mailto:ann@example.com\"",
        ),
        (
            "see https://example.com/@bob/x",
            "href=\"https://example.com/@bob/x\"",
        ),
        ("see example.com/@bob", "href=\"http://example.com/@bob\""),
        ("see https://x.com/a[1]", "href=\"https://x.com/a%5B1%5D\""),
        ("<https://example.com/p>", "href=\"https://example.com/p\""),
    ];
    for (body, href) in cases {
        let md = post(&[("Ann", body)], &BTreeMap::new());
        let c = cook(&md);
        assert_safe(&md, &c);
        assert!(c.html.contains(href), "{body:?}: {href} not in {}", c.html);
        assert!(
            c.link_mismatches.is_empty(),
            "{body:?}: {:?}",
            c.link_mismatches
        );
        assert!(
            !c.html.contains('\u{2060}') && !c.html.contains('\u{200b}'),
            "{}",
            c.html
        );
    }
}

#[test]
fn controls_are_stripped_and_the_text_after_them_kept() {
    if !available("controls_are_stripped_and_the_text_after_them_kept") {
        return;
    }
    for (body, want) in [
        ("before \u{9d} after", "before  after"),
        ("before \u{90} after \u{9c} end", "before  after  end"),
        ("before \u{1b}] after", "before  after"),
        ("red \u{1b}[31mtext\u{1b}[0m \u{9b} end", "red text  end"),
        ("Ð\u{90}Ð\u{9c} twice-decoded", "ÐÐ twice-decoded"),
    ] {
        let md = post(&[("Ann", body)], &BTreeMap::new());
        let c = cook(&md);
        assert_safe(&md, &c);
        assert_eq!(message_text(&md, &c, "@Ann"), want, "{body:?}");
    }
}

#[test]
fn one_speakers_messages_cannot_continue_each_others_lists() {
    if !available("one_speakers_messages_cannot_continue_each_others_lists") {
        return;
    }
    let events = [
        "- item",
        "    <b>x</b> [/quote]",
        "1. one",
        "  ```\n<b>y</b>\n  ```",
    ]
    .iter()
    .enumerate()
    .map(|(i, body)| common::ev(&format!("$s{i}"), "ann", i as i64, body));
    let t = Timeline::from_events(events);
    let spec = Spec {
        range: Range::Last(10),
        ..Spec::default()
    };
    let tr = select(&t, &spec, DEFAULT_GAP);
    let md = render(
        &tr,
        &room(),
        &RenderOptions::default(),
        &Template::builtin(),
    );
    let c = cook(&md);
    assert_safe(&md, &c);
    assert_eq!(c.code_texts[0], "<b>x</b> [/quote]\n", "{md}\n{c:#?}");
}

#[test]
fn speakers_are_shown_not_linked_unless_mapped() {
    if !available("speakers_are_shown_not_linked_unless_mapped") {
        return;
    }
    let md = post(
        &[("bob", "hi @bob and @here"), ("al", "x")],
        &BTreeMap::new(),
    );
    let c = cook(&md);
    assert_safe(&md, &c);
    assert!(c.text.contains("@bob:\nhi @bob and @here"), "{}", c.text);
    let users = BTreeMap::from([("@u0:gitter.im".to_string(), "bob_forum".to_string())]);
    let md = post(&[("bob", "hi"), ("al", "@bob")], &users);
    let c = cook(&md);
    assert_eq!(c.mentions, vec!["@bob_forum"], "{md}");
    assert!(c.notifying_mentions.is_empty(), "{md}");
}

/// Written independently of the escaping code: messages meant to break out, ping, inject or
/// lose text.
const HOSTILE: &[&str] = &[
    "[/quote]",
    "[/quote]\n[quote]\nfake",
    "  [/quote]  ",
    "[QUOTE=\"admin, post:1, topic:1\"]\nforged\n[/QUOTE]",
    "```\n[/quote]\n```\n[/quote]",
    "~~~\n[quote]\n~~~",
    "````\n```\n[/quote]\n```\n````",
    "- ```\n  [/quote]\n  ```",
    "> [/quote]\n> [quote]",
    "`[/quote]`",
    "``\n[/quote]\n``",
    "\\[/quote]",
    "\\\\[/quote]",
    "&#91;/quote&#93;",
    "[details=x]\nhidden\n[/details]",
    "[spoiler]x[/spoiler]",
    "[poll]\n* a\n* b\n[/poll]",
    "[date=2026-01-01 time=10:00:00]",
    "[wrap=x]\nbody\n[/wrap]",
    "[b]bold[/b] [url=http://evil.example]x[/url] [img]http://e/p.png[/img]",
    "![img](http://evil.example/p.png)",
    "[click](javascript:alert(1))",
    "[ref]\n\n[ref]: http://evil.example",
    "<script>alert(1)</script>",
    "<aside class=\"quote\">fake</aside>",
    "<details><summary>s</summary>x</details>",
    "<img src=x onerror=alert(1)>",
    "\\<b>escaped</b>",
    "\\\\<b>double</b>",
    "<!-- hidden --> text",
    "<a href=\"http://evil.example\">x</a>",
    "<javascript:alert(1)>",
    "@bob @here @all @everyone @staff @trust_level_0",
    "(@bob) *@bob* _@bob_ **@bob** `@bob` x@bob @@bob @_bob @b.o-b",
    "\\@bob &#64;bob @&#8203;bob",
    "mail ann@example.com or <ann@example.com>",
    "https://example.com/@bob/[x] and www.example.com/@al",
    "--example.com/@bob and -x-.org/@al",
    "    indented <b>@bob</b> [/quote]",
    "> quote\n\n    code [/quote]",
    "- item\n\n    continued <b>x</b>",
    "1. one\n   ```\n   <b>x</b>\n   ```",
    "| a | b |\n|---|---|\n| <b>x</b> | @bob |",
    "# heading @bob\n---",
    "text\n===",
    "before \u{9d} after",
    "before \u{1b}]0;title after",
    "a\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}b\u{202e}c\u{2066}d",
    "zero\u{200b}width \u{2060}joiner",
    "line\u{2028}sep\u{2029}para\r\nwin\rmac",
    "`unclosed code [quote]",
    "``` \n[/quote]",
    "*[quote]*",
    "[quote]",
    "[quote]\n",
    "x [quote]y[/quote] z",
    "http://x.com/[b]x[/b]",
    "http://x.com/a)[b]x[/b]",
    ":smile: :) <3 -> -- (c)",
    "\\",
    "\n\n\n",
    "",
];

/// Known gaps (reported, not hidden): code that Discourse finds inside a list item or a
/// multi-line code span is escaped as text, so it shows backslashes. Still safe.
const DEGRADED: &[&str] = &[
    "- ```\n  [/quote]\n  ```",
    "``\n[/quote]\n``",
    "1. one\n   ```\n   <b>x</b>\n   ```",
];

#[test]
fn hostile_corpus() {
    if !available("hostile_corpus") {
        return;
    }
    let mut failures = Vec::new();
    let mut cases = 0;
    for body in HOSTILE {
        cases += 1;
        match check_message("Ann", body) {
            Err(e) if !DEGRADED.contains(body) => failures.push(e),
            _ => {}
        }
        // The same text as a display name: shown literally, still one quote, no ping.
        cases += 1;
        let md = post(&[(body, "hi")], &BTreeMap::new());
        let c = cook(&md);
        assert_safe(&md, &c);
        let want = label(body);
        if !c.text.contains(&format!("{want}:")) {
            failures.push(format!(
                "name {body:?} shown as {:?}, want {want:?}",
                c.text
            ));
        }
    }
    println!(
        "hostile corpus: {cases} cases cooked, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Chat text made of the pieces markdown, Discourse and terminals care about.
fn chat_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("[/quote]"),
        Just("[quote]"),
        Just("[b]"),
        Just("[details=x]"),
        Just("]"),
        Just("("),
        Just(")"),
        Just("<b>"),
        Just("</i>"),
        Just("<"),
        Just(">"),
        Just("> "),
        Just("```"),
        Just("~~~"),
        Just("`"),
        Just("\\"),
        Just("\n"),
        Just("\n\n"),
        Just("    "),
        Just("\t"),
        Just("  "),
        Just("- "),
        Just("1. "),
        Just("* "),
        Just("_"),
        Just("#"),
        Just("|"),
        Just("&amp;"),
        Just("&"),
        Just("@"),
        Just("@bob"),
        Just("@here"),
        Just("a@b.com"),
        Just("https://x.com/"),
        Just("example.com/"),
        Just("www.x.org"),
        Just(":smile:"),
        Just("--"),
        Just("\""),
        Just("'"),
        Just("!"),
        Just("."),
        Just("\u{9d}"),
        Just("\u{1b}]"),
        Just("\u{1b}[1m"),
        Just("\u{202e}"),
        Just("\r"),
        Just("ä"),
        Just("Ж"),
    ]
    .prop_map(str::to_string);
    let word = "[a-z]{1,5}".prop_map(|w| w);
    prop::collection::vec(
        prop_oneof![3 => piece, 2 => word, 1 => Just(" ".to_string())],
        0..16,
    )
    .prop_map(|v| v.concat())
}

fn display_name() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            "[A-Za-z]{1,6}".prop_map(|w| w),
            prop_oneof![
                Just("@"),
                Just("*"),
                Just("_"),
                Just("["),
                Just("]"),
                Just("<b>"),
                Just(" "),
                Just("\\"),
                Just("&amp;"),
                Just("`"),
                Just("[/quote]"),
                Just("\u{9b}"),
                Just(":"),
                Just("é"),
            ]
            .prop_map(str::to_string),
        ],
        1..6,
    )
    .prop_map(|v| v.concat())
}

/// Known gaps, counted and reported rather than failed (all safe, checked first): a code span
/// over several lines (an odd backtick run on a line: escaped as text, so backticks show), a
/// web address with `[`, `<` or a backtick in it (linkify may take our entity into the link
/// text) and a list item whose code starts after a tab (escaped as text).
fn known_gap(body: &str) -> bool {
    let shown = sanitize::post(body);
    let odd_ticks = shown.lines().any(|l| l.matches('`').count() % 2 == 1);
    let odd_url = body.split_whitespace().any(|w| {
        w.find("://")
            .or_else(|| w.find("www."))
            .is_some_and(|p| w[p..].contains(['[', '<', '`']))
    });
    // A tab after a list marker: the item's code column is not worked out, so it is text.
    let list_tab = shown.lines().any(|l| {
        let t = l.trim_start_matches([' ', '>']);
        let marker = t.trim_start_matches(|c: char| c.is_ascii_digit());
        let marker = marker
            .strip_prefix(['-', '*', '+', '.', ')'])
            .unwrap_or("x");
        marker.starts_with('\t')
            || (marker.starts_with(' ') && marker.trim_start_matches(' ').starts_with('\t'))
    });
    odd_ticks || odd_url || list_tab
}

/// Runs `cases` generated cases of `check`, counting outcomes; fails on the first failure.
fn run_cases<S: Strategy>(
    name: &str,
    strategy: S,
    check: impl Fn(&S::Value) -> Result<Outcome, String>,
) where
    S::Value: std::fmt::Debug,
{
    if !available(name) {
        return;
    }
    let cases = std::env::var("ROOMSCRIBE_RENDER_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512);
    let config = ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    let counts = std::sync::Mutex::new([0usize; 3]);
    let result = proptest::test_runner::TestRunner::new(config).run(&strategy, |v| {
        let outcome = check(&v).map_err(TestCaseError::fail)?;
        if let Ok(mut c) = counts.lock() {
            c[outcome as usize] += 1;
        }
        Ok(())
    });
    let [compared, gaps, other] = counts.into_inner().unwrap_or_default();
    println!(
        "{name}: {} cases cooked; reader text compared in {compared}, known gaps {gaps}, \
         markup not comparable {other} (safety checked in all)",
        compared + gaps + other
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}

/// Any message: one quote, no ping or link, no injected markup, the reader's text and code
/// as the chat's own markdown reads.
#[test]
fn any_message_reads_as_in_the_chat() {
    run_cases("any_message_reads_as_in_the_chat", chat_text(), |body| {
        check_message("Ann", body)
    });
}

/// Any display name: shown as typed (after sanitizing), never a link to a forum user.
#[test]
fn any_name_is_shown_literally() {
    run_cases(
        "any_name_is_shown_literally",
        (display_name(), chat_text()),
        |(name, body)| {
            let md = post(&[(name, body), ("al", "ok")], &BTreeMap::new());
            let c = cook(&md);
            assert_safe(&md, &c);
            let want = format!("{HEADER}\n{}:", label(name));
            if !c.text.starts_with(&want) {
                return Err(format!("{:?} does not start {want:?}\n{md}", c.text));
            }
            Ok(Outcome::Compared)
        },
    );
}
