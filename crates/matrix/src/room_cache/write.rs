//! Writing a room's cache: live batches at the back, backfill pages at the front (replacing
//! the front gap), and dropping the oldest chunks beyond the bound.

use std::collections::HashSet;

use matrix_sdk::linked_chunk::{Position, Update};
use matrix_sdk::ruma::OwnedEventId;
use matrix_sdk_base::event_cache::Gap;
use matrix_sdk_base::event_cache::store::DEFAULT_CHUNK_CAPACITY;
use serde_json::Value;

use super::{MAX_EVENTS, Older, RoomCache, store, to_sdk};
use crate::convert::{Names, localpart, member_change};

/// Dropped events whose content may stay in the store before it is compacted: with
/// `MAX_EVENTS` kept, the room's part of the store stays within a few times that.
const DROPPED_MAX: usize = 4 * MAX_EVENTS;

impl RoomCache {
    async fn without_stored(&self, events: &[Value]) -> Vec<Value> {
        let ids: Vec<OwnedEventId> = events
            .iter()
            .filter_map(|e| e.get("event_id")?.as_str()?.try_into().ok())
            .collect();
        let stored = match store(&self.client).await {
            Some(s) => s
                .filter_duplicated_events(self.id(), ids)
                .await
                .unwrap_or_default(),
            None => Vec::new(),
        };
        let stored: HashSet<String> = stored.into_iter().map(|(id, _)| id.to_string()).collect();
        let mut seen = HashSet::new();
        events
            .iter()
            .filter(|e| match e.get("event_id").and_then(Value::as_str) {
                Some(id) => !stored.contains(id) && seen.insert(id.to_string()),
                None => false,
            })
            .cloned()
            .collect()
    }

    /// A live batch (oldest first) asked from sync token `before`, after which the stream
    /// stands at `since`; `names` are the live stream's names after it.
    pub(crate) async fn append(
        &mut self,
        events: &[Value],
        before: &str,
        since: &str,
        names: &Names,
    ) {
        if self.off {
            return;
        }
        let events = self.without_stored(events).await;
        let mut updates = Vec::new();
        let mut chunks = self.chunks.clone();
        let mut rest = events.as_slice();
        if let Some((last, n)) = chunks.back_mut()
            && *n < DEFAULT_CHUNK_CAPACITY
            && !rest.is_empty()
        {
            let take = (DEFAULT_CHUNK_CAPACITY - *n).min(rest.len());
            updates.push(Update::PushItems {
                at: Position::new(*last, *n),
                items: rest[..take].iter().filter_map(to_sdk).collect(),
            });
            *n += take;
            rest = &rest[take..];
        }
        let mut before_of = Vec::new();
        for part in rest.chunks(DEFAULT_CHUNK_CAPACITY) {
            let previous = chunks
                .back()
                .map(|(c, _)| *c)
                .or(self.gap.as_ref().map(|g| g.0));
            let new = self.fresh_id();
            updates.push(Update::NewItemsChunk {
                previous,
                new,
                next: None,
            });
            updates.push(Update::PushItems {
                at: Position::new(new, 0),
                items: part.iter().filter_map(to_sdk).collect(),
            });
            chunks.push_back((new, part.len()));
            before_of.push(new.index());
        }
        if !updates.is_empty() && !self.apply(updates).await {
            // A later batch stored after this lost one would leave a hole: this room's cache
            // stops here, and the next start begins afresh.
            self.off = true;
            self.meta.since = None;
            self.save().await;
            return;
        }
        self.chunks = chunks;
        for id in before_of {
            self.meta.before.insert(id, before.to_string());
        }
        self.meta.since = Some(since.to_string());
        self.meta.members.update_from(names);
        self.trim().await;
        self.save().await;
    }

    /// A backfill page asked from token `from`: raw events newest first, as `/messages`
    /// returns them, `end` where the server continues (None: the start of the room), `state`
    /// the members it sent. Stored only when `from` is the front gap's token, i.e. the page
    /// joins what is stored (older chunks may have been dropped meanwhile).
    pub(crate) async fn prepend(
        &mut self,
        from: Option<&str>,
        newest_first: &[Value],
        end: Option<&str>,
        state: &[Value],
    ) {
        if self.off || from.is_none() || self.gap.as_ref().map(|(_, t)| t.as_str()) != from {
            return;
        }
        let mut oldest_first: Vec<Value> = newest_first.iter().rev().cloned().collect();
        oldest_first = self.without_stored(&oldest_first).await;
        let mut updates = Vec::new();
        if let Some((gap, _)) = &self.gap {
            updates.push(Update::RemoveChunk(*gap));
        }
        let mut chunks = self.chunks.clone();
        let mut before_of = Vec::new();
        for part in oldest_first.rchunks(DEFAULT_CHUNK_CAPACITY) {
            let new = self.fresh_id();
            let next = chunks.front().map(|(c, _)| *c);
            updates.push(Update::NewItemsChunk {
                previous: None,
                new,
                next,
            });
            updates.push(Update::PushItems {
                at: Position::new(new, 0),
                items: part.iter().filter_map(to_sdk).collect(),
            });
            chunks.push_front((new, part.len()));
            before_of.push(new.index());
        }
        let gap = end.map(|token| (self.fresh_id(), token.to_string()));
        if let Some((id, token)) = &gap {
            updates.push(Update::NewGapChunk {
                previous: None,
                new: *id,
                next: chunks.front().map(|(c, _)| *c),
                gap: Gap {
                    token: token.clone(),
                },
            });
        }
        if !self.apply(updates).await {
            return;
        }
        self.chunks = chunks;
        self.gap = gap;
        if let Some(end) = end {
            for id in before_of {
                self.meta.before.insert(id, end.to_string());
            }
        }
        // Names the live stream has not told us yet, as at the newest event of the page.
        for change in state.iter().filter_map(member_change) {
            if !self.meta.members.knows(&change.user_id) {
                let name = change.name.unwrap_or_else(|| localpart(&change.user_id));
                self.meta.members.set(&change.user_id, name);
            }
        }
        self.save().await;
    }

    /// Drops the oldest chunks beyond `MAX_EVENTS`; the front gap then points where they were.
    async fn trim(&mut self) {
        let mut total: usize = self.chunks.iter().map(|(_, n)| n).sum();
        let mut drop_count = 0;
        while total > MAX_EVENTS && drop_count + 1 < self.chunks.len() {
            total -= self.chunks[drop_count].1;
            drop_count += 1;
        }
        let Some(&(front, _)) = self.chunks.get(drop_count) else {
            return;
        };
        let Some(token) = self.meta.before.get(&front.index()).cloned() else {
            return;
        };
        if drop_count == 0 {
            return;
        }
        let mut updates = Vec::new();
        if let Some((gap, _)) = &self.gap {
            updates.push(Update::RemoveChunk(*gap));
        }
        for (id, _) in self.chunks.iter().take(drop_count) {
            updates.push(Update::RemoveChunk(*id));
        }
        let gap = self.fresh_id();
        updates.push(Update::NewGapChunk {
            previous: None,
            new: gap,
            next: Some(front),
            gap: Gap {
                token: token.clone(),
            },
        });
        if !self.apply(updates).await {
            return;
        }
        for (id, n) in self.chunks.drain(..drop_count) {
            self.meta.before.remove(&id.index());
            self.meta.dropped += n;
        }
        self.gap = Some((gap, token));
        if self.meta.dropped > DROPPED_MAX {
            self.compact().await;
        }
    }

    /// Empties the event store of every room (the only way the SDK's store lets go of event
    /// content) and writes this room's kept chunks back as they were. Other rooms start
    /// afresh next time; freed pages are reused, so the file stops growing.
    async fn compact(&mut self) {
        let mut kept = Vec::new();
        let mut after = None;
        while let Older::Events(id, events) = self.older(after).await {
            after = Some(id);
            kept.push((id, events));
        }
        kept.reverse();
        let Some(store) = store(&self.client).await else {
            return;
        };
        let cleared = store.clear_all_linked_chunks().await;
        drop(store);
        if let Err(e) = cleared {
            tracing::warn!("cache: cannot compact: {e:?}");
            return;
        }
        tracing::info!(
            "cache: compacted, {} chunks of {} kept",
            kept.len(),
            self.room_id
        );
        let mut updates = Vec::new();
        let mut previous = None;
        if let Some((gap, token)) = &self.gap {
            updates.push(Update::NewGapChunk {
                previous: None,
                new: *gap,
                next: None,
                gap: Gap {
                    token: token.clone(),
                },
            });
            previous = Some(*gap);
        }
        for (id, events) in &kept {
            updates.push(Update::NewItemsChunk {
                previous,
                new: *id,
                next: None,
            });
            updates.push(Update::PushItems {
                at: Position::new(*id, 0),
                items: events.iter().filter_map(to_sdk).collect(),
            });
            previous = Some(*id);
        }
        if self.apply(updates).await {
            self.chunks = kept.iter().map(|(id, e)| (*id, e.len())).collect();
            self.meta.dropped = 0;
        } else {
            // Nothing of the room is stored now: it starts again at the live position, the
            // server holding everything before it.
            self.chunks.clear();
            self.meta.before.clear();
            self.meta.dropped = 0;
            self.gap = None;
            if let Some(since) = self.meta.since.clone() {
                let gap = self.fresh_id();
                let fresh = Update::NewGapChunk {
                    previous: None,
                    new: gap,
                    next: None,
                    gap: Gap {
                        token: since.clone(),
                    },
                };
                if self.apply(vec![fresh]).await {
                    self.gap = Some((gap, since));
                }
            }
        }
    }
}
