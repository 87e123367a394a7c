//! PagerDuty incident exports: the analytics raw-incident fields (`created_at`, `resolved_at`,
//! `seconds_to_first_ack`, `seconds_to_resolve`, `escalation_count`, …) and the older CSV report's
//! `created_on` / `resolved_on`. Timestamps are ISO 8601 with offsets. `acknowledged_at` is
//! `created_at + seconds_to_first_ack`; a missing `resolved_at` is filled from `seconds_to_resolve`.
//! `priority_name` (P1…P5) gives the priority; PagerDuty's own `urgency` (high/low) is kept as is.

use std::cell::Cell;
use std::path::Path;

use super::row::{aliases, parse_rows, Field, RowSpec};
use super::{ImportOptions, Parsed, Reject, RejectReason};
use crate::error::Result;

pub const COLUMNS: &[(Field, &[&str])] = &[
    (Field::IncidentId, &["id", "incident_id", "incident_number"]),
    (Field::OpenedAt, &["created_at", "created_on"]),
    (Field::ResolvedAt, &["resolved_at", "resolved_on"]),
    (Field::Priority, &["priority_name", "priority"]),
    (Field::Urgency, &["urgency"]),
    (Field::Service, &["service_name", "service"]),
    (
        Field::AssignmentGroup,
        &["team_name", "escalation_policy_name", "escalation_policy"],
    ),
    (
        Field::Assignee,
        &["assigned_to", "assigned_to_user", "resolved_by_user_name"],
    ),
    (Field::EscalationCount, &["escalation_count"]),
    (Field::ReassignmentCount, &["reassignment_count"]),
    (Field::MajorIncident, &["major"]),
    (Field::FinalState, &["status"]),
];

pub fn parse(path: &Path, opts: &ImportOptions) -> Result<Parsed> {
    let (ack, ttr) = (Cell::new(None), Cell::new(None));
    parse_rows(
        path,
        opts,
        |h| {
            ack.set(h.find(&["seconds_to_first_ack"]));
            ttr.set(h.find(&["seconds_to_resolve"]));
            RowSpec::resolve(
                path,
                h,
                "pagerduty",
                &aliases(COLUMNS),
                &[Field::IncidentId, Field::OpenedAt],
            )
        },
        |inc, spec, fields| {
            let seconds = |k: usize| -> std::result::Result<Option<i64>, Reject> {
                let raw = fields[k].trim();
                if opts.is_missing(raw) {
                    return Ok(None);
                }
                raw.parse::<f64>()
                    .ok()
                    .filter(|s| *s >= 0.0)
                    .map(|s| Some((s * 1000.0).round() as i64))
                    .ok_or_else(|| Reject {
                        file: path.display().to_string(),
                        line: inc.source_line,
                        column: spec.header.names[k].clone(),
                        reason: RejectReason::BadNumber,
                        detail: format!("'{raw}' is not a number of seconds ≥ 0"),
                    })
            };
            if let Some(k) = ack.get() {
                inc.acknowledged_at = seconds(k)?.map(|ms| inc.opened_at + ms);
            }
            if let (Some(k), None) = (ttr.get(), inc.resolved_at) {
                inc.resolved_at = seconds(k)?.map(|ms| inc.opened_at + ms);
            }
            Ok(())
        },
    )
}
