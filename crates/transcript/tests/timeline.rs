//! The timeline keeps chronological order whatever order events arrive in.

mod common;

use common::{edit, ev, redact};
use roomscribe_transcript::{Change, Timeline};

fn ids(t: &Timeline) -> Vec<&str> {
    t.iter().map(|m| m.event_id.as_str()).collect()
}

#[test]
fn live_appends_and_backfill_prepends() {
    let mut t = Timeline::new();
    assert_eq!(t.apply(ev("$c", "ann", 30, "c")), Change::Inserted(0));
    assert_eq!(t.apply(ev("$d", "bob", 40, "d")), Change::Inserted(1));
    // A page of older history, in any order.
    assert_eq!(
        t.prepend([ev("$b", "bob", 20, "b"), ev("$a", "ann", 10, "a")]),
        2
    );
    assert_eq!(ids(&t), ["$a", "$b", "$c", "$d"]);
    for (i, id) in ["$a", "$b", "$c", "$d"].iter().enumerate() {
        assert_eq!(t.position(id), Some(i));
    }
}

#[test]
fn out_of_order_inserts_keep_the_index_right() {
    let mut t = Timeline::new();
    for (i, s) in [0, 100, 200, 300, 400, 500, 600].iter().enumerate() {
        t.apply(ev(&format!("${i}"), "ann", *s, "x"));
    }
    // Near the front (shifts the front side) and near the back (shifts the back side).
    assert_eq!(t.apply(ev("$early", "bob", 50, "x")), Change::Inserted(1));
    assert_eq!(t.apply(ev("$late", "bob", 550, "x")), Change::Inserted(7));
    for (i, m) in t.iter().enumerate() {
        assert_eq!(t.position(&m.event_id), Some(i), "{}", m.event_id);
    }
    assert!(t.iter().zip(t.iter().skip(1)).all(|(a, b)| a.ts <= b.ts));
}

#[test]
fn same_timestamp_keeps_arrival_order() {
    let mut t = Timeline::new();
    t.apply(ev("$1", "ann", 10, "x"));
    t.apply(ev("$2", "ann", 10, "x"));
    t.prepend([ev("$0a", "ann", 10, "x"), ev("$0b", "ann", 10, "x")]);
    assert_eq!(ids(&t), ["$0a", "$0b", "$1", "$2"]);
}

#[test]
fn duplicates_are_dropped() {
    let mut t = Timeline::from_events([ev("$a", "ann", 1, "one"), ev("$a", "ann", 1, "two")]);
    assert_eq!(t.apply(ev("$a", "ann", 1, "three")), Change::Unchanged);
    assert_eq!(t.len(), 1);
    assert_eq!(t.by_id("$a").map(|m| m.body.as_str()), Some("one"));
}

#[test]
fn latest_edit_wins_in_any_order() {
    let mut t = Timeline::from_events([ev("$a", "ann", 1, "typo")]);
    assert_eq!(
        t.apply(edit("$e2", "$a", "ann", 20, "second")),
        Change::Updated(0)
    );
    assert_eq!(
        t.apply(edit("$e1", "$a", "ann", 10, "first")),
        Change::Unchanged
    );
    let m = t.get(0).unwrap();
    assert_eq!((m.body.as_str(), m.edited), ("second", true));
}

#[test]
fn an_edit_before_its_message_waits_for_it() {
    let mut t = Timeline::new();
    assert_eq!(
        t.apply(edit("$e1", "$a", "ann", 10, "old edit")),
        Change::Pending
    );
    assert_eq!(
        t.apply(edit("$e2", "$a", "ann", 20, "fixed")),
        Change::Pending
    );
    t.prepend([ev("$a", "ann", 1, "typo")]);
    let m = t.get(0).unwrap();
    assert_eq!((m.body.as_str(), m.edited), ("fixed", true));
    // The pending edit's time counts: an older one arriving later loses.
    t.apply(edit("$e0", "$a", "ann", 5, "older"));
    assert_eq!(t.get(0).unwrap().body, "fixed");
}

#[test]
fn edits_by_someone_else_are_ignored() {
    let mut t = Timeline::from_events([ev("$a", "ann", 1, "mine")]);
    assert_eq!(
        t.apply(edit("$e", "$a", "eve", 5, "hacked")),
        Change::Unchanged
    );
    t.apply(edit("$p", "$b", "eve", 5, "hacked too"));
    t.apply(ev("$b", "bob", 2, "bob's"));
    assert_eq!(t.by_id("$b").unwrap().body, "bob's");
    assert!(!t.by_id("$b").unwrap().edited);
}

#[test]
fn redactions_clear_the_body_even_before_the_message() {
    let mut t = Timeline::from_events([ev("$a", "ann", 1, "secret")]);
    assert_eq!(t.apply(redact("$r", "$a", 5)), Change::Updated(0));
    let m = t.get(0).unwrap();
    assert!(m.redacted && m.body.is_empty());
    // An edit after the redaction does not bring it back.
    assert_eq!(
        t.apply(edit("$e", "$a", "ann", 9, "back")),
        Change::Unchanged
    );
    assert_eq!(t.apply(redact("$r2", "$b", 6)), Change::Pending);
    t.apply(ev("$b", "bob", 2, "spam"));
    assert!(t.by_id("$b").unwrap().redacted);
    assert_eq!(t.by_id("$b").unwrap().body, "");
}

#[test]
fn a_redacted_copy_redacts_the_loaded_message() {
    let mut t = Timeline::from_events([ev("$a", "ann", 1, "secret")]);
    let mut copy = common::msg("$a", "ann", 1, "");
    copy.redacted = true;
    let e = roomscribe_transcript::model::TimelineEvent::Message(copy);
    assert_eq!(t.apply(e.clone()), Change::Updated(0));
    assert!(t.get(0).unwrap().redacted && t.get(0).unwrap().body.is_empty());
    assert_eq!(t.apply(e), Change::Unchanged);
}

#[test]
fn time_lookups() {
    let t = Timeline::from_events((0..10).map(|i| ev(&format!("${i}"), "ann", i * 60, "x")));
    let at = |s| common::t0() + chrono::Duration::seconds(s);
    assert_eq!(t.first_at_or_after(at(120)), 2);
    assert_eq!(t.first_at_or_after(at(121)), 3);
    assert_eq!(t.end_at_or_before(at(120)), 3);
    assert_eq!(t.range(2..100).count(), 8);
    assert_eq!(t.range(20..30).count(), 0);
}
