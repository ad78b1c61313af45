//! The stand-in must not drift from Discourse: every answer is checked against the OpenAPI
//! schema and compared (keys and types) with answers recorded from real instances.

use roomscribe_forum_standin::{ForumStandin, schema};
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!("{}/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

async fn get(forum: &ForumStandin, path: &str) -> Value {
    let resp = reqwest::Client::new()
        .get(format!("{}{path}", forum.base_url()))
        .header("Api-Key", forum.admin_key())
        .header("Api-Username", "admin")
        .send()
        .await
        .unwrap();
    let status = resp.status();
    let text = resp.text().await.unwrap();
    assert_eq!(status, 200, "{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn assert_conforms(method: &str, spec_path: &str, ours: &Value, fixture_value: Option<&Value>) {
    let schema = schema::response_schema(method, spec_path).expect("schema in spec");
    let problems = schema::check(schema, ours);
    assert!(problems.is_empty(), "{spec_path} vs spec: {problems:#?}");
    if let Some(f) = fixture_value {
        let diffs = schema::compare_with_fixture(schema, f, ours);
        assert!(diffs.is_empty(), "{spec_path} vs fixture: {diffs:#?}");
    }
}

#[tokio::test]
async fn answers_match_spec_and_recorded_fixtures() {
    let forum = ForumStandin::start().await.unwrap();
    let tid = forum
        .publish_post_as(
            "alice",
            None,
            "How do I build the project?",
            "I tried cargo build and it failed.",
            3,
            &["build"],
        )
        .unwrap();
    forum
        .publish_post_as(
            "bob",
            Some(tid),
            "",
            "Run scripts/test first, then try again.",
            3,
            &[],
        )
        .unwrap();

    let latest = get(&forum, "/latest.json").await;
    assert_conforms(
        "get",
        "/latest.json",
        &latest,
        Some(&fixture("latest.json")),
    );
    assert_conforms("get", "/latest.json", &latest, Some(&fixture("new.json")));
    let posts = get(&forum, "/posts.json").await;
    assert_conforms(
        "get",
        "/posts.json",
        &posts,
        Some(&fixture("posts_latest.json")),
    );
    let topic = get(&forum, &format!("/t/{tid}.json")).await;
    assert_conforms("get", "/t/{id}.json", &topic, Some(&fixture("topic.json")));
    let site = get(&forum, "/site.json").await;
    let cats = fixture("categories.json");
    let recorded = serde_json::json!({"categories": cats["category_list"]["categories"]});
    assert_conforms("get", "/site.json", &site, Some(&recorded));
    let user = get(&forum, "/u/alice.json").await;
    assert_conforms(
        "get",
        "/u/{username}.json",
        &user,
        Some(&fixture("user.json")),
    );
    let notes = get(&forum, "/notifications.json").await;
    assert_conforms("get", "/notifications.json", &notes, None);

    let created = reqwest::Client::new()
        .post(format!("{}/posts.json", forum.base_url()))
        .header("Api-Key", forum.admin_key())
        .header("Api-Username", "alice")
        .json(&serde_json::json!({"title": "A brand new topic with tags", "raw": "This is the body of the new topic.", "category": 2, "tags": ["x"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let created: Value = created.json().await.unwrap();
    assert_conforms(
        "post",
        "/posts.json",
        &created,
        Some(&fixture("create_topic_with_tags.json")),
    );
}
