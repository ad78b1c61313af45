//! The embedded demo forum: a forum source with the same channel interface as the Discourse one.
//! It has a category tree, "receives" generated topics, replies and notifications now and then
//! (see `activity`), and accepts publishing.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::mpsc::{Receiver, Sender};

use super::activity::Activity;
use crate::discourse::types::{
    Category, ForumCommand, ForumEvent, ForumItem, ItemKind, NewTopic, PublishedTopic,
};
use crate::transcript::model::ConnState;
use crate::transcript::strings::slug;

pub const BASE_URL: &str = "https://forum.roomscribe.invalid";

fn category(
    id: u64,
    name: &str,
    slug: &str,
    parent: Option<u64>,
    color: &str,
    can_create: bool,
    restricted: bool,
) -> Category {
    Category {
        id,
        name: name.into(),
        slug: slug.into(),
        parent_id: parent,
        color: color.into(),
        read_restricted: restricted,
        can_create_topic: can_create,
    }
}

pub fn categories() -> Vec<Category> {
    vec![
        category(
            1,
            "Announcements",
            "announcements",
            None,
            "BF1E2E",
            false,
            false,
        ),
        category(2, "Support", "support", None, "0088CC", true, false),
        category(
            3,
            "Installation",
            "installation",
            Some(2),
            "25AAE2",
            true,
            false,
        ),
        category(4, "Bridges", "bridges", Some(2), "3AB54A", true, false),
        category(
            5,
            "Chat transcripts",
            "chat-transcripts",
            None,
            "F7941D",
            true,
            false,
        ),
        category(6, "Staff", "staff", None, "E45735", true, true),
    ]
}

/// The demo's rules: support and transcripts go to the room; like the real feed, the
/// moderator's own notifications are never routed into a room.
fn routes(kind: ItemKind, category_id: u64, room: &str) -> Vec<String> {
    match (kind, category_id) {
        (ItemKind::Notification, _) => Vec::new(),
        (_, 2..=5) => vec![room.to_string()],
        _ => Vec::new(),
    }
}

struct Forum {
    room: String,
    next_topic: u64,
    next_post: u64,
    topics: Vec<(u64, String)>,
}

impl Forum {
    fn item(
        &mut self,
        kind: ItemKind,
        category: u64,
        user: &str,
        title: &str,
        excerpt: &str,
    ) -> ForumItem {
        let topic_id = match self.topics.iter().find(|(_, t)| t == title) {
            Some((id, _)) => *id,
            None => {
                self.next_topic += 1;
                self.topics.push((self.next_topic, title.to_string()));
                self.next_topic
            }
        };
        self.next_post += 1;
        let post_number = if kind == ItemKind::NewTopic { 1 } else { 2 };
        ForumItem {
            key: format!("post:{}", self.next_post),
            kind,
            topic_id,
            post_id: Some(self.next_post),
            post_number: Some(post_number),
            title: title.into(),
            category_id: Some(category),
            tags: Vec::new(),
            username: user.into(),
            excerpt: excerpt.into(),
            url: format!("{BASE_URL}/t/{}/{topic_id}/{post_number}", slug(title)),
            created_at: Utc::now(),
            routes: routes(kind, category, &self.room),
        }
    }

    fn publish(&mut self, topic: &NewTopic) -> Result<(PublishedTopic, ForumItem), Vec<String>> {
        let mut errors = Vec::new();
        if topic.title.chars().count() < 15 {
            errors.push("Title is too short (minimum is 15 characters)".to_string());
        }
        if topic.raw.chars().count() < 20 {
            errors.push("Body is too short (minimum is 20 characters)".to_string());
        }
        if self
            .topics
            .iter()
            .any(|(_, t)| t.eq_ignore_ascii_case(&topic.title))
        {
            errors.push("Title has already been used".to_string());
        }
        if let Some(c) = topic.category_id
            && !categories().iter().any(|k| k.id == c && k.can_create_topic)
        {
            errors.push("You are not permitted to create a topic in that category.".to_string());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let excerpt: String = topic.raw.chars().take(140).collect();
        let item = self.item(
            ItemKind::NewTopic,
            topic.category_id.unwrap_or(5),
            "you",
            &topic.title,
            &excerpt,
        );
        let published = PublishedTopic {
            topic_id: item.topic_id,
            post_id: item.post_id,
            title: topic.title.clone(),
            url: format!("{BASE_URL}/t/{}/{}", slug(&topic.title), item.topic_id),
            adopted: false,
            already: false,
            notes: Vec::new(),
        };
        Ok((published, item))
    }
}

/// Runs until the app shuts it down or drops its end of the channels.
pub async fn run(
    room: String,
    pace: Duration,
    mut cmd_rx: Receiver<ForumCommand>,
    ev_tx: Sender<ForumEvent>,
) {
    let mut forum = Forum {
        room,
        next_topic: 100,
        next_post: 1000,
        topics: Vec::new(),
    };
    let mut initial = vec![
        ForumEvent::Connection(ConnState::Connected),
        ForumEvent::Categories(categories()),
    ];
    let seed = u64::try_from(Utc::now().timestamp()).unwrap_or(1);
    let mut activity = Activity::new(seed);
    for _ in 0..2 {
        let (kind, cat, user, title, excerpt) = activity.next();
        initial.push(ForumEvent::Item(
            forum.item(kind, cat, &user, &title, &excerpt),
        ));
    }
    for ev in initial {
        if ev_tx.send(ev).await.is_err() {
            return;
        }
    }
    let mut ticker = tokio::time::interval(pace.max(Duration::from_millis(10)));
    ticker.tick().await;
    loop {
        let out = tokio::select! {
            _ = ticker.tick() => {
                let (kind, cat, user, title, excerpt) = activity.next();
                vec![ForumEvent::Item(forum.item(kind, cat, &user, &title, &excerpt))]
            }
            cmd = cmd_rx.recv() => match cmd {
                None | Some(ForumCommand::Shutdown) => return,
                Some(ForumCommand::RefreshCategories) => vec![ForumEvent::Categories(categories())],
                Some(ForumCommand::Publish(topic)) => match forum.publish(&topic) {
                    Ok((published, item)) => {
                        activity.published(&published.title, item.category_id.unwrap_or(5));
                        vec![ForumEvent::Published(published), ForumEvent::Item(item)]
                    }
                    Err(errors) => vec![ForumEvent::PublishFailed { errors }],
                },
            },
        };
        for ev in out {
            if ev_tx.send(ev).await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(title: &str, raw: &str, category: Option<u64>) -> NewTopic {
        NewTopic {
            title: title.into(),
            raw: raw.into(),
            category_id: category,
            tags: vec![],
            external_id: None,
            media: Vec::new(),
        }
    }

    #[test]
    fn publishing_validates_like_discourse() {
        let mut f = Forum {
            room: "r".into(),
            next_topic: 1,
            next_post: 1,
            topics: vec![],
        };
        let errs = f.publish(&topic("short", "tiny", Some(1))).unwrap_err();
        assert_eq!(errs.len(), 3, "{errs:?}");
        let (published, item) = f
            .publish(&topic(
                "A long enough title",
                "a body that is long enough",
                Some(5),
            ))
            .unwrap();
        assert_eq!(item.topic_id, published.topic_id);
        assert!(
            published
                .url
                .ends_with(&format!("/t/a-long-enough-title/{}", published.topic_id))
        );
        let again = f
            .publish(&topic(
                "A long enough title",
                "a body that is long enough",
                Some(5),
            ))
            .unwrap_err();
        assert_eq!(again, vec!["Title has already been used".to_string()]);
    }
}
