//! The shared machinery of row-per-incident formats: a [`RowSpec`] says which source column fills
//! which canonical [`Field`]; [`parse_rows_into`] reads a CSV with it, applies a format's own
//! finishing step ([`RowFormat`]), checks the incident and collects rejects. Every format-specific
//! module is a column list plus at most a small `finish` function.
//!
//! Required and optional fields, the same for every row-per-incident source: a row is rejected when
//! its id is empty, its opening time is missing or unreadable, its resolution or closing time is
//! unreadable (an empty one would make a resolved incident look open), or it was resolved or closed
//! before it was opened. Any other cell that cannot be read (a count, a flag, hours on hold, the
//! acknowledgement time, or one acknowledged before opening, an SLA remaining time …) is dropped: the
//! incident is imported with that field empty and the cell is listed as a [`DroppedCell`].

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::csvfile::{CsvFile, Header};
use super::duration::{parse_duration, DurationUnits};
use super::{DroppedCell, ImportOptions, Parsed, Reject, RejectReason};
use crate::error::Result;
use crate::schema::{col, IncidentRef};
use crate::timeparse::TimeParser;

/// A canonical column that a source column can fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    IncidentId,
    OpenedAt,
    AcknowledgedAt,
    ResolvedAt,
    ClosedAt,
    Priority,
    Impact,
    Urgency,
    Category,
    Subcategory,
    Symptom,
    Service,
    Ci,
    AssignmentGroup,
    Assignee,
    Channel,
    ReassignmentCount,
    ReopenCount,
    EscalationCount,
    MaxSupportLevel,
    OnHoldHours,
    MadeSlaReported,
    ProblemId,
    KnowledgeUsed,
    MajorIncident,
    FinalState,
}

/// All fields with their canonical column names (mapping files use these names).
pub const FIELDS: &[(Field, &str)] = &[
    (Field::IncidentId, col::INCIDENT_ID),
    (Field::OpenedAt, col::OPENED_AT),
    (Field::AcknowledgedAt, col::ACKNOWLEDGED_AT),
    (Field::ResolvedAt, col::RESOLVED_AT),
    (Field::ClosedAt, col::CLOSED_AT),
    (Field::Priority, col::PRIORITY),
    (Field::Impact, col::IMPACT),
    (Field::Urgency, col::URGENCY),
    (Field::Category, col::CATEGORY),
    (Field::Subcategory, col::SUBCATEGORY),
    (Field::Symptom, col::SYMPTOM),
    (Field::Service, col::SERVICE),
    (Field::Ci, col::CI),
    (Field::AssignmentGroup, col::ASSIGNMENT_GROUP),
    (Field::Assignee, col::ASSIGNEE),
    (Field::Channel, col::CHANNEL),
    (Field::ReassignmentCount, col::REASSIGNMENT_COUNT),
    (Field::ReopenCount, col::REOPEN_COUNT),
    (Field::EscalationCount, col::ESCALATION_COUNT),
    (Field::MaxSupportLevel, col::MAX_SUPPORT_LEVEL),
    (Field::OnHoldHours, col::ON_HOLD_HOURS),
    (Field::MadeSlaReported, col::MADE_SLA_REPORTED),
    (Field::ProblemId, col::PROBLEM_ID),
    (Field::KnowledgeUsed, col::KNOWLEDGE_USED),
    (Field::MajorIncident, col::MAJOR_INCIDENT),
    (Field::FinalState, col::FINAL_STATE),
];

impl Field {
    pub fn name(self) -> &'static str {
        FIELDS
            .iter()
            .find(|(f, _)| *f == self)
            .map(|(_, n)| *n)
            .unwrap_or("?")
    }
    pub fn from_name(name: &str) -> Option<Field> {
        FIELDS.iter().find(|(_, n)| *n == name).map(|(f, _)| *f)
    }
}

/// Understands priority labels: `2 - High`, `P2`, `Sev 2`, `2`, `High`, `Highest`, `Critical` …
/// Returns 1 (highest) to 5 (lowest), or `None` when the label says nothing we can map.
/// Allocation-free: it runs once per imported row.
pub fn parse_priority(label: &str) -> Option<u8> {
    let t = label.trim().as_bytes();
    let strip = |s: &'static [u8]| {
        (t.len() >= s.len() && t[..s.len()].eq_ignore_ascii_case(s)).then(|| &t[s.len()..])
    };
    let mut digits_from = strip(b"priority")
        .or_else(|| strip(b"sev"))
        .or_else(|| strip(b"p"))
        .unwrap_or(t);
    while let [b'-' | b' ' | b'_', rest @ ..] = digits_from {
        digits_from = rest;
    }
    let lead = digits_from
        .iter()
        .take_while(|c| c.is_ascii_digit())
        .count();
    if lead > 0 {
        let rest = &digits_from[lead..];
        // "2 - High", "P2", "2": a digit followed by nothing or a separator.
        if rest.is_empty() || matches!(rest[0], b' ' | b'-' | b':' | b'(' | b'_') {
            let value = std::str::from_utf8(&digits_from[..lead]).ok()?;
            return value.parse::<u8>().ok().filter(|p| (1..=5).contains(p));
        }
        return None;
    }
    let is = |names: &[&str]| names.iter().any(|n| n.as_bytes().eq_ignore_ascii_case(t));
    if is(&["critical", "highest", "urgent", "blocker", "major"]) {
        Some(1)
    } else if is(&["high"]) {
        Some(2)
    } else if is(&["moderate", "medium", "normal"]) {
        Some(3)
    } else if is(&["low", "minor"]) {
        Some(4)
    } else if is(&["lowest", "planning", "trivial"]) {
        Some(5)
    } else {
        None
    }
}

/// `true/false`, `yes/no`, `y/n`, `1/0`, `t/f` (case-insensitive).
pub fn parse_bool(s: &str) -> Option<bool> {
    let t = s.trim();
    let is = |names: &[&str]| names.iter().any(|n| n.eq_ignore_ascii_case(t));
    if is(&["true", "yes", "y", "1", "t"]) {
        Some(true)
    } else if is(&["false", "no", "n", "0", "f"]) {
        Some(false)
    } else {
        None
    }
}

/// A whole number ≥ 0 that fits a count (`3`, `3.0`).
pub fn parse_count(raw: &str) -> Option<u32> {
    let t = raw.trim();
    if let Ok(v) = t.parse::<u32>() {
        return Some(v);
    }
    t.parse::<f64>()
        .ok()
        .filter(|v| *v >= 0.0 && v.fract() == 0.0 && *v <= f64::from(u32::MAX))
        .map(|v| v as u32)
}

/// A duration that may not be negative (time on hold, seconds to acknowledge), read by the one
/// duration parser; the error names `what` and the shapes accepted.
pub fn parse_non_negative(
    raw: &str,
    units: DurationUnits,
    what: &str,
) -> std::result::Result<super::duration::SignedDuration, String> {
    match parse_duration(raw, units) {
        Ok(d) if d.negative && d.magnitude_ms > 0 => Err(format!("'{raw}' is a negative {what}")),
        Ok(d) => Ok(super::duration::SignedDuration {
            negative: false,
            ..d
        }),
        Err(e) => Err(format!(
            "'{raw}' is not a {what} ({e}); read are {}",
            units.expected()
        )),
    }
}

/// `cell.trim()`, without scanning for Unicode white space when the cell starts and ends with a
/// visible ASCII character (nearly every cell: this runs once per cell of every row).
#[inline]
pub fn trim_cell(cell: &str) -> &str {
    match (cell.as_bytes().first(), cell.as_bytes().last()) {
        (Some(&a), Some(&b)) if a.is_ascii_graphic() && b.is_ascii_graphic() => cell,
        _ => cell.trim(),
    }
}

/// What is wrong with one cell: the row cannot be used, or only this field is lost.
enum CellProblem {
    Reject(RejectReason, String),
    Drop(String),
}

/// Which source column fills which field, resolved against one file's header.
#[derive(Debug, Clone)]
pub struct RowSpec {
    pub source: String,
    pub columns: Vec<(Field, usize)>,
    pub header: Header,
    /// Extra priority labels (lower-cased) → priority, from a mapping file.
    pub priority_labels: HashMap<String, u8>,
}

impl RowSpec {
    /// Resolves each field's aliases against the header; `required` fields must be found.
    pub fn resolve(
        path: &Path,
        header: &Header,
        source: &str,
        aliases: &[(Field, Vec<String>)],
        required: &[Field],
    ) -> Result<RowSpec> {
        let mut columns = Vec::new();
        for (field, names) in aliases {
            let refs: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
            let found = if required.contains(field) {
                Some(header.require(path, field.name(), &refs)?)
            } else {
                header.find(&refs)
            };
            if let Some(k) = found {
                columns.push((*field, k));
            }
        }
        Ok(RowSpec {
            source: source.into(),
            columns,
            header: header.clone(),
            priority_labels: HashMap::new(),
        })
    }

    /// A dropped cell of column `k` on `line`.
    pub fn dropped(
        &self,
        file: &str,
        line: u64,
        k: usize,
        value: &str,
        detail: String,
    ) -> DroppedCell {
        DroppedCell {
            file: file.to_string(),
            line,
            column: self.header.names[k].clone(),
            value: value.trim().to_string(),
            detail,
        }
    }

    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, k)| *k)
    }

    /// Fills an incident from one row, its text borrowed from the row's cells (and the spec's
    /// source name). Unknown priority labels are counted in `unknown_priorities`; unreadable
    /// optional cells are pushed to `dropped` (the caller keeps them only if the row is imported);
    /// an unreadable required cell rejects the row.
    pub fn apply<'a>(
        &'a self,
        cx: &RowContext,
        line: u64,
        fields: &[&'a str],
        unknown_priorities: &mut BTreeMap<String, u64>,
        dropped: &mut Vec<DroppedCell>,
    ) -> std::result::Result<IncidentRef<'a>, Reject> {
        let mut inc = IncidentRef {
            source: &self.source,
            source_line: line,
            ..Default::default()
        };
        for &(field, k) in &self.columns {
            let raw = trim_cell(fields[k]);
            if raw.is_empty() || cx.opts.missing.iter().any(|m| m == raw) {
                continue;
            }
            match self.fill(&mut inc, field, raw, cx.times, unknown_priorities) {
                Ok(()) => {}
                Err(CellProblem::Reject(reason, detail)) => {
                    return Err(Reject {
                        file: cx.file.to_string(),
                        line,
                        column: self.header.names[k].clone(),
                        reason,
                        detail,
                    })
                }
                Err(CellProblem::Drop(detail)) => {
                    dropped.push(self.dropped(cx.file, line, k, raw, detail))
                }
            }
        }
        Ok(inc)
    }

    /// Sets one field from its (non-missing, trimmed) cell; text fields borrow the cell.
    fn fill<'a>(
        &self,
        inc: &mut IncidentRef<'a>,
        field: Field,
        raw: &'a str,
        times: &TimeParser,
        unknown_priorities: &mut BTreeMap<String, u64>,
    ) -> std::result::Result<(), CellProblem> {
        let required_time = || {
            times
                .parse(raw)
                .map_err(|e| CellProblem::Reject(RejectReason::BadTimestamp, e))
        };
        let count = || {
            parse_count(raw)
                .ok_or_else(|| CellProblem::Drop(format!("'{raw}' is not a whole number ≥ 0")))
        };
        let boolean = || {
            parse_bool(raw).ok_or_else(|| {
                CellProblem::Drop(format!("'{raw}' is not true/false, yes/no or 1/0"))
            })
        };
        let text = || raw;
        match field {
            Field::IncidentId => inc.incident_id = text(),
            Field::OpenedAt => inc.opened_at = required_time()?,
            Field::AcknowledgedAt => {
                inc.acknowledged_at = Some(times.parse(raw).map_err(CellProblem::Drop)?)
            }
            Field::ResolvedAt => inc.resolved_at = Some(required_time()?),
            Field::ClosedAt => inc.closed_at = Some(required_time()?),
            Field::Priority => {
                let mapped = if self.priority_labels.is_empty() {
                    None
                } else {
                    self.priority_labels.get(&raw.to_lowercase()).copied()
                };
                let p = mapped.or_else(|| parse_priority(raw));
                if p.is_none() {
                    *unknown_priorities.entry(raw.to_string()).or_default() += 1;
                }
                inc.priority = p;
                inc.priority_label = Some(text());
            }
            Field::Impact => inc.impact = Some(text()),
            Field::Urgency => inc.urgency = Some(text()),
            Field::Category => inc.category = Some(text()),
            Field::Subcategory => inc.subcategory = Some(text()),
            Field::Symptom => inc.symptom = Some(text()),
            Field::Service => inc.service = Some(text()),
            Field::Ci => inc.ci = Some(text()),
            Field::AssignmentGroup => inc.assignment_group = Some(text()),
            Field::Assignee => inc.assignee = Some(text()),
            Field::Channel => inc.channel = Some(text()),
            Field::ReassignmentCount => inc.reassignment_count = Some(count()?),
            Field::ReopenCount => inc.reopen_count = Some(count()?),
            Field::EscalationCount => inc.escalation_count = Some(count()?),
            Field::MaxSupportLevel => inc.max_support_level = Some(text()),
            Field::OnHoldHours => {
                inc.on_hold_hours = Some(
                    parse_non_negative(raw, DurationUnits::HOURS, "time on hold")
                        .map_err(CellProblem::Drop)?
                        .hours(),
                )
            }
            Field::MadeSlaReported => inc.made_sla_reported = Some(boolean()?),
            Field::ProblemId => inc.problem_id = Some(text()),
            Field::KnowledgeUsed => inc.knowledge_used = Some(boolean()?),
            Field::MajorIncident => inc.major_incident = Some(boolean()?),
            Field::FinalState => inc.final_state = Some(text()),
        }
        Ok(())
    }

    /// The raw cell of a field in a row, unless missing.
    pub fn cell<'a>(
        &self,
        field: Field,
        fields: &[&'a str],
        opts: &ImportOptions,
    ) -> Option<&'a str> {
        self.column_of(field)
            .map(|k| fields[k])
            .filter(|c| !opts.is_missing(c))
            .map(str::trim)
    }
}

/// The checks every incident passes before it enters the table: it has an id and an opening time,
/// and it was not resolved or closed before it was opened.
pub fn validate(
    inc: &IncidentRef,
    file: &str,
    spec: &RowSpec,
    opened_found: bool,
) -> std::result::Result<(), Reject> {
    let col = |f: Field| {
        spec.column_of(f)
            .map(|k| spec.header.names[k].clone())
            .unwrap_or_else(|| f.name().to_string())
    };
    let reject = |f: Field, reason, detail: String| Reject {
        file: file.to_string(),
        line: inc.source_line,
        column: col(f),
        reason,
        detail,
    };
    if inc.incident_id.is_empty() {
        return Err(reject(
            Field::IncidentId,
            RejectReason::MissingId,
            "the incident id is empty".into(),
        ));
    }
    if !opened_found {
        return Err(reject(
            Field::OpenedAt,
            RejectReason::MissingOpenedAt,
            format!("incident {} has no opening time", inc.incident_id),
        ));
    }
    let order = |f: Field, t: Option<i64>, reason| match t {
        Some(t) if t < inc.opened_at => Err(reject(
            f,
            reason,
            format!(
                "{} is {:.2} h before opened_at",
                f.name(),
                crate::units::ms_to_hours(inc.opened_at - t)
            ),
        )),
        _ => Ok(()),
    };
    order(
        Field::ResolvedAt,
        inc.resolved_at,
        RejectReason::ResolvedBeforeOpened,
    )?;
    order(
        Field::ClosedAt,
        inc.closed_at,
        RejectReason::ClosedBeforeOpened,
    )?;
    Ok(())
}

/// An acknowledgement before the opening is an unreadable optional value, not a reason to lose the
/// incident: `acknowledged_at` is emptied and the cell returned as dropped.
pub fn drop_early_acknowledgement(
    inc: &mut IncidentRef,
    file: &str,
    spec: &RowSpec,
    fields: &[&str],
) -> Option<DroppedCell> {
    let ack = inc.acknowledged_at.filter(|a| *a < inc.opened_at)?;
    inc.acknowledged_at = None;
    let detail = format!(
        "acknowledged_at is {:.2} h before opened_at",
        crate::units::ms_to_hours(inc.opened_at - ack)
    );
    Some(match spec.column_of(Field::AcknowledgedAt) {
        Some(k) => spec.dropped(file, inc.source_line, k, fields[k], detail),
        None => DroppedCell {
            file: file.to_string(),
            line: inc.source_line,
            column: Field::AcknowledgedAt.name().into(),
            value: String::new(),
            detail,
        },
    })
}

/// Builds alias lists from static slices.
pub fn aliases(list: &[(Field, &[&str])]) -> Vec<(Field, Vec<String>)> {
    list.iter()
        .map(|(f, a)| (*f, a.iter().map(|s| s.to_string()).collect()))
        .collect()
}

/// The fields every row-per-incident format requires: the incident id and the opening time.
pub const REQUIRED: &[Field] = &[Field::IncidentId, Field::OpenedAt];

/// The spec of a format with a fixed column list (ServiceNow, Jira, PagerDuty): `columns` resolved
/// against the header, [`REQUIRED`] fields required, incidents marked with `source`.
pub fn fixed_spec(
    path: &Path,
    header: &Header,
    source: &str,
    columns: &[(Field, &[&str])],
) -> Result<RowSpec> {
    RowSpec::resolve(path, header, source, &aliases(columns), REQUIRED)
}

/// What filling a row needs besides the row: the file's name (as rejects name it), the import
/// options and the time parser.
pub struct RowContext<'a> {
    pub file: &'a str,
    pub opts: &'a ImportOptions,
    pub times: &'a TimeParser,
}

/// A row-per-incident export format: how it finds its columns in a file's header, and its own
/// derivations on each row the spec has filled (e.g. PagerDuty's seconds-to-ack).
pub trait RowFormat {
    /// Columns the format reads itself, beyond its spec (found once per file).
    type Extra;
    /// Resolves the format's columns against one file's header.
    fn spec(&self, path: &Path, header: &Header) -> Result<(RowSpec, Self::Extra)>;
    /// The format's own derivations on a filled row (none by default); an `Err` rejects the row.
    fn finish(
        &self,
        _extra: &Self::Extra,
        _row: &mut FilledRow<'_, '_>,
    ) -> std::result::Result<(), Reject> {
        Ok(())
    }
}

/// A row the spec has filled, as [`RowFormat::finish`] sees it.
pub struct FilledRow<'r, 'a> {
    pub inc: &'r mut IncidentRef<'a>,
    pub spec: &'r RowSpec,
    pub fields: &'r [&'a str],
    pub cx: &'r RowContext<'r>,
    /// Unreadable optional cells of this row (kept only if the row is imported).
    pub dropped: &'r mut Vec<DroppedCell>,
}

impl FilledRow<'_, '_> {
    /// The trimmed cell of column `k`, unless it is missing.
    pub fn cell(&self, k: usize) -> Option<&str> {
        let raw = self.fields[k].trim();
        (!self.cx.opts.is_missing(raw)).then_some(raw)
    }

    /// Drops the cell of column `k`: the incident is imported with that field empty.
    pub fn drop_cell(&mut self, k: usize, detail: String) {
        let line = self.inc.source_line;
        let cell = self
            .spec
            .dropped(self.cx.file, line, k, self.fields[k], detail);
        self.dropped.push(cell);
    }

    /// The reject of this row for the cell of column `k`.
    pub fn reject(&self, k: usize, reason: RejectReason, detail: String) -> Reject {
        Reject {
            file: self.cx.file.to_string(),
            line: self.inc.source_line,
            column: self.spec.header.names[k].clone(),
            reason,
            detail,
        }
    }
}

/// Where [`parse_rows_into`] hands each checked incident: a vector, or a streaming store writer
/// (an `Err` stops the import, e.g. a full disk). The incident borrows its text from the row, which
/// the reader reuses for the next one.
pub type IncidentSink<'s> = dyn FnMut(&IncidentRef<'_>) -> Result<()> + 's;

/// Reads a row-per-incident CSV of `format`: resolves its spec, applies it to every row, then the
/// format's [`RowFormat::finish`], then [`validate`]. Every incident that passes goes to `sink` as
/// soon as its row is read, so that a large export is never held in memory (`Parsed::incidents`
/// stays empty). Dropped cells are kept only for rows that pass.
pub fn parse_rows_into<F: RowFormat>(
    path: &Path,
    opts: &ImportOptions,
    format: &F,
    sink: &mut IncidentSink,
) -> Result<Parsed> {
    let mut csv = CsvFile::open(path, opts)?;
    let spec = format.spec(path, &csv.header)?;
    let times = opts.time_parser();
    let file = path.display().to_string();
    let cx = RowContext {
        file: &file,
        opts,
        times: &times,
    };
    let mut unknown = BTreeMap::new();
    let mut dropped = Vec::new();
    let mut row_dropped = Vec::new();
    let (count, rejects) = csv.try_for_each_row(|line, fields| {
        row_dropped.clear();
        match check_row(
            format,
            &spec,
            &cx,
            line,
            fields,
            &mut unknown,
            &mut row_dropped,
        ) {
            Ok(inc) => {
                dropped.append(&mut row_dropped);
                sink(&inc)?;
                Ok(Ok(()))
            }
            Err(reject) => Ok(Err(reject)),
        }
    })?;
    Ok(Parsed {
        rows_read: count.read,
        blank_rows: count.blank,
        rejects,
        warnings: priority_warnings(&file, &unknown),
        dropped,
        ..Default::default()
    })
}

/// One row through the spec, the format's finishing step and the checks every incident passes
/// ([`validate`], then [`drop_early_acknowledgement`]); the row's dropped cells go to `dropped`.
#[inline]
fn check_row<'a, F: RowFormat>(
    format: &F,
    (spec, extra): &'a (RowSpec, F::Extra),
    cx: &RowContext,
    line: u64,
    fields: &[&'a str],
    unknown: &mut BTreeMap<String, u64>,
    dropped: &mut Vec<DroppedCell>,
) -> std::result::Result<IncidentRef<'a>, Reject> {
    let mut inc = spec.apply(cx, line, fields, unknown, dropped)?;
    let mut filled = FilledRow {
        inc: &mut inc,
        spec,
        fields,
        cx,
        dropped,
    };
    format.finish(extra, &mut filled)?;
    let opened_found = spec.cell(Field::OpenedAt, fields, cx.opts).is_some() || inc.opened_at != 0;
    validate(&inc, cx.file, spec, opened_found)?;
    dropped.extend(drop_early_acknowledgement(&mut inc, cx.file, spec, fields));
    Ok(inc)
}

/// One warning per priority label that was not understood, with its number of rows.
pub(crate) fn priority_warnings(file: &str, unknown: &BTreeMap<String, u64>) -> Vec<String> {
    unknown
        .iter()
        .map(|(label, n)| format!("{file}: priority label '{label}' ({n} rows) is not understood; priority left empty (map it in a mapping file's [priority] table)"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn priorities() {
        for (label, p) in [
            ("1 - Critical", Some(1)),
            ("2 - High", Some(2)),
            ("3 - Moderate", Some(3)),
            ("P4", Some(4)),
            ("p5", Some(5)),
            ("Sev 2", Some(2)),
            ("SEV-1", Some(1)),
            ("Highest", Some(1)),
            ("Medium", Some(3)),
            ("lowest", Some(5)),
            ("4", Some(4)),
            ("9 - Whatever", None),
            ("Urgentish", None),
            ("2x", None),
        ] {
            assert_eq!(parse_priority(label), p, "{label}");
        }
    }

    /// Each row's incident is filled from its own cells only: nothing of an earlier row shows
    /// through (a missing cell is empty, not the previous row's value), and filling a row again
    /// gives the same incident.
    #[test]
    fn each_row_is_filled_from_its_own_cells_only() {
        let names = [
            "number",
            "opened_at",
            "category",
            "assigned_to",
            "priority",
            "reassignment_count",
        ];
        let header = Header::new(names.iter().map(|s| s.to_string()).collect());
        let spec = RowSpec::resolve(
            Path::new("t.csv"),
            &header,
            "servicenow",
            &aliases(&[
                (Field::IncidentId, &["number"]),
                (Field::OpenedAt, &["opened_at"]),
                (Field::Category, &["category"]),
                (Field::Assignee, &["assigned_to"]),
                (Field::Priority, &["priority"]),
                (Field::ReassignmentCount, &["reassignment_count"]),
            ]),
            REQUIRED,
        )
        .unwrap();
        let opts = ImportOptions::default();
        let times = opts.time_parser();
        let cx = RowContext {
            file: "t.csv",
            opts: &opts,
            times: &times,
        };
        let rows: [&[&str]; 3] = [
            &[
                "INC0001",
                "2024-01-02 10:00",
                "Network",
                "Ann Longname",
                "2 - High",
                "3",
            ],
            &["INC2", "2024-01-03 11:00", "", "?", "", "x"],
            &["INC00000003", "2024-01-04 12:00", "Db", "", "P4", ""],
        ];
        let (mut unknown, mut dropped) = (BTreeMap::new(), Vec::new());
        let mut got = Vec::new();
        for (line, fields) in rows.iter().enumerate() {
            let inc = spec
                .apply(&cx, line as u64 + 2, fields, &mut unknown, &mut dropped)
                .unwrap();
            got.push(inc.to_incident());
        }
        // Hand-written expectations for the second row: only its id, time and line.
        assert_eq!(got[1].incident_id, "INC2");
        assert_eq!(got[1].source, "servicenow");
        assert_eq!(got[1].source_line, 3);
        assert_eq!(got[1].category, None);
        assert_eq!(got[1].assignee, None);
        assert_eq!(got[1].priority, None);
        assert_eq!(got[1].priority_label, None);
        assert_eq!(got[1].reassignment_count, None, "unreadable: dropped");
        assert_eq!(got[2].category.as_deref(), Some("Db"));
        assert_eq!(got[2].assignee, None);
        assert_eq!(got[2].priority, Some(4));
        assert_eq!(got[2].incident_id, "INC00000003");
        assert_eq!(got[0].reassignment_count, Some(3));
        assert_eq!(got[0].priority_label.as_deref(), Some("2 - High"));
        // The same rows filled from scratch give the same incidents.
        for (line, fields) in rows.iter().enumerate() {
            let fresh = spec
                .apply(
                    &cx,
                    line as u64 + 2,
                    fields,
                    &mut BTreeMap::new(),
                    &mut Vec::new(),
                )
                .unwrap();
            assert_eq!(fresh.to_incident(), got[line], "row {line}");
        }
        assert_eq!(dropped.len(), 1, "row 2's count 'x'");
    }

    #[test]
    fn trim_cell_is_trim() {
        for c in [
            "",
            " ",
            "a",
            " a",
            "a ",
            "\ta b\r",
            "\u{a0}x\u{a0}",
            "x\u{2003}",
            "é",
            " é ",
            "?",
        ] {
            assert_eq!(trim_cell(c), c.trim(), "{c:?}");
        }
    }

    #[test]
    fn field_names_round_trip() {
        for (f, n) in FIELDS {
            assert_eq!(Field::from_name(n), Some(*f));
            assert_eq!(f.name(), *n);
            assert!(
                crate::schema::INCIDENT_COLUMNS
                    .iter()
                    .any(|c| c.0 == *n || (*n == "priority")),
                "{n} is canonical"
            );
        }
    }
}
