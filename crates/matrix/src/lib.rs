//! roomscribe's Matrix (Gitter) client on matrix-sdk: login and session, room resolution,
//! backfill, the live stream and sending notices.
//!
//! The app talks to it only through owned values: [`run`] is a task fed with
//! [`ChatCommand`](roomscribe_transcript::model::ChatCommand)s that reports
//! [`ChatEvent`](roomscribe_transcript::model::ChatEvent)s; the headless commands use the plain
//! async functions ([`connect`], [`resolve_room`], [`backfill`], ...).

mod backfill;
mod cache;
mod callback;
mod connect;
pub mod convert;
mod error;
mod known;
mod live;
mod login;
mod media;
mod reopen;
mod resolve;
mod room_cache;
mod rooms_sync;
mod run;
mod send;
mod session;

pub use backfill::{Backfiller, Step, backfill};
pub use cache::{CacheDir, Opened};
pub use callback::{LoopbackCallback, callback_param, parse_pasted};
pub use connect::{
    Credentials, client_cached, client_for, connect, connect_cached, connect_looking_up,
};
pub use error::{Error, Result};
pub use live::{Backoff, LiveError, LiveStream};
pub use login::{
    LoginMethod, PendingLogin, available_methods, check_offered, finish_login, login_password,
    start_browser_login,
};
pub use media::download_media;
pub use resolve::{
    Joined, Lookup, RoomTarget, alias_moved, join_looked_up, join_room, look_up, power_level,
    resolve_room, room_info,
};
pub use rooms_sync::{Batch, RoomsSync};
pub use run::{Opening, run, run_cached};
pub use send::{send_message, send_reply};
pub use session::{StoredSession, persist_refreshed_tokens};

/// The SDK, for callers that need its types (the bench, tests).
pub use matrix_sdk;
