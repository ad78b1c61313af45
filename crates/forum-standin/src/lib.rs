//! A stateful stand-in for a Discourse forum, for tests and the demo: categories with
//! subcategories (and a staff-only one), users with an admin key and User API keys, topics and
//! posts that persist across requests and restarts, Discourse's validation errors and rate
//! limits, switchable faults, and a real MessageBus long-poll. Every JSON answer is shaped and
//! checked by Discourse's OpenAPI schemas, and tests compare it with recorded answers.

#![recursion_limit = "256"]
// Handlers answer `Result<Response, Response>`, axum's usual shape; the size does not matter here.
#![allow(clippy::result_large_err)]

mod bus;
mod cut;
mod external_id;
mod render;
mod routes;
pub mod schema;
mod state;
mod uploads;
mod user_api_key;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::routing::{get, post};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

pub use state::{MIN_POST, MIN_TITLE};
pub use uploads::{StoredUpload, UploadSettings};

/// Switchable misbehaviour. Counted faults hit the next N requests; `BusUnavailable` stays on
/// while its count is non-zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// A proxy's HTML 502 page instead of any REST answer.
    Html502,
    /// 429 JSON with `extras.wait_seconds` (the app's rate limiter).
    RateLimitJson,
    /// 429 text/plain with `Retry-After` (the request tracker middleware).
    RateLimitText,
    /// Create the topic/post, then cut the connection before answering.
    DropAfterCreate,
    /// Create the topic/post, then answer 200 with a body that is not JSON (a broken proxy).
    GarbageAfterCreate,
    /// Create the topic/post, then answer with the proxy's HTML 502 page (the app was slow).
    Html502AfterCreate,
    /// Create the topic/post, then wait 5 s before answering (the client times out first).
    SlowAfterCreate,
    /// MessageBus answers 404 (disabled or blocked).
    BusUnavailable,
}

/// A topic as stored, for assertions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredTopic {
    pub id: u64,
    pub external_id: Option<String>,
    pub title: String,
    pub category_id: u64,
    pub tags: Vec<String>,
    pub username: String,
    pub posts: Vec<String>,
}

pub(crate) struct Shared {
    forum: Mutex<state::Forum>,
    pub(crate) admin_key: String,
    pub(crate) bus_changed: Notify,
    faults: Mutex<Vec<(Fault, u32)>>,
    hold: Mutex<Duration>,
    stop: Mutex<CancellationToken>,
    upload_settings: Mutex<UploadSettings>,
    uploads: Mutex<Vec<StoredUpload>>,
}

impl Shared {
    pub(crate) fn forum(&self) -> MutexGuard<'_, state::Forum> {
        self.forum.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn faults(&self) -> MutexGuard<'_, Vec<(Fault, u32)>> {
        self.faults.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn take_fault(&self, fault: Fault) -> bool {
        let mut faults = self.faults();
        match faults.iter_mut().find(|(f, n)| *f == fault && *n > 0) {
            Some((_, n)) => {
                *n -= 1;
                true
            }
            None => false,
        }
    }

    pub(crate) fn fault_active(&self, fault: Fault) -> bool {
        self.faults().iter().any(|(f, n)| *f == fault && *n > 0)
    }

    /// Cancelled when the server stops, so held requests end with it.
    pub(crate) fn stop_token(&self) -> CancellationToken {
        self.stop.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn upload_settings(&self) -> UploadSettings {
        self.upload_settings
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub(crate) fn uploads(&self) -> MutexGuard<'_, Vec<StoredUpload>> {
        self.uploads.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn poll_hold(&self) -> Duration {
        *self.hold.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A running stand-in. Dropping it stops the server.
pub struct ForumStandin {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: Option<tokio::task::JoinHandle<()>>,
}

impl ForumStandin {
    /// Starts on a free loopback port with the seeded forum.
    pub async fn start() -> std::io::Result<Self> {
        let shared = Arc::new(Shared {
            forum: Mutex::new(state::Forum::seeded()),
            admin_key: format!("standin-admin-{:016x}", rand::random::<u64>()),
            bus_changed: Notify::new(),
            faults: Mutex::new(Vec::new()),
            hold: Mutex::new(Duration::from_secs(25)),
            stop: Mutex::new(CancellationToken::new()),
            upload_settings: Mutex::new(UploadSettings::default()),
            uploads: Mutex::new(Vec::new()),
        });
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let mut me = Self {
            shared,
            addr,
            server: None,
        };
        me.serve(listener);
        Ok(me)
    }

    fn router(shared: Arc<Shared>) -> Router {
        let rest = Router::new()
            .route("/site.json", get(routes::site))
            .route("/latest.json", get(routes::latest))
            .route("/posts.json", get(routes::posts).post(routes::create))
            .route("/t/{id}", get(routes::topic))
            .route("/t/{slug}/{id}", get(routes::topic_with_slug))
            .route(
                "/t/external_id/{external_id}",
                get(external_id::topic_by_external_id),
            )
            .route("/u/{username}", get(routes::user))
            .route("/uploads.json", post(uploads::create))
            .route("/uploads/short-url/{file}", get(uploads::show_short))
            .route("/session/current.json", get(routes::current))
            .route("/notifications.json", get(routes::notifications))
            .route("/user-api-key/new", get(user_api_key::new_key))
            .fallback(|| async { routes::not_found() })
            .layer(axum::middleware::from_fn_with_state(
                shared.clone(),
                routes::faults,
            ));
        Router::new()
            .route("/message-bus/{client_id}/poll", post(bus::poll))
            .merge(rest)
            .with_state(shared)
    }

    fn serve(&mut self, listener: TcpListener) {
        let app = Self::router(self.shared.clone());
        let stop = self.shared.stop_token();
        let listener = cut::CutListener {
            inner: listener,
            stop: stop.clone(),
        };
        self.server = Some(tokio::spawn(async move {
            let serve = axum::serve(listener, app);
            tokio::select! {
                res = serve => if let Err(e) = res { tracing::warn!("stand-in server: {e}") },
                _ = stop.cancelled() => {}
            }
        }));
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn admin_key(&self) -> String {
        self.shared.admin_key.clone()
    }

    /// Seeded users: `admin` (staff), `alice`, `bob`.
    pub fn usernames(&self) -> Vec<String> {
        self.shared
            .forum()
            .users
            .iter()
            .filter(|u| u.id > 0)
            .map(|u| u.username.clone())
            .collect()
    }

    /// Adds a user (e.g. a moderator for the bot's tests); false when the name is taken.
    pub fn add_user(&self, username: &str, admin: bool, moderator: bool) -> bool {
        let mut forum = self.shared.forum();
        if forum.user_by_name(username).is_some() {
            return false;
        }
        let id = forum.users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
        forum.users.push(state::User {
            id,
            username: username.to_string(),
            admin,
            moderator,
            user_api_keys: vec![],
        });
        true
    }

    /// Creates a User API key for `username` (what approving in the browser does).
    pub fn create_user_api_key(&self, username: &str, client_id: &str) -> Option<String> {
        let mut forum = self.shared.forum();
        let user = forum.users.iter_mut().find(|u| u.username == username)?;
        let key = format!("standin-user-{:016x}", rand::random::<u64>());
        user.user_api_keys
            .push((key.clone(), client_id.to_string()));
        Some(key)
    }

    /// What a user approving `/user-api-key/new?...` in the browser gets: the payload to paste
    /// back (base64, wrapped like Discourse's page shows it).
    pub fn approve_user_api_key(
        &self,
        username: &str,
        authorize_url: &str,
    ) -> Result<String, String> {
        let url = url::Url::parse(authorize_url).map_err(|e| e.to_string())?;
        if url.path() != "/user-api-key/new" {
            return Err(format!("not an authorization URL: {}", url.path()));
        }
        let query = url.query_pairs().into_owned().collect();
        let user_id = self
            .shared
            .forum()
            .user_by_name(username)
            .map(|u| u.id)
            .ok_or("no such user")?;
        let b64 = user_api_key::issue(&self.shared, user_id, &query)?;
        let lines: Vec<String> = b64
            .as_bytes()
            .chunks(60)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        Ok(lines.join("\n"))
    }

    pub fn topics(&self) -> Vec<StoredTopic> {
        let forum = self.shared.forum();
        forum
            .topics
            .values()
            .map(|t| StoredTopic {
                id: t.id,
                external_id: t.external_id.clone(),
                title: t.title.clone(),
                category_id: t.category_id,
                tags: t.tags.clone(),
                username: forum
                    .user(t.user_id)
                    .map(|u| u.username.clone())
                    .unwrap_or_default(),
                posts: t
                    .posts
                    .iter()
                    .filter_map(|p| forum.posts.get(p))
                    .map(|p| p.raw.clone())
                    .collect(),
            })
            .collect()
    }

    /// Someone else posts: a new topic (`topic_id: None`) or a reply. Returns the topic id.
    pub fn publish_post_as(
        &self,
        username: &str,
        topic_id: Option<u64>,
        title: &str,
        raw: &str,
        category_id: u64,
        tags: &[&str],
    ) -> Result<u64, String> {
        let result = {
            let mut forum = self.shared.forum();
            let uid = forum
                .user_by_name(username)
                .map(|u| u.id)
                .ok_or("no such user")?;
            match topic_id {
                Some(t) => forum
                    .add_post(t, uid, raw)
                    .map(|_| t)
                    .map_err(|e| e.join("; ")),
                None => forum
                    .create_topic(
                        uid,
                        title,
                        raw,
                        Some(category_id),
                        tags.iter().map(|t| t.to_string()).collect(),
                    )
                    .map_err(|e| {
                        e.map(|e| e.join("; "))
                            .unwrap_or_else(|| "not permitted".into())
                    }),
            }
        };
        self.shared.bus_changed.notify_waiters();
        result
    }

    /// The site's upload settings (`max_image_size_kb`, `max_attachment_size_kb`,
    /// `authorized_extensions`).
    pub fn set_upload_settings(&self, settings: UploadSettings) {
        *self
            .shared
            .upload_settings
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = settings;
    }

    /// Everything uploaded so far, with the bytes.
    pub fn uploads(&self) -> Vec<StoredUpload> {
        self.shared.uploads().clone()
    }

    /// The next `times` requests (of the kind the fault hits) misbehave.
    pub fn set_fault(&self, fault: Fault, times: u32) {
        let mut faults = self.shared.faults();
        faults.retain(|(f, _)| *f != fault);
        faults.push((fault, times));
    }

    /// How long a long-poll is held when nothing happens (Discourse: 25 s).
    pub fn set_poll_hold(&self, hold: Duration) {
        *self.shared.hold.lock().unwrap_or_else(|p| p.into_inner()) = hold;
    }

    /// Stops answering and cuts open connections (held polls included); state is kept.
    pub async fn stop(&mut self) {
        self.shared.stop_token().cancel();
        if let Some(server) = self.server.take() {
            server.abort();
            let _ = server.await;
        }
    }

    /// Serves again on the same port with the same forum.
    pub async fn restart(&mut self) -> std::io::Result<()> {
        self.stop().await;
        *self.shared.stop.lock().unwrap_or_else(|p| p.into_inner()) = CancellationToken::new();
        let listener = TcpListener::bind(self.addr).await?;
        self.serve(listener);
        Ok(())
    }
}

impl Drop for ForumStandin {
    fn drop(&mut self) {
        self.shared.stop_token().cancel();
        if let Some(server) = self.server.take() {
            server.abort();
        }
    }
}
