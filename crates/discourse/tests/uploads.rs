//! Uploads against the stand-in, which answers as Discourse: the short URL, the bytes kept, and
//! the site's limits refused in Discourse's words.

use roomscribe_discourse::uploads::{markdown, upload};
use roomscribe_discourse::{Auth, Client, ForumError};
use roomscribe_forum_standin::{ForumStandin, UploadSettings};

/// The start of a PNG: enough for anything that reads its size.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut b = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13];
    b.extend_from_slice(b"IHDR");
    b.extend_from_slice(&width.to_be_bytes());
    b.extend_from_slice(&height.to_be_bytes());
    b.extend_from_slice(&[8, 6, 0, 0, 0, 0, 0, 0, 0]);
    b
}

fn alice(forum: &ForumStandin) -> Client {
    let auth = Auth::AdminKey {
        key: forum.admin_key(),
        username: "alice".into(),
    };
    Client::new(&forum.base_url(), auth).unwrap()
}

#[tokio::test]
async fn images_and_files_upload_and_embed_as_the_composer_does() {
    let forum = ForumStandin::start().await.unwrap();
    forum.set_upload_settings(UploadSettings {
        authorized_extensions: "png|txt".into(),
        ..UploadSettings::default()
    });
    let client = alice(&forum);
    let img = upload(&client, "screenshot.png", png(1380, 400), Some("image/png"))
        .await
        .unwrap();
    assert_eq!(
        markdown(&img),
        format!("![screenshot|690x200]({})", img.short_url)
    );
    let log = upload(
        &client,
        "build.txt",
        b"error: linker failed\n".to_vec(),
        None,
    )
    .await
    .unwrap();
    assert_eq!(
        markdown(&log),
        format!("[build.txt|attachment]({}) (21 Bytes)", log.short_url)
    );
    let stored = forum.uploads();
    assert_eq!(stored.len(), 2);
    assert_eq!(stored[0].bytes, png(1380, 400));
    assert_eq!(stored[1].bytes, b"error: linker failed\n");
    assert_eq!(stored[1].short_url, log.short_url);
}

#[tokio::test]
async fn refusals_carry_discourses_words() {
    let forum = ForumStandin::start().await.unwrap();
    forum.set_upload_settings(UploadSettings {
        max_image_size_kb: 1,
        max_attachment_size_kb: 2,
        authorized_extensions: "png|txt".into(),
    });
    let client = alice(&forum);
    let err = upload(&client, "tool.exe", vec![1; 10], None)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        ForumError::Rejected(vec!["Sorry, the file you are trying to upload is not authorized (authorized extensions: png, txt).".into()])
    );
    let err = upload(&client, "big.txt", vec![b'a'; 3000], None)
        .await
        .unwrap_err();
    assert_eq!(
        err.lines(),
        vec![
            "Sorry, the file you are trying to upload is too big (maximum size is 2 KB)."
                .to_string()
        ]
    );
    let mut big = png(10, 10);
    big.resize(2000, 0);
    let err = upload(&client, "big.png", big, None).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("the image you are trying to upload is too big (maximum size is 1 KB)"),
        "{err}"
    );
    assert!(forum.uploads().is_empty());
}
