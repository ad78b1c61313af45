use clap::Parser;
use roomscribe::cli::Cli;
use roomscribe::{error, headless, logging, paths};

fn main() {
    let cli = Cli::parse();
    let log_path = cli
        .global
        .log_file
        .clone()
        .unwrap_or_else(paths::default_log_file);
    let _guard = logging::init(&log_path);
    let code = match headless::run(cli) {
        Ok(()) => 0,
        Err(err) => {
            tracing::error!("{err:#}");
            eprintln!("roomscribe: {}", error::one_line(&err));
            error::exit_code(&err)
        }
    };
    std::process::exit(code);
}
