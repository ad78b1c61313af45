use roomscribe_matrix::{
    Credentials, LoginMethod, LoopbackCallback, StoredSession, available_methods, client_for,
    connect, finish_login, start_browser_login,
};
use roomscribe_testkit::require_synapse;

#[tokio::test]
async fn password_login_then_stored_session_restores() {
    let Some(hs) = require_synapse() else { return };
    let user = hs.register("pw").await.unwrap();
    let client = connect(
        Some(&hs.url),
        Credentials::Password {
            user: user.localpart.clone(),
            password: user.password.clone(),
        },
    )
    .await
    .unwrap();
    assert_eq!(
        client.whoami().await.unwrap().user_id.as_str(),
        user.user_id
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("matrix-session.json");
    let stored = StoredSession::from_client(&client).unwrap();
    stored.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains(&user.user_id));

    let loaded = StoredSession::load(&path).unwrap().unwrap();
    let restored = connect(None, Credentials::Stored(loaded)).await.unwrap();
    let me = restored.whoami().await.unwrap();
    assert_eq!(me.user_id.as_str(), user.user_id);
    assert_eq!(
        me.device_id.map(|d| d.to_string()),
        Some(stored.device_id.clone())
    );
}

#[tokio::test]
async fn wrong_password_is_one_clear_line_without_the_password() {
    let Some(hs) = require_synapse() else { return };
    let user = hs.register("badpw").await.unwrap();
    let err = connect(
        Some(&hs.url),
        Credentials::Password {
            user: user.localpart.clone(),
            password: "not-the-password-xyz".into(),
        },
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.starts_with("Matrix login failed"), "{err}");
    assert!(err.contains("M_FORBIDDEN"), "{err}");
    assert!(!err.contains("not-the-password-xyz"), "{err}");
    assert!(!err.contains('\n'), "{err}");
}

#[tokio::test]
async fn access_token_login_finds_the_user() {
    let Some(hs) = require_synapse() else { return };
    let user = hs.register("tok").await.unwrap();
    let client = connect(Some(&hs.url), Credentials::Token(user.access_token.clone()))
        .await
        .unwrap();
    assert_eq!(client.user_id().unwrap().as_str(), user.user_id);
    let stored = StoredSession::from_client(&client).unwrap();
    assert!(!format!("{stored:?}").contains(&user.access_token));

    let err = connect(Some(&hs.url), Credentials::Token("syt_bogus".into()))
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("M_UNKNOWN_TOKEN"), "{err}");
    assert!(!err.contains("syt_bogus"), "{err}");
}

#[tokio::test]
async fn methods_are_discovered_and_sso_runs_to_the_provider() {
    let Some(hs) = require_synapse() else { return };
    let client = client_for(Some(&hs.url), None).await.unwrap();
    let methods = available_methods(&client).await.unwrap();
    // The test server offers SSO (through CAS) and passwords, and no OAuth metadata.
    assert_eq!(
        methods,
        vec![LoginMethod::Sso, LoginMethod::Password, LoginMethod::Token]
    );

    let callback = LoopbackCallback::bind().await.unwrap();
    let pending = start_browser_login(&client, LoginMethod::Sso, &callback.redirect_uri)
        .await
        .unwrap();
    assert!(pending.url.as_str().starts_with(&hs.url), "{}", pending.url);
    assert!(pending.url.path().ends_with("/login/sso/redirect"));
    // What the browser does first: the homeserver sends it on to the identity provider,
    // remembering our loopback redirect.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let resp = http.get(pending.url.clone()).send().await.unwrap();
    assert!(resp.status().is_redirection(), "{}", resp.status());
    let location = resp.headers()["location"].to_str().unwrap().to_string();
    assert!(
        location.starts_with("http://127.0.0.1:9/cas/login"),
        "{location}"
    );

    // A provider refusal, or a pasted URL without the token, fail with one readable line.
    let refused = url::Url::parse(&format!(
        "{}?error=access_denied&error_description=Nope",
        callback.redirect_uri
    ))
    .unwrap();
    let err = finish_login(&client, &pending, &refused).await.unwrap_err();
    assert_eq!(err.to_string(), "Matrix login failed: access_denied: Nope");
    let bare = callback.redirect_uri.clone();
    let err = finish_login(&client, &pending, &bare).await.unwrap_err();
    assert!(err.to_string().contains("loginToken"), "{err}");
    // A forged token is refused by the server.
    let forged = url::Url::parse(&format!("{}?loginToken=forged", callback.redirect_uri)).unwrap();
    let err = finish_login(&client, &pending, &forged).await.unwrap_err();
    assert!(err.to_string().contains("M_FORBIDDEN"), "{err}");
}

#[tokio::test]
async fn sso_login_token_completes_a_login() {
    // What the server hands the browser after SSO is an m.login.token; mint one the way
    // Synapse does for a logged-in user (MSC3882 endpoint) and finish through our code.
    let Some(hs) = require_synapse() else { return };
    let user = hs.register("sso").await.unwrap();
    let Some(token) = user.mint_login_token().await.unwrap() else {
        eprintln!("SKIPPED: this Synapse does not mint login tokens");
        return;
    };
    let client = client_for(Some(&hs.url), None).await.unwrap();
    let callback = LoopbackCallback::bind().await.unwrap();
    let pending = start_browser_login(&client, LoginMethod::Sso, &callback.redirect_uri)
        .await
        .unwrap();
    let arrived =
        url::Url::parse(&format!("{}?loginToken={token}", callback.redirect_uri)).unwrap();
    finish_login(&client, &pending, &arrived).await.unwrap();
    assert_eq!(
        client.whoami().await.unwrap().user_id.as_str(),
        user.user_id
    );
}

#[tokio::test]
async fn oauth_is_refused_clearly_where_the_server_has_none() {
    let Some(hs) = require_synapse() else { return };
    let client = client_for(Some(&hs.url), None).await.unwrap();
    let callback = LoopbackCallback::bind().await.unwrap();
    let err = start_browser_login(&client, LoginMethod::OAuth, &callback.redirect_uri)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("Matrix login failed"), "{err}");
}

/// On the limited server, access tokens from a login expire after 3 s: the client refreshes
/// with its refresh token on its own, and the session file follows.
#[tokio::test]
async fn expired_access_token_is_refreshed_and_saved() {
    let Some(hs) = roomscribe_testkit::require_limited_synapse() else {
        return;
    };
    let user = hs.register("refresh").await.unwrap();
    let client = connect(
        Some(&hs.url),
        Credentials::Password {
            user: user.localpart.clone(),
            password: user.password.clone(),
        },
    )
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("matrix-session.json");
    let first = StoredSession::from_client(&client).unwrap();
    first.save(&path).unwrap();
    roomscribe_matrix::persist_refreshed_tokens(&client, path.clone());

    // Let the access token expire (setup, not a timed assertion).
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    assert_eq!(
        client.whoami().await.unwrap().user_id.as_str(),
        user.user_id
    );

    let mut saved = StoredSession::load(&path).unwrap().unwrap();
    for _ in 0..100 {
        if saved != first {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        saved = StoredSession::load(&path).unwrap().unwrap();
    }
    assert_ne!(saved, first, "the refreshed tokens were not saved");
    assert_eq!(saved.device_id, first.device_id);
    let restored = connect(None, Credentials::Stored(saved)).await.unwrap();
    assert_eq!(
        restored.whoami().await.unwrap().user_id.as_str(),
        user.user_id
    );
}
