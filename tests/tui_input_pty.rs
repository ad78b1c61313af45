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
fn esc_at_the_end_of_the_same_burst_is_not_lost() {
    // (An Esc that is exactly the 1,024th byte of one read still waits for the next byte:
    // crossterm cannot tell it from the start of a sequence.)
    for len in [2_500, 5_000] {
        burst_then_esc(len, false);
    }
}
