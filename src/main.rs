//! The `incidentlab` command: parses flags, calls the library, prints, and maps errors to exit codes
//! (0 success, 1 a problem with the input or files, 2 a usage error).

use clap::{Parser, Subcommand};

use incidentlab::cli;

#[derive(Parser)]
#[command(name = "incidentlab", version, about = "Turns raw IT incident exports into decisions: import, metrics, simulation, reports.")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Import exports (ServiceNow, Jira, PagerDuty, event logs, XES, any CSV via a mapping) into a store.
    Import(cli::import::ImportArgs),
    /// Write a synthetic export with a realistic shape (deterministic from --seed).
    Generate(cli::generate::GenerateArgs),
}

fn main() {
    let args = Cli::parse();
    let result = match &args.command {
        Command::Import(a) => cli::import::run(a),
        Command::Generate(a) => cli::generate::run(a),
    };
    match result {
        Ok(text) => print!("{text}"),
        Err(e) => {
            eprintln!("error: {e}");
            let code = if matches!(e, incidentlab::Error::Usage(_)) { 2 } else { 1 };
            std::process::exit(code);
        }
    }
}
