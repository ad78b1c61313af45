//! One `/sync` loop for several rooms (the bot), resumable from a stored position: a restart
//! continues from the last token the caller stored, so what was said while the process was down
//! arrives first (gaps filled with `/messages`, as for one room).

use std::collections::HashMap;

use matrix_sdk::Client;
use matrix_sdk::ruma::OwnedRoomId;
use roomscribe_transcript::model::ChatEvent;

use crate::live::{LiveError, LiveStream, TIMELINE_LIMIT, sync};

/// What one sync brought: each room's new events (room id, event), and the position to store
/// once they are handled.
#[derive(Debug)]
pub struct Batch {
    pub events: Vec<(String, ChatEvent)>,
    pub position: String,
}

pub struct RoomsSync {
    client: Client,
    rooms: Vec<OwnedRoomId>,
    streams: HashMap<OwnedRoomId, LiveStream>,
    since: String,
}

impl RoomsSync {
    /// Starts at `since` (a stored position) or, without one, at "now".
    pub async fn start(
        client: Client,
        rooms: Vec<OwnedRoomId>,
        since: Option<String>,
    ) -> Result<Self, LiveError> {
        let since = match since {
            Some(s) => s,
            None => sync(&client, &rooms, None, 0).await?.next_batch,
        };
        let streams = rooms
            .iter()
            .map(|r| {
                (
                    r.clone(),
                    LiveStream::at(client.clone(), r.clone(), since.clone()),
                )
            })
            .collect();
        Ok(Self {
            client,
            rooms,
            streams,
            since,
        })
    }

    /// The position after everything returned so far.
    pub fn position(&self) -> &str {
        &self.since
    }

    /// One long-poll for all rooms. On error nothing advanced.
    pub async fn next(&mut self) -> Result<Batch, LiveError> {
        let resp = sync(&self.client, &self.rooms, Some(&self.since), TIMELINE_LIMIT).await?;
        let mut events = Vec::new();
        for room in &self.rooms {
            let (Some(update), Some(stream)) =
                (resp.rooms.join.get(room), self.streams.get_mut(room))
            else {
                continue;
            };
            stream.set_since(&self.since);
            for ev in stream.take(update).await? {
                events.push((room.to_string(), ev));
            }
        }
        self.since = resp.next_batch;
        for stream in self.streams.values_mut() {
            stream.set_since(&self.since);
        }
        Ok(Batch {
            events,
            position: self.since.clone(),
        })
    }
}
