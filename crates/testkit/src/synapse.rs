//! The homeservers exported by `scripts/synapse`, and user registration on them.

use anyhow::{Context, Result, bail};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha1::Sha1;

use crate::user::TestUser;

/// One running Synapse: its base URL and registration secret.
#[derive(Debug, Clone)]
pub struct Synapse {
    pub url: String,
    secret: String,
}

/// The Synapse with relaxed rate limits, or `None` (after saying so on stderr) when the tests run
/// without one. Panics instead when `ROOMSCRIBE_REQUIRE_SYNAPSE=1`, so CI cannot skip silently.
pub fn require_synapse() -> Option<Synapse> {
    from_env(
        "ROOMSCRIBE_TEST_HOMESERVER",
        "ROOMSCRIBE_TEST_REGISTRATION_SECRET",
    )
}

/// The Synapse with low rate limits (a burst of 3, then 1 per second), for the 429 tests.
pub fn require_limited_synapse() -> Option<Synapse> {
    from_env(
        "ROOMSCRIBE_TEST_HOMESERVER_LIMITED",
        "ROOMSCRIBE_TEST_REGISTRATION_SECRET_LIMITED",
    )
}

fn from_env(url_var: &str, secret_var: &str) -> Option<Synapse> {
    let url = std::env::var(url_var).ok().filter(|v| !v.is_empty());
    let secret = std::env::var(secret_var).ok().filter(|v| !v.is_empty());
    match (url, secret) {
        (Some(url), Some(secret)) => Some(Synapse {
            url: url.trim_end_matches('/').to_string(),
            secret,
        }),
        _ => {
            if std::env::var("ROOMSCRIBE_REQUIRE_SYNAPSE").as_deref() == Ok("1") {
                panic!(
                    "{url_var}/{secret_var} are not set but ROOMSCRIBE_REQUIRE_SYNAPSE=1: run the tests through scripts/test"
                );
            }
            eprintln!(
                "SKIPPED: {url_var} is not set; this test needs a real Synapse (run scripts/test)"
            );
            None
        }
    }
}

impl Synapse {
    /// Registers a fresh user whose name starts with `prefix` (made unique, so tests never meet)
    /// and returns it logged in.
    pub async fn register(&self, prefix: &str) -> Result<TestUser> {
        let suffix = uuid::Uuid::new_v4().simple().to_string();
        let localpart = format!("{}-{}", prefix.to_lowercase(), &suffix[..12]);
        let password = format!("pw-{suffix}");
        let http = reqwest::Client::new();
        let endpoint = format!("{}/_synapse/admin/v1/register", self.url);
        let nonce: Value = http.get(&endpoint).send().await?.json().await?;
        let nonce = nonce["nonce"].as_str().context("no nonce")?.to_string();
        let mac = registration_mac(&self.secret, &nonce, &localpart, &password, false)?;
        let resp = http
            .post(&endpoint)
            .json(&json!({
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": false,
                "mac": mac,
            }))
            .send()
            .await?;
        let status = resp.status();
        let body: Value = resp.json().await?;
        if !status.is_success() {
            bail!("registering {localpart}: {status} {body}");
        }
        Ok(TestUser {
            homeserver: self.url.clone(),
            user_id: body["user_id"].as_str().context("no user_id")?.to_string(),
            localpart,
            password,
            access_token: body["access_token"]
                .as_str()
                .context("no access_token")?
                .to_string(),
            http,
        })
    }
}

/// HMAC-SHA1 over `nonce\0user\0password\0notadmin|admin`, hex: Synapse's shared-secret rule.
fn registration_mac(
    secret: &str,
    nonce: &str,
    user: &str,
    password: &str,
    admin: bool,
) -> Result<String> {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes())?;
    for (i, part) in [nonce, user, password].iter().enumerate() {
        if i > 0 {
            mac.update(b"\0");
        }
        mac.update(part.as_bytes());
    }
    mac.update(b"\0");
    mac.update(if admin {
        b"admin" as &[u8]
    } else {
        b"notadmin"
    });
    Ok(hex::encode(mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mac_matches_synapse_example() {
        // Computed independently with Python's hmac module for these inputs.
        let mac = registration_mac("secret", "abc", "bob", "pw", false).unwrap();
        assert_eq!(mac, "8ea9b87daa4e529ce4a0832f09be19bbe837a0af");
    }
}
