//! Another Matrix user acting through plain HTTP: what a second client in the room does.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

/// A registered, logged-in user on a test Synapse.
#[derive(Debug, Clone)]
pub struct TestUser {
    pub homeserver: String,
    pub user_id: String,
    pub localpart: String,
    pub password: String,
    pub access_token: String,
    pub(crate) http: reqwest::Client,
}

impl TestUser {
    /// One client-server API call; waits out `M_LIMIT_EXCEEDED` so seeding works on the
    /// rate-limited server too.
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value> {
        let url = format!("{}/_matrix/client/v3{path}", self.homeserver);
        for _ in 0..50 {
            let mut req = self
                .http
                .request(method.clone(), &url)
                .bearer_auth(&self.access_token);
            if let Some(b) = &body {
                req = req.json(b);
            }
            let resp = req.send().await?;
            let status = resp.status();
            let value: Value = resp.json().await.unwrap_or(Value::Null);
            if status.as_u16() == 429 {
                let ms = value["retry_after_ms"].as_u64().unwrap_or(500);
                tokio::time::sleep(Duration::from_millis(ms)).await;
                continue;
            }
            if !status.is_success() {
                bail!("{method} {path}: {status} {value}");
            }
            return Ok(value);
        }
        bail!("{method} {path}: still rate limited")
    }

    /// A GET on the client-server API, `path` after `/_matrix/client/v3`; ids in it must be
    /// percent-encoded (see [`encode`]).
    pub async fn get(&self, path: &str) -> Result<Value> {
        self.call(reqwest::Method::GET, path, None).await
    }

    /// Creates a room (public, unencrypted) with an optional alias localpart; returns its id.
    pub async fn create_room(&self, alias: Option<&str>) -> Result<String> {
        let mut body = json!({ "preset": "public_chat", "visibility": "private" });
        if let Some(a) = alias {
            body["room_alias_name"] = json!(a);
        }
        let v = self
            .call(reqwest::Method::POST, "/createRoom", Some(body))
            .await?;
        Ok(v["room_id"].as_str().context("no room_id")?.to_string())
    }

    pub async fn join(&self, room: &str) -> Result<String> {
        let path = format!("/join/{}", enc(room));
        let v = self
            .call(reqwest::Method::POST, &path, Some(json!({})))
            .await?;
        Ok(v["room_id"].as_str().context("no room_id")?.to_string())
    }

    /// Sends any room event with a fresh transaction id; returns the event id.
    pub async fn send(&self, room_id: &str, event_type: &str, content: Value) -> Result<String> {
        let txn = uuid::Uuid::new_v4().simple().to_string();
        let path = format!("/rooms/{}/send/{event_type}/{txn}", enc(room_id));
        let v = self
            .call(reqwest::Method::PUT, &path, Some(content))
            .await?;
        Ok(v["event_id"].as_str().context("no event_id")?.to_string())
    }

    /// Sends once without waiting out rate limits; returns the HTTP status (to prove a server's
    /// limits are real).
    pub async fn send_once(&self, room_id: &str, body: &str) -> Result<u16> {
        let txn = uuid::Uuid::new_v4().simple().to_string();
        let url = format!(
            "{}/_matrix/client/v3/rooms/{}/send/m.room.message/{txn}",
            self.homeserver,
            enc(room_id)
        );
        let resp = self
            .http
            .put(url)
            .bearer_auth(&self.access_token)
            .json(&json!({"msgtype": "m.text", "body": body}))
            .send()
            .await?;
        Ok(resp.status().as_u16())
    }

    /// A plain `m.text` message.
    pub async fn say(&self, room_id: &str, body: &str) -> Result<String> {
        self.send(
            room_id,
            "m.room.message",
            json!({ "msgtype": "m.text", "body": body }),
        )
        .await
    }

    pub async fn redact(&self, room_id: &str, event_id: &str) -> Result<String> {
        let txn = uuid::Uuid::new_v4().simple().to_string();
        let path = format!("/rooms/{}/redact/{}/{txn}", enc(room_id), enc(event_id));
        let v = self
            .call(reqwest::Method::PUT, &path, Some(json!({})))
            .await?;
        Ok(v["event_id"].as_str().context("no event_id")?.to_string())
    }

    pub async fn set_display_name(&self, name: &str) -> Result<()> {
        let path = format!("/profile/{}/displayname", enc(&self.user_id));
        self.call(
            reqwest::Method::PUT,
            &path,
            Some(json!({ "displayname": name })),
        )
        .await?;
        Ok(())
    }

    /// A one-time `m.login.token` for this user (what an SSO login hands the client), or None
    /// when the server does not offer minting them.
    pub async fn mint_login_token(&self) -> Result<Option<String>> {
        let url = format!("{}/_matrix/client/v1/login/get_token", self.homeserver);
        let resp = self
            .http
            .post(url)
            .bearer_auth(&self.access_token)
            .json(&json!({}))
            .send()
            .await?;
        if resp.status().as_u16() == 404 {
            return Ok(None);
        }
        let status = resp.status();
        let v: Value = resp.json().await?;
        if !status.is_success() {
            bail!("get_token: {status} {v}");
        }
        Ok(v["login_token"].as_str().map(str::to_string))
    }

    /// Changes the display name and waits until `room` shows it: Synapse copies profile changes
    /// into rooms in the background, so a message sent right after could still precede it.
    pub async fn rename_in(&self, room_id: &str, name: &str) -> Result<()> {
        self.set_display_name(name).await?;
        let path = format!(
            "/rooms/{}/state/m.room.member/{}",
            enc(room_id),
            enc(&self.user_id)
        );
        for _ in 0..200 {
            let member = self.call(reqwest::Method::GET, &path, None).await?;
            if member["displayname"].as_str() == Some(name) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        bail!("{room_id} never showed the new name {name}")
    }

    /// Replaces the room state event `event_type` (empty state key), e.g. power levels.
    pub async fn put_state(&self, room_id: &str, event_type: &str, content: Value) -> Result<()> {
        let path = format!("/rooms/{}/state/{event_type}/", enc(room_id));
        self.call(reqwest::Method::PUT, &path, Some(content))
            .await?;
        Ok(())
    }

    /// Uploads bytes to the media repository; returns the `mxc://` URI.
    pub async fn upload(&self, content_type: &str, bytes: Vec<u8>) -> Result<String> {
        let url = format!("{}/_matrix/media/v3/upload", self.homeserver);
        let resp = self
            .http
            .post(url)
            .bearer_auth(&self.access_token)
            .header("content-type", content_type)
            .body(bytes)
            .send()
            .await?;
        let status = resp.status();
        let v: Value = resp.json().await?;
        if !status.is_success() {
            bail!("upload: {status} {v}");
        }
        Ok(v["content_uri"]
            .as_str()
            .context("no content_uri")?
            .to_string())
    }
}

/// Percent-encodes a path segment (room ids, aliases and event ids contain `!#:$`).
pub fn encode(s: &str) -> String {
    enc(s)
}

fn enc(s: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    utf8_percent_encode(s, UNRESERVED).to_string()
}
