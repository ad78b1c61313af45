//! The stand-in's forum: users, categories (with subcategories and a staff-only one), topics,
//! posts, notifications and the MessageBus backlog, with Discourse's validation rules.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

pub const MIN_TITLE: usize = 15;
pub const MIN_POST: usize = 20;
/// `Topic::EXTERNAL_ID_MAX_LENGTH`.
pub const EXTERNAL_ID_MAX: usize = 50;

#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub admin: bool,
    /// Staff without being an admin (Discourse's moderators).
    pub moderator: bool,
    /// `(key, client_id)` of User API keys this user approved.
    pub user_api_keys: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct Cat {
    pub id: u64,
    pub name: String,
    pub slug: String,
    pub parent: Option<u64>,
    pub staff_only: bool,
    /// Everyone sees it; only staff start topics (Discourse permission 3 for others).
    pub staff_create: bool,
}

#[derive(Debug, Clone)]
pub struct TopicRec {
    pub id: u64,
    pub title: String,
    pub slug: String,
    pub category_id: u64,
    pub tags: Vec<String>,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub bumped_at: DateTime<Utc>,
    pub posts: Vec<u64>,
    /// Set through the API by admin keys only (Discourse's `is_api?`).
    pub external_id: Option<String>,
}

#[derive(Debug, Clone)]
pub struct PostRec {
    pub id: u64,
    pub topic_id: u64,
    pub post_number: u64,
    pub user_id: i64,
    pub raw: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct NotificationRec {
    pub id: u64,
    pub user_id: i64,
    pub notification_type: u64,
    pub topic_id: u64,
    pub post_number: u64,
    pub by: String,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone)]
pub struct BusMessage {
    pub global_id: i64,
    pub message_id: i64,
    pub channel: String,
    pub data: Value,
    /// Only this user receives it (the `/notification/{id}` channels).
    pub user_id: Option<i64>,
}

#[derive(Debug)]
pub struct Forum {
    pub users: Vec<User>,
    pub cats: Vec<Cat>,
    pub topics: BTreeMap<u64, TopicRec>,
    pub posts: BTreeMap<u64, PostRec>,
    pub notifications: Vec<NotificationRec>,
    pub bus: Vec<BusMessage>,
    next_topic: u64,
    next_post: u64,
}

/// Discourse falls back to "topic" for a title without letters or digits.
fn slugify(title: &str) -> String {
    let slug = roomscribe_transcript::strings::slug(title);
    if slug.is_empty() {
        "topic".into()
    } else {
        slug
    }
}

impl Forum {
    pub fn seeded() -> Self {
        let cat = |id, name: &str, slug: &str, parent, staff_only, staff_create| Cat {
            id,
            name: name.into(),
            slug: slug.into(),
            parent,
            staff_only,
            staff_create,
        };
        let user = |id, name: &str, admin| User {
            id,
            username: name.into(),
            admin,
            moderator: false,
            user_api_keys: vec![],
        };
        Self {
            users: vec![
                user(-1, "system", true),
                user(1, "admin", true),
                user(2, "alice", false),
                user(3, "bob", false),
            ],
            cats: vec![
                cat(1, "Uncategorized", "uncategorized", None, false, false),
                cat(2, "Support", "support", None, false, false),
                cat(3, "Chat logs", "chat", Some(2), false, false),
                cat(4, "Dev", "dev", None, false, false),
                cat(5, "Chat", "chat", Some(4), false, false),
                cat(6, "Staff", "staff", None, true, false),
                cat(7, "Announcements", "announcements", None, false, true),
            ],
            topics: BTreeMap::new(),
            posts: BTreeMap::new(),
            notifications: vec![],
            bus: vec![],
            next_topic: 10,
            next_post: 100,
        }
    }

    /// Uniqueness ignores case, as the validation does.
    pub fn topic_by_external_id(&self, ext: &str) -> Option<&TopicRec> {
        self.topics.values().find(|t| {
            t.external_id
                .as_deref()
                .is_some_and(|e| e.eq_ignore_ascii_case(ext))
        })
    }

    pub fn user(&self, id: i64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    pub fn user_by_name(&self, name: &str) -> Option<&User> {
        self.users
            .iter()
            .find(|u| u.username.eq_ignore_ascii_case(name))
    }

    /// Discourse's `permission` for this viewer: 1 full, 3 read-only, None hidden.
    pub fn permission(&self, cat: &Cat, viewer: Option<&User>) -> Option<u64> {
        let staff = viewer.is_some_and(|u| u.admin || u.moderator);
        if cat.staff_only && !staff {
            return None;
        }
        match viewer {
            None => Some(3),
            Some(_) if cat.staff_create && !staff => Some(3),
            Some(_) => Some(1),
        }
    }

    pub fn visible_topic(&self, t: &TopicRec, viewer: Option<&User>) -> bool {
        self.cats
            .iter()
            .find(|c| c.id == t.category_id)
            .is_some_and(|c| self.permission(c, viewer).is_some())
    }

    /// Validates and creates a topic with its first post; Err carries Discourse's messages
    /// (`Err(None)` = not permitted).
    pub fn create_topic(
        &mut self,
        user_id: i64,
        title: &str,
        raw: &str,
        category: Option<u64>,
        tags: Vec<String>,
    ) -> Result<u64, Option<Vec<String>>> {
        self.create_topic_with(user_id, title, raw, category, tags, None)
    }

    /// `create_topic` with an `external_id`, validated as `Topic` does: at most 50 characters
    /// of `[\w-]`, unique ignoring case (Rails words the attribute "External").
    pub fn create_topic_with(
        &mut self,
        user_id: i64,
        title: &str,
        raw: &str,
        category: Option<u64>,
        tags: Vec<String>,
        external_id: Option<String>,
    ) -> Result<u64, Option<Vec<String>>> {
        let external_id = external_id.filter(|e| !e.is_empty());
        let title = title.split_whitespace().collect::<Vec<_>>().join(" ");
        let mut errors = Vec::new();
        if title.chars().count() < MIN_TITLE {
            errors.push(format!(
                "Title is too short (minimum is {MIN_TITLE} characters)"
            ));
        }
        if raw.trim().chars().count() < MIN_POST {
            errors.push(format!(
                "Body is too short (minimum is {MIN_POST} characters)"
            ));
        }
        if self
            .topics
            .values()
            .any(|t| t.title.eq_ignore_ascii_case(&title))
        {
            errors.push("Title has already been used".into());
        }
        if let Some(ext) = &external_id {
            if ext.chars().count() > EXTERNAL_ID_MAX {
                errors.push(format!(
                    "External is too long (maximum is {EXTERNAL_ID_MAX} characters)"
                ));
            }
            if !ext
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            {
                errors.push("External is invalid".into());
            }
            if self.topic_by_external_id(ext).is_some() {
                errors.push("External has already been taken".into());
            }
        }
        let category_id = category.unwrap_or(1);
        let viewer = self.user(user_id).cloned();
        let cat = self.cats.iter().find(|c| c.id == category_id);
        match cat {
            None => errors.push("Category can't be blank".into()),
            Some(c) if self.permission(c, viewer.as_ref()) != Some(1) => return Err(None),
            Some(_) => {}
        }
        if !errors.is_empty() {
            return Err(Some(errors));
        }
        let id = self.next_topic;
        self.next_topic += 1;
        let now = Utc::now();
        self.topics.insert(
            id,
            TopicRec {
                id,
                slug: slugify(&title),
                title,
                category_id,
                tags,
                user_id,
                created_at: now,
                bumped_at: now,
                posts: vec![],
                external_id,
            },
        );
        self.add_post(id, user_id, raw).map_err(Some)?;
        Ok(id)
    }

    /// Appends a post to a topic, notifies the topic's author, publishes on the bus.
    pub fn add_post(&mut self, topic_id: u64, user_id: i64, raw: &str) -> Result<u64, Vec<String>> {
        let first = self
            .topics
            .get(&topic_id)
            .is_some_and(|t| t.posts.is_empty());
        if !first && raw.trim().chars().count() < MIN_POST {
            return Err(vec![format!(
                "Body is too short (minimum is {MIN_POST} characters)"
            )]);
        }
        let id = self.next_post;
        let now = Utc::now();
        let Some(topic) = self.topics.get_mut(&topic_id) else {
            return Err(vec!["Topic not found".into()]);
        };
        self.next_post += 1;
        topic.posts.push(id);
        topic.bumped_at = now;
        let post_number = topic.posts.len() as u64;
        let (author, category_id) = (topic.user_id, topic.category_id);
        self.posts.insert(
            id,
            PostRec {
                id,
                topic_id,
                post_number,
                user_id,
                raw: raw.to_string(),
                created_at: now,
            },
        );
        if post_number == 1 {
            self.publish(
                "/new",
                json!({"message_type": "new_topic", "topic_id": topic_id}),
                None,
            );
        }
        let bump = json!({"message_type": "latest", "topic_id": topic_id, "payload": {"category_id": category_id}});
        self.publish("/latest", bump, None);
        self.publish(
            &format!("/topic/{topic_id}"),
            json!({"id": id, "post_number": post_number, "type": "created", "user_id": user_id}),
            None,
        );
        if post_number > 1 && author != user_id {
            self.notify(author, 2, topic_id, post_number, user_id);
        }
        Ok(id)
    }

    fn notify(&mut self, user_id: i64, kind: u64, topic_id: u64, post_number: u64, by: i64) {
        let id = self.notifications.len() as u64 + 1;
        let by = self
            .user(by)
            .map(|u| u.username.clone())
            .unwrap_or_default();
        self.notifications.push(NotificationRec {
            id,
            user_id,
            notification_type: kind,
            topic_id,
            post_number,
            by,
            created_at: Utc::now(),
        });
        let unread = self
            .notifications
            .iter()
            .filter(|n| n.user_id == user_id)
            .count();
        self.publish(
            &format!("/notification/{user_id}"),
            json!({"unread_notifications": unread, "last_notification": {"notification": {"id": id, "notification_type": kind, "topic_id": topic_id, "post_number": post_number}}}),
            Some(user_id),
        );
    }

    pub fn publish(&mut self, channel: &str, data: Value, user_id: Option<i64>) {
        let global_id = self.bus.len() as i64 + 1;
        let message_id = self.last_id(channel) + 1;
        self.bus.push(BusMessage {
            global_id,
            message_id,
            channel: channel.to_string(),
            data,
            user_id,
        });
    }

    pub fn last_id(&self, channel: &str) -> i64 {
        self.bus
            .iter()
            .filter(|m| m.channel == channel)
            .map(|m| m.message_id)
            .max()
            .unwrap_or(0)
    }
}
