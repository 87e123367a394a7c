//! PagerDuty incident exports: the analytics raw-incident fields (`created_at`, `resolved_at`,
//! `seconds_to_first_ack`, `seconds_to_resolve`, `escalation_count`, …) and the older CSV report's
//! `created_on` / `resolved_on`. Timestamps are ISO 8601 with offsets. `acknowledged_at` is
//! `created_at + seconds_to_first_ack`; a missing `resolved_at` is filled from `seconds_to_resolve`.
//! Both are read by the one duration parser ([`super::duration`]): a plain number is **seconds**
//! (`90`, `12.5`), and `1:30:00` or `1h 30m` are read too. An unreadable `seconds_to_first_ack` is
//! dropped (the incident is kept without an acknowledgement time); an unreadable `seconds_to_resolve`
//! that would give the resolution time rejects the row, as an unreadable `resolved_at` does.
//! `priority_name` (P1…P5) gives the priority; PagerDuty's own `urgency` (high/low) is kept as is.

use std::path::Path;

use super::csvfile::Header;
use super::duration::DurationUnits;
use super::row::{fixed_spec, parse_non_negative, Field, FilledRow, RowFormat, RowSpec};
use super::spec::pagerduty as pd;
use super::{Reject, RejectReason};
use crate::error::Result;

pub const COLUMNS: &[(Field, &[&str])] = &[
    (
        Field::IncidentId,
        &[pd::ID, "incident_id", pd::INCIDENT_NUMBER],
    ),
    (Field::OpenedAt, &[pd::CREATED_AT, "created_on"]),
    (Field::ResolvedAt, &[pd::RESOLVED_AT, "resolved_on"]),
    (Field::Priority, &[pd::PRIORITY_NAME, "priority"]),
    (Field::Urgency, &[pd::URGENCY]),
    (Field::Service, &[pd::SERVICE_NAME, "service"]),
    (
        Field::AssignmentGroup,
        &[
            pd::TEAM_NAME,
            pd::ESCALATION_POLICY_NAME,
            "escalation_policy",
        ],
    ),
    (
        Field::Assignee,
        &["assigned_to", "assigned_to_user", "resolved_by_user_name"],
    ),
    (Field::EscalationCount, &[pd::ESCALATION_COUNT]),
    (Field::ReassignmentCount, &[pd::REASSIGNMENT_COUNT]),
    (Field::MajorIncident, &[pd::MAJOR]),
    (Field::FinalState, &[pd::STATUS]),
];

/// The PagerDuty format ([`COLUMNS`] and the seconds to acknowledge and to resolve).
pub struct PagerDuty;

/// The columns PagerDuty reads itself: seconds to the first acknowledgement and to resolution.
pub struct Seconds {
    to_ack: Option<usize>,
    to_resolve: Option<usize>,
}

impl RowFormat for PagerDuty {
    type Extra = Seconds;

    fn spec(&self, path: &Path, header: &Header) -> Result<(RowSpec, Self::Extra)> {
        let seconds = Seconds {
            to_ack: header.find(&[pd::SECONDS_TO_FIRST_ACK]),
            to_resolve: header.find(&[pd::SECONDS_TO_RESOLVE]),
        };
        Ok((fixed_spec(path, header, "pagerduty", COLUMNS)?, seconds))
    }

    /// `acknowledged_at` = opening + seconds to first ack (dropped when unreadable); a missing
    /// `resolved_at` = opening + seconds to resolve (the row is rejected when unreadable).
    fn finish(&self, s: &Seconds, row: &mut FilledRow) -> std::result::Result<(), Reject> {
        if let Some(k) = s.to_ack {
            match after_opening(row, k) {
                None => {}
                Some(Ok(t)) => row.inc.acknowledged_at = Some(t),
                Some(Err(e)) => row.drop_cell(k, e),
            }
        }
        if let (Some(k), None) = (s.to_resolve, row.inc.resolved_at) {
            match after_opening(row, k) {
                None => {}
                Some(Ok(t)) => row.inc.resolved_at = Some(t),
                Some(Err(detail)) => return Err(row.reject(k, RejectReason::BadNumber, detail)),
            }
        }
        Ok(())
    }
}

/// The instant (ms) a number of seconds in column `k` after the opening, `None` when the cell is
/// missing, or why the cell cannot be read.
fn after_opening(row: &FilledRow, k: usize) -> Option<std::result::Result<i64, String>> {
    let raw = row.cell(k)?;
    let opened = row.inc.opened_at;
    Some(
        parse_non_negative(raw, DurationUnits::SECONDS, "number of seconds").and_then(|d| {
            opened
                .checked_add(d.millis())
                .ok_or_else(|| format!("'{raw}' seconds overflow the time line"))
        }),
    )
}
