//! Connection setup shared by the app and the headless commands: the Matrix client (session,
//! credentials, runtime) and the forum client (keys, URL).

pub mod forum;
pub mod matrix;
