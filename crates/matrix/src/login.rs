//! Choosing a login method from what the server offers, and the browser-based ones (OAuth 2.0
//! via MAS, legacy SSO) split into start (a URL to open) and finish (the redirect that came back).

use matrix_sdk::Client;
use matrix_sdk::authentication::oauth::ClientRegistrationData;
use matrix_sdk::authentication::oauth::registration::{
    ApplicationType, ClientMetadata, Localized, OAuthGrantType,
};
use matrix_sdk::ruma::api::client::session::get_login_types::v3::LoginType;
use matrix_sdk::ruma::serde::Raw;
use matrix_sdk::utils::UrlOrQuery;
use url::Url;

use crate::callback::{callback_error, callback_param};
use crate::error::{Error, Result, describe, describe_http};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginMethod {
    OAuth,
    Sso,
    Password,
    Token,
}

impl LoginMethod {
    fn label(self) -> &'static str {
        match self {
            Self::OAuth => "OAuth 2.0",
            Self::Sso => "SSO",
            Self::Password => "password",
            Self::Token => "access token",
        }
    }
}

/// What the server supports, best first: OAuth (next-generation auth) when it publishes auth
/// metadata, then SSO, then password. An access token always works.
pub async fn available_methods(client: &Client) -> Result<Vec<LoginMethod>> {
    let mut methods = Vec::new();
    if client.oauth().server_metadata().await.is_ok() {
        methods.push(LoginMethod::OAuth);
    }
    let types = client
        .matrix_auth()
        .get_login_types()
        .await
        .map_err(|e| Error::Homeserver(client.homeserver().to_string(), describe_http(&e)))?;
    let has = |f: fn(&LoginType) -> bool| types.flows.iter().any(f);
    if has(|t| matches!(t, LoginType::Sso(_))) {
        methods.push(LoginMethod::Sso);
    }
    if has(|t| matches!(t, LoginType::Password(_))) {
        methods.push(LoginMethod::Password);
    }
    methods.push(LoginMethod::Token);
    Ok(methods)
}

/// Fails clearly when `wanted` is not among `offered`.
pub fn check_offered(wanted: LoginMethod, offered: &[LoginMethod]) -> Result<()> {
    if offered.contains(&wanted) {
        Ok(())
    } else {
        Err(Error::MethodUnavailable(wanted.label()))
    }
}

pub async fn login_password(client: &Client, user: &str, password: &str) -> Result<()> {
    crate::connect::login_password_on(client, user, password).await
}

/// A browser login under way: open `url`, then hand the redirect to [`finish_login`].
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub method: LoginMethod,
    pub url: Url,
    pub redirect_uri: Url,
}

/// Starts an OAuth or SSO login that ends at `redirect_uri` (a loopback URL).
pub async fn start_browser_login(
    client: &Client,
    method: LoginMethod,
    redirect_uri: &Url,
) -> Result<PendingLogin> {
    let url = match method {
        LoginMethod::OAuth => {
            let registration = ClientRegistrationData::new(client_metadata(redirect_uri)?);
            let data = client
                .oauth()
                .login(redirect_uri.clone(), None, Some(registration), None)
                .build()
                .await
                .map_err(|e| Error::Login(e.to_string()))?;
            data.url
        }
        LoginMethod::Sso => {
            let text = client
                .matrix_auth()
                .get_sso_login_url(redirect_uri.as_str(), None)
                .await
                .map_err(|e| Error::Login(describe(&e)))?;
            Url::parse(&text).map_err(|e| Error::Login(e.to_string()))?
        }
        other => {
            return Err(Error::Login(format!(
                "{} login does not use a browser",
                other.label()
            )));
        }
    };
    Ok(PendingLogin {
        method,
        url,
        redirect_uri: redirect_uri.clone(),
    })
}

/// Completes the login with the URL the browser was finally sent to.
pub async fn finish_login(client: &Client, pending: &PendingLogin, callback: &Url) -> Result<()> {
    if let Some(refusal) = callback_error(callback) {
        return Err(Error::Login(refusal));
    }
    match pending.method {
        LoginMethod::Sso => {
            let token = callback_param(callback, "loginToken").ok_or_else(|| {
                Error::Login("the address has no loginToken; copy the whole URL".into())
            })?;
            crate::connect::send_login(client.matrix_auth().login_token(&token)).await
        }
        LoginMethod::OAuth => {
            if callback_param(callback, "code").is_none() {
                return Err(Error::Login(
                    "the address has no code; copy the whole URL".into(),
                ));
            }
            client
                .oauth()
                .finish_login(UrlOrQuery::Url(callback.clone()))
                .await
                .map_err(|e| Error::Login(describe(&e)))
        }
        other => Err(Error::Login(format!(
            "{} login does not use a browser",
            other.label()
        ))),
    }
}

/// Dynamic client registration data: a native app redirecting to loopback (RFC 8252).
fn client_metadata(redirect_uri: &Url) -> Result<Raw<ClientMetadata>> {
    let home = Url::parse("https://github.com/roomscribe/roomscribe")
        .map_err(|e| Error::Login(e.to_string()))?;
    let mut metadata = ClientMetadata::new(
        ApplicationType::Native,
        vec![OAuthGrantType::AuthorizationCode {
            redirect_uris: vec![redirect_uri.clone()],
        }],
        Localized::new(home, []),
    );
    metadata.client_name = Some(Localized::new("roomscribe".to_string(), []));
    Raw::new(&metadata).map_err(|e| Error::Login(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_metadata_is_native_loopback() {
        let redirect = Url::parse("http://127.0.0.1:4567/callback").unwrap();
        let raw = client_metadata(&redirect).unwrap();
        let v: serde_json::Value = serde_json::from_str(raw.json().get()).unwrap();
        assert_eq!(v["application_type"], "native");
        assert_eq!(v["redirect_uris"][0], "http://127.0.0.1:4567/callback");
        assert_eq!(v["client_name"], "roomscribe");
    }

    #[test]
    fn unoffered_method_is_refused_clearly() {
        let err = check_offered(LoginMethod::Sso, &[LoginMethod::Password]).unwrap_err();
        assert_eq!(err.to_string(), "the server does not offer SSO login");
        assert!(check_offered(LoginMethod::Token, &[LoginMethod::Token]).is_ok());
    }
}
