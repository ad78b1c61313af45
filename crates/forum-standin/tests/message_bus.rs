//! The stand-in's MessageBus speaks both answer styles and holds polls like Discourse.

use std::time::Duration;

use roomscribe_forum_standin::ForumStandin;
use serde_json::Value;

async fn poll(
    forum: &ForumStandin,
    user: &str,
    body: &str,
    dont_chunk: bool,
    dlp: bool,
) -> (String, String) {
    let mut req = reqwest::Client::new()
        .post(format!(
            "{}/message-bus/c1/poll{}",
            forum.base_url(),
            if dlp { "?dlp=t" } else { "" }
        ))
        .header("Api-Key", forum.admin_key())
        .header("Api-Username", user)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_string());
    if dont_chunk {
        req = req.header("Dont-Chunk", "true");
    }
    let resp = req.send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_string();
    (ct, resp.text().await.unwrap())
}

#[tokio::test]
async fn status_then_messages_in_both_styles() {
    let forum = ForumStandin::start().await.unwrap();
    forum.set_poll_hold(Duration::from_secs(30));
    let (ct, text) = poll(&forum, "admin", "%2Flatest=-1&__seq=1", true, true).await;
    assert!(ct.contains("json"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v[0]["channel"], "/__status");
    assert_eq!(v[0]["data"]["/latest"], 0);

    forum
        .publish_post_as(
            "alice",
            None,
            "A topic for the bus test",
            "Body long enough to be accepted.",
            2,
            &[],
        )
        .unwrap();
    let (ct, text) = poll(&forum, "admin", "%2Flatest=0", false, false).await;
    assert!(ct.starts_with("text/plain"));
    let frame = text.strip_suffix("\r\n|\r\n").expect("separator");
    let v: Value = serde_json::from_str(frame).unwrap();
    assert_eq!(v[0]["channel"], "/latest");
    assert_eq!(v[0]["data"]["message_type"], "latest");

    // Held until something is published, then answered (Dont-Chunk: one JSON array).
    let held = tokio::spawn({
        let base = forum.base_url();
        let key = forum.admin_key();
        async move {
            reqwest::Client::new()
                .post(format!("{base}/message-bus/c2/poll"))
                .header("Api-Key", key)
                .header("Api-Username", "admin")
                .header("Dont-Chunk", "true")
                .form(&[("/new", "1")])
                .send()
                .await
                .unwrap()
                .json::<Value>()
                .await
                .unwrap()
        }
    });
    tokio::task::yield_now().await;
    forum
        .publish_post_as(
            "bob",
            None,
            "Second topic for the bus",
            "Another body long enough here.",
            2,
            &[],
        )
        .unwrap();
    let v = held.await.unwrap();
    assert_eq!(v[0]["channel"], "/new");
    assert_eq!(v[0]["data"]["message_type"], "new_topic");
}

#[tokio::test]
async fn notifications_reach_only_their_user() {
    let forum = ForumStandin::start().await.unwrap();
    let tid = forum
        .publish_post_as(
            "alice",
            None,
            "Alice asks a question",
            "What is the answer to this?",
            2,
            &[],
        )
        .unwrap();
    forum
        .publish_post_as(
            "bob",
            Some(tid),
            "",
            "Bob answers the question here.",
            2,
            &[],
        )
        .unwrap();
    let (_, mine) = poll(&forum, "alice", "%2Fnotification%2F2=0", true, true).await;
    let (_, theirs) = poll(&forum, "bob", "%2Fnotification%2F2=0", true, true).await;
    let mine: Value = serde_json::from_str(&mine).unwrap();
    let theirs: Value = serde_json::from_str(&theirs).unwrap();
    assert_eq!(mine.as_array().unwrap().len(), 1);
    assert_eq!(theirs.as_array().unwrap().len(), 0);
}
