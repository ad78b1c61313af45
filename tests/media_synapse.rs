//! Publishing a selection with an image and files from a real Synapse to the stand-in forum:
//! the media are downloaded through the SDK (authenticated media), uploaded to the forum and
//! embedded; what the forum refuses stays a link to the message, and the user is told.

use std::time::Duration;

use roomscribe_forum_standin::{ForumStandin, UploadSettings};
use roomscribe_matrix::Credentials;
use roomscribe_testkit::{TestUser, require_synapse};
use serde_json::json;
use tokio::process::Command;

fn png(width: u32, height: u32) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b
}

fn roomscribe(home: &std::path::Path, hs: &str, user: &TestUser, forum: &ForumStandin) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_roomscribe"));
    cmd.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("ROOMSCRIBE_CONFIG_DIR", home.join("config"))
        .env("ROOMSCRIBE_DATA_DIR", home.join("data"))
        .env("ROOMSCRIBE_STATE_DIR", home.join("state"))
        .env("ROOMSCRIBE_TZ", "UTC")
        .env("ROOMSCRIBE_HOMESERVER", hs)
        .env("ROOMSCRIBE_MATRIX_USER", &user.user_id)
        .env("ROOMSCRIBE_MATRIX_PASSWORD", &user.password)
        .env("ROOMSCRIBE_FORUM_URL", forum.base_url())
        .env("ROOMSCRIBE_FORUM_API_KEY", forum.admin_key())
        .env("ROOMSCRIBE_FORUM_USERNAME", "alice")
        .kill_on_drop(true);
    cmd
}

async fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = tokio::time::timeout(Duration::from_secs(120), cmd.output())
        .await
        .expect("finished")
        .expect("ran");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn images_and_files_reach_the_forum_and_oversize_ones_stay_links() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("media").await.unwrap();
    let local = format!("media-{}", alice.localpart);
    let room = alice.create_room(Some(&local)).await.unwrap();
    let alias = format!("#{local}:localhost");

    // The media go up through the SDK, as a Matrix client would send them.
    let sdk = roomscribe_matrix::connect(
        Some(&hs.url),
        Credentials::Password {
            user: alice.user_id.clone(),
            password: alice.password.clone(),
        },
    )
    .await
    .unwrap();
    let up = |mime: &str, bytes: Vec<u8>| {
        let sdk = sdk.clone();
        let mime: mime::Mime = mime.parse().unwrap();
        async move {
            sdk.media()
                .upload(&mime, bytes, None)
                .await
                .unwrap()
                .content_uri
                .to_string()
        }
    };
    let image = png(1380, 400);
    let log = b"error: linker `cc` not found\n".to_vec();
    let huge = vec![b'x'; 3000];
    let image_mxc = up("image/png", image.clone()).await;
    let log_mxc = up("text/plain", log.clone()).await;
    let huge_mxc = up("text/plain", huge).await;
    alice
        .say(&room, "the build broke, screenshot below")
        .await
        .unwrap();
    let media = [
        ("m.image", "screenshot.png", &image_mxc),
        ("m.file", "build.log", &log_mxc),
        ("m.file", "huge.log", &huge_mxc),
    ];
    let mut huge_event = String::new();
    for (msgtype, name, url) in media {
        let id = alice
            .send(
                &room,
                "m.room.message",
                json!({"msgtype": msgtype, "body": name, "url": url}),
            )
            .await
            .unwrap();
        huge_event = id;
    }
    alice.say(&room, "fixed by installing gcc").await.unwrap();

    let forum = ForumStandin::start().await.unwrap();
    forum.set_upload_settings(UploadSettings {
        max_attachment_size_kb: 2,
        authorized_extensions: "png|log".into(),
        ..UploadSettings::default()
    });
    let home = tempfile::tempdir().unwrap();
    let publish = |extra: &[&str]| {
        let mut cmd = roomscribe(home.path(), &hs.url, &alice, &forum);
        cmd.args(["transcript", "--publish", &alias, "category:support/chat"])
            .args(extra);
        cmd
    };
    let (ok, out, err) = run(&mut publish(&[
        "last:5",
        "title:The build broke on the runner",
    ]))
    .await;
    assert!(ok, "{err}");
    let topics = forum.topics();
    assert_eq!(topics.len(), 1);
    let post = &topics[0].posts[0];
    let uploads = forum.uploads();
    assert_eq!(uploads.len(), 2, "{uploads:?}");
    assert_eq!(uploads[0].bytes, image);
    assert_eq!(uploads[1].bytes, log);
    assert!(
        post.contains(&format!("![screenshot|690x200]({})", uploads[0].short_url)),
        "{post}"
    );
    assert!(
        post.contains(&format!(
            "[build.log|attachment]({}) (",
            uploads[1].short_url
        )),
        "{post}"
    );
    // The refused one is still a link, to the message (not to the dead mxc:// file).
    assert!(!post.contains("mxc://"), "{post}");
    let encoded = huge_event.replace('$', "%24");
    assert!(
        post.contains("huge\\.log](https://matrix.to/")
            && (post.contains(&huge_event) || post.contains(&encoded)),
        "{post}"
    );
    assert!(
        err.contains("huge.log: not copied to the forum (Sorry, the file you are trying to upload is too big (maximum size is 2 KB).); the post links to the message"),
        "{err}"
    );
    assert!(out.trim().ends_with(&format!("/{}", topics[0].id)), "{out}");

    // Again: found by its external_id, nothing uploaded or posted twice.
    let (ok, again, err) = run(&mut publish(&[
        "last:5",
        "title:The build broke, second try",
    ]))
    .await;
    assert!(ok, "{err}");
    assert!(err.contains("already published: "), "{err}");
    assert_eq!(again, out);
    assert_eq!((forum.topics().len(), forum.uploads().len()), (1, 2));

    // --no-media: links only.
    let (ok, _, err) = run(&mut publish(&[
        "last:4",
        "title:Without media this time",
        "--no-media",
    ]))
    .await;
    assert!(ok, "{err}");
    let topics = forum.topics();
    let plain = topics
        .iter()
        .find(|t| t.title == "Without media this time")
        .unwrap();
    assert!(!plain.posts[0].contains("upload://"), "{}", plain.posts[0]);
    assert!(
        plain.posts[0].contains("build\\.log](https://matrix.to/"),
        "{}",
        plain.posts[0]
    );
    assert_eq!(forum.uploads().len(), 2);
}

/// The app's publish path (what the TUI's publish dialog sends): the relay copies the files,
/// publishes, and hands back the notes the dialog shows for files that stayed links.
#[tokio::test(flavor = "multi_thread")]
async fn the_apps_publish_relay_copies_media_and_reports_what_stayed_a_link() {
    use roomscribe::headless::media::relay;
    use roomscribe_discourse::types::{ForumCommand, ForumEvent, NewTopic, PostMedia};
    use roomscribe_discourse::{Auth, Client};

    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("relay").await.unwrap();
    let sdk = roomscribe_matrix::connect(
        Some(&hs.url),
        Credentials::Password {
            user: alice.user_id.clone(),
            password: alice.password.clone(),
        },
    )
    .await
    .unwrap();
    let mxc = |bytes: Vec<u8>| {
        let sdk = sdk.clone();
        async move {
            let mime: mime::Mime = "application/octet-stream".parse().unwrap();
            sdk.media()
                .upload(&mime, bytes, None)
                .await
                .unwrap()
                .content_uri
                .to_string()
        }
    };
    let image = png(64, 32);
    let image_mxc = mxc(image.clone()).await;
    let exe_mxc = mxc(vec![1, 2, 3]).await;

    let forum = ForumStandin::start().await.unwrap();
    let client = Client::new(
        &forum.base_url(),
        Auth::AdminKey {
            key: forum.admin_key(),
            username: "alice".into(),
        },
    )
    .unwrap();
    let (app_tx, app_rx) = tokio::sync::mpsc::channel(8);
    let (feed_tx, mut feed_rx) = tokio::sync::mpsc::channel(8);
    let (ev_tx, mut ev_rx) = tokio::sync::mpsc::channel(8);
    tokio::spawn(relay(app_rx, feed_tx, ev_tx, sdk.clone(), client));

    let link = |name: &str| format!("[🖼 {name}](https://matrix.to/#/!r:localhost/$e-{name})");
    let raw = format!(
        "[quote]\n**@alice:**\nlook\n\n{}\n\n{}\n[/quote]\n",
        link("plot.png"),
        link("tool.exe")
    );
    let media = ["plot.png", "tool.exe"]
        .iter()
        .zip([&image_mxc, &exe_mxc])
        .map(|(name, url)| PostMedia {
            url: url.clone(),
            name: name.to_string(),
            link: link(name),
        })
        .collect();
    app_tx
        .send(ForumCommand::Publish(NewTopic {
            title: "Relay copies the plot".into(),
            raw,
            category_id: Some(3),
            tags: vec![],
            external_id: Some("roomscribe-relay-test".into()),
            media,
        }))
        .await
        .unwrap();
    let ev = tokio::time::timeout(Duration::from_secs(60), ev_rx.recv())
        .await
        .unwrap()
        .unwrap();
    let ForumEvent::Published(done) = ev else {
        panic!("{ev:?}")
    };
    assert_eq!(done.notes.len(), 1, "{:?}", done.notes);
    assert!(
        done.notes[0].starts_with("tool.exe: not copied to the forum (Sorry, the file you are trying to upload is not authorized"),
        "{:?}",
        done.notes
    );
    let post = &forum.topics()[0].posts[0];
    let up = &forum.uploads()[0];
    assert_eq!(up.bytes, image);
    assert!(
        post.contains(&format!("![plot|64x32]({})", up.short_url)),
        "{post}"
    );
    assert!(post.contains(&link("tool.exe")), "{post}");
    // Other commands go on to the feed untouched.
    app_tx.send(ForumCommand::RefreshCategories).await.unwrap();
    assert_eq!(feed_rx.recv().await, Some(ForumCommand::RefreshCategories));
}
