//! ServiceNow incident table export: one row per incident. Column names may be the field names
//! (`number`, `opened_at`, `assignment_group`) or the list-view labels (`Number`, `Opened`,
//! `Assignment group`); both are recognised. Priority like `2 - High`. Timestamps are naive, in the
//! exporting user's time zone (`--timezone`), `yyyy-MM-dd HH:mm:ss` by default.

use std::path::Path;

use super::csvfile::Header;
use super::row::{fixed_spec, Field, FilledRow, RowFormat, RowSpec};
use super::spec::{servicenow as sn, servicenow_audit as audit};
use super::Reject;
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

/// The ServiceNow incident table format ([`COLUMNS`] and the major incident state).
pub struct ServiceNow;

impl RowFormat for ServiceNow {
    /// The `major_incident_state` column, when the export has one.
    type Extra = Option<usize>;

    fn spec(&self, path: &Path, header: &Header) -> Result<(RowSpec, Self::Extra)> {
        let major = header.find(&[sn::MAJOR_INCIDENT_STATE, "Major incident state"]);
        Ok((fixed_spec(path, header, "servicenow", COLUMNS)?, major))
    }

    /// ServiceNow's major incident workflow: only an accepted major incident counts; an empty
    /// state means the incident never was one.
    fn finish(
        &self,
        major: &Option<usize>,
        row: &mut FilledRow,
    ) -> std::result::Result<(), Reject> {
        if let Some(k) = *major {
            let accepted = row
                .cell(k)
                .is_some_and(|v| v.eq_ignore_ascii_case("accepted"));
            row.inc.major_incident = Some(accepted);
        }
        Ok(())
    }
}
