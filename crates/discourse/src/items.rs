//! Turning "something changed" into ForumItems via REST: new posts since the last seen one
//! (`/posts.json`), tags from the topic (`/t/{id}.json`, cached), and new notifications.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::api::{LatestPosts, Notifications, Post, Topic};
use crate::client::Client;
use crate::error::Result;
use crate::types::{ForumItem, ItemKind};

const EXCERPT_CHARS: usize = 300;
const REGULAR_POST: u64 = 1;
/// How far back a catch-up reads (Discourse pages hold 50 posts).
const MAX_PAGES: usize = 10;

#[derive(Debug, Default)]
pub struct Resolver {
    last_post: Option<u64>,
    last_notification: Option<u64>,
    tags: HashMap<u64, Vec<String>>,
}

fn parse_time(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

/// Plain text from a post: its markdown when sent, else the cooked HTML without tags.
pub fn excerpt(post: &Post) -> String {
    let text = match post.raw.as_ref().and_then(|r| r.as_str()) {
        Some(raw) => raw.to_string(),
        None => strip_html(&post.cooked),
    };
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > EXCERPT_CHARS {
        format!("{}…", flat.chars().take(EXCERPT_CHARS).collect::<String>())
    } else {
        flat
    }
}

fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
}

impl Resolver {
    /// Marks everything that exists now as seen (the feed shows what happens from here on), or
    /// resumes after `since_post` when the caller remembers where it stopped.
    pub async fn start(
        &mut self,
        client: &Client,
        with_notifications: bool,
        since_post: Option<u64>,
    ) -> Result<()> {
        self.last_post = match since_post {
            Some(id) => Some(id),
            None => {
                let posts: LatestPosts = client.get("/posts.json").await?;
                Some(posts.latest_posts.iter().map(|p| p.id).max().unwrap_or(0))
            }
        };
        if with_notifications {
            let n: Notifications = client.get("/notifications.json").await?;
            let max = n.into_vec().iter().filter_map(|n| n.id).max().unwrap_or(0);
            self.last_notification = Some(max);
        }
        Ok(())
    }

    /// New posts since the last call, oldest first. Pages back (`?before=`) when more arrived
    /// than one page holds, e.g. after `watch` was stopped for a while.
    pub async fn new_posts(&mut self, client: &Client) -> Result<Vec<ForumItem>> {
        let seen = self.last_post.unwrap_or(0);
        let mut all: Vec<Post> = Vec::new();
        let mut path = "/posts.json".to_string();
        for _ in 0..MAX_PAGES {
            let page: LatestPosts = client.get(&path).await?;
            let oldest = page.latest_posts.iter().map(|p| p.id).min();
            all.extend(page.latest_posts.into_iter().filter(|p| p.id > seen));
            match oldest {
                Some(oldest) if oldest > seen + 1 => path = format!("/posts.json?before={oldest}"),
                _ => break,
            }
        }
        let mut fresh: Vec<Post> = all
            .into_iter()
            .filter(|p| p.post_type.unwrap_or(REGULAR_POST) == REGULAR_POST)
            .collect();
        fresh.sort_by_key(|p| p.id);
        fresh.dedup_by_key(|p| p.id);
        let mut items = Vec::with_capacity(fresh.len());
        for post in fresh {
            self.last_post = Some(self.last_post.unwrap_or(0).max(post.id));
            let tags = self.tags(client, post.topic_id).await;
            items.push(self.item(client, post, tags));
        }
        Ok(items)
    }

    async fn tags(&mut self, client: &Client, topic_id: u64) -> Vec<String> {
        if let Some(t) = self.tags.get(&topic_id) {
            return t.clone();
        }
        match client.get::<Topic>(&format!("/t/{topic_id}.json")).await {
            Ok(topic) => {
                let tags: Vec<String> = topic.tags.into_iter().map(|t| t.into_name()).collect();
                self.tags.insert(topic_id, tags.clone());
                tags
            }
            Err(e) => {
                tracing::warn!(topic_id, error = %e, "cannot read the topic's tags");
                Vec::new()
            }
        }
    }

    fn item(&self, client: &Client, post: Post, tags: Vec<String>) -> ForumItem {
        let base = client.base_url();
        let slug = if post.topic_slug.is_empty() {
            "-"
        } else {
            &post.topic_slug
        };
        let first = post.post_number == 1;
        let url = if first {
            format!("{base}/t/{slug}/{}", post.topic_id)
        } else {
            format!("{base}/t/{slug}/{}/{}", post.topic_id, post.post_number)
        };
        ForumItem {
            key: format!("post:{}", post.id),
            kind: if first {
                ItemKind::NewTopic
            } else {
                ItemKind::Reply
            },
            topic_id: post.topic_id,
            post_id: Some(post.id),
            post_number: Some(post.post_number),
            title: post
                .topic_title
                .clone()
                .unwrap_or_else(|| post.topic_slug.clone()),
            category_id: post.category_id,
            tags,
            username: post.username.clone(),
            excerpt: excerpt(&post),
            url,
            created_at: parse_time(&post.created_at),
            routes: Vec::new(),
        }
    }

    /// New notifications of the user since the last call, oldest first.
    pub async fn new_notifications(&mut self, client: &Client) -> Result<Vec<ForumItem>> {
        let list: Notifications = client.get("/notifications.json").await?;
        let seen = self.last_notification.unwrap_or(0);
        let mut fresh: Vec<_> = list
            .into_vec()
            .into_iter()
            .filter(|n| n.id.is_some_and(|id| id > seen))
            .collect();
        fresh.sort_by_key(|n| n.id);
        let base = client.base_url();
        Ok(fresh
            .into_iter()
            .map(|n| {
                let id = n.id.unwrap_or(0);
                self.last_notification = Some(self.last_notification.unwrap_or(0).max(id));
                let topic_id = n.topic_id.unwrap_or(0);
                let slug = n.slug.clone().unwrap_or_else(|| "-".into());
                let by = n
                    .data
                    .display_username
                    .or(n.data.original_username)
                    .or(n.data.username)
                    .unwrap_or_default();
                ForumItem {
                    key: format!("notification:{id}"),
                    kind: ItemKind::Notification,
                    topic_id,
                    post_id: n.data.original_post_id,
                    post_number: n.post_number,
                    title: n.data.topic_title.unwrap_or_default(),
                    category_id: None,
                    tags: Vec::new(),
                    username: by,
                    excerpt: String::new(),
                    url: format!("{base}/t/{slug}/{topic_id}/{}", n.post_number.unwrap_or(1)),
                    created_at: parse_time(&n.created_at),
                    routes: Vec::new(),
                }
            })
            .collect())
    }
}
