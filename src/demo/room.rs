//! The embedded demo room: a chat source with the same channel interface as the Matrix one.
//! History is served on backfill requests; the tail of the conversation "arrives" live.

use std::collections::VecDeque;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::mpsc::{Receiver, Sender};

use crate::transcript::model::{
    BackfillRequest, ChatCommand, ChatEvent, ChatMessage, ConnState, MessageKind, RoomInfo,
    TimelineEvent,
};

pub const ROOM_ID: &str = "!demo:roomscribe.invalid";
pub const ROOM_ALIAS: &str = "#roomscribe_demo:gitter.im";
pub const OWN_USER: &str = "@you:roomscribe.invalid";

/// The conversation, split into what already happened and what is still to come.
pub struct Script {
    pub history: Vec<TimelineEvent>,
    pub live: VecDeque<TimelineEvent>,
}

impl Script {
    /// Re-times `events` so the first live event is due one `pace` after `now`: the demo always
    /// looks like it is happening today, and the quiet gaps of the original survive.
    pub fn new(
        mut events: Vec<TimelineEvent>,
        live_count: usize,
        now: DateTime<Utc>,
        pace: Duration,
    ) -> Self {
        events.sort_by_key(event_ts);
        let split = events.len().saturating_sub(live_count);
        let anchor = events.get(split).map(event_ts).unwrap_or(now);
        let pace = chrono::Duration::from_std(pace).unwrap_or(chrono::Duration::seconds(6));
        let shift = now + pace - anchor;
        for (i, ev) in events.iter_mut().enumerate() {
            let ts = if i >= split {
                now + pace * ((i - split + 1) as i32)
            } else {
                event_ts(ev) + shift
            };
            set_ts(ev, ts);
        }
        let live = events.split_off(split).into();
        Self {
            history: events,
            live,
        }
    }
}

fn event_ts(ev: &TimelineEvent) -> DateTime<Utc> {
    match ev {
        TimelineEvent::Message(m) => m.ts,
        TimelineEvent::Edit(e) => e.ts,
        TimelineEvent::Redaction(r) => r.ts,
    }
}

fn set_ts(ev: &mut TimelineEvent, ts: DateTime<Utc>) {
    match ev {
        TimelineEvent::Message(m) => m.ts = ts,
        TimelineEvent::Edit(e) => e.ts = ts,
        TimelineEvent::Redaction(r) => r.ts = ts,
    }
}

/// Runs until the app shuts it down or drops its end of the channels.
pub async fn run(
    script: Script,
    pace: Duration,
    mut cmd_rx: Receiver<ChatCommand>,
    ev_tx: Sender<ChatEvent>,
) {
    let Script {
        mut history,
        mut live,
    } = script;
    let info = RoomInfo {
        room_id: ROOM_ID.into(),
        alias: Some(ROOM_ALIAS.into()),
        name: Some("roomscribe demo".into()),
    };
    if ev_tx.send(ChatEvent::Room(info)).await.is_err()
        || ev_tx
            .send(ChatEvent::Connection(ConnState::Connected))
            .await
            .is_err()
    {
        return;
    }
    let mut ticker = tokio::time::interval(pace.max(Duration::from_millis(10)));
    ticker.tick().await;
    let mut sent = 0u64;
    loop {
        let out = tokio::select! {
            _ = ticker.tick() => match live.pop_front() {
                Some(ev) => vec![ChatEvent::Live(ev)],
                None => continue,
            },
            cmd = cmd_rx.recv() => match cmd {
                None | Some(ChatCommand::Shutdown) => return,
                Some(ChatCommand::Backfill(req)) => vec![backfill(&mut history, &req)],
                Some(ChatCommand::Send { txn_id, body, html, notice }) => {
                    sent += 1;
                    let event_id = format!("$demo-sent-{sent}");
                    let msg = own_message(&event_id, body, html, notice);
                    vec![
                        ChatEvent::Sent { txn_id, event_id },
                        ChatEvent::Live(TimelineEvent::Message(msg)),
                    ]
                }
            },
        };
        for ev in out {
            if ev_tx.send(ev).await.is_err() {
                return;
            }
        }
    }
}

/// Hands out the newest not-yet-served history, oldest first, like a `/messages` page.
fn backfill(history: &mut Vec<TimelineEvent>, req: &BackfillRequest) -> ChatEvent {
    let start = match req {
        BackfillRequest::Last(n) => {
            let mut messages = 0;
            let mut i = history.len();
            while i > 0 && messages < *n {
                i -= 1;
                if matches!(history.get(i), Some(TimelineEvent::Message(_))) {
                    messages += 1;
                }
            }
            i
        }
        BackfillRequest::Since(t) => history.partition_point(|e| event_ts(e) < *t),
    };
    let events = history.split_off(start);
    let fetched = events
        .iter()
        .filter(|e| matches!(e, TimelineEvent::Message(_)))
        .count();
    ChatEvent::Backfill {
        events,
        fetched,
        done: true,
        reached_start: history.is_empty(),
    }
}

fn own_message(event_id: &str, body: String, html: Option<String>, notice: bool) -> ChatMessage {
    ChatMessage {
        event_id: event_id.into(),
        room: ROOM_ID.into(),
        sender: OWN_USER.into(),
        sender_name: "you".into(),
        ts: Utc::now(),
        kind: if notice {
            MessageKind::Notice
        } else {
            MessageKind::Text
        },
        body,
        html,
        edited: false,
        redacted: false,
        reply_to: None,
        thread_id: None,
    }
}

/// The bundled conversation (also the transcript engine's golden-test input).
const SAMPLE: &str = include_str!("../../crates/transcript/data/sample-room.json");

/// How many of the conversation's last events arrive live while the demo runs.
pub const LIVE_EVENTS: usize = 12;

pub fn sample_script(
    now: DateTime<Utc>,
    pace: Duration,
) -> Result<Script, crate::transcript::SourceError> {
    let parsed = crate::transcript::sources::parse("sample-room.json", SAMPLE)?;
    let mut events = parsed.events;
    for ev in &mut events {
        if let TimelineEvent::Message(m) = ev {
            m.room = ROOM_ID.into();
        }
    }
    Ok(Script::new(events, LIVE_EVENTS, now, pace))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_splits_into_history_and_live_and_ends_in_the_future() {
        let now = Utc::now();
        let s = sample_script(now, Duration::from_secs(5)).expect("embedded sample parses");
        assert_eq!(s.live.len(), LIVE_EVENTS);
        assert!(s.history.len() > 40);
        assert!(
            s.history
                .iter()
                .all(|e| event_ts(e) <= now + chrono::Duration::seconds(5))
        );
        assert!(s.live.iter().all(|e| event_ts(e) > now));
    }

    #[tokio::test]
    async fn backfill_then_live_then_send() {
        let (cmd_tx, cmd_rx) = tokio::sync::mpsc::channel(8);
        let (ev_tx, mut ev_rx) = tokio::sync::mpsc::channel(64);
        let script = sample_script(Utc::now(), Duration::from_millis(20)).expect("sample");
        let total = script.history.len();
        tokio::spawn(run(script, Duration::from_millis(20), cmd_rx, ev_tx));
        assert!(matches!(ev_rx.recv().await, Some(ChatEvent::Room(_))));
        assert!(matches!(
            ev_rx.recv().await,
            Some(ChatEvent::Connection(ConnState::Connected))
        ));
        cmd_tx
            .send(ChatCommand::Backfill(BackfillRequest::Last(10_000)))
            .await
            .expect("send");
        cmd_tx
            .send(ChatCommand::Send {
                txn_id: "t1".into(),
                body: "hello".into(),
                html: None,
                notice: true,
            })
            .await
            .expect("send");
        let (mut backfilled, mut live, mut sent) = (0, 0, false);
        while !(sent && live > 0 && backfilled > 0) {
            match ev_rx.recv().await.expect("event") {
                ChatEvent::Backfill {
                    events,
                    reached_start,
                    ..
                } => {
                    backfilled = events.len();
                    assert!(reached_start);
                }
                ChatEvent::Sent { txn_id, .. } => sent = txn_id == "t1",
                ChatEvent::Live(_) => live += 1,
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(backfilled, total);
    }
}
