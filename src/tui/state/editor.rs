//! The transcript editor: one post, rebuilt from the selection until the user edits it.

use chrono::{DateTime, Utc};
use ratatui_textarea::TextArea;
use serde::{Deserialize, Serialize};

/// Discourse's default minimums (min_topic_title_length, min_first_post_length).
pub const MIN_TITLE: usize = 15;
pub const MIN_POST: usize = 20;

/// Unsaved changes this old are written at the next tick (one a second), so a crash loses
/// at most about a second of typing, however steadily the user types. Half the tick, not a
/// whole one: ticks are timed on a monotonic clock but stamped with the wall clock, and a gap
/// a hair under 1 s would otherwise put the save off to the tick after (2 s lost).
pub const AUTOSAVE: chrono::Duration = chrono::Duration::milliseconds(500);

/// What autosave writes and a later start offers back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    pub room: String,
    pub title: String,
    pub text: String,
    pub saved_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct Editor {
    pub area: TextArea<'static>,
    /// The user changed the text: it is no longer rebuilt from the selection by itself.
    pub touched: bool,
    /// The title last typed in the publish dialog (kept with the draft).
    pub title: String,
    pub preview: bool,
    /// The search prompt while it is open.
    pub search: Option<TextArea<'static>>,
    /// The text as last saved, so autosave writes only changes.
    pub saved: String,
    /// When the text first changed since the last save; autosave writes once this is
    /// `AUTOSAVE` old, so steady typing is saved too, not only after a pause.
    pub changed_at: Option<DateTime<Utc>>,
}

impl std::fmt::Debug for Editor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Editor")
            .field("touched", &self.touched)
            .finish_non_exhaustive()
    }
}

impl Editor {
    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// Replaces the text (rebuild, `$EDITOR`, restored draft); undo history starts anew.
    /// Control characters are replaced: the text area draws lines as they are.
    pub fn set_text(&mut self, text: &str) {
        let mut area = TextArea::new(roomscribe_transcript::sanitize::display_lines(text));
        area.set_max_histories(200);
        area.set_cursor_line_style(ratatui::style::Style::default());
        self.area = area;
    }

    /// The user changed the text: from now on it is theirs, and it is due for saving.
    pub fn touch(&mut self, now: DateTime<Utc>) {
        self.touched = true;
        self.changed_at.get_or_insert(now);
    }

    /// The post built from the selection replaces the text; it is no longer "edited".
    pub fn rebuild(&mut self, text: &str) {
        self.set_text(text);
        self.touched = false;
    }

    /// Text back from `$EDITOR`; true when it differs from what was there.
    pub fn replace(&mut self, text: &str, now: DateTime<Utc>) -> bool {
        if text.trim_end() == self.text().trim_end() {
            return false;
        }
        self.set_text(text);
        self.touch(now);
        true
    }

    pub fn restore(&mut self, draft: &Draft) {
        self.set_text(&draft.text);
        self.title = draft.title.clone();
        self.touched = true;
        self.saved = draft.text.clone();
    }

    /// Unsaved changes `AUTOSAVE` old or older.
    pub fn autosave_due(&self, now: DateTime<Utc>) -> bool {
        self.changed_at.is_some_and(|t| now - t >= AUTOSAVE)
    }

    /// The draft to write, when the edited text differs from what was saved last.
    pub fn save(&mut self, room: &str, now: DateTime<Utc>) -> Option<Draft> {
        if !self.touched {
            return None;
        }
        self.changed_at = None;
        let text = self.text();
        if text == self.saved {
            return None;
        }
        self.saved = text.clone();
        Some(Draft {
            room: room.to_string(),
            title: self.title.clone(),
            text,
            saved_at: now,
        })
    }

    /// Back to empty after publishing: nothing edited, nothing to save.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    pub fn words(&self) -> usize {
        self.area
            .lines()
            .iter()
            .map(|l| l.split_whitespace().count())
            .sum()
    }

    pub fn chars(&self) -> usize {
        let lines = self.area.lines();
        lines.iter().map(|l| l.chars().count()).sum::<usize>() + lines.len().saturating_sub(1)
    }
}
