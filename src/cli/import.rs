//! `incidentlab import`: exports → canonical incident store.
//!
//! ```text
//! incidentlab import export.csv --format servicenow -o store.parquet
//! incidentlab import audit-*.csv --format servicenow-audit --timezone Europe/Berlin -o store.parquet
//! incidentlab import jira.csv --format auto --rejects rejects.csv --output json -o store.arrow
//! incidentlab import bpic2013.csv --format eventlog -o volvo.parquet
//! incidentlab import acme.csv --format mapping --mapping acme.toml -o store.parquet
//! ```
//! Prints `read N rows → imported M incidents, rejected K rows (reasons …), B blank rows skipped;
//! C cells dropped (…)`; rejected rows and dropped cells (reason `field_dropped`: an optional cell
//! that could not be read, the incident kept with the field empty) go to the rejects CSV (default
//! `<store>.rejects.csv`) with file, line, column, reason, detail and value.

use std::path::PathBuf;

use clap::Args;

use super::{list, SummaryOutput};
use crate::error::{Error, Result};
use crate::ingest::{self, Encoding, EncodingErrors, ImportOptions, SourceFormat};
use crate::timeparse::{parse_tz, DateOrder};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Export files to import (appended in order; event-log files are reduced together).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Source format; `auto` detects it from the header and says what it chose.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: SourceFormat,
    /// TOML column mapping for `--format mapping` (see datasets/mapping-example.toml).
    #[arg(long)]
    pub mapping: Option<PathBuf>,
    /// The store to write: .parquet, or .arrow/.ipc/.feather for Arrow IPC.
    #[arg(
        short = 'o',
        long = "output-store",
        alias = "out",
        value_name = "STORE"
    )]
    pub store: PathBuf,
    /// Where to write rejected rows and dropped cells (default: <store>.rejects.csv, written when
    /// there are any).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
    /// Summary format on standard output.
    #[arg(long, value_enum, default_value = "text")]
    pub output: SummaryOutput,
    /// Fail (exit 1, no store written) when any row is rejected or nothing is imported; the
    /// rejects file is still written so you can see why.
    #[arg(long)]
    pub strict: bool,
    /// chrono format of the timestamps, e.g. "%m/%d/%Y %H:%M" (default: recognise common formats).
    #[arg(long)]
    pub date_format: Option<String>,
    /// Time zone of timestamps without an offset (IANA name; default UTC).
    #[arg(long)]
    pub timezone: Option<String>,
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

impl ImportArgs {
    pub fn options(&self) -> Result<ImportOptions> {
        let mut o = ImportOptions {
            format: self.format,
            mapping: self.mapping.clone(),
            date_format: self.date_format.clone(),
            timezone: self
                .timezone
                .as_deref()
                .map(parse_tz)
                .transpose()
                .map_err(Error::Usage)?,
            date_order: self.month_first.then_some(DateOrder::MonthFirst),
            delimiter: self
                .delimiter
                .as_deref()
                .map(ingest::mapping::parse_delimiter)
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
        if self.format == SourceFormat::Mapping && self.mapping.is_none() {
            return Err(Error::Usage(
                "--format mapping needs --mapping FILE (see datasets/mapping-example.toml)".into(),
            ));
        }
        Ok(o)
    }
}

/// Runs the import and returns the text to print.
/// `--strict`: any rejected row, or an import that yields no incident, is an error.
fn strict_check(
    args: &ImportArgs,
    s: &ingest::ImportSummary,
    rejects: Option<&std::path::Path>,
) -> Result<()> {
    if s.rows_rejected == 0 && s.incidents_imported > 0 {
        return Ok(());
    }
    let file = args.files.first().cloned().unwrap_or_default();
    let listed = rejects
        .map(|p| format!("; rejects in {}", p.display()))
        .unwrap_or_default();
    Err(Error::format(
        file,
        format!(
            "--strict: {}; {} not written{listed}",
            s.line(),
            args.store.display()
        ),
    ))
}

pub fn run(args: &ImportArgs) -> Result<String> {
    let opts = args.options()?;
    // Streams into a staged store (bounded memory); it replaces `args.store` only once every check
    // has passed, and is removed on any error.
    let ingest::StoreImport {
        imported,
        staged,
        events_store,
    } = ingest::import_to_store(
        &args.files,
        &opts,
        &args.store,
        ingest::stream::StreamOptions::from_env(),
    )?;
    let nothing_to_list = imported.rejects.is_empty() && imported.dropped.is_empty();
    let rejects_path = match (&args.rejects, nothing_to_list) {
        (Some(p), _) => Some(p.clone()),
        (None, false) => Some(args.store.with_extension("rejects.csv")),
        (None, true) => None,
    };
    if let Some(p) = &rejects_path {
        ingest::write_rejects(p, &imported.rejects, &imported.dropped)?;
    }
    if args.strict {
        strict_check(args, &imported.summary, rejects_path.as_deref())?;
    }
    staged.commit()?;
    let events_path = events_store;
    let s = &imported.summary;
    Ok(match args.output {
        SummaryOutput::Json => {
            let mut v = serde_json::to_value(s).map_err(|e| Error::Usage(e.to_string()))?;
            v["store"] = serde_json::json!(args.store.display().to_string());
            v["events_store"] = serde_json::json!(events_path.map(|p| p.display().to_string()));
            v["rejects_file"] = serde_json::json!(rejects_path.map(|p| p.display().to_string()));
            v["format"] = serde_json::json!(s.files.first().map(|f| f.format.clone()));
            serde_json::to_string_pretty(&v).map_err(|e| Error::Usage(e.to_string()))?
        }
        SummaryOutput::Text => {
            let mut out = String::new();
            for f in &s.files {
                let how = if f.format_detected {
                    "detected"
                } else {
                    "given"
                };
                let blank = if f.blank_rows > 0 {
                    format!(" ({} blank)", f.blank_rows)
                } else {
                    String::new()
                };
                out.push_str(&format!(
                    "{}: format {} ({how}), {} rows{blank}\n",
                    f.file, f.format, f.rows_read
                ));
            }
            out.push_str(&s.line());
            out.push('\n');
            if s.resolved_from_events + s.closed_without_resolution > 0 {
                out.push_str(&format!(
                    "resolved_at taken from the events table for {} incidents (resolved_source = events); {} closed without a resolution (MTTR and the SLA clock end at closed_at)\n",
                    s.resolved_from_events, s.closed_without_resolution
                ));
            }
            out.push_str(&format!(
                "wrote {} ({} incidents)",
                args.store.display(),
                s.incidents_imported
            ));
            if let Some(p) = events_path {
                out.push_str(&format!(", {} ({} events)", p.display(), s.events_imported));
            }
            if let Some(p) = rejects_path {
                out.push_str(&format!(", rejects in {}", p.display()));
            }
            out.push('\n');
            for w in &s.warnings {
                out.push_str(&format!("warning: {w}\n"));
            }
            out
        }
    })
}
