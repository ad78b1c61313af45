//! Which messages go into the transcript: a span of the timeline (marked by hand, or from a
//! `:` spec) minus ignored users. The engine (`roomscribe_transcript::select`) does the work.

use std::ops::Range;

use chrono::Duration;
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

    pub fn filter(&self) -> Filter {
        Filter::new(&self.ignored)
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

    /// Applies a parsed spec: its ignores, and its range resolved on what is loaded now.
    pub fn apply_spec(&mut self, tl: &Timeline, spec: &Spec) {
        for name in &spec.ignore {
            if !self.ignored.iter().any(|i| i.eq_ignore_ascii_case(name)) {
                self.ignored.push(name.clone());
            }
        }
        let span = select::resolve(tl, &spec.range, &self.filter());
        let live = match spec.range {
            spec::Range::Between { to, .. } => to.is_none(),
            spec::Range::Guess | spec::Range::Last(_) => true,
        };
        self.set_span(tl, span, live);
    }

    /// Recomputes the cached counts; cheap enough to run after every change to the span.
    pub fn refresh(&mut self, tl: &Timeline, gap: Duration) {
        let Some(span) = self.span(tl) else {
            self.stats = Stats::default();
            self.speakers.clear();
            return;
        };
        self.stats = select::build(tl, span.clone(), &self.filter(), gap).stats;
        self.speakers = select::build(tl, span, &Filter::default(), gap)
            .stats
            .speakers;
    }
}
