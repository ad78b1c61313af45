//! Building a logged-in client from what the user has: an access token, a password, or the
//! stored session. Homeserver discovery uses `.well-known` from the user id's server name.

use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::ruma::{OwnedUserId, UserId};
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::{Client, SessionMeta, SessionTokens};

use roomscribe_transcript::RoomRef;

use crate::cache::CacheDir;
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

/// [`client_for`] with its stores in `cache` (sqlite) instead of memory. A damaged cache is
/// removed and started afresh; the line saying so goes to `notice`.
pub async fn client_cached(
    homeserver: Option<&str>,
    user: Option<&str>,
    cache: &CacheDir,
    notice: &mut Option<String>,
) -> Result<Client> {
    cached_with(Client::builder, homeserver, user, cache, notice).await
}

/// `client_cached` on builders from `make` (a second one when the first found damage).
async fn cached_with(
    make: impl Fn() -> matrix_sdk::ClientBuilder,
    homeserver: Option<&str>,
    user: Option<&str>,
    cache: &CacheDir,
    notice: &mut Option<String>,
) -> Result<Client> {
    let client = match client_with(cache.apply(make()), homeserver, user).await {
        Err(Error::CacheDamaged(why)) => {
            tracing::warn!("cache damaged: {why}");
            cache.clear();
            *notice = Some(format!(
                "cache damaged ({why}): removed, starting with a fresh cache"
            ));
            client_with(cache.apply(make()), homeserver, user).await?
        }
        other => other?,
    };
    cache.make_private();
    Ok(client)
}

/// `client_for` on a builder the caller has already set up (known server versions, stores).
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
    builder.build().await.map_err(|e| {
        if crate::cache::is_damage(&e) {
            Error::CacheDamaged(e.to_string())
        } else {
            Error::Homeserver(label, e.to_string())
        }
    })
}

/// A client logged in with `creds`; `homeserver` overrides the stored session's.
pub async fn connect(homeserver: Option<&str>, creds: Credentials) -> Result<Client> {
    connect_cached(homeserver, creds, None, &mut None).await
}

/// [`connect`] with the client's stores in `cache` when given (see [`client_cached`]).
pub async fn connect_cached(
    homeserver: Option<&str>,
    creds: Credentials,
    cache: Option<&CacheDir>,
    notice: &mut Option<String>,
) -> Result<Client> {
    Ok(connect_in(homeserver, creds, None, cache, notice).await?.0)
}

/// [`connect_cached`], and where `room` is and whether we are in it, found while the sign-in
/// is still asking who a bare token belongs to (None when that lookup failed or was not
/// needed: the caller asks again and reports it).
pub async fn connect_looking_up(
    homeserver: Option<&str>,
    creds: Credentials,
    room: &RoomRef,
    cache: Option<&CacheDir>,
    notice: &mut Option<String>,
) -> Result<(Client, Option<Lookup>)> {
    connect_in(homeserver, creds, Some(room), cache, notice).await
}

async fn connect_in(
    homeserver: Option<&str>,
    creds: Credentials,
    room: Option<&RoomRef>,
    cache: Option<&CacheDir>,
    notice: &mut Option<String>,
) -> Result<(Client, Option<Lookup>)> {
    let http = shared_http()?;
    match creds {
        Credentials::Stored(session) => {
            let hs = homeserver.unwrap_or(&session.homeserver);
            let versions = session.server_versions();
            let make = || {
                let builder = Client::builder().http_client(http.clone());
                if versions.is_empty() {
                    builder
                } else {
                    builder.server_versions(versions.clone())
                }
            };
            let client = build(make, Some(hs), None, cache, notice).await?;
            session.restore(&client).await?;
            Ok((client, None))
        }
        Credentials::Password { user, password } => {
            let make = || Client::builder().http_client(http.clone());
            let client = build(make, homeserver, Some(&user), cache, notice).await?;
            login_password_on(&client, &user, &password).await?;
            Ok((client, None))
        }
        Credentials::Token(token) => {
            connect_token(homeserver, token, room, http, cache, notice).await
        }
    }
}

/// A client from `make`, on `cache` when given.
async fn build(
    make: impl Fn() -> matrix_sdk::ClientBuilder,
    homeserver: Option<&str>,
    user: Option<&str>,
    cache: Option<&CacheDir>,
    notice: &mut Option<String>,
) -> Result<Client> {
    match cache {
        Some(c) => cached_with(make, homeserver, user, c, notice).await,
        None => client_with(make(), homeserver, user).await,
    }
}

async fn connect_token(
    homeserver: Option<&str>,
    token: String,
    room: Option<&RoomRef>,
    http: reqwest::Client,
    cache: Option<&CacheDir>,
    notice: &mut Option<String>,
) -> Result<(Client, Option<Lookup>)> {
    let hs = homeserver.ok_or(Error::NoHomeserver)?;
    // A token the cache has seen: who it belongs to is stored there (and the server's versions
    // are in the SDK's store), so nothing is asked before the first real request and a cached
    // room opens with the server down.
    let cached = match cache {
        Some(c) => {
            let make = || Client::builder().http_client(http.clone());
            let client = cached_with(make, Some(hs), None, c, notice).await?;
            if let Some((user_id, device_id)) = crate::known::known_token(&client, &token).await {
                restore_token(&client, user_id, &device_id, token).await?;
                return Ok((client, None));
            }
            Some(client)
        }
        None => None,
    };
    // The server's versions, who we are and the room are asked at once: one round trip for
    // all. (A client asks for versions again after its session is set, so without a store to
    // keep them a separate one asks and the real client is built knowing them.) On failure
    // the real client asks.
    let asker = match &cached {
        Some(client) => client.clone(),
        None => client_with(Client::builder().http_client(http.clone()), Some(hs), None).await?,
    };
    let probe = probe(hs, &token, &http).await?;
    let lookup = async {
        match room {
            Some(room) => look_up(&probe, room).await.ok(),
            None => None,
        }
    };
    let (me, versions, found) =
        tokio::join!(whoami(&probe), asker.fetch_server_versions(None), lookup);
    let (user_id, device_id) = me?;
    let client = match cached {
        Some(client) => {
            if let Ok(v) = versions {
                crate::known::store_versions(&client, v).await;
            }
            restore_token(&client, user_id, &device_id, token.clone()).await?;
            crate::known::remember_token(&client, &token).await;
            client
        }
        None => {
            let builder = match versions {
                Ok(v) => Client::builder().server_versions(known_versions(&v.versions)),
                Err(_) => Client::builder(),
            };
            let client = client_with(builder.http_client(http), Some(hs), None).await?;
            restore_token(&client, user_id, &device_id, token).await?;
            client
        }
    };
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

/// The versions in a `/versions` answer that the SDK knows.
fn known_versions(names: &[String]) -> Vec<matrix_sdk::ruma::api::MatrixVersion> {
    names
        .iter()
        .filter_map(|v| matrix_sdk::ruma::api::MatrixVersion::try_from(v.as_str()).ok())
        .collect()
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
