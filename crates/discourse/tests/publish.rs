//! Publishing against the stateful stand-in: every error path, and exactly-once creation.

use std::time::Duration;

use roomscribe_discourse::publish::{RetryPolicy, publish};
use roomscribe_discourse::types::NewTopic;
use roomscribe_discourse::{Auth, Client, ForumError, categories};
use roomscribe_forum_standin::{Fault, ForumStandin};

fn fast() -> RetryPolicy {
    RetryPolicy {
        attempts: 4,
        base_delay: Duration::from_millis(20),
        max_wait: Duration::from_secs(5),
        create_timeout: Duration::from_secs(10),
    }
}

fn as_user(forum: &ForumStandin, user: &str) -> Client {
    let auth = Auth::AdminKey {
        key: forum.admin_key(),
        username: user.into(),
    };
    Client::new(&forum.base_url(), auth).unwrap()
}

fn topic(title: &str) -> NewTopic {
    NewTopic {
        title: title.into(),
        raw: "**alice:** the build is broken again\n**bob:** fixed in main".into(),
        category_id: Some(3),
        tags: vec!["chat-log".into()],
        external_id: None,
        media: Vec::new(),
    }
}

#[tokio::test]
async fn publishes_and_returns_the_topic_url() {
    let forum = ForumStandin::start().await.unwrap();
    let client = as_user(&forum, "alice");
    let done = publish(&client, &topic("Chat log: the build is broken"), &fast())
        .await
        .unwrap();
    assert!(!done.adopted);
    let stored = forum.topics();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].username, "alice");
    assert_eq!(stored[0].category_id, 3);
    assert_eq!(stored[0].tags, vec!["chat-log"]);
    assert_eq!(
        done.url,
        format!(
            "{}/t/chat-log-the-build-is-broken/{}",
            forum.base_url(),
            stored[0].id
        )
    );
}

#[tokio::test]
async fn dropped_connection_after_create_is_adopted_not_duplicated() {
    let forum = ForumStandin::start().await.unwrap();
    let client = as_user(&forum, "alice");
    forum.set_fault(Fault::DropAfterCreate, 1);
    let done = publish(
        &client,
        &topic("Chat log: connection cut after create"),
        &fast(),
    )
    .await
    .unwrap();
    assert!(done.adopted, "{done:?}");
    let stored = forum.topics();
    assert_eq!(stored.len(), 1, "posted twice: {stored:?}");
    assert_eq!(done.topic_id, stored[0].id);
}

#[tokio::test]
async fn proxy_502_page_then_success_posts_once() {
    let forum = ForumStandin::start().await.unwrap();
    let client = as_user(&forum, "alice");
    // whoami, the look-up and the first create all meet the proxy page.
    forum.set_fault(Fault::Html502, 3);
    let done = publish(&client, &topic("Chat log: a proxy was in the way"), &fast())
        .await
        .unwrap();
    assert!(!done.adopted);
    assert_eq!(forum.topics().len(), 1);
}

#[tokio::test]
async fn rate_limits_are_waited_out_json_and_text() {
    let forum = ForumStandin::start().await.unwrap();
    let client = as_user(&forum, "alice");
    forum.set_fault(Fault::RateLimitJson, 1);
    publish(&client, &topic("Chat log: rate limited (json)"), &fast())
        .await
        .unwrap();
    forum.set_fault(Fault::RateLimitText, 1);
    publish(&client, &topic("Chat log: rate limited (text)"), &fast())
        .await
        .unwrap();
    assert_eq!(forum.topics().len(), 2);
}

#[tokio::test]
async fn error_paths_are_typed_one_line_and_keyless() {
    let forum = ForumStandin::start().await.unwrap();
    let bad_key = Client::new(
        &forum.base_url(),
        Auth::AdminKey {
            key: "wrong-secret-key".into(),
            username: "alice".into(),
        },
    )
    .unwrap();
    let err = categories::fetch(&bad_key).await.unwrap_err();
    assert!(matches!(err, ForumError::InvalidAccess(_)), "{err:?}");
    assert!(
        err.to_string().contains("API username or key is invalid"),
        "{err}"
    );
    assert!(!err.to_string().contains("wrong-secret-key"));

    let nobody = as_user(&forum, "mallory");
    assert!(matches!(
        categories::fetch(&nobody).await.unwrap_err(),
        ForumError::InvalidAccess(_)
    ));

    let client = as_user(&forum, "alice");
    let err = client
        .get::<serde_json::Value>("/nope.json")
        .await
        .unwrap_err();
    assert!(matches!(err, ForumError::NotFound(_)), "{err:?}");

    let short = NewTopic {
        title: "too short".into(),
        raw: "tiny".into(),
        category_id: Some(3),
        tags: vec![],
        external_id: None,
        media: Vec::new(),
    };
    let err = publish(&client, &short, &fast()).await.unwrap_err();
    assert_eq!(
        err.lines(),
        vec![
            "Title is too short (minimum is 15 characters)".to_string(),
            "Body is too short (minimum is 20 characters)".to_string()
        ]
    );
    publish(&client, &topic("Chat log: only once please"), &fast())
        .await
        .unwrap();
    let err = publish(&client, &topic("Chat log: only once please"), &fast())
        .await
        .unwrap_err();
    assert_eq!(err.lines(), vec!["Title has already been used".to_string()]);
    assert_eq!(forum.topics().len(), 1);

    forum.set_fault(Fault::Html502, 100);
    let err = categories::fetch(&client).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "the forum answered HTTP 502 (an HTML page: 502 Bad Gateway)"
    );
    forum.set_fault(Fault::Html502, 0);

    let mut forum = forum;
    forum.stop().await;
    let err = categories::fetch(&client).await.unwrap_err();
    assert!(
        matches!(
            err,
            ForumError::Network {
                maybe_delivered: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!err.to_string().contains('\n'));
}

#[tokio::test]
async fn categories_are_permission_aware() {
    let forum = ForumStandin::start().await.unwrap();
    let alice = categories::fetch(&as_user(&forum, "alice")).await.unwrap();
    assert!(
        alice.iter().all(|c| c.slug != "staff"),
        "staff category leaked"
    );
    let ann = categories::resolve("announcements", &alice).unwrap();
    assert!(!ann.can_create_topic);
    assert!(categories::resolve_for_posting("announcements", &alice).is_err());
    assert_eq!(categories::resolve("support/chat", &alice).unwrap().id, 3);
    let err = categories::resolve("chat", &alice).unwrap_err().to_string();
    assert!(
        err.contains("support/chat") && err.contains("dev/chat"),
        "{err}"
    );
    let admin = categories::fetch(&as_user(&forum, "admin")).await.unwrap();
    assert!(categories::resolve_for_posting("staff", &admin).is_ok());
}
