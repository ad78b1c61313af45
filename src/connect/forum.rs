//! What the forum commands share: a client from flags/env/config or the stored User API key,
//! a runtime, and opening links in a browser when one is local.

use anyhow::{Context, Result, bail};

use crate::config::Options;
use crate::discourse::user_api_key::StoredKey;
use crate::discourse::{Auth, Client};
use crate::paths;

pub fn key_file() -> std::path::PathBuf {
    paths::data_dir().join("discourse-key.json")
}

/// The forum URL and how to authenticate: an admin key with a username, else a User API key
/// (flag/env/config, else the one `login discourse` stored), else anonymous. Runs a key's
/// command only when that key is the one to use.
pub fn connect(opts: &Options) -> Result<Client> {
    let stored = StoredKey::load(&key_file()).context("cannot read the stored forum key")?;
    let forum = opts
        .forum_url
        .clone()
        .or_else(|| stored.as_ref().map(|k| k.forum.clone()));
    let Some(forum) = forum else {
        bail!(
            "no forum: pass --forum URL, set ROOMSCRIBE_FORUM_URL or `[forum] url` in the config"
        );
    };
    let same_forum = |k: &StoredKey| k.forum.trim_end_matches('/') == forum.trim_end_matches('/');
    let user_key = || opts.secrets.forum_user_api_key();
    let auth = match (opts.secrets.forum_api_key()?, opts.forum_username.clone()) {
        (Some(key), Some(username)) => Auth::AdminKey { key, username },
        (Some(_), None) => {
            bail!("an admin API key needs --forum-username (the user to post as)")
        }
        (None, _) => match user_key()? {
            Some(key) => Auth::UserKey {
                key,
                client_id: stored
                    .as_ref()
                    .map(|k| k.client_id.clone())
                    .unwrap_or_else(|| "roomscribe".into()),
            },
            None => match stored.filter(same_forum) {
                Some(k) => Auth::UserKey {
                    key: k.key,
                    client_id: k.client_id,
                },
                None => Auth::Anonymous,
            },
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
        ConnState::Reconnecting {
            in_secs, attempt, ..
        } => {
            format!("unreachable; retry {attempt} in {in_secs} s")
        }
        ConnState::CachedOffline {
            in_secs, attempt, ..
        } => {
            format!("cached, offline; retry {attempt} in {in_secs} s")
        }
        ConnState::Offline { reason } => format!("offline: {reason}"),
    }
}
