//! Speed against the real Synapse, as ratios to a plain-reqwest baseline measured in the same
//! run: backfilling 10,000 messages (goal ≤ 1.1× raw `/messages` paging at limit=1000) and the
//! delay from another client's send to arrival in our live stream (goal ≤ 1.2× a raw `/sync`
//! long-poll). Run: `scripts/synapse` exports, then `cargo bench -p roomscribe-matrix`.
//! `ROOMSCRIBE_BENCH_MESSAGES` changes the history size; `ROOMSCRIBE_BENCH_ROOM` reuses a room
//! an earlier run seeded on the same server.

use std::time::{Duration, Instant};

use roomscribe_matrix::{Credentials, backfill, connect, resolve_room, run};
use roomscribe_testkit::{TestUser, encode, require_synapse};
use roomscribe_transcript::RoomRef;
use roomscribe_transcript::model::{BackfillRequest, ChatCommand, ChatEvent, TimelineEvent};
use serde_json::Value;
use tokio::sync::mpsc;

const SENDERS: usize = 8;
const ROUNDS: usize = 4;
const PINGS: usize = 20;

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

    // Backfill: alternate the two so both see the same server state and cache warmth.
    let http = reqwest::Client::new();
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Alternate who goes first, so neither always meets the colder server cache.
        for ours_turn in [round % 2 == 0, round % 2 != 0] {
            let t = Instant::now();
            if ours_turn {
                let events = backfill(
                    &client,
                    &target.room_id,
                    &BackfillRequest::Last(total),
                    |_| {},
                )
                .await
                .expect("backfill");
                ours.push(t.elapsed());
                let got = events
                    .iter()
                    .filter(|e| matches!(e, TimelineEvent::Message(_)))
                    .count();
                assert_eq!(got, total, "backfill returned {got} messages");
            } else {
                let n = raw_backfill(&http, &hs.url, &reader.access_token, &room, total).await;
                raw.push(t.elapsed());
                assert!(n >= total);
            }
        }
    }
    report("backfill 10k", &ours, &raw, 1.1);

    let (ours, raw) = latency(&hs.url, &owner, &reader, &room).await;
    report("send→arrival", &ours, &raw, 1.2);
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

/// Send → arrival delays: through `run` (our live stream), then through a raw `/sync` loop.
async fn latency(
    hs: &str,
    sender: &TestUser,
    reader: &TestUser,
    room: &str,
) -> (Vec<Duration>, Vec<Duration>) {
    let client = connect(Some(hs), Credentials::Token(reader.access_token.clone()))
        .await
        .expect("connect");
    let (cmd_tx, cmd_rx) = mpsc::channel(16);
    let (ev_tx, mut ev_rx) = mpsc::channel(1024);
    let task = tokio::spawn(run(
        client,
        RoomRef::parse(room).expect("room"),
        cmd_rx,
        ev_tx,
    ));
    while let Some(ev) = ev_rx.recv().await {
        if matches!(
            ev,
            ChatEvent::Connection(roomscribe_transcript::model::ConnState::Connected)
        ) {
            break;
        }
    }
    let mut ours = Vec::new();
    for i in 0..PINGS {
        let body = format!("ping-sdk-{i}");
        // Same settling pause as the baseline: the stream's long-poll is open again.
        tokio::time::sleep(Duration::from_millis(50)).await;
        let t = Instant::now();
        sender.say(room, &body).await.expect("send");
        loop {
            match ev_rx.recv().await {
                Some(ChatEvent::Live(TimelineEvent::Message(m))) if m.body == body => break,
                Some(_) => {}
                None => panic!("stream ended"),
            }
        }
        ours.push(t.elapsed());
    }
    let _ = cmd_tx.send(ChatCommand::Shutdown).await;
    let _ = task.await;

    let http = reqwest::Client::new();
    let filter = format!(
        r#"{{"room":{{"rooms":["{room}"],"timeline":{{"limit":100}},"state":{{"lazy_load_members":true}}}},"presence":{{"types":[]}},"account_data":{{"types":[]}}}}"#
    );
    let sync = |since: Option<String>| {
        let http = http.clone();
        let filter = filter.clone();
        let token = reader.access_token.clone();
        let hs = hs.to_string();
        async move {
            let mut url = format!(
                "{hs}/_matrix/client/v3/sync?timeout=30000&filter={}",
                encode(&filter)
            );
            if let Some(s) = since {
                url.push_str(&format!("&since={}", encode(&s)));
            }
            let v: Value = http
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .expect("sync")
                .json()
                .await
                .expect("json");
            v
        }
    };
    let mut since = sync(None).await["next_batch"].as_str().map(str::to_string);
    let mut raw = Vec::new();
    for i in 0..PINGS {
        let body = format!("ping-raw-{i}");
        // Start the long-poll first, as a live client always has one open.
        let poll = tokio::spawn(sync(since.clone()));
        tokio::time::sleep(Duration::from_millis(50)).await;
        let t = Instant::now();
        let send = sender.say(room, &body);
        let (resp, sent) = tokio::join!(poll, send);
        sent.expect("send");
        let mut resp = resp.expect("poll");
        loop {
            since = resp["next_batch"].as_str().map(str::to_string);
            let found = resp["rooms"]["join"][room]["timeline"]["events"]
                .as_array()
                .is_some_and(|evs| evs.iter().any(|e| e["content"]["body"] == body.as_str()));
            if found {
                break;
            }
            resp = sync(since.clone()).await;
        }
        raw.push(t.elapsed());
    }
    (ours, raw)
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
