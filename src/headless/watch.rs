//! `roomscribe watch ROOM`: forwards every forum item the rules route to ROOM as a notice, for
//! as long as it runs, through forum and homeserver outages, never twice: forwarded keys and the
//! last handled post are recorded atomically in `<data dir>/forwarded.json`, and each notice's
//! transaction id is derived from the item key, so a crash between sending and recording makes
//! the homeserver drop the resend instead of showing it twice.

use std::collections::{BTreeMap, HashMap, VecDeque};
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
    let mut record = Forwarded::load(&path)?;
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
        ));
        let mine = record.rooms.entry(room.clone()).or_default().clone();
        let opts = FeedOptions {
            poll_only,
            since_post: mine.last_post,
            ..FeedOptions::default()
        };
        let (_forum_cmd, forum_cmd_rx) = mpsc::channel(4);
        let (forum_ev_tx, mut forum_ev) = mpsc::channel(64);
        tokio::spawn(run_with(
            forum_client,
            rules,
            opts,
            forum_cmd_rx,
            forum_ev_tx,
        ));
        let mut watcher = Watcher {
            room,
            record,
            path,
            chat_cmd,
            notice_type,
            pending: HashMap::new(),
            chat_up: false,
        };
        let mut forum_up_once = false;
        loop {
            tokio::select! {
                ev = forum_ev.recv() => match ev {
                    Some(ForumEvent::Item(item)) => watcher.item(item).await?,
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
                ev = chat_ev.recv() => match ev {
                    Some(ChatEvent::Sent { txn_id, .. }) => watcher.sent(&txn_id)?,
                    Some(ChatEvent::Connection(s)) => watcher.chat_state(s).await,
                    Some(ChatEvent::Error(e)) => eprintln!("roomscribe: room: {e}"),
                    Some(_) => {}
                    None => bail!("the room task stopped"),
                },
                _ = tokio::signal::ctrl_c() => return Ok(()),
            }
        }
    })
}

struct Watcher {
    room: String,
    record: Forwarded,
    path: std::path::PathBuf,
    chat_cmd: mpsc::Sender<ChatCommand>,
    notice_type: bool,
    /// Sent but not confirmed: txn id → item. Resent (same txn) when the homeserver is back.
    pending: HashMap<String, ForumItem>,
    chat_up: bool,
}

impl Watcher {
    fn mine(&mut self) -> &mut RoomRecord {
        self.record.rooms.entry(self.room.clone()).or_default()
    }

    async fn item(&mut self, item: ForumItem) -> Result<()> {
        let routed = item.routes.iter().any(|r| same_room(r, &self.room));
        let done = self.mine().keys.contains(&item.key);
        if !routed || done {
            self.advance(item.post_id)?;
            return Ok(());
        }
        let txn = crate::discourse::forward::txn_id(&self.room, &item.key);
        self.send(&txn, &item).await;
        self.pending.insert(txn, item);
        Ok(())
    }

    async fn send(&self, txn: &str, item: &ForumItem) {
        let n = notice(item);
        let cmd = ChatCommand::Send {
            txn_id: txn.to_string(),
            body: n.plain,
            html: Some(n.html),
            notice: self.notice_type,
        };
        let _ = self.chat_cmd.send(cmd).await;
    }

    fn sent(&mut self, txn: &str) -> Result<()> {
        let Some(item) = self.pending.remove(txn) else {
            return Ok(());
        };
        println!("forwarded: {} — {}", item.title, item.url);
        let mine = self.mine();
        mine.keys.push_back(item.key.clone());
        while mine.keys.len() > KEEP_KEYS {
            mine.keys.pop_front();
        }
        self.advance(item.post_id)
    }

    fn advance(&mut self, post_id: Option<u64>) -> Result<()> {
        if let Some(id) = post_id {
            let mine = self.mine();
            mine.last_post = Some(mine.last_post.unwrap_or(0).max(id));
        }
        self.record.save(&self.path)
    }

    async fn chat_state(&mut self, state: ConnState) {
        eprintln!("roomscribe: room {}", forum::state_text(&state));
        let up = state == ConnState::Connected;
        if up && !self.chat_up {
            // Same transaction ids: whatever already arrived is not shown twice.
            for (txn, item) in &self.pending {
                self.send(txn, item).await;
            }
        }
        self.chat_up = up;
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
