//! Jira Service Management CSV export (Cloud and Data Center). Real exports repeat column names
//! (`Watchers`, `Comment`, `Labels`; the first is used), carry multi-line quoted comments, and write
//! dates in the exporting user's format, by default `25/Feb/26 10:17 PM` or `3/Feb/26 9:05 AM`
//! (recognised without `--date-format`).
//!
//! SLA columns hold the remaining time, negative when breached, in whatever shape the site exports:
//! `1:58`, `-3:15`, `-0:20`, `2h 30m`, `-45m`, `1d 2h 5m` (1d = 8 h, 1w = 5 d, Jira's working time),
//! or a plain number of **minutes** (see [`super::duration`]). `made_sla_reported` is true when
//! `Time to resolution` is ≥ 0 (not written with a minus sign). An SLA cell that cannot be read is
//! dropped: the incident is kept with `made_sla_reported` empty. `Time to first response` and
//! satisfaction ratings have no canonical column and are not read.

use std::path::Path;

use super::csvfile::Header;
use super::duration::{parse_duration, DurationUnits};
use super::row::{fixed_spec, Field, FilledRow, RowFormat, RowSpec};
use super::spec::jira as jr;
use super::Reject;
use crate::error::Result;

pub const COLUMNS: &[(Field, &[&str])] = &[
    (Field::IncidentId, &[jr::ISSUE_KEY]),
    (Field::OpenedAt, &[jr::CREATED]),
    (
        Field::AcknowledgedAt,
        &[jr::FIRST_RESPONSE, "Date of First Response"],
    ),
    (Field::ResolvedAt, &[jr::RESOLVED]),
    (Field::Priority, &[jr::PRIORITY]),
    (Field::Impact, &[jr::IMPACT, "Impact"]),
    (Field::Urgency, &[jr::URGENCY, "Urgency"]),
    (
        Field::Category,
        &[jr::REQUEST_TYPE, "Request Type", "Issue Type"],
    ),
    (Field::Subcategory, &[jr::COMPONENTS, "Components"]),
    (
        Field::Service,
        &[jr::AFFECTED_SERVICES, "Affected services"],
    ),
    (
        Field::AssignmentGroup,
        &[jr::TEAM, "Team", "Custom field (Assignment group)"],
    ),
    (Field::Assignee, &[jr::ASSIGNEE]),
    (
        Field::Channel,
        &["Custom field (Source)", "Custom field (Channel)"],
    ),
    (Field::MajorIncident, &[jr::MAJOR_INCIDENT]),
    (Field::FinalState, &[jr::STATUS]),
];

const TIME_TO_RESOLUTION: &[&str] = &[jr::TIME_TO_RESOLUTION, "Time to resolution"];

/// The Jira Service Management format ([`COLUMNS`] and the SLA's remaining time).
pub struct Jira;

impl RowFormat for Jira {
    /// The `Time to resolution` column, when the export has one.
    type Extra = Option<usize>;

    fn spec(&self, path: &Path, header: &Header) -> Result<(RowSpec, Self::Extra)> {
        let ttr = header.find(TIME_TO_RESOLUTION);
        Ok((fixed_spec(path, header, "jira", COLUMNS)?, ttr))
    }

    /// `made_sla_reported` from the remaining time to resolution: met unless it is negative.
    fn finish(&self, ttr: &Option<usize>, row: &mut FilledRow) -> std::result::Result<(), Reject> {
        let Some(k) = *ttr else { return Ok(()) };
        let Some(raw) = row.cell(k) else {
            return Ok(());
        };
        match parse_duration(raw, DurationUnits::JIRA) {
            Ok(remaining) => row.inc.made_sla_reported = Some(!remaining.negative),
            Err(e) => {
                let detail = format!(
                    "'{raw}' is not a remaining time ({e}); read are {}; made_sla_reported left empty",
                    DurationUnits::JIRA.expected()
                );
                row.drop_cell(k, detail);
            }
        }
        Ok(())
    }
}
