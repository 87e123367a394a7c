//! ServiceNow audit / event-log export: one row per update of an incident (the shape of the public
//! "incident management process enriched event log"), with `incident_state`, `sys_mod_count`,
//! `sys_updated_at`, `active`, `u_symptom`, `knowledge`, `caused_by`, `closed_code`, `resolved_by`.
//! Missing values are written `?`; dates day-first without leading zeros (`29/2/2016 01:16`).
//!
//! Reduction to one incident, stated exactly:
//! - rows are ordered by `sys_mod_count`, then `sys_updated_at`, then line; the **latest update wins**
//!   for every attribute (priority, group, counts, state …);
//! - `opened_at` is the **earliest** `opened_at` of any row;
//! - `reassignment_count` and `reopen_count` are the latest row's;
//! - `resolved_at`/`closed_at` are the latest row's; when the latest row has none but the final state
//!   is Resolved or Closed, the last row that has one gives it;
//! - when no row has a `resolved_at` but the final state is Resolved or Closed, `resolved_at` is taken
//!   from the audit trail: the `sys_updated_at` of the **last transition into a resolving state** (a
//!   row whose state is in `--resolved-states` but not in `--closed-states`, e.g. `Resolved`, whose
//!   previous row's state is not), clamped to `opened_at`, and `resolved_source` is `events`; an
//!   incident closed without ever being resolved keeps an empty `resolved_at` (its end is then
//!   `closed_at`, see `analyze`);
//! - `acknowledged_at` is the earliest `sys_updated_at` of a row whose state is not `New`
//!   (clamped to `opened_at` when the audit clock is earlier);
//! - `on_hold_hours` adds the time from each update in a pause state (`Awaiting User Info` by
//!   default, `--pause-states`) to the next update;
//! - every row is also kept in the events table (state, group, assignee, time).

use std::path::Path;
use std::sync::Arc;

use super::csvfile::{CsvFile, RowCount};
use super::row::{aliases, Field, RowContext, RowSpec};
use super::spec::servicenow_audit as audit;
use super::{DroppedCell, ImportOptions, Reject, RejectReason};
use crate::error::Result;
use crate::schema::{Event, Incident};

/// One parsed update row.
#[derive(Debug, Clone)]
pub struct AuditRow {
    pub inc: Incident,
    pub updated_at: i64,
    pub mod_count: Option<u64>,
    pub file: Arc<str>,
}

/// Update rows, rejected rows, dropped cells of kept rows, and the rows read.
/// Update rows, rejects, dropped cells, rows read, and one warning per priority label that was
/// not understood (as the other CSV importers give).
pub type ParsedAudit = (
    Vec<AuditRow>,
    Vec<Reject>,
    Vec<DroppedCell>,
    RowCount,
    Vec<String>,
);

pub fn parse(path: &Path, opts: &ImportOptions) -> Result<ParsedAudit> {
    let mut csv = CsvFile::open(path, opts)?;
    let spec = RowSpec::resolve(
        path,
        &csv.header,
        "servicenow-audit",
        &aliases(super::servicenow::COLUMNS),
        &[Field::IncidentId],
    )?;
    let updated = csv.header.require(
        path,
        "the update time",
        &[audit::SYS_UPDATED_AT, "sys_updated_on"],
    )?;
    let mod_count = csv.header.find(&[audit::SYS_MOD_COUNT]);
    let times = opts.time_parser();
    let file: Arc<str> = Arc::from(path.display().to_string());
    let mut rows = Vec::new();
    let mut unknown = std::collections::BTreeMap::new();
    let mut dropped = Vec::new();
    let cx = RowContext {
        file: &file,
        opts,
        times: &times,
    };
    let (read, rejects) = csv.for_each_row(|line, fields| {
        let mut row_dropped = Vec::new();
        let inc = spec
            .apply(&cx, line, fields, &mut unknown, &mut row_dropped)?
            .to_incident();
        let reject = |k: usize, reason, detail: String| Reject {
            file: file.to_string(),
            line,
            column: spec.header.names[k].clone(),
            reason,
            detail,
        };
        if inc.incident_id.is_empty() {
            let k = spec.column_of(Field::IncidentId).unwrap_or(0);
            return Err(reject(
                k,
                RejectReason::MissingId,
                "the incident number is empty".into(),
            ));
        }
        let raw = fields[updated];
        if opts.is_missing(raw) {
            return Err(reject(
                updated,
                RejectReason::BadTimestamp,
                "the update time is missing".into(),
            ));
        }
        let updated_at = times
            .parse(raw)
            .map_err(|e| reject(updated, RejectReason::BadTimestamp, e))?;
        let mc = match mod_count.map(|k| (k, fields[k].trim())) {
            Some((k, v)) if !opts.is_missing(v) => Some(v.parse::<u64>().map_err(|_| {
                reject(
                    k,
                    RejectReason::BadNumber,
                    format!("'{v}' is not a whole number"),
                )
            })?),
            _ => None,
        };
        rows.push(AuditRow {
            inc,
            updated_at,
            mod_count: mc,
            file: file.clone(),
        });
        dropped.append(&mut row_dropped);
        Ok(())
    })?;
    let warnings = super::row::priority_warnings(&file, &unknown);
    Ok((rows, rejects, dropped, read, warnings))
}

/// Incidents (with their file and row count), events and whole-incident rejects from update rows.
pub type Reduced = (Vec<(Incident, String, u64)>, Vec<Event>, Vec<Reject>);

fn is_state(inc: &Incident, list: &[String]) -> bool {
    inc.final_state
        .as_deref()
        .is_some_and(|s| list.iter().any(|p| p.eq_ignore_ascii_case(s)))
}

/// The update time of the last transition into a resolving state (resolved states that are not
/// closed states), rows in reduction order; `None` when no row is in such a state.
fn last_resolving_transition(group: &[AuditRow], opts: &ImportOptions) -> Option<i64> {
    let o = &opts.eventlog;
    let resolving =
        |r: &AuditRow| is_state(&r.inc, &o.resolved_states) && !is_state(&r.inc, &o.closed_states);
    let mut found = None;
    for (k, r) in group.iter().enumerate() {
        if resolving(r) && (k == 0 || !resolving(&group[k - 1])) {
            found = Some(r.updated_at);
        }
    }
    found
}

/// Reduces update rows to incidents by the rules in the module documentation; an incident with no
/// opening time, or resolved or closed before it was opened, is rejected with all its rows.
pub fn reduce(mut rows: Vec<AuditRow>, opts: &ImportOptions) -> Reduced {
    rows.sort_by(|a, b| {
        (
            a.inc.incident_id.as_str(),
            a.mod_count,
            a.updated_at,
            a.inc.source_line,
        )
            .cmp(&(
                b.inc.incident_id.as_str(),
                b.mod_count,
                b.updated_at,
                b.inc.source_line,
            ))
    });
    let mut out = Vec::new();
    let mut events = Vec::with_capacity(rows.len());
    let mut rejects = Vec::new();
    for group in rows.chunk_by(|a, b| a.inc.incident_id == b.inc.incident_id) {
        match incident_of_updates(group, opts) {
            Ok(inc) => {
                events.extend(group.iter().map(update_event));
                let last = &group[group.len() - 1];
                out.push((inc, last.file.to_string(), group.len() as u64));
            }
            Err((reason, detail)) => rejects.extend(group.iter().map(|r| Reject {
                file: r.file.to_string(),
                line: r.inc.source_line,
                column: "opened_at".into(),
                reason,
                detail: detail.clone(),
            })),
        }
    }
    (out, events, rejects)
}

/// The event an update row stands for: its time, state, group and assignee.
fn update_event(r: &AuditRow) -> Event {
    Event {
        incident_id: r.inc.incident_id.clone(),
        at: r.updated_at,
        state: r.inc.final_state.clone(),
        sub_state: None,
        group: r.inc.assignment_group.clone(),
        support_level: None,
        assignee: r.inc.assignee.clone(),
        source_line: r.inc.source_line,
    }
}

/// One incident from its update rows (in reduction order): the latest update's attributes with the
/// earliest opening, the resolution and closing times, the first acknowledgement and the time on
/// hold. `Err` gives why the whole incident is rejected.
fn incident_of_updates(
    group: &[AuditRow],
    opts: &ImportOptions,
) -> std::result::Result<Incident, (RejectReason, String)> {
    let mut inc = group[group.len() - 1].inc.clone();
    let opened = group
        .iter()
        .filter(|r| r.inc.opened_at != 0)
        .map(|r| r.inc.opened_at)
        .min()
        .ok_or_else(|| {
            let detail = format!(
                "incident {} has no opened_at in any update",
                inc.incident_id
            );
            (RejectReason::MissingOpenedAt, detail)
        })?;
    inc.opened_at = opened;
    fill_resolution(&mut inc, group, opts);
    inc.acknowledged_at = group
        .iter()
        .filter(|r| {
            r.inc
                .final_state
                .as_deref()
                .is_some_and(|s| !s.eq_ignore_ascii_case("new"))
        })
        .map(|r| r.updated_at.max(opened))
        .min();
    inc.on_hold_hours = Some(crate::units::ms_to_hours(hold_ms(group, opts)));
    check_order(&inc)?;
    Ok(inc)
}

/// For an incident whose final state is Resolved or Closed: `resolved_at` and `closed_at` from the
/// last row that has them, else `resolved_at` from the last transition into a resolving state
/// (clamped to the opening; `resolved_source` = `events`).
fn fill_resolution(inc: &mut Incident, group: &[AuditRow], opts: &ImportOptions) {
    let finished = ["resolved".to_string(), "closed".to_string()];
    if !is_state(inc, &finished) {
        return;
    }
    inc.resolved_at = inc
        .resolved_at
        .or_else(|| group.iter().rev().find_map(|r| r.inc.resolved_at));
    inc.closed_at = inc
        .closed_at
        .or_else(|| group.iter().rev().find_map(|r| r.inc.closed_at));
    if inc.resolved_at.is_none() {
        inc.resolved_at = last_resolving_transition(group, opts).map(|t| t.max(inc.opened_at));
        if inc.resolved_at.is_some() {
            inc.resolved_source = Some("events".into());
        }
    }
}

/// Time on hold (ms): from each update in a pause state to the next update.
fn hold_ms(group: &[AuditRow], opts: &ImportOptions) -> i64 {
    group
        .windows(2)
        .filter(|w| is_state(&w[0].inc, &opts.eventlog.pause_states))
        .map(|w| (w[1].updated_at - w[0].updated_at).max(0))
        .sum()
}

/// Refuses an incident resolved or closed before it was opened.
fn check_order(inc: &Incident) -> std::result::Result<(), (RejectReason, String)> {
    let opened = inc.opened_at;
    let bad = [
        (
            inc.resolved_at,
            RejectReason::ResolvedBeforeOpened,
            "resolved_at",
        ),
        (inc.closed_at, RejectReason::ClosedBeforeOpened, "closed_at"),
    ]
    .into_iter()
    .find(|(t, _, _)| t.is_some_and(|t| t < opened));
    match bad {
        Some((t, reason, name)) => {
            let h = crate::units::ms_to_hours(opened - t.unwrap_or(opened));
            let detail = format!(
                "incident {}: {name} is {h:.2} h before opened_at",
                inc.incident_id
            );
            Err((reason, detail))
        }
        None => Ok(()),
    }
}
