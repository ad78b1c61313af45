//! Large exports end to end: the real binary on generated legacy Gitter exports, streamed, and
//! under a memory limit a clear one-line error with exit 1 instead of an abort.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

/// One legacy Gitter export message of about 500 bytes, like the real ones.
fn message(i: usize) -> String {
    let text = format!(
        "message {i}: a line of chat that is about as long as a real one, give or take a few words more"
    );
    format!(
        r#"{{"id":"{i:024x}","text":"{text}","html":"{text}","sent":"2020-01-01T{:02}:{:02}:{:02}.000Z","fromUser":{{"username":"user{}","displayName":"User {}"}},"readBy":3,"urls":[],"mentions":[],"issues":[],"meta":[],"v":1}}"#,
        (i / 3600) % 24,
        (i / 60) % 60,
        i % 60,
        i % 50,
        i % 50
    )
}

fn write_export(path: &Path, n: usize) {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create export"));
    f.write_all(b"[").unwrap();
    for i in 0..n {
        if i > 0 {
            f.write_all(b",\n").unwrap();
        }
        f.write_all(message(i).as_bytes()).unwrap();
    }
    f.write_all(b"]").unwrap();
    f.flush().unwrap();
}

/// `roomscribe ARGS` with its address space limited to `limit_mb` (sh's `ulimit -v`).
fn run_limited(limit_mb: u64, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("temp dir");
    Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {} && exec \"$0\" \"$@\"",
            limit_mb * 1024
        ))
        .arg(env!("CARGO_BIN_EXE_roomscribe"))
        .args(args)
        .env("XDG_CONFIG_HOME", dir.path())
        .env("XDG_STATE_HOME", dir.path())
        .env("ROOMSCRIBE_TZ", "UTC")
        .env_remove("ROOMSCRIBE_CONFIG")
        .output()
        .expect("sh runs")
}

/// Well above what the binary needs to start, well below what 80k messages take in memory.
const LIMIT_MB: u64 = 128;

#[test]
fn an_export_too_large_for_the_memory_limit_is_one_line_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let small = dir.path().join("small.json");
    write_export(&small, 20);
    let o = run_limited(
        LIMIT_MB,
        &["transcript", "--input", small.to_str().unwrap(), "last:5"],
    );
    assert!(
        o.status.success(),
        "the limit leaves room for a small export: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(String::from_utf8_lossy(&o.stdout).contains("message 19:"));

    let big = dir.path().join("big.json");
    write_export(&big, 80_000);
    let o = run_limited(LIMIT_MB, &["transcript", "--input", big.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "stderr: {err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("roomscribe: out of memory"), "{err}");
    assert!(!err.contains("memory allocation of"), "{err}");

    // The same file under the same limit: last:N keeps only N messages while reading.
    let o = run_limited(
        LIMIT_MB,
        &["transcript", "--input", big.to_str().unwrap(), "last:10"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        out.contains("message 79999:") && !out.contains("message 79989:"),
        "{out}"
    );
}

#[test]
fn a_streamed_export_gives_the_same_post_as_ndjson_and_with_a_byte_order_mark() {
    let dir = tempfile::tempdir().unwrap();
    let array = dir.path().join("room.json");
    write_export(&array, 3_000);
    let lines: String = (0..3_000).map(|i| message(i) + "\n").collect();
    let nd = dir.path().join("room.ndjson");
    std::fs::write(&nd, &lines).unwrap();
    let bom = dir.path().join("room.bom.json");
    let mut marked = b"\xEF\xBB\xBF".to_vec();
    marked.extend(std::fs::read(&array).unwrap());
    std::fs::write(&bom, marked).unwrap();
    let post = |p: &Path| {
        let o = run_limited(
            4096,
            &[
                "transcript",
                "--input",
                p.to_str().unwrap(),
                "org/room",
                "last:40",
            ],
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let a = post(&array);
    assert!(
        a.contains("message 2999:") && a.contains("message 2960:") && !a.contains("message 2959:"),
        "{a}"
    );
    assert_eq!(post(&nd), a);
    assert_eq!(post(&bom), a);
}
