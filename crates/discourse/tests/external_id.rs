//! Publishing keyed by `external_id`, and every uncertain outcome found instead of posted twice.

use std::time::Duration;

use roomscribe_discourse::publish::{RetryPolicy, external_id, find_by_external_id, publish};
use roomscribe_discourse::types::NewTopic;
use roomscribe_discourse::{Auth, Client};
use roomscribe_forum_standin::{Fault, ForumStandin};

fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        base_delay: Duration::from_millis(20),
        max_wait: Duration::from_secs(5),
        create_timeout: Duration::from_secs(10),
    }
}

fn admin_as(forum: &ForumStandin, user: &str) -> Client {
    let auth = Auth::AdminKey {
        key: forum.admin_key(),
        username: user.into(),
    };
    Client::new(&forum.base_url(), auth).unwrap()
}

fn user_key(forum: &ForumStandin, user: &str) -> Client {
    let key = forum.create_user_api_key(user, "client-1").unwrap();
    let auth = Auth::UserKey {
        key,
        client_id: "client-1".into(),
    };
    Client::new(&forum.base_url(), auth).unwrap()
}

fn keyed(title: &str, last: &str) -> NewTopic {
    NewTopic {
        title: title.into(),
        raw: "**alice:** the build is broken again\n**bob:** fixed in main".into(),
        category_id: Some(3),
        tags: vec![],
        external_id: Some(external_id("!room:gitter.im", "$first", last)),
        media: Vec::new(),
    }
}

#[tokio::test]
async fn the_topic_carries_the_external_id_and_is_found_by_it() {
    let forum = ForumStandin::start().await.unwrap();
    let client = admin_as(&forum, "alice");
    let topic = keyed("Chat log: keyed by external id", "$last");
    let done = publish(&client, &topic, &fast()).await.unwrap();
    let stored = forum.topics();
    assert_eq!(stored[0].external_id, topic.external_id);
    let found = find_by_external_id(&client, topic.external_id.as_deref().unwrap())
        .await
        .unwrap();
    assert_eq!(found.map(|(id, _)| id), Some(done.topic_id));
    assert_eq!(
        find_by_external_id(&client, "roomscribe-nothing-here")
            .await
            .unwrap(),
        None
    );
}

#[tokio::test]
async fn publishing_the_same_selection_twice_makes_one_topic() {
    let forum = ForumStandin::start().await.unwrap();
    let client = admin_as(&forum, "alice");
    let first = publish(
        &client,
        &keyed("Chat log: the same selection", "$l"),
        &fast(),
    )
    .await
    .unwrap();
    assert!(!first.already);
    // Even under another title: the selection, not the title, identifies the transcript.
    let again = publish(
        &client,
        &keyed("Chat log: renamed the second time", "$l"),
        &fast(),
    )
    .await
    .unwrap();
    assert!(again.already, "{again:?}");
    assert_eq!(again.url, first.url);
    assert_eq!(forum.topics().len(), 1);
}

#[tokio::test]
async fn commit_then_drop_with_external_id_is_one_topic() {
    let forum = ForumStandin::start().await.unwrap();
    let client = admin_as(&forum, "alice");
    forum.set_fault(Fault::DropAfterCreate, 1);
    let done = publish(&client, &keyed("Chat log: cut after commit", "$x"), &fast())
        .await
        .unwrap();
    assert!(done.adopted && !done.already, "{done:?}");
    let stored = forum.topics();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(done.topic_id, stored[0].id);
}

#[tokio::test]
async fn garbage_body_after_commit_is_found_not_failed() {
    let forum = ForumStandin::start().await.unwrap();
    for (n, client) in [admin_as(&forum, "alice"), user_key(&forum, "bob")]
        .into_iter()
        .enumerate()
    {
        forum.set_fault(Fault::GarbageAfterCreate, 1);
        let topic = keyed(
            &format!("Chat log: unreadable answer {n}"),
            &format!("$g{n}"),
        );
        let done = publish(&client, &topic, &fast()).await.unwrap();
        assert!(done.adopted, "{done:?}");
        assert_eq!(forum.topics().len(), n + 1);
    }
}

#[tokio::test]
async fn proxy_502_after_commit_is_found_by_external_id() {
    let forum = ForumStandin::start().await.unwrap();
    let client = admin_as(&forum, "alice");
    forum.set_fault(Fault::Html502AfterCreate, 1);
    let done = publish(
        &client,
        &keyed("Chat log: the proxy timed out", "$h"),
        &fast(),
    )
    .await
    .unwrap();
    assert!(done.adopted);
    assert_eq!(forum.topics().len(), 1);
}

#[tokio::test]
async fn a_timeout_after_commit_is_found_not_posted_again() {
    let forum = ForumStandin::start().await.unwrap();
    let client = admin_as(&forum, "alice");
    forum.set_fault(Fault::SlowAfterCreate, 1);
    let policy = RetryPolicy {
        create_timeout: Duration::from_millis(500),
        ..fast()
    };
    let done = publish(
        &client,
        &keyed("Chat log: the forum was slow", "$t"),
        &policy,
    )
    .await
    .unwrap();
    assert!(done.adopted, "{done:?}");
    assert_eq!(forum.topics().len(), 1);
}

#[tokio::test]
async fn user_api_keys_cannot_set_it_and_fall_back_to_the_title() {
    let forum = ForumStandin::start().await.unwrap();
    let client = user_key(&forum, "bob");
    let topic = keyed("Chat log: posted with a user key", "$u");
    let first = publish(&client, &topic, &fast()).await.unwrap();
    assert_eq!(forum.topics()[0].external_id, None, "Discourse drops it");
    forum.set_fault(Fault::DropAfterCreate, 1);
    let again = publish(&client, &topic, &fast()).await.unwrap();
    assert!(again.already, "{again:?}");
    assert_eq!(again.topic_id, first.topic_id);
    assert_eq!(forum.topics().len(), 1);
}

#[tokio::test]
async fn the_stand_in_validates_external_ids_as_discourse_does() {
    let forum = ForumStandin::start().await.unwrap();
    let http = reqwest::Client::new();
    let post = |ext: &str, title: &str| {
        http.post(format!("{}/posts.json", forum.base_url()))
            .header("Api-Key", forum.admin_key())
            .header("Api-Username", "alice")
            .json(&serde_json::json!({"title": title, "raw": "long enough body for a post", "category": 3, "external_id": ext}))
            .send()
    };
    assert_eq!(
        post("Abc-1", "First topic with an id")
            .await
            .unwrap()
            .status(),
        200
    );
    for (ext, want) in [
        ("abc-1", "External has already been taken"),
        ("has space", "External is invalid"),
        (
            &"x".repeat(51),
            "External is too long (maximum is 50 characters)",
        ),
    ] {
        let resp = post(ext, &format!("Another topic {}", ext.len()))
            .await
            .unwrap();
        assert_eq!(resp.status(), 422);
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["errors"][0], want, "{ext}: {body}");
    }
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}/t/external_id/Abc-1.json", forum.base_url()))
        .header("Api-Key", forum.admin_key())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 301);
    let to = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with("/t/first-topic-with-an-id/") && to.ends_with(".json"),
        "{to}"
    );
}
