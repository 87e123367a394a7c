//! Writing generated incidents in each export format, the way the real tools write them, and the
//! incident each format's importer must give back (the round-trip oracle). One file per format,
//! each an [`Exporter`]: the CSV formats are a table of (header, cell) pairs whose header names
//! come from [`crate::ingest::spec`], the same constants the importers look columns up by; XES is
//! written through quick-xml. Exporters take incidents one at a time, so `generate` streams.

mod eventlog;
mod jira;
mod mapping;
mod pagerduty;
mod servicenow;
mod servicenow_audit;
mod xes;

use std::io::{self, Write};
use std::path::Path;

use chrono_tz::Tz;

use super::{GeneratedIncident, Step, StepKind};
use crate::error::{Error, Result};
use crate::ingest::SourceFormat;
use crate::output::write_atomically;
use crate::schema::{Incident, UtcMillis};
use crate::timeparse::format_local;

pub use mapping::{mapping_file, MAPPING_EXAMPLE};

/// One export format's writer: made with its output (it writes the header or document start
/// then), fed incidents in order, then finished (trailer, flush).
pub trait Exporter {
    /// Writes the `k`-th incident (0-based): one row, or one row or element per event.
    fn incident(&mut self, k: usize, g: &GeneratedIncident) -> io::Result<()>;
    /// Writes what follows the last incident and flushes.
    fn finish(&mut self) -> io::Result<()>;
}

/// The exporter of `format`, writing to `w` with local times in `tz`.
pub fn exporter<'w>(
    format: SourceFormat,
    w: &'w mut dyn Write,
    tz: Tz,
) -> Result<Box<dyn Exporter + 'w>> {
    let io_err = |source| {
        Error::Usage(format!(
            "cannot start the {} export: {source}",
            format.name()
        ))
    };
    let e: Box<dyn Exporter + 'w> = match format {
        SourceFormat::ServiceNow => {
            Box::new(CsvTable::new(w, b',', tz, servicenow::COLUMNS).map_err(io_err)?)
        }
        SourceFormat::ServiceNowAudit => {
            Box::new(CsvTable::new(w, b',', tz, servicenow_audit::COLUMNS).map_err(io_err)?)
        }
        SourceFormat::Jira => Box::new(CsvTable::new(w, b',', tz, jira::COLUMNS).map_err(io_err)?),
        SourceFormat::PagerDuty => {
            Box::new(CsvTable::new(w, b',', tz, pagerduty::COLUMNS).map_err(io_err)?)
        }
        SourceFormat::EventLog => {
            w.write_all(b"\xEF\xBB\xBF").map_err(io_err)?; // BPIC's CSV carries a byte-order mark
            Box::new(CsvTable::new(w, b',', tz, eventlog::COLUMNS).map_err(io_err)?)
        }
        SourceFormat::Xes => Box::new(xes::Xes::new(w, tz).map_err(io_err)?),
        SourceFormat::Mapping => {
            Box::new(CsvTable::new(w, b';', tz, mapping::COLUMNS).map_err(io_err)?)
        }
        SourceFormat::Auto => {
            return Err(Error::Usage(
                "generate needs a concrete --format, not auto".into(),
            ))
        }
    };
    Ok(e)
}

/// Writes the incidents that `produce` hands on, one at a time, as an export of `format` to
/// `path` (atomically, nothing kept in memory), plus the files that go with it (the mapping file
/// for `mapping`). Returns the number of incidents written. An error from `produce` stops the
/// write (the file is not replaced) and is returned.
pub fn write_with(
    format: SourceFormat,
    path: &Path,
    tz: Tz,
    produce: impl FnOnce(&mut dyn FnMut(GeneratedIncident) -> Result<()>) -> Result<()>,
) -> Result<usize> {
    let mut failure = None;
    let mut count = 0;
    let written = write_atomically(path, |w| {
        let mut out = exporter(format, w, tz).map_err(io::Error::other)?;
        let produced = produce(&mut |g| {
            out.incident(count, &g).map_err(|source| Error::Write {
                path: path.to_path_buf(),
                source,
            })?;
            count += 1;
            Ok(())
        });
        if let Err(e) = produced {
            failure = Some(e);
            return Err(io::Error::other("generation stopped"));
        }
        out.finish()
    });
    if let Some(e) = failure {
        return Err(e);
    }
    written?;
    if format == SourceFormat::Mapping {
        let mapping = mapping_file(tz);
        crate::output::write_bytes(&path.with_extension("mapping.toml"), mapping.as_bytes())?;
    }
    Ok(count)
}

/// Writes generated incidents as an export of `format` to `path` (atomically).
pub fn write_export(
    format: SourceFormat,
    incidents: &[GeneratedIncident],
    path: &Path,
    opts: &super::GenerateOptions,
) -> Result<()> {
    write_with(format, path, opts.timezone, |emit| {
        incidents.iter().try_for_each(|g| emit(g.clone()))
    })
    .map(|_| ())
}

/// The incident that importing `format` must give back for a generated one: the truth restricted to
/// what the format carries, with the format's own labels. `source_line` is left 0.
pub fn expected_after_import(format: SourceFormat, g: &GeneratedIncident) -> Incident {
    let mut e = match format {
        SourceFormat::ServiceNow => servicenow::expected(g),
        SourceFormat::ServiceNowAudit => servicenow_audit::expected(g),
        SourceFormat::EventLog => eventlog::expected(g, "eventlog"),
        SourceFormat::Xes => eventlog::expected(g, "xes"),
        SourceFormat::Jira => jira::expected(g),
        SourceFormat::PagerDuty => pagerduty::expected(g),
        SourceFormat::Mapping => mapping::expected(g),
        SourceFormat::Auto => bare(g),
    };
    e.source_line = 0;
    e
}

/// The id and opening time of a generated incident, nothing else.
fn bare(g: &GeneratedIncident) -> Incident {
    Incident {
        incident_id: g.truth.incident_id.clone(),
        opened_at: g.truth.opened_at,
        ..Default::default()
    }
}

/// One incident as a row-per-incident format sees it.
pub struct Row<'a> {
    pub g: &'a GeneratedIncident,
    /// 0-based position in the export.
    pub k: usize,
    pub tz: Tz,
}

impl Row<'_> {
    fn i(&self) -> &Incident {
        &self.g.truth
    }
    fn time(&self, ms: Option<UtcMillis>, fmt: &str, missing: &str) -> String {
        time(ms, self.tz, fmt, missing)
    }
}

/// One cell of a row-per-incident format.
pub type RowCell = for<'a> fn(&Row<'a>) -> String;

/// One update (event) of an incident as a row-per-event format sees it, with the incident's state
/// as of that update.
pub struct StepRow<'a> {
    pub g: &'a GeneratedIncident,
    /// 0-based position of the step in the incident's timeline.
    pub k: usize,
    pub s: &'a Step,
    pub tz: Tz,
    /// Reopens so far.
    pub reopen: u32,
    /// The resolution in force (cleared by a reopen).
    pub resolved_at: Option<UtcMillis>,
    pub closed_at: Option<UtcMillis>,
}

impl StepRow<'_> {
    fn i(&self) -> &Incident {
        &self.g.truth
    }
    fn time(&self, ms: Option<UtcMillis>, fmt: &str, missing: &str) -> String {
        time(ms, self.tz, fmt, missing)
    }
    /// The (group, support level) holding the incident at this step.
    fn hop(&self) -> (&'static str, &'static str) {
        self.g.route[self.s.hop]
    }
}

/// One cell of a row-per-event format.
pub type StepCell = for<'a> fn(&StepRow<'a>) -> String;

fn csv_out(w: &mut dyn Write, delimiter: u8) -> csv::Writer<&mut dyn Write> {
    csv::WriterBuilder::new()
        .delimiter(delimiter)
        .terminator(csv::Terminator::CRLF)
        .from_writer(w)
}

/// A CSV format written from a (header, cell) table: one row per incident ([`RowCell`]) or one
/// row per step of each incident ([`StepCell`]).
struct CsvTable<'w, C: 'static> {
    out: csv::Writer<&'w mut dyn Write>,
    tz: Tz,
    columns: &'static [(&'static str, C)],
}

impl<'w, C> CsvTable<'w, C> {
    /// Starts the table: writes the header line.
    fn new(
        w: &'w mut dyn Write,
        delimiter: u8,
        tz: Tz,
        columns: &'static [(&'static str, C)],
    ) -> io::Result<Self> {
        let mut out = csv_out(w, delimiter);
        out.write_record(columns.iter().map(|c| c.0))?;
        Ok(CsvTable { out, tz, columns })
    }
}

impl Exporter for CsvTable<'_, RowCell> {
    fn incident(&mut self, k: usize, g: &GeneratedIncident) -> io::Result<()> {
        let row = Row { g, k, tz: self.tz };
        self.out
            .write_record(self.columns.iter().map(|(_, cell)| cell(&row)))?;
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl Exporter for CsvTable<'_, StepCell> {
    fn incident(&mut self, _: usize, g: &GeneratedIncident) -> io::Result<()> {
        let (mut reopen, mut resolved_at, mut closed_at) = (0, None, None);
        for (k, s) in g.steps.iter().enumerate() {
            match s.kind {
                StepKind::FirstResolved | StepKind::Resolved => resolved_at = Some(s.at),
                StepKind::Reopened => {
                    reopen += 1;
                    resolved_at = None;
                }
                StepKind::Closed => closed_at = Some(s.at),
                _ => {}
            }
            let row = StepRow {
                g,
                k,
                s,
                tz: self.tz,
                reopen,
                resolved_at,
                closed_at,
            };
            self.out
                .write_record(self.columns.iter().map(|(_, cell)| cell(&row)))?;
        }
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// ISO 8601 with offset, whole seconds.
const ISO: &str = "%Y-%m-%dT%H:%M:%S%:z";

fn priority_index(inc: &Incident) -> usize {
    usize::from(inc.priority.unwrap_or(3).clamp(1, 4) - 1)
}

fn opt(v: &Option<String>, missing: &str) -> String {
    v.clone().unwrap_or_else(|| missing.to_string())
}

fn time(ms: Option<UtcMillis>, tz: Tz, fmt: &str, missing: &str) -> String {
    ms.map(|m| format_local(m, tz, fmt))
        .unwrap_or_else(|| missing.to_string())
}

fn flag(v: Option<bool>, yes: &str, no: &str, missing: &str) -> String {
    match v {
        Some(true) => yes.into(),
        Some(false) => no.into(),
        None => missing.into(),
    }
}

fn count(v: Option<u32>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}
