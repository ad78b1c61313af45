//! The transcript editor: one post, rebuilt from the selection until the user edits it.

use chrono::{DateTime, Utc};
use ratatui_textarea::TextArea;
use serde::{Deserialize, Serialize};

/// Discourse's default minimums (min_topic_title_length, min_first_post_length).
pub const MIN_TITLE: usize = 15;
pub const MIN_POST: usize = 20;

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
    /// When the text last changed; autosave waits for a quiet moment.
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
