//! The app's room cache, seen by a person: a room opened once comes back from the cache with
//! the homeserver unreachable (status bar "cached, offline"), and after messages were sent
//! while the app was closed, reopening shows each of them once, in order, after the cached ones.

mod tui_support;

use roomscribe_testkit::{TestUser, require_synapse};
use tui_support::pty::Pty;

/// A loopback port nothing listens on.
fn dead_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}

fn open(home: &std::path::Path, url: &str, reader: &TestUser, room: &str) -> Pty {
    let env = [
        ("ROOMSCRIBE_HOMESERVER", url),
        ("ROOMSCRIBE_MATRIX_TOKEN", reader.access_token.as_str()),
        ("ROOMSCRIBE_TZ", "UTC"),
    ];
    Pty::spawn(&["tui", room], home, &env, 30, 120)
}

fn quit(mut pty: Pty) {
    pty.send(b"q");
    let (ok, _) = pty.wait();
    assert!(ok, "exits cleanly on q");
}

/// A room with a few messages, and the alias the app is given.
async fn room_with(alice: &TestUser, prefix: &str, bodies: &[&str]) -> (String, String) {
    let name = format!("{prefix}{}", uuid::Uuid::new_v4().simple());
    let room_id = alice.create_room(Some(&name)).await.unwrap();
    for body in bodies {
        alice.say(&room_id, body).await.unwrap();
    }
    let server = alice.user_id.split_once(':').unwrap().1;
    (room_id, format!("#{name}:{server}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cached_room_opens_with_the_homeserver_down_and_says_cached_offline() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let alice = synapse.register("cachepa").await.unwrap();
    let reader = synapse.register("cachepr").await.unwrap();
    let (_, room) = room_with(
        &alice,
        "cacheoff",
        &["first cached line", "second cached line"],
    )
    .await;
    let home = tempfile::tempdir().unwrap();

    let pty = open(home.path(), &synapse.url, &reader, &room);
    tokio::task::block_in_place(|| {
        pty.wait_for(&["second cached line", "● connected"]);
        quit(pty);
    });

    // Same data folder, nobody answering at the homeserver's address.
    let pty = open(home.path(), &dead_url(), &reader, &room);
    tokio::task::block_in_place(|| {
        let shown = pty.wait_for(&["first cached line", "second cached line", "cached, offline"]);
        assert!(shown.contains(&room), "{shown}");
        quit(pty);
    });
}

/// Signed in with `roomscribe login matrix` instead of a token: the stored session reopens the
/// cached room with the homeserver down too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_session_opens_its_cached_room_with_the_homeserver_down() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let alice = synapse.register("cachesa").await.unwrap();
    let reader = synapse.register("cachesr").await.unwrap();
    let (_, room) = room_with(&alice, "cachesess", &["kept by the session's cache"]).await;
    let home = tempfile::tempdir().unwrap();
    let login = std::process::Command::new(env!("CARGO_BIN_EXE_roomscribe"))
        .env_clear()
        .env("HOME", home.path())
        .env("ROOMSCRIBE_DATA_DIR", home.path().join("data"))
        .env("ROOMSCRIBE_CONFIG_DIR", home.path().join("config"))
        .env("ROOMSCRIBE_STATE_DIR", home.path().join("state"))
        .env("ROOMSCRIBE_MATRIX_PASSWORD", &reader.password)
        .args(["login", "matrix", "--method", "password"])
        .args([
            "--homeserver",
            &synapse.url,
            "--matrix-user",
            &reader.localpart,
        ])
        .output()
        .unwrap();
    assert!(
        login.status.success(),
        "{}",
        String::from_utf8_lossy(&login.stderr)
    );
    let open = |url: &str| {
        let env = [("ROOMSCRIBE_HOMESERVER", url), ("ROOMSCRIBE_TZ", "UTC")];
        Pty::spawn(&["tui", &room], home.path(), &env, 30, 120)
    };

    let pty = open(&synapse.url);
    tokio::task::block_in_place(|| {
        pty.wait_for(&["kept by the session's cache", "● connected"]);
        quit(pty);
    });
    let pty = open(&dead_url());
    tokio::task::block_in_place(|| {
        pty.wait_for(&["kept by the session's cache", "cached, offline"]);
        quit(pty);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_sent_while_closed_appear_once_in_order_after_the_cached_ones() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let alice = synapse.register("cachepa").await.unwrap();
    let reader = synapse.register("cachepr").await.unwrap();
    let (room_id, room) = room_with(&alice, "cachegap", &["seen before closing"]).await;
    let home = tempfile::tempdir().unwrap();

    let pty = open(home.path(), &synapse.url, &reader, &room);
    tokio::task::block_in_place(|| {
        pty.wait_for(&["seen before closing", "● connected"]);
        quit(pty);
    });

    let sent: Vec<String> = (0..6).map(|i| format!("sent while closed #{i}")).collect();
    for body in &sent {
        alice.say(&room_id, body).await.unwrap();
    }

    let pty = open(home.path(), &synapse.url, &reader, &room);
    tokio::task::block_in_place(|| {
        let shown = pty.wait_for(&[sent.last().unwrap().as_str(), "● connected"]);
        let mut at = shown
            .find("seen before closing")
            .expect("the cached message");
        for body in &sent {
            assert_eq!(
                shown.matches(body.as_str()).count(),
                1,
                "{body} once:\n{shown}"
            );
            let here = shown.find(body.as_str()).unwrap();
            assert!(here > at, "{body} in order:\n{shown}");
            at = here;
        }
        assert_eq!(shown.matches("seen before closing").count(), 1, "{shown}");
        quit(pty);
    });
}
