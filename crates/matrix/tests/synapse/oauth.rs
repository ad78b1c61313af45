//! OAuth 2.0 (next-generation auth, as MAS serves it) cannot run here, so a small stand-in plays
//! the authorization server and the homeserver's `whoami`. The client side under test is real:
//! discovery, dynamic registration, the authorization URL with PKCE, the redirect back to our
//! loopback, the code exchange, the session file and its restore.

use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use roomscribe_matrix::{
    Credentials, LoginMethod, LoopbackCallback, StoredSession, available_methods, callback_param,
    client_for, connect, finish_login, start_browser_login,
};
use serde_json::{Value, json};
use std::collections::HashMap;

const CODE: &str = "code-123";
const ACCESS: &str = "oauth-access-token";

#[derive(Default)]
struct Seen {
    registrations: Vec<Value>,
    challenge: Option<String>,
    token_form: Option<HashMap<String, String>>,
}

type Shared = Arc<Mutex<Seen>>;

async fn standin() -> (String, Shared) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Shared = Arc::default();
    let b = base.clone();
    let app = Router::new()
        .route(
            "/_matrix/client/versions",
            get(|| async { Json(json!({"versions": ["v1.1", "v1.15"]})) }),
        )
        .route(
            "/_matrix/client/v3/login",
            get(|| async { Json(json!({"flows": []})) }),
        )
        .route(
            "/_matrix/client/v1/auth_metadata",
            get(move || {
                let b = b.clone();
                async move {
                    Json(json!({
                        "issuer": format!("{b}/"),
                        "authorization_endpoint": format!("{b}/oauth2/authorize"),
                        "token_endpoint": format!("{b}/oauth2/token"),
                        "registration_endpoint": format!("{b}/oauth2/registration"),
                        "revocation_endpoint": format!("{b}/oauth2/revoke"),
                        "response_types_supported": ["code"],
                        "response_modes_supported": ["query", "fragment"],
                        "grant_types_supported": ["authorization_code", "refresh_token"],
                        "code_challenge_methods_supported": ["S256"],
                    }))
                }
            }),
        )
        .route("/oauth2/registration", post(register))
        .route("/oauth2/authorize", get(authorize))
        .route("/oauth2/token", post(token))
        .route("/_matrix/client/v3/account/whoami", get(whoami))
        .with_state(seen.clone());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, seen)
}

async fn register(State(seen): State<Shared>, Json(body): Json<Value>) -> impl IntoResponse {
    seen.lock().unwrap().registrations.push(body);
    (
        StatusCode::CREATED,
        Json(json!({"client_id": "roomscribe-client"})),
    )
}

/// What the provider does after the user approves: back to the client's redirect URI.
async fn authorize(
    State(seen): State<Shared>,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    seen.lock().unwrap().challenge = q.get("code_challenge").cloned();
    let target = format!(
        "{}?code={CODE}&state={}",
        q.get("redirect_uri").cloned().unwrap_or_default(),
        q.get("state").cloned().unwrap_or_default()
    );
    Redirect::to(&target).into_response()
}

async fn token(State(seen): State<Shared>, Form(form): Form<HashMap<String, String>>) -> Response {
    let ok = form.get("code").map(String::as_str) == Some(CODE)
        && form.get("grant_type").map(String::as_str) == Some("authorization_code")
        && form.get("code_verifier").is_some_and(|v| v.len() >= 43);
    seen.lock().unwrap().token_form = Some(form);
    if !ok {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "invalid_grant"})),
        )
            .into_response();
    }
    Json(json!({"access_token": ACCESS, "token_type": "Bearer", "refresh_token": "oauth-refresh", "expires_in": 300}))
        .into_response()
}

async fn whoami(headers: HeaderMap) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if auth != Some(&format!("Bearer {ACCESS}")) {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"errcode": "M_UNKNOWN_TOKEN", "error": "no"})),
        )
            .into_response();
    }
    Json(json!({"user_id": "@oauth:standin"})).into_response()
}

#[tokio::test]
async fn oauth_login_from_discovery_to_a_restorable_session() {
    let (base, seen) = standin().await;
    let client = client_for(Some(&base), None).await.unwrap();
    assert_eq!(
        available_methods(&client).await.unwrap(),
        vec![LoginMethod::OAuth, LoginMethod::Token]
    );

    let callback = LoopbackCallback::bind().await.unwrap();
    let redirect = callback.redirect_uri.clone();
    let pending = start_browser_login(&client, LoginMethod::OAuth, &redirect)
        .await
        .unwrap();
    // The authorization URL carries everything the provider needs.
    let url = &pending.url;
    assert!(
        url.as_str()
            .starts_with(&format!("{base}/oauth2/authorize?")),
        "{url}"
    );
    assert_eq!(
        callback_param(url, "client_id").as_deref(),
        Some("roomscribe-client")
    );
    assert_eq!(
        callback_param(url, "redirect_uri").as_deref(),
        Some(redirect.as_str())
    );
    assert_eq!(
        callback_param(url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    let scope = callback_param(url, "scope").unwrap();
    assert!(
        scope.contains("urn:matrix:org.matrix.msc2967.client:api:*"),
        "{scope}"
    );
    assert!(
        scope.contains("urn:matrix:org.matrix.msc2967.client:device:"),
        "{scope}"
    );
    let registration = seen.lock().unwrap().registrations.pop().unwrap();
    assert_eq!(registration["application_type"], "native");
    assert_eq!(registration["redirect_uris"][0], redirect.as_str());

    // The "browser": approve at the provider, follow its redirect to our loopback listener.
    let waiting = tokio::spawn(callback.wait());
    let arrived_via = reqwest::get(url.clone()).await.unwrap();
    assert!(arrived_via.status().is_success());
    let arrived = waiting.await.unwrap().unwrap();
    assert_eq!(callback_param(&arrived, "code").as_deref(), Some(CODE));
    finish_login(&client, &pending, &arrived).await.unwrap();
    assert_eq!(client.user_id().unwrap().as_str(), "@oauth:standin");
    let form = seen.lock().unwrap().token_form.clone().unwrap();
    assert_eq!(
        form.get("redirect_uri").map(String::as_str),
        Some(redirect.as_str())
    );
    assert!(seen.lock().unwrap().challenge.is_some());

    // The session keeps the OAuth client id and refresh token, and restores without a browser.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("matrix-session.json");
    let stored = StoredSession::from_client(&client).unwrap();
    stored.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains("roomscribe-client") && text.contains("oauth-refresh"),
        "{text}"
    );
    let restored = connect(
        None,
        Credentials::Stored(StoredSession::load(&path).unwrap().unwrap()),
    )
    .await
    .unwrap();
    assert_eq!(
        restored.whoami().await.unwrap().user_id.as_str(),
        "@oauth:standin"
    );
}

#[tokio::test]
async fn oauth_refusal_and_forged_state_are_clear_errors() {
    let (base, _seen) = standin().await;
    let client = client_for(Some(&base), None).await.unwrap();
    let callback = LoopbackCallback::bind().await.unwrap();
    let redirect = callback.redirect_uri.clone();
    let pending = start_browser_login(&client, LoginMethod::OAuth, &redirect)
        .await
        .unwrap();
    let denied = url::Url::parse(&format!("{redirect}?error=access_denied&state=x")).unwrap();
    let err = finish_login(&client, &pending, &denied).await.unwrap_err();
    assert_eq!(err.to_string(), "Matrix login failed: access_denied");
    let forged = url::Url::parse(&format!("{redirect}?code={CODE}&state=not-ours")).unwrap();
    let err = finish_login(&client, &pending, &forged)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("Matrix login failed"), "{err}");
    assert!(client.user_id().is_none());
}
