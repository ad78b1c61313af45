//! Streamed archives (issue 13 item 3): generated legacy Gitter exports of 100k and 1M
//! messages, read by the real binary, against the floor measured in the same run: a plain typed
//! `serde_json::from_reader` of the same file into a `Vec` of a minimal message struct.
//!
//! `cargo bench --bench archive` (release; ~12 min). `ROOMSCRIBE_BENCH_SCALE=0.01` scales the
//! message counts for a quick check. Peak RSS is each child's own (wait4's ru_maxrss). The
//! `tui --input` figure uses the hidden `ROOMSCRIBE_ARCHIVE_LOAD_ONLY` switch (src/app/archive.rs):
//! the same loading into the app's timeline, without a terminal.

use std::io::{BufReader, BufWriter, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;

#[allow(dead_code)] // The fields are read only to be parsed, as a real reader would.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Minimal {
    id: String,
    text: String,
    html: Option<String>,
    sent: String,
    from_user: MinimalUser,
}

#[allow(dead_code)]
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MinimalUser {
    username: String,
    display_name: Option<String>,
}

fn write_export(path: &Path, n: usize) {
    let mut f = BufWriter::new(std::fs::File::create(path).expect("create export"));
    f.write_all(b"[").unwrap();
    for i in 0..n {
        if i > 0 {
            f.write_all(b",\n").unwrap();
        }
        let text = format!(
            "message {i}: a line of chat about as long as a real one, with a `code` word and a link https://example.org/{i}"
        );
        write!(
            f,
            r#"{{"id":"{i:024x}","text":"{text}","html":"<p>{text}</p>","sent":"2020-01-{:02}T{:02}:{:02}:{:02}.{:03}Z","fromUser":{{"id":"{:024x}","username":"user{}","displayName":"User {}","url":"/user{}","avatarUrl":"https://avatars.example.org/user{}"}},"unread":false,"readBy":3,"urls":[],"mentions":[],"issues":[],"meta":[],"v":1}}"#,
            1 + (i / 86_400_000) % 28,
            (i / 3_600_000) % 24,
            (i / 60_000) % 60,
            (i / 1000) % 60,
            i % 1000,
            i % 500,
            i % 500,
            i % 500,
            i % 500,
            i % 500,
        )
        .unwrap();
    }
    f.write_all(b"]").unwrap();
    f.flush().unwrap();
}

fn floor(path: &Path) -> Duration {
    let t = Instant::now();
    let f = std::fs::File::open(path).unwrap();
    let v: Vec<Minimal> = serde_json::from_reader(BufReader::new(f)).expect("floor parses");
    std::hint::black_box(&v);
    t.elapsed()
}

/// Runs the binary; its wall time and peak RSS in MB.
// The child is reaped by wait4 below, which also gives its own peak RSS.
#[allow(clippy::zombie_processes)]
fn run(args: &[&str], env: &[(&str, &str)], home: &Path) -> (Duration, f64) {
    let t = Instant::now();
    // ROOMSCRIBE_BENCH_BIN: another build (e.g. an older one) for before/after figures.
    let bin = std::env::var("ROOMSCRIBE_BENCH_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_roomscribe").into());
    let child = std::process::Command::new(bin)
        .args(args)
        .envs(env.iter().copied())
        .env("XDG_CONFIG_HOME", home)
        .env("XDG_STATE_HOME", home)
        .env_remove("ROOMSCRIBE_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("roomscribe starts");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is plain data, zeroed is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: pid is our child, not yet waited for; the pointers are to live locals.
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = t.elapsed();
    assert_eq!(r, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "roomscribe {args:?} failed (status {status})"
    );
    (elapsed, usage.ru_maxrss as f64 / 1024.0)
}

fn report(name: &str, floor: Duration, (t, rss): (Duration, f64), goal_ratio: f64, goal_mb: f64) {
    println!(
        "{name:<34} {:>8.2} s  {:>5.2}x floor (goal <= {goal_ratio}x)  peak {:>7.1} MB (goal <= {goal_mb} MB)",
        t.as_secs_f64(),
        t.as_secs_f64() / floor.as_secs_f64(),
        rss
    );
}

fn main() {
    let scale: f64 = std::env::var("ROOMSCRIBE_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let n_small = ((100_000.0 * scale) as usize).max(10);
    let n_big = ((1_000_000.0 * scale) as usize).max(10);
    let dir = tempfile::tempdir().expect("temp dir");
    let home = dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    let small = dir.path().join("small.json");
    let big = dir.path().join("big.json");
    write_export(&small, n_small);
    write_export(&big, n_big);
    let mb = |p: &Path| std::fs::metadata(p).map_or(0.0, |m| m.len() as f64 / 1e6);
    println!(
        "archive bench: {n_small} messages ({:.0} MB), {n_big} messages ({:.0} MB)",
        mb(&small),
        mb(&big)
    );

    let s = small.to_str().unwrap();
    let b = big.to_str().unwrap();
    // The children run first: a spawned child's ru_maxrss starts from this process's own RSS
    // (Linux keeps the high-water mark of the pre-exec memory), which the floors would inflate.
    let whole = run(&["transcript", "--input", s], &[], &home);
    let last = run(&["transcript", "--input", b, "last:50"], &[], &home);
    let tui = run(
        &["tui", "--input", b],
        &[("ROOMSCRIBE_ARCHIVE_LOAD_ONLY", "1")],
        &home,
    );
    let floor_small = floor(&small);
    let floor_big = floor(&big);
    println!(
        "floor (typed serde_json::from_reader): {:.2} s / {:.2} s",
        floor_small.as_secs_f64(),
        floor_big.as_secs_f64()
    );
    report(
        &format!("transcript --input {n_small}"),
        floor_small,
        whole,
        1.5,
        120.0,
    );
    report(
        &format!("transcript --input {n_big} last:50"),
        floor_big,
        last,
        1.5,
        150.0,
    );
    println!(
        "{:<34} {:>8.2} s  peak {:>7.1} MB (goal <= 1536 MB)",
        format!("tui --input {n_big} (load)"),
        tui.0.as_secs_f64(),
        tui.1
    );
}
