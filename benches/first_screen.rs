//! Time to the first screen over a long link: a loopback proxy adds 50 ms each way (100 ms
//! round trip) in front of the real Synapse. Figures are ratios to one raw `/messages?limit=50`
//! page over the same link in the same run (goal ≤ 2×): `transcript ROOM last:50` (the whole
//! process) and `tui ROOM` until the newest message is on screen, both with a bare token and a
//! fresh data dir. Run: `scripts/synapse` exports, then
//! `cargo bench --bench first_screen` (`--profile dev` for a quick check).
//! `ROOMSCRIBE_BENCH_BIN` runs another build of roomscribe (an earlier commit's) instead.

use std::path::Path;
use std::time::{Duration, Instant};

use roomscribe_testkit::{DelayProxy, encode, require_synapse};

#[allow(dead_code)]
#[path = "../tests/tui_support/pty.rs"]
mod pty;

const MESSAGES: usize = 200;
const RUNS: usize = 5;
const ONE_WAY: Duration = Duration::from_millis(50);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(hs) = require_synapse() else { return };
    let owner = hs.register("fsowner").await.expect("register");
    let reader = hs.register("fsreader").await.expect("register");
    let alias = format!("fs{}", uuid::Uuid::new_v4().simple());
    let room_id = owner.create_room(Some(&alias)).await.expect("room");
    for i in 0..MESSAGES {
        owner
            .say(&room_id, &format!("bench message {i}"))
            .await
            .expect("send");
    }
    reader.join(&room_id).await.expect("join");
    let room = format!("#{alias}:{}", owner.user_id.split_once(':').unwrap().1);
    let newest = format!("bench message {}", MESSAGES - 1);
    let proxy = DelayProxy::in_front_of(&hs.url, ONE_WAY)
        .await
        .expect("proxy");
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
            tui(&url, &reader.access_token, &room, home.path(), &newest)
        }));
    }
    println!("  (tui requests include the live long-polls after the screen)");
    let requests = proxy.requests().len() / RUNS;
    report("tui ROOM first screen", median(runs), base, requests);
}

fn report(what: &str, took: Duration, base: Duration, requests: usize) {
    let ratio = took.as_secs_f64() / base.as_secs_f64();
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
    let out = std::process::Command::new(bin())
        .args(["transcript", "--format", "json", room, "last:50"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("ROOMSCRIBE_DATA_DIR", home.join("data"))
        .env("ROOMSCRIBE_CONFIG_DIR", home.join("config"))
        .env("ROOMSCRIBE_STATE_DIR", home.join("state"))
        .env("ROOMSCRIBE_HOMESERVER", url)
        .env("ROOMSCRIBE_MATRIX_TOKEN", token)
        .env("ROOMSCRIBE_TZ", "UTC")
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

fn tui(url: &str, token: &str, room: &str, home: &Path, newest: &str) -> Duration {
    let env = [
        ("ROOMSCRIBE_HOMESERVER", url),
        ("ROOMSCRIBE_MATRIX_TOKEN", token),
        ("ROOMSCRIBE_TZ", "UTC"),
    ];
    let started = Instant::now();
    let pty = pty::Pty::spawn(&["tui", room], home, &env, 30, 110);
    // Finer than Pty::wait_for's 100 ms poll: the figure is a few round trips.
    loop {
        if pty.contents().contains(newest) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no first screen: {}",
            pty.contents()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let took = started.elapsed();
    pty.kill9();
    took
}

fn bin() -> String {
    std::env::var("ROOMSCRIBE_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_roomscribe").into())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
