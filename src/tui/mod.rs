//! The terminal app: `Msg` in, `update` the `State`, draw it, run the `Command`s that come out.
//! It talks to chat and forum sources only through channels (see `source`), so the same app
//! runs on the live network, on the embedded demo, and headless in tests.

pub mod app;
pub mod executor;
mod input;
pub mod keymap;
pub mod msg;
pub mod source;
pub mod state;
pub mod terminal;
pub mod theme;
pub mod transcript;
pub mod update;
pub mod widgets;

pub use app::App;
pub use msg::{Command, Msg};
pub use source::{Links, Peer, links};
