//! The command-line layer: one module per subcommand, each with its usage and examples at the top.
//! Subcommands return what to print; only `main.rs` prints and exits.

pub mod analyze;
pub mod compare;
pub mod fit;
pub mod generate;
pub mod import;
pub mod merge;
pub mod pilot;
pub mod report;
pub mod simulate;
pub mod staff;
pub mod validate;
pub mod validate_desk;

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

/// Incidents from a store (.parquet, .arrow …) or from an export imported on the fly.
pub fn load_incidents(
    input: &std::path::Path,
    format: crate::ingest::SourceFormat,
    mapping: Option<std::path::PathBuf>,
    timezone: Option<&str>,
) -> crate::error::Result<Vec<crate::schema::Incident>> {
    if crate::store::StoreFormat::of(input).is_ok() {
        return crate::store::read_incidents(input);
    }
    let opts = crate::ingest::ImportOptions {
        format,
        mapping,
        timezone: timezone
            .map(crate::timeparse::parse_tz)
            .transpose()
            .map_err(crate::error::Error::Usage)?,
        ..Default::default()
    };
    Ok(crate::ingest::import_files(&[input.to_path_buf()], &opts)?.incidents)
}
