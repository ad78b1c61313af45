//! Who may ask: the Matrix sender's forum account (the `[users]` map, else the same
//! localpart), which must be forum staff (`[bot] allow`) and, optionally, have a minimum power
//! level in the room. Every refusal is one short line for the room.

use std::collections::BTreeMap;

use roomscribe_matrix::matrix_sdk::Client as ChatClient;
use roomscribe_matrix::matrix_sdk::ruma::OwnedRoomId;
use roomscribe_matrix::power_level;
use serde_json::Value;

use crate::discourse::{Client, ForumError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allow {
    Admins,
    Staff,
}

impl Allow {
    pub fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "admins" => Some(Self::Admins),
            "staff" => Some(Self::Staff),
            _ => None,
        }
    }
}

/// The forum username for a Matrix sender: its `[users]` entry (by id or localpart), else the
/// localpart itself.
pub fn forum_username(sender: &str, users: &BTreeMap<String, String>) -> String {
    let local = roomscribe_matrix::convert::localpart(sender);
    users
        .get(sender)
        .or_else(|| users.get(&local))
        .or_else(|| users.get(&format!("@{local}")))
        .cloned()
        .unwrap_or(local)
}

/// Ok when `username` is staff enough on the forum; else the reason, for the room.
pub async fn check_staff(admin: &Client, username: &str, allow: Allow) -> Result<(), String> {
    let valid = !username.is_empty()
        && username
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'));
    if !valid {
        return Err(format!(
            "{username:?} cannot be a forum username; ask an admin to map you in the bot's [users]"
        ));
    }
    let page: Value = match admin.get(&format!("/u/{username}.json")).await {
        Ok(v) => v,
        Err(ForumError::NotFound(_)) => {
            return Err(format!(
                "there is no forum account {username}; only forum staff may ask for transcripts"
            ));
        }
        Err(e) => return Err(format!("could not check your forum account: {e}")),
    };
    let flag = |k: &str| page["user"][k].as_bool().unwrap_or(false);
    let ok = match allow {
        Allow::Admins => flag("admin"),
        Allow::Staff => flag("admin") || flag("moderator"),
    };
    if ok {
        Ok(())
    } else {
        let who = match allow {
            Allow::Admins => "forum admins",
            Allow::Staff => "forum staff (admins and moderators)",
        };
        Err(format!(
            "only {who} may ask for transcripts; forum user {username} is not"
        ))
    }
}

/// Who sent a command, as whom they would post, and where.
pub struct Asker<'a> {
    pub sender: &'a str,
    pub forum_user: &'a str,
    pub room: &'a str,
}

/// Why `who` may not ask (forum staff, then the room power level), None when they may.
pub async fn refusal(
    admin: &Client,
    chat: &ChatClient,
    who: &Asker<'_>,
    opts: &super::handle::Options,
) -> Option<String> {
    if let Err(why) = check_staff(admin, who.forum_user, opts.allow).await {
        return Some(why);
    }
    let min = opts.min_power_level?;
    let room_id = OwnedRoomId::try_from(who.room).ok()?;
    match power_level(chat, &room_id, who.sender).await {
        Ok(level) if level >= min => None,
        Ok(level) => Some(format!(
            "this needs power level {min} in the room (you have {level})"
        )),
        Err(e) => Some(format!("cannot read the room's power levels: {e}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_from_the_map_or_the_localpart() {
        let mut users = BTreeMap::new();
        users.insert("@bob:gitter.im".to_string(), "robert".to_string());
        assert_eq!(forum_username("@bob:gitter.im", &users), "robert");
        assert_eq!(forum_username("@carol:gitter.im", &users), "carol");
        assert_eq!(Allow::parse("Staff"), Some(Allow::Staff));
        assert_eq!(Allow::parse("everyone"), None);
    }
}
