//! Turning an alias or room id into a joined room, with a clear refusal for unknown aliases,
//! rooms we may not join, and encrypted rooms (not supported yet).

use matrix_sdk::Client;
use matrix_sdk::ruma::api::client::membership::joined_rooms::v3 as joined_rooms;
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

/// A room we are joined to, before its state was read.
#[derive(Debug, Clone)]
pub struct Joined {
    pub room_id: OwnedRoomId,
    /// The ROOM as the user wrote it, for errors.
    label: String,
    alias: Option<String>,
}

/// Resolves a parsed ROOM (alias or room id, with `via` servers), joins it (a no-op when
/// already joined) and checks it is not encrypted.
pub async fn resolve_room(client: &Client, room: &RoomRef) -> Result<RoomTarget> {
    let joined = join_room(client, room).await?;
    room_info(client, &joined).await
}

/// The joining half of `resolve_room`: its state can then be read alongside the first
/// sync or history page, which need only the id.
pub async fn join_room(client: &Client, room: &RoomRef) -> Result<Joined> {
    let alias_or_id = room.as_str();
    let via = room.via();
    let bad = || Error::BadRoom(alias_or_id.to_string());
    let mut servers: Vec<OwnedServerName> = via
        .iter()
        .filter_map(|s| OwnedServerName::try_from(s.as_str()).ok())
        .collect();
    // Which rooms we are in, asked alongside the alias lookup: a room already joined needs no
    // `join` (one round trip less on every start).
    let joined = async {
        client
            .send(joined_rooms::Request::new())
            .await
            .map(|r| r.joined_rooms)
            .map_err(|e| Error::http(&e))
    };
    let lookup = async {
        if !alias_or_id.starts_with('#') {
            return Ok((
                RoomId::parse(alias_or_id).map_err(|_| bad())?,
                None,
                Vec::new(),
            ));
        }
        let alias = RoomAliasId::parse(alias_or_id).map_err(|_| bad())?;
        let found = client
            .resolve_room_alias(&alias)
            .await
            .map_err(|e| match kind_of(&e) {
                Some(ErrorKind::NotFound) => Error::UnknownRoom(alias_or_id.to_string()),
                _ => Error::http(&e),
            })?;
        Ok((found.room_id, Some(alias_or_id.to_string()), found.servers))
    };
    let (joined, (room_id, alias, found_servers)) = tokio::try_join!(joined, lookup)?;
    servers.extend(found_servers);
    if !joined.contains(&room_id) {
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
    }
    Ok(Joined {
        room_id,
        label: alias_or_id.to_string(),
        alias,
    })
}

/// The reading half of `resolve_room`: refuses encrypted rooms, finds the name and alias.
pub async fn room_info(client: &Client, joined: &Joined) -> Result<RoomTarget> {
    let Joined {
        room_id,
        label,
        alias,
    } = joined;
    let alias_or_id = label.as_str();
    // The three state reads at once: one round trip instead of three.
    let (encryption, name, canonical) = tokio::try_join!(
        state(client, room_id, StateEventType::RoomEncryption),
        state(client, room_id, StateEventType::RoomName),
        state(client, room_id, StateEventType::RoomCanonicalAlias),
    )?;
    if encryption.is_some() {
        return Err(Error::Encrypted(alias_or_id.to_string()));
    }
    let name = name
        .and_then(|c| c.get("name").and_then(Value::as_str).map(str::to_string))
        .filter(|n| !n.is_empty());
    let canonical =
        canonical.and_then(|c| c.get("alias").and_then(Value::as_str).map(str::to_string));
    Ok(RoomTarget {
        info: RoomInfo {
            room_id: room_id.to_string(),
            alias: canonical.or_else(|| alias.clone()),
            name,
        },
        room_id: room_id.clone(),
    })
}

/// `user_id`'s power level in the room, computed by ruma from `m.room.power_levels` and the
/// room's version and creators (from room version 12 the creators have "infinite" power, which
/// is `i64::MAX` here).
pub async fn power_level(client: &Client, room_id: &RoomId, user_id: &str) -> Result<i64> {
    use matrix_sdk::ruma::events::room::power_levels::{
        RoomPowerLevels, RoomPowerLevelsEventContent, UserPowerLevel,
    };
    use matrix_sdk::ruma::{OwnedUserId, RoomVersionId, UserId};
    let bad = |what: &str, e: &dyn std::fmt::Display| Error::Request(format!("{what}: {e}"));
    let user = UserId::parse(user_id).map_err(|e| bad(user_id, &e))?;
    let create = state_event(client, room_id, StateEventType::RoomCreate)
        .await?
        .unwrap_or_default();
    let version = create["content"]["room_version"].as_str().unwrap_or("1");
    let rules = RoomVersionId::try_from(version)
        .ok()
        .and_then(|v| v.rules())
        .ok_or_else(|| bad("room version", &version))?;
    let mut creators: Vec<OwnedUserId> = Vec::new();
    let named = std::iter::once(&create["sender"]).chain(
        create["content"]["additional_creators"]
            .as_array()
            .into_iter()
            .flatten(),
    );
    for c in named.filter_map(Value::as_str) {
        if let Ok(id) = UserId::parse(c) {
            creators.push(id);
        }
    }
    let content: Option<RoomPowerLevelsEventContent> =
        match state(client, room_id, StateEventType::RoomPowerLevels).await? {
            Some(v) => Some(serde_json::from_value(v).map_err(|e| bad("power levels", &e))?),
            None => None,
        };
    let levels = RoomPowerLevels::new(content.into(), &rules.authorization, creators);
    Ok(match levels.for_user(&user) {
        UserPowerLevel::Int(n) => n.into(),
        _ => i64::MAX,
    })
}

/// A whole state event (sender included), None when the room has none.
async fn state_event(
    client: &Client,
    room_id: &RoomId,
    kind: StateEventType,
) -> Result<Option<Value>> {
    let mut request = get_state::Request::new(room_id.to_owned(), kind, String::new());
    request.format = get_state::StateEventFormat::Event;
    match client.send(request).await {
        Ok(resp) => Ok(serde_json::from_str(resp.event_or_content.get()).ok()),
        Err(e) if matches!(kind_of(&e), Some(ErrorKind::NotFound)) => Ok(None),
        Err(e) => Err(Error::http(&e)),
    }
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
