//! Dispatch of the subcommands. The headless ones (transcript, tail, feed, watch, publish,
//! categories, login) print to stdout; `tui` and `demo` hand over to the terminal app.

use anyhow::Result;
use clap::CommandFactory;

use crate::cli::{Cli, Command};
use crate::config::Config;

pub fn run(cli: Cli) -> Result<()> {
    let config = Config::load(cli.global.config.as_deref())?;
    let Some(command) = cli.command else {
        return match cli.room {
            Some(room) => not_yet("the interactive app", &room),
            None => {
                Cli::command().print_help()?;
                Ok(())
            }
        };
    };
    match command {
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "roomscribe", &mut std::io::stdout());
            Ok(())
        }
        Command::Manpage => {
            clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout())?;
            Ok(())
        }
        Command::Tui { room } => not_yet("the interactive app", &room),
        Command::Demo { .. } => not_yet("the demo", ""),
        other => {
            let _ = &config;
            not_yet(&format!("{other:?}"), "")
        }
    }
}

fn not_yet(what: &str, _room: &str) -> Result<()> {
    anyhow::bail!("{what} is not built yet")
}
