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
        "incident_id",
        ColumnType::Text,
        false,
        "the source's incident number/key; unique in a store",
    ),
    (
        "source",
        ColumnType::Text,
        false,
        "format it came from (servicenow, jira, pagerduty, eventlog, …)",
    ),
    (
        "opened_at",
        ColumnType::Timestamp,
        false,
        "when the incident was logged",
    ),
    (
        "acknowledged_at",
        ColumnType::Timestamp,
        true,
        "first response / first assignment",
    ),
    (
        "resolved_at",
        ColumnType::Timestamp,
        true,
        "service restored (null while unresolved)",
    ),
    (
        "closed_at",
        ColumnType::Timestamp,
        true,
        "closed after confirmation",
    ),
    (
        "priority",
        ColumnType::Int,
        true,
        "1 = highest … 5 = lowest",
    ),
    (
        "priority_label",
        ColumnType::Text,
        true,
        "the source's own priority text",
    ),
    (
        "impact",
        ColumnType::Text,
        true,
        "impact as the source writes it",
    ),
    (
        "urgency",
        ColumnType::Text,
        true,
        "urgency as the source writes it",
    ),
    ("category", ColumnType::Text, true, "category"),
    ("subcategory", ColumnType::Text, true, "subcategory"),
    ("symptom", ColumnType::Text, true, "symptom / request type"),
    (
        "service",
        ColumnType::Text,
        true,
        "business or technical service",
    ),
    ("ci", ColumnType::Text, true, "configuration item"),
    (
        "assignment_group",
        ColumnType::Text,
        true,
        "last assignment group / team",
    ),
    ("assignee", ColumnType::Text, true, "last assignee"),
    (
        "channel",
        ColumnType::Text,
        true,
        "contact type (phone, email, portal, monitoring …)",
    ),
    (
        "reassignment_count",
        ColumnType::Int,
        true,
        "times the incident moved to another group",
    ),
    (
        "reopen_count",
        ColumnType::Int,
        true,
        "times it was reopened after resolution",
    ),
    (
        "escalation_count",
        ColumnType::Int,
        true,
        "times it moved up a support level or escalation step",
    ),
    (
        "max_support_level",
        ColumnType::Text,
        true,
        "highest support line that worked on it (L1/L2/L3)",
    ),
    (
        "on_hold_hours",
        ColumnType::Float,
        true,
        "hours in pause states (waiting for user/vendor)",
    ),
    (
        "made_sla_reported",
        ColumnType::Bool,
        true,
        "the source's own SLA flag",
    ),
    (
        "problem_id",
        ColumnType::Text,
        true,
        "linked problem record",
    ),
    (
        "knowledge_used",
        ColumnType::Bool,
        true,
        "a knowledge article was used",
    ),
    (
        "major_incident",
        ColumnType::Bool,
        true,
        "flagged as a major incident",
    ),
    (
        "final_state",
        ColumnType::Text,
        true,
        "last state in the export",
    ),
    (
        "source_line",
        ColumnType::Int,
        false,
        "line in the source file where the incident's (last) row starts",
    ),
    (
        "resolved_source",
        ColumnType::Text,
        true,
        "where resolved_at came from when not from the export's own field: events = the last transition into a resolving state in the audit trail (null otherwise)",
    ),
];

/// Columns added to [`INCIDENT_COLUMNS`] after stores were first written: a store without them is
/// still read, the column then being null.
pub const LATER_COLUMNS: &[&str] = &["resolved_source"];

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

/// One incident in canonical form.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Incident {
    pub incident_id: String,
    pub source: String,
    pub opened_at: UtcMillis,
    pub acknowledged_at: Option<UtcMillis>,
    pub resolved_at: Option<UtcMillis>,
    pub closed_at: Option<UtcMillis>,
    pub priority: Option<u8>,
    pub priority_label: Option<String>,
    pub impact: Option<String>,
    pub urgency: Option<String>,
    pub category: Option<String>,
    pub subcategory: Option<String>,
    pub symptom: Option<String>,
    pub service: Option<String>,
    pub ci: Option<String>,
    pub assignment_group: Option<String>,
    pub assignee: Option<String>,
    pub channel: Option<String>,
    pub reassignment_count: Option<u32>,
    pub reopen_count: Option<u32>,
    pub escalation_count: Option<u32>,
    pub max_support_level: Option<String>,
    pub on_hold_hours: Option<f64>,
    pub made_sla_reported: Option<bool>,
    pub problem_id: Option<String>,
    pub knowledge_used: Option<bool>,
    pub major_incident: Option<bool>,
    pub final_state: Option<String>,
    pub source_line: u64,
    /// `Some("events")` when `resolved_at` was taken from the audit trail (the export's field was empty).
    pub resolved_source: Option<String>,
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
        text("incident_id", rows, |r: &Incident| {
            Some(r.incident_id.as_str())
        }),
        text("source", rows, |r: &Incident| Some(r.source.as_str())),
        timestamp("opened_at", rows, |r: &Incident| Some(r.opened_at)),
        timestamp("acknowledged_at", rows, |r: &Incident| r.acknowledged_at),
        timestamp("resolved_at", rows, |r: &Incident| r.resolved_at),
        timestamp("closed_at", rows, |r: &Incident| r.closed_at),
        int("priority", rows, |r: &Incident| r.priority.map(i64::from)),
        text(
            "priority_label",
            rows,
            |r: &Incident| opt(&r.priority_label),
        ),
        text("impact", rows, |r: &Incident| opt(&r.impact)),
        text("urgency", rows, |r: &Incident| opt(&r.urgency)),
        text("category", rows, |r: &Incident| opt(&r.category)),
        text("subcategory", rows, |r: &Incident| opt(&r.subcategory)),
        text("symptom", rows, |r: &Incident| opt(&r.symptom)),
        text("service", rows, |r: &Incident| opt(&r.service)),
        text("ci", rows, |r: &Incident| opt(&r.ci)),
        text("assignment_group", rows, |r: &Incident| {
            opt(&r.assignment_group)
        }),
        text("assignee", rows, |r: &Incident| opt(&r.assignee)),
        text("channel", rows, |r: &Incident| opt(&r.channel)),
        int("reassignment_count", rows, |r: &Incident| {
            r.reassignment_count.map(i64::from)
        }),
        int("reopen_count", rows, |r: &Incident| {
            r.reopen_count.map(i64::from)
        }),
        int("escalation_count", rows, |r: &Incident| {
            r.escalation_count.map(i64::from)
        }),
        text("max_support_level", rows, |r: &Incident| {
            opt(&r.max_support_level)
        }),
        float("on_hold_hours", rows, |r: &Incident| r.on_hold_hours),
        boolean("made_sla_reported", rows, |r: &Incident| {
            r.made_sla_reported
        }),
        text("problem_id", rows, |r: &Incident| opt(&r.problem_id)),
        boolean("knowledge_used", rows, |r: &Incident| r.knowledge_used),
        boolean("major_incident", rows, |r: &Incident| r.major_incident),
        text("final_state", rows, |r: &Incident| opt(&r.final_state)),
        int("source_line", rows, |r: &Incident| {
            Some(r.source_line as i64)
        }),
        text("resolved_source", rows, |r: &Incident| {
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
    let ts = |name: &str| -> PolarsResult<Vec<Option<i64>>> {
        let c = df.column(name)?.cast(&DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))?;
        let c = c.cast(&DataType::Int64)?;
        Ok(c.i64()?.iter().collect())
    };
    let st = |name: &str| -> PolarsResult<Vec<Option<String>>> {
        Ok(df
            .column(name)?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let it = |name: &str| -> PolarsResult<Vec<Option<i64>>> {
        let c = df.column(name)?.cast(&DataType::Int64)?;
        Ok(c.i64()?.iter().collect())
    };
    let bo = |name: &str| -> PolarsResult<Vec<Option<bool>>> {
        Ok(df.column(name)?.bool()?.iter().collect())
    };
    let n = df.height();
    let (id, source) = (st("incident_id")?, st("source")?);
    let (opened, ack, resolved, closed) = (
        ts("opened_at")?,
        ts("acknowledged_at")?,
        ts("resolved_at")?,
        ts("closed_at")?,
    );
    let priority = it("priority")?;
    let (plabel, impact, urgency, category, subcategory, symptom) = (
        st("priority_label")?,
        st("impact")?,
        st("urgency")?,
        st("category")?,
        st("subcategory")?,
        st("symptom")?,
    );
    let (service, ci, group, assignee, channel) = (
        st("service")?,
        st("ci")?,
        st("assignment_group")?,
        st("assignee")?,
        st("channel")?,
    );
    let (reassign, reopen, escal) = (
        it("reassignment_count")?,
        it("reopen_count")?,
        it("escalation_count")?,
    );
    let level = st("max_support_level")?;
    let hold: Vec<Option<f64>> = df
        .column("on_hold_hours")?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect();
    let (made_sla, knowledge, major) = (
        bo("made_sla_reported")?,
        bo("knowledge_used")?,
        bo("major_incident")?,
    );
    let (problem, final_state, line) = (st("problem_id")?, st("final_state")?, it("source_line")?);
    let resolved_source = st("resolved_source")?;
    let u32_of = |v: Option<i64>| v.and_then(|x| u32::try_from(x).ok());
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(Incident {
            incident_id: id[i].clone().unwrap_or_default(),
            source: source[i].clone().unwrap_or_default(),
            opened_at: opened[i].unwrap_or_default(),
            acknowledged_at: ack[i],
            resolved_at: resolved[i],
            closed_at: closed[i],
            priority: priority[i].and_then(|p| u8::try_from(p).ok()),
            priority_label: plabel[i].clone(),
            impact: impact[i].clone(),
            urgency: urgency[i].clone(),
            category: category[i].clone(),
            subcategory: subcategory[i].clone(),
            symptom: symptom[i].clone(),
            service: service[i].clone(),
            ci: ci[i].clone(),
            assignment_group: group[i].clone(),
            assignee: assignee[i].clone(),
            channel: channel[i].clone(),
            reassignment_count: u32_of(reassign[i]),
            reopen_count: u32_of(reopen[i]),
            escalation_count: u32_of(escal[i]),
            max_support_level: level[i].clone(),
            on_hold_hours: hold[i],
            made_sla_reported: made_sla[i],
            problem_id: problem[i].clone(),
            knowledge_used: knowledge[i],
            major_incident: major[i],
            final_state: final_state[i].clone(),
            source_line: line[i].unwrap_or_default().max(0) as u64,
            resolved_source: resolved_source[i].clone(),
        });
    }
    Ok(out)
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
    fn check_names_the_missing_column() {
        let df = df!("incident_id" => ["x"]).unwrap();
        let err = check_incident_frame(&df).unwrap_err();
        assert!(err.contains("'source'"), "{err}");
    }
}
