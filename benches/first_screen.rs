//! Time to the first screen over a long link: a loopback proxy adds 50 ms each way (100 ms
//! round trip; a new connection pays one more, as TCP's handshake does) in front of the real
//! Synapse. Figures are ratios to one raw `/messages?limit=50`
//! page over the same link in the same run (goal ≤ 2×): `transcript ROOM last:50` (the whole
//! process) and `tui ROOM` until the newest message is on screen, both with a bare token and a
//! fresh data dir. Run: `scripts/synapse` exports, then
//! `cargo bench --bench first_screen` (`--profile dev` for a quick check).
//! `ROOMSCRIBE_BENCH_BIN` runs another build of roomscribe (an earlier commit's) instead.

use std::path::Path;
use std::time::{Duration, Instant};

use roomscribe_testkit::{encode, require_synapse};

#[allow(dead_code)]
#[path = "../tests/tui_support/pty.rs"]
mod pty;
#[path = "support/slow_room.rs"]
mod slow_room;

use slow_room::{MESSAGES, ONE_WAY, RUNS, SlowRoom, median, ms};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(hs) = require_synapse() else { return };
    let SlowRoom {
        reader,
        room_id,
        room,
        newest,
        proxy,
    } = slow_room::slow_room(&hs, "fs").await;
    let url = proxy.url();

    let mut raw = Vec::new();
    for _ in 0..RUNS {
        raw.push(raw_page(&url, &reader.access_token, &room_id).await);
    }
    let base = median(raw);
    println!(
        "first screen over a {} ms round trip, {MESSAGES} messages, median of {RUNS}",
        2 * ONE_WAY.as_millis()
    );
    println!("baseline: one raw /messages?limit=50: {:.0} ms", ms(base));

    proxy.clear();
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let home = tempfile::tempdir().unwrap();
        runs.push(tokio::task::block_in_place(|| {
            transcript(&url, &reader.access_token, &room, home.path(), &newest)
        }));
    }
    let requests = proxy.requests().len() / RUNS;
    report("transcript ROOM last:50", median(runs), base, requests);

    proxy.clear();
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        let home = tempfile::tempdir().unwrap();
        runs.push(tokio::task::block_in_place(|| {
            tui(
                &url,
                Some(&reader.access_token),
                &room,
                home.path(),
                &newest,
            )
        }));
    }
    println!("  (tui requests include the live long-polls after the screen)");
    let requests = proxy.requests().len() / RUNS;
    report("tui ROOM first screen", median(runs), base, requests);

    // A stored session that has opened the room before starts from what it learnt.
    let home = tempfile::tempdir().unwrap();
    login(&url, &reader.localpart, &reader.password, home.path());
    tokio::task::block_in_place(|| tui(&url, None, &room, home.path(), &newest));
    proxy.clear();
    let mut runs = Vec::new();
    for _ in 0..RUNS {
        runs.push(tokio::task::block_in_place(|| {
            tui(&url, None, &room, home.path(), &newest)
        }));
    }
    let requests = proxy.requests().len() / RUNS;
    report(
        "tui ROOM, stored session, again",
        median(runs),
        base,
        requests,
    );
}

/// The binary with a clean environment whose folders are under `home`.
fn roomscribe(home: &Path) -> std::process::Command {
    let mut cmd = std::process::Command::new(bin());
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("ROOMSCRIBE_DATA_DIR", home.join("data"))
        .env("ROOMSCRIBE_CONFIG_DIR", home.join("config"))
        .env("ROOMSCRIBE_STATE_DIR", home.join("state"))
        .env("ROOMSCRIBE_TZ", "UTC");
    cmd
}

fn login(url: &str, user: &str, password: &str, home: &Path) {
    let out = roomscribe(home)
        .args(["login", "matrix", "--method", "password"])
        .args(["--homeserver", url, "--matrix-user", user])
        .env("ROOMSCRIBE_MATRIX_PASSWORD", password)
        .output()
        .expect("login ran");
    assert!(
        out.status.success(),
        "login failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn report(what: &str, took: Duration, base: Duration, requests: usize) {
    let ratio = slow_room::ratio(took, base);
    let verdict = if ratio <= 2.0 { "met" } else { "not met" };
    println!(
        "{what}: {:.0} ms = {ratio:.2}× baseline (goal ≤ 2×: {verdict}); ~{requests} requests a run",
        ms(took)
    );
}

async fn raw_page(url: &str, token: &str, room_id: &str) -> Duration {
    // A fresh client each time: a new connection, as a starting program has.
    let http = reqwest::Client::new();
    let started = Instant::now();
    let resp = http
        .get(format!(
            "{url}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=50",
            encode(room_id)
        ))
        .bearer_auth(token)
        .send()
        .await
        .expect("raw /messages");
    assert!(resp.status().is_success(), "{}", resp.status());
    resp.bytes().await.expect("body");
    started.elapsed()
}

fn transcript(url: &str, token: &str, room: &str, home: &Path, newest: &str) -> Duration {
    let started = Instant::now();
    let out = roomscribe(home)
        .args(["transcript", "--format", "json", room, "last:50"])
        .env("ROOMSCRIBE_HOMESERVER", url)
        .env("ROOMSCRIBE_MATRIX_TOKEN", token)
        .output()
        .expect("transcript ran");
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains(newest),
        "transcript failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// `token` None: the session stored in `home`.
fn tui(url: &str, token: Option<&str>, room: &str, home: &Path, newest: &str) -> Duration {
    let mut env = vec![("ROOMSCRIBE_HOMESERVER", url)];
    if let Some(token) = token {
        env.push(("ROOMSCRIBE_MATRIX_TOKEN", token));
    }
    let (took, pty) = slow_room::first_screen(&["tui", room], home, &env, &[newest]);
    pty.kill9();
    took
}

fn bin() -> String {
    std::env::var("ROOMSCRIBE_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_roomscribe").into())
}
