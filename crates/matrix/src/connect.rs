//! Building a logged-in client from what the user has: an access token, a password, or the
//! stored session. Homeserver discovery uses `.well-known` from the user id's server name.

use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::ruma::{OwnedUserId, UserId};
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::{Client, SessionMeta, SessionTokens};

use roomscribe_transcript::RoomRef;

use crate::error::{Error, Result, describe, server_trouble};
use crate::resolve::{Lookup, look_up};
use crate::session::StoredSession;

/// What the user gave us to sign in with.
pub enum Credentials {
    /// An access token (from another client, or `access_token_command`).
    Token(String),
    /// A user id or localpart, and its password.
    Password { user: String, password: String },
    /// The session `roomscribe login matrix` stored.
    Stored(StoredSession),
}

/// An unauthenticated client for `homeserver` (URL or server name), else for the server of
/// `user` (full user id) via `.well-known`.
pub async fn client_for(homeserver: Option<&str>, user: Option<&str>) -> Result<Client> {
    client_with(Client::builder(), homeserver, user).await
}

/// One HTTP client for the clients one sign-in builds, so they share its connections: on a
/// long link every new connection costs a round trip before its first request.
fn shared_http() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("roomscribe/", env!("CARGO_PKG_VERSION")))
        .min_tls_version(reqwest::tls::Version::TLS_1_2)
        .build()
        .map_err(|e| Error::Request(format!("cannot set up HTTP: {e}")))
}

/// `client_for` on a builder the caller has already set up (known server versions).
async fn client_with(
    builder: matrix_sdk::ClientBuilder,
    homeserver: Option<&str>,
    user: Option<&str>,
) -> Result<Client> {
    // Few quick retries inside the SDK (its default keeps trying for minutes, silently); longer
    // outages are paced and reported by our own backoff.
    let builder = builder
        .handle_refresh_tokens()
        .request_config(matrix_sdk::config::RequestConfig::short_retry());
    // Matrix has no use for `user:pass@` in the URL, and the SDK would print it in errors.
    let homeserver = homeserver.map(roomscribe_transcript::strings::strip_userinfo);
    let (builder, label) = match (homeserver.as_deref(), user) {
        (Some(hs), _) if hs.starts_with("http://") || hs.starts_with("https://") => {
            (builder.homeserver_url(hs), hs.to_string())
        }
        (Some(hs), _) => (builder.server_name_or_homeserver_url(hs), hs.to_string()),
        (None, Some(u)) => {
            let id = UserId::parse(u).map_err(|_| Error::NoHomeserver)?;
            let label = id.server_name().to_string();
            (builder.server_name(id.server_name()), label)
        }
        (None, None) => return Err(Error::NoHomeserver),
    };
    builder
        .build()
        .await
        .map_err(|e| Error::Homeserver(label, e.to_string()))
}

/// A client logged in with `creds`; `homeserver` overrides the stored session's.
pub async fn connect(homeserver: Option<&str>, creds: Credentials) -> Result<Client> {
    match creds {
        Credentials::Stored(session) => {
            let hs = homeserver.unwrap_or(&session.homeserver);
            let versions = session.server_versions();
            let builder = if versions.is_empty() {
                Client::builder()
            } else {
                Client::builder().server_versions(versions)
            };
            let client = client_with(builder, Some(hs), None).await?;
            session.restore(&client).await?;
            Ok(client)
        }
        Credentials::Password { user, password } => {
            let client = client_for(homeserver, Some(&user)).await?;
            login_password_on(&client, &user, &password).await?;
            Ok(client)
        }
        Credentials::Token(token) => Ok(connect_token(homeserver, token, None).await?.0),
    }
}

/// `connect`, and when `room` is given, where that room is and whether we are in it, found
/// while the sign-in is still asking who the token belongs to (None when that lookup failed:
/// the caller asks again and reports it).
pub async fn connect_looking_up(
    homeserver: Option<&str>,
    creds: Credentials,
    room: &RoomRef,
) -> Result<(Client, Option<Lookup>)> {
    match creds {
        Credentials::Token(token) => connect_token(homeserver, token, Some(room)).await,
        other => Ok((connect(homeserver, other).await?, None)),
    }
}

async fn connect_token(
    homeserver: Option<&str>,
    token: String,
    room: Option<&RoomRef>,
) -> Result<(Client, Option<Lookup>)> {
    let hs = homeserver.ok_or(Error::NoHomeserver)?;
    let http = shared_http()?;
    // The server's versions, who we are and the room are asked at once: one round trip for
    // all. (A client asks for versions again after its session is set, so a separate one
    // asks and the real client is built knowing them.) On failure the real client asks.
    let asker = client_with(Client::builder().http_client(http.clone()), Some(hs), None).await?;
    let probe = probe(hs, &token, &http).await?;
    let lookup = async {
        match room {
            Some(room) => look_up(&probe, room).await.ok(),
            None => None,
        }
    };
    let (me, versions, found) = tokio::join!(whoami(&probe), asker.server_versions(), lookup);
    let (user_id, device_id) = me?;
    let builder = match versions {
        Ok(v) => Client::builder().server_versions(v),
        Err(_) => Client::builder(),
    };
    let client = client_with(builder.http_client(http), Some(hs), None).await?;
    restore_token(&client, user_id, &device_id, token).await?;
    Ok((client, found))
}

pub(crate) async fn login_password_on(client: &Client, user: &str, password: &str) -> Result<()> {
    send_login(client.matrix_auth().login_username(user, password)).await
}

/// Every classic login names this device and asks for a refresh token, so sessions last.
pub(crate) async fn send_login(
    login: matrix_sdk::authentication::matrix::LoginBuilder,
) -> Result<()> {
    login
        .initial_device_display_name("roomscribe")
        .request_refresh_token()
        .send()
        .await
        .map_err(|e| Error::Login(describe(&e)))?;
    Ok(())
}

/// A client holding a bare access token before we know whose it is: the SDK only sends tokens
/// for an active session, so a placeholder one carries it. Requests that need only the token
/// (who am I, the alias lookup) go through it. Every version since 1.1 has them, so it need
/// not ask `/versions` first.
async fn probe(homeserver: &str, token: &str, http: &reqwest::Client) -> Result<Client> {
    let builder = Client::builder()
        .server_versions([matrix_sdk::ruma::api::MatrixVersion::V1_1])
        .http_client(http.clone());
    let probe = client_with(builder, Some(homeserver), None).await?;
    let placeholder = OwnedUserId::try_from("@roomscribe-probe:invalid")
        .map_err(|e| Error::Login(e.to_string()))?;
    restore_token(&probe, placeholder, "PROBE", token.to_string()).await?;
    Ok(probe)
}

/// Makes `client` send `token` as `user_id` on `device`.
async fn restore_token(
    client: &Client,
    user_id: OwnedUserId,
    device: &str,
    token: String,
) -> Result<()> {
    let session = MatrixSession {
        meta: SessionMeta {
            user_id,
            device_id: device.into(),
        },
        tokens: SessionTokens {
            access_token: token,
            refresh_token: None,
        },
    };
    client
        .matrix_auth()
        .restore_session(session, RoomLoadSettings::default())
        .await
        .map_err(|e| Error::Login(describe(&e)))
}

/// Who the probe's token belongs to.
async fn whoami(probe: &Client) -> Result<(OwnedUserId, String)> {
    let me = probe.whoami().await.map_err(|e| {
        match e.as_client_api_error().and_then(server_trouble) {
            Some(line) => Error::Unreachable(line),
            None => Error::Login(crate::error::describe_http(&e)),
        }
    })?;
    let device = me
        .device_id
        .map(|d| d.to_string())
        .unwrap_or_else(|| "ROOMSCRIBE".into());
    Ok((me.user_id, device))
}
