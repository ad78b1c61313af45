//! A small typed Discourse client for roomscribe.
pub mod types;
