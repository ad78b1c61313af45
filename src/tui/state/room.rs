//! The room pane: the transcript engine's `Timeline` plus where the user is looking.

use roomscribe_transcript::model::{ChatEvent, ConnState, RoomInfo, TimelineEvent};
use roomscribe_transcript::timeline::{Change, Timeline};

use super::rows::RowCache;

#[derive(Debug, Default)]
pub struct Backfill {
    /// A request is out; `fetched` counts what arrived for it so far.
    pub active: bool,
    pub fetched: usize,
    pub reached_start: bool,
}

#[derive(Debug)]
pub struct Room {
    /// What the user asked for (`org/room`, an alias...), shown until the source resolves it.
    pub asked: String,
    pub info: Option<RoomInfo>,
    pub timeline: Timeline,
    /// Index of the message under the cursor.
    pub cursor: usize,
    /// Index of the message drawn at the bottom of the pane.
    pub bottom: usize,
    /// Stick to the newest message as live ones arrive.
    pub follow: bool,
    pub backfill: Backfill,
    pub conn: ConnState,
    /// When `conn` last changed, for the reconnect countdown.
    pub conn_since: chrono::DateTime<chrono::Utc>,
    /// Rows each message takes on screen, for scrolling and drawing.
    pub rows: RowCache,
    /// Spans already published (first and last event id), marked in the timeline.
    pub published: Vec<(String, String)>,
}

impl Room {
    pub fn new(asked: &str) -> Self {
        Self {
            asked: asked.to_string(),
            info: None,
            timeline: Timeline::new(),
            cursor: 0,
            bottom: 0,
            follow: true,
            backfill: Backfill::default(),
            conn: ConnState::Connecting,
            conn_since: chrono::DateTime::UNIX_EPOCH,
            rows: RowCache::default(),
            published: Vec::new(),
        }
    }

    pub fn title(&self) -> String {
        match &self.info {
            Some(i) => i
                .alias
                .clone()
                .or_else(|| i.name.clone())
                .unwrap_or_else(|| i.room_id.clone()),
            None => self.asked.clone(),
        }
    }

    pub fn room_key(&self) -> String {
        self.info
            .as_ref()
            .map_or_else(|| self.asked.clone(), |i| i.room_id.clone())
    }

    /// Applies a chat event to the room; returns true when the timeline's content changed.
    pub fn apply(&mut self, ev: ChatEvent) -> bool {
        match ev {
            ChatEvent::Room(info) => self.info = Some(info),
            ChatEvent::Backfill {
                events,
                fetched,
                done,
                reached_start,
            } => {
                let added = self.timeline.prepend(events);
                // A page can fold edits into messages already counted.
                self.rows.clear();
                if !self.timeline.is_empty() && self.cursor_was_set(added) {
                    self.cursor += added;
                    self.bottom += added;
                }
                self.backfill.fetched = fetched;
                self.backfill.active = !done;
                self.backfill.reached_start |= reached_start;
                if self.follow {
                    self.to_bottom();
                }
                return added > 0;
            }
            ChatEvent::Live(ev) => return self.live(ev),
            // Sources put the name current at send time into each message already; the
            // rest is status, handled by `update`.
            ChatEvent::MemberName { .. }
            | ChatEvent::Connection(_)
            | ChatEvent::Sent { .. }
            | ChatEvent::Error(_) => {}
        }
        false
    }

    fn cursor_was_set(&self, added: usize) -> bool {
        // Before the first page the cursor points at nothing; afterwards keep it on its message.
        self.timeline.len() > added
    }

    fn live(&mut self, ev: TimelineEvent) -> bool {
        match self.timeline.apply(ev) {
            Change::Inserted(i) => {
                if self.follow {
                    self.to_bottom();
                } else {
                    if i <= self.cursor && self.timeline.len() > 1 {
                        self.cursor += 1;
                    }
                    if i <= self.bottom && self.timeline.len() > 1 {
                        self.bottom += 1;
                    }
                }
                true
            }
            Change::Updated(i) => {
                if let Some(m) = self.timeline.get(i) {
                    self.rows.forget(&m.event_id);
                }
                true
            }
            Change::Pending | Change::Unchanged => false,
        }
    }

    /// Whether message `i` is in a span published before.
    pub fn is_published(&self, i: usize) -> bool {
        self.published.iter().any(|(a, b)| {
            let (a, b) = (self.timeline.position(a), self.timeline.position(b));
            matches!((a, b), (Some(a), Some(b)) if (a..=b).contains(&i))
        })
    }

    /// Index just after the newest published span, if any.
    pub fn after_published(&self) -> Option<usize> {
        self.published
            .iter()
            .filter_map(|(_, b)| self.timeline.position(b))
            .max()
            .map(|b| b + 1)
    }

    pub fn to_bottom(&mut self) {
        let last = self.timeline.len().saturating_sub(1);
        self.cursor = last;
        self.bottom = last;
        self.follow = true;
    }

    /// Moves the cursor by `delta` messages; following resumes at the newest.
    pub fn move_by(&mut self, delta: isize) {
        let last = self.timeline.len().saturating_sub(1);
        self.cursor = self.cursor.saturating_add_signed(delta).min(last);
        self.follow = self.cursor == last;
    }

    pub fn move_to(&mut self, index: usize) {
        let last = self.timeline.len().saturating_sub(1);
        self.cursor = index.min(last);
        self.follow = self.cursor == last;
    }
}
