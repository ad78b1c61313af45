//! The terminal app's entry points: `roomscribe tui ROOM` (live), `tui --input FILE` (an
//! archive) and
//! `roomscribe demo`. They build the options, connect the sources and hand over to `crate::tui`.

pub mod archive;
pub mod demo;
pub mod tui;
