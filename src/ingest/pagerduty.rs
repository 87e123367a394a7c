//! PagerDuty incident exports: the analytics raw-incident fields (`created_at`, `resolved_at`,
//! `seconds_to_first_ack`, `seconds_to_resolve`, `escalation_count`, …) and the older CSV report's
//! `created_on` / `resolved_on`. Timestamps are ISO 8601 with offsets. `acknowledged_at` is
//! `created_at + seconds_to_first_ack`; a missing `resolved_at` is filled from `seconds_to_resolve`.
//! Both are read by the one duration parser ([`super::duration`]): a plain number is **seconds**
//! (`90`, `12.5`), and `1:30:00` or `1h 30m` are read too. An unreadable `seconds_to_first_ack` is
//! dropped (the incident is kept without an acknowledgement time); an unreadable `seconds_to_resolve`
//! that would give the resolution time rejects the row, as an unreadable `resolved_at` does.
//! `priority_name` (P1…P5) gives the priority; PagerDuty's own `urgency` (high/low) is kept as is.

use std::cell::Cell;
use std::path::Path;

use super::duration::DurationUnits;
use super::row::{aliases, parse_non_negative, parse_rows_into, Field, RowSpec};
use super::spec::pagerduty as pd;
use super::{ImportOptions, Parsed, Reject, RejectReason};
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

pub fn parse(path: &Path, opts: &ImportOptions) -> Result<Parsed> {
    super::row::collect(|sink| parse_into(path, opts, sink))
}

/// As [`parse`], streaming: each checked incident goes to `sink` as its row is read.
pub fn parse_into(
    path: &Path,
    opts: &ImportOptions,
    sink: &mut super::row::IncidentSink,
) -> Result<Parsed> {
    let (ack, ttr) = (Cell::new(None), Cell::new(None));
    parse_rows_into(
        path,
        opts,
        |h| {
            ack.set(h.find(&[pd::SECONDS_TO_FIRST_ACK]));
            ttr.set(h.find(&[pd::SECONDS_TO_RESOLVE]));
            RowSpec::resolve(
                path,
                h,
                "pagerduty",
                &aliases(COLUMNS),
                &[Field::IncidentId, Field::OpenedAt],
            )
        },
        |inc, spec, fields, dropped| {
            let file = path.display().to_string();
            let opened = inc.opened_at;
            // Milliseconds after the opening, or why the cell cannot be read.
            let after_opening = |k: usize| -> Option<std::result::Result<i64, String>> {
                let raw = fields[k].trim();
                if opts.is_missing(raw) {
                    return None;
                }
                Some(
                    parse_non_negative(raw, DurationUnits::SECONDS, "number of seconds").and_then(
                        |d| {
                            opened
                                .checked_add(d.millis())
                                .ok_or_else(|| format!("'{raw}' seconds overflow the time line"))
                        },
                    ),
                )
            };
            if let Some(k) = ack.get() {
                match after_opening(k) {
                    None => {}
                    Some(Ok(t)) => inc.acknowledged_at = Some(t),
                    Some(Err(e)) => {
                        dropped.push(spec.dropped(&file, inc.source_line, k, fields[k], e))
                    }
                }
            }
            if let (Some(k), None) = (ttr.get(), inc.resolved_at) {
                match after_opening(k) {
                    None => {}
                    Some(Ok(t)) => inc.resolved_at = Some(t),
                    Some(Err(detail)) => {
                        return Err(Reject {
                            file,
                            line: inc.source_line,
                            column: spec.header.names[k].clone(),
                            reason: RejectReason::BadNumber,
                            detail,
                        })
                    }
                }
            }
            Ok(())
        },
        sink,
    )
}
