//! A reverse proxy in front of a real server that can be told to answer `502 Bad Gateway` for
//! some paths, as nginx does while the backend behind it is down or restarting.

use std::sync::{Arc, Mutex};

use anyhow::Result;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

#[derive(Clone)]
struct Shared {
    target: String,
    failing: Arc<Mutex<Vec<String>>>,
    http: reqwest::Client,
}

pub struct Gateway {
    pub addr: std::net::SocketAddr,
    failing: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Gateway {
    /// Forwards every request to `url` (like `http://127.0.0.1:8008`) until told to fail.
    pub async fn in_front_of(url: &str) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let failing = Arc::new(Mutex::new(Vec::new()));
        let shared = Shared {
            target: url.trim_end_matches('/').to_string(),
            failing: failing.clone(),
            http: reqwest::Client::new(),
        };
        let app = axum::Router::new().fallback(forward).with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Self {
            addr,
            failing,
            task,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// From now on, requests whose path contains `part` get a 502 with an HTML page.
    pub fn fail(&self, part: &str) {
        self.lock().push(part.to_string());
    }

    /// Forwards everything again.
    pub fn heal(&self) {
        self.lock().clear();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<String>> {
        self.failing.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(State(s): State<Shared>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_string())
        .unwrap_or_default();
    let fails = s
        .failing
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|part| path.contains(part.as_str()));
    if fails {
        let page = "<html><body><h1>502 Bad Gateway</h1><hr>nginx</body></html>";
        return (
            StatusCode::BAD_GATEWAY,
            [("content-type", "text/html")],
            page,
        )
            .into_response();
    }
    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, 256 << 20).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let mut out = s.http.request(parts.method, format!("{}{path}", s.target));
    for (name, value) in &parts.headers {
        if name != "host" && !hop_by_hop(name.as_str()) {
            out = out.header(name, value);
        }
    }
    match out.body(body).send().await {
        Ok(resp) => {
            let mut back = Response::builder().status(resp.status());
            for (name, value) in resp.headers() {
                if !hop_by_hop(name.as_str()) {
                    back = back.header(name, value);
                }
            }
            let bytes = resp.bytes().await.unwrap_or_default();
            back.body(Body::from(bytes))
                .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
        }
        Err(_) => StatusCode::BAD_GATEWAY.into_response(),
    }
}

/// Headers about one connection, not the message: the body is re-framed on each side.
fn hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection" | "keep-alive" | "transfer-encoding" | "content-length" | "upgrade"
    )
}
