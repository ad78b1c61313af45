//! Speed against the real Synapse, as ratios to a plain-reqwest baseline measured in the same
//! run: backfilling 10,000 messages (goal ≤ 1.1× raw `/messages` paging at limit=1000) and the
//! delay from another client's send to arrival in our live stream (goal ≤ 1.2× a raw `/sync`
//! long-poll). Run: `scripts/synapse` exports, then `cargo bench -p roomscribe-matrix`.
//! `ROOMSCRIBE_BENCH_MESSAGES` changes the history size; `ROOMSCRIBE_BENCH_ROOM` reuses a room
//! an earlier run seeded on the same server; `ROOMSCRIBE_BENCH_ONLY=backfill|latency` runs one.

use std::time::{Duration, Instant};

use roomscribe_matrix::matrix_sdk::Client;
use roomscribe_matrix::matrix_sdk::ruma::OwnedRoomId;
use roomscribe_matrix::{Credentials, backfill, connect, resolve_room, run};
use roomscribe_testkit::{Synapse, TestUser, encode, require_synapse};
use roomscribe_transcript::RoomRef;
use roomscribe_transcript::model::{
    BackfillRequest, ChatCommand, ChatEvent, ConnState, TimelineEvent,
};
use serde_json::Value;
use tokio::sync::mpsc;

const SENDERS: usize = 8;
const ROUNDS: usize = 4;
const PINGS: usize = 40;

#[tokio::main]
async fn main() {
    let Some(hs) = require_synapse() else { return };
    let total: usize = std::env::var("ROOMSCRIBE_BENCH_MESSAGES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let owner = hs.register("bench").await.expect("register");
    // A room seeded by an earlier run on the same server can be reused (seeding is the slow part).
    let room = match std::env::var("ROOMSCRIBE_BENCH_ROOM") {
        Ok(room) => {
            owner.join(&room).await.expect("join the seeded room");
            room
        }
        Err(_) => {
            let room = owner.create_room(None).await.expect("room");
            let mut senders = Vec::new();
            for _ in 0..SENDERS {
                let u = hs.register("seed").await.expect("register");
                u.join(&room).await.expect("join");
                senders.push(u);
            }
            let started = Instant::now();
            seed(&senders, &room, total).await;
            println!(
                "seeded {total} messages from {SENDERS} senders in {:.1} s (ROOMSCRIBE_BENCH_ROOM={room} reuses them)",
                started.elapsed().as_secs_f64()
            );
            room
        }
    };

    let reader = hs.register("reader").await.expect("register");
    let client = connect(
        Some(&hs.url),
        Credentials::Token(reader.access_token.clone()),
    )
    .await
    .expect("connect");
    let target = resolve_room(&client, &RoomRef::parse(&room).expect("room"))
        .await
        .expect("join");

    let only = std::env::var("ROOMSCRIBE_BENCH_ONLY").unwrap_or_default();
    if only != "latency" {
        backfill_ratio(&hs.url, &client, &target.room_id, &reader, &room, total).await;
    }
    if only != "backfill" {
        let (ours, raw) = latency(&hs, &owner, &reader, &room).await;
        report("send→arrival", &ours, &raw, 1.2);
    }
}

async fn backfill_ratio(
    hs: &str,
    client: &Client,
    room_id: &OwnedRoomId,
    reader: &TestUser,
    room: &str,
    total: usize,
) {
    // Alternate the two so both see the same server state and cache warmth.
    let http = reqwest::Client::new();
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Alternate who goes first, so neither always meets the colder server cache.
        for ours_turn in [round % 2 == 0, round % 2 != 0] {
            let t = Instant::now();
            if ours_turn {
                let events = backfill(client, room_id, &BackfillRequest::Last(total), |_| {})
                    .await
                    .expect("backfill");
                ours.push(t.elapsed());
                let got = events
                    .iter()
                    .filter(|e| matches!(e, TimelineEvent::Message(_)))
                    .count();
                assert_eq!(got, total, "backfill returned {got} messages");
            } else {
                let n = raw_backfill(&http, hs, &reader.access_token, room, total).await;
                raw.push(t.elapsed());
                assert!(n >= total);
            }
        }
    }
    report("backfill 10k", &ours, &raw, 1.1);
}

async fn seed(senders: &[TestUser], room: &str, total: usize) {
    let per = total.div_ceil(senders.len());
    let mut tasks = Vec::new();
    for (i, s) in senders.iter().enumerate() {
        let s = s.clone();
        let room = room.to_string();
        let n = per.min(total.saturating_sub(i * per));
        tasks.push(tokio::spawn(async move {
            for k in 0..n {
                s.say(&room, &format!("seed {i}-{k}")).await.expect("send");
            }
        }));
    }
    for t in tasks {
        t.await.expect("seeder");
    }
}

/// The baseline: `/messages` backwards, limit 1000, JSON parsed, until `want` messages.
async fn raw_backfill(
    http: &reqwest::Client,
    hs: &str,
    token: &str,
    room: &str,
    want: usize,
) -> usize {
    let mut from: Option<String> = None;
    let mut count = 0;
    let filter = r#"{"lazy_load_members":true}"#;
    loop {
        let mut url = format!(
            "{hs}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=1000&filter={}",
            encode(room),
            encode(filter)
        );
        if let Some(f) = &from {
            url.push_str(&format!("&from={}", encode(f)));
        }
        let page: Value = http
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .expect("messages")
            .json()
            .await
            .expect("json");
        let chunk = page["chunk"].as_array().cloned().unwrap_or_default();
        count += chunk
            .iter()
            .filter(|e| e["type"] == "m.room.message")
            .count();
        match page["end"].as_str() {
            Some(end) if !chunk.is_empty() && count < want => from = Some(end.to_string()),
            _ => return count,
        }
    }
}

/// Send → arrival delays for the same sends, seen at once by our live stream (`run`) and by a
/// raw `/sync` long-poll loop of a second reader, so both meet the same server load.
async fn latency(
    hs: &Synapse,
    sender: &TestUser,
    reader: &TestUser,
    room: &str,
) -> (Vec<Duration>, Vec<Duration>) {
    let client = connect(
        Some(&hs.url),
        Credentials::Token(reader.access_token.clone()),
    )
    .await
    .expect("connect");
    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (ev_tx, mut ev_rx) = mpsc::channel(1024);
    let task = tokio::spawn(run(
        client,
        RoomRef::parse(room).expect("room"),
        cmd_rx,
        ev_tx,
        std::time::Duration::from_secs(120),
    ));
    while let Some(ev) = ev_rx.recv().await {
        if matches!(ev, ChatEvent::Connection(ConnState::Connected)) {
            break;
        }
    }
    let raw_reader = hs.register("rawreader").await.expect("register");
    raw_reader.join(room).await.expect("join");
    let (raw_tx, mut raw_rx) = mpsc::unbounded_channel();
    let raw_task = tokio::spawn(raw_sync_loop(
        hs.url.clone(),
        raw_reader,
        room.to_string(),
        raw_tx,
    ));
    raw_rx.recv().await.expect("raw sync started");

    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for i in 0..PINGS {
        let body = format!("ping-{i}");
        // Both long-polls are open again before the next send.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let t = Instant::now();
        sender.say(room, &body).await.expect("send");
        loop {
            match ev_rx.recv().await {
                Some(ChatEvent::Live(TimelineEvent::Message(m))) if m.body == body => {
                    ours.push(Instant::now() - t);
                    break;
                }
                Some(_) => {}
                None => panic!("stream ended"),
            }
        }
        loop {
            match raw_rx.recv().await {
                Some((b, at)) if b == body => {
                    raw.push(at - t);
                    break;
                }
                Some(_) => {}
                None => panic!("raw sync ended"),
            }
        }
    }
    let _ = cmd_tx.send(ChatCommand::Shutdown).await;
    let _ = task.await;
    raw_task.abort();
    (ours, raw)
}

/// The baseline client: `/sync?timeout=30000` filtered to the room, bodies reported with the
/// instant their response arrived.
async fn raw_sync_loop(
    hs: String,
    reader: TestUser,
    room: String,
    out: mpsc::UnboundedSender<(String, Instant)>,
) {
    let http = reqwest::Client::new();
    let filter = format!(
        r#"{{"room":{{"rooms":["{room}"],"timeline":{{"limit":100}},"state":{{"lazy_load_members":true}}}},"presence":{{"types":[]}},"account_data":{{"types":[]}}}}"#
    );
    let mut since: Option<String> = None;
    loop {
        let mut url = format!(
            "{hs}/_matrix/client/v3/sync?timeout=30000&filter={}",
            encode(&filter)
        );
        if let Some(s) = &since {
            url.push_str(&format!("&since={}", encode(s)));
        }
        let Ok(resp) = http.get(url).bearer_auth(&reader.access_token).send().await else {
            return;
        };
        let Ok(v) = resp.json::<Value>().await else {
            return;
        };
        let at = Instant::now();
        if since.is_some()
            && let Some(events) = v["rooms"]["join"][room.as_str()]["timeline"]["events"].as_array()
        {
            for e in events {
                if let Some(b) = e["content"]["body"].as_str() {
                    let _ = out.send((b.to_string(), at));
                }
            }
        }
        if since.is_none() {
            // Ready: the next request is a long-poll from now on.
            let _ = out.send((String::new(), at));
        }
        since = v["next_batch"].as_str().map(str::to_string);
    }
}

fn median(v: &[Duration]) -> Duration {
    let mut s = v.to_vec();
    s.sort();
    s.get(s.len() / 2).copied().unwrap_or_default()
}

fn report(what: &str, ours: &[Duration], raw: &[Duration], goal: f64) {
    let (o, r) = (median(ours), median(raw));
    let ratio = o.as_secs_f64() / r.as_secs_f64().max(1e-9);
    let verdict = if ratio <= goal { "meets" } else { "MISSES" };
    println!(
        "{what}: roomscribe {:.1} ms, raw reqwest {:.1} ms (medians of {}), ratio {ratio:.2}× — {verdict} goal ≤ {goal}×",
        o.as_secs_f64() * 1000.0,
        r.as_secs_f64() * 1000.0,
        ours.len()
    );
}
