//! The publish dialog: title, category (type to filter the tree), tags, then progress and result.

use ratatui_textarea::TextArea;
use roomscribe_discourse::types::{Category, PublishedTopic};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Title,
    Category,
    Tags,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    Form,
    /// Checked and ready: one more Enter publishes.
    Confirm,
    Publishing,
    Done(PublishedTopic),
    /// Discourse's own words; the form is still filled in.
    Failed(Vec<String>),
}

#[derive(Debug)]
pub struct Publish {
    pub stage: Stage,
    pub field: Field,
    pub title: TextArea<'static>,
    pub filter: TextArea<'static>,
    pub tags: TextArea<'static>,
    /// Index into `choices()` of the highlighted category.
    pub pick: usize,
    pub category: Option<u64>,
    /// Set when the form's last submit was refused here (too short, no category).
    pub problem: Option<String>,
}

pub fn line(text: &str) -> TextArea<'static> {
    let mut t = TextArea::new(vec![text.to_string()]);
    t.move_cursor(ratatui_textarea::CursorMove::End);
    t
}

impl Publish {
    pub fn new(title: &str, category: Option<u64>, tags: &[String]) -> Self {
        Self {
            stage: Stage::Form,
            field: Field::Title,
            title: line(title),
            filter: line(""),
            tags: line(&tags.join(", ")),
            pick: 0,
            category,
            problem: None,
        }
    }

    pub fn title_text(&self) -> String {
        self.title.lines().join(" ").trim().to_string()
    }

    pub fn tag_list(&self) -> Vec<String> {
        self.tags
            .lines()
            .join(",")
            .split([',', ' '])
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Categories the user may post in, as "Parent / Child", matching the filter text.
    pub fn choices<'c>(&self, cats: &'c [Category]) -> Vec<(String, &'c Category)> {
        let needle = self.filter.lines().join(" ").to_lowercase();
        let mut out: Vec<(String, &Category)> = cats
            .iter()
            .filter(|c| c.can_create_topic)
            .map(|c| (path(cats, c), c))
            .filter(|(p, c)| {
                needle.is_empty() || p.to_lowercase().contains(&needle) || c.slug.contains(&needle)
            })
            .collect();
        out.sort_by_key(|a| a.0.to_lowercase());
        out
    }
}

/// "Parent / Child" for a category.
pub fn path(cats: &[Category], c: &Category) -> String {
    match c.parent_id.and_then(|p| cats.iter().find(|x| x.id == p)) {
        Some(parent) => format!("{} / {}", parent.name, c.name),
        None => c.name.clone(),
    }
}
