//! Tracing goes to a log file, never to the screen (the screen belongs to the TUI or to output).

use std::path::Path;

use tracing_subscriber::EnvFilter;

/// Returns a guard that flushes the log on drop. Logging failures never stop the app.
pub fn init(path: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    // Appended to, not replaced, so not the atomic writer's job; but the log holds room
    // content, so only its owner may read it, also when an older run created it 0644.
    let mut opts = std::fs::OpenOptions::new();
    opts.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        opts.mode(0o600);
        let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
    }
    let file = opts.open(path).ok()?;
    let (writer, guard) = tracing_appender::non_blocking(file);
    let filter = EnvFilter::try_from_env("ROOMSCRIBE_LOG_LEVEL")
        .unwrap_or_else(|_| EnvFilter::new("info,matrix_sdk=warn,matrix_sdk_base=warn"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .ok()?;
    Some(guard)
}
