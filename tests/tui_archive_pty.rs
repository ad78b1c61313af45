//! `roomscribe tui --input FILE`: the whole app on a legacy Gitter export, no Matrix: select,
//! edit and publish to the stand-in forum; the status bar says "archive" and announcing is off.

mod tui_support;

use roomscribe_forum_standin::ForumStandin;
use tui_support::pty::Pty;

const GITTER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/crates/transcript/data/gitter-export.json"
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_is_selected_edited_and_published_without_matrix() {
    let forum = ForumStandin::start().await.unwrap();
    let home = tempfile::tempdir().unwrap();
    let (forum_url, key) = (forum.base_url(), forum.admin_key());
    let env = [
        ("ROOMSCRIBE_FORUM_URL", forum_url.as_str()),
        ("ROOMSCRIBE_FORUM_API_KEY", key.as_str()),
        ("ROOMSCRIBE_FORUM_USERNAME", "admin"),
        ("ROOMSCRIBE_TZ", "UTC"),
        // No homeserver, no token: the archive must not need them.
    ];
    let mut pty = Pty::spawn(&["tui", "--input", GITTER], home.path(), &env, 36, 130);
    tokio::task::block_in_place(|| {
        let shown = pty.wait_for(&["perfect, thanks", "archive gitter-export.json"]);
        assert!(!shown.contains("offline"), "{shown}");
        pty.wait_for(&["forum ● connected"]);
        pty.send(b":last:3 ignore:lenamoser\r");
        pty.wait_for(&["msgs"]);
        pty.send(b"e");
        pty.wait_for(&["[quote]"]);
        pty.send(b"Summary: threads have an API endpoint. ");
        pty.send(b"\x13");
        pty.wait_for(&["Publish to the forum"]);
        pty.send(b"\tchat logs\r");
        pty.wait_for(&["Publish this as a new topic?"]);
        pty.send(b"\r");
        pty.wait_for(&["Published:"]);
        pty.send(b"\x01");
        pty.wait_for(&["announcing is off"]);
        // The dialog closes onto the editor, empty now: the transcript is done.
        pty.send(b"\x1b");
        pty.wait_for(&[" EDITOR ", "Nothing selected yet"]);
        pty.send(b"\x1b");
        pty.wait_for(&[" NORMAL ", "no selection"]);
        pty.send(b"q");
    });
    let (ok, _) = tokio::task::block_in_place(|| pty.wait());
    assert!(ok, "exits cleanly");
    let topics = forum.topics();
    assert_eq!(topics.len(), 1, "{topics:?}");
    let post = &topics[0].posts[0];
    assert!(
        post.starts_with("Summary: threads have an API endpoint. "),
        "{post}"
    );
    assert!(post.contains("GET /v1/rooms"), "{post}");
    assert!(!post.contains("Has anyone got"), "only the last 3: {post}");
    // The published post is kept with its link.
    let archived = std::fs::read_dir(home.path().join("data/drafts/archive/published"))
        .expect("published folder")
        .count();
    assert_eq!(archived, 1);
}

#[path = "support/gitter_export.rs"]
mod gitter_export;

/// A large export shows how far reading has got before the app opens on it.
#[test]
fn a_large_export_shows_reading_progress_then_the_app() {
    let home = tempfile::tempdir().unwrap();
    let file = home.path().join("big-room.json");
    gitter_export::write_export(&file, 40_000);
    let big = std::fs::metadata(&file).unwrap().len();
    assert!(big > 16 << 20, "{big} bytes");
    let path = file.to_string_lossy().into_owned();
    let env = [("ROOMSCRIBE_TZ", "UTC")];
    let mut pty = Pty::spawn(&["tui", "--input", &path], home.path(), &env, 30, 120);
    pty.wait_for(&["message 39999:", "archive big-room.json"]);
    let written = String::from_utf8_lossy(&pty.written.lock().unwrap()).into_owned();
    let percents: Vec<u64> = written
        .split("reading big-room.json:")
        .skip(1)
        .filter_map(|s| s.split('%').next()?.trim().parse().ok())
        .collect();
    assert!(percents.len() >= 10, "{percents:?}");
    assert!(percents.windows(2).all(|w| w[0] <= w[1]), "{percents:?}");
    assert_eq!(percents.last(), Some(&100), "{percents:?}");
    pty.send(b"q");
    let (ok, _) = pty.wait();
    assert!(ok);
}
