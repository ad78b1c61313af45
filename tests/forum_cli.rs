//! The forum commands through the real binary against the stateful stand-in.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use roomscribe_forum_standin::{Fault, ForumStandin};

fn roomscribe(forum: &ForumStandin, dir: &Path, user: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roomscribe"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("ROOMSCRIBE_DATA_DIR", dir.join("data"))
        .env("ROOMSCRIBE_CONFIG_DIR", dir.join("config"))
        .env("ROOMSCRIBE_STATE_DIR", dir.join("state"))
        .env("ROOMSCRIBE_FORUM_URL", forum.base_url())
        .env("ROOMSCRIBE_FORUM_API_KEY", forum.admin_key())
        .env("ROOMSCRIBE_FORUM_USERNAME", user);
    cmd
}

async fn output(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

const BODY: &str = "**alice:** the build fails on main\n**bob:** fixed by reverting the lockfile\n";

#[tokio::test(flavor = "multi_thread")]
async fn categories_tree_and_json() {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.arg("categories");
    let out = output(cmd).await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        stdout.contains("  support/chat  Chat logs (id 3)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("announcements  Announcements (id 7)  [read-only]"),
        "{stdout}"
    );
    assert!(!stdout.contains("staff"), "{stdout}");

    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.args(["categories", "--json"]);
    let out = output(cmd).await;
    let cats: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cats.as_array().unwrap().len(), 6);
}

#[tokio::test(flavor = "multi_thread")]
async fn publish_prints_the_url_and_keeps_a_draft_on_failure() {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("post.md");
    std::fs::write(&file, BODY).unwrap();
    let publish = |title: &str| {
        let mut cmd = roomscribe(&forum, dir.path(), "alice");
        cmd.args([
            "publish",
            "--title",
            title,
            "--category",
            "Support/Chat",
            "--tags",
            "build,ci",
        ])
        .arg(&file);
        cmd
    };
    let out = output(publish("Build broken on main, fixed")).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let topics = forum.topics();
    assert_eq!(topics.len(), 1);
    assert_eq!(
        (topics[0].category_id, topics[0].tags.clone()),
        (3, vec!["build".to_string(), "ci".to_string()])
    );
    assert_eq!(
        text(&out.stdout).trim(),
        format!(
            "{}/t/build-broken-on-main-fixed/{}",
            forum.base_url(),
            topics[0].id
        )
    );

    // The same title and text again: found by its external_id, not posted twice.
    let out = output(publish("Build broken on main, fixed")).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains(&format!("already published: {}", text(&out.stdout).trim())),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(forum.topics().len(), 1);

    // The same title with other text is a different post, which Discourse refuses.
    std::fs::write(&file, format!("{BODY}**carol:** and again\n")).unwrap();
    let out = output(publish("Build broken on main, fixed")).await;
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("Title has already been used") && err.contains("saved in"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let drafts: Vec<_> = std::fs::read_dir(dir.path().join("data/drafts"))
        .unwrap()
        .collect();
    assert_eq!(drafts.len(), 1);
    let saved = std::fs::read_to_string(drafts[0].as_ref().unwrap().path()).unwrap();
    assert_eq!(saved, format!("{BODY}**carol:** and again\n"));

    forum.set_fault(Fault::Html502, 1000);
    let out = output(publish("A proxy answers everything")).await;
    let err = text(&out.stderr);
    assert!(
        err.contains("HTTP 502 (an HTML page: 502 Bad Gateway)") && err.contains("saved in"),
        "{err}"
    );
    assert!(!err.contains(&forum.admin_key()));
    assert_eq!(forum.topics().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_user_api_key_is_used_and_open_prints_the_composer() {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let key = forum.create_user_api_key("bob", "roomscribe-test").unwrap();
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let stored =
        serde_json::json!({"forum": forum.base_url(), "key": key, "client_id": "roomscribe-test"});
    std::fs::write(
        dir.path().join("data/discourse-key.json"),
        stored.to_string(),
    )
    .unwrap();
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.env_remove("ROOMSCRIBE_FORUM_API_KEY")
        .env_remove("ROOMSCRIBE_FORUM_USERNAME");
    cmd.args([
        "publish",
        "--title",
        "Posted with a user key",
        "--category",
        "dev/chat",
        "-",
    ])
    .stdin(Stdio::piped());
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = tokio::task::spawn_blocking(move || {
        let mut child = child;
        std::io::Write::write_all(child.stdin.as_mut().unwrap(), BODY.as_bytes()).unwrap();
        drop(child.stdin.take());
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(forum.topics()[0].username, "bob");
    assert_eq!(forum.topics()[0].category_id, 5);

    let file = dir.path().join("post.md");
    std::fs::write(&file, BODY).unwrap();
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.args([
        "publish",
        "--open",
        "--title",
        "Open me",
        "--category",
        "3",
        "--tags",
        "a,b",
    ])
    .arg(&file);
    let out = output(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let url = text(&out.stdout);
    assert!(
        url.starts_with(&format!(
            "{}/new-topic?title=Open+me&body=",
            forum.base_url()
        )),
        "{url}"
    );
    assert!(
        url.trim().ends_with("&category=support%2Fchat&tags=a%2Cb"),
        "{url}"
    );

    std::fs::write(&file, "x".repeat(9000)).unwrap();
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.args([
        "publish",
        "--open",
        "--title",
        "Too long",
        "--category",
        "3",
    ])
    .arg(&file);
    let out = output(cmd).await;
    let err = text(&out.stderr);
    assert!(
        !out.status.success() && err.contains("too long") && err.contains("--publish"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn feed_prints_json_lines_live() {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = roomscribe(&forum, dir.path(), "admin");
    cmd.args(["feed", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    // Publish once the feed says it is connected, then read the item line.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    // Keep draining stderr so the child never writes into a closed pipe.
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("forum connected") {
                let _ = ready_tx.send(());
            }
        }
    });
    let ready = tokio::task::spawn_blocking(move || ready_rx.recv().is_ok());
    assert!(ready.await.unwrap(), "feed never connected");
    forum
        .publish_post_as(
            "alice",
            None,
            "Seen by roomscribe feed",
            "A topic for the feed command.",
            2,
            &[],
        )
        .unwrap();
    let line = tokio::task::spawn_blocking(move || BufReader::new(stdout).lines().next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    let item: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(item["title"], "Seen by roomscribe feed");
    assert_eq!(item["kind"], "new_topic");
    assert_eq!(item["username"], "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn transcript_publish_and_open() {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/transcript/data/sample-room.json"
    );
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.args([
        "transcript",
        "--publish",
        "--input",
        input,
        "last:5",
        "category:support/chat",
        "title:Webhook secrets rotated today",
    ]);
    let out = output(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let topics = forum.topics();
    assert_eq!(topics.len(), 1);
    assert_eq!(
        (topics[0].title.as_str(), topics[0].category_id),
        ("Webhook secrets rotated today", 3)
    );
    assert!(
        topics[0].posts[0].contains("[quote]"),
        "{}",
        topics[0].posts[0]
    );
    assert!(text(&out.stdout).trim().ends_with(&format!(
        "/t/webhook-secrets-rotated-today/{}",
        topics[0].id
    )));

    // The same selection again, even under another title: "already published", one topic.
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.args([
        "transcript",
        "--publish",
        "--input",
        input,
        "last:5",
        "category:support/chat",
        "title:Webhook secrets, second try",
    ]);
    let again = output(cmd).await;
    assert!(again.status.success(), "{}", text(&again.stderr));
    assert!(
        text(&again.stderr).contains("already published: "),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(text(&again.stdout), text(&out.stdout));
    assert_eq!(forum.topics().len(), 1);
    assert!(forum.topics()[0].external_id.is_some());

    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.args([
        "transcript",
        "--open",
        "--input",
        input,
        "last:2",
        "category:support/chat",
        "title:Short one",
    ]);
    let out = output(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("/new-topic?title=Short+one&body="));
    assert_eq!(forum.topics().len(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn login_discourse_stores_a_key_that_later_commands_use() {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.env_remove("ROOMSCRIBE_FORUM_API_KEY")
        .env_remove("ROOMSCRIBE_FORUM_USERNAME");
    cmd.args(["login", "discourse", "--no-browser"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let url = tokio::task::spawn_blocking(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .find(|l| l.starts_with("http"))
    })
    .await
    .unwrap()
    .expect("the authorization link");
    let payload = forum.approve_user_api_key("alice", &url).unwrap();
    let out = tokio::task::spawn_blocking(move || {
        let mut stdin = child.stdin.take().unwrap();
        std::io::Write::write_all(&mut stdin, format!("{payload}\n\n").as_bytes()).unwrap();
        drop(stdin);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let key_file = dir.path().join("data/discourse-key.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&key_file).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    // Later commands use the stored key (no forum flags at all).
    let file = dir.path().join("post.md");
    std::fs::write(&file, BODY).unwrap();
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.env_remove("ROOMSCRIBE_FORUM_API_KEY")
        .env_remove("ROOMSCRIBE_FORUM_USERNAME")
        .env_remove("ROOMSCRIBE_FORUM_URL");
    cmd.args([
        "publish",
        "--title",
        "Posted after logging in",
        "--category",
        "support",
    ])
    .arg(&file);
    let out = output(cmd).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(forum.topics()[0].username, "alice");
}

#[tokio::test(flavor = "multi_thread")]
async fn feed_with_a_refused_key_stops_with_discourses_words() {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.env("ROOMSCRIBE_FORUM_API_KEY", "not-the-key")
        .arg("feed");
    let out = output(cmd).await;
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("The API username or key is invalid."), "{err}");
    assert!(!err.contains("not-the-key"), "{err}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_answer_after_commit_is_reported_as_published() {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("post.md");
    std::fs::write(&file, BODY).unwrap();
    forum.set_fault(Fault::GarbageAfterCreate, 1);
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.args([
        "publish",
        "--title",
        "Committed, then garbage",
        "--category",
        "3",
    ])
    .arg(&file);
    let out = output(cmd).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let topics = forum.topics();
    assert_eq!(topics.len(), 1);
    assert!(
        text(&out.stdout)
            .trim()
            .ends_with(&format!("/{}", topics[0].id)),
        "{}",
        text(&out.stdout)
    );
    assert!(
        !dir.path().join("data/drafts").exists(),
        "a draft was left behind"
    );
}

/// Forum text aimed at the terminal and at room members' clients.
const EVIL_TITLE: &str = "Evil\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}P1$q\u{1b}\\ \u{8}\r\u{7f}\u{202e}txt \u{9b}31m \u{1b}]8;;http://x\u{1b}\\link title";

/// Characters that must never reach a terminal from forum text.
pub fn terminal_unsafe(s: &str) -> Option<char> {
    s.chars().find(|c| {
        (c.is_control() && *c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    })
}

/// Runs `feed` (with `args`), publishes a topic with a hostile title, returns the first line.
async fn feed_line(args: &[&str]) -> String {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = roomscribe(&forum, dir.path(), "admin");
    cmd.arg("feed")
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if line.contains("forum connected") {
                let _ = ready_tx.send(());
            }
        }
    });
    let ready = tokio::task::spawn_blocking(move || ready_rx.recv().is_ok());
    assert!(ready.await.unwrap(), "feed never connected");
    forum
        .publish_post_as(
            "alice",
            None,
            EVIL_TITLE,
            "An excerpt \u{1b}[31m\u{9d}in red\u{7}, long enough.",
            2,
            &[],
        )
        .unwrap();
    let line = tokio::task::spawn_blocking(move || BufReader::new(stdout).lines().next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    child.kill().unwrap();
    let _ = child.wait();
    line
}

#[tokio::test(flavor = "multi_thread")]
async fn feed_never_prints_escape_sequences_from_forum_titles() {
    let line = feed_line(&[]).await;
    assert_eq!(terminal_unsafe(&line), None, "{line:?}");
    assert!(
        line.contains("alice: Evil") && line.contains("link title"),
        "{line:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_export_with_media_and_no_matrix_session_publishes_with_links_and_says_so() {
    let forum = ForumStandin::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let input = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/crates/transcript/data/sample-room.json"
    );
    let mut cmd = roomscribe(&forum, dir.path(), "alice");
    cmd.args([
        "transcript",
        "--publish",
        "--input",
        input,
        "last:100",
        "category:support/chat",
        "title:The whole webhook story",
    ]);
    let out = output(cmd).await;
    let err = text(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains("2 file(s) not copied to the forum (not signed in to Matrix"),
        "{err}"
    );
    let post = &forum.topics()[0].posts[0];
    assert!(
        post.contains("delivery-log\\.png](https://app.gitter.im/"),
        "{post}"
    );
    assert!(forum.uploads().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn feed_json_escapes_controls_and_keeps_the_data() {
    let line = feed_line(&["--json"]).await;
    assert_eq!(terminal_unsafe(&line), None, "{line:?}");
    assert!(
        line.contains("\\u009b") && line.contains("\\u202e") && line.contains("\\u007f"),
        "{line}"
    );
    let item: serde_json::Value = serde_json::from_str(&line).unwrap();
    // Same data (the forum itself turns the CR of a title into a space).
    let want = EVIL_TITLE.replace('\r', " ");
    assert_eq!(item["title"].as_str(), Some(want.as_str()));
}
