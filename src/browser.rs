//! Opening a link where the user sits. Over SSH a browser would start on the server, out of
//! sight, so callers print or show the link instead.

/// A local graphical session, not a shell reached over SSH.
pub fn is_local() -> bool {
    let graphical = cfg!(target_os = "macos")
        || std::env::var_os("DISPLAY").is_some()
        || std::env::var_os("WAYLAND_DISPLAY").is_some();
    let ssh = std::env::var_os("SSH_CONNECTION").is_some() || std::env::var_os("SSH_TTY").is_some();
    graphical && !ssh
}

/// Starts the system's opener without waiting for it; false when no browser can be used here.
pub fn open(url: &str) -> bool {
    if !is_local() {
        return false;
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .is_ok()
}
