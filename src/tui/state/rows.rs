//! How many terminal rows each message takes in the timeline at a width: one pure function,
//! cached per message, used by `update` (scrolling, keeping the cursor on screen) and by the
//! timeline widget (which messages fit), so neither builds styled lines just to count them.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono_tz::Tz;
use roomscribe_transcript::model::{ChatMessage, MessageKind};
use roomscribe_transcript::timeline::Timeline;

use crate::tui::widgets::wrap::wrap;
use roomscribe_transcript::sanitize;

/// Columns of a timeline row before the text: time, gutter, name and a space.
pub const TIME_W: usize = 6;
pub const GUTTER_W: usize = 2;
pub const NAME_W: usize = 12;

/// Width left for the message text in a pane `pane_w` cells wide.
pub fn text_width(pane_w: u16) -> usize {
    usize::from(pane_w)
        .saturating_sub(TIME_W + GUTTER_W + NAME_W + 1)
        .max(8)
}

/// The body as the timeline shows it (media and emotes get a prefix).
pub fn body_text(m: &ChatMessage) -> String {
    if m.redacted {
        return "(message deleted)".into();
    }
    match &m.kind {
        MessageKind::Text | MessageKind::Notice => m.body.clone(),
        MessageKind::Emote => format!("{} {}", m.sender_name, m.body),
        MessageKind::Image { name, .. } => {
            format!("[image] {}", name.as_deref().unwrap_or(&m.body))
        }
        MessageKind::File { name, .. } => format!("[file] {}", name.as_deref().unwrap_or(&m.body)),
    }
}

/// Rows of one message at this pane width, without the day separator: the reply context
/// line, then the wrapped body. Pure: the same message and width always give the same count.
pub fn rows(m: &ChatMessage, pane_w: u16) -> usize {
    let text_w = text_width(pane_w);
    let body: usize = sanitize::display_lines(&body_text(m))
        .iter()
        .map(|l| wrap(l, text_w).len())
        .sum();
    usize::from(m.reply_to.is_some()) + body
}

/// Whether message `i` starts a new local day (and so gets a separator row above it).
pub fn new_day(tl: &Timeline, i: usize, tz: Tz) -> bool {
    let Some(m) = tl.get(i) else { return false };
    i == 0
        || tl.get(i - 1).is_none_or(|p| {
            p.ts.with_timezone(&tz).date_naive() != m.ts.with_timezone(&tz).date_naive()
        })
}

/// What a cached count was computed from; an edit or redaction changes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Key {
    width: u16,
    body_len: usize,
    edited: bool,
    redacted: bool,
}

/// Counts per event id. Behind a `RefCell` so drawing (`&State`) can fill it too.
#[derive(Debug, Default)]
pub struct RowCache {
    rows: RefCell<HashMap<String, (Key, usize)>>,
}

impl RowCache {
    /// Rows of message `i` including its day separator.
    pub fn message_rows(&self, tl: &Timeline, i: usize, pane_w: u16, tz: Tz) -> usize {
        let Some(m) = tl.get(i) else { return 0 };
        usize::from(new_day(tl, i, tz)) + self.rows(m, pane_w)
    }

    pub fn rows(&self, m: &ChatMessage, pane_w: u16) -> usize {
        let key = Key {
            width: pane_w,
            body_len: m.body.len(),
            edited: m.edited,
            redacted: m.redacted,
        };
        let mut cache = self.rows.borrow_mut();
        if let Some((k, n)) = cache.get(&m.event_id)
            && *k == key
        {
            return *n;
        }
        let n = rows(m, pane_w);
        cache.insert(m.event_id.clone(), (key, n));
        n
    }

    /// Drops a message's count (it was edited or redacted).
    pub fn forget(&self, event_id: &str) {
        self.rows.borrow_mut().remove(event_id);
    }

    /// Drops everything, e.g. after a backfill page folded edits into older messages.
    pub fn clear(&self) {
        self.rows.borrow_mut().clear();
    }

    /// The messages on screen when message `bottom` is drawn last in `height` rows:
    /// (first index, rows of the first message cut off at the top).
    pub fn window(
        &self,
        tl: &Timeline,
        bottom: usize,
        height: u16,
        pane_w: u16,
        tz: Tz,
    ) -> Option<(usize, usize)> {
        let len = tl.len();
        let h = usize::from(height);
        if len == 0 || h == 0 {
            return None;
        }
        let mut used = 0;
        let mut i = bottom.min(len - 1);
        loop {
            used += self.message_rows(tl, i, pane_w, tz);
            if used >= h || i == 0 {
                break;
            }
            i -= 1;
        }
        Some((i, used.saturating_sub(h)))
    }

    /// The first message shown whole.
    pub fn top_index(&self, tl: &Timeline, bottom: usize, height: u16, w: u16, tz: Tz) -> usize {
        match self.window(tl, bottom, height, w, tz) {
            Some((i, 0)) => i,
            Some((i, _)) => i + 1,
            None => 0,
        }
    }

    /// The bottom index that puts message `top` at the top of the pane.
    pub fn bottom_for_top(&self, tl: &Timeline, top: usize, height: u16, w: u16, tz: Tz) -> usize {
        let len = tl.len();
        let mut used = 0;
        let mut i = top;
        while i < len {
            used += self.message_rows(tl, i, w, tz);
            if used > usize::from(height) {
                return i.saturating_sub(1).max(top);
            }
            i += 1;
        }
        len.saturating_sub(1)
    }
}
