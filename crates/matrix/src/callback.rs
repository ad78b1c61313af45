//! Getting the browser's final redirect back from an SSO or OAuth login: a one-shot HTTP
//! listener on loopback when the browser runs on this machine, or the URL pasted back by the
//! user (over SSH the browser is elsewhere and cannot reach our loopback).

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

use crate::error::{Error, Result};

const PATH: &str = "/callback";

/// A listener on `127.0.0.1:<free port>/callback`.
pub struct LoopbackCallback {
    listener: TcpListener,
    pub redirect_uri: Url,
}

impl LoopbackCallback {
    pub async fn bind() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| Error::Login(format!("cannot listen on loopback: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Login(e.to_string()))?
            .port();
        let redirect_uri = Url::parse(&format!("http://127.0.0.1:{port}{PATH}"))
            .map_err(|e| Error::Login(e.to_string()))?;
        Ok(Self {
            listener,
            redirect_uri,
        })
    }

    /// Waits for the browser to arrive at the callback; returns the full URL it asked for.
    pub async fn wait(self) -> Result<Url> {
        loop {
            let (mut conn, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| Error::Login(e.to_string()))?;
            let target = read_request_target(&mut conn).await;
            let url = target.and_then(|t| self.redirect_uri.join(&t).ok());
            let ours = url.as_ref().is_some_and(|u| u.path() == PATH);
            let reply = if ours {
                "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n\
                 <!doctype html><title>roomscribe</title><p>Signed in. You can close this tab and return to the terminal.</p>"
            } else {
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            };
            let _ = conn.write_all(reply.as_bytes()).await;
            let _ = conn.shutdown().await;
            if let (true, Some(url)) = (ours, url) {
                return Ok(url);
            }
        }
    }
}

/// The request target of `GET /path?query HTTP/1.1`, reading at most 16 KiB of head.
async fn read_request_target(conn: &mut tokio::net::TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(2048);
    let mut chunk = [0u8; 2048];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(chunk.get(..n)?);
    }
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next()?;
    let mut parts = line.split_whitespace();
    (parts.next()? == "GET").then_some(())?;
    parts.next().map(str::to_string)
}

/// What the user pasted: the whole redirect URL (as the browser's address bar shows it), or
/// just its query. Quotes and whitespace around it are ignored.
pub fn parse_pasted(input: &str, redirect_uri: &Url) -> Result<Url> {
    let text = input
        .trim()
        .trim_matches(|c| c == '"' || c == '\'' || c == '<' || c == '>');
    if text.is_empty() {
        return Err(Error::Login("nothing was pasted".into()));
    }
    if let Ok(url) = Url::parse(text) {
        return Ok(url);
    }
    let query = text.trim_start_matches('?');
    if query.contains('=') {
        let mut url = redirect_uri.clone();
        url.set_query(Some(query));
        return Ok(url);
    }
    Err(Error::Login(
        "that is not the address the browser ended on; copy the whole URL from its address bar"
            .into(),
    ))
}

/// A query parameter of the callback URL.
pub fn callback_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The provider's refusal (`error`, `error_description`) as one line, if the URL carries one.
pub(crate) fn callback_error(url: &Url) -> Option<String> {
    let code = callback_param(url, "error")?;
    Some(match callback_param(url, "error_description") {
        Some(d) => format!("{code}: {d}"),
        None => code,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redirect() -> Url {
        Url::parse("http://127.0.0.1:4567/callback").unwrap()
    }

    #[test]
    fn pasted_full_url_and_bare_query() {
        let u = parse_pasted(
            " 'http://127.0.0.1:4567/callback?loginToken=abc' \n",
            &redirect(),
        )
        .unwrap();
        assert_eq!(callback_param(&u, "loginToken").as_deref(), Some("abc"));
        let u = parse_pasted("?code=c1&state=s1", &redirect()).unwrap();
        assert_eq!(u.path(), "/callback");
        assert_eq!(callback_param(&u, "code").as_deref(), Some("c1"));
        assert_eq!(callback_param(&u, "state").as_deref(), Some("s1"));
    }

    #[test]
    fn pasted_garbage_is_a_clear_error() {
        assert!(parse_pasted("", &redirect()).is_err());
        let err = parse_pasted("hello", &redirect()).unwrap_err().to_string();
        assert!(err.contains("address bar"), "{err}");
    }

    #[test]
    fn provider_errors_are_readable() {
        let u = Url::parse(
            "http://x/callback?error=access_denied&error_description=User+said+no&state=s",
        )
        .unwrap();
        assert_eq!(
            callback_error(&u).as_deref(),
            Some("access_denied: User said no")
        );
        assert_eq!(callback_error(&redirect()), None);
    }

    #[tokio::test]
    async fn loopback_returns_the_callback_url() {
        let cb = LoopbackCallback::bind().await.unwrap();
        let base = cb.redirect_uri.clone();
        let waiter = tokio::spawn(cb.wait());
        let http = reqwest::Client::new();
        let miss = http
            .get(base.join("/favicon.ico").unwrap())
            .send()
            .await
            .unwrap();
        assert_eq!(miss.status(), 404);
        let hit = http
            .get(format!("{base}?loginToken=tok&x=1"))
            .send()
            .await
            .unwrap();
        assert_eq!(hit.status(), 200);
        let url = waiter.await.unwrap().unwrap();
        assert_eq!(callback_param(&url, "loginToken").as_deref(), Some("tok"));
    }
}
