//! Creating ONE topic exactly once. Creating is not idempotent: a request that timed out, lost
//! its connection, met a proxy error or got an unreadable answer may still have created the
//! topic. So after any uncertain outcome we look for it — by `external_id` when the key may set
//! one, else among the user's newest topics by title — and adopt it instead of posting twice.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::api::{CurrentUser, Post, Topic, TopicListPage, UserPage, UserRef};
use crate::client::{Auth, Client, send_json};
use crate::error::{ForumError, Result};
use crate::forward::fnv1a;
use crate::types::{NewTopic, PublishedTopic};

/// How hard to try. Tests shorten the delays; the defaults suit a person waiting.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base_delay: Duration,
    /// Longer rate-limit waits than this fail instead of blocking the user.
    pub max_wait: Duration,
    /// How long one create may take; after it the outcome is uncertain and looked up.
    pub create_timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            base_delay: Duration::from_secs(2),
            max_wait: Duration::from_secs(90),
            // Creating can be slow on big forums; a generous timeout makes the ambiguous
            // case rarer.
            create_timeout: Duration::from_secs(60),
        }
    }
}

/// Who the client acts as (needed to recognise our own topics).
pub async fn whoami(client: &Client) -> Result<UserRef> {
    match client.auth() {
        Auth::AdminKey { username, .. } => {
            let page: UserPage = client.get(&format!("/u/{username}.json")).await?;
            Ok(page.user)
        }
        Auth::UserKey { .. } => {
            let cur: CurrentUser = client.get("/session/current.json").await?;
            Ok(cur.current_user)
        }
        Auth::Anonymous => Err(ForumError::Config(
            "publishing needs a forum key: run `roomscribe login discourse` or set ROOMSCRIBE_FORUM_API_KEY".into(),
        )),
    }
}

pub fn topic_url(base: &str, slug: &str, id: u64) -> String {
    let slug = if slug.is_empty() { "-" } else { slug };
    format!("{}/t/{slug}/{id}", base.trim_end_matches('/'))
}

/// Creates the topic once. With an admin key the topic carries `external_id`, which makes
/// both "was this selection published already?" and "did the lost attempt create it?" one
/// exact look-up; other keys fall back to scanning the user's newest topics by title.
pub async fn publish(
    client: &Client,
    topic: &NewTopic,
    policy: &RetryPolicy,
) -> Result<PublishedTopic> {
    let me = with_retries(policy, || whoami(client)).await?;
    let key = topic
        .external_id
        .as_deref()
        .filter(|_| takes_external_id(client));
    if let Some(id) = key
        && let Some((tid, slug)) = lookup_external_id(client, id, policy).await
    {
        return Ok(found(client, topic, tid, &slug, Found::Before));
    }
    let before_list = with_retries(policy, || find_own(client, &me, &topic.title)).await?;
    // Without external_id, our own topic of the same title is the best evidence that this
    // selection went out already (Discourse would refuse the title a second time anyway).
    if key.is_none()
        && topic.external_id.is_some()
        && let Some((tid, slug)) = before_list.first()
    {
        return Ok(found(client, topic, *tid, slug, Found::Before));
    }
    let before: HashSet<u64> = before_list.into_iter().map(|(id, _)| id).collect();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let err = match create(client, topic, key, policy.create_timeout).await {
            Ok(post) => {
                return Ok(PublishedTopic {
                    topic_id: post.topic_id,
                    post_id: Some(post.id),
                    title: topic.title.clone(),
                    url: topic_url(&client.base_url(), &post.topic_slug, post.topic_id),
                    adopted: false,
                    already: false,
                    notes: Vec::new(),
                });
            }
            Err(err) => err,
        };
        tracing::warn!(attempt, error = %err, "creating the topic failed");
        let taken = external_id_taken(&err);
        if uncertain(&err, attempt) || taken {
            let lookup = locate(client, &me, topic, key, &before, policy).await;
            match lookup {
                Ok(Some((id, slug))) => {
                    tracing::info!(topic_id = id, "found the topic instead of posting again");
                    let how = if taken && attempt == 1 {
                        Found::Before
                    } else {
                        Found::Adopted
                    };
                    return Ok(found(client, topic, id, &slug, how));
                }
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "looking for the topic failed"),
            }
        }
        if !err.is_transient() || attempt >= policy.attempts {
            return Err(err);
        }
        tokio::time::sleep(delay(policy, attempt, &err)?).await;
    }
}

/// `PostsController#create_params` permits `external_id` only `if is_api?`: admin/global API
/// keys. A User API key's `external_id` is dropped without an error, so it cannot be relied on.
fn takes_external_id(client: &Client) -> bool {
    matches!(client.auth(), Auth::AdminKey { .. })
}

/// Whether a failed create may still have committed the topic: the request may have
/// arrived (cut connection, timeout, 5xx), or the forum answered 2xx with an unreadable body,
/// or a retry was refused as a duplicate of an earlier attempt.
fn uncertain(err: &ForumError, attempt: u32) -> bool {
    err.maybe_delivered()
        || matches!(err, ForumError::Decode(_))
        || (attempt > 1 && matches!(err, ForumError::Rejected(_)))
}

/// Discourse's uniqueness error for `external_id` (Rails' words for the attribute).
fn external_id_taken(err: &ForumError) -> bool {
    matches!(err, ForumError::Rejected(lines) if lines.iter().any(|l| l.contains("External has already been taken")))
}

enum Found {
    /// Published by an earlier run: say "already published".
    Before,
    /// Created by an attempt of this run whose answer was lost.
    Adopted,
}

fn found(client: &Client, topic: &NewTopic, id: u64, slug: &str, how: Found) -> PublishedTopic {
    PublishedTopic {
        topic_id: id,
        post_id: None,
        title: topic.title.clone(),
        url: topic_url(&client.base_url(), slug, id),
        adopted: matches!(how, Found::Adopted),
        already: matches!(how, Found::Before),
        notes: Vec::new(),
    }
}

/// The topic a lost attempt created: by `external_id` first, else by title among the topics
/// that were not there before.
async fn locate(
    client: &Client,
    me: &UserRef,
    topic: &NewTopic,
    key: Option<&str>,
    before: &HashSet<u64>,
    policy: &RetryPolicy,
) -> Result<Option<(u64, String)>> {
    if let Some(id) = key
        && let Some(hit) = lookup_external_id(client, id, policy).await
    {
        return Ok(Some(hit));
    }
    let found = with_retries(policy, || find_own(client, me, &topic.title)).await?;
    Ok(found.into_iter().find(|(id, _)| !before.contains(id)))
}

/// A look-up that cannot block publishing: a forum whose external-id route fails (an old
/// version, a proxy in the way) is searched by title instead.
async fn lookup_external_id(
    client: &Client,
    id: &str,
    policy: &RetryPolicy,
) -> Option<(u64, String)> {
    match with_retries(policy, || find_by_external_id(client, id)).await {
        Ok(hit) => hit,
        Err(e) => {
            tracing::warn!(error = %e, "looking up the external id failed; using titles");
            None
        }
    }
}

/// `GET /t/external_id/{id}.json` redirects to the topic; 404 when there is none (or on a
/// forum too old to know external ids).
pub async fn find_by_external_id(client: &Client, id: &str) -> Result<Option<(u64, String)>> {
    match client
        .get::<Topic>(&format!("/t/external_id/{id}.json"))
        .await
    {
        Ok(t) => Ok(Some((t.id, t.slug))),
        Err(ForumError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
}

/// A stable `external_id` for a selection: the room and its first and last event, hashed with
/// the project's FNV-1a into Discourse's format (at most 50 characters of `[\w-]`).
pub fn external_id(room_id: &str, first_event: &str, last_event: &str) -> String {
    let room = fnv1a(room_id.as_bytes());
    let span = fnv1a(format!("{first_event}\n{last_event}").as_bytes());
    format!("roomscribe-{room:016x}-{span:016x}")
}

/// For text that has no events (`publish FILE`): the title and the text decide.
pub fn external_id_for_text(title: &str, raw: &str) -> String {
    let t = fnv1a(normalize_title(title).as_bytes());
    let r = fnv1a(raw.trim().as_bytes());
    format!("roomscribe-{t:016x}-{r:016x}")
}

async fn create(
    client: &Client,
    topic: &NewTopic,
    external_id: Option<&str>,
    timeout: Duration,
) -> Result<Post> {
    let mut body = json!({ "title": topic.title, "raw": topic.raw });
    if let Some(cat) = topic.category_id {
        body["category"] = json!(cat);
    }
    if !topic.tags.is_empty() {
        body["tags"] = json!(topic.tags);
    }
    if let Some(id) = external_id {
        body["external_id"] = json!(id);
    }
    let rb = client
        .request(Method::POST, "/posts.json")?
        .timeout(timeout)
        .json(&body);
    let answer: serde_json::Value = send_json(rb).await?;
    // Sites that review new topics answer 200 with `action: enqueued` instead of a post.
    if answer.get("action").and_then(|a| a.as_str()) == Some("enqueued") {
        return Err(ForumError::Rejected(vec![
            "the forum queued the topic for a moderator to approve; it is not public yet".into(),
        ]));
    }
    serde_json::from_value(answer).map_err(|e| ForumError::Decode(e.to_string()))
}

/// Our own topics with this title among the newest ones: `(id, slug)`.
async fn find_own(client: &Client, me: &UserRef, title: &str) -> Result<Vec<(u64, String)>> {
    let page: TopicListPage = client.get("/latest.json?order=created&per_page=50").await?;
    let want = normalize_title(title);
    Ok(page
        .topic_list
        .topics
        .into_iter()
        .filter(|t| t.original_poster() == Some(me.id) && normalize_title(&t.title) == want)
        .map(|t| (t.id, t.slug))
        .collect())
}

/// Discourse tidies titles (case, spacing, repeated punctuation), so compare words only.
pub fn normalize_title(title: &str) -> String {
    title
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Retries transient failures (outages, rate limits) of an idempotent request.
pub async fn with_retries<T, F, Fut>(policy: &RetryPolicy, mut f: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T>>,
{
    let mut attempt = 0;
    loop {
        attempt += 1;
        match f().await {
            Ok(v) => return Ok(v),
            Err(e) if e.is_transient() && attempt < policy.attempts => {
                tokio::time::sleep(delay(policy, attempt, &e)?).await;
            }
            Err(e) => return Err(e),
        }
    }
}

fn delay(policy: &RetryPolicy, attempt: u32, err: &ForumError) -> Result<Duration> {
    match err.retry_after() {
        Some(wait) if wait > policy.max_wait => Err(err.clone()),
        Some(wait) => Ok(wait),
        None => Ok(policy.base_delay * 2u32.saturating_pow(attempt.saturating_sub(1))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_compare_by_words() {
        assert_eq!(
            normalize_title("chat log:  Build   broken!!!"),
            normalize_title("Chat log: build broken!")
        );
        assert_ne!(normalize_title("a b"), normalize_title("a c"));
    }

    #[test]
    fn external_ids_fit_discourse_and_are_stable() {
        let a = external_id("!room:gitter.im", "$first", "$last");
        assert_eq!(a, external_id("!room:gitter.im", "$first", "$last"));
        assert_ne!(a, external_id("!room:gitter.im", "$first", "$other"));
        assert_ne!(a, external_id("!other:gitter.im", "$first", "$last"));
        for id in [a, external_id_for_text("A title here", "text")] {
            assert!(id.len() <= 50, "{id}");
            assert!(
                id.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
            );
        }
    }

    #[test]
    fn urls() {
        assert_eq!(
            topic_url("https://f.org/", "hello", 7),
            "https://f.org/t/hello/7"
        );
    }
}
