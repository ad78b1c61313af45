//! Who may ask: the Matrix sender's forum account (the `[users]` map, else the same
//! localpart), which must be forum staff (`[bot] allow`) and, optionally, have a minimum power
//! level in the room. Every refusal is one short line for the room.

use std::collections::BTreeMap;

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
