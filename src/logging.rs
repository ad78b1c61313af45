//! Tracing goes to a log file, never to the screen (the screen belongs to the TUI or to output).

use std::path::Path;

use tracing_subscriber::EnvFilter;

/// Returns a guard that flushes the log on drop. Logging failures never stop the app.
pub fn init(path: &Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let dir = path.parent()?;
    std::fs::create_dir_all(dir).ok()?;
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .ok()?;
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
