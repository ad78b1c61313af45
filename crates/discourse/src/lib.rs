//! A small typed Discourse client for roomscribe: auth, categories, exactly-once publishing,
//! the composer link, the User API key flow, the live feed and the notification rules.
pub mod api;
pub mod categories;
pub mod client;
pub mod composer;
pub mod error;
pub mod feed;
pub mod forward;
pub mod items;
pub mod message_bus;
pub mod publish;
pub mod rules;
pub mod types;
pub mod uploads;
pub mod user_api_key;

pub use client::{Auth, Client};
pub use error::ForumError;
