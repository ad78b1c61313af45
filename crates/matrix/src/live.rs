//! The live stream: `/sync` long-polls filtered to one room. A `limited` timeline means the
//! server skipped events; they are fetched with `/messages` and emitted first, so nothing is
//! ever missing or out of order. Events already emitted are never emitted twice.
//!
//! The sync request goes through the SDK (auth, retries on 429, its HTTP stack) as a plain ruma
//! request: we keep our own names and token, so the SDK's store processing (and the
//! `use_state_after` server work it asks for) would only add latency.

use std::collections::{HashSet, VecDeque};
use std::time::Duration;

use matrix_sdk::Client;
use matrix_sdk::config::RequestConfig;
use matrix_sdk::ruma::api::client::filter::{Filter, FilterDefinition, RoomEventFilter};
use matrix_sdk::ruma::api::client::sync::sync_events::v3 as sync_events;
use matrix_sdk::ruma::api::client::sync::sync_events::v3::{Filter as SyncFilter, State};
use matrix_sdk::ruma::api::error::ErrorKind;
use matrix_sdk::ruma::{OwnedRoomId, UInt};
use rand::Rng;
use serde_json::Value;

use crate::backfill::{RawPage, messages_page};
use crate::convert::{Names, convert, event_id, member_change};
use crate::error::{describe_http, server_trouble};
use crate::room_cache::Shared;
use roomscribe_transcript::model::ChatEvent;

const POLL: Duration = Duration::from_secs(30);
pub(crate) const TIMELINE_LIMIT: u32 = 100;
const REMEMBERED_IDS: usize = 20_000;

/// Why a sync did not produce anything.
#[derive(Debug)]
pub enum LiveError {
    /// The server asked us to slow down; not a failure.
    RateLimited(Duration),
    /// Network loss, server restart, 5xx: retry with backoff.
    Transient(String),
    /// Retrying cannot help (the session was revoked, ...).
    Fatal(String),
}

pub struct LiveStream {
    client: Client,
    room_id: OwnedRoomId,
    room: String,
    since: String,
    names: Names,
    seen: HashSet<String>,
    seen_order: VecDeque<String>,
    /// Where each batch is stored, with the token after it.
    cache: Option<Shared>,
    /// The next poll answers at once (catching up from a stored token, the server would
    /// otherwise hold it until something new happens).
    immediate: bool,
}

/// What a first sync says of the room besides its token.
#[derive(Default)]
pub(crate) struct FirstSync {
    /// The timeline as a backwards history page: newest first, `end` its `prev_batch` (None
    /// when the timeline holds the room's whole history).
    pub page: RawPage,
    /// The room's state, then the timeline's events, oldest first: later ones win.
    pub state: Vec<Value>,
    /// The sync knew the room as one we are in.
    pub in_room: bool,
}

impl FirstSync {
    fn from_update(update: &sync_events::JoinedRoom) -> Self {
        let timeline: Vec<Value> = update
            .timeline
            .events
            .iter()
            .filter_map(|e| serde_json::from_str(e.json().get()).ok())
            .collect();
        let mut state: Vec<Value> = match &update.state {
            State::Before(list) | State::After(list) => list
                .events
                .iter()
                .filter_map(|e| serde_json::from_str(e.json().get()).ok())
                .collect(),
            _ => Vec::new(),
        };
        state.extend(
            timeline
                .iter()
                .filter(|e| e.get("state_key").is_some())
                .cloned(),
        );
        let end = if update.timeline.limited {
            update.timeline.prev_batch.clone()
        } else {
            None
        };
        let mut chunk = timeline;
        chunk.reverse();
        Self {
            page: RawPage {
                chunk,
                state: state.clone(),
                end,
            },
            state,
            in_room: true,
        }
    }
}

fn filter(rooms: &[OwnedRoomId], timeline_limit: u32) -> SyncFilter {
    let mut def = FilterDefinition::with_lazy_loading();
    def.room.rooms = Some(rooms.to_vec());
    def.room.timeline = RoomEventFilter::with_lazy_loading();
    def.room.timeline.limit = Some(UInt::from(timeline_limit));
    def.room.ephemeral = RoomEventFilter::ignore_all();
    def.room.account_data = RoomEventFilter::ignore_all();
    def.presence = Filter::ignore_all();
    def.account_data = Filter::ignore_all();
    SyncFilter::FilterDefinition(def)
}

fn classify(err: &matrix_sdk::HttpError) -> LiveError {
    match err.as_client_api_error().and_then(|e| e.error_kind()) {
        Some(ErrorKind::LimitExceeded(data)) => {
            let wait = data
                .retry_after
                .as_ref()
                .and_then(|r| match r {
                    matrix_sdk::ruma::api::error::RetryAfter::Delay(d) => Some(*d),
                    _ => None,
                })
                .unwrap_or(Duration::from_secs(2));
            LiveError::RateLimited(wait)
        }
        Some(ErrorKind::UnknownToken { .. } | ErrorKind::Forbidden) => LiveError::Fatal(format!(
            "the server refused the session: {}",
            describe_http(err)
        )),
        _ => LiveError::Transient(
            err.as_client_api_error()
                .and_then(server_trouble)
                .unwrap_or_else(|| describe_http(err)),
        ),
    }
}

impl LiveStream {
    /// The first (empty-timeline) sync: its token is where live starts and backfill ends, so the
    /// two meet without overlap or gap. Returns that token too.
    pub async fn start(client: Client, room_id: OwnedRoomId) -> Result<(Self, String), LiveError> {
        let (live, since, _) = Self::start_with_page(client, room_id, 0).await?;
        Ok((live, since))
    }

    /// The first sync, asking for the newest `limit` events too: they are the first history
    /// page (its `prev_batch` is where backfill goes on), and its state tells the room's name
    /// and encryption, so nothing else needs asking before the first screen.
    pub(crate) async fn start_with_page(
        client: Client,
        room_id: OwnedRoomId,
        limit: u32,
    ) -> Result<(Self, String, FirstSync), LiveError> {
        let resp = sync(&client, std::slice::from_ref(&room_id), None, limit).await?;
        let first = resp
            .rooms
            .join
            .get(&room_id)
            .map(FirstSync::from_update)
            .unwrap_or_default();
        let since = resp.next_batch;
        Ok((Self::at(client, room_id, since.clone()), since, first))
    }

    /// A stream for one room positioned at `since`, without asking the server anything (the
    /// many-rooms sync drives several of these with one `/sync`).
    pub(crate) fn at(client: Client, room_id: OwnedRoomId, since: String) -> Self {
        Self {
            room: room_id.to_string(),
            client,
            room_id,
            since,
            names: Names::default(),
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            cache: None,
            immediate: false,
        }
    }

    /// Stores each batch and the token after it in `cache`.
    pub(crate) fn storing(mut self, cache: Shared) -> Self {
        self.cache = Some(cache);
        self
    }

    /// A stream resuming at a token stored by an earlier run, with the names known then; its
    /// first poll catches up at once.
    pub(crate) fn resume(
        client: Client,
        room_id: OwnedRoomId,
        since: String,
        names: Names,
    ) -> Self {
        let mut live = Self::at(client, room_id, since);
        live.names = names;
        live.immediate = true;
        live
    }

    /// One long-poll. Returns the new events (`Live`, `MemberName`), gap first. On error nothing advanced: the next call
    /// asks again from the same point.
    pub async fn next(&mut self) -> Result<Vec<ChatEvent>, LiveError> {
        let timeout = if self.immediate { Duration::ZERO } else { POLL };
        let resp = sync_with(
            &self.client,
            std::slice::from_ref(&self.room_id),
            Some(&self.since),
            TIMELINE_LIMIT,
            Some(timeout),
        )
        .await?;
        self.immediate = false;
        let (items, raw) = match resp.rooms.join.get(&self.room_id) {
            Some(update) => self.take_raw(update).await?,
            None => (Vec::new(), Vec::new()),
        };
        if let Some(cache) = &self.cache {
            cache
                .lock()
                .await
                .append(&raw, &self.since, &resp.next_batch, &self.names)
                .await;
        }
        self.since = resp.next_batch;
        Ok(items)
    }

    /// This room's part of a sync answer that was asked from `self.since`, gap first.
    pub(crate) async fn take(
        &mut self,
        update: &sync_events::JoinedRoom,
    ) -> Result<Vec<ChatEvent>, LiveError> {
        Ok(self.take_raw(update).await?.0)
    }

    /// `take`, with the raw timeline events (gap first, oldest first) it converted.
    async fn take_raw(
        &mut self,
        update: &sync_events::JoinedRoom,
    ) -> Result<(Vec<ChatEvent>, Vec<Value>), LiveError> {
        let mut raw: Vec<Value> = Vec::new();
        let mut state: Vec<Value> = Vec::new();
        let timeline = &update.timeline;
        if timeline.limited
            && let Some(prev) = &timeline.prev_batch
        {
            raw = self.fill_gap(prev).await?;
        }
        raw.extend(
            timeline
                .events
                .iter()
                .filter_map(|e| serde_json::from_str(e.json().get()).ok()),
        );
        if let State::Before(list) | State::After(list) = &update.state {
            state = list
                .events
                .iter()
                .filter_map(|e| serde_json::from_str(e.json().get()).ok())
                .collect();
        }
        let items = self.process(&raw, &state);
        Ok((items, raw))
    }

    pub(crate) fn set_since(&mut self, since: &str) {
        self.since = since.to_string();
    }

    /// Events between our last token and the limited timeline's start, oldest first.
    async fn fill_gap(&self, prev_batch: &str) -> Result<Vec<Value>, LiveError> {
        let mut from = prev_batch.to_string();
        let mut newest_first = Vec::new();
        loop {
            let page = messages_page(
                &self.client,
                &self.room_id,
                Some(&from),
                Some(&self.since),
                1000,
            )
            .await
            .map_err(|e| LiveError::Transient(e.to_string()))?;
            let empty = page.chunk.is_empty();
            newest_first.extend(page.chunk);
            match page.end {
                Some(end) if !empty && end != from => from = end,
                _ => break,
            }
        }
        newest_first.reverse();
        Ok(newest_first)
    }

    /// Converts oldest-first raw events, skipping ones already emitted.
    fn process(&mut self, raw: &[Value], state: &[Value]) -> Vec<ChatEvent> {
        // A sender renamed later in this batch had the old name for their earlier messages.
        for change in raw.iter().filter_map(member_change) {
            if !self.names.knows(&change.user_id)
                && let Some(prev) = change.prev_name
            {
                self.names.set(&change.user_id, prev);
            }
        }
        for change in state.iter().filter_map(member_change) {
            if !self.names.knows(&change.user_id)
                && let Some(name) = change.name
            {
                self.names.set(&change.user_id, name);
            }
        }
        let mut items = Vec::new();
        for ev in raw {
            let Some(id) = event_id(ev) else { continue };
            if !self.remember(id) {
                continue;
            }
            if let Some(change) = member_change(ev) {
                // Leaving, bans and invites do not change how earlier messages are named.
                if !change.joined {
                    continue;
                }
                let name = change
                    .name
                    .unwrap_or_else(|| crate::convert::localpart(&change.user_id));
                if self.names.name_of(&change.user_id) != name || !self.names.knows(&change.user_id)
                {
                    self.names.set(&change.user_id, name.clone());
                    items.push(ChatEvent::MemberName {
                        user_id: change.user_id,
                        name,
                    });
                }
            } else if let Some(te) = convert(ev, &self.room, &self.names) {
                items.push(ChatEvent::Live(te));
            }
        }
        items
    }

    /// False when `id` was emitted before.
    fn remember(&mut self, id: &str) -> bool {
        if !self.seen.insert(id.to_string()) {
            return false;
        }
        self.seen_order.push_back(id.to_string());
        if self.seen_order.len() > REMEMBERED_IDS
            && let Some(old) = self.seen_order.pop_front()
        {
            self.seen.remove(&old);
        }
        true
    }
}

/// One `/sync`: a long-poll of `POLL` when `since` is given, an immediate answer otherwise.
pub(crate) async fn sync(
    client: &Client,
    rooms: &[OwnedRoomId],
    since: Option<&str>,
    timeline_limit: u32,
) -> Result<sync_events::Response, LiveError> {
    sync_with(client, rooms, since, timeline_limit, since.map(|_| POLL)).await
}

/// `sync` with its own long-poll `timeout`.
async fn sync_with(
    client: &Client,
    rooms: &[OwnedRoomId],
    since: Option<&str>,
    timeline_limit: u32,
    timeout: Option<Duration>,
) -> Result<sync_events::Response, LiveError> {
    let mut request = sync_events::Request::new();
    request.filter = Some(filter(rooms, timeline_limit));
    request.since = since.map(str::to_string);
    request.timeout = timeout;
    // The server holds the request for up to POLL; allow for that plus a slow answer.
    // Few quick retries inside the SDK, so an outage is reported and paced by our own backoff.
    let config = RequestConfig::short_retry().timeout(POLL + Duration::from_secs(30));
    client
        .send(request)
        .with_request_config(config)
        .await
        .map_err(|e| classify(&e))
}

/// Exponential backoff with jitter: 1 s, 2 s, 4 s ... up to 30 s, each scaled by 0.5–1.0 so
/// many clients do not come back at the same instant.
#[derive(Debug, Default)]
pub struct Backoff {
    attempt: u32,
}

impl Backoff {
    const BASE_MS: u64 = 1000;
    const CAP_MS: u64 = 30_000;

    /// The wait before the next attempt, and that attempt's number (1-based).
    pub fn next_delay(&mut self) -> (Duration, u32) {
        let exp = Self::BASE_MS.saturating_mul(1u64 << self.attempt.min(16));
        let ceiling = exp.min(Self::CAP_MS);
        let ms = rand::thread_rng().gen_range(ceiling / 2..=ceiling);
        self.attempt = self.attempt.saturating_add(1);
        (Duration::from_millis(ms), self.attempt)
    }

    pub fn reset(&mut self) {
        self.attempt = 0;
    }

    pub fn failing(&self) -> bool {
        self.attempt > 0
    }
}

#[cfg(test)]
mod tests {
    use roomscribe_transcript::model::TimelineEvent;
    use serde_json::json;

    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_caps() {
        let mut b = Backoff::default();
        let mut last_ceiling = 0;
        for i in 1..=10u32 {
            let (d, attempt) = b.next_delay();
            assert_eq!(attempt, i);
            let ceiling = (1000u64 << (i - 1)).min(30_000);
            let ms = d.as_millis() as u64;
            assert!(ms >= ceiling / 2 && ms <= ceiling, "{i}: {ms}");
            assert!(ceiling >= last_ceiling);
            last_ceiling = ceiling;
        }
        assert!(b.failing());
        b.reset();
        assert!(!b.failing());
        assert!(b.next_delay().0 <= Duration::from_secs(1));
    }

    #[tokio::test]
    async fn process_dedupes_and_tracks_names() {
        let client = Client::builder()
            .homeserver_url("http://127.0.0.1:9")
            .build()
            .await
            .unwrap();
        let room_id: OwnedRoomId = "!r:hs".try_into().unwrap();
        let mut live = LiveStream {
            client,
            room: room_id.to_string(),
            room_id,
            since: String::new(),
            names: Names::default(),
            seen: HashSet::new(),
            seen_order: VecDeque::new(),
            cache: None,
            immediate: false,
        };
        let msg = |id: &str| {
            json!({"type": "m.room.message", "event_id": id, "sender": "@bob:hs",
                   "origin_server_ts": 1, "content": {"msgtype": "m.text", "body": id}})
        };
        let rename = json!({"type": "m.room.member", "event_id": "$m", "state_key": "@bob:hs",
            "content": {"membership": "join", "displayname": "Robert"},
            "unsigned": {"prev_content": {"membership": "join", "displayname": "Bob"}}});
        let items = live.process(&[msg("$1"), rename, msg("$2")], &[]);
        let names: Vec<String> = items
            .iter()
            .map(|i| match i {
                ChatEvent::Live(TimelineEvent::Message(m)) => m.sender_name.clone(),
                ChatEvent::MemberName { name, .. } => format!("rename:{name}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(names, vec!["Bob", "rename:Robert", "Robert"]);
        // A gap fill that overlaps what was already emitted adds only the new event.
        let again = live.process(&[msg("$2"), msg("$3")], &[]);
        assert_eq!(again.len(), 1);
    }
}
