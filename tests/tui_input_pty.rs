//! Input under stress, in a real pseudo-terminal: a long burst without bracketed paste (tmux
//! send-keys, some terminals over SSH) must not swallow the Esc that follows it.

mod tui_support;

use tui_support::pty::Pty;

fn burst_then_esc(len: usize, esc_apart: bool) {
    let home = tempfile::tempdir().unwrap();
    let mut pty = Pty::spawn(&["demo"], home.path(), &[("ROOMSCRIBE_TZ", "UTC")], 24, 100);
    pty.wait_for(&["NORMAL"]);
    pty.send(b":");
    pty.wait_for(&["COMMAND"]);
    let mut bytes = vec![b'a'; len];
    if esc_apart {
        pty.send(&bytes);
        std::thread::sleep(std::time::Duration::from_millis(300));
        pty.send(b"\x1b");
    } else {
        bytes.push(0x1b);
        pty.send(&bytes);
    }
    let shown = pty.wait_for(&["NORMAL"]);
    assert!(!shown.contains("COMMAND"), "{shown}");
    pty.send(b"q");
    let (ok, _) = pty.wait();
    assert!(ok, "q quits after the burst");
}

#[test]
fn esc_after_a_2500_byte_burst_leaves_command_mode_and_q_quits() {
    burst_then_esc(2_500, true);
}

#[test]
#[ignore = "open (issue 11.7): crossterm 0.29 holds an Esc that ends a full 1,024-byte read until \
            the next byte (crossterm-rs/crossterm#993), so this fails when the pty splits the burst \
            there; it passes again once roomscribe reads the terminal itself"]
fn esc_at_the_end_of_the_same_burst_is_not_lost() {
    // (An Esc that is exactly the 1,024th byte of one read still waits for the next byte:
    // crossterm cannot tell it from the start of a sequence.)
    for len in [2_500, 5_000] {
        burst_then_esc(len, false);
    }
}

/// Typing steadily (10 keys a second, never pausing) and then `kill -9`: what was typed until
/// 2 s before the kill is offered back at the next start.
#[test]
fn steady_typing_is_saved_at_least_every_two_seconds() {
    use std::time::{Duration, Instant};
    let home = tempfile::tempdir().unwrap();
    let env = [("ROOMSCRIBE_TZ", "UTC")];
    let mut pty = Pty::spawn(&["demo"], home.path(), &env, 24, 100);
    pty.wait_for(&["NORMAL"]);
    pty.send(b"e");
    pty.wait_for(&["EDITOR"]);
    let mut typed: Vec<(Instant, char)> = Vec::new();
    let letters = "abcdefghijklmnopqrstuvwxyz";
    for c in letters.chars().chain(letters.chars()).take(50) {
        pty.send(c.to_string().as_bytes());
        typed.push((Instant::now(), c));
        std::thread::sleep(Duration::from_millis(100));
    }
    let killed = Instant::now();
    pty.kill9();
    let must: String = typed
        .iter()
        .filter(|(at, _)| killed.duration_since(*at) >= Duration::from_secs(2))
        .map(|(_, c)| *c)
        .collect();
    assert!(must.len() >= 25, "the test typed long enough");
    let dir = home.path().join("data/drafts/demo");
    let draft = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| std::fs::read_to_string(e.ok()?.path()).ok())
        .next()
        .expect("a draft was saved");
    let v: serde_json::Value = serde_json::from_str(&draft).unwrap();
    let text = v["text"].as_str().unwrap_or_default().to_string();
    let kept: String = text.chars().filter(|c| c.is_ascii_lowercase()).collect();
    assert!(
        kept.contains(&must) || text.contains(&must),
        "typed until 2 s before the kill: {must:?}; saved: {text:?}"
    );
    // And the next start offers it back.
    let mut pty = Pty::spawn(&["demo"], home.path(), &env, 24, 100);
    pty.wait_for(&["Restore the draft"]);
    pty.send(b"y");
    pty.send(b"q");
    let _ = pty.wait();
}
