//! From a timeline and a spec to the turns of one post: pick a range (last N, between times,
//! a guess, or by hand), drop ignored users and redacted messages, merge runs of one speaker.

use std::collections::HashSet;
use std::ops::Range as Span;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use crate::model::ChatMessage;
use crate::spec::{Range, Spec};
use crate::timeline::{Timeline, Who};

/// Merge window used when the spec gives no `gap:`.
pub const DEFAULT_GAP: Duration = Duration::minutes(5);
/// A guess starts after the last silence at least this long.
pub const QUIET_GAP: Duration = Duration::minutes(3);
/// The guess looks for a silence before the last this-many messages.
const GUESS_SKIP_LAST: usize = 5;
/// Without a silence, the guess takes this many messages.
const GUESS_FALLBACK: usize = 10;

/// Which messages are left out: redacted ones and those of ignored users.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    ignore: Vec<String>,
    /// Only these event ids (a thread or reply chain); `None`: every message of the span.
    only: Option<Arc<HashSet<String>>>,
}

impl Filter {
    /// `ignore`: Matrix ids or display names, any case.
    pub fn new(ignore: &[String]) -> Self {
        Self {
            ignore: ignore.iter().map(|s| s.trim().to_lowercase()).collect(),
            only: None,
        }
    }

    /// Keeps only these messages (see `thread`).
    pub fn only(mut self, ids: Arc<HashSet<String>>) -> Self {
        self.only = Some(ids);
        self
    }

    fn outside(&self, m: &ChatMessage) -> bool {
        self.only.as_ref().is_some_and(|o| !o.contains(&m.event_id))
    }

    /// Matches the Matrix id, its localpart (`bob` or `@bob` for `@bob:gitter.im`, which is
    /// the Gitter username) or the display name, ignoring case.
    pub fn ignores_sender(&self, m: &ChatMessage) -> bool {
        if self.ignore.is_empty() {
            return false;
        }
        let local = m.sender.strip_prefix('@').unwrap_or(&m.sender);
        let local = local.split_once(':').map_or(local, |(l, _)| l);
        self.ignore.iter().any(|i| {
            i.eq_ignore_ascii_case(&m.sender)
                || i.strip_prefix('@').unwrap_or(i).eq_ignore_ascii_case(local)
                || *i == m.sender.to_lowercase()
                || *i == m.sender_name.to_lowercase()
        })
    }

    pub fn keeps(&self, m: &ChatMessage) -> bool {
        !m.redacted && !self.outside(m) && !self.ignores_sender(m)
    }
}

/// One speaker's run of messages, merged into a turn (never empty).
#[derive(Debug, Clone, Copy)]
pub struct Turn<'t, 'a> {
    pub messages: &'t [Line<'a>],
}

impl<'a> Turn<'_, 'a> {
    pub fn first(&self) -> Option<&'a ChatMessage> {
        self.messages.first().map(|l| l.msg)
    }
}

/// A message in a turn, with the message it replies to when that is in the timeline.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub msg: &'a ChatMessage,
    pub reply: Option<&'a ChatMessage>,
    pub who: Who,
}

/// Numbers for the UI.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub messages: usize,
    /// Most messages first; ties in order of first appearance.
    pub speakers: Vec<Speaker>,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Speaker {
    pub sender: String,
    pub name: String,
    pub count: usize,
}

impl Stats {
    pub fn span(&self) -> Option<Duration> {
        Some(self.last? - self.first?)
    }
}

/// The kept messages in order, grouped into turns, with numbers for the UI.
#[derive(Debug, Clone, Default)]
pub struct Transcript<'a> {
    pub lines: Vec<Line<'a>>,
    /// Index in `lines` where each turn starts.
    starts: Vec<usize>,
    pub stats: Stats,
}

impl<'a> Transcript<'a> {
    pub fn turns(&self) -> impl ExactSizeIterator<Item = Turn<'_, 'a>> + '_ {
        (0..self.starts.len()).map(|i| {
            let start = self.starts.get(i).copied().unwrap_or(0);
            let end = self.starts.get(i + 1).copied().unwrap_or(self.lines.len());
            Turn {
                messages: self.lines.get(start..end).unwrap_or(&[]),
            }
        })
    }

    pub fn messages(&self) -> impl Iterator<Item = &'a ChatMessage> + '_ {
        self.lines.iter().map(|l| l.msg)
    }
}

/// The range a spec selects, as timeline indices (possibly empty). The range does not depend
/// on who is ignored: `last:3 ignore:bob` is the room's last 3 messages without bob's.
/// A thread's range runs from its root to its last message; `thread` says which are in it.
pub fn resolve(tl: &Timeline, range: &Range, _filter: &Filter) -> Span<usize> {
    match range {
        Range::Guess => guess(tl),
        Range::Last(n) => last_visible(tl, tl.len(), *n),
        Range::Thread(id) => {
            let members = thread(tl, id);
            let mut at = members.iter().filter_map(|id| tl.position(id));
            let first = at.next();
            let (lo, hi) = at.fold(first.map_or((0, 0), |f| (f, f)), |(lo, hi), i| {
                (lo.min(i), hi.max(i))
            });
            match first {
                Some(_) => lo..hi + 1,
                None => 0..0,
            }
        }
        Range::Between { from, to } => {
            let start = tl.first_at_or_after(*from);
            let end = to.map_or(tl.len(), |to| tl.end_at_or_before(to));
            start..end.max(start)
        }
    }
}

/// Like Discourse's Slack transcript plugin: start after the last silence of at least
/// `QUIET_GAP`, not counting the final few messages; without one, the last few messages.
pub fn guess(tl: &Timeline) -> Span<usize> {
    let len = tl.len();
    for k in (1..=len.saturating_sub(GUESS_SKIP_LAST)).rev() {
        if let (Some(older), Some(newer)) = (tl.get(k - 1), tl.get(k))
            && newer.ts - older.ts >= QUIET_GAP
        {
            return k..len;
        }
    }
    len.saturating_sub(GUESS_FALLBACK)..len
}

/// The last `n` visible (not redacted) messages before index `end`: `last:N`, counted on the
/// room as it is, before any user is ignored.
pub fn last_visible(tl: &Timeline, end: usize, n: usize) -> Span<usize> {
    let end = end.min(tl.len());
    let mut seen = 0;
    for i in (0..end).rev() {
        if tl.get(i).is_some_and(|m| !m.redacted) {
            seen += 1;
            if seen == n {
                return i..end;
            }
        }
    }
    0..end
}

/// The messages of the thread or reply chain `id` belongs to: its Matrix thread (`m.thread`
/// root and every message in it), else the root of its reply chain and every reply that leads
/// back to that root.
pub fn thread(tl: &Timeline, id: &str) -> HashSet<String> {
    let mut root = id.to_string();
    if let Some(m) = tl.by_id(id)
        && let Some(t) = &m.thread_id
    {
        root = t.clone();
    } else {
        // Walk the reply chain up; a loop in bad data stops at a message seen before.
        let mut seen = HashSet::new();
        while let Some(parent) = tl.by_id(&root).and_then(|m| m.reply_to.clone()) {
            if !seen.insert(root.clone()) || tl.by_id(&parent).is_none() {
                break;
            }
            root = parent;
        }
    }
    let mut members: HashSet<String> = HashSet::new();
    if tl.by_id(&root).is_some() {
        members.insert(root.clone());
    }
    // One pass in order is enough: a reply comes after what it replies to.
    for m in tl.iter() {
        let in_thread = m.thread_id.as_deref() == Some(root.as_str());
        let replies_in = m.reply_to.as_ref().is_some_and(|r| members.contains(r));
        if in_thread || replies_in {
            members.insert(m.event_id.clone());
        }
    }
    members
}

/// The whole pipeline for a spec; `default_gap` applies when the spec has no `gap:`.
pub fn select<'a>(tl: &'a Timeline, spec: &Spec, default_gap: Duration) -> Transcript<'a> {
    let mut filter = Filter::new(&spec.ignore);
    if let Range::Thread(id) = &spec.range {
        filter = filter.only(Arc::new(thread(tl, id)));
    }
    let span = resolve(tl, &spec.range, &filter);
    build(tl, span, &filter, spec.gap.unwrap_or(default_gap))
}

/// Selection by hand: `first..=last` indices, in either order.
pub fn by_hand<'a>(
    tl: &'a Timeline,
    first: usize,
    last: usize,
    filter: &Filter,
    gap: Duration,
) -> Transcript<'a> {
    let (a, b) = if first <= last {
        (first, last)
    } else {
        (last, first)
    };
    build(tl, a..b.saturating_add(1), filter, gap)
}

/// Filters and merges the messages of `span`. A gap of zero never merges.
pub fn build<'a>(
    tl: &'a Timeline,
    span: Span<usize>,
    filter: &Filter,
    gap: Duration,
) -> Transcript<'a> {
    let mut lines: Vec<Line<'a>> = Vec::with_capacity(span.len().min(tl.len()));
    let mut starts = Vec::new();
    let mut counter = Counter::new(tl);
    let mut kept = Kept::new(tl, filter);
    for (msg, who) in tl.range_who(span) {
        if !kept.keeps(msg, who) {
            continue;
        }
        let reply = msg.reply_to.as_deref().and_then(|id| tl.by_id(id));
        let joins = lines.last().is_some_and(|prev| {
            prev.who.sender == who.sender && gap > Duration::zero() && msg.ts - prev.msg.ts <= gap
        });
        if !joins {
            starts.push(lines.len());
        }
        lines.push(Line { msg, reply, who });
        counter.add(msg, who);
    }
    Transcript {
        lines,
        starts,
        stats: counter.finish(),
    }
}

/// Only the numbers of `build`, without keeping the lines.
pub fn stats(tl: &Timeline, span: Span<usize>, filter: &Filter) -> Stats {
    let mut counter = Counter::new(tl);
    let mut kept = Kept::new(tl, filter);
    for (msg, who) in tl.range_who(span) {
        if kept.keeps(msg, who) {
            counter.add(msg, who);
        }
    }
    counter.finish()
}

/// `Filter::keeps`, with the ignore decision remembered per speaker.
struct Kept<'f> {
    filter: &'f Filter,
    ignored: Vec<Option<bool>>,
}

impl<'f> Kept<'f> {
    fn new(tl: &Timeline, filter: &'f Filter) -> Self {
        let (_, speakers) = tl.counts();
        let ignored = if filter.ignore.is_empty() {
            Vec::new()
        } else {
            vec![None; speakers]
        };
        Self { filter, ignored }
    }

    fn keeps(&mut self, msg: &ChatMessage, who: Who) -> bool {
        if msg.redacted || self.filter.outside(msg) {
            return false;
        }
        match self.ignored.get_mut(who.speaker as usize) {
            None => self.filter.keeps(msg),
            Some(Some(ignored)) => !*ignored,
            Some(slot) => !*slot.insert(self.filter.ignores_sender(msg)),
        }
    }
}

/// Counts per sender, numbered by the timeline so no string is compared.
struct Counter {
    /// Sender id → index in `stats.speakers`.
    slot: Vec<Option<usize>>,
    stats: Stats,
}

impl Counter {
    fn new(tl: &Timeline) -> Self {
        Self {
            slot: vec![None; tl.counts().0],
            stats: Stats::default(),
        }
    }

    fn add(&mut self, msg: &ChatMessage, who: Who) {
        let speakers = &mut self.stats.speakers;
        let index = match self.slot.get_mut(who.sender as usize) {
            Some(Some(i)) => *i,
            Some(free) => *free.insert({
                speakers.push(Speaker {
                    sender: msg.sender.clone(),
                    name: msg.sender_name.clone(),
                    count: 0,
                });
                speakers.len() - 1
            }),
            None => return,
        };
        if let Some(s) = speakers.get_mut(index) {
            s.count += 1;
        }
        self.stats.messages += 1;
        self.stats.first.get_or_insert(msg.ts);
        self.stats.last = Some(msg.ts);
    }

    fn finish(mut self) -> Stats {
        self.stats
            .speakers
            .sort_by_key(|s| std::cmp::Reverse(s.count));
        self.stats
    }
}
