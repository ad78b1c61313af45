//! What roomscribe keeps in the SDK's stores besides the SDK's own data: custom values in
//! the state store (who a token belongs to, each room's info, members and sync position) and
//! each room's events in the event cache store's linked chunk.

use matrix_sdk::Client;
use matrix_sdk::ruma::OwnedUserId;
use serde::{Deserialize, Serialize};

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
    let raw = client
        .state_store()
        .get_custom_value(token_key(token).as_bytes())
        .await
        .ok()??;
    let owner: TokenOwner = serde_json::from_slice(&raw).ok()?;
    Some((owner.user_id, owner.device_id))
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
    let Ok(value) = serde_json::to_vec(&owner) else {
        return;
    };
    if let Err(e) = client
        .state_store()
        .set_custom_value(token_key(token).as_bytes(), value)
        .await
    {
        tracing::warn!("cache: cannot remember the token's user: {e}");
    }
}
