//! Discourse's User API key flow: we make an RSA key pair, send the user to
//! `/user-api-key/new` with our public key and a nonce; after approval Discourse shows a payload
//! (base64 of our-public-key-encrypted JSON `{key, nonce, push, api}`) that the user pastes back.
//! No redirect is needed, so it works over SSH.

use std::path::Path;

use base64::Engine;
use rand::Rng;
use rsa::pkcs8::{EncodePublicKey, LineEnding};
use rsa::{Pkcs1v15Encrypt, RsaPrivateKey};
use serde::{Deserialize, Serialize};
use url::Url;

use crate::error::{ForumError, Result};

pub const SCOPES: &str = "read,write,message_bus,notifications,session_info";
const APPLICATION_NAME: &str = "roomscribe";

/// One pending request: keep it until the payload comes back.
pub struct KeyRequest {
    private_key: RsaPrivateKey,
    pub nonce: String,
    pub client_id: String,
}

/// What we store (0600) and use afterwards. Debug never shows the key.
#[derive(Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct StoredKey {
    pub forum: String,
    pub key: String,
    pub client_id: String,
}

impl std::fmt::Debug for StoredKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "StoredKey({}, client {})", self.forum, self.client_id)
    }
}

#[derive(Deserialize)]
struct Payload {
    key: String,
    nonce: String,
}

fn random_hex(bytes: usize) -> String {
    let mut rng = rand::thread_rng();
    (0..bytes)
        .map(|_| format!("{:02x}", rng.r#gen::<u8>()))
        .collect()
}

impl KeyRequest {
    /// 2048 bits is what Discourse's own clients use; tests may use fewer for speed.
    pub fn generate(bits: usize) -> Result<Self> {
        let private_key = RsaPrivateKey::new(&mut rand::thread_rng(), bits)
            .map_err(|e| ForumError::Config(format!("cannot make an RSA key: {e}")))?;
        Ok(Self {
            private_key,
            nonce: random_hex(16),
            client_id: format!("roomscribe-{}", random_hex(12)),
        })
    }

    pub fn public_key_pem(&self) -> Result<String> {
        self.private_key
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| ForumError::Config(format!("cannot encode the public key: {e}")))
    }

    /// The page the user opens to approve the key.
    pub fn authorize_url(&self, base: &str) -> Result<String> {
        let mut url = Url::parse(&format!("{}/user-api-key/new", base.trim_end_matches('/')))
            .map_err(|e| ForumError::Config(format!("forum URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("application_name", APPLICATION_NAME)
            .append_pair("client_id", &self.client_id)
            .append_pair("scopes", SCOPES)
            .append_pair("public_key", &self.public_key_pem()?)
            .append_pair("nonce", &self.nonce);
        Ok(url.to_string())
    }

    /// Decrypts the pasted payload and checks it answers this request.
    pub fn accept(&self, forum: &str, pasted: &str) -> Result<StoredKey> {
        let compact: String = pasted.chars().filter(|c| !c.is_whitespace()).collect();
        let bad = |why: &str| ForumError::Config(format!("that payload is not valid: {why}"));
        let cipher = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| bad("not base64 (copy the whole text Discourse shows)"))?;
        let plain = self
            .private_key
            .decrypt(Pkcs1v15Encrypt, &cipher)
            .map_err(|_| bad("it was made for another request (start `login discourse` again)"))?;
        let payload: Payload =
            serde_json::from_slice(&plain).map_err(|_| bad("unexpected content"))?;
        if payload.nonce != self.nonce {
            return Err(bad("the nonce does not match this request"));
        }
        Ok(StoredKey {
            forum: forum.trim_end_matches('/').to_string(),
            key: payload.key,
            client_id: self.client_id.clone(),
        })
    }
}

impl StoredKey {
    /// Writes atomically with mode 0600 (the file holds a secret).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        roomscribe_files::write_private(path, &text)
    }

    pub fn load(path: &Path) -> std::io::Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::RsaPublicKey;
    use rsa::pkcs8::DecodePublicKey;

    fn encrypt_like_discourse(req: &KeyRequest, json: &str) -> String {
        let public = RsaPublicKey::from_public_key_pem(&req.public_key_pem().unwrap()).unwrap();
        let cipher = public
            .encrypt(&mut rand::thread_rng(), Pkcs1v15Encrypt, json.as_bytes())
            .unwrap();
        // Discourse wraps the base64 text; the user pastes it with line breaks.
        let b64 = base64::engine::general_purpose::STANDARD.encode(cipher);
        let (a, b) = b64.split_at(40);
        format!("  {a}\n{b}\n")
    }

    #[test]
    fn decrypts_and_checks_the_nonce() {
        let req = KeyRequest::generate(1024).unwrap();
        let good = format!(
            r#"{{"key":"abc123","nonce":"{}","push":false,"api":4}}"#,
            req.nonce
        );
        let stored = req
            .accept("https://f.org/", &encrypt_like_discourse(&req, &good))
            .unwrap();
        assert_eq!(stored.key, "abc123");
        assert_eq!(stored.forum, "https://f.org");
        assert!(!format!("{stored:?}").contains("abc123"));

        let replay = r#"{"key":"abc123","nonce":"other","push":false,"api":4}"#;
        let err = req.accept("https://f.org", &encrypt_like_discourse(&req, replay));
        assert!(err.unwrap_err().to_string().contains("nonce"));
        assert!(req.accept("https://f.org", "not base64!").is_err());
        let other = KeyRequest::generate(1024).unwrap();
        assert!(
            other
                .accept("https://f.org", &encrypt_like_discourse(&req, &good))
                .is_err()
        );
    }

    #[test]
    fn url_carries_scopes_and_key() {
        let req = KeyRequest::generate(1024).unwrap();
        let url = Url::parse(&req.authorize_url("https://f.org").unwrap()).unwrap();
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(url.path(), "/user-api-key/new");
        assert_eq!(q["scopes"], SCOPES);
        assert_eq!(q["nonce"], req.nonce);
        assert!(q["public_key"].starts_with("-----BEGIN PUBLIC KEY-----"));
    }

    #[test]
    fn saved_key_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/discourse-key.json");
        let key = StoredKey {
            forum: "https://f.org".into(),
            key: "k".into(),
            client_id: "c".into(),
        };
        key.save(&path).unwrap();
        assert_eq!(StoredKey::load(&path).unwrap(), Some(key));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
