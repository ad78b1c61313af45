//! The real `roomscribe` binary against the real Synapse: `login matrix`, `transcript ROOM`,
//! `tail ROOM`. Each test has its own users, room and data directory.

use std::process::Stdio;
use std::time::Duration;

use roomscribe_testkit::{Gateway, TestUser, encode, require_synapse};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::Command;

/// The binary with a private config/data/state directory and no ambient credentials.
fn roomscribe(home: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roomscribe"));
    for var in [
        "ROOMSCRIBE_HOMESERVER",
        "ROOMSCRIBE_MATRIX_TOKEN",
        "ROOMSCRIBE_MATRIX_USER",
        "ROOMSCRIBE_MATRIX_PASSWORD",
        "ROOMSCRIBE_CONFIG",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("ROOMSCRIBE_CONFIG_DIR", home.join("config"))
        .env("ROOMSCRIBE_DATA_DIR", home.join("data"))
        .env("ROOMSCRIBE_STATE_DIR", home.join("state"))
        .env("ROOMSCRIBE_TZ", "UTC")
        .kill_on_drop(true);
    cmd
}

async fn output(cmd: &mut Command) -> (bool, String, String) {
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("command finished")
        .expect("command ran");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn ts_of(user: &TestUser, room: &str, event_id: &str) -> String {
    let ev = user
        .get(&format!(
            "/rooms/{}/event/{}",
            encode(room),
            encode(event_id)
        ))
        .await
        .unwrap();
    let ms = ev["origin_server_ts"].as_i64().unwrap();
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn bodies(post: &Value) -> Vec<String> {
    post["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["body"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn password_login_then_transcript_and_tail_use_the_stored_session() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("alice").await.unwrap();
    let reader = hs.register("reader").await.unwrap();
    let local = format!("cli-{}", alice.localpart);
    let room = alice.create_room(Some(&local)).await.unwrap();
    let alias = format!("#{local}:localhost");
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(alice.say(&room, &format!("m{i}")).await.unwrap());
        // Distinct server timestamps, so the time range below has sharp edges.
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let home = tempfile::tempdir().unwrap();

    let (ok, _, err) = output(
        roomscribe(home.path())
            .args([
                "login",
                "matrix",
                "--method",
                "password",
                "--homeserver",
                &hs.url,
            ])
            .args(["--matrix-user", &reader.localpart])
            .env("ROOMSCRIBE_MATRIX_PASSWORD", &reader.password),
    )
    .await;
    assert!(ok, "{err}");
    assert!(err.contains(&reader.user_id), "{err}");
    let session_file = home.path().join("data/matrix-session.json");
    let text = std::fs::read_to_string(&session_file).unwrap();
    assert!(!text.contains(&reader.password));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&session_file)
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    // last:N through the stored session (no credentials on the command line).
    let (ok, out, err) =
        output(roomscribe(home.path()).args(["transcript", "--format", "json", &alias, "last:3"]))
            .await;
    assert!(ok, "{err}");
    let post: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(bodies(&post), ["m3", "m4", "m5"]);

    // A time range, by the server's own timestamps.
    let from = ts_of(&alice, &room, &ids[1]).await;
    let to = ts_of(&alice, &room, &ids[3]).await;
    let (ok, out, err) = output(roomscribe(home.path()).args([
        "transcript",
        "--format",
        "json",
        &alias,
        &format!("from:{from}"),
        &format!("to:{to}"),
    ]))
    .await;
    assert!(ok, "{err}");
    let post: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(bodies(&post), ["m1", "m2", "m3"]);

    // tail: two earlier messages, then live ones as JSON lines.
    let mut child = roomscribe(home.path())
        .args(["tail", &alias, "--json", "--backfill", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut next = async || -> Value {
        let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
            .await
            .expect("a line within a minute")
            .unwrap()
            .expect("tail still running");
        serde_json::from_str(&line).unwrap()
    };
    assert_eq!(next().await["body"], "m4");
    assert_eq!(next().await["body"], "m5");
    alice.set_display_name("Alice Live").await.unwrap();
    alice.rename_in(&room, "Alice Live").await.unwrap();
    let live_id = alice.say(&room, "live one").await.unwrap();
    let line = next().await;
    assert_eq!(line["event_id"], live_id.as_str());
    assert_eq!(line["sender"], alice.user_id.as_str());
    assert_eq!(line["name"], "Alice Live");
    assert_eq!(line["kind"], "text");
    assert_eq!(line["body"], "live one");
    assert!(line["ts"].as_str().unwrap().ends_with("+00:00"));
    child.kill().await.unwrap();
}

#[tokio::test]
async fn sso_login_by_pasting_the_final_address() {
    let Some(hs) = require_synapse() else { return };
    let user = hs.register("ssouser").await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut child = roomscribe(home.path())
        .args([
            "login",
            "matrix",
            "--method",
            "sso",
            "--no-browser",
            "--homeserver",
            &hs.url,
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err_lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut told = String::new();
    while !told.contains("/login/sso/redirect") {
        let line = tokio::time::timeout(Duration::from_secs(60), err_lines.next_line())
            .await
            .unwrap()
            .unwrap()
            .expect("the sign-in address is printed");
        told.push_str(&line);
    }
    // The identity provider would now send the browser to our loopback URL with a login token;
    // the user pastes that address (here: just its query) back.
    let token = user
        .mint_login_token()
        .await
        .unwrap()
        .expect("login tokens enabled");
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(format!("?loginToken={token}\n").as_bytes())
        .await
        .unwrap();
    let status = tokio::time::timeout(Duration::from_secs(60), child.wait())
        .await
        .unwrap()
        .unwrap();
    let mut rest = String::new();
    while let Ok(Some(line)) = err_lines.next_line().await {
        rest.push_str(&line);
    }
    assert!(status.success(), "{rest}");
    let session = std::fs::read_to_string(home.path().join("data/matrix-session.json")).unwrap();
    assert!(session.contains(&user.user_id));
}

#[tokio::test]
async fn token_flag_and_clear_room_errors() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("alice").await.unwrap();
    let room = alice.create_room(None).await.unwrap();
    alice.say(&room, "only message").await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let (ok, out, err) = output(
        roomscribe(home.path())
            .args(["transcript", "--format", "json", "--homeserver", &hs.url])
            .args([&room, "last:5"])
            .env("ROOMSCRIBE_MATRIX_TOKEN", &alice.access_token),
    )
    .await;
    assert!(ok, "{err}");
    let post: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(bodies(&post), ["only message"]);

    let missing = format!("#missing-{}:localhost", alice.localpart);
    let (ok, _, err) = output(
        roomscribe(home.path())
            .args(["tail", &missing, "--homeserver", &hs.url])
            .env("ROOMSCRIBE_MATRIX_TOKEN", &alice.access_token),
    )
    .await;
    assert!(!ok);
    assert_eq!(
        err.trim(),
        format!("roomscribe: room {missing} does not exist")
    );
    assert!(!err.contains(&alice.access_token));

    let (ok, _, err) = output(roomscribe(home.path()).args(["transcript", &room, "last:5"])).await;
    assert!(!ok);
    assert!(err.contains("roomscribe login matrix"), "{err}");
}

/// `tail` behind a gateway answering 502 for the room lookup says on stderr what is happening at
/// each retry, then gives up with one clear line after `matrix.give_up_after`.
#[tokio::test]
async fn tail_behind_a_502_gateway_says_so_and_gives_up() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("alice").await.unwrap();
    let alias = format!("gw{}", alice.localpart);
    alice.create_room(Some(&alias)).await.unwrap();
    let room = format!("#{alias}:{}", alice.user_id.split_once(':').unwrap().1);
    let gateway = Gateway::in_front_of(&hs.url).await.unwrap();
    gateway.fail("/directory/room/");
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    std::fs::write(
        home.path().join("config/config.toml"),
        "[matrix]\ngive_up_after = \"5s\"\n",
    )
    .unwrap();
    let (ok, out, err) = output(
        roomscribe(home.path())
            .args(["tail", &room, "--homeserver", &gateway.url()])
            .env("ROOMSCRIBE_MATRIX_TOKEN", &alice.access_token),
    )
    .await;
    assert!(!ok, "{out}");
    let lines: Vec<&str> = err.lines().collect();
    let (last, retries) = lines.split_last().expect("stderr has lines");
    assert!(!retries.is_empty(), "{err}");
    assert!(
        retries
            .iter()
            .all(|l| l.starts_with("the homeserver answered 502 Bad Gateway; retry")),
        "{err}"
    );
    assert_eq!(
        last.split(" (gave up after").next(),
        Some(
            format!("roomscribe: cannot open {room}: the homeserver answered 502 Bad Gateway")
                .as_str()
        ),
        "{err}"
    );
    assert!(
        !err.contains("nginx") && !err.contains(&alice.access_token),
        "{err}"
    );

    // A value that is not a duration is a usage error naming the key.
    std::fs::write(
        home.path().join("config/config.toml"),
        "[matrix]\ngive_up_after = \"soon\"\n",
    )
    .unwrap();
    let out = roomscribe(home.path())
        .args(["tail", &room, "--homeserver", &gateway.url()])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("matrix.give_up_after"), "{err}");
}

#[tokio::test]
async fn a_thread_with_interleaved_chatter_selects_exactly_the_thread_root_first() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("thralice").await.unwrap();
    let room = alice.create_room(None).await.unwrap();
    let root = alice
        .say(&room, "root: how do threads work?")
        .await
        .unwrap();
    alice.say(&room, "chatter one").await.unwrap();
    let in_thread = |body: &str| {
        serde_json::json!({
            "msgtype": "m.text",
            "body": body,
            "m.relates_to": {
                "rel_type": "m.thread",
                "event_id": root,
                "is_falling_back": true,
                "m.in_reply_to": {"event_id": root},
            },
        })
    };
    let t1 = alice
        .send(&room, "m.room.message", in_thread("thread reply one"))
        .await
        .unwrap();
    alice.say(&room, "chatter two").await.unwrap();
    alice
        .send(&room, "m.room.message", in_thread("thread reply two"))
        .await
        .unwrap();
    alice.say(&room, "chatter three").await.unwrap();
    let home = tempfile::tempdir().unwrap();
    // Asked by any message of the thread, the same selection.
    for id in [&root, &t1] {
        let (ok, out, err) = output(
            roomscribe(home.path())
                .args(["transcript", "--format", "json", "--homeserver", &hs.url])
                .args([room.as_str(), &format!("thread:{id}")])
                .env("ROOMSCRIBE_MATRIX_TOKEN", &alice.access_token),
        )
        .await;
        assert!(ok, "{err}");
        let post: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            bodies(&post),
            [
                "root: how do threads work?",
                "thread reply one",
                "thread reply two"
            ]
        );
    }
}

/// A stored session keeps the server's versions and the room's id: the next start asks for
/// neither, checks the alias while it reads, and follows the alias when it has moved.
#[tokio::test]
async fn a_stored_session_starts_from_what_it_learnt_and_follows_a_moved_alias() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("kalice").await.unwrap();
    let reader = hs.register("kreader").await.unwrap();
    let local = format!("known-{}", alice.localpart);
    let first_room = alice.create_room(Some(&local)).await.unwrap();
    alice.say(&first_room, "in the first room").await.unwrap();
    reader.join(&first_room).await.unwrap();
    let alias = format!("#{local}:localhost");
    let proxy = roomscribe_testkit::DelayProxy::in_front_of(&hs.url, Duration::ZERO)
        .await
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let (ok, _, err) = output(
        roomscribe(home.path())
            .args(["login", "matrix", "--method", "password"])
            .args(["--homeserver", &proxy.url()])
            .args(["--matrix-user", &reader.localpart])
            .env("ROOMSCRIBE_MATRIX_PASSWORD", &reader.password),
    )
    .await;
    assert!(ok, "{err}");
    let last = async || {
        let (ok, out, err) = output(
            roomscribe(home.path())
                .args(["transcript", "--format", "json", &alias, "last:1"])
                .args(["--homeserver", &proxy.url()]),
        )
        .await;
        assert!(ok, "{err}");
        bodies(&serde_json::from_str(&out).unwrap())
    };
    assert_eq!(last().await, ["in the first room"]);
    let session = std::fs::read_to_string(home.path().join("data/matrix-session.json")).unwrap();
    assert!(session.contains(&first_room), "{session}");

    proxy.clear();
    assert_eq!(last().await, ["in the first room"]);
    let asked = proxy.requests();
    for what in ["/versions", "/whoami", "/joined_rooms", "/join/"] {
        assert!(
            !asked.iter().any(|r| r.contains(what)),
            "{what}: {asked:#?}"
        );
    }
    assert_eq!(
        asked
            .iter()
            .filter(|r| r.contains("/directory/room/"))
            .count(),
        1,
        "the alias is checked: {asked:#?}"
    );

    // The alias now names another room (which the reader is not in yet).
    let path = format!("/directory/room/{}", encode(&alias));
    alice
        .call(reqwest::Method::DELETE, &path, None)
        .await
        .unwrap();
    let second_room = alice.create_room(None).await.unwrap();
    let body = serde_json::json!({ "room_id": second_room });
    alice
        .call(reqwest::Method::PUT, &path, Some(body))
        .await
        .unwrap();
    alice.say(&second_room, "in the second room").await.unwrap();
    assert_eq!(last().await, ["in the second room"]);

    // The app's chat source (here `tail`) follows it too.
    let mut child = roomscribe(home.path())
        .args(["tail", &alias, "--json", "--backfill", "1"])
        .args(["--homeserver", &proxy.url()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line())
        .await
        .expect("a line within a minute")
        .unwrap()
        .expect("tail still running");
    let line: Value = serde_json::from_str(&line).unwrap();
    assert_eq!(line["body"], "in the second room");
    child.kill().await.unwrap();
}

/// The app keeps matrix-sdk's sqlite stores in `<data>/cache` (private); `--no-cache` writes
/// none. No terminal here, so the app stops right after signing in: the stores exist by then.
#[tokio::test]
async fn tui_cache_is_private_and_no_cache_writes_none() {
    let Some(hs) = require_synapse() else { return };
    let user = hs.register("cachecli").await.unwrap();
    let room = user.create_room(None).await.unwrap();
    for no_cache in [true, false] {
        let home = tempfile::tempdir().unwrap();
        let mut cmd = roomscribe(home.path());
        cmd.env("ROOMSCRIBE_MATRIX_TOKEN", &user.access_token)
            .args(["--homeserver", &hs.url, "tui", &room])
            .stdin(Stdio::null());
        if no_cache {
            cmd.arg("--no-cache");
        }
        let (_, _, stderr) = output(&mut cmd).await;
        assert!(!stderr.contains(&user.access_token), "{stderr}");
        let cache = home.path().join("data/cache");
        if no_cache {
            assert!(!cache.exists(), "--no-cache wrote {cache:?}");
            continue;
        }
        assert!(cache.join("matrix-sdk-state.sqlite3").exists(), "{stderr}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&cache), 0o700);
            for entry in std::fs::read_dir(&cache).unwrap().flatten() {
                assert_eq!(mode(&entry.path()), 0o600, "{:?}", entry.path());
            }
        }
    }
}
