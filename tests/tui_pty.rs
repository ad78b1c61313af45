//! The real binary in a pseudo-terminal on a real Synapse room: it draws the room, keeps
//! working with no forum configured, and gives the terminal back clean when the user quits.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use roomscribe_testkit::require_synapse;

/// Only a hang fails; never a speed assertion.
const PATIENCE: Duration = Duration::from_secs(60);

fn wait_for(screen: &Arc<Mutex<vt100::Parser>>, what: &str) -> String {
    let deadline = Instant::now() + PATIENCE;
    loop {
        let text = screen.lock().unwrap().screen().contents();
        if text.contains(what) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "gave up waiting for {what:?}; screen:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_draws_the_room_and_restores_the_terminal() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let alice = synapse.register("ptyalice").await.unwrap();
    let moderator = synapse.register("ptymod").await.unwrap();
    let alias = format!("pty{}", uuid::Uuid::new_v4().simple());
    let room_id = alice.create_room(Some(&alias)).await.unwrap();
    alice
        .say(&room_id, "hello from the pty test")
        .await
        .unwrap();
    let server = alice.user_id.split_once(':').unwrap().1.to_string();
    let dir = tempfile::tempdir().unwrap();

    let pty = native_pty_system()
        .openpty(PtySize {
            rows: 30,
            cols: 110,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_roomscribe"));
    cmd.args(["tui", &format!("#{alias}:{server}")]);
    cmd.env_clear();
    cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
    cmd.env("HOME", dir.path());
    cmd.env("TERM", "xterm-256color");
    cmd.env("ROOMSCRIBE_DATA_DIR", dir.path().join("data"));
    cmd.env("ROOMSCRIBE_CONFIG_DIR", dir.path().join("config"));
    cmd.env("ROOMSCRIBE_STATE_DIR", dir.path().join("state"));
    cmd.env("ROOMSCRIBE_HOMESERVER", &synapse.url);
    cmd.env("ROOMSCRIBE_MATRIX_TOKEN", &moderator.access_token);
    cmd.env("ROOMSCRIBE_TZ", "UTC");
    let mut child = pty.slave.spawn_command(cmd).unwrap();
    drop(pty.slave);
    let screen = Arc::new(Mutex::new(vt100::Parser::new(30, 110, 0)));
    let mut reader = pty.master.try_clone_reader().unwrap();
    let feed = screen.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 8192];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            feed.lock().unwrap().process(&buf[..n]);
        }
    });
    let mut writer = pty.master.take_writer().unwrap();

    let shown = tokio::task::spawn_blocking({
        let screen = screen.clone();
        move || wait_for(&screen, "hello from the pty test")
    })
    .await
    .unwrap();
    assert!(shown.contains("forum ✗ offline"), "{shown}");
    {
        let s = screen.lock().unwrap();
        assert!(s.screen().alternate_screen());
        assert!(s.screen().bracketed_paste());
    }
    // A live message arrives while it runs.
    alice.say(&room_id, "and a live one").await.unwrap();
    tokio::task::spawn_blocking({
        let screen = screen.clone();
        move || wait_for(&screen, "and a live one")
    })
    .await
    .unwrap();

    writer.write_all(b"q").unwrap();
    writer.flush().unwrap();
    let status = tokio::task::spawn_blocking(move || child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status:?}");
    let s = screen.lock().unwrap();
    let s = s.screen();
    assert!(!s.alternate_screen(), "left the alternate screen");
    assert!(!s.hide_cursor(), "cursor shown again");
    assert!(!s.bracketed_paste(), "bracketed paste off");
    assert_eq!(
        s.mouse_protocol_mode(),
        vt100::MouseProtocolMode::None,
        "mouse capture off"
    );
}
