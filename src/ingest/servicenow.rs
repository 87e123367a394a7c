//! ServiceNow incident table export: one row per incident. Column names may be the field names
//! (`number`, `opened_at`, `assignment_group`) or the list-view labels (`Number`, `Opened`,
//! `Assignment group`); both are recognised. Priority like `2 - High`. Timestamps are naive, in the
//! exporting user's time zone (`--timezone`), `yyyy-MM-dd HH:mm:ss` by default.

use std::cell::Cell;
use std::path::Path;

use super::row::{aliases, parse_rows_into, Field, RowSpec};
use super::{ImportOptions, Parsed};
use crate::error::Result;

/// Source columns for each canonical field, first match wins.
pub const COLUMNS: &[(Field, &[&str])] = &[
    (Field::IncidentId, &["number", "Number"]),
    (
        Field::OpenedAt,
        &["opened_at", "Opened", "sys_created_on", "Created"],
    ),
    (
        Field::AcknowledgedAt,
        &[
            "acknowledged_at",
            "u_acknowledged_at",
            "first_response",
            "work_start",
            "Actual start",
        ],
    ),
    (Field::ResolvedAt, &["resolved_at", "Resolved"]),
    (Field::ClosedAt, &["closed_at", "Closed"]),
    (Field::Priority, &["priority", "Priority"]),
    (Field::Impact, &["impact", "Impact"]),
    (Field::Urgency, &["urgency", "Urgency"]),
    (Field::Category, &["category", "Category"]),
    (Field::Subcategory, &["subcategory", "Subcategory"]),
    (Field::Symptom, &["u_symptom", "Symptom"]),
    (
        Field::Service,
        &["business_service", "Service", "Business service"],
    ),
    (Field::Ci, &["cmdb_ci", "Configuration item"]),
    (
        Field::AssignmentGroup,
        &["assignment_group", "Assignment group"],
    ),
    (Field::Assignee, &["assigned_to", "Assigned to"]),
    (Field::Channel, &["contact_type", "Contact type", "Channel"]),
    (
        Field::ReassignmentCount,
        &["reassignment_count", "Reassignment count"],
    ),
    (Field::ReopenCount, &["reopen_count", "Reopen count"]),
    (Field::MadeSlaReported, &["made_sla", "Made SLA"]),
    (Field::ProblemId, &["problem_id", "Problem"]),
    (Field::KnowledgeUsed, &["knowledge", "Knowledge"]),
    (Field::FinalState, &["state", "State", "incident_state"]),
];

pub fn parse(path: &Path, opts: &ImportOptions) -> Result<Parsed> {
    super::row::collect(|sink| parse_into(path, opts, sink))
}

/// As [`parse`], streaming: each checked incident goes to `sink` as its row is read.
pub fn parse_into(
    path: &Path,
    opts: &ImportOptions,
    sink: &mut super::row::IncidentSink,
) -> Result<Parsed> {
    let major_col = Cell::new(None);
    parse_rows_into(
        path,
        opts,
        |h| {
            major_col.set(h.find(&["major_incident_state", "Major incident state"]));
            RowSpec::resolve(
                path,
                h,
                "servicenow",
                &aliases(COLUMNS),
                &[Field::IncidentId, Field::OpenedAt],
            )
        },
        |inc, _, fields, _| {
            // ServiceNow's major incident workflow: only an accepted major incident counts; an empty
            // state means the incident never was one.
            if let Some(k) = major_col.get() {
                let v = fields[k].trim();
                inc.major_incident =
                    Some(!opts.is_missing(v) && v.eq_ignore_ascii_case("accepted"));
            }
            Ok(())
        },
        sink,
    )
}
