//! The HTTP side: authentication headers, and turning every kind of answer (JSON, Discourse's
//! error JSON, rate limits, a proxy's HTML page, a dropped connection) into a typed result.

use std::fmt;
use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{ForumError, Result};

/// How requests prove who they are. Debug never shows the key.
#[derive(Clone, PartialEq, Eq)]
pub enum Auth {
    /// An admin/global key acting as `username`.
    AdminKey {
        key: String,
        username: String,
    },
    /// A personal User API key from `roomscribe login discourse`.
    UserKey {
        key: String,
        client_id: String,
    },
    Anonymous,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AdminKey { username, .. } => write!(f, "AdminKey(as {username})"),
            Self::UserKey { client_id, .. } => write!(f, "UserKey(client {client_id})"),
            Self::Anonymous => f.write_str("Anonymous"),
        }
    }
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, Clone)]
pub struct Client {
    base: Url,
    auth: Auth,
    http: reqwest::Client,
}

impl Client {
    pub fn new(base: &str, auth: Auth) -> Result<Self> {
        let mut base = Url::parse(base.trim())
            .map_err(|e| ForumError::Config(format!("forum URL {base:?} is not a URL: {e}")))?;
        if !matches!(base.scheme(), "http" | "https") {
            return Err(ForumError::Config(format!(
                "forum URL must start with https:// (got {base})"
            )));
        }
        let path = base.path().trim_end_matches('/').to_string();
        base.set_path(&format!("{path}/"));
        base.set_query(None);
        let http = reqwest::Client::builder()
            .user_agent(concat!("roomscribe/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|e| ForumError::Config(format!("cannot set up HTTP: {e}")))?;
        Ok(Self { base, auth, http })
    }

    /// The forum's address without a trailing slash, for building links.
    pub fn base_url(&self) -> String {
        self.base.as_str().trim_end_matches('/').to_string()
    }

    pub fn auth(&self) -> &Auth {
        &self.auth
    }

    pub fn url(&self, path: &str) -> Result<Url> {
        self.base
            .join(path.trim_start_matches('/'))
            .map_err(|e| ForumError::Config(format!("bad forum path {path}: {e}")))
    }

    /// A request with the auth headers and the default timeout.
    pub fn request(&self, method: Method, path: &str) -> Result<RequestBuilder> {
        let mut rb = self
            .http
            .request(method, self.url(path)?)
            .timeout(DEFAULT_TIMEOUT)
            .header("Accept", "application/json");
        match &self.auth {
            Auth::AdminKey { key, username } => {
                rb = rb.header("Api-Key", key).header("Api-Username", username);
            }
            Auth::UserKey { key, client_id } => {
                rb = rb
                    .header("User-Api-Key", key)
                    .header("User-Api-Client-Id", client_id);
            }
            Auth::Anonymous => {}
        }
        Ok(rb)
    }

    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        send_json(self.request(Method::GET, path)?).await
    }
}

/// Sends and decodes a JSON answer; every failure becomes a [`ForumError`].
pub async fn send_json<T: DeserializeOwned>(rb: RequestBuilder) -> Result<T> {
    let (status, headers, body) = send_raw(rb).await?;
    if !status.is_success() {
        return Err(error_from_response(status, &headers, &body));
    }
    serde_json::from_slice(&body).map_err(|e| decode_error(&headers, &body, &e))
}

/// Sends and reads the whole body, whatever the status.
pub async fn send_raw(rb: RequestBuilder) -> Result<(StatusCode, HeaderMap, Vec<u8>)> {
    let resp = rb.send().await.map_err(network_error)?;
    let status = resp.status();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.map_err(network_error)?;
    Ok((status, headers, body.to_vec()))
}

fn decode_error(headers: &HeaderMap, body: &[u8], err: &serde_json::Error) -> ForumError {
    if is_json(headers) || looks_like_json(body) {
        ForumError::Decode(err.to_string())
    } else {
        ForumError::Decode(format!(
            "expected JSON, got {}",
            describe_page(headers, body)
        ))
    }
}

pub(crate) fn network_error(err: reqwest::Error) -> ForumError {
    let maybe_delivered = !err.is_connect() && !err.is_builder();
    let err = err.without_url();
    let mut message = err.to_string();
    // reqwest keeps the cause (connection refused, closed early) in the source chain.
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(&err);
    while let Some(e) = cur {
        let s = e.to_string();
        if !message.contains(&s) {
            message = format!("{message}: {s}");
        }
        cur = e.source();
    }
    ForumError::Network {
        message: one_line(&message, 200),
        maybe_delivered,
    }
}

#[derive(Debug, Default, Deserialize)]
struct ErrorBody {
    #[serde(default)]
    errors: Vec<String>,
    error_type: Option<String>,
    extras: Option<Extras>,
}

#[derive(Debug, Default, Deserialize)]
struct Extras {
    wait_seconds: Option<f64>,
}

/// Maps a non-success answer to an error; pure, so every shape is unit-tested.
pub fn error_from_response(status: StatusCode, headers: &HeaderMap, body: &[u8]) -> ForumError {
    let parsed: Option<ErrorBody> = if looks_like_json(body) {
        serde_json::from_slice(body).ok()
    } else {
        None
    };
    let lines: Vec<String> = parsed
        .as_ref()
        .map(|b| b.errors.iter().map(|e| one_line(e, 300)).collect())
        .unwrap_or_default();
    let first = || lines.first().cloned().unwrap_or_default();
    match status.as_u16() {
        429 => {
            let json_wait = parsed
                .as_ref()
                .and_then(|b| b.extras.as_ref())
                .and_then(|x| x.wait_seconds)
                .map(|w| w.ceil().max(1.0) as u64);
            let header_wait = headers
                .get(RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok());
            ForumError::RateLimited {
                wait_secs: json_wait.or(header_wait).unwrap_or(10),
            }
        }
        403 if parsed.as_ref().and_then(|b| b.error_type.as_deref()) == Some("invalid_access") => {
            ForumError::InvalidAccess(first())
        }
        403 if !lines.is_empty() => ForumError::Forbidden(first()),
        404 if !lines.is_empty() => ForumError::NotFound(first()),
        404 => ForumError::NotFound("the page does not exist".into()),
        code if code < 500 && !lines.is_empty() => ForumError::Rejected(lines),
        code if !lines.is_empty() => ForumError::Http {
            status: code,
            detail: first(),
        },
        code => ForumError::Http {
            status: code,
            detail: describe_page(headers, body),
        },
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"))
}

fn looks_like_json(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|b| *b == b'{' || *b == b'[')
}

/// A few words about a non-JSON body: an HTML page's title, or a text body's first line.
fn describe_page(headers: &HeaderMap, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let lower = text.to_ascii_lowercase();
    let is_html = lower.contains("<html") || lower.contains("<!doctype html");
    if is_html {
        let title = lower
            .find("<title>")
            .and_then(|start| {
                let rest = text.get(start + 7..)?;
                let end = rest.to_ascii_lowercase().find("</title>")?;
                rest.get(..end).map(|t| one_line(t, 80))
            })
            .filter(|t| !t.is_empty());
        return match title {
            Some(t) => format!("an HTML page: {t}"),
            None => "an HTML page".into(),
        };
    }
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    match first {
        Some(line) => one_line(line, 120),
        None if is_json(headers) => "an empty JSON body".into(),
        None => String::new(),
    }
}

/// Collapses whitespace to single spaces and cuts at `max` characters (never inside one).
pub fn one_line(s: &str, max: usize) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if joined.chars().count() <= max {
        joined
    } else {
        let cut: String = joined.chars().take(max).collect();
        format!("{cut}…")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{CONTENT_TYPE, HeaderValue};

    fn err(
        status: u16,
        ct: &str,
        extra: Option<(&'static str, &'static str)>,
        body: &str,
    ) -> ForumError {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        if let Some((k, v)) = extra {
            h.insert(k, HeaderValue::from_static(v));
        }
        error_from_response(StatusCode::from_u16(status).unwrap(), &h, body.as_bytes())
    }

    #[test]
    fn every_error_shape() {
        let json = "application/json";
        assert_eq!(
            err(
                429,
                json,
                None,
                r#"{"errors":["Slow down"],"error_type":"rate_limit","extras":{"wait_seconds":2.5,"time_left":"3 seconds"}}"#
            ),
            ForumError::RateLimited { wait_secs: 3 }
        );
        assert_eq!(
            err(
                429,
                "text/plain",
                Some(("retry-after", "7")),
                "Slow down, too many requests from this IP address.\n"
            ),
            ForumError::RateLimited { wait_secs: 7 }
        );
        assert!(matches!(
            err(403, json, None, r#"{"errors":["You are not permitted to view the requested resource. The API username or key is invalid."],"error_type":"invalid_access"}"#),
            ForumError::InvalidAccess(m) if m.ends_with("key is invalid.")
        ));
        assert_eq!(
            err(
                422,
                json,
                None,
                "{\"action\":\"create_post\",\"errors\":[\"Title is too short\",\"Body\\nis short\"]}"
            ),
            ForumError::Rejected(vec!["Title is too short".into(), "Body is short".into()])
        );
        let page = err(
            502,
            "text/html",
            None,
            "<html><head><title>502 Bad Gateway</title></head><body>x</body></html>",
        );
        assert_eq!(
            page.to_string(),
            "the forum answered HTTP 502 (an HTML page: 502 Bad Gateway)"
        );
        assert!(page.maybe_delivered() && page.is_transient());
        let internal = err(500, json, None, r#"{"errors":["Oops"]}"#);
        assert_eq!(
            internal,
            ForumError::Http {
                status: 500,
                detail: "Oops".into()
            }
        );
        assert_eq!(
            err(404, "text/html", None, "").to_string(),
            "not found on the forum: the page does not exist"
        );
        assert_eq!(
            err(503, "text/plain", None, "").to_string(),
            "the forum answered HTTP 503"
        );
    }

    #[test]
    fn debug_never_shows_keys() {
        let admin = Auth::AdminKey {
            key: "s3cret".into(),
            username: "mod".into(),
        };
        let user = Auth::UserKey {
            key: "s3cret".into(),
            client_id: "c".into(),
        };
        assert!(!format!("{admin:?}{user:?}").contains("s3cret"));
        let client = Client::new("https://forum.example.org/sub/", admin).unwrap();
        assert!(!format!("{client:?}").contains("s3cret"));
        assert_eq!(client.base_url(), "https://forum.example.org/sub");
        assert_eq!(
            client.url("/site.json").unwrap().as_str(),
            "https://forum.example.org/sub/site.json"
        );
        assert!(Client::new("ftp://x", Auth::Anonymous).is_err());
    }
}
