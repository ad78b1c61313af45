//! Notification rules, as in Discourse's chat integration: an ordered list; for each room the
//! first rule whose scope (category incl. subcategories, tags, topic) matches an item decides:
//! watch = new topics and replies, follow = new topics only, mute = nothing,
//! thread = replies to one topic. Personal notifications are never routed into rooms.

use serde::{Deserialize, Serialize};

use crate::categories::resolve;
use crate::error::{ForumError, Result};
use crate::types::{Category, ForumItem, ItemKind};

/// A rule as written in the config file.
#[derive(Debug, Clone, Deserialize, Serialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RuleConfig {
    /// Category id, slug, parent/child or name; subcategories are included. None: every category.
    pub category: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// watch | follow | mute | thread
    pub filter: String,
    /// With `thread`: the topic id whose replies are forwarded.
    pub topic: Option<u64>,
    /// The room the matching items go to (any ROOM form).
    pub room: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filter {
    Watch,
    Follow,
    Mute,
    Thread,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub category: Option<u64>,
    pub tags: Vec<String>,
    pub filter: Filter,
    pub topic: Option<u64>,
    pub room: String,
}

/// Turns config rules into rules with category ids; a rule naming an unknown category is an error.
pub fn compile(configs: &[RuleConfig], cats: &[Category]) -> Result<Vec<Rule>> {
    configs
        .iter()
        .enumerate()
        .map(|(i, c)| compile_one(i, c, cats))
        .collect()
}

/// The rules that compile, and one line per rule that does not (`rule 2: no category ...`):
/// a typo in one rule must not silence the others. Callers report the lines at start.
pub fn compile_each(configs: &[RuleConfig], cats: &[Category]) -> (Vec<Rule>, Vec<String>) {
    let mut rules = Vec::new();
    let mut problems = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        match compile_one(i, c, cats) {
            Ok(rule) => rules.push(rule),
            Err(e) => problems.push(format!("{e}; this rule is skipped")),
        }
    }
    (rules, problems)
}

fn compile_one(i: usize, c: &RuleConfig, cats: &[Category]) -> Result<Rule> {
    let bad = |msg: String| ForumError::Config(format!("rule {}: {msg}", i + 1));
    let filter = match c.filter.to_ascii_lowercase().as_str() {
        "watch" => Filter::Watch,
        "follow" => Filter::Follow,
        "mute" => Filter::Mute,
        "thread" => Filter::Thread,
        other => {
            return Err(bad(format!(
                "filter {other:?} is not one of watch, follow, mute, thread"
            )));
        }
    };
    if filter == Filter::Thread && c.topic.is_none() {
        return Err(bad("filter thread needs `topic = <id>`".into()));
    }
    let category = match &c.category {
        Some(q) => Some(resolve(q, cats).map_err(|e| bad(e.to_string()))?.id),
        None => None,
    };
    Ok(Rule {
        category,
        tags: c.tags.iter().map(|t| t.to_lowercase()).collect(),
        filter,
        topic: c.topic,
        room: c.room.clone(),
    })
}

fn in_category(item_cat: Option<u64>, rule_cat: u64, cats: &[Category]) -> bool {
    let mut cur = item_cat;
    // Bounded walk up the parent chain (Discourse allows a few levels; a cycle must not hang us).
    for _ in 0..8 {
        match cur {
            Some(id) if id == rule_cat => return true,
            Some(id) => cur = cats.iter().find(|c| c.id == id).and_then(|c| c.parent_id),
            None => return false,
        }
    }
    false
}

fn in_scope(rule: &Rule, item: &ForumItem, cats: &[Category]) -> bool {
    let cat_ok = rule
        .category
        .is_none_or(|c| in_category(item.category_id, c, cats));
    let tags_ok = rule.tags.is_empty()
        || item
            .tags
            .iter()
            .any(|t| rule.tags.contains(&t.to_lowercase()));
    let topic_ok = rule.topic.is_none_or(|t| t == item.topic_id);
    cat_ok && tags_ok && topic_ok
}

fn sends(filter: Filter, kind: ItemKind) -> bool {
    match (filter, kind) {
        (_, ItemKind::Notification) | (Filter::Mute, _) => false,
        (Filter::Watch, _) | (Filter::Follow, ItemKind::NewTopic) => true,
        (Filter::Follow, ItemKind::Reply) => false,
        (Filter::Thread, kind) => kind == ItemKind::Reply,
    }
}

/// The rooms this item goes to, in rule order, each once.
pub fn route(item: &ForumItem, rules: &[Rule], cats: &[Category]) -> Vec<String> {
    let mut decided: Vec<&str> = Vec::new();
    let mut rooms = Vec::new();
    for rule in rules {
        if decided.contains(&rule.room.as_str()) || !in_scope(rule, item, cats) {
            continue;
        }
        decided.push(&rule.room);
        if sends(rule.filter, item.kind) {
            rooms.push(rule.room.clone());
        }
    }
    rooms
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cat(id: u64, slug: &str, parent: Option<u64>) -> Category {
        Category {
            id,
            name: slug.to_uppercase(),
            slug: slug.into(),
            parent_id: parent,
            color: String::new(),
            read_restricted: false,
            can_create_topic: true,
        }
    }

    fn cats() -> Vec<Category> {
        vec![
            cat(1, "support", None),
            cat(2, "chat", Some(1)),
            cat(3, "dev", None),
        ]
    }

    fn item(kind: ItemKind, cat: u64, topic: u64, tags: &[&str]) -> ForumItem {
        ForumItem {
            key: format!("post:{topic}"),
            kind,
            topic_id: topic,
            post_id: Some(1),
            post_number: Some(1),
            title: "T".into(),
            category_id: Some(cat),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            username: "u".into(),
            excerpt: String::new(),
            url: String::new(),
            created_at: chrono::DateTime::UNIX_EPOCH,
            routes: vec![],
        }
    }

    fn rule(cat: Option<&str>, filter: &str, room: &str) -> RuleConfig {
        RuleConfig {
            category: cat.map(String::from),
            tags: vec![],
            filter: filter.into(),
            topic: None,
            room: room.into(),
        }
    }

    #[test]
    fn watch_follow_mute_thread() {
        let cats = cats();
        let mut thread = rule(None, "thread", "r3");
        thread.topic = Some(42);
        let rules = compile(
            &[
                rule(Some("support/chat"), "mute", "r1"),
                rule(Some("support"), "watch", "r1"),
                rule(Some("dev"), "follow", "r2"),
                thread,
            ],
            &cats,
        )
        .unwrap();
        // Subcategory muted for r1, parent watched.
        assert!(route(&item(ItemKind::Reply, 2, 9, &[]), &rules, &cats).is_empty());
        assert_eq!(
            route(&item(ItemKind::Reply, 1, 9, &[]), &rules, &cats),
            vec!["r1"]
        );
        assert_eq!(
            route(&item(ItemKind::NewTopic, 3, 9, &[]), &rules, &cats),
            vec!["r2"]
        );
        assert!(route(&item(ItemKind::Reply, 3, 9, &[]), &rules, &cats).is_empty());
        assert_eq!(
            route(&item(ItemKind::Reply, 3, 42, &[]), &rules, &cats),
            vec!["r3"]
        );
        assert!(
            route(&item(ItemKind::NewTopic, 3, 42, &[]), &rules, &cats).contains(&"r2".to_string())
        );
        assert!(route(&item(ItemKind::Notification, 1, 9, &[]), &rules, &cats).is_empty());
    }

    #[test]
    fn subcategories_and_tags() {
        let cats = cats();
        let mut tagged = rule(Some("support"), "watch", "r");
        tagged.tags = vec!["Urgent".into()];
        let rules = compile(&[tagged], &cats).unwrap();
        assert!(route(&item(ItemKind::Reply, 2, 1, &[]), &rules, &cats).is_empty());
        assert_eq!(
            route(&item(ItemKind::Reply, 2, 1, &["urgent"]), &rules, &cats),
            vec!["r"]
        );
        assert!(route(&item(ItemKind::Reply, 3, 1, &["urgent"]), &rules, &cats).is_empty());
    }

    #[test]
    fn first_matching_rule_per_room_decides() {
        let cats = cats();
        let rules = compile(
            &[
                rule(None, "follow", "r"),
                rule(None, "watch", "r"),
                rule(None, "watch", "s"),
            ],
            &cats,
        )
        .unwrap();
        assert_eq!(
            route(&item(ItemKind::Reply, 1, 1, &[]), &rules, &cats),
            vec!["s"]
        );
        assert_eq!(
            route(&item(ItemKind::NewTopic, 1, 1, &[]), &rules, &cats),
            vec!["r", "s"]
        );
    }

    #[test]
    fn bad_rules_are_clear_errors() {
        let cats = cats();
        let err = compile(&[rule(None, "shout", "r")], &cats)
            .unwrap_err()
            .to_string();
        assert!(err.contains("rule 1") && err.contains("shout"), "{err}");
        assert!(compile(&[rule(None, "thread", "r")], &cats).is_err());
        assert!(compile(&[rule(Some("nope"), "watch", "r")], &cats).is_err());
        let (good, bad) = compile_each(
            &[rule(Some("nope"), "watch", "r"), rule(None, "watch", "r")],
            &cats,
        );
        assert_eq!(good.len(), 1);
        assert_eq!(bad.len(), 1);
        assert!(bad[0].starts_with("rule 1: "), "{bad:?}");
    }
}
