//! The selection grammar: every form, and one clear line for every mistake.

use chrono::{DateTime, Duration, TimeZone, Utc};
use chrono_tz::Tz;
use roomscribe_transcript::spec::{self, Range, Spec, SpecError};

const BERLIN: Tz = Tz::Europe__Berlin;

/// 2026-11-25 14:30 in Berlin (13:30 UTC).
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 13, 30, 0).unwrap()
}

fn ok(input: &str) -> Spec {
    spec::parse(input, now(), BERLIN).unwrap_or_else(|e| panic!("{input}: {e}"))
}

fn err(input: &str) -> SpecError {
    match spec::parse(input, now(), BERLIN) {
        Ok(s) => panic!("{input} parsed as {s:?}"),
        Err(e) => e,
    }
}

fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    BERLIN
        .with_ymd_and_hms(y, mo, d, h, mi, 0)
        .unwrap()
        .with_timezone(&Utc)
}

#[test]
fn empty_is_a_guess() {
    assert_eq!(ok(""), Spec::default());
    assert_eq!(ok("   ").range, Range::Guess);
}

#[test]
fn all_keys_in_any_order() {
    let s = ok(
        r#"tags:gitter,webhooks gap:90s title:"Weekly sync" ignore:Bob,@sara:gitter.im category:support last:40"#,
    );
    assert_eq!(s.range, Range::Last(40));
    assert_eq!(s.ignore, ["Bob", "@sara:gitter.im"]);
    assert_eq!(s.category.as_deref(), Some("support"));
    assert_eq!(s.title.as_deref(), Some("Weekly sync"));
    assert_eq!(s.tags, ["gitter", "webhooks"]);
    assert_eq!(s.gap, Some(Duration::seconds(90)));
}

#[test]
fn keys_are_case_insensitive_and_quotes_can_wrap_the_token() {
    let s = ok(r#"LAST:5 'title:it''s ok' "category:Site Feedback""#);
    assert_eq!(s.range, Range::Last(5));
    assert_eq!(s.title.as_deref(), Some("its ok"));
    assert_eq!(s.category.as_deref(), Some("Site Feedback"));
    assert_eq!(
        ok(r#"title:"say \"hi\"""#).title.as_deref(),
        Some(r#"say "hi""#)
    );
}

#[test]
fn bare_range_is_the_most_recent_occurrence() {
    assert_eq!(
        ok("from:09:00-10:15").range,
        Range::Between {
            from: berlin(2026, 11, 25, 9, 0),
            to: Some(berlin(2026, 11, 25, 10, 15))
        }
    );
    assert_eq!(
        ok("from:09:00-10:15").range,
        ok("from:\"09:00 - 10:15\"").range
    );
    // 15:00 has not happened yet today: it means yesterday's.
    assert_eq!(
        ok("from:15:00").range,
        Range::Between {
            from: berlin(2026, 11, 24, 15, 0),
            to: None
        }
    );
    // Over midnight.
    assert_eq!(
        ok("from:23:00-01:30").range,
        Range::Between {
            from: berlin(2026, 11, 24, 23, 0),
            to: Some(berlin(2026, 11, 25, 1, 30))
        }
    );
}

#[test]
fn full_dates_and_rfc3339() {
    let want = Range::Between {
        from: berlin(2026, 11, 20, 8, 0),
        to: Some(Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0).unwrap()),
    };
    assert_eq!(
        ok(r#"from:"2026-11-20 08:00" to:2026-11-20T09:00:00Z"#).range,
        want
    );
    assert_eq!(
        ok("from:2026-11-20T08:00 to:2026-11-20T10:00:00+01:00").range,
        want
    );
    assert_eq!(
        ok("from:2026-11-20").range,
        Range::Between {
            from: berlin(2026, 11, 20, 0, 0),
            to: None
        }
    );
}

#[test]
fn argv_tokens_keep_spaces() {
    let argv: Vec<String> = ["from:2026-11-20 08:00", "title:\"Weekly sync\"", "last:3"]
        .map(String::from)
        .to_vec();
    let e = spec::parse_tokens(&argv, now(), BERLIN).unwrap_err();
    assert!(e.to_string().contains("last:3"), "{e}");
    let s = spec::parse_tokens(&argv[..2], now(), BERLIN).unwrap();
    assert_eq!(s.title.as_deref(), Some("Weekly sync"));
    assert_eq!(
        s.range,
        Range::Between {
            from: berlin(2026, 11, 20, 8, 0),
            to: None
        }
    );
}

#[test]
fn gaps() {
    for (v, secs) in [
        ("90s", 90),
        ("5m", 300),
        ("1h", 3600),
        ("1m30s", 90),
        ("0", 0),
    ] {
        assert_eq!(
            ok(&format!("gap:{v}")).gap,
            Some(Duration::seconds(secs)),
            "{v}"
        );
    }
}

/// Each mistake: the message names the token and says why, on one line.
#[test]
fn every_error_names_the_token_and_the_reason() {
    let cases: &[(&str, &str, &str)] = &[
        ("last:ten", "`last:ten`", "not a number"),
        ("last:-3", "`last:-3`", "not a number"),
        ("last:0", "`last:0`", "at least 1"),
        ("last:99999999999999999999999", "`last:9", "not a number"),
        ("last:", "`last:`", "empty value"),
        ("lats:5", "`lats:5`", "unknown key \"lats\""),
        ("hello", "`hello`", "expected key:value"),
        ("last:5 last:6", "`last:6`", "duplicate key last"),
        (
            "last:5 from:10:00",
            "`last:5`",
            "cannot be combined with `from:10:00`",
        ),
        (
            "to:10:00 last:5",
            "`last:5`",
            "cannot be combined with `to:10:00`",
        ),
        ("from:25:00", "`from:25:00`", "not a time of day"),
        ("from:10:00-1100", "`from:10:00-1100`", "not a time HH:MM"),
        ("from:yesterday", "`from:yesterday`", "not a time"),
        ("from:12:00 to:11:00", "`to:11:00`", "before start"),
        ("from:14:00 to:14:40", "`to:14:40`", "before start"),
        (
            "from:10:00-11:00 to:12:00",
            "`to:12:00`",
            "already has an end",
        ),
        ("to:12:00", "`to:12:00`", "needs a from:"),
        ("from:2027-01-01", "`from:2027-01-01`", "in the future"),
        (
            "from:2026-11-25T10:00:00Z to:2026-11-26T10:00:00Z",
            "`to:2026-11-26T10:00:00Z`",
            "in the future",
        ),
        (
            "from:\"2026-03-29 02:30\"",
            "`from:2026-03-29 02:30`",
            "does not exist",
        ),
        ("ignore:,,", "`ignore:,,`", "empty list"),
        ("tags:", "`tags:`", "empty value"),
        ("gap:5x", "`gap:5x`", "not a duration"),
        ("gap:m", "`gap:m`", "not a duration"),
        ("gap:5", "`gap:5`", "not a duration"),
        ("gap:9999h", "`gap:9999h`", "too long"),
        (
            "title:\"Weekly sync",
            "`title:Weekly sync`",
            "unterminated quote",
        ),
        ("category:a category:b", "`category:b`", "duplicate key"),
    ];
    for (input, token, why) in cases {
        let e = err(input).to_string();
        assert!(e.starts_with(token), "{input}: {e}");
        assert!(e.contains(why), "{input}: {e}");
        assert!(!e.contains('\n'), "{input}: {e}");
    }
}

#[test]
fn late_bare_end_explains_it_is_still_ahead() {
    let e = err("from:14:00 to:14:40").to_string();
    assert!(e.contains("14:40 today is still in the future"), "{e}");
}

#[test]
fn spec_words_and_durations() {
    assert!(spec::is_spec_token("last:5") && spec::is_spec_token("Title:x"));
    assert!(!spec::is_spec_token("gitterHQ/services") && !spec::is_spec_token("#a:b"));
    assert_eq!(spec::parse_duration("5m"), Ok(Duration::minutes(5)));
    assert!(spec::parse_duration("soon").is_err());
}

#[test]
fn display_reads_back() {
    let s = ok(
        r#"from:09:00-10:15 ignore:"Mara Lindqvist",bob title:"say \"hi\"" tags:a,b gap:90s category:support"#,
    );
    let text = s.to_string();
    assert_eq!(
        text,
        r#"from:2026-11-25T08:00:00Z to:2026-11-25T09:15:00Z ignore:"Mara Lindqvist,bob" category:support title:"say \"hi\"" tags:a,b gap:90s"#
    );
    assert_eq!(ok(&text), s);
    assert_eq!(Spec::default().to_string(), "");
}

mod round_trip {
    use super::*;
    use proptest::prelude::*;

    fn word() -> impl Strategy<Value = String> {
        "[a-zA-Z0-9._@:-][a-zA-Z0-9 ._@:'\"\\\\-]{0,12}[a-zA-Z0-9._@:-]"
    }

    proptest! {
        #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn parse_of_display_is_identity(
            last in prop::option::of(1usize..100_000),
            mins_ago in prop::option::of((0i64..100_000, 0i64..100_000)),
            ignore in prop::collection::vec(word(), 0..3),
            title in prop::option::of(word()),
            category in prop::option::of(word()),
            tags in prop::collection::vec("[a-z0-9-]{1,8}", 0..3),
            gap in prop::option::of(0i64..100_000),
        ) {
            let range = match (last, mins_ago) {
                (Some(n), _) => Range::Last(n),
                (None, Some((a, b))) => Range::Between {
                    from: now() - Duration::minutes(a.max(b)),
                    to: Some(now() - Duration::minutes(a.min(b))),
                },
                (None, None) => Range::Guess,
            };
            let spec = Spec { range, ignore, category, title, tags, gap: gap.map(Duration::seconds), follow: false };
            prop_assert_eq!(spec::parse(&spec.to_string(), now(), BERLIN), Ok(spec.clone()), "{}", spec);
        }
    }
}

#[test]
fn to_now_follows_live_messages_and_thread_names_an_event() {
    let s = ok("last:12 to:now");
    assert_eq!((s.range.clone(), s.follow), (Range::Last(12), true));
    assert!(!ok("last:12").follow);
    let s = ok("from:14:00 to:NOW");
    assert!(s.follow);
    assert!(matches!(s.range, Range::Between { to: None, .. }));
    assert_eq!(ok(&s.to_string()), s);
    let t = ok("thread:$abc123 ignore:bot");
    assert_eq!(t.range, Range::Thread("$abc123".into()));
    assert_eq!(ok(&t.to_string()), t);
    assert!(err("thread:abc").reason.contains("event id"));
    assert!(
        err("thread:$a last:3")
            .reason
            .contains("cannot be combined")
    );
}
