//! The whole product as a moderator uses it: the real binary in a pseudo-terminal, on a real
//! Synapse room and the stateful forum stand-in. Select, ignore a user, edit, publish — the
//! stand-in then holds exactly that topic — and forward a forum item into the room.

mod tui_support;

use std::time::{Duration, Instant};

use roomscribe_forum_standin::ForumStandin;
use roomscribe_testkit::require_synapse;
use tui_support::pty::Pty;

/// Only a hang fails; never a speed assertion.
const PATIENCE: Duration = Duration::from_secs(60);

/// Presses Tab until `marker` shows the wanted pane has the focus (it gets the heavy border).
fn focus(pty: &mut Pty, marker: &str) {
    for _ in 0..4 {
        if pty.contents().contains(marker) {
            return;
        }
        pty.send(b"\t");
        std::thread::sleep(Duration::from_millis(300));
    }
    pty.wait_for(&[marker]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn select_ignore_edit_publish_and_forward_on_real_parts() {
    let Some(synapse) = require_synapse() else {
        return;
    };
    let alice = synapse.register("e2ealice").await.unwrap();
    let bob = synapse.register("e2ebob").await.unwrap();
    let moderator = synapse.register("e2emod").await.unwrap();
    let alias = format!("e2e{}", uuid::Uuid::new_v4().simple());
    let room_id = alice.create_room(Some(&alias)).await.unwrap();
    bob.join(&room_id).await.unwrap();
    alice
        .say(&room_id, "the webhook stopped firing after the upgrade")
        .await
        .unwrap();
    bob.say(&room_id, "BUY CHEAP TOKENS at spam.example")
        .await
        .unwrap();
    alice
        .say(
            &room_id,
            "fixed by re-saving the secret in the repo settings",
        )
        .await
        .unwrap();
    let server = alice.user_id.split_once(':').unwrap().1.to_string();
    let room = format!("#{alias}:{server}");
    let mut forum = ForumStandin::start().await.unwrap();

    let home = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(home.path().join("config")).unwrap();
    std::fs::write(
        home.path().join("config/config.toml"),
        format!("[[rules]]\ncategory = \"dev\"\nfilter = \"watch\"\nroom = \"{room}\"\n"),
    )
    .unwrap();
    let (forum_url, key) = (forum.base_url(), forum.admin_key());
    let env = [
        ("ROOMSCRIBE_HOMESERVER", synapse.url.as_str()),
        ("ROOMSCRIBE_MATRIX_TOKEN", moderator.access_token.as_str()),
        ("ROOMSCRIBE_FORUM_URL", forum_url.as_str()),
        ("ROOMSCRIBE_FORUM_API_KEY", key.as_str()),
        ("ROOMSCRIBE_FORUM_USERNAME", "admin"),
        ("ROOMSCRIBE_TZ", "UTC"),
    ];
    let mut pty = Pty::spawn(&["tui", &room], home.path(), &env, 36, 130);

    tokio::task::block_in_place(|| {
        pty.wait_for(&["re-saving the secret", "forum ● connected"]);
        // Select the three messages; ignore bob from the speakers panel (second by count).
        pty.send(b":last:3\r");
        pty.wait_for(&["3 msgs"]);
        let screen = {
            focus(&mut pty, "┏ Speakers · 2");
            pty.contents()
        };
        // The cursor starts on the first speaker; move to bob's row, wherever the panel put him.
        let rows: Vec<&str> = screen
            .lines()
            .filter_map(|l| l.find('✓').map(|i| &l[i..]))
            .collect();
        let bob_row = rows
            .iter()
            .position(|r| r.contains(&bob.localpart))
            .unwrap_or_else(|| panic!("bob in the speakers panel: {screen}"));
        pty.send("j".repeat(bob_row).as_bytes());
        pty.send(b" ");
        pty.wait_for(&["1 ignored"]);
        // Edit the post: once typed into, the editor keeps the text.
        pty.send(b"e");
        pty.wait_for(&["[quote]"]);
        pty.send(b"Summary: re-save the secret. ");
        std::thread::sleep(Duration::from_millis(300));
        // Publish into Support / Chat logs, picked by typing part of its name.
        pty.send(b"\x13");
        pty.wait_for(&["Publish to the forum"]);
        pty.send(b"\tchat logs\r");
        pty.wait_for(&["Publish this as a new topic?"]);
        pty.send(b"\r");
        pty.wait_for(&["Published:"]);
    });
    let topics = forum.topics();
    assert_eq!(topics.len(), 1, "exactly one topic: {topics:?}");
    let topic = &topics[0];
    assert_eq!(topic.category_id, 3);
    assert_eq!(topic.posts.len(), 1, "ONE post");
    let post = &topic.posts[0];
    assert!(post.starts_with("Summary: re-save the secret. "), "{post}");
    assert!(
        post.contains("re-saving the secret") && post.contains("webhook stopped firing"),
        "{post}"
    );
    assert!(
        !post.contains("BUY CHEAP"),
        "the ignored user is left out: {post}"
    );

    // Someone posts in a category routed to the room; forward it from the sidebar.
    forum
        .publish_post_as(
            "alice",
            None,
            "Build broken on main since this morning",
            "The CI job fails at the link step for every branch.",
            4,
            &[],
        )
        .unwrap();
    tokio::task::block_in_place(|| {
        // Esc closes the dialog, then the editor (its text is kept).
        for _ in 0..3 {
            if pty.contents().contains(" NORMAL ") {
                break;
            }
            pty.send(b"\x1b");
            std::thread::sleep(Duration::from_millis(400));
        }
        pty.wait_for(&[" NORMAL ", "Build broken on main"]);
        focus(&mut pty, "f forward");
        pty.send(b"f");
        pty.wait_for(&["Send this notice to the room?", "Build broken on main"]);
        pty.send(b"y");
        pty.wait_for(&["sent to the room"]);
    });
    let path = format!(
        "/rooms/{}/messages?dir=b&limit=20",
        roomscribe_testkit::encode(&room_id)
    );
    let deadline = Instant::now() + PATIENCE;
    loop {
        let v = alice.get(&path).await.unwrap();
        let notices: Vec<_> = v["chunk"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|e| e["content"]["msgtype"] == "m.notice")
            .filter(|e| {
                e["content"]["body"]
                    .as_str()
                    .is_some_and(|b| b.contains("Build broken on main"))
            })
            .collect();
        if !notices.is_empty() {
            assert_eq!(notices.len(), 1, "forwarded once");
            assert_eq!(notices[0]["sender"], moderator.user_id.as_str());
            let html = notices[0]["content"]["formatted_body"]
                .as_str()
                .unwrap_or_default();
            assert!(
                html.contains("<a href=") && html.contains("<blockquote>"),
                "{html}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the notice never reached the room"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    pty.send(b"q");
    let (ok, _) = tokio::task::block_in_place(|| pty.wait());
    assert!(ok, "quits cleanly");
    forum.stop().await;
}
