//! Everything the UI shows, owned in one place; `update` changes it, widgets read it.

mod editor;
mod publish;
mod room;
pub mod rows;
mod selection;
mod sidebar;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use ratatui_textarea::TextArea;
use roomscribe_transcript::model::ConnState;

pub use editor::{Draft, Editor, MIN_POST, MIN_TITLE};
pub use publish::{Field, Publish, Stage, path as category_path};
pub use room::{Backfill, Room};
pub use selection::Selection;
pub use sidebar::Sidebar;

use super::keymap::{Keymap, Mode};
use super::theme::Theme;

/// What the app needs to know from config and flags.
#[derive(Debug, Clone)]
pub struct Options {
    pub room: String,
    pub tz: Tz,
    pub gap: Duration,
    pub timestamps: bool,
    /// Forum base URL, for the pre-filled composer link.
    pub forum_url: Option<String>,
    /// Category (id, slug or name) to preselect in the publish dialog.
    pub default_category: Option<String>,
    /// Send forwarded notices as `m.text` (bridged rooms drop `m.notice`).
    pub send_as_text: bool,
    /// Chat sender → forum username, for @mentions in the post.
    pub users: std::collections::BTreeMap<String, String>,
    /// The post layout (built-in, or `transcript.template`).
    pub template: roomscribe_transcript::Template,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Room,
    Transcript,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    Timeline,
    Users,
    Sidebar,
}

/// A yes/no question in a small dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ask {
    RestoreDraft(Draft),
    /// Rebuild from the selection, throwing away edits.
    Rebuild,
    Forward {
        key: String,
        plain: String,
        html: Option<String>,
    },
    Announce {
        url: String,
        text: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Info,
    Warn,
    Error,
}

/// The one-line message under the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub level: Level,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// How long a message stays under the status bar; errors stay longer.
const FLASH_SECS: i64 = 8;
const FLASH_ERROR_SECS: i64 = 30;

#[derive(Debug)]
pub struct State {
    pub opts: Options,
    pub keymap: Keymap,
    pub theme: Theme,
    pub now: DateTime<Utc>,
    pub width: u16,
    pub height: u16,
    pub screen: Screen,
    pub focus: Focus,
    pub room: Room,
    pub selection: Selection,
    pub editor: Editor,
    pub sidebar: Sidebar,
    pub publish: Option<Publish>,
    pub ask: Option<Ask>,
    pub command: Option<TextArea<'static>>,
    pub help: bool,
    /// Lines scrolled in the help overlay.
    pub help_scroll: u16,
    pub flash: Option<Flash>,
    /// Highlighted row of the users panel.
    pub user_cursor: usize,
    /// Set by a tick that changed what is shown; the loop redraws and clears it.
    pub tick_redraw: bool,
    /// The app runs on this archive file, not on a live room: nothing is sent to a room.
    pub archive: Option<String>,
}

impl State {
    pub fn new(opts: Options, keymap: Keymap, theme: Theme, now: DateTime<Utc>) -> Self {
        let room = Room::new(&opts.room);
        Self {
            opts,
            keymap,
            theme,
            now,
            width: 80,
            height: 24,
            screen: Screen::Room,
            focus: Focus::Timeline,
            room,
            selection: Selection::default(),
            editor: Editor::default(),
            sidebar: Sidebar::default(),
            publish: None,
            ask: None,
            command: None,
            help: false,
            help_scroll: 0,
            flash: None,
            user_cursor: 0,
            tick_redraw: false,
            archive: None,
        }
    }

    /// Where keys go now: the topmost thing on screen.
    pub fn mode(&self) -> Mode {
        if self.help {
            Mode::Help
        } else {
            self.mode_below_help()
        }
    }

    /// The mode the help overlay describes: what was on screen when it opened.
    pub fn mode_below_help(&self) -> Mode {
        if self.ask.is_some() {
            Mode::Confirm
        } else if self.publish.is_some() {
            Mode::Publish
        } else if self.command.is_some() {
            Mode::Command
        } else if self.screen == Screen::Transcript {
            if self.editor.search.is_some() {
                Mode::Search
            } else {
                Mode::Editor
            }
        } else {
            Mode::Normal
        }
    }

    pub fn flash(&mut self, level: Level, text: impl Into<String>) {
        self.flash = Some(Flash {
            level,
            text: text.into(),
            at: self.now,
        });
    }

    /// Applies the clock; true when something on screen changed with it (a message expired,
    /// a reconnect countdown moved).
    pub fn tick(&mut self, now: DateTime<Utc>) -> bool {
        self.now = now;
        let mut changed = false;
        if let Some(f) = &self.flash {
            let keep = if f.level == Level::Error {
                FLASH_ERROR_SECS
            } else {
                FLASH_SECS
            };
            if now - f.at >= Duration::seconds(keep) {
                self.flash = None;
                changed = true;
            }
        }
        let counting = |c: &ConnState| {
            matches!(
                c,
                ConnState::Reconnecting { .. } | ConnState::CachedOffline { .. }
            )
        };
        changed || counting(&self.room.conn) || counting(&self.sidebar.conn)
    }

    /// Seconds left before the next reconnect attempt, counting down from what the source said.
    pub fn seconds_left(&self, in_secs: u64, since: DateTime<Utc>) -> u64 {
        let gone = u64::try_from((self.now - since).num_seconds()).unwrap_or(0);
        in_secs.saturating_sub(gone)
    }

    /// Wide terminals show the forum sidebar next to the users panel; narrow ones only on focus.
    pub fn sidebar_shown(&self) -> bool {
        self.width >= 110 || self.focus == Focus::Sidebar
    }

    pub fn refresh_selection(&mut self) {
        self.selection.refresh(&self.room.timeline);
        let n = self.selection.speakers.len();
        self.user_cursor = self.user_cursor.min(n.saturating_sub(1));
    }
}
