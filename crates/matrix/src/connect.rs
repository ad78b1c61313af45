//! Building a logged-in client from what the user has: an access token, a password, or the
//! stored session. Homeserver discovery uses `.well-known` from the user id's server name.

use matrix_sdk::authentication::matrix::MatrixSession;
use matrix_sdk::ruma::{OwnedUserId, UserId};
use matrix_sdk::store::RoomLoadSettings;
use matrix_sdk::{Client, SessionMeta, SessionTokens};

use crate::cache::CacheDir;
use crate::error::{Error, Result, describe};
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
    client_in(homeserver, user, None).await
}

/// [`client_for`] with its stores in `cache` (sqlite) instead of memory. A damaged cache is
/// removed and started afresh; the line saying so goes to `notice`.
pub async fn client_cached(
    homeserver: Option<&str>,
    user: Option<&str>,
    cache: &CacheDir,
    notice: &mut Option<String>,
) -> Result<Client> {
    match client_in(homeserver, user, Some(cache)).await {
        Err(Error::CacheDamaged(why)) => {
            tracing::warn!("cache damaged: {why}");
            cache.clear();
            *notice = Some(format!(
                "cache damaged ({why}): removed, starting with a fresh cache"
            ));
            let client = client_in(homeserver, user, Some(cache)).await?;
            cache.make_private();
            Ok(client)
        }
        Ok(client) => {
            cache.make_private();
            Ok(client)
        }
        Err(e) => Err(e),
    }
}

async fn client_in(
    homeserver: Option<&str>,
    user: Option<&str>,
    cache: Option<&CacheDir>,
) -> Result<Client> {
    let mut builder = Client::builder().handle_refresh_tokens();
    if let Some(cache) = cache {
        builder = cache.apply(builder);
    }
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
    let mut client_for = async |hs: Option<&str>, user: Option<&str>| match cache {
        Some(c) => client_cached(hs, user, c, notice).await,
        None => client_for(hs, user).await,
    };
    match creds {
        Credentials::Stored(session) => {
            let hs = homeserver.unwrap_or(&session.homeserver);
            let client = client_for(Some(hs), None).await?;
            session.restore(&client).await?;
            Ok(client)
        }
        Credentials::Password { user, password } => {
            let client = client_for(homeserver, Some(&user)).await?;
            login_password_on(&client, &user, &password).await?;
            Ok(client)
        }
        Credentials::Token(token) => {
            let hs = homeserver.ok_or(Error::NoHomeserver)?;
            let (user_id, device_id) = whoami(hs, &token).await?;
            let client = client_for(Some(hs), None).await?;
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
                .map_err(|e| Error::Login(describe(&e)))?;
            Ok(client)
        }
    }
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
/// throwaway client holds the token just for this one request.
async fn whoami(homeserver: &str, token: &str) -> Result<(OwnedUserId, String)> {
    let probe = client_for(Some(homeserver), None).await?;
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
    let me = probe
        .whoami()
        .await
        .map_err(|e| Error::Login(crate::error::describe_http(&e)))?;
    let device = me
        .device_id
        .map(|d| d.to_string())
        .unwrap_or_else(|| "ROOMSCRIBE".into());
    Ok((me.user_id, device))
}
