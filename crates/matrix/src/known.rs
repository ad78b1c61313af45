//! What a cached client already knows about its session, kept as custom values in the SDK's
//! state store: who a bare token belongs to, and the server's versions where the SDK looks.

use matrix_sdk::Client;
use matrix_sdk::ruma::OwnedUserId;
use serde::{Deserialize, Serialize};

pub(crate) async fn get<T: for<'de> Deserialize<'de>>(client: &Client, key: &str) -> Option<T> {
    let raw = client
        .state_store()
        .get_custom_value(key.as_bytes())
        .await
        .ok()??;
    serde_json::from_slice(&raw).ok()
}

pub(crate) async fn put<T: Serialize>(client: &Client, key: &str, value: &T) {
    let Ok(bytes) = serde_json::to_vec(value) else {
        return;
    };
    if let Err(e) = client
        .state_store()
        .set_custom_value(key.as_bytes(), bytes)
        .await
    {
        tracing::warn!("cache: cannot store {key}: {e}");
    }
}

/// Who a bare access token belongs to. Keyed by a hash of the token, never the token.
#[derive(Serialize, Deserialize)]
struct TokenOwner {
    user_id: OwnedUserId,
    device_id: String,
}

fn token_key(token: &str) -> String {
    let hash = roomscribe_transcript::strings::fnv1a(token.as_bytes());
    format!("roomscribe.token.{hash:016x}")
}

/// The user and device a token was seen with before, if this cache saw it.
pub(crate) async fn known_token(client: &Client, token: &str) -> Option<(OwnedUserId, String)> {
    let owner: TokenOwner = get(client, &token_key(token)).await?;
    Some((owner.user_id, owner.device_id))
}

/// Puts a `/versions` answer where the SDK looks for it before asking (its state store), so
/// the logged-in client does not ask again.
pub(crate) async fn store_versions(
    client: &Client,
    resp: matrix_sdk::ruma::api::client::discovery::get_supported_versions::Response,
) {
    use matrix_sdk::store::{StateStoreDataKey, StateStoreDataValue, SupportedVersionsResponse};
    let value = StateStoreDataValue::SupportedVersions(matrix_sdk::ttl::TtlValue::new(
        SupportedVersionsResponse {
            versions: resp.versions,
            unstable_features: resp.unstable_features,
        },
    ));
    if let Err(e) = client
        .state_store()
        .set_kv_data(StateStoreDataKey::SupportedVersions, value)
        .await
    {
        tracing::warn!("cache: cannot store the server's versions: {e}");
    }
}

/// Remembers the logged-in client's user and device for `token`.
pub(crate) async fn remember_token(client: &Client, token: &str) {
    let (Some(user_id), Some(device_id)) = (client.user_id(), client.device_id()) else {
        return;
    };
    let owner = TokenOwner {
        user_id: user_id.to_owned(),
        device_id: device_id.to_string(),
    };
    put(client, &token_key(token), &owner).await;
}
