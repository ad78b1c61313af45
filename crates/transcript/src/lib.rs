//! The pure transcript engine. No tokio, ratatui or reqwest: data in, text out.
//!
//! Events (from Matrix, an export file or the demo) go into a [`Timeline`]; a [`Spec`] (parsed
//! from the selection grammar) picks a [`Transcript`] out of it with [`select()`]; [`render()`]
//! turns that into one Discourse post using a [`Template`].
mod escape;
pub mod model;
pub mod render;
pub mod room;
pub mod sanitize;
pub mod select;
pub mod sources;
pub mod spec;
pub mod strings;
mod template;
pub mod timeline;
mod when;
mod words;

pub use render::{RenderOptions, permalink, render, room_label, suggest_title};
pub use room::{RoomError, RoomRef};
pub use select::{DEFAULT_GAP, Filter, Line, Speaker, Stats, Transcript, Turn, by_hand, select};
pub use sources::{Parsed, SourceError};
pub use spec::{Range, Spec, SpecError};
pub use template::{Template, TemplateError};
pub use timeline::{Change, Timeline};
pub use when::human;
