//! `GET /user-api-key/new`: what approving an application in the browser does on Discourse —
//! a User API key for the signed-in user, returned as base64 of the JSON `{key, nonce, push,
//! api}` encrypted (PKCS#1 v1.5) with the application's public key, shown for copying.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use base64::Engine;
use rsa::pkcs8::DecodePublicKey;
use rsa::{Pkcs1v15Encrypt, RsaPublicKey};
use serde_json::json;

use crate::Shared;
use crate::routes::{Reply, error, viewer};

/// Issues a key for `user_id` as the approval page does; returns the base64 payload.
pub fn issue(
    shared: &Shared,
    user_id: i64,
    q: &HashMap<String, String>,
) -> Result<String, &'static str> {
    let field = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
    let (Some(client_id), Some(nonce), Some(pem), Some(_scopes)) = (
        field("client_id"),
        field("nonce"),
        field("public_key"),
        field("scopes"),
    ) else {
        return Err("param is missing or the value is empty");
    };
    let public = RsaPublicKey::from_public_key_pem(&pem).map_err(|_| "Invalid public key")?;
    let key = format!("standin-user-{:016x}", rand::random::<u64>());
    let payload = json!({"key": key, "nonce": nonce, "push": false, "api": 4}).to_string();
    let cipher = public
        .encrypt(&mut rand::thread_rng(), Pkcs1v15Encrypt, payload.as_bytes())
        .map_err(|_| "Invalid public key")?;
    if let Some(u) = shared.forum().users.iter_mut().find(|u| u.id == user_id) {
        u.user_api_keys.push((key, client_id));
    }
    Ok(base64::engine::general_purpose::STANDARD.encode(cipher))
}

pub async fn new_key(
    State(shared): State<Arc<Shared>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Reply {
    let me = viewer(&shared, &headers)?.ok_or_else(|| {
        error(
            StatusCode::FORBIDDEN,
            &["You need to be logged in to do that."],
            Some("not_logged_in"),
        )
    })?;
    let b64 = issue(&shared, me.id, &q)
        .map_err(|e| error(StatusCode::BAD_REQUEST, &[e], Some("invalid_parameters")))?;
    // Discourse wraps the payload in the page; the user copies it from there.
    let wrapped: Vec<String> = b64
        .as_bytes()
        .chunks(60)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    let page = format!(
        "<!DOCTYPE html><html><head><title>User API key</title></head><body><p>Paste this into the application:</p><pre id=\"payload\">\n{}\n</pre></body></html>",
        wrapped.join("\n")
    );
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response())
}
