//! `roomscribe transcript --input FILE [SPEC...]` end to end: the real binary on the sample room.

use std::process::{Command, Output};

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crates/transcript/data/sample-room.json"
);
const GITTER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crates/transcript/data/gitter-export.json"
);

fn run(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    Command::new(env!("CARGO_BIN_EXE_roomscribe"))
        .args(args)
        // No user config or log leaks in from the machine running the tests.
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("ROOMSCRIBE_TZ", "Europe/Berlin")
        .env_remove("ROOMSCRIBE_CONFIG")
        .output()
        .expect("roomscribe runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn prints_one_quoted_post() {
    let o = run(&[
        "transcript",
        "--input",
        SAMPLE,
        "last:12",
        "ignore:ci-bot",
        "--timestamps",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let md = stdout(&o);
    // Gitter users open the Gitter web app's permalink.
    assert!(md.starts_with(
        "[quote]\n[View in gitterHQ/services on Gitter](https://app.gitter.im/#/room/#gitterHQ_services:gitter.im/$"
    ));
    assert!(md.ends_with("[/quote]\n"));
    assert_eq!(md.matches("[quote]").count(), 1);
    assert!(md.contains("**@<!-- -->Mara Lindqvist:** 11:"), "{md}");
    assert!(!md.contains("CI Bot"));
}

#[test]
fn json_has_title_category_tags_messages_and_markdown() {
    let o = run(&[
        "transcript",
        "-i",
        SAMPLE,
        "last:3",
        "title:\"Webhook 401s\"",
        "category:support",
        "tags:gitter,webhooks",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
    assert_eq!(v["title"], "Webhook 401s");
    assert_eq!(v["category"], "support");
    assert_eq!(v["tags"], serde_json::json!(["gitter", "webhooks"]));
    assert_eq!(v["messages"].as_array().map(Vec::len), Some(3));
    assert!(
        v["markdown"]
            .as_str()
            .is_some_and(|m| m.starts_with("[quote]"))
    );
}

#[test]
fn a_room_word_names_the_room_of_a_gitter_export() {
    let o = run(&["transcript", "--input", GITTER, "gitterHQ/webapp", "last:2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("(https://gitter.im/gitterHQ/webapp?at=5c7d2b6e1b2c3d4e5f601a07)"));
}

#[test]
fn a_bad_spec_is_a_usage_error_on_one_line() {
    let o = run(&["transcript", "--input", SAMPLE, "last:5", "from:10:00"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("`last:5`") && err.contains("from:10:00"),
        "{err}"
    );
    let o = run(&["transcript", "--input", SAMPLE, "gap:soon"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn a_broken_file_names_the_file_and_position() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "[\n{\"type\": \"m.room.message\",\n").expect("write");
    let o = run(&[
        "transcript",
        "--input",
        path.to_str().unwrap_or_default(),
        "last:2",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("broken.json: line 3, column 0: EOF while parsing"),
        "{err}"
    );
}

#[test]
fn global_flags_work_before_and_after_the_subcommand() {
    for args in [
        vec!["--tz", "UTC", "transcript", "--input", SAMPLE, "last:2"],
        vec!["transcript", "--input", SAMPLE, "last:2", "--tz", "UTC"],
    ] {
        let out = run(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).starts_with("[quote]"), "{args:?}");
    }
}

/// A legacy export written here, so the expected messages are known independently.
fn export(dir: &std::path::Path, who: &[&str]) -> String {
    let items: Vec<serde_json::Value> = who
        .iter()
        .enumerate()
        .map(|(i, user)| {
            serde_json::json!({
                "id": format!("5c7d2a9e1b2c3d4e5f60{i:04}"),
                "text": format!("message {i} by {user}"),
                "sent": format!("2019-03-04T13:{:02}:00.000Z", i),
                "fromUser": {"id": format!("u{user}"), "username": user, "displayName": user},
            })
        })
        .collect();
    let path = dir.join("export.json");
    std::fs::write(&path, serde_json::to_string(&items).expect("json")).expect("write");
    path.to_string_lossy().into_owned()
}

#[test]
fn last_n_takes_the_last_n_messages_before_dropping_ignored_users() {
    let dir = tempfile::tempdir().expect("temp dir");
    let who = ["ann", "bob", "ann", "bob", "cid", "bob", "ann", "bob"];
    let file = export(dir.path(), &who);
    let texts = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["transcript", "--input", file.as_str(), "--format", "json"];
        all.extend_from_slice(args);
        let o = run(&all);
        assert!(o.status.success(), "{}", stderr(&o));
        let v: serde_json::Value = serde_json::from_str(&stdout(&o)).expect("json");
        let msgs = v["messages"].as_array().cloned().unwrap_or_default();
        msgs.iter()
            .map(|m| m["body"].as_str().unwrap_or_default().to_string())
            .collect()
    };
    assert_eq!(
        texts(&["last:4", "ignore:bob"]),
        ["message 4 by cid", "message 6 by ann"]
    );
    assert_eq!(texts(&["last:4"]).len(), 4);
}
