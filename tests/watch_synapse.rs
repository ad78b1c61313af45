//! `roomscribe watch` forwarding forum items into a real Synapse room: each item exactly once,
//! across restarts, and even when the record of what was sent is lost (same transaction ids).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use roomscribe_forum_standin::ForumStandin;
use roomscribe_testkit::{CutProxy, TestUser, encode, require_synapse};

/// Only a hang fails; never a speed assertion.
const PATIENCE: Duration = Duration::from_secs(60);

struct Watch {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Watch {
    fn start(forum: &ForumStandin, dir: &Path, homeserver: &str, token: &str, room: &str) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_roomscribe"))
            .args(["watch", room])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", dir)
            .env("ROOMSCRIBE_DATA_DIR", dir.join("data"))
            .env("ROOMSCRIBE_CONFIG_DIR", dir.join("config"))
            .env("ROOMSCRIBE_STATE_DIR", dir.join("state"))
            .env("ROOMSCRIBE_FORUM_URL", forum.base_url())
            .env("ROOMSCRIBE_FORUM_API_KEY", forum.admin_key())
            .env("ROOMSCRIBE_FORUM_USERNAME", "admin")
            .env("ROOMSCRIBE_HOMESERVER", homeserver)
            .env("ROOMSCRIBE_MATRIX_TOKEN", token)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        for out in [
            Box::new(child.stdout.take().unwrap()) as Box<dyn std::io::Read + Send>,
            Box::new(child.stderr.take().unwrap()),
        ] {
            let tx = tx.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(out).lines().map_while(Result::ok) {
                    let _ = tx.send(line);
                }
            });
        }
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits until `n` lines (since this process started) contain `what`.
    async fn wait_for(&mut self, what: &str, n: usize) {
        let lines = std::mem::replace(&mut self.lines, mpsc::channel().1);
        let mut seen = std::mem::take(&mut self.seen);
        let what_owned = what.to_string();
        let (ok, lines, seen) = tokio::task::spawn_blocking(move || {
            let deadline = std::time::Instant::now() + PATIENCE;
            loop {
                if seen.iter().filter(|l| l.contains(&what_owned)).count() >= n {
                    return (true, lines, seen);
                }
                let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) else {
                    return (false, lines, seen);
                };
                match lines.recv_timeout(left) {
                    Ok(line) => seen.push(line),
                    Err(_) => return (false, lines, seen),
                }
            }
        })
        .await
        .unwrap();
        self.lines = lines;
        self.seen = seen;
        assert!(
            ok,
            "watch never printed {what:?} {n} times; it printed: {:#?}",
            self.seen
        );
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn notices(user: &TestUser, room_id: &str) -> Vec<String> {
    let path = format!("/rooms/{}/messages?dir=b&limit=100", encode(room_id));
    let page = user.get(&path).await.unwrap();
    page["chunk"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["content"]["msgtype"] == "m.notice")
        .filter_map(|e| e["content"]["body"].as_str().map(String::from))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_forwards_each_item_once_across_restarts() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let forum = ForumStandin::start().await.unwrap();
    let moderator = synapse.register("watcher").await.unwrap();
    let room_id = moderator.create_room(None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/config.toml"),
        format!("[[rules]]\ncategory = \"support\"\nfilter = \"watch\"\nroom = \"{room_id}\"\n"),
    )
    .unwrap();
    let start = || {
        Watch::start(
            &forum,
            dir.path(),
            &synapse.url,
            &moderator.access_token,
            &room_id,
        )
    };

    let mut watch = start();
    watch.wait_for("room connected", 1).await;
    watch.wait_for("forum connected", 1).await;
    let tid = forum
        .publish_post_as(
            "alice",
            None,
            "Webhook secret rotation",
            "Rotate both the URL and the secret.",
            3,
            &[],
        )
        .unwrap();
    forum
        .publish_post_as(
            "bob",
            None,
            "Unrelated dev topic here",
            "This category is not routed anywhere.",
            4,
            &[],
        )
        .unwrap();
    watch
        .wait_for("forwarded: Webhook secret rotation", 1)
        .await;
    watch.stop();

    // Restarted: resumes after what it handled, forwards only the new reply.
    forum
        .publish_post_as(
            "bob",
            Some(tid),
            "",
            "Done, the docs are updated as well.",
            3,
            &[],
        )
        .unwrap();
    let mut watch = start();
    watch
        .wait_for("forwarded: Webhook secret rotation", 1)
        .await;
    watch.stop();

    // The record is lost (a crash between send and record): the resends reuse the transaction
    // ids, so the homeserver answers with the first events instead of posting again.
    std::fs::remove_file(dir.path().join("data/forwarded.json")).unwrap();
    let record = serde_json::json!({"rooms": {room_id.clone(): {"last_post": 0, "keys": []}}});
    std::fs::write(dir.path().join("data/forwarded.json"), record.to_string()).unwrap();
    let mut watch = start();
    watch
        .wait_for("forwarded: Webhook secret rotation", 2)
        .await;
    watch.stop();

    let bodies = notices(&moderator, &room_id).await;
    let about_topic = bodies
        .iter()
        .filter(|b| b.contains("Webhook secret rotation"))
        .count();
    assert_eq!(
        about_topic, 2,
        "expected the topic and the reply once each: {bodies:#?}"
    );
    assert!(
        bodies.iter().all(|b| !b.contains("Unrelated dev topic")),
        "{bodies:#?}"
    );
    assert!(
        bodies
            .iter()
            .any(|b| b.starts_with("alice posted a new topic Webhook secret rotation — ")),
        "{bodies:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_keeps_forwarding_through_homeserver_and_forum_outages() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let mut forum = ForumStandin::start().await.unwrap();
    let proxy = CutProxy::in_front_of(&synapse.url).await.unwrap();
    let moderator = synapse.register("outages").await.unwrap();
    let room_id = moderator.create_room(None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/config.toml"),
        format!("[[rules]]\nfilter = \"follow\"\nroom = \"{room_id}\"\n"),
    )
    .unwrap();
    let mut watch = Watch::start(
        &forum,
        dir.path(),
        &proxy.url(),
        &moderator.access_token,
        &room_id,
    );
    watch.wait_for("room connected", 1).await;
    watch.wait_for("forum connected", 1).await;

    proxy.cut();
    forum
        .publish_post_as(
            "alice",
            None,
            "Posted while the homeserver is away",
            "It must arrive once it is back.",
            2,
            &[],
        )
        .unwrap();
    watch.wait_for("room unreachable", 1).await;
    proxy.restore();
    watch
        .wait_for("forwarded: Posted while the homeserver is away", 1)
        .await;

    forum.stop().await;
    watch.wait_for("forum unreachable", 1).await;
    forum.restart().await.unwrap();
    forum
        .publish_post_as(
            "bob",
            None,
            "Posted after the forum came back",
            "Caught up after the restart.",
            4,
            &[],
        )
        .unwrap();
    watch
        .wait_for("forwarded: Posted after the forum came back", 1)
        .await;
    watch.stop();

    let bodies = notices(&moderator, &room_id).await;
    for title in [
        "Posted while the homeserver is away",
        "Posted after the forum came back",
    ] {
        assert_eq!(
            bodies.iter().filter(|b| b.contains(title)).count(),
            1,
            "{title}: {bodies:#?}"
        );
    }
}

/// Polls `<data>/forwarded.json` until `ok` holds for it.
async fn wait_record(dir: &Path, ok: impl Fn(&serde_json::Value) -> bool) {
    let path = dir.join("data/forwarded.json");
    let deadline = std::time::Instant::now() + PATIENCE;
    loop {
        let rec = std::fs::read(&path)
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok());
        if rec.as_ref().is_some_and(&ok) {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the record never reached the expected state: {rec:#?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_kill_with_notices_pending_behind_an_unrouted_post_loses_nothing() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let forum = ForumStandin::start().await.unwrap();
    let proxy = CutProxy::in_front_of(&synapse.url).await.unwrap();
    let moderator = synapse.register("pending").await.unwrap();
    let room_id = moderator.create_room(None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/config.toml"),
        format!("[[rules]]\ncategory = \"support\"\nfilter = \"watch\"\nroom = \"{room_id}\"\n"),
    )
    .unwrap();
    let token = &moderator.access_token;
    let mut watch = Watch::start(&forum, dir.path(), &proxy.url(), token, &room_id);
    watch.wait_for("room connected", 1).await;
    watch.wait_for("forum connected", 1).await;

    // The homeserver is away: both notices are sent but never confirmed, and an unrouted post
    // is handled after them.
    proxy.cut();
    for title in ["First pending notice", "Second pending notice"] {
        forum
            .publish_post_as(
                "alice",
                None,
                title,
                "This one must reach the room.",
                2,
                &[],
            )
            .unwrap();
    }
    forum
        .publish_post_as(
            "bob",
            None,
            "Unrouted dev topic behind",
            "Nothing routes this one.",
            4,
            &[],
        )
        .unwrap();
    let room = room_id.clone();
    wait_record(dir.path(), move |rec| {
        let mine = &rec["rooms"][&room];
        mine["pending"].as_array().is_some_and(|p| p.len() == 2) && mine["last_post"].is_u64()
    })
    .await;
    watch.stop(); // SIGKILL
    proxy.restore();

    let mut watch = Watch::start(&forum, dir.path(), &synapse.url, token, &room_id);
    watch.wait_for("forwarded: First pending notice", 1).await;
    watch.wait_for("forwarded: Second pending notice", 1).await;
    watch.stop();
    let bodies = notices(&moderator, &room_id).await;
    for title in ["First pending notice", "Second pending notice"] {
        assert_eq!(
            bodies.iter().filter(|b| b.contains(title)).count(),
            1,
            "{title}: {bodies:#?}"
        );
    }
    assert!(
        bodies.iter().all(|b| !b.contains("Unrouted")),
        "{bodies:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_skips_a_bad_rule_and_the_good_one_still_forwards() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let forum = ForumStandin::start().await.unwrap();
    let moderator = synapse.register("badrule").await.unwrap();
    let room_id = moderator.create_room(None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/config.toml"),
        format!(
            "[[rules]]\ncategory = \"typo-category\"\nfilter = \"watch\"\nroom = \"{room_id}\"\n\n\
             [[rules]]\ncategory = \"support\"\nfilter = \"watch\"\nroom = \"{room_id}\"\n"
        ),
    )
    .unwrap();
    let token = &moderator.access_token;
    let mut watch = Watch::start(&forum, dir.path(), &synapse.url, token, &room_id);
    watch.wait_for("rule 1: ", 1).await;
    watch.wait_for("forum connected", 1).await;
    watch.wait_for("room connected", 1).await;
    forum
        .publish_post_as(
            "alice",
            None,
            "Good rule still forwards",
            "The typo in rule 1 must not stop this.",
            2,
            &[],
        )
        .unwrap();
    watch
        .wait_for("forwarded: Good rule still forwards", 1)
        .await;
    watch.stop();
    let bodies = notices(&moderator, &room_id).await;
    assert_eq!(
        bodies
            .iter()
            .filter(|b| b.contains("Good rule still forwards"))
            .count(),
        1,
        "{bodies:#?}"
    );
}

/// A forum title aimed at terminals and at room members' clients (Issue: escape injection).
const EVIL_TITLE: &str = "Evil\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}P1$q\u{1b}\\ \u{8}\u{7f}\u{202e}txt \u{9b}31m \u{1b}]8;;http://x\u{1b}\\link title";

fn terminal_unsafe(s: &str) -> Option<char> {
    s.chars().find(|c| {
        (c.is_control() && *c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn watch_forwards_hostile_titles_without_escape_sequences() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let forum = ForumStandin::start().await.unwrap();
    let moderator = synapse.register("escapes").await.unwrap();
    let room_id = moderator.create_room(None).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/config.toml"),
        format!("[[rules]]\ncategory = \"support\"\nfilter = \"watch\"\nroom = \"{room_id}\"\n"),
    )
    .unwrap();
    let mut watch = Watch::start(
        &forum,
        dir.path(),
        &synapse.url,
        &moderator.access_token,
        &room_id,
    );
    watch.wait_for("room connected", 1).await;
    watch.wait_for("forum connected", 1).await;
    forum
        .publish_post_as(
            "alice",
            None,
            EVIL_TITLE,
            "An excerpt \u{1b}[31m\u{9d}in red\u{7}, long enough.",
            3,
            &[],
        )
        .unwrap();
    watch.wait_for("forwarded: Evil", 1).await;
    let printed = watch.seen.clone();
    watch.stop();
    for line in &printed {
        assert_eq!(terminal_unsafe(line), None, "watch printed {line:?}");
    }

    let path = format!("/rooms/{}/messages?dir=b&limit=100", encode(&room_id));
    let page = moderator.get(&path).await.unwrap();
    let notices: Vec<&serde_json::Value> = page["chunk"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| e["content"]["msgtype"] == "m.notice")
        .collect();
    assert_eq!(notices.len(), 1, "{page:#}");
    for key in ["body", "formatted_body"] {
        let text = notices[0]["content"][key].as_str().unwrap_or_default();
        assert!(
            text.contains("Evil") && text.contains("link title"),
            "{key}: {text:?}"
        );
        assert_eq!(terminal_unsafe(text), None, "{key}: {text:?}");
    }
}
