//! What roomscribe keeps in the SDK's stores: each room's events in the event cache store
//! (the SDK's linked chunk for the room: an optional gap at the front, whose token is where
//! older history continues on the server, then chunks of events, oldest first) and, as custom
//! values in the state store, the room's info, members and live sync position, and the room
//! id of an alias (what a cached client knows about its session is in `known.rs`).
//!
//! Only roomscribe writes these chunks (it does not run the SDK's own event cache or sync),
//! so the layout is known; anything else found there is dropped and the room starts afresh.
//! A write that fails is logged and skipped: the cache is never more than a head start.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;

use matrix_sdk::Client;
use matrix_sdk::deserialized_responses::TimelineEvent as SdkEvent;
use matrix_sdk::linked_chunk::{ChunkContent, ChunkIdentifier, LinkedChunkId, RawChunk, Update};
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::ruma::{OwnedRoomId, OwnedUserId, RoomId};
use matrix_sdk_base::event_cache::Gap;
use matrix_sdk_base::event_cache::store::EventCacheStoreLockGuard;
use roomscribe_transcript::RoomRef;
use roomscribe_transcript::model::RoomInfo;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::convert::Names;
use crate::known::{get, put};

/// Events kept per room; older chunks are dropped (the server still has them).
pub(crate) const MAX_EVENTS: usize = 4000;

/// The room's cache, shared by the live stream and the backfill that write to it.
pub(crate) type Shared = Arc<tokio::sync::Mutex<RoomCache>>;

/// The room's custom value.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(default)]
struct Meta {
    info: Option<RoomInfo>,
    /// The live stream has stored everything up to this sync token.
    since: Option<String>,
    /// Display names as at the newest stored event.
    members: Names,
    /// For each events chunk, a pagination token at or before its first event: where the
    /// front gap points when older chunks are dropped.
    before: BTreeMap<u64, String>,
    /// Events in chunks dropped since the last compaction: the SDK's store keeps their
    /// content (for relations) after their chunk is gone.
    dropped: usize,
}

/// What is older than a place in the stored history.
pub(crate) enum Older {
    /// Raw events, oldest first, and the chunk they came from (the next place to read).
    Events(ChunkIdentifier, Vec<Value>),
    /// The store ends here; the server continues from this token.
    Gap(String),
    /// The start of the room.
    Start,
}

pub(crate) struct RoomCache {
    client: Client,
    room_id: OwnedRoomId,
    key: String,
    meta: Meta,
    /// The front gap's chunk and token.
    gap: Option<(ChunkIdentifier, String)>,
    /// Events chunks, oldest first, with their number of events.
    chunks: VecDeque<(ChunkIdentifier, usize)>,
    next_id: u64,
    /// A live batch could not be stored: nothing more is written.
    off: bool,
}

fn user_of(client: &Client) -> Option<OwnedUserId> {
    client.user_id().map(ToOwned::to_owned)
}

fn room_key(user: &OwnedUserId, room_id: &RoomId) -> String {
    format!("roomscribe.room.{user}.{room_id}")
}

fn alias_key(user: &OwnedUserId, alias: &str) -> String {
    format!("roomscribe.alias.{user}.{alias}")
}

async fn store(client: &Client) -> Option<EventCacheStoreLockGuard> {
    use matrix_sdk::cross_process_lock::MappedCrossProcessLockState as State;
    match client.event_cache_store().lock().await {
        Ok(State::Clean(g) | State::Dirty(g)) => Some(g),
        Err(e) => {
            tracing::warn!("cache: event store unavailable: {e}");
            None
        }
    }
}

fn to_sdk(ev: &Value) -> Option<SdkEvent> {
    let raw = serde_json::value::to_raw_value(ev).ok()?;
    Some(SdkEvent::from_plaintext(Raw::from_json(raw)))
}

fn to_value(ev: &SdkEvent) -> Option<Value> {
    serde_json::from_str(ev.raw().json().get()).ok()
}

impl RoomCache {
    /// The room as stored by an earlier run for the same user, if it was (reads only, no
    /// network).
    pub(crate) async fn open(client: &Client, room: &RoomRef) -> Option<Self> {
        let user = user_of(client)?;
        let asked = room.as_str();
        let room_id: OwnedRoomId = if asked.starts_with('#') {
            get::<String>(client, &alias_key(&user, asked))
                .await?
                .try_into()
                .ok()?
        } else {
            asked.try_into().ok()?
        };
        let key = room_key(&user, &room_id);
        let meta: Meta = get(client, &key).await?;
        meta.info.as_ref()?;
        meta.since.as_ref()?;
        let mut cache = Self::empty(client, room_id, key, meta);
        if !cache.load_layout().await || cache.chunks.is_empty() {
            return None;
        }
        Some(cache)
    }

    /// A fresh cache for a room whose live stream starts at `since`: older history is a gap
    /// at that token until backfill fills it. Whatever was stored for the room is dropped.
    pub(crate) async fn create(
        client: &Client,
        room_id: OwnedRoomId,
        info: RoomInfo,
        alias: Option<&str>,
        since: &str,
    ) -> Option<Self> {
        let user = user_of(client)?;
        if let Some(alias) = alias {
            put(client, &alias_key(&user, alias), &room_id.to_string()).await;
        }
        let meta = Meta {
            info: Some(info),
            since: Some(since.to_string()),
            ..Meta::default()
        };
        let key = room_key(&user, &room_id);
        let mut cache = Self::empty(client, room_id, key, meta);
        let gap = cache.fresh_id();
        let updates = vec![
            Update::Clear,
            Update::NewGapChunk {
                previous: None,
                new: gap,
                next: None,
                gap: Gap {
                    token: since.to_string(),
                },
            },
        ];
        if !cache.apply(updates).await {
            return None;
        }
        cache.gap = Some((gap, since.to_string()));
        cache.save().await;
        Some(cache)
    }

    fn empty(client: &Client, room_id: OwnedRoomId, key: String, meta: Meta) -> Self {
        Self {
            client: client.clone(),
            room_id,
            key,
            meta,
            gap: None,
            chunks: VecDeque::new(),
            next_id: 0,
            off: false,
        }
    }

    pub(crate) fn info(&self) -> Option<&RoomInfo> {
        self.meta.info.as_ref()
    }

    pub(crate) fn since(&self) -> Option<&str> {
        self.meta.since.as_deref()
    }

    pub(crate) fn members(&self) -> Names {
        self.meta.members.clone()
    }

    pub(crate) fn room_id(&self) -> &OwnedRoomId {
        &self.room_id
    }

    pub(crate) async fn set_info(&mut self, info: RoomInfo) {
        if self.off {
            return;
        }
        self.meta.info = Some(info);
        self.save().await;
    }

    async fn save(&self) {
        put(&self.client, &self.key, &self.meta).await;
    }

    fn fresh_id(&mut self) -> ChunkIdentifier {
        let id = ChunkIdentifier::new(self.next_id);
        self.next_id += 1;
        id
    }

    fn id(&self) -> LinkedChunkId<'_> {
        LinkedChunkId::Room(&self.room_id)
    }

    async fn apply(&self, updates: Vec<Update<SdkEvent, Gap>>) -> bool {
        let Some(store) = store(&self.client).await else {
            return false;
        };
        match store.handle_linked_chunk_updates(self.id(), updates).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("cache: cannot write {}: {e:?}", self.room_id);
                false
            }
        }
    }

    /// Reads the chunk layout: an optional gap first, then events chunks. False: the store
    /// holds something else (it is then cleared).
    async fn load_layout(&mut self) -> bool {
        let Some(store) = store(&self.client).await else {
            return false;
        };
        let Ok(metas) = store.load_all_chunks_metadata(self.id()).await else {
            return false;
        };
        self.next_id = metas
            .iter()
            .map(|m| m.identifier.index() + 1)
            .max()
            .unwrap_or(0);
        let Some(first) = metas.iter().find(|m| m.previous.is_none()) else {
            return false;
        };
        let mut order = vec![first];
        while let Some(next) = order.last().and_then(|m| m.next) {
            match metas.iter().find(|m| m.identifier == next) {
                Some(m) if order.len() <= metas.len() => order.push(m),
                _ => return false,
            }
        }
        let mut items = order.as_slice();
        // A gap chunk counts 0 items; only the first chunk may be one.
        if let Some((head, rest)) = order.split_first()
            && head.num_items == 0
            && let Ok(Some(RawChunk {
                content: ChunkContent::Gap(gap),
                ..
            })) = store
                .load_previous_chunk(
                    self.id(),
                    rest.first().map_or(head.identifier, |m| m.identifier),
                )
                .await
        {
            self.gap = Some((head.identifier, gap.token));
            items = rest;
        }
        if order.len() != metas.len() || items.iter().any(|m| m.num_items == 0) {
            drop(store);
            self.apply(vec![Update::Clear]).await;
            return false;
        }
        self.chunks = items.iter().map(|m| (m.identifier, m.num_items)).collect();
        true
    }

    /// What comes before chunk `after` (None: the newest stored events).
    pub(crate) async fn older(&self, after: Option<ChunkIdentifier>) -> Older {
        let front = || match &self.gap {
            Some((_, token)) => Older::Gap(token.clone()),
            None => Older::Start,
        };
        let index = match after {
            None => self.chunks.len(),
            // Dropped meanwhile (older chunks are trimmed): the server fills in from the front.
            Some(id) => match self.chunks.iter().position(|(c, _)| *c == id) {
                Some(i) => i,
                None => return front(),
            },
        };
        let Some(&(id, _)) = index.checked_sub(1).and_then(|i| self.chunks.get(i)) else {
            return front();
        };
        let Some(store) = store(&self.client).await else {
            return front();
        };
        let next = self.chunks.get(index).map(|(c, _)| *c);
        let chunk = match next {
            Some(next) => store.load_previous_chunk(self.id(), next).await,
            None => store.load_last_chunk(self.id()).await.map(|(c, _)| c),
        };
        match chunk {
            Ok(Some(RawChunk {
                content: ChunkContent::Items(events),
                identifier,
                ..
            })) if identifier == id => {
                Older::Events(id, events.iter().filter_map(to_value).collect())
            }
            _ => front(),
        }
    }
}

mod write;

#[cfg(test)]
mod tests;
