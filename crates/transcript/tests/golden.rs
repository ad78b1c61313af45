//! The realistic sample room, end to end: file → timeline → selection → post. The expected
//! posts are checked in under `tests/golden/`; set ROOMSCRIBE_BLESS=1 to rewrite them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use roomscribe_transcript::{
    DEFAULT_GAP, RenderOptions, Template, Timeline, render, select, sources, spec, suggest_title,
};

fn data(name: &str) -> (String, String) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("data")
        .join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    (path.display().to_string(), text)
}

/// The sample conversation ends 2026-11-24 ~11:00 UTC; "now" is that evening.
fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T18:00:00Z")
        .map(|d| d.with_timezone(&Utc))
        .unwrap_or_default()
}

fn golden(name: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("ROOMSCRIBE_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap_or(&path)).ok();
        std::fs::write(&path, actual).ok();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert_eq!(
        expected, actual,
        "{name} differs; rerun with ROOMSCRIBE_BLESS=1 to accept"
    );
}

fn post(file: &str, spec_text: &str, opts: &RenderOptions) -> (String, String) {
    post_in(file, None, spec_text, opts)
}

fn post_in(
    file: &str,
    alias: Option<&str>,
    spec_text: &str,
    opts: &RenderOptions,
) -> (String, String) {
    let (name, text) = data(file);
    let mut parsed = sources::parse(&name, &text).expect("sample parses");
    if let Some(a) = alias {
        parsed.room.alias = Some(a.to_string());
    }
    let tl = Timeline::from_events(parsed.events);
    let spec = spec::parse(spec_text, now(), opts.tz).expect("spec parses");
    let t = select(&tl, &spec, DEFAULT_GAP);
    let md = render(&t, &parsed.room, opts, &Template::builtin());
    let title = suggest_title(
        &roomscribe_transcript::room_label(&parsed.room),
        t.messages(),
        opts.tz,
    );
    (md, title)
}

#[test]
fn whole_sample_room() {
    let opts = RenderOptions {
        tz: Tz::Europe__Berlin,
        timestamps: true,
        users: BTreeMap::from([("@sara:gitter.im".to_string(), "sara_s".to_string())]),
    };
    let (md, title) = post("sample-room.json", "last:200", &opts);
    golden("sample-room-all.md", &md);
    assert_eq!(title, "gitterHQ/services chat, 2026-11-24 10:12–11:23");
}

#[test]
fn morning_incident_by_time_without_bots() {
    // Bare times are Berlin wall-clock; the name change of @sara shows up mid-way.
    let opts = RenderOptions {
        tz: Tz::Europe__Berlin,
        ..RenderOptions::default()
    };
    let (md, title) = post(
        "sample-room.json",
        "from:10:40-11:00 ignore:ci-bot,Crypto title:\"Webhook 401s\"",
        &opts,
    );
    golden("sample-room-incident.md", &md);
    assert_eq!(title, "gitterHQ/services chat, 2026-11-24 10:43–10:58");
    assert!(md.contains("Sara \\(on call\\)") && md.contains("**@<!-- -->sara:**"));
    assert!(!md.contains("CI Bot"));
}

#[test]
fn guess_starts_after_the_last_quiet_gap() {
    let (md, _) = post("sample-room.json", "", &RenderOptions::default());
    golden("sample-room-guess.md", &md);
}

#[test]
fn legacy_gitter_export() {
    // The command line names the room (`transcript --input FILE gitterHQ/webapp`), so the
    // header links to the legacy message on gitter.im.
    let opts = RenderOptions::default();
    let alias = Some("#gitterHQ_webapp:gitter.im");
    let (md, title) = post_in("gitter-export.json", alias, "last:20", &opts);
    golden("gitter-export.md", &md);
    assert_eq!(title, "gitterHQ/webapp chat, 2019-03-04 13:01–13:05");
    assert!(md.contains("(https://gitter.im/gitterHQ/webapp?at=5c7d2a9e1b2c3d4e5f601a01)"));
    let (md, _) = post("gitter-export.json", "last:20", &opts);
    assert!(md.contains("From gitter-export\n") || md.starts_with("[quote]\nFrom gitter-export\n"));
}
