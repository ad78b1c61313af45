//! `roomscribe demo`: the real app on an embedded room and forum that live in this process.
//! They speak the same channel protocol as the Matrix and Discourse sources, so the UI cannot
//! tell them apart.

mod activity;
pub mod forum;
pub mod room;
