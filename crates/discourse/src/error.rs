//! Errors of the forum client: one line each, fit for a user, never containing a key.

use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForumError {
    /// 403 `invalid_access`: a bad key, or a username the key may not act as.
    #[error("the forum refused: {0}")]
    InvalidAccess(String),
    /// Any other 403: the user may not do this.
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("not found on the forum: {0}")]
    NotFound(String),
    /// 422 (and other JSON errors): Discourse's own words, one entry per line it sent.
    #[error("the forum rejected it: {}", .0.join("; "))]
    Rejected(Vec<String>),
    #[error("rate limited by the forum: try again in {wait_secs} s")]
    RateLimited { wait_secs: u64 },
    /// A status without a JSON body (e.g. a proxy's HTML 502 page).
    #[error("the forum answered HTTP {status}{}", detail_suffix(.detail))]
    Http { status: u16, detail: String },
    /// The request failed in transit. `maybe_delivered` is false only when it surely never
    /// reached the server (connection refused), which matters for non-idempotent requests.
    #[error("cannot reach the forum: {message}")]
    Network {
        message: String,
        maybe_delivered: bool,
    },
    #[error("unexpected answer from the forum: {0}")]
    Decode(String),
    #[error("{0}")]
    Config(String),
}

fn detail_suffix(detail: &str) -> String {
    if detail.is_empty() {
        String::new()
    } else {
        format!(" ({detail})")
    }
}

impl ForumError {
    /// Whether a request that failed like this may have had its effect on the server.
    pub fn maybe_delivered(&self) -> bool {
        match self {
            Self::Network {
                maybe_delivered, ..
            } => *maybe_delivered,
            Self::Http { status, .. } => *status >= 500,
            _ => false,
        }
    }

    /// Whether trying again later can help (outages, rate limits), as opposed to a refusal.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network { .. } | Self::RateLimited { .. } => true,
            Self::Http { status, .. } => *status >= 500 || *status == 408,
            _ => false,
        }
    }

    /// How long the server asked us to wait, if it did.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { wait_secs } => Some(Duration::from_secs(*wait_secs)),
            _ => None,
        }
    }

    /// The lines to show when publishing failed: Discourse's own words when it gave some.
    pub fn lines(&self) -> Vec<String> {
        match self {
            Self::Rejected(errors) => errors.clone(),
            other => vec![other.to_string()],
        }
    }
}

pub type Result<T, E = ForumError> = std::result::Result<T, E>;
