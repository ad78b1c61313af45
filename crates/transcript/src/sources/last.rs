//! Selections applied while reading. `last:N`: only the last N visible messages of an export are
//! kept, in a bounded heap ordered as the timeline orders them (time, then file order), so a
//! 1M-message export needs memory for N messages. `from:`/`to:`: only messages in the window.
//! The selection then runs on them as on the whole timeline: `last:N` counts visible messages
//! before anyone is ignored, and redacted or ignored ones never join a turn, so dropping
//! redacted messages and keeping ignored ones gives the same post.

use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::{DateTime, Utc};

use crate::model::{ChatMessage, TimelineEvent};

/// Feed it every event of a file; [`LastVisible::finish`] gives the kept ones.
pub struct LastVisible {
    n: usize,
    /// `from:`/`to:` instead of `last:N`: every message in it is kept, the heap is unbounded.
    window: Option<(DateTime<Utc>, Option<DateTime<Utc>>)>,
    seq: u64,
    heap: BinaryHeap<Reverse<Entry>>,
    /// Hashes of every message id: a repeated id (which the timeline merges) or any event other
    /// than a message makes the shortcut unsafe, and the caller reads the whole file instead.
    ids: HashSet<u64>,
    exact: bool,
    messages: usize,
}

struct Entry {
    key: (DateTime<Utc>, u64),
    msg: ChatMessage,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

impl LastVisible {
    pub fn new(n: usize) -> Self {
        Self {
            n,
            window: None,
            seq: 0,
            heap: BinaryHeap::with_capacity(n.min(1024) + 1),
            ids: HashSet::new(),
            exact: true,
            messages: 0,
        }
    }

    /// Messages sent at `from` or later, and at `to` or earlier.
    pub fn between(from: DateTime<Utc>, to: Option<DateTime<Utc>>) -> Self {
        Self {
            window: Some((from, to)),
            ..Self::new(usize::MAX)
        }
    }

    pub fn push(&mut self, ev: TimelineEvent) {
        let TimelineEvent::Message(msg) = ev else {
            self.exact = false;
            return;
        };
        self.messages += 1;
        let mut h = DefaultHasher::new();
        msg.event_id.hash(&mut h);
        if !self.ids.insert(h.finish()) {
            self.exact = false;
        }
        if msg.redacted || self.n == 0 {
            return;
        }
        if let Some((from, to)) = self.window
            && (msg.ts < from || to.is_some_and(|to| msg.ts > to))
        {
            return;
        }
        self.seq += 1;
        self.heap.push(Reverse(Entry {
            key: (msg.ts, self.seq),
            msg,
        }));
        if self.heap.len() > self.n {
            self.heap.pop();
        }
    }

    /// The kept messages and how many the file held, or `None` when the file needs the whole
    /// timeline after all (a repeated id, or edits and redactions as events).
    pub fn finish(self) -> Option<(Vec<TimelineEvent>, usize)> {
        if !self.exact {
            return None;
        }
        let mut kept: Vec<Entry> = self.heap.into_iter().map(|Reverse(e)| e).collect();
        kept.sort();
        let events = kept
            .into_iter()
            .map(|e| TimelineEvent::Message(e.msg))
            .collect();
        Some((events, self.messages))
    }
}
