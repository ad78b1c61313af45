//! A room's messages in chronological order, built from events arriving in any order:
//! backfill pages (older, prepended) and live events (appended), with edits and redactions
//! folded in and duplicates dropped. Indexed by event id, so it stays fast at 100k messages.

use std::collections::hash_map::Entry;
use std::collections::{HashMap, HashSet, VecDeque};

use chrono::{DateTime, Utc};

use crate::model::{ChatMessage, Edit, Redaction, TimelineEvent};

/// What applying one event did, so a UI can keep its cursor and marks in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A new message now sits at this index; later messages moved down by one.
    Inserted(usize),
    /// The message at this index changed (edit or redaction).
    Updated(usize),
    /// An edit or redaction of a message not seen yet: kept until it arrives.
    Pending,
    /// A duplicate, an older edit, or an edit by someone else: nothing changed.
    Unchanged,
}

/// Small numbers standing for a message's sender and for its (sender, display name) pair,
/// stable for the timeline's life: selecting and rendering compare these instead of strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Who {
    pub sender: u32,
    pub speaker: u32,
}

#[derive(Debug, Default, Clone)]
pub struct Timeline {
    messages: VecDeque<ChatMessage>,
    /// In step with `messages`.
    who: VecDeque<Who>,
    interner: Interner,
    /// event id → `head + index`; prepending lowers `head`, so earlier entries stay valid.
    index: HashMap<String, i64>,
    head: i64,
    /// Time of the edit applied to each message, so only a later edit wins.
    edited_at: HashMap<String, DateTime<Utc>>,
    pending_edits: HashMap<String, Edit>,
    pending_redactions: HashSet<String>,
}

impl Timeline {
    pub fn new() -> Self {
        Self::default()
    }

    /// A timeline from events in any order (an export file, a fetched range).
    pub fn from_events(events: impl IntoIterator<Item = TimelineEvent>) -> Self {
        let mut t = Self::new();
        let mut events: Vec<TimelineEvent> = events.into_iter().collect();
        events.sort_by_key(event_ts);
        for ev in events {
            t.apply(ev);
        }
        t
    }

    /// Applies a live event; a message goes after any message with the same timestamp.
    pub fn apply(&mut self, event: TimelineEvent) -> Change {
        match event {
            TimelineEvent::Message(m) => self.insert(m, false),
            TimelineEvent::Edit(e) => self.edit(e),
            TimelineEvent::Redaction(r) => self.redact(r),
        }
    }

    /// Applies a page of older history (any order); messages go before any message with the
    /// same timestamp, keeping the page's own order. Returns how many messages were added.
    pub fn prepend(&mut self, events: impl IntoIterator<Item = TimelineEvent>) -> usize {
        let mut messages = Vec::new();
        let mut others = Vec::new();
        for ev in events {
            match ev {
                TimelineEvent::Message(m) => messages.push(m),
                other => others.push(other),
            }
        }
        messages.sort_by_key(|m| m.ts);
        let mut added = 0;
        for m in messages.into_iter().rev() {
            if matches!(self.insert(m, true), Change::Inserted(_)) {
                added += 1;
            }
        }
        for ev in others {
            self.apply(ev);
        }
        added
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    pub fn get(&self, index: usize) -> Option<&ChatMessage> {
        self.messages.get(index)
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &ChatMessage> + ExactSizeIterator {
        self.messages.iter()
    }

    /// Messages in an index range (clamped to the timeline).
    pub fn range(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl DoubleEndedIterator<Item = &ChatMessage> + ExactSizeIterator {
        let end = range.end.min(self.len());
        self.messages.range(range.start.min(end)..end)
    }

    /// The sender and speaker numbers of the message at `index`.
    pub fn who(&self, index: usize) -> Option<Who> {
        self.who.get(index).copied()
    }

    /// Messages in an index range with their numbers.
    pub fn range_who(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = (&ChatMessage, Who)> {
        let end = range.end.min(self.len());
        let start = range.start.min(end);
        self.messages
            .range(start..end)
            .zip(self.who.range(start..end).copied())
    }

    /// How many distinct senders (ids below this) and speakers there are.
    pub fn counts(&self) -> (usize, usize) {
        (self.interner.names.len(), self.interner.speakers as usize)
    }

    pub fn position(&self, event_id: &str) -> Option<usize> {
        let seq = self.index.get(event_id)?;
        usize::try_from(seq - self.head).ok()
    }

    pub fn by_id(&self, event_id: &str) -> Option<&ChatMessage> {
        self.position(event_id).and_then(|i| self.messages.get(i))
    }

    /// Index of the first message with `ts >= at` (`len()` if none).
    pub fn first_at_or_after(&self, at: DateTime<Utc>) -> usize {
        self.messages.partition_point(|m| m.ts < at)
    }

    /// Index just past the last message with `ts <= at`.
    pub fn end_at_or_before(&self, at: DateTime<Utc>) -> usize {
        self.messages.partition_point(|m| m.ts <= at)
    }

    fn insert(&mut self, mut m: ChatMessage, before_equal: bool) -> Change {
        let slot = match self.index.entry(m.event_id.clone()) {
            // A copy that arrives already redacted (history fetched after the redaction) still
            // redacts the one we have.
            Entry::Occupied(o) => {
                let pos = usize::try_from(*o.get() - self.head).ok();
                return match pos.and_then(|p| Some((p, self.messages.get_mut(p)?))) {
                    Some((p, have)) if m.redacted && !have.redacted => {
                        blank(have);
                        Change::Updated(p)
                    }
                    _ => Change::Unchanged,
                };
            }
            Entry::Vacant(v) => v,
        };
        let who = self.interner.intern(&m);
        if !self.pending_redactions.is_empty() && self.pending_redactions.remove(&m.event_id) {
            blank(&mut m);
            self.pending_edits.remove(&m.event_id);
        } else if !self.pending_edits.is_empty()
            && let Some(e) = self.pending_edits.remove(&m.event_id)
            && e.sender == m.sender
        {
            self.edited_at.insert(m.event_id.clone(), e.ts);
            fold_edit(&mut m, e);
        }
        let len = self.messages.len();
        let pos = if before_equal {
            self.messages.partition_point(|x| x.ts < m.ts)
        } else {
            self.messages.partition_point(|x| x.ts <= m.ts)
        };
        if pos == len {
            self.who.push_back(who);
            self.messages.push_back(m);
            slot.insert(self.head + pos as i64);
            return Change::Inserted(pos);
        }
        if pos == 0 {
            self.head -= 1;
            self.who.push_front(who);
            self.messages.push_front(m);
            slot.insert(self.head);
            return Change::Inserted(pos);
        }
        let id = slot.into_key();
        if pos < len / 2 {
            // Shift the shorter, front side: those entries move one place towards the head.
            self.head -= 1;
            self.who.insert(pos, who);
            self.messages.insert(pos, m);
            for i in 0..pos {
                self.reindex(i);
            }
        } else {
            self.who.insert(pos, who);
            self.messages.insert(pos, m);
            for i in pos + 1..=len {
                self.reindex(i);
            }
        }
        self.index.insert(id, self.head + pos as i64);
        Change::Inserted(pos)
    }

    fn reindex(&mut self, i: usize) {
        if let Some(m) = self.messages.get(i)
            && let Some(seq) = self.index.get_mut(&m.event_id)
        {
            *seq = self.head + i as i64;
        }
    }

    fn edit(&mut self, e: Edit) -> Change {
        let Some(pos) = self.position(&e.target) else {
            let newer = self
                .pending_edits
                .get(&e.target)
                .is_none_or(|old| e.ts >= old.ts);
            if newer {
                self.pending_edits.insert(e.target.clone(), e);
            }
            return Change::Pending;
        };
        let later = self.edited_at.get(&e.target).is_none_or(|at| e.ts >= *at);
        let Some(m) = self.messages.get_mut(pos) else {
            return Change::Unchanged;
        };
        // Matrix only honours replacements by the original sender.
        if m.redacted || !later || m.sender != e.sender {
            return Change::Unchanged;
        }
        self.edited_at.insert(e.target.clone(), e.ts);
        fold_edit(m, e);
        Change::Updated(pos)
    }

    fn redact(&mut self, r: Redaction) -> Change {
        let Some(pos) = self.position(&r.target) else {
            // Redacting an edit event (or something unknown): remember it for a later message.
            self.pending_redactions.insert(r.target);
            return Change::Pending;
        };
        match self.messages.get_mut(pos) {
            Some(m) if !m.redacted => {
                blank(m);
                Change::Updated(pos)
            }
            _ => Change::Unchanged,
        }
    }
}

#[derive(Debug, Default, Clone)]
struct Interner {
    sender_ids: HashMap<String, u32>,
    /// Per sender id: the display names seen, with their speaker id.
    names: Vec<Vec<(String, u32)>>,
    speakers: u32,
}

impl Interner {
    fn intern(&mut self, m: &ChatMessage) -> Who {
        let sender = match self.sender_ids.get(&m.sender) {
            Some(id) => *id,
            None => {
                let id = self.names.len() as u32;
                self.sender_ids.insert(m.sender.clone(), id);
                self.names.push(Vec::new());
                id
            }
        };
        let Some(names) = self.names.get_mut(sender as usize) else {
            return Who::default();
        };
        let speaker = match names.iter().find(|(n, _)| *n == m.sender_name) {
            Some((_, id)) => *id,
            None => {
                self.speakers += 1;
                names.push((m.sender_name.clone(), self.speakers - 1));
                self.speakers - 1
            }
        };
        Who { sender, speaker }
    }
}

fn fold_edit(m: &mut ChatMessage, e: Edit) {
    m.body = e.body;
    m.html = e.html;
    m.edited = true;
}

fn blank(m: &mut ChatMessage) {
    m.redacted = true;
    m.body.clear();
    m.html = None;
}

fn event_ts(ev: &TimelineEvent) -> DateTime<Utc> {
    match ev {
        TimelineEvent::Message(m) => m.ts,
        TimelineEvent::Edit(e) => e.ts,
        TimelineEvent::Redaction(r) => r.ts,
    }
}
