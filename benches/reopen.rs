//! Reopening a room from the cache, over a long link: a loopback proxy adds 50 ms each way
//! (100 ms round trip) in front of the real Synapse. The room is opened once to fill the
//! cache; then the time from start until the newest message is on screen is measured for a
//! reopen (goal: < 100 ms, whatever the link) against the same first screen with `--no-cache`
//! (the baseline, same run), and for a first start with the cache on (what filling it costs).
//! Run: `scripts/synapse` exports, then `cargo bench --bench reopen` (`--profile dev` for a
//! quick check). `ROOMSCRIBE_BENCH_BIN` runs another build of roomscribe instead.

use std::path::Path;
use std::time::{Duration, Instant};

use roomscribe_testkit::{DelayProxy, require_synapse};

#[allow(dead_code)]
#[path = "../tests/tui_support/pty.rs"]
mod pty;

const MESSAGES: usize = 200;
const RUNS: usize = 5;
const ONE_WAY: Duration = Duration::from_millis(50);

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(hs) = require_synapse() else { return };
    let owner = hs.register("roowner").await.expect("register");
    let reader = hs.register("roreader").await.expect("register");
    let alias = format!("ro{}", uuid::Uuid::new_v4().simple());
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
    let token = reader.access_token.as_str();
    let screen = |home: &Path, extra: &[&str], until: &[&str]| {
        let mut args = vec!["tui"];
        args.extend_from_slice(extra);
        args.push(&room);
        first_screen(&url, token, &args, home, until)
    };

    let mut no_cache = Vec::new();
    let mut first = Vec::new();
    for _ in 0..RUNS {
        let home = tempfile::tempdir().unwrap();
        no_cache.push(tokio::task::block_in_place(|| {
            screen(home.path(), &["--no-cache"], &[&newest])
        }));
        first.push(tokio::task::block_in_place(|| {
            screen(home.path(), &[], &[&newest])
        }));
    }
    // The cache filled (and the token's owner known) once, as after a day's use.
    let home = tempfile::tempdir().unwrap();
    tokio::task::block_in_place(|| screen(home.path(), &[], &[&newest, "● connected"]));
    let mut reopen = Vec::new();
    for _ in 0..RUNS {
        reopen.push(tokio::task::block_in_place(|| {
            screen(home.path(), &[], &[&newest])
        }));
    }

    let base = median(no_cache);
    println!(
        "reopen from the cache over a {} ms round trip, {MESSAGES} messages, median of {RUNS}",
        2 * ONE_WAY.as_millis()
    );
    println!("baseline: tui --no-cache first screen: {:.0} ms", ms(base));
    let first = median(first);
    println!(
        "first start with the cache on (fresh data dir): {:.0} ms = {:.2}× baseline",
        ms(first),
        ratio(first, base)
    );
    let reopen = median(reopen);
    let verdict = if reopen < Duration::from_millis(100) {
        "met"
    } else {
        "not met"
    };
    println!(
        "reopen from the cache: {:.0} ms = {:.2}× baseline (goal < 100 ms: {verdict})",
        ms(reopen),
        ratio(reopen, base)
    );
}

/// Starts the app and waits until all of `until` is on screen; the time that took. The app
/// is then quit with `q` (so its cache is written as a person would leave it).
fn first_screen(url: &str, token: &str, args: &[&str], home: &Path, until: &[&str]) -> Duration {
    let env = [
        ("ROOMSCRIBE_HOMESERVER", url),
        ("ROOMSCRIBE_MATRIX_TOKEN", token),
        ("ROOMSCRIBE_TZ", "UTC"),
    ];
    let started = Instant::now();
    let mut pty = pty::Pty::spawn(args, home, &env, 30, 110);
    // Finer than Pty::wait_for's 100 ms poll: the figure is a few tens of milliseconds.
    loop {
        let text = pty.contents();
        if until.iter().all(|w| text.contains(w)) {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "no first screen: {text}"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    let took = started.elapsed();
    pty.send(b"q");
    let (ok, _) = pty.wait();
    assert!(ok, "roomscribe exited with an error");
    took
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
