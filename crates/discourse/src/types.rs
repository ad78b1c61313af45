//! The owned values the forum side hands to the app (and to the embedded demo forum, which
//! produces the same ones). No UI types here.

use chrono::{DateTime, Utc};
use roomscribe_transcript::model::ConnState;
use serde::{Deserialize, Serialize};

/// A category as the user sees it, with what they may do in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Category {
    pub id: u64,
    pub name: String,
    pub slug: String,
    pub parent_id: Option<u64>,
    /// Hex colour without `#`, as Discourse sends it.
    pub color: String,
    /// Staff-only or group-restricted.
    pub read_restricted: bool,
    /// Whether this user may create a topic here.
    pub can_create_topic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ItemKind {
    NewTopic,
    Reply,
    /// One of the moderator's own notifications (mention, reply to them, flag, ...).
    Notification,
}

/// One thing that happened on the forum, resolved to titles and excerpts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForumItem {
    /// Stable identity used to never forward twice, e.g. `post:1234` or `notification:77`.
    pub key: String,
    pub kind: ItemKind,
    pub topic_id: u64,
    pub post_id: Option<u64>,
    pub post_number: Option<u64>,
    pub title: String,
    pub category_id: Option<u64>,
    pub tags: Vec<String>,
    pub username: String,
    /// Plain text, short.
    pub excerpt: String,
    pub url: String,
    pub created_at: DateTime<Utc>,
    /// Rooms that the notification rules route this item to.
    pub routes: Vec<String>,
}

/// A new topic to create: ONE post holding the transcript.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTopic {
    pub title: String,
    pub raw: String,
    pub category_id: Option<u64>,
    pub tags: Vec<String>,
    /// Discourse's `external_id` (at most 50 of `[\w-]`): the same selection always gets the
    /// same one, so publishing it again finds the first topic instead of making a second.
    #[serde(default)]
    pub external_id: Option<String>,
    /// Chat files the post links to, for the publisher to copy to the forum (empty: none, or
    /// media left out).
    #[serde(default)]
    pub media: Vec<PostMedia>,
}

/// A chat file a post links to: its `mxc://` address, file name, and the markdown link in the
/// post that an upload's embed replaces.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMedia {
    pub url: String,
    pub name: String,
    pub link: String,
}

/// A topic that exists on the forum (created now, or adopted after a lost response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublishedTopic {
    pub topic_id: u64,
    pub post_id: Option<u64>,
    pub title: String,
    pub url: String,
    /// True when an earlier attempt had created it and it was found, not posted again.
    pub adopted: bool,
    /// True when the same selection was published before (found by its `external_id` or
    /// title): nothing new was posted, the URL is the earlier topic's.
    #[serde(default)]
    pub already: bool,
    /// Lines for the user about what was left out (media that could not be uploaded, ...).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// What a forum source task tells the app.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ForumEvent {
    Categories(Vec<Category>),
    Item(ForumItem),
    Connection(ConnState),
    Published(PublishedTopic),
    /// Discourse's own words, one line each. The app keeps the draft.
    PublishFailed {
        errors: Vec<String>,
    },
    Error(String),
}

/// What the app asks a forum source to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ForumCommand {
    RefreshCategories,
    Publish(NewTopic),
    Shutdown,
}
