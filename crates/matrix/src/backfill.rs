//! Older history via `/messages` (backwards, up to 1000 events a request): the last N messages
//! or everything back to an instant, with each sender's display name as it was at the time.

use std::collections::VecDeque;

use matrix_sdk::Client;
use matrix_sdk::linked_chunk::ChunkIdentifier;
use matrix_sdk::ruma::api::Direction;
use matrix_sdk::ruma::api::client::filter::RoomEventFilter;
use matrix_sdk::ruma::api::client::message::get_message_events::v3 as messages;
use matrix_sdk::ruma::{OwnedRoomId, UInt};
use roomscribe_transcript::model::{BackfillRequest, TimelineEvent};
use serde_json::Value;

use crate::convert::{Names, convert, localpart, member_change};
use crate::error::{Error, Result};
use crate::room_cache::{Older, Shared};

/// The server caps `limit` at 1000.
const MAX_PAGE: u32 = 1000;

/// One raw `/messages` page: events newest first (we page backwards).
#[derive(Default)]
pub(crate) struct RawPage {
    pub chunk: Vec<Value>,
    pub state: Vec<Value>,
    pub end: Option<String>,
}

/// `/messages?dir=b` from `from` (None: the newest event) down to `to` (None: no bound).
pub(crate) async fn messages_page(
    client: &Client,
    room_id: &OwnedRoomId,
    from: Option<&str>,
    to: Option<&str>,
    limit: u32,
) -> Result<RawPage> {
    let mut request = messages::Request::new(room_id.clone(), Direction::Backward);
    request.from = from.map(str::to_string);
    request.to = to.map(str::to_string);
    request.limit = UInt::from(limit.min(MAX_PAGE));
    request.filter = RoomEventFilter::with_lazy_loading();
    let resp = client.send(request).await.map_err(|e| Error::http(&e))?;
    let parse = |raw: &str| serde_json::from_str::<Value>(raw).ok();
    Ok(RawPage {
        chunk: resp
            .chunk
            .iter()
            .filter_map(|r| parse(r.json().get()))
            .collect(),
        state: resp
            .state
            .iter()
            .filter_map(|r| parse(r.json().get()))
            .collect(),
        end: resp.end,
    })
}

/// Converts a backwards page to model events, oldest first. `state` (the lazy-loaded members
/// as at the newest event of the page) seeds the names; walking back past a member event
/// restores the name the user had before it.
fn convert_backwards(page: &RawPage, room: &str, names: &mut Names) -> Vec<TimelineEvent> {
    for ev in &page.state {
        if let Some(change) = member_change(ev) {
            let name = change.name.unwrap_or_else(|| localpart(&change.user_id));
            names.set(&change.user_id, name);
        }
    }
    let mut out = Vec::with_capacity(page.chunk.len());
    for ev in &page.chunk {
        if let Some(change) = member_change(ev) {
            let before = change
                .prev_name
                .unwrap_or_else(|| localpart(&change.user_id));
            names.set(&change.user_id, before);
        } else if let Some(te) = convert(ev, room, names) {
            out.push(te);
        }
    }
    out.reverse();
    out
}

/// One step of a backfill: what the `ChatEvent::Backfill` progress event carries.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub events: Vec<TimelineEvent>,
    pub fetched: usize,
    pub done: bool,
    pub reached_start: bool,
}

/// Pages further and further back; keeps what a request fetched but did not need, so the next
/// request continues exactly where the last one stopped.
pub struct Backfiller {
    client: Client,
    room_id: OwnedRoomId,
    room: String,
    from: Option<String>,
    exhausted: bool,
    /// Converted, not yet handed out, oldest first; all older than anything handed out.
    buffer: VecDeque<TimelineEvent>,
    names: Names,
    /// Where pages fetched from the server are stored (the front of the room's cache).
    cache: Option<Shared>,
    /// Reading the cache: the next page is older than this chunk (None: the newest).
    reading: Option<Option<ChunkIdentifier>>,
}

impl Backfiller {
    /// `from`: a pagination token (e.g. the first sync's `prev_batch`); None: start at the newest.
    pub fn new(client: Client, room_id: OwnedRoomId, from: Option<String>) -> Self {
        Self {
            room: room_id.to_string(),
            client,
            room_id,
            from,
            exhausted: false,
            buffer: VecDeque::new(),
            names: Names::default(),
            cache: None,
            reading: None,
        }
    }

    /// Starts with `page` (the first sync's timeline) as if it had been fetched: the first
    /// request is served without asking the server.
    pub(crate) fn preloaded(mut self, page: RawPage) -> Self {
        self.exhausted = page.end.is_none() || page.chunk.is_empty();
        self.from = page.end.clone();
        self.buffer = convert_backwards(&page, &self.room, &mut self.names).into();
        self
    }

    /// Stores every page it fetches at the front of `cache` (its `from` must be the token of
    /// the cache's front gap).
    pub(crate) fn storing(mut self, cache: Shared) -> Self {
        self.cache = Some(cache);
        self
    }

    /// Reads `cache` from its newest event back first, with the names as at that event, then
    /// the server from the cache's front gap, storing what it fetches.
    pub(crate) fn from_cache(
        client: Client,
        room_id: OwnedRoomId,
        cache: Shared,
        names: Names,
    ) -> Self {
        let mut filler = Self::new(client, room_id, None).storing(cache);
        filler.names = names;
        filler.reading = Some(None);
        filler
    }

    /// Like [`step`](Self::step), from the cache only: `done` also when the cache ran out.
    pub(crate) async fn step_cached(
        &mut self,
        req: &BackfillRequest,
        fetched: usize,
    ) -> Result<Step> {
        let mut step = self.step_with(req, fetched, false).await?;
        step.done |= self.reading.is_none() && self.buffer.is_empty();
        Ok(step)
    }

    /// Fills the buffer with the next older page: from the cache while it lasts, then (when
    /// `network`) from the server.
    async fn fill(&mut self, limit: u32, network: bool) -> Result<()> {
        if let (Some(after), Some(cache)) = (self.reading, &self.cache) {
            let older = cache.lock().await.older(after).await;
            match older {
                Older::Events(id, oldest_first) => {
                    self.reading = Some(Some(id));
                    let page = RawPage {
                        chunk: oldest_first.into_iter().rev().collect(),
                        state: Vec::new(),
                        end: None,
                    };
                    self.buffer = convert_backwards(&page, &self.room, &mut self.names).into();
                    return Ok(());
                }
                Older::Gap(token) => {
                    self.reading = None;
                    self.from = Some(token);
                }
                Older::Start => {
                    self.reading = None;
                    self.exhausted = true;
                    return Ok(());
                }
            }
        }
        if !network {
            return Ok(());
        }
        let page = messages_page(
            &self.client,
            &self.room_id,
            self.from.as_deref(),
            None,
            limit,
        )
        .await?;
        if let Some(cache) = &self.cache {
            cache
                .lock()
                .await
                .prepend(
                    self.from.as_deref(),
                    &page.chunk,
                    page.end.as_deref(),
                    &page.state,
                )
                .await;
        }
        self.exhausted = page.end.is_none() || page.chunk.is_empty();
        self.from = page.end.clone();
        self.buffer = convert_backwards(&page, &self.room, &mut self.names).into();
        Ok(())
    }

    /// The next part of `req`, given `fetched` messages so far for it. Call until `done`.
    pub async fn step(&mut self, req: &BackfillRequest, fetched: usize) -> Result<Step> {
        self.step_with(req, fetched, true).await
    }

    async fn step_with(
        &mut self,
        req: &BackfillRequest,
        fetched: usize,
        network: bool,
    ) -> Result<Step> {
        if self.buffer.is_empty() && !self.exhausted {
            let limit = match req {
                BackfillRequest::Last(n) => {
                    (n.saturating_sub(fetched) + 50).clamp(100, MAX_PAGE as usize) as u32
                }
                BackfillRequest::Since(_) => MAX_PAGE,
            };
            self.fill(limit, network).await?;
        }
        let mut taken = Vec::new();
        let mut count = fetched;
        let mut satisfied = false;
        while let Some(ev) = self.buffer.back() {
            let is_msg = matches!(ev, TimelineEvent::Message(_));
            match req {
                BackfillRequest::Last(n) if count >= *n => satisfied = true,
                BackfillRequest::Since(t) if ts_of(ev) < *t => satisfied = true,
                _ => {}
            }
            if satisfied {
                break;
            }
            if let Some(ev) = self.buffer.pop_back() {
                count += usize::from(is_msg);
                taken.push(ev);
            }
        }
        if let BackfillRequest::Last(n) = req {
            satisfied |= count >= *n;
        }
        taken.reverse();
        let reached_start = self.exhausted && self.buffer.is_empty();
        Ok(Step {
            events: taken,
            fetched: count,
            done: satisfied || reached_start,
            reached_start,
        })
    }
}

fn ts_of(ev: &TimelineEvent) -> chrono::DateTime<chrono::Utc> {
    match ev {
        TimelineEvent::Message(m) => m.ts,
        TimelineEvent::Edit(e) => e.ts,
        TimelineEvent::Redaction(r) => r.ts,
    }
}

/// The whole of `req` from the newest event back, oldest first (for the headless commands).
/// `progress` is told the message count after each page.
pub async fn backfill(
    client: &Client,
    room_id: &OwnedRoomId,
    req: &BackfillRequest,
    mut progress: impl FnMut(usize),
) -> Result<Vec<TimelineEvent>> {
    let mut filler = Backfiller::new(client.clone(), room_id.clone(), None);
    let mut pages = Vec::new();
    let mut fetched = 0;
    loop {
        let step = filler.step(req, fetched).await?;
        fetched = step.fetched;
        progress(fetched);
        pages.push(step.events);
        if step.done {
            break;
        }
    }
    pages.reverse();
    Ok(pages.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_walk_back_across_a_rename() {
        // Newest first, as /messages dir=b returns them.
        let msg = |id: &str, body: &str| {
            json!({"type": "m.room.message", "event_id": id, "sender": "@bob:hs",
                   "origin_server_ts": 1, "content": {"msgtype": "m.text", "body": body}})
        };
        let page = RawPage {
            chunk: vec![
                msg("$3", "after"),
                json!({"type": "m.room.member", "event_id": "$2", "state_key": "@bob:hs", "sender": "@bob:hs",
                       "content": {"membership": "join", "displayname": "Robert"},
                       "unsigned": {"prev_content": {"membership": "join", "displayname": "Bob"}}}),
                msg("$1", "before"),
            ],
            state: vec![json!({"type": "m.room.member", "state_key": "@bob:hs",
                               "content": {"membership": "join", "displayname": "Robert"}})],
            end: None,
        };
        let mut names = Names::default();
        let events = convert_backwards(&page, "!r:hs", &mut names);
        let got: Vec<(String, String)> = events
            .iter()
            .filter_map(|e| match e {
                TimelineEvent::Message(m) => Some((m.body.clone(), m.sender_name.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("before".into(), "Bob".into()),
                ("after".into(), "Robert".into())
            ]
        );
    }
}
