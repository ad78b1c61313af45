//! `last:N` and `from:`/`to:` kept while reading ([`sources::LastVisible`]) gives the very post the whole
//! timeline gives, on generated exports with what makes that hard: timestamps out of file order
//! and equal, deleted messages, ignored users, senders whose display name changes, `/me`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use roomscribe_transcript::{
    DEFAULT_GAP, Range, RenderOptions, Template, Timeline, render, select, sources, spec,
};

fn export(n: usize, seed: u64) -> String {
    let mut x = seed;
    let mut next = move || {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        x >> 33
    };
    let mut items = Vec::new();
    for i in 0..n {
        let r = next();
        // Mostly in order, some equal, some out of order by up to a few minutes.
        let secs = (i as i64) * 20 + (r % 7) as i64 * if r % 5 == 0 { -40 } else { 0 };
        let ts = DateTime::from_timestamp(1_600_000_000 + secs, 0).unwrap();
        let user = r % 6;
        let deleted = r % 11 == 0;
        let name = if r % 13 == 0 {
            format!("Renamed {user}")
        } else {
            format!("User {user}")
        };
        items.push(serde_json::json!({
            "id": format!("{i:024x}"),
            "text": if deleted { String::new() } else { format!("message {i} from user{user}") },
            "html": if deleted { String::new() } else { format!("<p>message {i}</p>") },
            "sent": ts.to_rfc3339(),
            "fromUser": {"username": format!("user{user}"), "displayName": name},
            "status": r % 17 == 0,
        }));
    }
    serde_json::to_string(&items).unwrap()
}

fn render_with(
    events: Vec<roomscribe_transcript::model::TimelineEvent>,
    spec_text: &str,
) -> String {
    let now = DateTime::parse_from_rfc3339("2030-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    let opts = RenderOptions {
        tz: chrono_tz::UTC,
        timestamps: true,
        users: BTreeMap::new(),
    };
    let tl = Timeline::from_events(events);
    let spec = spec::parse(spec_text, now, opts.tz).expect("spec parses");
    let t = select(&tl, &spec, DEFAULT_GAP);
    let parsed_room = roomscribe_transcript::model::RoomInfo {
        room_id: "r".into(),
        alias: None,
        name: Some("r".into()),
    };
    render(&t, &parsed_room, &opts, &Template::builtin())
}

#[test]
fn selections_kept_while_reading_render_like_the_whole_timeline() {
    for (n, seed) in [(0usize, 1u64), (5, 2), (400, 3), (3_000, 4)] {
        let text = export(n, seed);
        let whole = sources::parse("room.json", &text).unwrap().events;
        for spec_text in [
            "last:1",
            "last:10",
            "last:50 ignore:user2",
            "last:77 ignore:user1,user4 gap:0s",
            "last:200 gap:10m",
            "last:5000",
            "from:2020-09-13T13:00 to:2020-09-13T14:30",
            "from:2020-09-13T20:00 ignore:user2",
            "from:2020-09-13T12:00 to:2020-09-13T12:30",
        ] {
            let range = spec::parse(spec_text, Utc::now(), chrono_tz::UTC)
                .expect("spec parses")
                .range;
            let (mut keep, k) = match range {
                Range::Last(k) => (sources::LastVisible::new(k), k),
                Range::Between { from, to } => (sources::LastVisible::between(from, to), n),
                _ => panic!("{spec_text} is last:N or from:"),
            };
            sources::parse_reader_into("room.json", text.as_bytes(), &mut |e| keep.push(e))
                .unwrap();
            let (kept, total) = keep.finish().expect("unique ids, messages only");
            assert_eq!(total, n);
            assert!(kept.len() <= k);
            let expected = render_with(whole.clone(), spec_text);
            if n == 3_000 && !spec_text.contains("T12:30") {
                assert!(
                    expected.contains("from user"),
                    "{spec_text} selects something"
                );
            }
            assert_eq!(
                render_with(kept, spec_text),
                expected,
                "{n} messages, {spec_text}"
            );
        }
    }
}

#[test]
fn a_repeated_id_makes_the_caller_read_the_whole_file() {
    let text = r#"[{"id":"1","text":"a","sent":"2020-01-01T00:00:00Z","fromUser":{"username":"a"}},
                   {"id":"1","text":"b","sent":"2019-01-01T00:00:00Z","fromUser":{"username":"a"}}]"#;
    let mut keep = sources::LastVisible::new(1);
    sources::parse_reader_into("room.json", text.as_bytes(), &mut |e| keep.push(e)).unwrap();
    assert!(keep.finish().is_none());
}
