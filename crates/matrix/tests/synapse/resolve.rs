use crate::room;
use roomscribe_matrix::{Error, resolve_room};
use roomscribe_testkit::require_synapse;
use serde_json::json;

use crate::client_as;

#[tokio::test]
async fn unknown_private_and_encrypted_rooms_are_refused_clearly() {
    let Some(hs) = require_synapse() else { return };
    let alice = hs.register("owner").await.unwrap();
    let reader = hs.register("reader").await.unwrap();
    let client = client_as(&reader, &hs.url).await;

    let missing = format!("#nope-{}:localhost", reader.localpart);
    let err = resolve_room(&client, &room(&missing)).await.unwrap_err();
    assert!(matches!(err, Error::UnknownRoom(_)), "{err:?}");
    assert_eq!(err.to_string(), format!("room {missing} does not exist"));

    let private = alice
        .call(
            reqwest::Method::POST,
            "/createRoom",
            Some(json!({"preset": "private_chat", "room_alias_name": format!("priv-{}", alice.localpart)})),
        )
        .await
        .unwrap();
    let private_id = private["room_id"].as_str().unwrap();
    let err = resolve_room(&client, &room(private_id)).await.unwrap_err();
    assert!(matches!(err, Error::Forbidden(..)), "{err:?}");

    let secret = alice.create_room(None).await.unwrap();
    alice
        .call(
            reqwest::Method::PUT,
            &format!(
                "/rooms/{}/state/m.room.encryption/",
                roomscribe_testkit::encode(&secret)
            ),
            Some(json!({"algorithm": "m.megolm.v1.aes-sha2"})),
        )
        .await
        .unwrap();
    let err = resolve_room(&client, &room(&secret)).await.unwrap_err();
    assert!(matches!(err, Error::Encrypted(_)), "{err:?}");
    assert!(err.to_string().contains("encrypted"), "{err}");
}
