//! The live feed against the stand-in's real MessageBus: push delivery while a long poll is
//! open, reconnecting after the forum restarts, falling back to polling, routing, commands.

use std::time::Duration;

use roomscribe_discourse::feed::{FeedOptions, run_with};
use roomscribe_discourse::rules::RuleConfig;
use roomscribe_discourse::types::{ForumCommand, ForumEvent, ItemKind, NewTopic};
use roomscribe_discourse::{Auth, Client};
use roomscribe_forum_standin::{Fault, ForumStandin};
use roomscribe_transcript::model::ConnState;
use tokio::sync::mpsc;

/// Generous: only a hang fails; it is never a speed assertion.
const PATIENCE: Duration = Duration::from_secs(20);

struct Running {
    cmd: mpsc::Sender<ForumCommand>,
    ev: mpsc::Receiver<ForumEvent>,
}

impl Running {
    async fn until(&mut self, what: &str, mut pred: impl FnMut(&ForumEvent) -> bool) -> ForumEvent {
        let fut = async {
            while let Some(ev) = self.ev.recv().await {
                if pred(&ev) {
                    return Some(ev);
                }
            }
            None
        };
        match tokio::time::timeout(PATIENCE, fut).await {
            Ok(Some(ev)) => ev,
            _ => panic!("no {what} from the feed"),
        }
    }
}

fn opts(poll_interval: Duration) -> FeedOptions {
    FeedOptions {
        poll_interval,
        backoff_base: Duration::from_millis(50),
        backoff_max: Duration::from_millis(300),
        ..FeedOptions::default()
    }
}

fn start(forum: &ForumStandin, user: &str, rules: Vec<RuleConfig>, opts: FeedOptions) -> Running {
    let auth = Auth::AdminKey {
        key: forum.admin_key(),
        username: user.into(),
    };
    let client = Client::new(&forum.base_url(), auth).unwrap();
    let (cmd, cmd_rx) = mpsc::channel(8);
    let (ev_tx, ev) = mpsc::channel(64);
    tokio::spawn(run_with(client, rules, opts, cmd_rx, ev_tx));
    Running { cmd, ev }
}

fn is_connected(ev: &ForumEvent) -> bool {
    matches!(ev, ForumEvent::Connection(ConnState::Connected))
}

fn item_titled<'a>(title: &'a str) -> impl FnMut(&ForumEvent) -> bool + 'a {
    move |ev| matches!(ev, ForumEvent::Item(i) if i.title == title)
}

const HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn new_topic_arrives_through_the_long_poll_with_routes() {
    let forum = ForumStandin::start().await.unwrap();
    forum.set_poll_hold(Duration::from_secs(60));
    let rules = vec![RuleConfig {
        category: Some("support".into()),
        tags: vec![],
        filter: "watch".into(),
        topic: None,
        room: "org/room".into(),
    }];
    // Polling every hour: anything that arrives came over the bus.
    let mut feed = start(&forum, "admin", rules, opts(HOUR));
    feed.until(
        "categories",
        |e| matches!(e, ForumEvent::Categories(c) if c.len() == 7),
    )
    .await;
    feed.until("connected", is_connected).await;
    let tid = forum
        .publish_post_as(
            "alice",
            None,
            "Live topic while polling",
            "Posted while the poll is held open.",
            3,
            &["help"],
        )
        .unwrap();
    let ForumEvent::Item(item) = feed
        .until("new topic", item_titled("Live topic while polling"))
        .await
    else {
        unreachable!()
    };
    assert_eq!(item.kind, ItemKind::NewTopic);
    assert_eq!((item.topic_id, item.username.as_str()), (tid, "alice"));
    assert_eq!(item.tags, vec!["help"]);
    assert_eq!(item.routes, vec!["org/room"]);
    assert_eq!(item.excerpt, "Posted while the poll is held open.");
    assert!(
        item.url
            .ends_with(&format!("/t/live-topic-while-polling/{tid}")),
        "{}",
        item.url
    );

    forum
        .publish_post_as(
            "bob",
            Some(tid),
            "",
            "A reply that arrives live as well.",
            3,
            &[],
        )
        .unwrap();
    let ForumEvent::Item(reply) = feed
        .until(
            "reply",
            |e| matches!(e, ForumEvent::Item(i) if i.kind == ItemKind::Reply),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!(reply.post_number, Some(2));
    assert_eq!(reply.routes, vec!["org/room"]);
}

#[tokio::test]
async fn reconnects_after_the_forum_restarts() {
    let mut forum = ForumStandin::start().await.unwrap();
    forum.set_poll_hold(Duration::from_secs(60));
    let mut feed = start(&forum, "admin", vec![], opts(HOUR));
    feed.until("connected", is_connected).await;
    forum.stop().await;
    feed.until("reconnecting", |e| {
        matches!(e, ForumEvent::Connection(ConnState::Reconnecting { .. }))
    })
    .await;
    forum.restart().await.unwrap();
    feed.until("connected again", is_connected).await;
    forum
        .publish_post_as(
            "alice",
            None,
            "After the restart topic",
            "This one came after the restart.",
            2,
            &[],
        )
        .unwrap();
    feed.until(
        "topic after restart",
        item_titled("After the restart topic"),
    )
    .await;
}

#[tokio::test]
async fn falls_back_to_polling_when_the_bus_is_unavailable() {
    let forum = ForumStandin::start().await.unwrap();
    forum.set_fault(Fault::BusUnavailable, u32::MAX);
    let mut feed = start(&forum, "admin", vec![], opts(Duration::from_millis(100)));
    feed.until("connected", is_connected).await;
    forum
        .publish_post_as(
            "alice",
            None,
            "Found by polling only",
            "The bus answered 404 here.",
            2,
            &[],
        )
        .unwrap();
    feed.until("polled topic", item_titled("Found by polling only"))
        .await;
}

#[tokio::test]
async fn notifications_and_publish_command() {
    let forum = ForumStandin::start().await.unwrap();
    forum.set_poll_hold(Duration::from_secs(60));
    let mut feed = start(&forum, "alice", vec![], opts(HOUR));
    feed.until("connected", is_connected).await;
    let topic = NewTopic {
        title: "Published through the feed".into(),
        raw: "The transcript body goes here, long enough.".into(),
        category_id: Some(2),
        tags: vec![],
        external_id: None,
        media: Vec::new(),
    };
    feed.cmd.send(ForumCommand::Publish(topic)).await.unwrap();
    let ForumEvent::Published(done) = feed
        .until("published", |e| matches!(e, ForumEvent::Published(_)))
        .await
    else {
        unreachable!()
    };
    assert!(!done.adopted);
    forum
        .publish_post_as(
            "bob",
            Some(done.topic_id),
            "",
            "Bob answers alice's topic here.",
            2,
            &[],
        )
        .unwrap();
    let ForumEvent::Item(n) = feed
        .until(
            "notification",
            |e| matches!(e, ForumEvent::Item(i) if i.kind == ItemKind::Notification),
        )
        .await
    else {
        unreachable!()
    };
    assert_eq!((n.topic_id, n.username.as_str()), (done.topic_id, "bob"));
    assert!(n.routes.is_empty());

    let bad = NewTopic {
        title: "short".into(),
        raw: "x".into(),
        category_id: Some(2),
        tags: vec![],
        external_id: None,
        media: Vec::new(),
    };
    feed.cmd.send(ForumCommand::Publish(bad)).await.unwrap();
    let ForumEvent::PublishFailed { errors } = feed
        .until("failure", |e| matches!(e, ForumEvent::PublishFailed { .. }))
        .await
    else {
        unreachable!()
    };
    assert_eq!(errors.len(), 2, "{errors:?}");
    feed.cmd
        .send(ForumCommand::RefreshCategories)
        .await
        .unwrap();
    feed.until(
        "categories",
        |e| matches!(e, ForumEvent::Categories(c) if !c.is_empty()),
    )
    .await;
    feed.cmd.send(ForumCommand::Shutdown).await.unwrap();
}

#[tokio::test]
async fn resuming_catches_up_on_more_than_one_page() {
    let forum = ForumStandin::start().await.unwrap();
    forum.set_poll_hold(Duration::from_secs(60));
    let tid = forum
        .publish_post_as(
            "alice",
            None,
            "A busy topic to catch up on",
            "The first post of a busy topic.",
            2,
            &[],
        )
        .unwrap();
    for i in 0..120 {
        let raw = format!("Reply number {i:03} while nobody watched.");
        forum
            .publish_post_as("bob", Some(tid), "", &raw, 2, &[])
            .unwrap();
    }
    // Resume after the first post (post ids start at 100 in the stand-in).
    let mut feed = start(
        &forum,
        "admin",
        vec![],
        FeedOptions {
            since_post: Some(100),
            ..opts(HOUR)
        },
    );
    let mut replies = Vec::new();
    while replies.len() < 120 {
        if let ForumEvent::Item(i) = feed
            .until("reply", |e| matches!(e, ForumEvent::Item(_)))
            .await
        {
            replies.push(i.post_number.unwrap());
        }
    }
    assert_eq!(replies, (2..=121).collect::<Vec<u64>>());
}
