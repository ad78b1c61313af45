//! The terminal app's entry points: `roomscribe tui ROOM` (live, or on an archive) and
//! `roomscribe demo`. They build the options, connect the sources and hand over to `crate::tui`.

pub mod demo;
pub mod tui;
