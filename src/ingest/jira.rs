//! Jira Service Management CSV export. Real exports repeat column names (`Watchers`, `Comment`,
//! `Labels`; the first is used), carry multi-line quoted comments, and write dates in the
//! exporting user's format, by default `25/Feb/26 10:17 PM` (recognised without `--date-format`).
//! SLA columns hold the remaining time (`2h 30m`, negative when breached): `made_sla_reported` is
//! true when `Time to resolution` is ≥ 0.

use std::cell::Cell;
use std::path::Path;

use super::row::{aliases, parse_rows, Field, RowSpec};
use super::{ImportOptions, Parsed, Reject, RejectReason};
use crate::error::Result;
use crate::timeparse::parse_jira_duration_hours;

pub const COLUMNS: &[(Field, &[&str])] = &[
    (Field::IncidentId, &["Issue key"]),
    (Field::OpenedAt, &["Created"]),
    (
        Field::AcknowledgedAt,
        &[
            "Custom field (Date of First Response)",
            "Date of First Response",
        ],
    ),
    (Field::ResolvedAt, &["Resolved"]),
    (Field::Priority, &["Priority"]),
    (Field::Impact, &["Custom field (Impact)", "Impact"]),
    (Field::Urgency, &["Custom field (Urgency)", "Urgency"]),
    (
        Field::Category,
        &["Custom field (Request Type)", "Request Type", "Issue Type"],
    ),
    (Field::Subcategory, &["Component/s", "Components"]),
    (
        Field::Service,
        &["Custom field (Affected services)", "Affected services"],
    ),
    (
        Field::AssignmentGroup,
        &[
            "Custom field (Team)",
            "Team",
            "Custom field (Assignment group)",
        ],
    ),
    (Field::Assignee, &["Assignee"]),
    (
        Field::Channel,
        &["Custom field (Source)", "Custom field (Channel)"],
    ),
    (Field::MajorIncident, &["Custom field (Major incident)"]),
    (Field::FinalState, &["Status"]),
];

const TIME_TO_RESOLUTION: &[&str] = &["Custom field (Time to resolution)", "Time to resolution"];

pub fn parse(path: &Path, opts: &ImportOptions) -> Result<Parsed> {
    let ttr = Cell::new(None);
    parse_rows(
        path,
        opts,
        |h| {
            ttr.set(h.find(TIME_TO_RESOLUTION));
            RowSpec::resolve(
                path,
                h,
                "jira",
                &aliases(COLUMNS),
                &[Field::IncidentId, Field::OpenedAt],
            )
        },
        |inc, spec, fields| {
            if let Some(k) = ttr.get() {
                let raw = fields[k].trim();
                if !opts.is_missing(raw) {
                    let hours = parse_jira_duration_hours(raw).ok_or_else(|| Reject {
                        file: path.display().to_string(),
                        line: inc.source_line,
                        column: spec.header.names[k].clone(),
                        reason: RejectReason::BadNumber,
                        detail: format!("'{raw}' is not a remaining time such as 2h 30m or -45m"),
                    })?;
                    inc.made_sla_reported = Some(hours >= 0.0);
                }
            }
            Ok(())
        },
    )
}
