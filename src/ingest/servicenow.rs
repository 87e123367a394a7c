//! ServiceNow incident table export: one row per incident. Column names may be the field names
//! (`number`, `opened_at`, `assignment_group`) or the list-view labels (`Number`, `Opened`,
//! `Assignment group`); both are recognised. Priority like `2 - High`. Timestamps are naive, in the
//! exporting user's time zone (`--timezone`), `yyyy-MM-dd HH:mm:ss` by default.

use std::cell::Cell;
use std::path::Path;

use super::row::{aliases, parse_rows_into, Field, RowSpec};
use super::spec::{servicenow as sn, servicenow_audit as audit};
use super::{ImportOptions, Parsed};
use crate::error::Result;

/// Source columns for each canonical field, first match wins.
pub const COLUMNS: &[(Field, &[&str])] = &[
    (Field::IncidentId, &[sn::NUMBER, "Number"]),
    (
        Field::OpenedAt,
        &[sn::OPENED_AT, "Opened", "sys_created_on", "Created"],
    ),
    (
        Field::AcknowledgedAt,
        &[
            "acknowledged_at",
            sn::ACKNOWLEDGED_AT,
            "first_response",
            "work_start",
            "Actual start",
        ],
    ),
    (Field::ResolvedAt, &[sn::RESOLVED_AT, "Resolved"]),
    (Field::ClosedAt, &[sn::CLOSED_AT, "Closed"]),
    (Field::Priority, &[sn::PRIORITY, "Priority"]),
    (Field::Impact, &[sn::IMPACT, "Impact"]),
    (Field::Urgency, &[sn::URGENCY, "Urgency"]),
    (Field::Category, &[sn::CATEGORY, "Category"]),
    (Field::Subcategory, &[sn::SUBCATEGORY, "Subcategory"]),
    (Field::Symptom, &[sn::SYMPTOM, "Symptom"]),
    (
        Field::Service,
        &[sn::SERVICE, "Service", "Business service"],
    ),
    (Field::Ci, &[sn::CI, "Configuration item"]),
    (
        Field::AssignmentGroup,
        &[sn::ASSIGNMENT_GROUP, "Assignment group"],
    ),
    (Field::Assignee, &[sn::ASSIGNED_TO, "Assigned to"]),
    (
        Field::Channel,
        &[sn::CONTACT_TYPE, "Contact type", "Channel"],
    ),
    (
        Field::ReassignmentCount,
        &[sn::REASSIGNMENT_COUNT, "Reassignment count"],
    ),
    (Field::ReopenCount, &[sn::REOPEN_COUNT, "Reopen count"]),
    (Field::MadeSlaReported, &[sn::MADE_SLA, "Made SLA"]),
    (Field::ProblemId, &[sn::PROBLEM_ID, "Problem"]),
    (Field::KnowledgeUsed, &[sn::KNOWLEDGE, "Knowledge"]),
    (
        Field::FinalState,
        &[sn::STATE, "State", audit::INCIDENT_STATE],
    ),
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
            major_col.set(h.find(&[sn::MAJOR_INCIDENT_STATE, "Major incident state"]));
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
