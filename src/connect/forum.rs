//! What the forum commands share: a client from flags/env/config or the stored User API key,
//! a runtime, and opening links in a browser when one is local.

use anyhow::{Context, Result, bail};

use crate::cli::Global;
use crate::config::{Config, Settings};
use crate::discourse::user_api_key::StoredKey;
use crate::discourse::{Auth, Client};
use crate::paths;

pub fn key_file() -> std::path::PathBuf {
    paths::data_dir().join("discourse-key.json")
}

/// The forum URL and how to authenticate: an admin key with a username, else a User API key
/// (flag/env/config, else the one `login discourse` stored), else anonymous.
pub fn connect(global: &Global, config: &Config) -> Result<Client> {
    let settings = Settings::resolve(global, config)?;
    let stored = StoredKey::load(&key_file()).context("cannot read the stored forum key")?;
    let forum = settings
        .forum_url
        .clone()
        .or_else(|| stored.as_ref().map(|k| k.forum.clone()));
    let Some(forum) = forum else {
        bail!(
            "no forum: pass --forum URL, set ROOMSCRIBE_FORUM_URL or `[forum] url` in the config"
        );
    };
    let same_forum = |k: &StoredKey| k.forum.trim_end_matches('/') == forum.trim_end_matches('/');
    let auth = match (
        settings.forum_api_key,
        settings.forum_username,
        settings.forum_user_api_key,
    ) {
        (Some(key), Some(username), _) => Auth::AdminKey { key, username },
        (Some(_), None, _) => {
            bail!("an admin API key needs --forum-username (the user to post as)")
        }
        (None, _, Some(key)) => Auth::UserKey {
            key,
            client_id: stored
                .as_ref()
                .map(|k| k.client_id.clone())
                .unwrap_or_else(|| "roomscribe".into()),
        },
        (None, _, None) => match stored.filter(same_forum) {
            Some(k) => Auth::UserKey {
                key: k.key,
                client_id: k.client_id,
            },
            None => Auth::Anonymous,
        },
    };
    Ok(Client::new(&forum, auth)?)
}

pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

pub fn state_text(state: &crate::transcript::model::ConnState) -> String {
    use crate::transcript::model::ConnState;
    match state {
        ConnState::Connecting => "connecting…".into(),
        ConnState::Connected => "connected".into(),
        ConnState::Reconnecting { in_secs, attempt } => {
            format!("unreachable; retry {attempt} in {in_secs} s")
        }
        ConnState::Offline { reason } => format!("offline: {reason}"),
    }
}
