//! One clear line per failure; never a token.

use matrix_sdk::ruma::api::error::ErrorKind;

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no homeserver: pass --homeserver URL or a full user id like @name:server")]
    NoHomeserver,
    #[error("homeserver {0}: {1}")]
    Homeserver(String, String),
    /// The cache's sqlite files cannot be opened (not a database, malformed).
    #[error("cache damaged: {0}")]
    CacheDamaged(String),
    #[error(
        "not signed in to Matrix: run `roomscribe login matrix`, or pass --matrix-token or --matrix-user"
    )]
    NotLoggedIn,
    #[error("Matrix login failed: {0}")]
    Login(String),
    #[error("the server does not offer {0} login")]
    MethodUnavailable(&'static str),
    #[error("not a Matrix room: {0}")]
    BadRoom(String),
    #[error("room {0} does not exist")]
    UnknownRoom(String),
    #[error("cannot join {0}: {1}")]
    Forbidden(String, String),
    #[error("room {0} is end-to-end encrypted; roomscribe does not support encrypted rooms yet")]
    Encrypted(String),
    #[error("session file {0}: {1}")]
    Session(String, String),
    #[error("Matrix request failed: {0}")]
    Request(String),
    /// No answer from the server (network down, server restarting): worth retrying.
    #[error("cannot reach the Matrix homeserver: {0}")]
    Unreachable(String),
}

/// The server's `[status / M_CODE] message` when it sent one; the SDK's own text otherwise (it
/// names URLs, never tokens, which travel in headers).
pub(crate) fn describe(err: &matrix_sdk::Error) -> String {
    match err.as_client_api_error() {
        Some(api) => api.to_string(),
        None => err.to_string(),
    }
}

pub(crate) fn describe_http(err: &matrix_sdk::HttpError) -> String {
    match err.as_client_api_error() {
        Some(api) => api.to_string(),
        None => err.to_string(),
    }
}

pub(crate) fn kind_of(err: &matrix_sdk::HttpError) -> Option<&ErrorKind> {
    err.client_api_error_kind()
}

impl Error {
    pub(crate) fn request(err: &matrix_sdk::Error) -> Self {
        match err.as_client_api_error() {
            Some(api) => Self::answered(api),
            None => Self::Unreachable(err.to_string()),
        }
    }

    pub(crate) fn http(err: &matrix_sdk::HttpError) -> Self {
        match err.as_client_api_error() {
            Some(api) => Self::answered(api),
            None => Self::Unreachable(err.to_string()),
        }
    }

    /// A 5xx comes from a gateway or a server in trouble: worth retrying, and its body (often a
    /// whole HTML page) is no message for the user.
    fn answered(api: &matrix_sdk::ruma::api::error::Error) -> Self {
        match server_trouble(api) {
            Some(line) => Self::Unreachable(line),
            None => Self::Request(api.to_string()),
        }
    }
}

/// `the homeserver answered 502 Bad Gateway` for a 5xx answer.
pub(crate) fn server_trouble(api: &matrix_sdk::ruma::api::error::Error) -> Option<String> {
    api.status_code
        .is_server_error()
        .then(|| format!("the homeserver answered {}", api.status_code))
}
