//! The real binary in a pseudo-terminal on a real Synapse room: it draws the room, keeps
//! working with no forum configured, and gives the terminal back clean when the user quits.

mod tui_support;

use roomscribe_testkit::require_synapse;
use tui_support::pty::Pty;

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
    let home = tempfile::tempdir().unwrap();
    let room = format!("#{alias}:{server}");
    let env = [
        ("ROOMSCRIBE_HOMESERVER", synapse.url.as_str()),
        ("ROOMSCRIBE_MATRIX_TOKEN", moderator.access_token.as_str()),
        ("ROOMSCRIBE_TZ", "UTC"),
    ];
    let mut pty = Pty::spawn(&["tui", &room], home.path(), &env, 30, 110);

    let shown = tokio::task::block_in_place(|| pty.wait_for(&["hello from the pty test"]));
    assert!(shown.contains("forum ✗ offline"), "{shown}");
    {
        let s = pty.screen.lock().unwrap();
        assert!(s.screen().alternate_screen());
        assert!(s.screen().bracketed_paste());
    }
    // A live message arrives while it runs.
    alice.say(&room_id, "and a live one").await.unwrap();
    tokio::task::block_in_place(|| pty.wait_for(&["and a live one"]));

    pty.send(b"q");
    let (ok, screen) = tokio::task::block_in_place(|| pty.wait());
    assert!(ok, "exits cleanly on q");
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

/// Behind a gateway answering 502 for the room lookup, the status bar says why it is retrying,
/// then that it gave up; the app stays usable and quits on q.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_502_for_the_room_shows_in_the_status_bar_and_ends_offline() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let alice = synapse.register("ptyalice").await.unwrap();
    let moderator = synapse.register("ptymod").await.unwrap();
    let alias = format!("gw{}", uuid::Uuid::new_v4().simple());
    alice.create_room(Some(&alias)).await.unwrap();
    let server = alice.user_id.split_once(':').unwrap().1.to_string();
    let room = format!("#{alias}:{server}");
    let gateway = roomscribe_testkit::Gateway::in_front_of(&synapse.url)
        .await
        .unwrap();
    gateway.fail("/directory/room/");
    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    std::fs::write(
        home.path().join("config/config.toml"),
        "[matrix]\ngive_up_after = \"6s\"\n",
    )
    .unwrap();
    let url = gateway.url();
    let env = [
        ("ROOMSCRIBE_HOMESERVER", url.as_str()),
        ("ROOMSCRIBE_MATRIX_TOKEN", moderator.access_token.as_str()),
        ("ROOMSCRIBE_TZ", "UTC"),
    ];
    let mut pty = Pty::spawn(&["tui", &room], home.path(), &env, 30, 140);
    tokio::task::block_in_place(|| {
        pty.wait_for(&["reconnecting in", "502 Bad Gateway"]);
        pty.wait_for(&["offline: cannot open", "gave up after"]);
    });
    pty.send(b"q");
    let (ok, _) = tokio::task::block_in_place(|| pty.wait());
    assert!(ok, "exits cleanly on q");
}
