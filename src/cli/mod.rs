//! The command-line layer: one module per subcommand, each with its usage at the top and its
//! examples in `examples/<command>.txt` — one text, shown both by the module documentation and,
//! through the module's `EXAMPLES` and [`examples_help`], at the end of the subcommand's `--help`.
//! Flags shared by several subcommands are declared once here ([`ExportArgs`], [`SimArgs`],
//! [`TableOutput`]) and flattened into each. Subcommands return what to print; only `main.rs`
//! prints and exits.

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

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::error::{Error, Result};
use crate::ingest::{Encoding, EncodingErrors, ImportOptions, SourceFormat};
use crate::timeparse::{parse_tz, DateOrder};

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

/// Incidents from a store (.parquet, .arrow …) or from an export imported on the fly, read as
/// `import` reads it with the same flags.
pub fn load_incidents(
    input: &std::path::Path,
    export: &ExportArgs,
) -> Result<Vec<crate::schema::Incident>> {
    if crate::store::StoreFormat::of(input).is_ok() {
        return crate::store::read_incidents(input);
    }
    let opts = export.options()?;
    Ok(crate::ingest::import_files(&[input.to_path_buf()], &opts)?.incidents)
}

/// How an export is read: `import`'s flags, declared once and flattened into every subcommand
/// that reads an export (`import`, `analyze`, `fit`, `validate`, `simulate --replay`, `report`,
/// `pilot`), so that an export given to any of them is imported exactly as `import` would.
/// Ignored when the input is a store (.parquet, .arrow …). Its help heading carries on to the
/// flags declared after it, so each command flattens it last.
#[derive(Debug, Clone, Args)]
#[command(next_help_heading = "Reading an export")]
pub struct ExportArgs {
    /// Source format; `auto` detects it from the header and says what it chose.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: SourceFormat,
    /// TOML column mapping for `--format mapping` (see datasets/mapping-example.toml).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// Time zone of timestamps without an offset (IANA name; default UTC). `fit` also uses it as
    /// the desk's time zone for the hour-of-week arrival profile.
    #[arg(long)]
    pub timezone: Option<String>,
    /// chrono format of the timestamps, e.g. "%m/%d/%Y %H:%M" (default: recognise common formats).
    #[arg(long)]
    pub date_format: Option<String>,
    /// Read all-numeric dates like 2/3/2024 as month first (US) instead of day first.
    #[arg(long)]
    pub month_first: bool,
    /// Field delimiter (`,` `;` `|` or `tab`; default: sniffed from the header).
    #[arg(long)]
    pub delimiter: Option<String>,
    /// Character encoding of CSV files (UTF-16 is recognised by its byte-order mark).
    #[arg(long, value_enum, default_value = "utf-8")]
    pub encoding: Encoding,
    /// What to do with bytes that are not valid text: reject the row, replace them, or stop.
    #[arg(long, value_enum, default_value = "reject")]
    pub encoding_errors: EncodingErrors,
    /// Cell values meaning "missing", comma-separated (empty cells always are).
    #[arg(long, default_value = "?")]
    pub missing: String,
    /// Event logs: the case id column.
    #[arg(long)]
    pub case_column: Option<String>,
    /// Event logs: the timestamp column.
    #[arg(long)]
    pub time_column: Option<String>,
    /// Event logs: the state/activity column.
    #[arg(long)]
    pub state_column: Option<String>,
    /// Event logs: the sub-state column.
    #[arg(long)]
    pub sub_state_column: Option<String>,
    /// Event logs: the assignment group / team column.
    #[arg(long)]
    pub group_column: Option<String>,
    /// Event logs: the support level column (L1/L2/L3).
    #[arg(long)]
    pub level_column: Option<String>,
    /// Event logs: the impact column.
    #[arg(long)]
    pub impact_column: Option<String>,
    /// States that pause the clock, comma-separated.
    #[arg(long, default_value = "Wait - User,Wait - Customer,Awaiting User Info")]
    pub pause_states: String,
    /// Event logs: states meaning the service is restored, comma-separated.
    #[arg(long, default_value = "Completed,Resolved,Closed,In Call,Cancelled")]
    pub resolved_states: String,
    /// Event logs: states meaning closed, comma-separated.
    #[arg(long, default_value = "Closed")]
    pub closed_states: String,
}

impl ExportArgs {
    /// The import options these flags mean; a bad value is a usage error.
    pub fn options(&self) -> Result<ImportOptions> {
        if self.format == SourceFormat::Mapping && self.mapping.is_none() {
            return Err(Error::Usage(
                "--format mapping needs --mapping FILE (see datasets/mapping-example.toml)".into(),
            ));
        }
        let delimiter = self.delimiter.as_deref();
        let mut o = ImportOptions {
            format: self.format,
            mapping: self.mapping.clone(),
            date_format: self.date_format.clone(),
            timezone: self.timezone().map_err(Error::Usage)?,
            date_order: self.month_first.then_some(DateOrder::MonthFirst),
            delimiter: delimiter
                .map(crate::ingest::mapping::parse_delimiter)
                .transpose()
                .map_err(Error::Usage)?,
            encoding: self.encoding,
            encoding_errors: self.encoding_errors,
            missing: list(&self.missing),
            ..Default::default()
        };
        let e = &mut o.eventlog;
        e.case_column = self.case_column.clone();
        e.time_column = self.time_column.clone();
        e.state_column = self.state_column.clone();
        e.sub_state_column = self.sub_state_column.clone();
        e.group_column = self.group_column.clone();
        e.level_column = self.level_column.clone();
        e.impact_column = self.impact_column.clone();
        e.pause_states = list(&self.pause_states);
        e.resolved_states = list(&self.resolved_states);
        e.closed_states = list(&self.closed_states);
        Ok(o)
    }

    /// `--timezone`, parsed (None when not given).
    pub fn timezone(&self) -> std::result::Result<Option<chrono_tz::Tz>, String> {
        self.timezone.as_deref().map(parse_tz).transpose()
    }
}

/// The simulation flags, declared once for `simulate`, `compare`, `staff`, `validate` and `report`. Each
/// overrides the scenario file; results do not depend on `--threads`.
#[derive(Debug, Clone, Default, Args)]
pub struct SimArgs {
    /// Replications, independent runs of the model (default: the scenario file's; `staff`: 40;
    /// `validate` on a desk and `report`'s discovered desk: 10). `--runs` is the same flag.
    #[arg(long, visible_alias = "runs")]
    pub replications: Option<usize>,
    /// Random seed (default: the scenario file's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: one per core). Same seed → same results whatever this is.
    #[arg(long)]
    pub threads: Option<usize>,
}

/// `--output table|json` of the commands that print a table (`simulate`, `validate`, `compare`,
/// `staff`, `pilot`). The file flags (`-o`) stay per command: each names what it writes
/// (`--output-store`, `--output-file`, `--output-dir`).
#[derive(Debug, Clone, Copy, Default, Args)]
pub struct TableOutput {
    /// What to print: an aligned table, or JSON (the fields README documents).
    #[arg(long, value_enum, default_value = "table")]
    pub output: simulate::TableOrJson,
}

/// The `--help` epilogue of a subcommand: its examples (the same text as its module documentation
/// shows), indented under a heading.
pub fn examples_help(examples: &str) -> String {
    let mut out = String::from("Examples:\n");
    for line in examples.lines().filter(|l| !l.trim().is_empty()) {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}
