//! The pure transcript engine. No tokio, ratatui or reqwest: data in, text out.
pub mod model;
