//! roomscribe: curate a Gitter (Matrix) room into one Discourse post, from the terminal.
//!
//! The app crate: CLI, config, the terminal UI and the headless commands. The protocol and
//! transcript work lives in its own crates, re-exported here.

pub use roomscribe_discourse as discourse;
pub use roomscribe_matrix as matrix;
pub use roomscribe_transcript as transcript;

pub mod app;
pub mod browser;
pub mod cli;
pub mod config;
pub mod connect;
pub mod demo;
pub mod error;
pub mod headless;
pub mod logging;
pub mod paths;
pub mod tui;
