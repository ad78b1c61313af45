//! The stored session (`matrix-session.json`, mode 0600): enough to restore a logged-in client
//! without asking again, including the refresh token and the OAuth client id.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::authentication::oauth::{ClientId, OAuthSession, UserSession};
use matrix_sdk::ruma::api::MatrixVersion;
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::{AuthSession, Client, SessionChange, SessionMeta, SessionTokens};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredSession {
    pub homeserver: String,
    pub user_id: String,
    pub device_id: String,
    access_token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    refresh_token: Option<String>,
    /// Set when the session came from OAuth 2.0 (MAS): refreshes go to its token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    oauth_client_id: Option<String>,
    /// What was learnt on earlier starts, so the next one need not ask again.
    #[serde(default, skip_serializing_if = "Known::is_empty")]
    known: Known,
}

/// The server's versions and the rooms we are in, as last seen.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct Known {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    server_versions: Vec<String>,
    /// ROOM as the user writes it (alias or id) → the id of the room we are joined to.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    rooms: BTreeMap<String, String>,
}

impl Known {
    fn is_empty(&self) -> bool {
        self.server_versions.is_empty() && self.rooms.is_empty()
    }
}

/// Tokens stay out of debug output (and so out of logs).
impl std::fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredSession")
            .field("homeserver", &self.homeserver)
            .field("user_id", &self.user_id)
            .field("device_id", &self.device_id)
            .field("oauth", &self.oauth_client_id.is_some())
            .finish_non_exhaustive()
    }
}

fn session_err(path: &Path, msg: impl ToString) -> Error {
    Error::Session(path.display().to_string(), msg.to_string())
}

impl StoredSession {
    /// The logged-in client's session; None when it is not logged in.
    pub fn from_client(client: &Client) -> Option<Self> {
        let homeserver = client.homeserver().to_string();
        match client.session()? {
            AuthSession::Matrix(s) => Some(Self {
                homeserver,
                user_id: s.meta.user_id.to_string(),
                device_id: s.meta.device_id.to_string(),
                access_token: s.tokens.access_token,
                refresh_token: s.tokens.refresh_token,
                oauth_client_id: None,
                known: Known::default(),
            }),
            AuthSession::OAuth(s) => Some(Self {
                homeserver,
                user_id: s.user.meta.user_id.to_string(),
                device_id: s.user.meta.device_id.to_string(),
                access_token: s.user.tokens.access_token,
                refresh_token: s.user.tokens.refresh_token,
                oauth_client_id: Some(s.client_id.as_str().to_string()),
                known: Known::default(),
            }),
            _ => None,
        }
    }

    /// None when there is no file yet.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(session_err(path, e)),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            session_err(
                path,
                format!("unreadable ({e}); run `roomscribe login matrix` again"),
            )
        })
    }

    /// Writes through the one atomic writer (0600, a crash leaves the old session intact):
    /// also used by the background token refresh, which must never lose the login.
    pub fn save(&self, path: &Path) -> Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(|e| session_err(path, e))?;
        roomscribe_files::write_private(path, text.as_bytes()).map_err(|e| session_err(path, e))
    }

    /// The server's versions as last seen; empty when never seen.
    pub fn server_versions(&self) -> Vec<MatrixVersion> {
        let parsed = self.known.server_versions.iter();
        parsed
            .filter_map(|v| MatrixVersion::try_from(v.as_str()).ok())
            .collect()
    }

    /// The id of the room ROOM named when we were last in it.
    pub fn room_id_for(&self, room: &str) -> Option<&str> {
        self.known.rooms.get(room).map(String::as_str)
    }

    /// Adds what was learnt to the file at `path`, read again first so tokens refreshed
    /// meanwhile are kept. Nothing is written when nothing is new.
    pub fn remember(
        path: &Path,
        versions: Option<&[MatrixVersion]>,
        room: Option<(&str, &str)>,
    ) -> Result<()> {
        let Some(mut stored) = Self::load(path)? else {
            return Ok(());
        };
        let before = stored.known.clone();
        if let Some(v) = versions {
            stored.known.server_versions = v
                .iter()
                .filter_map(|v| v.as_str())
                .map(str::to_string)
                .collect();
        }
        if let Some((room, id)) = room {
            stored.known.rooms.insert(room.to_string(), id.to_string());
        }
        if stored.known == before {
            return Ok(());
        }
        stored.save(path)
    }

    /// Activates the session on a fresh client for the same homeserver.
    pub async fn restore(&self, client: &Client) -> Result<()> {
        let meta = SessionMeta {
            user_id: self
                .user_id
                .as_str()
                .try_into()
                .map_err(|_| Error::Session("stored session".into(), "bad user id".into()))?,
            device_id: self.device_id.as_str().into(),
        };
        let tokens = SessionTokens {
            access_token: self.access_token.clone(),
            refresh_token: self.refresh_token.clone(),
        };
        let restored = match &self.oauth_client_id {
            Some(id) => {
                let session = OAuthSession {
                    client_id: ClientId::new(id.clone()),
                    user: UserSession { meta, tokens },
                };
                client
                    .oauth()
                    .restore_session(session, RoomLoadSettings::default())
                    .await
            }
            None => {
                client
                    .matrix_auth()
                    .restore_session(MatrixSession { meta, tokens }, RoomLoadSettings::default())
                    .await
            }
        };
        restored.map_err(|e| Error::Login(crate::error::describe(&e)))
    }
}

/// Keeps the file current when the SDK refreshes the tokens (OAuth sessions expire quickly).
pub fn persist_refreshed_tokens(client: &Client, path: PathBuf) {
    let mut changes = client.subscribe_to_session_changes();
    let client = client.clone();
    tokio::spawn(async move {
        while let Ok(change) = changes.recv().await {
            if let SessionChange::TokensRefreshed = change
                && let Some(mut s) = StoredSession::from_client(&client)
                && let Err(e) = {
                    if let Ok(Some(old)) = StoredSession::load(&path) {
                        s.known = old.known;
                    }
                    s.save(&path)
                }
            {
                tracing::warn!("cannot save refreshed Matrix session: {e}");
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> StoredSession {
        StoredSession {
            homeserver: "https://hs.example/".into(),
            user_id: "@bob:hs.example".into(),
            device_id: "DEV".into(),
            access_token: "secret-access".into(),
            refresh_token: Some("secret-refresh".into()),
            oauth_client_id: None,
            known: Known::default(),
        }
    }

    #[test]
    fn what_was_learnt_is_kept_with_the_session_and_older_files_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("matrix-session.json");
        sample().save(&path).unwrap();
        let versions = [MatrixVersion::V1_1, MatrixVersion::V1_12];
        StoredSession::remember(
            &path,
            Some(&versions),
            Some(("#r:hs.example", "!id:hs.example")),
        )
        .unwrap();
        let loaded = StoredSession::load(&path).unwrap().unwrap();
        assert_eq!(loaded.server_versions(), versions);
        assert_eq!(loaded.room_id_for("#r:hs.example"), Some("!id:hs.example"));
        assert_eq!(loaded.room_id_for("#other:hs.example"), None);
        // A file written before these were kept has none of them.
        let old = r#"{"homeserver":"https://hs.example/","user_id":"@bob:hs.example","device_id":"DEV","access_token":"t"}"#;
        std::fs::write(&path, old).unwrap();
        let loaded = StoredSession::load(&path).unwrap().unwrap();
        assert!(loaded.server_versions().is_empty());
    }

    #[test]
    fn save_load_round_trip_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/matrix-session.json");
        assert_eq!(StoredSession::load(&path).unwrap(), None);
        sample().save(&path).unwrap();
        assert_eq!(StoredSession::load(&path).unwrap(), Some(sample()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn debug_hides_tokens() {
        let text = format!("{:?}", sample());
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("@bob:hs.example"));
    }

    #[test]
    fn corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("matrix-session.json");
        std::fs::write(&path, "{not json").unwrap();
        let err = StoredSession::load(&path).unwrap_err().to_string();
        assert!(err.contains("login matrix"), "{err}");
    }
}
