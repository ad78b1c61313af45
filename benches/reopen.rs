//! Reopening a room from the cache, over a long link: a loopback proxy adds 50 ms each way
//! (100 ms round trip) in front of the real Synapse. The room is opened once to fill the
//! cache; then the time from start until the newest message is on screen is measured for a
//! reopen (goal: < 100 ms, whatever the link) against the same first screen with `--no-cache`
//! (the baseline, same run), and for a first start with the cache on (what filling it costs).
//! Run: `scripts/synapse` exports, then `cargo bench --bench reopen` (`--profile dev` for a
//! quick check). `ROOMSCRIBE_BENCH_BIN` runs another build of roomscribe instead.

use std::path::Path;
use std::time::Duration;

use roomscribe_testkit::require_synapse;

#[allow(dead_code)]
#[path = "../tests/tui_support/pty.rs"]
mod pty;
#[allow(dead_code)]
#[path = "support/slow_room.rs"]
mod slow_room;

use slow_room::{MESSAGES, ONE_WAY, RUNS, SlowRoom, median, ms, ratio};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let Some(hs) = require_synapse() else { return };
    let SlowRoom {
        reader,
        room,
        newest,
        proxy,
        ..
    } = slow_room::slow_room(&hs, "ro").await;
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

/// The time until all of `until` is on screen. The app is then quit with `q` (so its cache
/// is written as a person would leave it).
fn first_screen(url: &str, token: &str, args: &[&str], home: &Path, until: &[&str]) -> Duration {
    let env = [
        ("ROOMSCRIBE_HOMESERVER", url),
        ("ROOMSCRIBE_MATRIX_TOKEN", token),
    ];
    let (took, mut pty) = slow_room::first_screen(args, home, &env, until);
    pty.send(b"q");
    let (ok, _) = pty.wait();
    assert!(ok, "roomscribe exited with an error");
    took
}
