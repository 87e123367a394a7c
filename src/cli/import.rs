//! `incidentlab import`: exports → canonical incident store.
//!
#![doc = concat!("```text\n", include_str!("examples/import.txt"), "```")]
//! Prints `read N rows → imported M incidents, rejected K rows (reasons …), B blank rows skipped;
//! C cells dropped (…)`; rejected rows and dropped cells (reason `field_dropped`: an optional cell
//! that could not be read, the incident kept with the field empty) go to the rejects CSV (default
//! `<store>.rejects.csv`) with file, line, column, reason, detail and value.

use std::path::PathBuf;

use clap::Args;

use super::SummaryOutput;
use crate::error::{Error, Result};
use crate::ingest::{self, ImportOptions};

/// The usage examples of `incidentlab import`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/import.txt");

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Export files to import (appended in order; event-log files are reduced together).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
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
    /// How the exports are read (format, mapping, time zone, dates, delimiter, encoding, event-log
    /// columns and states).
    #[command(flatten)]
    pub export: super::ExportArgs,
}

impl ImportArgs {
    pub fn options(&self) -> Result<ImportOptions> {
        self.export.options()
    }
}

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

/// The recipe: stream the files into a staged store (bounded memory), write the rejects, check
/// `--strict`, then commit the store (it replaces `args.store` only once every check has passed,
/// and is removed on any error) and print the summary.
/// Runs the import; `progress(total_bytes)` gives what to tell of the bytes read (the CLI's bar on a
/// terminal).
pub fn run(
    args: &ImportArgs,
    progress: &dyn Fn(u64) -> Box<dyn Fn(u64) + Send + Sync>,
) -> Result<String> {
    let mut opts = args.options()?;
    let total: u64 = args
        .files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    opts.progress = Some(crate::hook::Hook(std::sync::Arc::from(progress(total))));
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
    let written = Written {
        events: events_store,
        rejects: rejects_path,
    };
    Ok(match args.output {
        SummaryOutput::Json => json_summary(args, &imported.summary, &written)?,
        SummaryOutput::Text => text_summary(args, &imported.summary, &written),
    })
}

/// The files an import wrote besides the store: the events store and the rejects file.
struct Written {
    events: Option<PathBuf>,
    rejects: Option<PathBuf>,
}

/// `--output json`: the import summary with the files written and the format of the first file.
fn json_summary(args: &ImportArgs, s: &ingest::ImportSummary, w: &Written) -> Result<String> {
    let shown = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
    let mut v = serde_json::to_value(s).map_err(Error::Json)?;
    v["store"] = serde_json::json!(args.store.display().to_string());
    v["events_store"] = serde_json::json!(shown(&w.events));
    v["rejects_file"] = serde_json::json!(shown(&w.rejects));
    v["format"] = serde_json::json!(s.files.first().map(|f| f.format.clone()));
    serde_json::to_string_pretty(&v).map_err(Error::Json)
}

/// The text summary: per file its format and rows, the summary line, resolutions taken from the
/// events, the files written and the warnings.
fn text_summary(args: &ImportArgs, s: &ingest::ImportSummary, w: &Written) -> String {
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
    if let Some(p) = &w.events {
        out.push_str(&format!(", {} ({} events)", p.display(), s.events_imported));
    }
    if let Some(p) = &w.rejects {
        out.push_str(&format!(", rejects in {}", p.display()));
    }
    out.push('\n');
    for warning in &s.warnings {
        out.push_str(&format!("warning: {warning}\n"));
    }
    out
}
