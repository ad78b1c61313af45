//! The forum sidebar: live items (newest first), categories, and what was forwarded.

use std::collections::HashSet;

use roomscribe_discourse::types::{Category, ForumItem};
use roomscribe_transcript::model::ConnState;

/// Enough for a day of a busy forum; older items drop off.
pub const MAX_ITEMS: usize = 500;

#[derive(Debug)]
pub struct Sidebar {
    pub items: Vec<ForumItem>,
    pub cursor: usize,
    pub forwarded: HashSet<String>,
    pub categories: Vec<Category>,
    pub conn: ConnState,
    /// When `conn` last changed, for the reconnect countdown.
    pub conn_since: chrono::DateTime<chrono::Utc>,
}

impl Default for Sidebar {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            cursor: 0,
            forwarded: HashSet::new(),
            categories: Vec::new(),
            conn: ConnState::Connecting,
            conn_since: chrono::DateTime::UNIX_EPOCH,
        }
    }
}

impl Sidebar {
    pub fn push(&mut self, item: ForumItem) {
        if let Some(old) = self.items.iter_mut().find(|i| i.key == item.key) {
            *old = item;
            return;
        }
        self.items.insert(0, item);
        if self.cursor > 0 {
            self.cursor += 1;
        }
        self.items.truncate(MAX_ITEMS);
        self.cursor = self.cursor.min(self.items.len().saturating_sub(1));
    }

    pub fn selected(&self) -> Option<&ForumItem> {
        self.items.get(self.cursor)
    }

    pub fn category_name(&self, id: Option<u64>) -> Option<&str> {
        let id = id?;
        self.categories
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.name.as_str())
    }
}
