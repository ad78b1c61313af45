//! Wire shapes of the Discourse answers roomscribe reads. Only the fields we use; everything
//! tolerant of nulls and absent keys, because instances differ by version and plugins.

use serde::{Deserialize, Deserializer};

fn null_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[derive(Debug, Clone, Deserialize)]
pub struct Site {
    #[serde(default, deserialize_with = "null_default")]
    pub categories: Vec<SiteCategory>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SiteCategory {
    pub id: u64,
    pub name: String,
    pub slug: String,
    #[serde(default, deserialize_with = "null_default")]
    pub color: String,
    pub parent_category_id: Option<u64>,
    #[serde(default, deserialize_with = "null_default")]
    pub read_restricted: bool,
    /// 1 = create topics, reply and see; 2 = reply and see; 3 = see only; null for anonymous.
    pub permission: Option<u64>,
    pub position: Option<i64>,
}

/// A tag is a plain string in older topic lists and `{id, name, slug}` in newer answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Tag {
    Name(String),
    Object { name: String },
}

impl Tag {
    pub fn into_name(self) -> String {
        match self {
            Self::Name(n) | Self::Object { name: n } => n,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TopicListPage {
    #[serde(default, deserialize_with = "null_default")]
    pub users: Vec<BasicUser>,
    pub topic_list: TopicList,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TopicList {
    #[serde(default, deserialize_with = "null_default")]
    pub topics: Vec<TopicListItem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BasicUser {
    pub id: i64,
    pub username: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TopicListItem {
    pub id: u64,
    pub title: String,
    #[serde(default, deserialize_with = "null_default")]
    pub slug: String,
    pub category_id: Option<u64>,
    pub created_at: Option<String>,
    pub excerpt: Option<String>,
    pub highest_post_number: Option<u64>,
    pub last_poster_username: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub posters: Vec<Poster>,
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<Tag>,
}

impl TopicListItem {
    /// The topic's author: the poster described as "Original Poster".
    pub fn original_poster(&self) -> Option<i64> {
        self.posters
            .iter()
            .find(|p| {
                p.description
                    .as_deref()
                    .is_some_and(|d| d.contains("Original Poster"))
            })
            .or_else(|| self.posters.first())
            .map(|p| p.user_id)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Poster {
    pub user_id: i64,
    pub description: Option<String>,
}

/// A post as returned by `POST /posts.json`, `/posts.json` and `/t/{id}.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct Post {
    pub id: u64,
    pub username: String,
    pub created_at: String,
    #[serde(default, deserialize_with = "null_default")]
    pub cooked: String,
    pub post_number: u64,
    pub topic_id: u64,
    #[serde(default, deserialize_with = "null_default")]
    pub topic_slug: String,
    pub topic_title: Option<String>,
    pub category_id: Option<u64>,
    /// Markdown; only some endpoints send it (and older ones sent a structure, hence Value).
    pub raw: Option<serde_json::Value>,
    pub post_type: Option<u64>,
    pub user_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LatestPosts {
    #[serde(default, deserialize_with = "null_default")]
    pub latest_posts: Vec<Post>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Topic {
    pub id: u64,
    pub title: String,
    pub slug: String,
    pub category_id: Option<u64>,
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<Tag>,
    pub post_stream: Option<PostStream>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PostStream {
    #[serde(default, deserialize_with = "null_default")]
    pub posts: Vec<Post>,
}

/// `/notifications.json`: an object in current Discourse, a bare array in old versions.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Notifications {
    Wrapped { notifications: Vec<Notification> },
    Bare(Vec<Notification>),
}

impl Notifications {
    pub fn into_vec(self) -> Vec<Notification> {
        match self {
            Self::Wrapped { notifications } | Self::Bare(notifications) => notifications,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    pub id: Option<u64>,
    pub notification_type: u64,
    #[serde(default)]
    pub read: bool,
    pub created_at: String,
    pub post_number: Option<u64>,
    pub topic_id: Option<u64>,
    pub slug: Option<String>,
    #[serde(default, deserialize_with = "null_default")]
    pub data: NotificationData,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct NotificationData {
    pub topic_title: Option<String>,
    pub display_username: Option<String>,
    pub original_username: Option<String>,
    pub username: Option<String>,
    pub original_post_id: Option<u64>,
}

/// `/session/current.json` (scope session_info) and `/u/{username}.json`.
#[derive(Debug, Clone, Deserialize)]
pub struct CurrentUser {
    pub current_user: UserRef,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserPage {
    pub user: UserRef,
}

#[derive(Debug, Clone, Deserialize)]
pub struct UserRef {
    pub id: i64,
    pub username: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!(
            "{}/../forum-standin/fixtures/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn real_shapes_parse() {
        let latest: TopicListPage = serde_json::from_str(&fixture("latest.json")).unwrap();
        assert_eq!(latest.topic_list.topics.len(), 3);
        assert_eq!(latest.topic_list.topics[0].original_poster(), Some(1));
        let posts: LatestPosts = serde_json::from_str(&fixture("posts_latest.json")).unwrap();
        assert!(!posts.latest_posts.is_empty());
        let created: Post = serde_json::from_str(&fixture("create_topic_with_tags.json")).unwrap();
        assert_eq!((created.topic_id, created.post_number), (21, 1));
        let topic: Topic = serde_json::from_str(&fixture("topic.json")).unwrap();
        assert_eq!(topic.id, 57);
        let tp: Topic = serde_json::from_str(
            &fixture("topic_posts.json")
                .replace("\"id\":57", "\"id\":57,\"title\":\"t\",\"slug\":\"s\""),
        )
        .unwrap();
        assert_eq!(tp.post_stream.unwrap().posts.len(), 1);
        let n: Notifications = serde_json::from_str(&fixture("notifications.json")).unwrap();
        assert_eq!(
            n.into_vec()[0].data.topic_title.as_deref(),
            Some(".json feed for notifications")
        );
        let user: UserPage = serde_json::from_str(&fixture("user.json")).unwrap();
        assert_eq!(user.user.username, "test_user");
        let cats: serde_json::Value = serde_json::from_str(&fixture("categories.json")).unwrap();
        let site: Site = serde_json::from_value(serde_json::json!({
            "categories": cats["category_list"]["categories"]
        }))
        .unwrap();
        assert_eq!(site.categories.len(), 3);
    }
}
