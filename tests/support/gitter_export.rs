//! A generated legacy Gitter export (a JSON array of messages of about 500 bytes, like the real
//! ones), for the archive tests and bench: large files are made, never committed.

use std::io::{BufWriter, Write};
use std::path::Path;

/// Message `i`: one a millisecond from 2020-01-01, from 500 users.
pub fn message(i: usize) -> String {
    let text = format!(
        "message {i}: a line of chat about as long as a real one, with a `code` word and a link https://example.org/{i}"
    );
    format!(
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
}

/// Writes `n` messages as a JSON array.
pub fn write_export(path: &Path, n: usize) {
    let mut f = BufWriter::new(std::fs::File::create(path).expect("create export"));
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
