//! Turning an alias or room id into a joined room, with a clear refusal for unknown aliases,
//! rooms we may not join, and encrypted rooms (not supported yet).

use matrix_sdk::Client;
use matrix_sdk::ruma::api::client::state::get_state_event_for_key::v3 as get_state;
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::events::StateEventType;
use matrix_sdk::ruma::{OwnedRoomId, OwnedServerName, RoomAliasId, RoomId, RoomOrAliasId};
use roomscribe_transcript::RoomRef;
use roomscribe_transcript::model::RoomInfo;
use serde_json::Value;

use crate::error::{Error, Result, describe, kind_of};

/// A room we are joined to.
#[derive(Debug, Clone)]
pub struct RoomTarget {
    pub room_id: OwnedRoomId,
    pub info: RoomInfo,
}

/// Resolves a parsed ROOM (alias or room id, with `via` servers), joins it (a no-op when
/// already joined) and checks it is not encrypted.
pub async fn resolve_room(client: &Client, room: &RoomRef) -> Result<RoomTarget> {
    let alias_or_id = room.as_str();
    let via = room.via();
    let bad = || Error::BadRoom(alias_or_id.to_string());
    let mut servers: Vec<OwnedServerName> = via
        .iter()
        .filter_map(|s| OwnedServerName::try_from(s.as_str()).ok())
        .collect();
    let (room_id, alias) = if alias_or_id.starts_with('#') {
        let alias = RoomAliasId::parse(alias_or_id).map_err(|_| bad())?;
        let found = client
            .resolve_room_alias(&alias)
            .await
            .map_err(|e| match kind_of(&e) {
                Some(ErrorKind::NotFound) => Error::UnknownRoom(alias_or_id.to_string()),
                _ => Error::http(&e),
            })?;
        servers.extend(found.servers);
        (found.room_id, Some(alias_or_id.to_string()))
    } else {
        (RoomId::parse(alias_or_id).map_err(|_| bad())?, None)
    };
    let target = <&RoomOrAliasId>::from(&*room_id);
    client
        .join_room_by_id_or_alias(target, &servers)
        .await
        .map_err(
            |e| match e.as_client_api_error().and_then(|a| a.error_kind()) {
                Some(ErrorKind::NotFound) => Error::UnknownRoom(alias_or_id.to_string()),
                Some(ErrorKind::Forbidden) => {
                    Error::Forbidden(alias_or_id.to_string(), describe(&e))
                }
                _ => Error::request(&e),
            },
        )?;
    if state(client, &room_id, StateEventType::RoomEncryption)
        .await?
        .is_some()
    {
        return Err(Error::Encrypted(alias_or_id.to_string()));
    }
    let name = state(client, &room_id, StateEventType::RoomName)
        .await?
        .and_then(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .filter(|n| !n.is_empty());
    let canonical = state(client, &room_id, StateEventType::RoomCanonicalAlias)
        .await?
        .and_then(|c| c.get("alias").and_then(Value::as_str).map(str::to_string));
    Ok(RoomTarget {
        info: RoomInfo {
            room_id: room_id.to_string(),
            alias: canonical.or(alias),
            name,
        },
        room_id,
    })
}

/// `user_id`'s power level in the room (`m.room.power_levels`: its entry, else `users_default`).
pub async fn power_level(client: &Client, room_id: &RoomId, user_id: &str) -> Result<i64> {
    let levels = state(client, room_id, StateEventType::RoomPowerLevels).await?;
    let Some(levels) = levels else {
        return Ok(0);
    };
    let num = |v: &Value| {
        v.as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
    };
    Ok(levels
        .get("users")
        .and_then(|u| u.get(user_id))
        .and_then(num)
        .or_else(|| levels.get("users_default").and_then(num))
        .unwrap_or(0))
}

/// The content of a state event, None when the room has none.
async fn state(client: &Client, room_id: &RoomId, kind: StateEventType) -> Result<Option<Value>> {
    let request = get_state::Request::new(room_id.to_owned(), kind, String::new());
    match client.send(request).await {
        Ok(resp) => Ok(serde_json::from_str(resp.event_or_content.get()).ok()),
        Err(e) if matches!(kind_of(&e), Some(ErrorKind::NotFound)) => Ok(None),
        Err(e) => Err(Error::http(&e)),
    }
}
