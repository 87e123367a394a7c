//! The canonical incident table: one row per incident, whatever the source. Every importer fills
//! [`Incident`] records; [`incidents_to_frame`] turns them into a polars `DataFrame` with the
//! column names and types below, stored as Parquet (or Arrow IPC). Timestamps are UTC, millisecond
//! precision, typed `Datetime(ms, "UTC")`.
//!
//! Event-log sources also keep an events table ([`Event`], one row per status change), so flow
//! metrics (ping-pong, time per team, clock pauses) can be computed from it later.

use polars::prelude::*;

/// Milliseconds since 1970-01-01T00:00:00Z.
pub type UtcMillis = i64;

/// The canonical incident column names, written once: [`INCIDENT_COLUMNS`], the frame builders,
/// the importers' field table and the generator's mapping file use these constants.
pub mod col {
    pub const INCIDENT_ID: &str = "incident_id";
    pub const SOURCE: &str = "source";
    pub const OPENED_AT: &str = "opened_at";
    pub const ACKNOWLEDGED_AT: &str = "acknowledged_at";
    pub const RESOLVED_AT: &str = "resolved_at";
    pub const CLOSED_AT: &str = "closed_at";
    pub const PRIORITY: &str = "priority";
    pub const PRIORITY_LABEL: &str = "priority_label";
    pub const IMPACT: &str = "impact";
    pub const URGENCY: &str = "urgency";
    pub const CATEGORY: &str = "category";
    pub const SUBCATEGORY: &str = "subcategory";
    pub const SYMPTOM: &str = "symptom";
    pub const SERVICE: &str = "service";
    pub const CI: &str = "ci";
    pub const ASSIGNMENT_GROUP: &str = "assignment_group";
    pub const ASSIGNEE: &str = "assignee";
    pub const CHANNEL: &str = "channel";
    pub const REASSIGNMENT_COUNT: &str = "reassignment_count";
    pub const REOPEN_COUNT: &str = "reopen_count";
    pub const ESCALATION_COUNT: &str = "escalation_count";
    pub const MAX_SUPPORT_LEVEL: &str = "max_support_level";
    pub const ON_HOLD_HOURS: &str = "on_hold_hours";
    pub const MADE_SLA_REPORTED: &str = "made_sla_reported";
    pub const PROBLEM_ID: &str = "problem_id";
    pub const KNOWLEDGE_USED: &str = "knowledge_used";
    pub const MAJOR_INCIDENT: &str = "major_incident";
    pub const FINAL_STATE: &str = "final_state";
    pub const SOURCE_LINE: &str = "source_line";
    pub const RESOLVED_SOURCE: &str = "resolved_source";
}

/// A priority: 1 (highest) … 5 (lowest), the canonical `priority` column's values. Written `P1` …
/// `P5` wherever a priority is a label (scenarios, fitted models, charts, PagerDuty's
/// `priority_name`); parsed back from that label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Priority(u8);

impl Priority {
    /// The priority numbered `n`, when 1 ≤ n ≤ 5.
    pub const fn new(n: u8) -> Option<Priority> {
        if n >= 1 && n <= 5 {
            Some(Priority(n))
        } else {
            None
        }
    }

    /// 1 (highest) … 5.
    pub const fn number(self) -> u8 {
        self.0
    }

    /// 0-based position (P1 → 0), for per-priority arrays.
    pub const fn index(self) -> usize {
        self.0 as usize - 1
    }
}

impl std::fmt::Display for Priority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&priority_label(self.0))
    }
}

/// The label of priority number `n` (`P1` …), also for numbers a [`Priority`] does not hold (a
/// scenario may define more classes).
pub fn priority_label(n: u8) -> String {
    format!("P{n}")
}

impl std::str::FromStr for Priority {
    type Err = String;

    /// `P1` … `P5` (also `p2`).
    fn from_str(s: &str) -> std::result::Result<Self, String> {
        s.trim()
            .strip_prefix(['P', 'p'])
            .and_then(|d| d.parse::<u8>().ok())
            .and_then(Priority::new)
            .ok_or_else(|| format!("'{s}' is not a priority: expected P1 … P5"))
    }
}

/// Type of a canonical column, for documentation and validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Timestamp,
    Int,
    Float,
    Bool,
}

/// The canonical incident columns: name, type, nullable, meaning. README's schema table is this list.
pub const INCIDENT_COLUMNS: &[(&str, ColumnType, bool, &str)] = &[
    (
        col::INCIDENT_ID,
        ColumnType::Text,
        false,
        "the source's incident number/key; unique in a store",
    ),
    (
        col::SOURCE,
        ColumnType::Text,
        false,
        "format it came from (servicenow, jira, pagerduty, eventlog, …)",
    ),
    (
        col::OPENED_AT,
        ColumnType::Timestamp,
        false,
        "when the incident was logged",
    ),
    (
        col::ACKNOWLEDGED_AT,
        ColumnType::Timestamp,
        true,
        "first response / first assignment",
    ),
    (
        col::RESOLVED_AT,
        ColumnType::Timestamp,
        true,
        "service restored (null while unresolved)",
    ),
    (
        col::CLOSED_AT,
        ColumnType::Timestamp,
        true,
        "closed after confirmation",
    ),
    (
        col::PRIORITY,
        ColumnType::Int,
        true,
        "1 = highest … 5 = lowest",
    ),
    (
        col::PRIORITY_LABEL,
        ColumnType::Text,
        true,
        "the source's own priority text",
    ),
    (
        col::IMPACT,
        ColumnType::Text,
        true,
        "impact as the source writes it",
    ),
    (
        col::URGENCY,
        ColumnType::Text,
        true,
        "urgency as the source writes it",
    ),
    (col::CATEGORY, ColumnType::Text, true, "category"),
    (col::SUBCATEGORY, ColumnType::Text, true, "subcategory"),
    (col::SYMPTOM, ColumnType::Text, true, "symptom / request type"),
    (
        col::SERVICE,
        ColumnType::Text,
        true,
        "business or technical service",
    ),
    (col::CI, ColumnType::Text, true, "configuration item"),
    (
        col::ASSIGNMENT_GROUP,
        ColumnType::Text,
        true,
        "last assignment group / team",
    ),
    (col::ASSIGNEE, ColumnType::Text, true, "last assignee"),
    (
        col::CHANNEL,
        ColumnType::Text,
        true,
        "contact type (phone, email, portal, monitoring …)",
    ),
    (
        col::REASSIGNMENT_COUNT,
        ColumnType::Int,
        true,
        "times the incident moved to another group",
    ),
    (
        col::REOPEN_COUNT,
        ColumnType::Int,
        true,
        "times it was reopened after resolution",
    ),
    (
        col::ESCALATION_COUNT,
        ColumnType::Int,
        true,
        "times it moved up a support level or escalation step",
    ),
    (
        col::MAX_SUPPORT_LEVEL,
        ColumnType::Text,
        true,
        "highest support line that worked on it (L1/L2/L3)",
    ),
    (
        col::ON_HOLD_HOURS,
        ColumnType::Float,
        true,
        "hours in pause states (waiting for user/vendor)",
    ),
    (
        col::MADE_SLA_REPORTED,
        ColumnType::Bool,
        true,
        "the source's own SLA flag",
    ),
    (
        col::PROBLEM_ID,
        ColumnType::Text,
        true,
        "linked problem record",
    ),
    (
        col::KNOWLEDGE_USED,
        ColumnType::Bool,
        true,
        "a knowledge article was used",
    ),
    (
        col::MAJOR_INCIDENT,
        ColumnType::Bool,
        true,
        "flagged as a major incident",
    ),
    (
        col::FINAL_STATE,
        ColumnType::Text,
        true,
        "last state in the export",
    ),
    (
        col::SOURCE_LINE,
        ColumnType::Int,
        false,
        "line in the source file where the incident's (last) row starts",
    ),
    (
        col::RESOLVED_SOURCE,
        ColumnType::Text,
        true,
        "where resolved_at came from when not from the export's own field: events = the last transition into a resolving state in the audit trail (null otherwise)",
    ),
];

/// Columns added to [`INCIDENT_COLUMNS`] after stores were first written: a store without them is
/// still read, the column then being null.
pub const LATER_COLUMNS: &[&str] = &[col::RESOLVED_SOURCE];

/// The events table columns, for event-log sources.
pub const EVENT_COLUMNS: &[(&str, ColumnType, bool, &str)] = &[
    (
        "incident_id",
        ColumnType::Text,
        false,
        "incident the event belongs to",
    ),
    ("at", ColumnType::Timestamp, false, "when the state changed"),
    (
        "state",
        ColumnType::Text,
        true,
        "state / status after the change",
    ),
    (
        "sub_state",
        ColumnType::Text,
        true,
        "sub-status (e.g. Wait - User)",
    ),
    (
        "group",
        ColumnType::Text,
        true,
        "assignment group / support team",
    ),
    (
        "support_level",
        ColumnType::Text,
        true,
        "support line (L1/L2/L3)",
    ),
    ("assignee", ColumnType::Text, true, "person working on it"),
    (
        "source_line",
        ColumnType::Int,
        false,
        "line in the source file",
    ),
];

/// One incident in canonical form, its text of type `S`: owned ([`Incident`]) or borrowed from the
/// row it was read from ([`IncidentRef`], what the row readers hand on: a row's cells go to the
/// store's column builders without being copied into strings of their own). One field list for both.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentOf<S> {
    pub incident_id: S,
    pub source: S,
    pub opened_at: UtcMillis,
    pub acknowledged_at: Option<UtcMillis>,
    pub resolved_at: Option<UtcMillis>,
    pub closed_at: Option<UtcMillis>,
    pub priority: Option<u8>,
    pub priority_label: Option<S>,
    pub impact: Option<S>,
    pub urgency: Option<S>,
    pub category: Option<S>,
    pub subcategory: Option<S>,
    pub symptom: Option<S>,
    pub service: Option<S>,
    pub ci: Option<S>,
    pub assignment_group: Option<S>,
    pub assignee: Option<S>,
    pub channel: Option<S>,
    pub reassignment_count: Option<u32>,
    pub reopen_count: Option<u32>,
    pub escalation_count: Option<u32>,
    pub max_support_level: Option<S>,
    pub on_hold_hours: Option<f64>,
    pub made_sla_reported: Option<bool>,
    pub problem_id: Option<S>,
    pub knowledge_used: Option<bool>,
    pub major_incident: Option<bool>,
    pub final_state: Option<S>,
    pub source_line: u64,
    /// `Some("events")` when `resolved_at` was taken from the audit trail (the export's field was empty).
    pub resolved_source: Option<S>,
}

/// An incident that owns its text.
pub type Incident = IncidentOf<String>;

/// An incident whose text is borrowed (from a CSV row, or from an [`Incident`]).
pub type IncidentRef<'a> = IncidentOf<&'a str>;

impl<S: AsRef<str>> IncidentOf<S> {
    /// The same incident with every text field turned by `text`. Every field is named (no `..`):
    /// a new field must be carried over here too.
    fn map_text<'s, T>(&'s self, text: impl Fn(&'s str) -> T) -> IncidentOf<T> {
        let text = |v: &'s S| text(v.as_ref());
        IncidentOf {
            incident_id: text(&self.incident_id),
            source: text(&self.source),
            opened_at: self.opened_at,
            acknowledged_at: self.acknowledged_at,
            resolved_at: self.resolved_at,
            closed_at: self.closed_at,
            priority: self.priority,
            priority_label: self.priority_label.as_ref().map(&text),
            impact: self.impact.as_ref().map(&text),
            urgency: self.urgency.as_ref().map(&text),
            category: self.category.as_ref().map(&text),
            subcategory: self.subcategory.as_ref().map(&text),
            symptom: self.symptom.as_ref().map(&text),
            service: self.service.as_ref().map(&text),
            ci: self.ci.as_ref().map(&text),
            assignment_group: self.assignment_group.as_ref().map(&text),
            assignee: self.assignee.as_ref().map(&text),
            channel: self.channel.as_ref().map(&text),
            reassignment_count: self.reassignment_count,
            reopen_count: self.reopen_count,
            escalation_count: self.escalation_count,
            max_support_level: self.max_support_level.as_ref().map(&text),
            on_hold_hours: self.on_hold_hours,
            made_sla_reported: self.made_sla_reported,
            problem_id: self.problem_id.as_ref().map(&text),
            knowledge_used: self.knowledge_used,
            major_incident: self.major_incident,
            final_state: self.final_state.as_ref().map(&text),
            source_line: self.source_line,
            resolved_source: self.resolved_source.as_ref().map(&text),
        }
    }

    /// The incident borrowing this one's text.
    pub fn as_borrowed(&self) -> IncidentRef<'_> {
        self.map_text(|v| v)
    }

    /// The incident with text of its own.
    pub fn to_incident(&self) -> Incident {
        self.map_text(str::to_owned)
    }
}

/// One status change of an incident (event-log sources).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    pub incident_id: String,
    pub at: UtcMillis,
    pub state: Option<String>,
    pub sub_state: Option<String>,
    pub group: Option<String>,
    pub support_level: Option<String>,
    pub assignee: Option<String>,
    pub source_line: u64,
}

fn opt(o: &Option<String>) -> Option<&str> {
    o.as_deref()
}

fn text<'a, T: 'a>(name: &str, rows: &'a [T], f: impl Fn(&'a T) -> Option<&'a str>) -> Column {
    let ca: StringChunked = rows.iter().map(&f).collect();
    ca.with_name(name.into()).into_column()
}

fn timestamp<T>(name: &str, rows: &[T], f: impl Fn(&T) -> Option<i64>) -> Column {
    let ca: Int64Chunked = rows.iter().map(f).collect();
    ca.with_name(name.into())
        .into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
        .into_column()
}

fn int<T>(name: &str, rows: &[T], f: impl Fn(&T) -> Option<i64>) -> Column {
    let ca: Int64Chunked = rows.iter().map(f).collect();
    ca.with_name(name.into()).into_column()
}

fn float<T>(name: &str, rows: &[T], f: impl Fn(&T) -> Option<f64>) -> Column {
    let ca: Float64Chunked = rows.iter().map(f).collect();
    ca.with_name(name.into()).into_column()
}

fn boolean<T>(name: &str, rows: &[T], f: impl Fn(&T) -> Option<bool>) -> Column {
    let ca: BooleanChunked = rows.iter().map(f).collect();
    ca.with_name(name.into()).into_column()
}

/// The canonical incident table as a `DataFrame` (column order as [`INCIDENT_COLUMNS`]).
pub fn incidents_to_frame(rows: &[Incident]) -> PolarsResult<DataFrame> {
    let columns = vec![
        text(col::INCIDENT_ID, rows, |r: &Incident| {
            Some(r.incident_id.as_str())
        }),
        text(col::SOURCE, rows, |r: &Incident| Some(r.source.as_str())),
        timestamp(col::OPENED_AT, rows, |r: &Incident| Some(r.opened_at)),
        timestamp(col::ACKNOWLEDGED_AT, rows, |r: &Incident| r.acknowledged_at),
        timestamp(col::RESOLVED_AT, rows, |r: &Incident| r.resolved_at),
        timestamp(col::CLOSED_AT, rows, |r: &Incident| r.closed_at),
        int(col::PRIORITY, rows, |r: &Incident| {
            r.priority.map(i64::from)
        }),
        text(col::PRIORITY_LABEL, rows, |r: &Incident| {
            opt(&r.priority_label)
        }),
        text(col::IMPACT, rows, |r: &Incident| opt(&r.impact)),
        text(col::URGENCY, rows, |r: &Incident| opt(&r.urgency)),
        text(col::CATEGORY, rows, |r: &Incident| opt(&r.category)),
        text(col::SUBCATEGORY, rows, |r: &Incident| opt(&r.subcategory)),
        text(col::SYMPTOM, rows, |r: &Incident| opt(&r.symptom)),
        text(col::SERVICE, rows, |r: &Incident| opt(&r.service)),
        text(col::CI, rows, |r: &Incident| opt(&r.ci)),
        text(col::ASSIGNMENT_GROUP, rows, |r: &Incident| {
            opt(&r.assignment_group)
        }),
        text(col::ASSIGNEE, rows, |r: &Incident| opt(&r.assignee)),
        text(col::CHANNEL, rows, |r: &Incident| opt(&r.channel)),
        int(col::REASSIGNMENT_COUNT, rows, |r: &Incident| {
            r.reassignment_count.map(i64::from)
        }),
        int(col::REOPEN_COUNT, rows, |r: &Incident| {
            r.reopen_count.map(i64::from)
        }),
        int(col::ESCALATION_COUNT, rows, |r: &Incident| {
            r.escalation_count.map(i64::from)
        }),
        text(col::MAX_SUPPORT_LEVEL, rows, |r: &Incident| {
            opt(&r.max_support_level)
        }),
        float(col::ON_HOLD_HOURS, rows, |r: &Incident| r.on_hold_hours),
        boolean(col::MADE_SLA_REPORTED, rows, |r: &Incident| {
            r.made_sla_reported
        }),
        text(col::PROBLEM_ID, rows, |r: &Incident| opt(&r.problem_id)),
        boolean(col::KNOWLEDGE_USED, rows, |r: &Incident| r.knowledge_used),
        boolean(col::MAJOR_INCIDENT, rows, |r: &Incident| r.major_incident),
        text(col::FINAL_STATE, rows, |r: &Incident| opt(&r.final_state)),
        int(col::SOURCE_LINE, rows, |r: &Incident| {
            Some(r.source_line as i64)
        }),
        text(col::RESOLVED_SOURCE, rows, |r: &Incident| {
            opt(&r.resolved_source)
        }),
    ];
    DataFrame::new(rows.len(), columns)
}

/// The events table as a `DataFrame` (column order as [`EVENT_COLUMNS`]).
pub fn events_to_frame(rows: &[Event]) -> PolarsResult<DataFrame> {
    let columns = vec![
        text("incident_id", rows, |r: &Event| {
            Some(r.incident_id.as_str())
        }),
        timestamp("at", rows, |r: &Event| Some(r.at)),
        text("state", rows, |r: &Event| opt(&r.state)),
        text("sub_state", rows, |r: &Event| opt(&r.sub_state)),
        text("group", rows, |r: &Event| opt(&r.group)),
        text("support_level", rows, |r: &Event| opt(&r.support_level)),
        text("assignee", rows, |r: &Event| opt(&r.assignee)),
        int("source_line", rows, |r: &Event| Some(r.source_line as i64)),
    ];
    DataFrame::new(rows.len(), columns)
}

/// Checks that a frame read from a store has every canonical column with the right type, so later
/// stages can rely on the schema; names what is missing or mistyped.
pub fn check_incident_frame(df: &DataFrame) -> std::result::Result<(), String> {
    for (name, kind, _, _) in INCIDENT_COLUMNS {
        if LATER_COLUMNS.contains(name) && df.column(name).is_err() {
            continue;
        }
        let col = df
            .column(name)
            .map_err(|_| format!("not an incidentlab store: column '{name}' is missing"))?;
        let ok = match kind {
            ColumnType::Text => matches!(col.dtype(), DataType::String),
            ColumnType::Timestamp => matches!(col.dtype(), DataType::Datetime(_, _)),
            ColumnType::Int => col.dtype().is_integer(),
            ColumnType::Float => col.dtype().is_float(),
            ColumnType::Bool => matches!(col.dtype(), DataType::Boolean),
        };
        if !ok {
            return Err(format!(
                "column '{name}' has type {}, expected {kind:?}",
                col.dtype()
            ));
        }
    }
    Ok(())
}

/// Reads incidents back from a canonical frame (the inverse of [`incidents_to_frame`]).
pub fn incidents_from_frame(df: &DataFrame) -> PolarsResult<Vec<Incident>> {
    check_incident_frame(df).map_err(|m| PolarsError::SchemaMismatch(m.into()))?;
    let mut df = df.clone();
    for name in LATER_COLUMNS {
        if df.column(name).is_err() {
            df.with_column(StringChunked::full_null((*name).into(), df.height()).into_column())?;
        }
    }
    let df = df.select(INCIDENT_COLUMNS.iter().map(|c| c.0))?;
    let mut out: Vec<Incident> = (0..df.height()).map(|_| Incident::default()).collect();
    set_each(&mut out, read_text(&df, col::INCIDENT_ID)?, |i, v| {
        i.incident_id = v.unwrap_or_default()
    });
    set_each(&mut out, read_text(&df, col::SOURCE)?, |i, v| {
        i.source = v.unwrap_or_default()
    });
    for (name, field) in TEXT_FIELDS {
        set_each(&mut out, read_text(&df, name)?, |i, v| *field(i) = v);
    }
    set_each(&mut out, read_times(&df, col::OPENED_AT)?, |i, v| {
        i.opened_at = v.unwrap_or_default()
    });
    for (name, field) in TIME_FIELDS {
        set_each(&mut out, read_times(&df, name)?, |i, v| *field(i) = v);
    }
    fill_numbers(&df, &mut out)?;
    for (name, field) in BOOL_FIELDS {
        set_each(&mut out, df.column(name)?.bool()?.iter(), |i, v| {
            *field(i) = v
        });
    }
    Ok(out)
}

/// Optional text fields of [`Incident`], by canonical column.
type TextField = fn(&mut Incident) -> &mut Option<String>;
const TEXT_FIELDS: &[(&str, TextField)] = &[
    (col::PRIORITY_LABEL, |i| &mut i.priority_label),
    (col::IMPACT, |i| &mut i.impact),
    (col::URGENCY, |i| &mut i.urgency),
    (col::CATEGORY, |i| &mut i.category),
    (col::SUBCATEGORY, |i| &mut i.subcategory),
    (col::SYMPTOM, |i| &mut i.symptom),
    (col::SERVICE, |i| &mut i.service),
    (col::CI, |i| &mut i.ci),
    (col::ASSIGNMENT_GROUP, |i| &mut i.assignment_group),
    (col::ASSIGNEE, |i| &mut i.assignee),
    (col::CHANNEL, |i| &mut i.channel),
    (col::MAX_SUPPORT_LEVEL, |i| &mut i.max_support_level),
    (col::PROBLEM_ID, |i| &mut i.problem_id),
    (col::FINAL_STATE, |i| &mut i.final_state),
    (col::RESOLVED_SOURCE, |i| &mut i.resolved_source),
];

/// Optional timestamps of [`Incident`] (UTC ms), by canonical column.
type TimeField = fn(&mut Incident) -> &mut Option<i64>;
const TIME_FIELDS: &[(&str, TimeField)] = &[
    (col::ACKNOWLEDGED_AT, |i| &mut i.acknowledged_at),
    (col::RESOLVED_AT, |i| &mut i.resolved_at),
    (col::CLOSED_AT, |i| &mut i.closed_at),
];

/// Counts of [`Incident`], by canonical column.
type CountField = fn(&mut Incident) -> &mut Option<u32>;
const COUNT_FIELDS: &[(&str, CountField)] = &[
    (col::REASSIGNMENT_COUNT, |i| &mut i.reassignment_count),
    (col::REOPEN_COUNT, |i| &mut i.reopen_count),
    (col::ESCALATION_COUNT, |i| &mut i.escalation_count),
];

/// Flags of [`Incident`], by canonical column.
type BoolField = fn(&mut Incident) -> &mut Option<bool>;
const BOOL_FIELDS: &[(&str, BoolField)] = &[
    (col::MADE_SLA_REPORTED, |i| &mut i.made_sla_reported),
    (col::KNOWLEDGE_USED, |i| &mut i.knowledge_used),
    (col::MAJOR_INCIDENT, |i| &mut i.major_incident),
];

/// A text column's values.
fn read_text(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<String>>> {
    Ok(df
        .column(name)?
        .str()?
        .iter()
        .map(|v| v.map(str::to_string))
        .collect())
}

/// A timestamp column's values as UTC milliseconds.
fn read_times(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Datetime(
        TimeUnit::Milliseconds,
        Some(TimeZone::UTC),
    ))?;
    let c = c.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

/// An integer column's values as `i64`.
fn read_ints(df: &DataFrame, name: &str) -> PolarsResult<Vec<Option<i64>>> {
    let c = df.column(name)?.cast(&DataType::Int64)?;
    Ok(c.i64()?.iter().collect())
}

/// The numeric fields: priority, the counts (values that do not fit are left empty), hours on
/// hold and the source line.
fn fill_numbers(df: &DataFrame, out: &mut [Incident]) -> PolarsResult<()> {
    set_each(out, read_ints(df, col::PRIORITY)?, |i, p| {
        i.priority = p.and_then(|p| u8::try_from(p).ok())
    });
    for (name, field) in COUNT_FIELDS {
        set_each(out, read_ints(df, name)?, |i, v| {
            *field(i) = v.and_then(|x| u32::try_from(x).ok())
        });
    }
    let hold = df.column(col::ON_HOLD_HOURS)?.cast(&DataType::Float64)?;
    set_each(out, hold.f64()?.iter(), |i, h| i.on_hold_hours = h);
    set_each(out, read_ints(df, col::SOURCE_LINE)?, |i, l| {
        i.source_line = l.unwrap_or_default().max(0) as u64
    });
    Ok(())
}

/// Sets one field of every incident from a column's values, row by row.
fn set_each<T>(
    out: &mut [Incident],
    values: impl IntoIterator<Item = T>,
    set: impl Fn(&mut Incident, T),
) {
    out.iter_mut().zip(values).for_each(|(i, v)| set(i, v));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_round_trip_keeps_every_field() {
        let a = Incident {
            incident_id: "INC1".into(),
            source: "servicenow".into(),
            opened_at: 1_700_000_000_000,
            acknowledged_at: Some(1_700_000_060_000),
            resolved_at: None,
            closed_at: Some(1_700_000_900_000),
            priority: Some(2),
            priority_label: Some("2 - High".into()),
            category: Some("Network".into()),
            reassignment_count: Some(3),
            on_hold_hours: Some(1.5),
            made_sla_reported: Some(false),
            major_incident: Some(true),
            source_line: 7,
            ..Default::default()
        };
        let b = Incident {
            incident_id: "INC2".into(),
            opened_at: 5,
            source_line: 8,
            ..Default::default()
        };
        let df = incidents_to_frame(&[a.clone(), b.clone()]).unwrap();
        assert_eq!(df.width(), INCIDENT_COLUMNS.len());
        assert!(matches!(
            df.column("opened_at").unwrap().dtype(),
            DataType::Datetime(TimeUnit::Milliseconds, Some(_))
        ));
        let back = incidents_from_frame(&df).unwrap();
        assert_eq!(back, vec![a, b]);
    }

    #[test]
    fn stores_written_before_resolved_source_are_still_read() {
        let a = Incident {
            incident_id: "INC1".into(),
            resolved_at: Some(9),
            resolved_source: Some("events".into()),
            ..Default::default()
        };
        let df = incidents_to_frame(std::slice::from_ref(&a)).unwrap();
        assert_eq!(incidents_from_frame(&df).unwrap(), vec![a.clone()]);
        let old = df.drop("resolved_source").unwrap();
        assert!(check_incident_frame(&old).is_ok());
        let back = incidents_from_frame(&old).unwrap();
        assert_eq!(back[0].resolved_source, None);
        assert_eq!(back[0].resolved_at, Some(9));
    }

    #[test]
    fn priorities_are_labelled_and_parsed_back() {
        for n in 1..=5 {
            let p = Priority::new(n).unwrap();
            assert_eq!(p.to_string(), format!("P{n}"));
            assert_eq!(p.to_string().parse::<Priority>(), Ok(p));
            assert_eq!(p.index(), usize::from(n) - 1);
        }
        assert_eq!(Priority::new(0), None);
        assert_eq!(Priority::new(6), None);
        assert!("P9".parse::<Priority>().is_err());
        assert!("high".parse::<Priority>().is_err());
        assert!(Priority::new(1) < Priority::new(2));
    }

    #[test]
    fn check_names_the_missing_column() {
        let df = df!("incident_id" => ["x"]).unwrap();
        let err = check_incident_frame(&df).unwrap_err();
        assert!(err.contains("'source'"), "{err}");
    }
}
