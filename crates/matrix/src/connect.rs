//! Building a logged-in client from what the user has: an access token, a password, or the
//! stored session. Homeserver discovery uses `.well-known` from the user id's server name.

use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::ruma::{OwnedUserId, UserId};
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::{Client, SessionMeta, SessionTokens};

use crate::cache::CacheDir;
use crate::error::{Error, Result, describe, server_trouble};
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
    let mut build = async |hs: Option<&str>, user: Option<&str>| match cache {
        Some(c) => client_cached(hs, user, c, notice).await,
        None => client_for(hs, user).await,
    };
    match creds {
        Credentials::Stored(session) => {
            let hs = homeserver.unwrap_or(&session.homeserver);
            let client = build(Some(hs), None).await?;
            session.restore(&client).await?;
            Ok(client)
        }
        Credentials::Password { user, password } => {
            let client = build(homeserver, Some(&user)).await?;
            login_password_on(&client, &user, &password).await?;
            Ok(client)
        }
        Credentials::Token(token) => {
            let hs = homeserver.ok_or(Error::NoHomeserver)?;
            // A token the cache has seen: who it belongs to is stored there (and the server's
            // versions are in the SDK's store), so nothing is asked before the first real
            // request and a cached room opens with the server down. A new one is looked up
            // while the versions are fetched into the store: one round trip for both.
            if let Some(c) = cache {
                let client = client_cached(Some(hs), None, c, notice).await?;
                if let Some((user_id, device_id)) = crate::known::known_token(&client, &token).await
                {
                    restore_token(&client, user_id, device_id, token).await?;
                    return Ok(client);
                }
                let (me, versions) =
                    tokio::join!(whoami(hs, &token), client.fetch_server_versions(None));
                if let Ok(v) = versions {
                    crate::known::store_versions(&client, v).await;
                }
                let (user_id, device_id) = me?;
                restore_token(&client, user_id, device_id, token.clone()).await?;
                crate::known::remember_token(&client, &token).await;
                return Ok(client);
            }
            // The server's versions are asked while the probe asks who we are: one round trip
            // for both. (A client asks again after its session is set, so a separate one asks
            // and the real client is built knowing them.) On failure the real client asks.
            let asker = client_for(Some(hs), None).await?;
            let (me, versions) = tokio::join!(whoami(hs, &token), asker.server_versions());
            let (user_id, device_id) = me?;
            let builder = match versions {
                Ok(v) => Client::builder().server_versions(v),
                Err(_) => Client::builder(),
            };
            let client = client_with(builder, Some(hs), None).await?;
            restore_token(&client, user_id, device_id, token).await?;
            Ok(client)
        }
    }
}

async fn restore_token(
    client: &Client,
    user_id: OwnedUserId,
    device_id: String,
    token: String,
) -> Result<()> {
    let session = MatrixSession {
        meta: SessionMeta {
            user_id,
            device_id: device_id.as_str().into(),
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

/// Who a bare access token belongs to. The SDK only sends tokens for an active session, so a
/// throwaway client holds the token just for this one request. `whoami` is in every version
/// since 1.1, so the probe need not ask `/versions` first.
async fn whoami(homeserver: &str, token: &str) -> Result<(OwnedUserId, String)> {
    let builder = Client::builder().server_versions([matrix_sdk::ruma::api::MatrixVersion::V1_1]);
    let probe = client_with(builder, Some(homeserver), None).await?;
    let placeholder = MatrixSession {
        meta: SessionMeta {
            user_id: OwnedUserId::try_from("@roomscribe-probe:invalid")
                .map_err(|e| Error::Login(e.to_string()))?,
            device_id: "PROBE".into(),
        },
        tokens: SessionTokens {
            access_token: token.to_string(),
            refresh_token: None,
        },
    };
    probe
        .matrix_auth()
        .restore_session(placeholder, RoomLoadSettings::default())
        .await
        .map_err(|e| Error::Login(describe(&e)))?;
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
