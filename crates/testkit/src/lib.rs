//! Test-only helpers: the Synapse that `scripts/synapse` started, users registered through its
//! shared-secret admin API, a plain-HTTP client acting as another user, and a TCP proxy that a test
//! can cut and restore to simulate network loss, and a gateway that answers 502 for some paths.

mod delay;
mod gateway;
mod proxy;
mod synapse;
mod user;

pub use delay::DelayProxy;
pub use gateway::Gateway;
pub use proxy::CutProxy;
pub use synapse::{Synapse, require_limited_synapse, require_synapse};
pub use user::{TestUser, encode};
