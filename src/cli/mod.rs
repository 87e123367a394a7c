//! The command-line layer: one module per subcommand, each with its usage and examples at the top.
//! Subcommands return what to print; only `main.rs` prints and exits.

pub mod analyze;
pub mod compare;
pub mod fit;
pub mod generate;
pub mod import;
pub mod pilot;
pub mod report;
pub mod simulate;
pub mod staff;
pub mod validate;

use clap::ValueEnum;

/// `--output` for commands that print a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SummaryOutput {
    #[default]
    Text,
    Json,
}

/// Parses a comma-separated list flag value.
pub fn list(s: &str) -> Vec<String> {
    s.split(',')
        .map(|x| x.trim().to_string())
        .filter(|x| !x.is_empty())
        .collect()
}
