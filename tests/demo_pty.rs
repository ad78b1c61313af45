//! The README's first command, run as a newcomer would, in a pseudo-terminal: it must show the
//! room, the forum sidebar and the status bar, let the whole product be used, and quit on the
//! documented key. So the README cannot silently rot.

mod tui_support;

use tui_support::pty::Pty;

/// The first shell command in the README and the key the README says quits.
fn readme_demo_command() -> (Vec<String>, String) {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let block = readme
        .split("```sh\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("README has a ```sh block");
    let first = block.lines().next().expect("the block has a first line");
    let command = first.split('#').next().unwrap().trim();
    let args = command
        .strip_prefix("cargo run --release -- ")
        .unwrap_or_else(|| {
            panic!("README's first command is not `cargo run --release -- …`: {command}")
        });
    let quit = readme
        .split("quits")
        .next()
        .and_then(|before| before.rsplit('`').nth(1))
        .expect("README says which key quits")
        .to_string();
    (args.split_whitespace().map(str::to_string).collect(), quit)
}

#[test]
fn readme_first_command_shows_room_sidebar_and_status_then_quits() {
    let (args, quit) = readme_demo_command();
    assert_eq!(args, ["demo"]);
    let home = tempfile::tempdir().unwrap();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut pty = Pty::spawn(&args, home.path(), &[("ROOMSCRIBE_TZ", "UTC")], 24, 80);
    // 80×24, the smallest size supported: the status bar abbreviates and the forum feed
    // folds behind the speakers panel, but room, sidebar and status bar are all there.
    let screen = pty.wait_for(&[
        "#roomscribe_demo:gitter.im",
        "Mara",
        "NORMAL",
        "chat ●",
        "forum ●",
    ]);
    assert!(screen.contains("Speakers"), "{screen}");
    assert!(screen.contains("? f1 help"), "{screen}");
    pty.send(quit.as_bytes());
    let (ok, screen) = pty.wait();
    assert!(ok, "the demo exits cleanly on {quit:?}");
    assert!(!screen.lock().unwrap().screen().alternate_screen());
}

#[test]
fn demo_select_publish_announce_and_forward() {
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(
        // Slow enough that no new forum item lands on top of the sidebar between publishing
        // and forwarding the published topic (the demo forum now keeps generating items).
        &["demo", "--pace", "30"],
        home.path(),
        &[("ROOMSCRIBE_TZ", "UTC")],
        36,
        130,
    );
    pty.wait_for(&["Mara", "Forum · 2"]);
    pty.send(b":last:8 ignore:ci-bot\r");
    pty.wait_for(&["8 msgs", "1 ignored"]);
    // Publish: the title is suggested; pick the category by typing part of its name.
    pty.send(b"p");
    pty.wait_for(&["Publish to the forum", "Category"]);
    pty.send(b"\ttranscripts\r");
    pty.wait_for(&["Publish this as a new topic?", "Chat transcripts"]);
    pty.send(b"\r");
    pty.wait_for(&["Published:", "forum.roomscribe.invalid/t/"]);
    // Announce the link in the room: the notice arrives in the timeline.
    pty.send(b"\x01");
    pty.wait_for(&["Send this to the room?"]);
    pty.send(b"y");
    pty.wait_for(&["Transcript posted to the forum"]);
    // The new topic is in the sidebar; forward the newest routed item into the room.
    pty.send(b"\x1b");
    pty.wait_for(&["NORMAL"]);
    pty.send(b"\t\t");
    pty.wait_for(&["f forward"]);
    pty.send(b"f");
    // The newest item is the topic just published; the notice is previewed, then sent.
    pty.wait_for(&["Send this notice to the room?", "you posted a new topic"]);
    pty.send(b"y");
    let screen = pty.wait_for(&["sent to the room"]);
    assert!(
        screen.matches("you posted a new topic").count() >= 1,
        "the notice is in the timeline: {screen}"
    );
    pty.send(b"q");
    let (ok, _) = pty.wait();
    assert!(ok);
}
