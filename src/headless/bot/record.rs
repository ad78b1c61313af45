//! What the bot has done, in `<data dir>/bot.json`: the sync position and, per command event
//! id, how far handling got. Written atomically before and after publishing, so a kill at any
//! moment neither loses a command nor handles one twice.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Commands remembered; older ones are before the stored position and never come back.
const KEEP: usize = 2000;

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct BotRecord {
    /// The sync position after the last batch fully handled.
    pub position: Option<String>,
    #[serde(default)]
    pub commands: BTreeMap<String, Handled>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Handled {
    pub room: String,
    pub ts: DateTime<Utc>,
    pub stage: Stage,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "snake_case")]
pub enum Stage {
    /// About to publish this exact topic as `forum_user`: after a kill, look for it before
    /// posting again.
    Publishing {
        forum_user: String,
        title: String,
        raw: String,
        category_id: Option<u64>,
        tags: Vec<String>,
        /// The selection's `external_id`: the client's exactly-once publish finds a topic an
        /// earlier (killed) run created instead of posting again.
        #[serde(default)]
        external_id: Option<String>,
        /// What the success reply adds (e.g. the zone times were read in).
        note: String,
    },
    /// The answer is decided; the reply may not have reached the room yet.
    Replying {
        text: String,
        /// The command's thread, so a resend lands in it too.
        #[serde(default)]
        thread: Option<String>,
    },
    Done,
}

impl BotRecord {
    pub fn load(path: &Path) -> Result<Self> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is damaged", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn save(&mut self, path: &Path) -> Result<()> {
        if self.commands.len() > KEEP {
            let mut by_age: Vec<(DateTime<Utc>, String)> = self
                .commands
                .iter()
                .map(|(id, h)| (h.ts, id.clone()))
                .collect();
            by_age.sort();
            for (_, id) in by_age.iter().take(self.commands.len() - KEEP) {
                self.commands.remove(id);
            }
        }
        let bytes = serde_json::to_vec(self)?;
        roomscribe_files::write_private(path, &bytes)
            .with_context(|| format!("cannot write {}", path.display()))
    }

    pub fn set(&mut self, event_id: &str, room: &str, ts: DateTime<Utc>, stage: Stage) {
        self.commands.insert(
            event_id.to_string(),
            Handled {
                room: room.to_string(),
                ts,
                stage,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bot.json");
        let mut r = BotRecord::load(&path).unwrap();
        r.position = Some("s1".into());
        r.set("$e", "!r:hs", Utc::now(), Stage::Done);
        r.save(&path).unwrap();
        let back = BotRecord::load(&path).unwrap();
        assert_eq!(back.position.as_deref(), Some("s1"));
        assert_eq!(back.commands["$e"].stage, Stage::Done);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
