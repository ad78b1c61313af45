//! `roomscribe watch ROOM`: forwards every forum item the rules route to ROOM as a notice, for
//! as long as it runs, through forum and homeserver outages, never twice: forwarded keys and the
//! last handled post are recorded atomically in `<data dir>/forwarded.json`, and each notice's
//! transaction id is derived from the item key, so a crash between sending and recording makes
//! the homeserver drop the resend instead of showing it twice. A notice is recorded as pending
//! before it is sent, so nothing advances past it until the homeserver confirmed it.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use super::{forum, matrix};
use crate::config::Options;
use crate::discourse::feed::{FeedOptions, run_with};
use crate::discourse::forward::notice;
use crate::discourse::types::{ForumEvent, ForumItem};
use crate::transcript::RoomRef;
use crate::transcript::model::{ChatCommand, ChatEvent, ConnState};

/// Keys kept per room: plenty to cover any restart window, small enough to rewrite often.
const KEEP_KEYS: usize = 5000;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Forwarded {
    #[serde(default)]
    pub rooms: BTreeMap<String, RoomRecord>,
}

#[derive(Debug, Default, Clone, Serialize, Deserialize)]
pub struct RoomRecord {
    /// The newest post handled for this room; a restart resumes after it.
    pub last_post: Option<u64>,
    pub keys: VecDeque<String>,
    /// Sent but not yet confirmed by the homeserver: resent after a restart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pending: Vec<ForumItem>,
}

impl Forwarded {
    /// Every key forwarded to `room` so far, whichever way the room was written.
    pub fn keys_for<'a>(&'a self, room: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.rooms
            .iter()
            .filter(move |(r, _)| same_room(r, room))
            .flat_map(|(_, rec)| rec.keys.iter())
    }

    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is damaged", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn save(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec(self)?;
        roomscribe_files::write_private(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

/// Two ROOM strings name the same room (`org/room` and `#org_room:gitter.im`, say).
pub fn same_room(a: &str, b: &str) -> bool {
    let id = |r: RoomRef| match r {
        RoomRef::Alias { alias, .. } => alias,
        RoomRef::Id { id, .. } => id,
    };
    match (RoomRef::parse(a), RoomRef::parse(b)) {
        (Ok(x), Ok(y)) => id(x) == id(y),
        _ => a == b,
    }
}

pub fn run(room: &str, opts: &Options) -> Result<()> {
    let config = &opts.file;
    if !config.rules.iter().any(|r| same_room(&r.room, room)) {
        bail!(
            "no notification rule sends anything to {room}; add one to the config, e.g.\n\
             [[rules]]\ncategory = \"support\"\nfilter = \"watch\"\nroom = \"{room}\""
        );
    }
    let room_ref = RoomRef::parse(room).map_err(|e| crate::error::usage(e.to_string()))?;
    let forum_client = forum::connect(opts)?;
    let path = crate::paths::data_dir().join("forwarded.json");
    let record = Forwarded::load(&path)?;
    let notice_type = !config.matrix.send_as_text;
    let rules = config.rules.clone();
    let poll_only = config.forum.poll_only;
    let room = room.to_string();
    matrix::runtime()?.block_on(async move {
        let chat = matrix::client(opts).await?;
        let (chat_cmd, chat_cmd_rx) = mpsc::channel(64);
        let (chat_ev_tx, mut chat_ev) = mpsc::channel(64);
        tokio::spawn(roomscribe_matrix::run(
            chat,
            room_ref,
            chat_cmd_rx,
            chat_ev_tx,
            opts.give_up_after,
        ));
        let (out_tx, mut out_rx) = mpsc::channel::<Outgoing>(64);
        let mut fw = Forwarder::new(vec![room.clone()], record, path, out_tx, notice_type);
        let opts = FeedOptions { poll_only, since_post: fw.resume_after(), ..FeedOptions::default() };
        let (_forum_cmd, forum_cmd_rx) = mpsc::channel(4);
        let (forum_ev_tx, mut forum_ev) = mpsc::channel(64);
        tokio::spawn(run_with(forum_client, rules, opts, forum_cmd_rx, forum_ev_tx));
        let mut forum_up_once = false;
        loop {
            tokio::select! {
                ev = forum_ev.recv() => match ev {
                    Some(ForumEvent::Item(item)) => fw.item(item).await?,
                    Some(ForumEvent::Connection(ConnState::Offline { reason }))
                        if !forum_up_once =>
                    {
                        bail!("{reason}")
                    }
                    Some(ForumEvent::Connection(s)) => {
                        forum_up_once |= s == ConnState::Connected;
                        eprintln!("roomscribe: forum {}", forum::state_text(&s));
                    }
                    Some(ForumEvent::Error(e)) => eprintln!("roomscribe: forum: {e}"),
                    Some(_) => {}
                    None => bail!("the forum task stopped"),
                },
                Some(out) = out_rx.recv() => {
                    let cmd = ChatCommand::Send { txn_id: out.txn_id, body: out.body, html: Some(out.html), notice: out.notice };
                    let _ = chat_cmd.send(cmd).await;
                }
                ev = chat_ev.recv() => match ev {
                    Some(ChatEvent::Sent { txn_id, .. }) => fw.sent(&txn_id)?,
                    Some(ChatEvent::Connection(s)) => {
                        eprintln!("roomscribe: room {}", forum::state_text(&s));
                        fw.chat_state(s == ConnState::Connected).await;
                    }
                    Some(ChatEvent::Error(e)) => eprintln!("roomscribe: room: {e}"),
                    Some(_) => {}
                    None => bail!("the room task stopped"),
                },
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    })
}

/// A notice to send into `room` (as the config names it).
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub room: String,
    pub txn_id: String,
    pub body: String,
    pub html: String,
    pub notice: bool,
}

/// Forwards routed forum items into one or more rooms (`watch` has one, the bot many). What is
/// sent but not confirmed is in the record (`pending`) before anything advances past it, so a
/// kill at any moment loses nothing: a restart resends it with the same transaction id.
pub struct Forwarder {
    rooms: Vec<String>,
    record: Forwarded,
    path: std::path::PathBuf,
    out: mpsc::Sender<Outgoing>,
    notice_type: bool,
    chat_up: bool,
}

impl Forwarder {
    pub fn new(
        rooms: Vec<String>,
        mut record: Forwarded,
        path: std::path::PathBuf,
        out: mpsc::Sender<Outgoing>,
        notice_type: bool,
    ) -> Self {
        for r in &rooms {
            record.rooms.entry(r.clone()).or_default();
        }
        Self {
            rooms,
            record,
            path,
            out,
            notice_type,
            chat_up: false,
        }
    }

    /// Where the feed resumes: after the oldest room's last handled post (items a room already
    /// has are skipped by key), None on a first run (start at "now").
    pub fn resume_after(&self) -> Option<u64> {
        let lasts: Vec<Option<u64>> = self.rooms.iter().map(|r| self.rec(r).last_post).collect();
        if lasts.iter().all(Option::is_none) {
            return None;
        }
        lasts.into_iter().map(|l| l.unwrap_or(0)).min()
    }

    fn rec(&self, room: &str) -> &RoomRecord {
        static EMPTY: RoomRecord = RoomRecord {
            last_post: None,
            keys: VecDeque::new(),
            pending: Vec::new(),
        };
        self.record.rooms.get(room).unwrap_or(&EMPTY)
    }

    fn rec_mut(&mut self, room: &str) -> &mut RoomRecord {
        self.record.rooms.entry(room.to_string()).or_default()
    }

    pub async fn item(&mut self, item: ForumItem) -> Result<()> {
        let mut to_send = Vec::new();
        for room in self.rooms.clone() {
            let routed = item.routes.iter().any(|r| same_room(r, &room));
            let rec = self.rec_mut(&room);
            let done =
                rec.keys.contains(&item.key) || rec.pending.iter().any(|p| p.key == item.key);
            if routed && !done {
                rec.pending.push(item.clone());
                to_send.push(room);
            } else if let Some(id) = item.post_id {
                // Nothing to send here: only now may this room's position move past the item.
                rec.last_post = Some(rec.last_post.unwrap_or(0).max(id));
            }
        }
        // Durable before the notice leaves: a kill after this point resends it.
        self.record.save(&self.path)?;
        for room in to_send {
            self.send(&room, &item).await;
        }
        Ok(())
    }

    async fn send(&self, room: &str, item: &ForumItem) {
        let n = notice(item);
        let out = Outgoing {
            room: room.to_string(),
            txn_id: crate::discourse::forward::txn_id(room, &item.key),
            body: n.plain,
            html: n.html,
            notice: self.notice_type,
        };
        let _ = self.out.send(out).await;
    }

    /// The homeserver accepted `txn`: the item is forwarded for good.
    pub fn sent(&mut self, txn: &str) -> Result<()> {
        for room in self.rooms.clone() {
            let rec = self.rec_mut(&room);
            let Some(at) = rec
                .pending
                .iter()
                .position(|p| crate::discourse::forward::txn_id(&room, &p.key) == txn)
            else {
                continue;
            };
            let item = rec.pending.remove(at);
            rec.keys.push_back(item.key.clone());
            while rec.keys.len() > KEEP_KEYS {
                rec.keys.pop_front();
            }
            // Safe to move past older pending notices: they are in the record and resent.
            if let Some(id) = item.post_id {
                rec.last_post = Some(rec.last_post.unwrap_or(0).max(id));
            }
            println!("forwarded: {}", crate::discourse::forward::summary(&item));
            return self.record.save(&self.path);
        }
        Ok(())
    }

    /// On (re)connection, everything pending is sent again (same transaction ids: whatever
    /// already arrived is not shown twice). This is also how a restart delivers what a kill left.
    pub async fn chat_state(&mut self, up: bool) {
        if up && !self.chat_up {
            self.resend_pending().await;
        }
        self.chat_up = up;
    }

    /// Everything not confirmed yet, sent again with the same transaction ids.
    pub async fn resend_pending(&self) {
        for room in &self.rooms {
            for item in self.rec(room).pending.clone() {
                self.send(room, &item).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_compare_by_meaning() {
        assert!(same_room("org/room", "#org_room:gitter.im"));
        assert!(!same_room("org/room", "org/other"));
    }

    #[test]
    fn keys_for_a_room_whichever_way_it_was_written() {
        let mut f = Forwarded::default();
        f.rooms
            .entry("org/room".into())
            .or_default()
            .keys
            .push_back("post:1".into());
        f.rooms
            .entry("org/other".into())
            .or_default()
            .keys
            .push_back("post:2".into());
        let keys: Vec<_> = f.keys_for("#org_room:gitter.im").collect();
        assert_eq!(keys, ["post:1"]);
    }

    #[test]
    fn record_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forwarded.json");
        let mut f = Forwarded::load(&path).unwrap();
        f.rooms
            .entry("r".into())
            .or_default()
            .keys
            .push_back("post:1".into());
        f.save(&path).unwrap();
        assert_eq!(
            Forwarded::load(&path).unwrap().rooms["r"].keys,
            vec!["post:1".to_string()]
        );
    }
}
