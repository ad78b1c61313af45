//! Which messages go into the transcript: a fixed span of the timeline (marked by hand, or
//! from a `:` spec, resolved once) minus ignored users; it follows live messages only when
//! asked to (`to:now`, or the follow key). The engine (`roomscribe_transcript::select`) does
//! the work.

use std::collections::HashSet;
use std::ops::Range;
use std::sync::Arc;

use roomscribe_transcript::model::ChatMessage;
use roomscribe_transcript::select::{self, Filter, Speaker, Stats};
use roomscribe_transcript::spec::{self, Spec};
use roomscribe_transcript::timeline::Timeline;

#[derive(Debug, Default, Clone)]
pub struct Selection {
    /// Event id of the first selected message.
    pub first: Option<String>,
    /// Event id of the last one; `None` with `first` set: through the newest, growing live.
    pub last: Option<String>,
    /// Matrix ids or names, as the engine's `Filter` takes them.
    pub ignored: Vec<String>,
    /// A thread or reply chain: only these messages of the span are in the post.
    pub thread: Option<Arc<HashSet<String>>>,
    /// The last `:` spec, re-applied while backfill brings the history it needs.
    pub pending: Option<Spec>,
    /// The last `:` spec typed: its title, category and tags fill the publish dialog.
    pub spec: Option<Spec>,
    /// Cached after every change: kept messages' stats, and every speaker in the span.
    pub stats: Stats,
    pub speakers: Vec<Speaker>,
}

impl Selection {
    pub fn is_empty(&self) -> bool {
        self.first.is_none()
    }

    /// The span grows with live messages (`to:now`, or the follow key).
    pub fn follows(&self) -> bool {
        self.first.is_some() && self.last.is_none()
    }

    pub fn filter(&self) -> Filter {
        let f = Filter::new(&self.ignored);
        match &self.thread {
            Some(ids) => f.only(ids.clone()),
            None => f,
        }
    }

    pub fn span(&self, tl: &Timeline) -> Option<Range<usize>> {
        let a = tl.position(self.first.as_deref()?)?;
        let b = match &self.last {
            Some(id) => tl.position(id)?,
            None => tl.len().checked_sub(1)?,
        };
        Some(a.min(b)..a.max(b) + 1)
    }

    pub fn contains(&self, span: &Option<Range<usize>>, index: usize) -> bool {
        span.as_ref().is_some_and(|s| s.contains(&index))
    }

    /// Whether message `index` is in the post (in the span, and in the thread if there is one).
    pub fn selects(&self, span: &Option<Range<usize>>, index: usize, m: &ChatMessage) -> bool {
        self.contains(span, index) && self.thread.as_ref().is_none_or(|t| t.contains(&m.event_id))
    }

    pub fn set_span(&mut self, tl: &Timeline, span: Range<usize>, live: bool) {
        if span.is_empty() {
            self.first = None;
            self.last = None;
            return;
        }
        self.first = tl.get(span.start).map(|m| m.event_id.clone());
        self.last = if live {
            None
        } else {
            tl.get(span.end - 1).map(|m| m.event_id.clone())
        };
    }

    /// Extends the span to the newest message and keeps it growing.
    pub fn follow_live(&mut self) {
        if self.first.is_some() {
            self.last = None;
            self.pending = None;
        }
    }

    pub fn clear(&mut self) {
        *self = Self {
            ignored: std::mem::take(&mut self.ignored),
            ..Self::default()
        };
    }

    pub fn is_ignored(&self, sender: &str, name: &str) -> bool {
        self.ignored
            .iter()
            .any(|i| i.eq_ignore_ascii_case(sender) || i.eq_ignore_ascii_case(name))
    }

    pub fn toggle_ignore(&mut self, sender: &str, name: &str) {
        if self.is_ignored(sender, name) {
            self.ignored
                .retain(|i| !i.eq_ignore_ascii_case(sender) && !i.eq_ignore_ascii_case(name));
        } else {
            self.ignored.push(sender.to_string());
        }
    }

    pub fn ignores(&self, m: &ChatMessage) -> bool {
        self.is_ignored(&m.sender, &m.sender_name)
    }

    /// Applies a parsed spec: its ignores, and its range resolved once on what is loaded now.
    /// Re-applied while backfill brings older history, the end stays where it was
    /// (`self.last`), so live messages that arrived meanwhile do not join.
    pub fn apply_spec(&mut self, tl: &Timeline, spec: &Spec) {
        for name in &spec.ignore {
            if !self.ignored.iter().any(|i| i.eq_ignore_ascii_case(name)) {
                self.ignored.push(name.clone());
            }
        }
        let end = match &self.last {
            Some(id) if self.pending.is_some() => tl.position(id).map(|i| i + 1),
            _ => None,
        };
        self.thread = None;
        let span = match (&spec.range, end) {
            (spec::Range::Last(n), Some(end)) => select::last_visible(tl, end, *n),
            (spec::Range::Thread(id), _) => {
                self.thread = Some(Arc::new(select::thread(tl, id)));
                select::resolve(tl, &spec.range, &Filter::default())
            }
            (range, end) => {
                let s = select::resolve(tl, range, &Filter::default());
                s.start..end.unwrap_or(s.end).max(s.start)
            }
        };
        self.set_span(tl, span, spec.follow);
    }

    /// Recomputes the cached counts; cheap enough to run after every change to the span.
    /// The speakers are everyone in the span, ignored ones too, so they can be brought back.
    pub fn refresh(&mut self, tl: &Timeline) {
        let Some(span) = self.span(tl) else {
            self.stats = Stats::default();
            self.speakers.clear();
            return;
        };
        self.stats = select::stats(tl, span.clone(), &self.filter());
        let everyone = match &self.thread {
            Some(ids) => Filter::default().only(ids.clone()),
            None => Filter::default(),
        };
        self.speakers = select::stats(tl, span, &everyone).speakers;
    }
}
