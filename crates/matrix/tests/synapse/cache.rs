//! The persistent cache folder with the SDK's sqlite stores: private files, a damaged file
//! replaced by a fresh cache (the app still signs in), a locked cache bypassed.

use roomscribe_matrix::{CacheDir, Credentials, connect_cached, resolve_room};
use roomscribe_testkit::require_synapse;

#[cfg(unix)]
fn mode(p: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[tokio::test]
async fn damaged_cache_is_replaced_and_the_client_works() {
    let Some(hs) = require_synapse() else { return };
    let user = hs.register("cachedmg").await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("cache");

    // A first run creates the stores; all their files are private.
    let opened = CacheDir::open(&path, u64::MAX);
    let dir = opened.dir.unwrap();
    let mut notice = None;
    let client = connect_cached(
        Some(&hs.url),
        Credentials::Token(user.access_token.clone()),
        Some(&dir),
        &mut notice,
    )
    .await
    .unwrap();
    assert_eq!(notice, None);
    let state = path.join("matrix-sdk-state.sqlite3");
    assert!(state.exists());
    #[cfg(unix)]
    {
        assert_eq!(mode(&path), 0o700);
        for entry in std::fs::read_dir(&path).unwrap().flatten() {
            assert_eq!(mode(&entry.path()), 0o600, "{:?}", entry.path());
        }
    }
    drop(client);
    drop(dir);

    // Garbage over the state store: one clear line, a fresh cache, a working client.
    std::fs::write(&state, vec![0x5au8; 8192]).unwrap();
    let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
    let mut notice = None;
    let client = connect_cached(
        Some(&hs.url),
        Credentials::Token(user.access_token.clone()),
        Some(&dir),
        &mut notice,
    )
    .await
    .unwrap();
    let line = notice.expect("a message about the damage");
    assert!(
        line.contains("cache damaged") && line.contains("fresh cache"),
        "{line}"
    );
    assert!(!line.contains('\n'));
    assert!(!line.contains(&user.access_token));
    let room_id = user.create_room(None).await.unwrap();
    resolve_room(&client, &crate::room(&room_id)).await.unwrap();
    assert!(state.exists());

    // Another account on the same data folder still signs in over the same stores.
    drop(client);
    let other = hs.register("cachedmg2").await.unwrap();
    let mut notice = None;
    let client = connect_cached(
        Some(&hs.url),
        Credentials::Token(other.access_token.clone()),
        Some(&dir),
        &mut notice,
    )
    .await
    .unwrap();
    assert_eq!(notice, None);
    assert_eq!(
        client.whoami().await.unwrap().user_id.as_str(),
        other.user_id
    );
}

/// Garbage over the event store (the rooms' messages) is damage too: one line, fresh cache.
#[tokio::test]
async fn damaged_event_store_is_replaced_too() {
    let Some(hs) = require_synapse() else { return };
    let user = hs.register("cachedmge").await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("cache");
    let events = path.join("matrix-sdk-event-cache.sqlite3");
    {
        let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
        let mut notice = None;
        connect_cached(
            Some(&hs.url),
            Credentials::Token(user.access_token.clone()),
            Some(&dir),
            &mut notice,
        )
        .await
        .unwrap();
        assert!(events.exists());
    }
    std::fs::write(&events, vec![0xa5u8; 8192]).unwrap();
    let dir = CacheDir::open(&path, u64::MAX).dir.unwrap();
    let mut notice = None;
    let client = connect_cached(
        Some(&hs.url),
        Credentials::Token(user.access_token.clone()),
        Some(&dir),
        &mut notice,
    )
    .await
    .unwrap();
    let line = notice.expect("a message about the damage");
    assert!(line.contains("cache damaged"), "{line}");
    assert_eq!(
        client.whoami().await.unwrap().user_id.as_str(),
        user.user_id
    );
}
