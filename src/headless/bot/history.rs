//! The messages a command selects from: the room's history up to the command, without the
//! command, earlier commands or the bot's own messages; by reply (from the replied-to message
//! on) or by thread (that thread) when the command says so, else by the spec, using the one
//! select code.

use anyhow::Result;
use chrono::Duration;
use roomscribe_matrix::Backfiller;
use roomscribe_matrix::matrix_sdk::Client;
use roomscribe_matrix::matrix_sdk::ruma::OwnedRoomId;

use super::command::is_command;
use crate::transcript::model::{BackfillRequest, ChatMessage, TimelineEvent};
use crate::transcript::{Filter, Range, Spec, Timeline, Transcript, by_hand, select};

/// Never page back further than this many events for one command.
const MAX_EVENTS: usize = 20_000;
/// A guess (no range) looks at this many earlier messages.
const GUESS_WINDOW: usize = 300;

/// Who and what is left out of every transcript.
pub struct Exclude<'a> {
    pub prefix: &'a str,
    pub bot_user: &'a str,
}

impl Exclude<'_> {
    fn drops(&self, m: &ChatMessage) -> bool {
        m.sender == self.bot_user || is_command(&m.body, self.prefix)
    }
}

/// History from the newest event back until `cmd` and enough before it are in.
pub async fn fetch(
    client: &Client,
    room_id: &OwnedRoomId,
    cmd: &ChatMessage,
    spec: &Spec,
    ex: &Exclude<'_>,
) -> Result<Vec<TimelineEvent>> {
    let mut filler = Backfiller::new(client.clone(), room_id.clone(), None);
    let req = BackfillRequest::Last(MAX_EVENTS);
    let mut pages: Vec<Vec<TimelineEvent>> = Vec::new();
    let mut fetched = 0;
    loop {
        let step = filler.step(&req, fetched).await?;
        fetched = step.fetched;
        pages.push(step.events);
        let all: Vec<TimelineEvent> = pages.iter().rev().flatten().cloned().collect();
        if step.done || enough(&all, cmd, spec, ex) {
            return Ok(before_command(all, cmd, ex));
        }
    }
}

fn enough(all: &[TimelineEvent], cmd: &ChatMessage, spec: &Spec, ex: &Exclude<'_>) -> bool {
    let Some(at) = all.iter().position(|e| is_event(e, &cmd.event_id)) else {
        return false;
    };
    let earlier = || {
        all[..at].iter().filter_map(|e| match e {
            TimelineEvent::Message(m) if !ex.drops(m) => Some(m),
            _ => None,
        })
    };
    if let Some(root) = &cmd.thread_id {
        return earlier().any(|m| &m.event_id == root);
    }
    if let Some(target) = &cmd.reply_to {
        return earlier().any(|m| &m.event_id == target);
    }
    match &spec.range {
        Range::Last(n) => earlier().count() > *n,
        Range::Between { from, .. } => earlier().next().is_some_and(|m| m.ts < *from),
        Range::Guess => earlier().count() > GUESS_WINDOW,
        // `thread:$id` in a command: the root must be among what was fetched.
        Range::Thread(root) => earlier().any(|m| &m.event_id == root),
    }
}

fn is_event(e: &TimelineEvent, id: &str) -> bool {
    matches!(e, TimelineEvent::Message(m) if m.event_id == id)
}

/// Messages before the command (edits and redactions of them may come later), minus commands
/// and the bot's own.
fn before_command(
    all: Vec<TimelineEvent>,
    cmd: &ChatMessage,
    ex: &Exclude<'_>,
) -> Vec<TimelineEvent> {
    let mut out = Vec::with_capacity(all.len());
    let mut after = false;
    for e in all {
        match &e {
            TimelineEvent::Message(m) if m.event_id == cmd.event_id => after = true,
            TimelineEvent::Message(_) if after => {}
            TimelineEvent::Message(m) if ex.drops(m) => {}
            _ => out.push(e),
        }
    }
    out
}

/// The transcript a command asks for. In a thread: that thread (all of it unless the spec
/// narrows it); as a reply: from the replied-to message to the command; else the spec.
pub fn choose<'a>(
    tl: &'a Timeline,
    cmd: &ChatMessage,
    spec: &Spec,
    gap: Duration,
) -> Transcript<'a> {
    let gap = spec.gap.unwrap_or(gap);
    let filter = Filter::new(&spec.ignore);
    if cmd.thread_id.is_none()
        && let Some(target) = &cmd.reply_to
        && let Some(start) = tl.iter().position(|m| &m.event_id == target)
        && !tl.is_empty()
    {
        return by_hand(tl, start, tl.len() - 1, &filter, gap);
    }
    if cmd.thread_id.is_some() && spec.range == Range::Guess && !tl.is_empty() {
        return by_hand(tl, 0, tl.len() - 1, &filter, gap);
    }
    select(tl, spec, gap)
}

/// Keeps only the thread `root` (the root and its replies in the thread).
pub fn only_thread(events: Vec<TimelineEvent>, root: &str) -> Vec<TimelineEvent> {
    events
        .into_iter()
        .filter(|e| match e {
            TimelineEvent::Message(m) => m.event_id == root || m.thread_id.as_deref() == Some(root),
            _ => true,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};

    use super::*;
    use crate::transcript::model::{Edit, MessageKind};

    fn msg(id: &str, sender: &str, body: &str, min: u32) -> ChatMessage {
        ChatMessage {
            event_id: id.into(),
            room: "!r:hs".into(),
            sender: sender.into(),
            sender_name: sender.trim_start_matches('@').into(),
            ts: Utc.with_ymd_and_hms(2026, 1, 1, 10, min, 0).unwrap(),
            kind: MessageKind::Text,
            body: body.into(),
            html: None,
            edited: false,
            redacted: false,
            reply_to: None,
            thread_id: None,
        }
    }

    fn ev(m: &ChatMessage) -> TimelineEvent {
        TimelineEvent::Message(m.clone())
    }

    #[test]
    fn commands_the_bot_and_later_messages_are_left_out_but_later_edits_apply() {
        let ex = Exclude {
            prefix: "!transcript",
            bot_user: "@bot:hs",
        };
        let a = msg("$a", "@sara:hs", "first", 1);
        let old_cmd = msg("$c0", "@sara:hs", "!transcript last:1", 2);
        let bot = msg("$b", "@bot:hs", "published …", 3);
        let b = msg("$bb", "@tom:hs", "second", 4);
        let cmd = msg("$c", "@sara:hs", "!transcript last:5", 5);
        let later = msg("$l", "@tom:hs", "after the command", 6);
        let edit = TimelineEvent::Edit(Edit {
            event_id: "$e".into(),
            target: "$a".into(),
            sender: "@sara:hs".into(),
            ts: Utc.with_ymd_and_hms(2026, 1, 1, 10, 7, 0).unwrap(),
            body: "first, edited".into(),
            html: None,
        });
        let all = vec![
            ev(&a),
            ev(&old_cmd),
            ev(&bot),
            ev(&b),
            ev(&cmd),
            ev(&later),
            edit,
        ];
        let kept = before_command(all, &cmd, &ex);
        let tl = Timeline::from_events(kept);
        let bodies: Vec<&str> = tl.iter().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["first, edited", "second"]);
    }

    #[test]
    fn a_reply_selects_from_its_target() {
        let a = msg("$a", "@sara:hs", "before", 1);
        let b = msg("$b", "@tom:hs", "start here", 2);
        let c = msg("$c", "@sara:hs", "end", 3);
        let tl = Timeline::from_events([ev(&a), ev(&b), ev(&c)]);
        let mut cmd = msg("$cmd", "@sara:hs", "!transcript", 4);
        cmd.reply_to = Some("$b".into());
        let t = choose(&tl, &cmd, &Spec::default(), Duration::minutes(5));
        let bodies: Vec<&str> = t.messages().map(|m| m.body.as_str()).collect();
        assert_eq!(bodies, ["start here", "end"]);
    }
}
