//! Creating ONE topic exactly once. Creating is not idempotent: a request that timed out, lost
//! its connection or met a proxy error may still have created the topic. So before any retry we
//! look for it among the user's newest topics and adopt it instead of posting twice.

use std::collections::HashSet;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::api::{CurrentUser, Post, TopicListPage, UserPage, UserRef};
use crate::client::{Auth, Client, send_json};
use crate::error::{ForumError, Result};
use crate::types::{NewTopic, PublishedTopic};

/// How hard to try. Tests shorten the delays; the defaults suit a person waiting.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    pub attempts: u32,
    pub base_delay: Duration,
    /// Longer rate-limit waits than this fail instead of blocking the user.
    pub max_wait: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            base_delay: Duration::from_secs(2),
            max_wait: Duration::from_secs(90),
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

pub async fn publish(
    client: &Client,
    topic: &NewTopic,
    policy: &RetryPolicy,
) -> Result<PublishedTopic> {
    let me = with_retries(policy, || whoami(client)).await?;
    let before: HashSet<u64> = with_retries(policy, || find_own(client, &me, &topic.title))
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let err = match create(client, topic).await {
            Ok(post) => {
                return Ok(PublishedTopic {
                    topic_id: post.topic_id,
                    post_id: Some(post.id),
                    title: topic.title.clone(),
                    url: topic_url(&client.base_url(), &post.topic_slug, post.topic_id),
                    adopted: false,
                });
            }
            Err(err) => err,
        };
        tracing::warn!(attempt, error = %err, "creating the topic failed");
        // A 422 "already used" after an earlier lost attempt means that attempt succeeded.
        let look = err.maybe_delivered() || (attempt > 1 && matches!(err, ForumError::Rejected(_)));
        if look {
            let found = with_retries(policy, || find_own(client, &me, &topic.title)).await?;
            if let Some((id, slug)) = found.into_iter().find(|(id, _)| !before.contains(id)) {
                tracing::info!(
                    topic_id = id,
                    "adopted the topic an earlier attempt created"
                );
                return Ok(PublishedTopic {
                    topic_id: id,
                    post_id: None,
                    title: topic.title.clone(),
                    url: topic_url(&client.base_url(), &slug, id),
                    adopted: true,
                });
            }
        }
        if !err.is_transient() || attempt >= policy.attempts {
            return Err(err);
        }
        tokio::time::sleep(delay(policy, attempt, &err)?).await;
    }
}

async fn create(client: &Client, topic: &NewTopic) -> Result<Post> {
    let mut body = json!({ "title": topic.title, "raw": topic.raw });
    if let Some(cat) = topic.category_id {
        body["category"] = json!(cat);
    }
    if !topic.tags.is_empty() {
        body["tags"] = json!(topic.tags);
    }
    // Creating can be slow on big forums; a generous timeout makes the ambiguous case rarer.
    let rb = client
        .request(Method::POST, "/posts.json")?
        .timeout(Duration::from_secs(60))
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
    fn urls() {
        assert_eq!(
            topic_url("https://f.org/", "hello", 7),
            "https://f.org/t/hello/7"
        );
    }
}
