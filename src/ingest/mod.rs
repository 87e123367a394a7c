//! Importers: one module per source format, all producing the canonical incident table
//! ([`crate::schema::Incident`]) plus, for event logs, the events table. Every input row ends up
//! either in the output, in the rejects list with its file, line, column and reason, or among the
//! blank rows skipped, so that `rows_read = rows_imported + rows_rejected + blank_rows` always holds.
//! A cell of an optional column that cannot be read does not cost the incident: the field is left
//! empty and the cell is listed as a [`DroppedCell`] (`field_dropped` in the rejects file).
//!
//! Row-per-incident formats (servicenow, jira, pagerduty, mapping) share [`row::RowSpec`]: a list of
//! canonical fields and the source columns that fill them; each is a [`row::RowFormat`] read by
//! [`row::parse_rows_into`]. Event-log formats (servicenow-audit,
//! eventlog, xes) parse events and reduce them to one incident each.

pub mod csvfile;
pub mod detect;
pub mod duration;
pub mod eventlog;
pub mod jira;
pub mod mapping;
pub mod pagerduty;
pub mod records;
pub mod row;
pub mod servicenow;
pub mod servicenow_audit;
pub mod spec;
pub mod stream;
pub mod xes;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::schema::{Event, Incident, IncidentRef};
use crate::timeparse::{DateOrder, TimeParser};

/// The export formats `import` understands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, clap::ValueEnum, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceFormat {
    /// ServiceNow incident table export (one row per incident).
    #[value(name = "servicenow")]
    #[serde(rename = "servicenow")]
    ServiceNow,
    /// ServiceNow audit / event-log export (one row per update of an incident).
    #[value(name = "servicenow-audit")]
    #[serde(rename = "servicenow-audit")]
    ServiceNowAudit,
    /// Jira Service Management CSV export.
    Jira,
    /// PagerDuty incident export (analytics raw incidents or the older CSV report).
    #[value(name = "pagerduty")]
    #[serde(rename = "pagerduty")]
    PagerDuty,
    /// Process-mining CSV event log (BPI Challenge style).
    #[value(name = "eventlog")]
    #[serde(rename = "eventlog")]
    EventLog,
    /// XES (IEEE 1849) event log.
    Xes,
    /// Any CSV through a TOML column mapping (`--mapping`).
    Mapping,
    /// Detect the format from the file's header.
    Auto,
}

impl SourceFormat {
    pub fn name(self) -> &'static str {
        match self {
            SourceFormat::ServiceNow => "servicenow",
            SourceFormat::ServiceNowAudit => "servicenow-audit",
            SourceFormat::Jira => "jira",
            SourceFormat::PagerDuty => "pagerduty",
            SourceFormat::EventLog => "eventlog",
            SourceFormat::Xes => "xes",
            SourceFormat::Mapping => "mapping",
            SourceFormat::Auto => "auto",
        }
    }
}

/// What to do with bytes that are not valid in the file's encoding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum EncodingErrors {
    /// Send the row to the rejects file (default).
    #[default]
    Reject,
    /// Replace the bad bytes with U+FFFD and keep the row.
    Replace,
    /// Stop the import with an error naming the line.
    Strict,
}

/// The character encoding of a CSV file. UTF-16 is recognised by its byte-order mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Encoding {
    #[default]
    #[value(name = "utf-8")]
    Utf8,
    /// ISO-8859-1 (every byte is a character), as old Windows exports often are.
    #[value(name = "latin-1")]
    Latin1,
}

/// Column choices and state rules for event logs.
#[derive(Debug, Clone)]
pub struct EventLogOptions {
    pub case_column: Option<String>,
    pub time_column: Option<String>,
    pub state_column: Option<String>,
    pub sub_state_column: Option<String>,
    pub group_column: Option<String>,
    pub level_column: Option<String>,
    pub impact_column: Option<String>,
    /// States or sub-states during which the clock is paused (waiting for the user, a vendor …).
    pub pause_states: Vec<String>,
    /// States or sub-states that mean "service restored".
    pub resolved_states: Vec<String>,
    /// States or sub-states that mean "closed".
    pub closed_states: Vec<String>,
}

impl Default for EventLogOptions {
    fn default() -> Self {
        let v = |s: &[&str]| s.iter().map(|x| x.to_string()).collect();
        EventLogOptions {
            case_column: None,
            time_column: None,
            state_column: None,
            sub_state_column: None,
            group_column: None,
            level_column: None,
            impact_column: None,
            pause_states: v(&["Wait - User", "Wait - Customer", "Awaiting User Info"]),
            resolved_states: v(&["Completed", "Resolved", "Closed", "In Call", "Cancelled"]),
            closed_states: v(&["Closed"]),
        }
    }
}

/// Told the number of bytes of an input file each time some are read (for a progress bar: the
/// caller sums them against the files' sizes).
pub type Progress = crate::hook::Hook<u64>;

/// Everything `import` can be told.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    pub format: SourceFormat,
    pub mapping: Option<PathBuf>,
    pub date_format: Option<String>,
    /// Time zone of naive timestamps (default UTC).
    pub timezone: Option<Tz>,
    /// Day-first (default) or month-first numeric dates.
    pub date_order: Option<DateOrder>,
    pub delimiter: Option<u8>,
    pub encoding: Encoding,
    pub encoding_errors: EncodingErrors,
    /// Extra cell values that mean "missing" (empty cells always do).
    pub missing: Vec<String>,
    pub eventlog: EventLogOptions,
    /// Bytes of the CSV inputs read so far, as they are read (none by default).
    pub progress: Option<Progress>,
}

impl Default for ImportOptions {
    fn default() -> Self {
        ImportOptions {
            format: SourceFormat::Auto,
            mapping: None,
            date_format: None,
            timezone: None,
            date_order: None,
            delimiter: None,
            encoding: Encoding::Utf8,
            encoding_errors: EncodingErrors::Reject,
            missing: vec!["?".into()],
            eventlog: EventLogOptions::default(),
            progress: None,
        }
    }
}

impl ImportOptions {
    pub fn time_parser(&self) -> TimeParser {
        TimeParser::new(
            self.date_format.clone(),
            self.timezone.unwrap_or(Tz::UTC),
            self.date_order.unwrap_or_default(),
        )
    }
    pub fn is_missing(&self, cell: &str) -> bool {
        let t = cell.trim();
        t.is_empty() || self.missing.iter().any(|m| m == t)
    }
}

/// Why a row was not imported. The names are stable: they appear in the rejects file and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    MissingId,
    MissingOpenedAt,
    BadTimestamp,
    BadNumber,
    BadBoolean,
    ResolvedBeforeOpened,
    ClosedBeforeOpened,
    AcknowledgedBeforeOpened,
    DuplicateIdentical,
    DuplicateConflict,
    FieldCount,
    Encoding,
    MalformedRow,
}

impl RejectReason {
    pub fn name(self) -> &'static str {
        match self {
            RejectReason::MissingId => "missing_id",
            RejectReason::MissingOpenedAt => "missing_opened_at",
            RejectReason::BadTimestamp => "bad_timestamp",
            RejectReason::BadNumber => "bad_number",
            RejectReason::BadBoolean => "bad_boolean",
            RejectReason::ResolvedBeforeOpened => "resolved_before_opened",
            RejectReason::ClosedBeforeOpened => "closed_before_opened",
            RejectReason::AcknowledgedBeforeOpened => "acknowledged_before_opened",
            RejectReason::DuplicateIdentical => "duplicate_identical",
            RejectReason::DuplicateConflict => "duplicate_conflict",
            RejectReason::FieldCount => "field_count",
            RejectReason::Encoding => "encoding",
            RejectReason::MalformedRow => "malformed_row",
        }
    }
}

/// One row that was not imported.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    pub file: String,
    pub line: u64,
    pub column: String,
    pub reason: RejectReason,
    pub detail: String,
}

/// A cell of an optional column that could not be read: the incident was imported with that field
/// empty. Written to the rejects file with reason `field_dropped`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DroppedCell {
    pub file: String,
    pub line: u64,
    pub column: String,
    /// The cell as written (trimmed).
    pub value: String,
    /// Why it could not be read.
    pub detail: String,
}

/// The reason written in the rejects file for a [`DroppedCell`].
pub const FIELD_DROPPED: &str = "field_dropped";

/// Counts for one input file. `rows_read` includes `blank_rows`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct FileSummary {
    pub file: String,
    pub format: String,
    pub format_detected: bool,
    pub rows_read: u64,
    pub blank_rows: u64,
}

/// The import summary (`--output json` prints it).
/// `rows_read = rows_imported + rows_rejected + blank_rows`; `cells_dropped` counts cells, not rows
/// (their incidents are among those imported).
#[derive(Debug, Clone, Serialize, Default)]
pub struct ImportSummary {
    pub files: Vec<FileSummary>,
    pub rows_read: u64,
    pub rows_imported: u64,
    pub rows_rejected: u64,
    pub incidents_imported: u64,
    pub events_imported: u64,
    /// Incidents whose empty `resolved_at` was taken from the events table (`resolved_source` = events).
    pub resolved_from_events: u64,
    /// Incidents closed without a resolution (`closed_at` set, `resolved_at` empty): MTTR and the
    /// SLA clock end at `closed_at`.
    pub closed_without_resolution: u64,
    pub rejected_by_reason: BTreeMap<String, u64>,
    pub warnings: Vec<String>,
    /// Rows whose every cell is empty or whitespace (spreadsheet padding, empty lines), skipped.
    pub blank_rows: u64,
    /// Cells of optional columns that could not be read; the incident is kept with the field empty.
    pub cells_dropped: u64,
    /// `cells_dropped` by source column name.
    pub cells_dropped_by_column: BTreeMap<String, u64>,
}

impl ImportSummary {
    /// `read N rows → imported M incidents (from R rows), rejected K rows (reason n, …), B blank rows
    /// skipped; C cells dropped (column n, …: field left empty, incident kept)`; the blank and dropped
    /// parts only when there are any.
    pub fn line(&self) -> String {
        let reasons = if self.rejected_by_reason.is_empty() {
            String::new()
        } else {
            let parts: Vec<String> = self
                .rejected_by_reason
                .iter()
                .map(|(r, n)| format!("{r} {n}"))
                .collect();
            format!(" ({})", parts.join(", "))
        };
        let from = if self.rows_imported != self.incidents_imported {
            format!(" from {} rows", self.rows_imported)
        } else {
            String::new()
        };
        let blank = if self.blank_rows > 0 {
            format!(", {} blank rows skipped", self.blank_rows)
        } else {
            String::new()
        };
        format!(
            "read {} rows → imported {} incidents{from}, rejected {} rows{reasons}{blank}{}",
            self.rows_read,
            self.incidents_imported,
            self.rows_rejected,
            self.dropped_part()
        )
    }

    fn dropped_part(&self) -> String {
        if self.cells_dropped == 0 {
            return String::new();
        }
        let parts: Vec<String> = self
            .cells_dropped_by_column
            .iter()
            .map(|(c, n)| format!("{c} {n}"))
            .collect();
        let cells = if self.cells_dropped == 1 {
            "cell"
        } else {
            "cells"
        };
        format!(
            "; {} {cells} dropped ({}: field left empty, incident kept)",
            self.cells_dropped,
            parts.join(", ")
        )
    }
}

/// The result of importing one or more files.
#[derive(Debug, Default)]
pub struct Imported {
    pub incidents: Vec<Incident>,
    pub events: Vec<Event>,
    pub rejects: Vec<Reject>,
    pub summary: ImportSummary,
    /// Unreadable cells of optional columns (their incidents are in `incidents`).
    pub dropped: Vec<DroppedCell>,
}

/// What one file's parser hands back before files are combined.
#[derive(Debug, Default)]
pub struct Parsed {
    /// Row-per-incident records (rows = incidents).
    pub incidents: Vec<Incident>,
    /// For event-log formats: reduced incidents with the number of rows each was built from.
    pub reduced: Vec<(Incident, u64)>,
    pub events: Vec<Event>,
    pub rejects: Vec<Reject>,
    pub rows_read: u64,
    pub warnings: Vec<String>,
    pub dropped: Vec<DroppedCell>,
    /// Blank rows skipped (included in `rows_read`).
    pub blank_rows: u64,
}

/// Reads every file (formats detected as asked) and fills the rejects, dropped cells, warnings and
/// per-file counts of the result. Row-per-incident records go to `rows` with their file, as they are
/// read; event-log rows are returned for [`reduce_logs`], which reduces them together so that an
/// audit log split over files works.
#[allow(clippy::type_complexity)]
fn read_files(
    paths: &[PathBuf],
    opts: &ImportOptions,
    rows: &mut dyn FnMut(&IncidentRef, &str) -> Result<()>,
) -> Result<(
    Imported,
    Vec<servicenow_audit::AuditRow>,
    Vec<eventlog::LogEvent>,
)> {
    if paths.is_empty() {
        return Err(Error::Usage("no input files given".into()));
    }
    let mut out = Imported::default();
    let mut audit_rows: Vec<servicenow_audit::AuditRow> = Vec::new();
    let mut log_events: Vec<eventlog::LogEvent> = Vec::new();
    for path in paths {
        let (format, detected) = match opts.format {
            SourceFormat::Auto => (detect::detect_file(path)?, true),
            f => (f, false),
        };
        let file = path.display().to_string();
        let (rows_read, blank_rows);
        match format {
            SourceFormat::ServiceNowAudit => {
                let (rows, rejects, dropped, read, warnings) = servicenow_audit::parse(path, opts)?;
                (rows_read, blank_rows) = (read.read, read.blank);
                audit_rows.extend(rows);
                out.rejects.extend(rejects);
                out.dropped.extend(dropped);
                out.summary.warnings.extend(warnings);
            }
            SourceFormat::EventLog | SourceFormat::Xes => {
                let (events, rejects, read) = if format == SourceFormat::Xes {
                    let (events, rejects, read) = xes::parse(path, opts)?;
                    (events, rejects, csvfile::RowCount { read, blank: 0 })
                } else {
                    eventlog::parse(path, opts)?
                };
                (rows_read, blank_rows) = (read.read, read.blank);
                log_events.extend(events);
                out.rejects.extend(rejects);
            }
            SourceFormat::ServiceNow
            | SourceFormat::Jira
            | SourceFormat::PagerDuty
            | SourceFormat::Mapping => {
                let sink = &mut |inc: &IncidentRef| rows(inc, &file);
                let parsed = match format {
                    SourceFormat::ServiceNow => {
                        row::parse_rows_into(path, opts, &servicenow::ServiceNow, sink)?
                    }
                    SourceFormat::Jira => row::parse_rows_into(path, opts, &jira::Jira, sink)?,
                    SourceFormat::PagerDuty => {
                        row::parse_rows_into(path, opts, &pagerduty::PagerDuty, sink)?
                    }
                    _ => mapping::parse_into(path, opts, sink)?,
                };
                (rows_read, blank_rows) = (parsed.rows_read, parsed.blank_rows);
                out.rejects.extend(parsed.rejects);
                out.dropped.extend(parsed.dropped);
                out.summary.warnings.extend(parsed.warnings);
            }
            SourceFormat::Auto => unreachable!("detect_file never returns Auto"),
        }
        out.summary.files.push(FileSummary {
            file,
            format: format.name().into(),
            format_detected: detected,
            rows_read,
            blank_rows,
        });
        out.summary.rows_read += rows_read;
        out.summary.blank_rows += blank_rows;
    }
    Ok((out, audit_rows, log_events))
}

/// Reduces the event-log rows of all files to incidents (with their file and the number of rows
/// each was built from); their events go to `out.events`, their rejects to `out.rejects`.
fn reduce_logs(
    audit_rows: Vec<servicenow_audit::AuditRow>,
    log_events: Vec<eventlog::LogEvent>,
    opts: &ImportOptions,
    out: &mut Imported,
) -> Vec<(Incident, String, u64)> {
    let mut candidates = Vec::new();
    if !audit_rows.is_empty() {
        let (reduced, events, rejects) = servicenow_audit::reduce(audit_rows, opts);
        candidates.extend(reduced);
        out.events.extend(events);
        out.rejects.extend(rejects);
    }
    if !log_events.is_empty() {
        let (reduced, events, rejects) = eventlog::reduce(log_events, opts);
        candidates.extend(reduced);
        out.events.extend(events);
        out.rejects.extend(rejects);
    }
    candidates
}

/// The rejects for `inc` (built from `rows` rows of `file`), a later row of the incident `first`:
/// `duplicate_identical` (same content) or `duplicate_conflict` (naming a differing column), once
/// per source row so that none is lost.
pub(crate) fn duplicate_rejects(
    first: &Incident,
    inc: &Incident,
    file: &str,
    rows: u64,
) -> Vec<Reject> {
    let (reason, detail) = match first_difference(first, inc) {
        None => (
            RejectReason::DuplicateIdentical,
            format!("same as the row at line {}", first.source_line),
        ),
        Some(col) => (
            RejectReason::DuplicateConflict,
            format!(
                "incident {} already imported from line {}; differs in {col}",
                inc.incident_id, first.source_line
            ),
        ),
    };
    let mut out = vec![Reject {
        file: file.to_string(),
        line: inc.source_line,
        column: "incident_id".into(),
        reason,
        detail,
    }];
    // Event logs count every row of the duplicate incident as rejected; none is lost.
    for _ in 1..rows {
        out.push(Reject {
            file: file.to_string(),
            line: inc.source_line,
            column: "incident_id".into(),
            reason,
            detail: "further row of a duplicate incident".into(),
        });
    }
    out
}

/// Imports several files (appended in order) into one canonical table, in memory.
///
/// Duplicate incident ids across rows or files: the first row is kept; later rows go to the rejects
/// as `duplicate_identical` (same content) or `duplicate_conflict` (naming a differing column).
/// [`import_to_store`] does the same in bounded memory, straight into a store.
pub fn import_files(paths: &[PathBuf], opts: &ImportOptions) -> Result<Imported> {
    let mut row_incidents: Vec<(Incident, String)> = Vec::new();
    let (mut out, audit_rows, log_events) = read_files(paths, opts, &mut |inc, file| {
        row_incidents.push((inc.to_incident(), file.to_string()));
        Ok(())
    })?;
    let mut candidates: Vec<(Incident, String, u64)> = row_incidents
        .into_iter()
        .map(|(inc, file)| (inc, file, 1))
        .collect();
    candidates.extend(reduce_logs(audit_rows, log_events, opts, &mut out));

    let mut tally = stream::Tally::default();
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(candidates.len());
    for (inc, file, rows) in candidates {
        match seen.get(&inc.incident_id) {
            Some(&k) => {
                let rejects = duplicate_rejects(&out.incidents[k], &inc, &file, rows);
                out.rejects.extend(rejects);
            }
            None => {
                seen.insert(inc.incident_id.clone(), out.incidents.len());
                tally.add(&inc, rows);
                out.incidents.push(inc);
            }
        }
    }
    let events = out.events.len() as u64;
    finish_summary(&mut out, tally, events)?;
    Ok(out)
}

/// What [`import_to_store`] hands back: the summary, rejects and dropped cells (`incidents` and
/// `events` stay empty: they are in the staged store), and the staged store files.
#[derive(Debug)]
pub struct StoreImport {
    pub imported: Imported,
    /// The store (and events table) written under staging names; `commit()` moves them into place,
    /// dropping it removes them.
    pub staged: crate::store::StagedStore,
    /// Where the events table goes once committed (event-log formats only).
    pub events_store: Option<PathBuf>,
}

/// Imports several files into the store at `store` in bounded memory: rows are read, checked and
/// written one chunk (Parquet row group) at a time, duplicates found exactly as by [`import_files`]
/// (see [`stream`]). The summary, rejects and dropped cells are those of [`import_files`], and the
/// store holds the same incidents in the same order (but for an id whose hash collided with another
/// one's, which comes last). Event logs are still reduced in memory.
pub fn import_to_store(
    paths: &[PathBuf],
    opts: &ImportOptions,
    store: &Path,
    stream_opts: stream::StreamOptions,
) -> Result<StoreImport> {
    crate::store::StoreFormat::of(store)?;
    let staging = crate::store::staging_path(store);
    let mut staged = crate::store::StagedStore::default();
    staged.stage(staging.clone(), store.to_path_buf());
    let mut writer = stream::ChunkWriter::create(&staging, stream_opts, estimate_rows(paths))?;
    let (mut out, audit_rows, log_events) =
        read_files(paths, opts, &mut |inc, file| writer.push(inc, file, 1))?;
    for (inc, file, rows) in reduce_logs(audit_rows, log_events, opts, &mut out) {
        writer.push(&inc.as_borrowed(), &file, rows)?;
    }
    let tally = writer.finish(&mut out.rejects)?;
    let events = out.events.len() as u64;
    let mut events_store = None;
    if events > 0 {
        let target = crate::store::events_path(store);
        let ev_staging = crate::store::staging_path(&target);
        staged.stage(ev_staging.clone(), target.clone());
        let mut df = crate::schema::events_to_frame(&std::mem::take(&mut out.events))?;
        crate::store::write_frame(&mut df, &ev_staging)?;
        events_store = Some(target);
    }
    finish_summary(&mut out, tally, events)?;
    Ok(StoreImport {
        imported: out,
        staged,
        events_store,
    })
}

/// A guess of the number of rows in the files (to size the id index): each file's size times the
/// line breaks per byte in its first MiB, at most 256M (2.8 GB of index; beyond that it grows).
/// A cap of 64M made a 100M-row import double its index at the end (2.4 GB peak instead of 1.5).
fn estimate_rows(paths: &[PathBuf]) -> usize {
    use std::io::Read;
    let mut total = 0u64;
    for path in paths {
        let Ok(file) = std::fs::File::open(path) else {
            continue;
        };
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut head = Vec::new();
        if file.take(1 << 20).read_to_end(&mut head).is_err() || head.is_empty() {
            continue;
        }
        let lines = head.iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        total += size.saturating_mul(lines) / head.len() as u64;
    }
    total.min(256 << 20) as usize
}

/// Sorts the rejects, keeps the dropped cells of imported rows and fills the summary's counts from
/// `tally` (what went into the table) and the number of events; checks
/// `rows_read = rows_imported + rows_rejected + blank_rows`.
fn finish_summary(out: &mut Imported, tally: stream::Tally, events: u64) -> Result<()> {
    out.rejects
        .sort_by(|a, b| (a.file.as_str(), a.line).cmp(&(b.file.as_str(), b.line)));
    keep_dropped_of_imported_rows(out);
    let s = &mut out.summary;
    s.rows_imported = tally.rows_imported;
    s.rows_rejected = out.rejects.len() as u64;
    s.incidents_imported = tally.incidents;
    s.events_imported = events;
    s.resolved_from_events = tally.resolved_from_events;
    s.closed_without_resolution = tally.closed_without_resolution;
    for r in &out.rejects {
        *s.rejected_by_reason
            .entry(r.reason.name().to_string())
            .or_default() += 1;
    }
    if s.rows_read == 0 {
        s.warnings
            .push("the input has a header but no data rows".into());
    } else if s.incidents_imported == 0 {
        s.warnings.push(format!(
            "no incident was imported: of {} rows read, {} were rejected and {} blank (see the rejects file for why)",
            s.rows_read, s.rows_rejected, s.blank_rows
        ));
    }
    if s.rows_read != s.rows_imported + s.rows_rejected + s.blank_rows {
        return Err(crate::error::IngestError::accounting(format!(
            "internal accounting error: read {} rows but imported {}, rejected {} and skipped {} blank; please report this",
            s.rows_read, s.rows_imported, s.rows_rejected, s.blank_rows
        )));
    }
    Ok(())
}

/// Keeps only the dropped cells of rows that were imported (a row rejected as a whole, e.g. as a
/// duplicate, is listed once, as rejected), sorts them and counts them in the summary.
fn keep_dropped_of_imported_rows(out: &mut Imported) {
    let rejected: std::collections::HashSet<(&str, u64)> = out
        .rejects
        .iter()
        .map(|r| (r.file.as_str(), r.line))
        .collect();
    out.dropped
        .retain(|d| !rejected.contains(&(d.file.as_str(), d.line)));
    out.dropped
        .sort_by(|a, b| (a.file.as_str(), a.line).cmp(&(b.file.as_str(), b.line)));
    let s = &mut out.summary;
    s.cells_dropped = out.dropped.len() as u64;
    for d in &out.dropped {
        *s.cells_dropped_by_column
            .entry(d.column.clone())
            .or_default() += 1;
    }
}

/// The first canonical column in which two incidents differ (ignoring where they came from).
fn first_difference(a: &Incident, b: &Incident) -> Option<&'static str> {
    let mut a = a.clone();
    a.source_line = b.source_line;
    if a == *b {
        return None;
    }
    let fa = crate::schema::incidents_to_frame(std::slice::from_ref(&a)).ok()?;
    let fb = crate::schema::incidents_to_frame(std::slice::from_ref(b)).ok()?;
    for (name, _, _, _) in crate::schema::INCIDENT_COLUMNS {
        let (ca, cb) = (fa.column(name).ok()?, fb.column(name).ok()?);
        if !ca
            .as_materialized_series()
            .equals_missing(cb.as_materialized_series())
        {
            return Some(name);
        }
    }
    Some("(unknown)")
}

/// Writes the rejected rows and the dropped cells as one CSV ordered by file and line:
/// `file,line,column,reason,detail,value`. A dropped cell has reason `field_dropped` and its cell in
/// `value`; a rejected row names the offending value in `detail` and leaves `value` empty.
pub fn write_rejects(path: &Path, rejects: &[Reject], dropped: &[DroppedCell]) -> Result<()> {
    let mut rows: Vec<(&str, u64, Vec<String>)> = rejects
        .iter()
        .map(|r| {
            let row = vec![
                r.file.clone(),
                r.line.to_string(),
                r.column.clone(),
                r.reason.name().to_string(),
                r.detail.clone(),
                String::new(),
            ];
            (r.file.as_str(), r.line, row)
        })
        .collect();
    rows.extend(dropped.iter().map(|d| {
        let row = vec![
            d.file.clone(),
            d.line.to_string(),
            d.column.clone(),
            FIELD_DROPPED.to_string(),
            d.detail.clone(),
            d.value.clone(),
        ];
        (d.file.as_str(), d.line, row)
    }));
    rows.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    crate::output::write_csv(
        path,
        &["file", "line", "column", "reason", "detail", "value"],
        rows.into_iter().map(|(_, _, row)| row),
    )
}
