//! Prints numbers (no pass/fail): publish round trip, live delivery latency over MessageBus
//! versus polling, and MessageBus frame parsing throughput. `cargo bench -p roomscribe-discourse`.

use std::time::{Duration, Instant};

use roomscribe_discourse::feed::{FeedOptions, run_with};
use roomscribe_discourse::message_bus::FrameParser;
use roomscribe_discourse::publish::{RetryPolicy, publish};
use roomscribe_discourse::types::{ForumEvent, NewTopic};
use roomscribe_discourse::{Auth, Client};
use roomscribe_forum_standin::{Fault, ForumStandin};
use roomscribe_transcript::model::ConnState;
use tokio::sync::mpsc;

const N: usize = 40;

fn summary(name: &str, mut xs: Vec<Duration>) {
    xs.sort();
    let pick = |q: f64| xs[((xs.len() as f64 - 1.0) * q) as usize];
    println!(
        "{name:<34} n={:<3} median {:>8.2?}  p95 {:>8.2?}  max {:>8.2?}",
        xs.len(),
        pick(0.5),
        pick(0.95),
        pick(1.0)
    );
}

async fn delivery(
    forum: &ForumStandin,
    client: Client,
    opts: FeedOptions,
    tag: &str,
) -> Vec<Duration> {
    let (_cmd, cmd_rx) = mpsc::channel(4);
    let (ev_tx, mut ev) = mpsc::channel(256);
    tokio::spawn(run_with(client, vec![], opts, cmd_rx, ev_tx));
    while let Some(e) = ev.recv().await {
        if matches!(e, ForumEvent::Connection(ConnState::Connected)) {
            break;
        }
    }
    let mut out = Vec::new();
    for i in 0..N {
        let title = format!("Delivery {tag} number {i:03}");
        let t0 = Instant::now();
        forum
            .publish_post_as(
                "alice",
                None,
                &title,
                "Some body text for the bench.",
                2,
                &[],
            )
            .unwrap();
        while let Some(e) = ev.recv().await {
            if matches!(&e, ForumEvent::Item(it) if it.title == title) {
                out.push(t0.elapsed());
                break;
            }
        }
    }
    out
}

#[tokio::main]
async fn main() {
    let forum = ForumStandin::start().await.unwrap();
    forum.set_poll_hold(Duration::from_secs(60));
    let auth = Auth::AdminKey {
        key: forum.admin_key(),
        username: "admin".into(),
    };
    let client = Client::new(&forum.base_url(), auth).unwrap();

    let mut times = Vec::new();
    for i in 0..N {
        let topic = NewTopic {
            title: format!("Bench publish number {i:03}"),
            raw: "x".repeat(2000),
            category_id: Some(2),
            tags: vec![],
            external_id: None,
            media: Vec::new(),
        };
        let t0 = Instant::now();
        publish(&client, &topic, &RetryPolicy::default())
            .await
            .unwrap();
        times.push(t0.elapsed());
    }
    summary("publish (whoami+lookup+create)", times);

    let mut times = Vec::new();
    for i in 0..10 {
        forum.set_fault(Fault::DropAfterCreate, 1);
        let topic = NewTopic {
            title: format!("Bench adopt number {i:03}"),
            raw: "x".repeat(200),
            category_id: Some(2),
            tags: vec![],
            external_id: None,
            media: Vec::new(),
        };
        let policy = RetryPolicy {
            base_delay: Duration::from_millis(1),
            ..RetryPolicy::default()
        };
        let t0 = Instant::now();
        assert!(publish(&client, &topic, &policy).await.unwrap().adopted);
        times.push(t0.elapsed());
    }
    summary("publish, connection cut → adopt", times);

    let fast = FeedOptions {
        poll_interval: Duration::from_secs(3600),
        ..FeedOptions::default()
    };
    summary(
        "delivery over MessageBus",
        delivery(&forum, client.clone(), fast, "bus").await,
    );
    forum.set_fault(Fault::BusUnavailable, u32::MAX);
    let polling = FeedOptions {
        poll_interval: Duration::from_millis(500),
        ..FeedOptions::default()
    };
    summary(
        "delivery by polling every 500 ms",
        delivery(&forum, client.clone(), polling, "poll").await,
    );

    let frame = format!("[{}]\r\n|\r\n", vec![r#"{"global_id":1,"message_id":1,"channel":"/latest","data":{"message_type":"latest","topic_id":12}}"#; 20].join(","));
    let stream = frame.repeat(2000);
    let t0 = Instant::now();
    let mut parser = FrameParser::default();
    let mut frames = 0;
    for chunk in stream.as_bytes().chunks(1400) {
        frames += parser.push(chunk).len();
    }
    let secs = t0.elapsed().as_secs_f64();
    println!(
        "frame parsing (1400-byte chunks)    {frames} frames, {:.1} MB/s",
        stream.len() as f64 / secs / 1e6
    );
}
