//! Dispatch of the subcommands. The headless ones (transcript, tail, feed, watch, publish,
//! categories, login) print to stdout; `tui` and `demo` hand over to the terminal app
//! (`crate::app`).

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, Command, LoginService};
use crate::config::Config;

// Moved to their own places; kept under these names for the commands below.
pub use crate::connect::{forum, matrix};

pub mod bot;
pub mod categories;
pub mod feed;
pub mod login;
pub mod login_discourse;
pub mod media;
pub mod publish;
pub mod tail;
pub mod transcript;
pub mod watch;

pub fn run(cli: Cli) -> Result<()> {
    let config = Config::load(cli.global.config.as_deref())?;
    let Some(command) = cli.command else {
        return match cli.room {
            Some(room) => crate::app::tui::run(&room, &cli.global, &config),
            None => {
                Cli::command().print_help()?;
                Ok(())
            }
        };
    };
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "roomscribe",
                &mut std::io::stdout(),
            );
            Ok(())
        }
        Command::Manpage => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(())
        }
        Command::Tui {
            input: Some(file),
            room,
        } => crate::app::archive::run(&file, room.as_deref(), &cli.global, &config),
        Command::Tui {
            room: Some(room), ..
        } => crate::app::tui::run(&room, &cli.global, &config),
        Command::Tui { .. } => Err(crate::error::usage("name a room or pass --input FILE")),
        Command::Demo { pace } => crate::app::demo::run(pace, &cli.global, &config),
        Command::Transcript(args) => transcript::run(args, &cli.global, &config),
        Command::Tail {
            room,
            json,
            backfill,
        } => tail::run(&room, json, backfill, &cli.global, &config),
        Command::Login {
            service: LoginService::Matrix { method, no_browser },
        } => login::matrix(method, no_browser, &cli.global, &config),
        Command::Categories { json } => categories::run(json, &cli.global, &config),
        Command::Feed { json } => feed::run(json, &cli.global, &config),
        Command::Watch { room } => watch::run(&room, &cli.global, &config),
        Command::Bot { rooms } => bot::run(&rooms, &cli.global, &config),
        Command::Publish {
            title,
            category,
            tags,
            open,
            file,
        } => publish::run(&title, &category, &tags, open, &file, &cli.global, &config),
        Command::Login {
            service: LoginService::Discourse { no_browser },
        } => login_discourse::run(no_browser, &cli.global, &config),
    }
}
