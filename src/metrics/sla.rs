//! SLA policies and per-incident SLA evaluation.
//!
//! A policy file (TOML) gives response and resolution targets per priority, the calendar each target
//! runs on, and the states that pause the clock:
//!
//! ```toml
//! name = "standard"
//! timezone = "Europe/Berlin"
//! pause_states = ["Wait - User", "Awaiting User Info"]
//! [calendar]                        # working hours for targets with calendar = "business"
//! weekdays = ["08:00", "18:00"]     # or monday = [...], …, sunday = [...]
//! holidays = ["2025-12-25"]
//! [[targets]]
//! priority = 1
//! response_hours = 0.5
//! resolution_hours = 4
//! calendar = "24x7"                 # or "business"
//! ```
//!
//! Definitions, exactly (all clock arithmetic in whole milliseconds; hours = ms / 3,600,000 for
//! display only; a target of `h` hours is `round(h × 3,600,000)` ms):
//! - *stop instant*: with `stop = "resolved"` (default) `resolved_at`, or `closed_at` when the
//!   incident was closed without a resolution; with `stop = "closed"` `closed_at`. A stop after the
//!   as-of is not known yet: the incident is open at the as-of.
//! - *end* = the stop instant, or the as-of while the clock runs.
//! - *elapsed_ms* = ms on the target's calendar from `opened_at` to the end
//!   ([`super::calendar::Calendar::ms_between`]).
//! - *pause_ms* = ms on the same calendar covered by the pauses, clipped to `[opened_at, end]`
//!   (overlapping pauses counted once): from each event in a pause state to the next event, or to
//!   the end when it is the incident's last event (events after the as-of are ignored). Without an
//!   events table, `on_hold_hours` (in ms, capped at `elapsed_ms`) for 24×7 targets; business
//!   targets then have no pauses (their placement in the week is unknown) and the report says so.
//! - *clock_ms* = elapsed_ms − pause_ms (never negative, never more than elapsed_ms).
//! - *breached* = clock_ms > target ms, stopped or not; *met* = stopped and clock_ms ≤ target ms;
//!   *pending* = running and clock_ms ≤ target ms (left out of the rate).
//! - *computed compliance* = met / (met + breached); *margin* = target − clock over met and
//!   breached incidents (negative when breached); *time left* = target − clock over pending ones.
//! - *response*: calendar ms from `opened_at` to `acknowledged_at` (no pauses) ≤ `response_hours`;
//!   incidents not acknowledged by the as-of are left out.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::calendar::{clock, ms_to_hours, weekday_index, Calendar, MS_PER_HOUR};
use crate::error::{Error, Result};
use crate::schema::UtcMillis;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    name: Option<String>,
    timezone: Option<String>,
    #[serde(default)]
    pause_states: Vec<String>,
    #[serde(default)]
    stop: StopAt,
    calendar: Option<CalendarFile>,
    targets: Vec<TargetFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    weekdays: Option<[String; 2]>,
    monday: Option<[String; 2]>,
    tuesday: Option<[String; 2]>,
    wednesday: Option<[String; 2]>,
    thursday: Option<[String; 2]>,
    friday: Option<[String; 2]>,
    saturday: Option<[String; 2]>,
    sunday: Option<[String; 2]>,
    #[serde(default)]
    holidays: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TargetFile {
    priority: u8,
    response_hours: Option<f64>,
    resolution_hours: f64,
    #[serde(default)]
    calendar: CalendarKind,
}

#[derive(Debug, Deserialize, Default, Clone, Copy, PartialEq, Eq)]
enum CalendarKind {
    #[default]
    #[serde(rename = "24x7")]
    AllHours,
    #[serde(rename = "business")]
    Business,
}

/// Where the resolution clock stops (`stop = "resolved" | "closed"` in the policy).
#[derive(Debug, Deserialize, serde::Serialize, Default, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum StopAt {
    /// `resolved_at`, or `closed_at` for an incident closed without a resolution.
    #[default]
    Resolved,
    /// `closed_at`.
    Closed,
}

/// Hours as whole milliseconds (`round(h × 3,600,000)`).
pub fn hours_to_ms(h: f64) -> i64 {
    (h * MS_PER_HOUR as f64).round() as i64
}

/// One priority's targets.
#[derive(Debug, Clone)]
pub struct Target {
    pub response_hours: Option<f64>,
    pub resolution_hours: f64,
    /// `resolution_hours` in ms: the value the clock is compared with.
    pub resolution_ms: i64,
    /// `response_hours` in ms.
    pub response_ms: Option<i64>,
    pub calendar: Calendar,
    /// A precomputed clock for the data's date range ([`SlaPolicy::prepare`]).
    pub table: Option<std::sync::Arc<super::calendar::ClockTable>>,
}

impl Target {
    /// Clock ms between two instants on this target's calendar.
    pub fn ms(&self, from: UtcMillis, to: UtcMillis) -> i64 {
        match &self.table {
            Some(t) => t
                .ms_between(from, to)
                .unwrap_or_else(|| self.calendar.ms_between(from, to)),
            None => self.calendar.ms_between(from, to),
        }
    }

    /// Clock hours between two instants (display): [`Target::ms`] / 3,600,000.
    pub fn hours(&self, from: UtcMillis, to: UtcMillis) -> f64 {
        ms_to_hours(self.ms(from, to))
    }
}

/// A checked SLA policy.
#[derive(Debug, Clone)]
pub struct SlaPolicy {
    pub name: String,
    pub targets: BTreeMap<u8, Target>,
    pub pause_states: Vec<String>,
    /// Where the resolution clock stops.
    pub stop: StopAt,
}

impl SlaPolicy {
    pub fn load(path: &Path) -> Result<SlaPolicy> {
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text).map_err(|(field, message)| Error::config(path, field, message))
    }

    pub fn parse(text: &str) -> std::result::Result<SlaPolicy, (String, String)> {
        let f: PolicyFile = toml::from_str(text).map_err(|e| {
            let line = e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(0);
            (format!("line {line}"), e.message().to_string())
        })?;
        let tz: chrono_tz::Tz = match &f.timezone {
            Some(z) => crate::timeparse::parse_tz(z).map_err(|m| ("timezone".to_string(), m))?,
            None => chrono_tz::Tz::UTC,
        };
        let business = f
            .calendar
            .as_ref()
            .map(|c| business_calendar(c, tz))
            .transpose()?;
        let targets = targets_of(&f.targets, &business)?;
        if targets.is_empty() {
            return Err((
                "targets".into(),
                "needs at least one [[targets]] entry".into(),
            ));
        }
        Ok(SlaPolicy {
            name: f.name.unwrap_or_else(|| "sla".into()),
            targets,
            pause_states: f.pause_states,
            stop: f.stop,
        })
    }
}

type ParseResult<T> = std::result::Result<T, (String, String)>;

/// The `[calendar]` table: working hours per weekday in `tz`, holidays.
fn business_calendar(c: &CalendarFile, tz: chrono_tz::Tz) -> ParseResult<Calendar> {
    let mut hours = [None; 7];
    let span = |v: &[String; 2], field: &str| -> std::result::Result<_, (String, String)> {
        let (a, b) = (
            clock(&v[0]).map_err(|m| (field.to_string(), m))?,
            clock(&v[1]).map_err(|m| (field.to_string(), m))?,
        );
        if b <= a {
            return Err((
                field.to_string(),
                format!("closes ({}) before it opens ({})", v[1], v[0]),
            ));
        }
        Ok(Some((a, b)))
    };
    if let Some(v) = &c.weekdays {
        let s = span(v, "calendar.weekdays")?;
        hours[..5].fill(s);
    }
    for (name, v) in [
        ("monday", &c.monday),
        ("tuesday", &c.tuesday),
        ("wednesday", &c.wednesday),
        ("thursday", &c.thursday),
        ("friday", &c.friday),
        ("saturday", &c.saturday),
        ("sunday", &c.sunday),
    ] {
        if let (Some(v), Some(k)) = (v, weekday_index(name)) {
            hours[k] = span(v, &format!("calendar.{name}"))?;
        }
    }
    let mut holidays = BTreeSet::new();
    for h in &c.holidays {
        holidays.insert(
            chrono::NaiveDate::parse_from_str(h, "%Y-%m-%d").map_err(|_| {
                (
                    "calendar.holidays".to_string(),
                    format!("'{h}' is not a date like 2025-12-25"),
                )
            })?,
        );
    }
    if hours.iter().all(|h| h.is_none()) {
        return Err((
            "calendar".into(),
            "has no working hours: give weekdays = [\"08:00\", \"18:00\"] or per-day hours".into(),
        ));
    }
    Ok(Calendar::Business {
        tz,
        hours,
        holidays,
    })
}

/// The `[[targets]]` entries by priority (each positive, one per priority, `business` only with a
/// `[calendar]`).
fn targets_of(
    files: &[TargetFile],
    business: &Option<Calendar>,
) -> ParseResult<BTreeMap<u8, Target>> {
    let mut targets = BTreeMap::new();
    for (i, t) in files.iter().enumerate() {
        let field = |name: &str| format!("targets[{i}].{name}");
        if !(1..=5).contains(&t.priority) {
            return Err((
                field("priority"),
                format!("is {}; priorities run from 1 to 5", t.priority),
            ));
        }
        let positive = |h: f64| h.is_finite() && h > 0.0;
        if !positive(t.resolution_hours) || t.response_hours.is_some_and(|r| !positive(r)) {
            return Err((
                field("resolution_hours"),
                "targets must be positive hours".into(),
            ));
        }
        let calendar = match t.calendar {
            CalendarKind::AllHours => Calendar::AllHours,
            CalendarKind::Business => business.clone().ok_or_else(|| {
                (
                    field("calendar"),
                    "is \"business\" but the policy has no [calendar] table".to_string(),
                )
            })?,
        };
        if targets
            .insert(
                t.priority,
                Target {
                    response_hours: t.response_hours,
                    resolution_hours: t.resolution_hours,
                    resolution_ms: hours_to_ms(t.resolution_hours),
                    response_ms: t.response_hours.map(hours_to_ms),
                    calendar,
                    table: None,
                },
            )
            .is_some()
        {
            return Err((
                field("priority"),
                format!("priority {} has two targets", t.priority),
            ));
        }
    }
    Ok(targets)
}

impl SlaPolicy {
    /// Precomputes business-hour tables covering `[from, to]`, shared by targets with equal calendars.
    pub fn prepare(&mut self, from: UtcMillis, to: UtcMillis) {
        let mut built: Vec<(Calendar, std::sync::Arc<super::calendar::ClockTable>)> = Vec::new();
        for t in self.targets.values_mut() {
            if let Some((_, tab)) = built.iter().find(|(c, _)| *c == t.calendar) {
                t.table = Some(tab.clone());
            } else if let Some(tab) = t.calendar.table(from, to) {
                let tab = std::sync::Arc::new(tab);
                built.push((t.calendar.clone(), tab.clone()));
                t.table = Some(tab);
            }
        }
    }
}

/// The SLA outcome of one incident (definitions in the module documentation).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlaOutcome {
    /// `clock_ms` in hours (display).
    pub clock_hours: f64,
    pub target_hours: f64,
    /// Some(true) met, Some(false) breached, None pending.
    pub met: Option<bool>,
    pub response_met: Option<bool>,
    pub clock_ms: i64,
    pub target_ms: i64,
    pub elapsed_ms: i64,
    pub pause_ms: i64,
    /// Where the clock ends: the stop instant, or the as-of while running.
    pub end: UtcMillis,
    /// The clock stopped by the as-of (resolved, or closed, per the policy's `stop`).
    pub stopped: bool,
    /// Calendar ms from `opened_at` to `acknowledged_at`, when acknowledged by the as-of.
    pub response_ms: Option<i64>,
}

impl SlaOutcome {
    /// target − clock in ms: the margin of a met or breached incident, the time left of a pending one.
    pub fn margin_ms(&self) -> i64 {
        self.target_ms - self.clock_ms
    }
}

/// Pause intervals per incident, from the events table; an open-ended pause (the incident's last
/// event is a pause) ends at `i64::MAX` and is clipped to the clock's end.
pub type Pauses = HashMap<String, Vec<(UtcMillis, UtcMillis)>>;

/// Calendar ms covered by `pauses` inside `[from, to]`, overlapping pauses counted once.
pub fn pause_ms(
    target: &Target,
    pauses: &[(UtcMillis, UtcMillis)],
    from: UtcMillis,
    to: UtcMillis,
) -> i64 {
    let mut clipped: Vec<(i64, i64)> = pauses
        .iter()
        .map(|&(a, b)| (a.max(from), b.min(to)))
        .filter(|(a, b)| b > a)
        .collect();
    clipped.sort_unstable();
    let mut total = 0;
    let mut current: Option<(i64, i64)> = None;
    for (a, b) in clipped {
        current = match current {
            Some((ca, cb)) if a <= cb => Some((ca, cb.max(b))),
            Some((ca, cb)) => {
                total += target.ms(ca, cb);
                Some((a, b))
            }
            None => Some((a, b)),
        };
    }
    if let Some((ca, cb)) = current {
        total += target.ms(ca, cb);
    }
    total
}

impl Target {
    /// A 24×7 resolution target of `hours`, no response target (a scenario's `sla_hours`).
    pub fn all_hours(hours: f64) -> Target {
        Target {
            response_hours: None,
            resolution_hours: hours,
            resolution_ms: hours_to_ms(hours),
            response_ms: None,
            calendar: Calendar::AllHours,
            table: None,
        }
    }
}

/// Where the resolution clock of one incident stops under `stop`, and the column that gave it:
/// `resolved_at`, else `closed_at` (closed without a resolution); `closed_at` with `stop = "closed"`.
pub fn stop_instant(
    stop: StopAt,
    resolved: Option<UtcMillis>,
    closed: Option<UtcMillis>,
) -> Option<(UtcMillis, &'static str)> {
    match (stop, resolved, closed) {
        (StopAt::Resolved, Some(r), _) => Some((r, "resolved_at")),
        (_, _, Some(c)) => Some((c, "closed_at")),
        _ => None,
    }
}

/// The SLA outcome of one incident without an events table (`on_hold_hours` pauses 24×7 targets):
/// the clock `analyze` runs, for callers holding incidents (pilot, validate).
pub fn incident_outcome(
    target: &Target,
    stop: StopAt,
    i: &crate::schema::Incident,
    as_of: UtcMillis,
) -> SlaOutcome {
    let end = stop_instant(stop, i.resolved_at, i.closed_at).map(|s| s.0);
    evaluate(
        target,
        i.opened_at,
        i.acknowledged_at,
        end,
        as_of,
        None,
        i.on_hold_hours,
    )
}

/// Computed compliance: met / (met + breached) of `met` flags (`None` = pending, not in the rate);
/// `None` when no incident is met or breached.
pub fn compliance(met: impl IntoIterator<Item = Option<bool>>) -> Option<f64> {
    let (mut ok, mut n) = (0u64, 0u64);
    for m in met.into_iter().flatten() {
        n += 1;
        ok += u64::from(m);
    }
    (n > 0).then(|| ok as f64 / n as f64)
}

/// Evaluates one incident. `stop` is the instant the clock stops (see the module documentation for
/// how it is chosen); a stop after `as_of` is ignored (the incident is open at the as-of).
#[allow(clippy::too_many_arguments)]
pub fn evaluate(
    target: &Target,
    opened: UtcMillis,
    acknowledged: Option<UtcMillis>,
    stop: Option<UtcMillis>,
    as_of: UtcMillis,
    pauses: Option<&[(UtcMillis, UtcMillis)]>,
    on_hold_hours: Option<f64>,
) -> SlaOutcome {
    let stop = stop.filter(|&s| s <= as_of);
    let end = stop.unwrap_or(as_of).max(opened);
    let elapsed_ms = target.ms(opened, end);
    let pause = match pauses {
        Some(list) => pause_ms(target, list, opened, end),
        None if target.calendar == Calendar::AllHours => on_hold_hours
            .filter(|h| h.is_finite())
            .map(hours_to_ms)
            .unwrap_or(0)
            .clamp(0, elapsed_ms),
        None => 0,
    };
    let clock_ms = elapsed_ms - pause;
    let met = if clock_ms > target.resolution_ms {
        Some(false)
    } else if stop.is_some() {
        Some(true)
    } else {
        None
    };
    let response_ms = acknowledged
        .filter(|&a| a <= as_of)
        .map(|a| target.ms(opened, a));
    let response_met = match (target.response_ms, response_ms) {
        (Some(r), Some(a)) => Some(a <= r),
        _ => None,
    };
    SlaOutcome {
        clock_hours: ms_to_hours(clock_ms),
        target_hours: target.resolution_hours,
        met,
        response_met,
        clock_ms,
        target_ms: target.resolution_ms,
        elapsed_ms,
        pause_ms: pause,
        end,
        stopped: stop.is_some(),
        response_ms,
    }
}

/// One row of `analyze --per-incident FILE`: everything needed to recompute an incident's SLA figure
/// by hand (definitions in the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct PerIncident {
    pub incident_id: String,
    pub priority: Option<u8>,
    /// `24x7` or `business`; empty without a priority.
    pub calendar: &'static str,
    pub target_ms: Option<i64>,
    pub opened_at: UtcMillis,
    /// As known at the as-of (null when later).
    pub acknowledged_at: Option<UtcMillis>,
    pub resolved_at: Option<UtcMillis>,
    pub closed_at: Option<UtcMillis>,
    pub resolved_source: Option<String>,
    /// Which timestamp stopped the clock (`resolved_at`, `closed_at`), empty while running.
    pub stop_by: &'static str,
    pub outcome: Option<SlaOutcome>,
    pub response_target_ms: Option<i64>,
}

impl PerIncident {
    /// `met`, `breached`, `pending`, or `no_priority`.
    pub fn status(&self) -> &'static str {
        match self.outcome.map(|o| o.met) {
            None => "no_priority",
            Some(Some(true)) => "met",
            Some(Some(false)) => "breached",
            Some(None) => "pending",
        }
    }
}

/// Column names of the per-incident file, in order.
pub const PER_INCIDENT_COLUMNS: &[&str] = &[
    "incident_id",
    "priority",
    "calendar",
    "target_hours",
    "target_ms",
    "opened_at",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "resolved_source",
    "stop_by",
    "stop_at",
    "clock_end_at",
    "as_of",
    "elapsed_ms",
    "pause_ms",
    "clock_ms",
    "clock_hours",
    "pause_hours",
    "status",
    "margin_ms",
    "margin_hours",
    "time_left_hours",
    "response_target_hours",
    "response_ms",
    "response_met",
];

fn iso_ms(ms: UtcMillis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string())
        .unwrap_or_default()
}

/// Typed cells of one row (`None` = empty): text, integers, floats, instants and booleans.
enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Float(Option<f64>),
    Instant(Option<UtcMillis>),
    Bool(Option<bool>),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Text(v) => v.clone().unwrap_or_default(),
            Cell::Int(v) => v.map(|x| x.to_string()).unwrap_or_default(),
            Cell::Float(v) => v.map(|x| x.to_string()).unwrap_or_default(),
            Cell::Instant(v) => v.map(iso_ms).unwrap_or_default(),
            Cell::Bool(v) => v.map(|x| x.to_string()).unwrap_or_default(),
        }
    }
}

fn cells(r: &PerIncident, as_of: UtcMillis) -> Vec<Cell> {
    let o = r.outcome;
    let decided = o.filter(|o| o.met.is_some());
    let pending = o.filter(|o| o.met.is_none());
    let text = |s: &str| Cell::Text((!s.is_empty()).then(|| s.to_string()));
    vec![
        Cell::Text(Some(r.incident_id.clone())),
        Cell::Int(r.priority.map(i64::from)),
        text(r.calendar),
        Cell::Float(r.target_ms.map(ms_to_hours)),
        Cell::Int(r.target_ms),
        Cell::Instant(Some(r.opened_at)),
        Cell::Instant(r.acknowledged_at),
        Cell::Instant(r.resolved_at),
        Cell::Instant(r.closed_at),
        Cell::Text(r.resolved_source.clone()),
        text(r.stop_by),
        Cell::Instant(o.filter(|o| o.stopped).map(|o| o.end)),
        Cell::Instant(o.map(|o| o.end)),
        Cell::Instant(Some(as_of)),
        Cell::Int(o.map(|o| o.elapsed_ms)),
        Cell::Int(o.map(|o| o.pause_ms)),
        Cell::Int(o.map(|o| o.clock_ms)),
        Cell::Float(o.map(|o| ms_to_hours(o.clock_ms))),
        Cell::Float(o.map(|o| ms_to_hours(o.pause_ms))),
        text(r.status()),
        Cell::Int(decided.map(|o| o.margin_ms())),
        Cell::Float(decided.map(|o| ms_to_hours(o.margin_ms()))),
        Cell::Float(pending.map(|o| ms_to_hours(o.margin_ms()))),
        Cell::Float(r.response_target_ms.map(ms_to_hours)),
        Cell::Int(o.and_then(|o| o.response_ms)),
        Cell::Bool(o.and_then(|o| o.response_met)),
    ]
}

/// The per-incident rows as text cells (CSV; instants as `2025-03-03T07:00:00.000Z`).
pub fn per_incident_text_rows(
    rows: &[PerIncident],
    as_of: UtcMillis,
) -> impl Iterator<Item = Vec<String>> + '_ {
    rows.iter()
        .map(move |r| cells(r, as_of).iter().map(Cell::text).collect())
}

/// The per-incident rows as a typed frame (Parquet; instants as `Datetime(ms, UTC)`).
pub fn per_incident_frame(
    rows: &[PerIncident],
    as_of: UtcMillis,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let table: Vec<Vec<Cell>> = rows.iter().map(|r| cells(r, as_of)).collect();
    let mut columns = Vec::with_capacity(PER_INCIDENT_COLUMNS.len());
    for (k, name) in PER_INCIDENT_COLUMNS.iter().enumerate() {
        let name = PlSmallStr::from(*name);
        let column = match table.first().map(|r| &r[k]) {
            Some(Cell::Int(_)) | Some(Cell::Instant(_)) => {
                let ca: Int64Chunked = table
                    .iter()
                    .map(|r| match &r[k] {
                        Cell::Int(v) | Cell::Instant(v) => *v,
                        _ => None,
                    })
                    .collect();
                let ca = ca.with_name(name);
                if matches!(table[0][k], Cell::Instant(_)) {
                    ca.into_datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))
                        .into_column()
                } else {
                    ca.into_column()
                }
            }
            Some(Cell::Float(_)) => table
                .iter()
                .map(|r| match &r[k] {
                    Cell::Float(v) => *v,
                    _ => None,
                })
                .collect::<Float64Chunked>()
                .with_name(name)
                .into_column(),
            Some(Cell::Bool(_)) => table
                .iter()
                .map(|r| match &r[k] {
                    Cell::Bool(v) => *v,
                    _ => None,
                })
                .collect::<BooleanChunked>()
                .with_name(name)
                .into_column(),
            _ => table
                .iter()
                .map(|r| match &r[k] {
                    Cell::Text(v) => v.clone(),
                    _ => None,
                })
                .collect::<StringChunked>()
                .with_name(name)
                .into_column(),
        };
        columns.push(column);
    }
    DataFrame::new(rows.len(), columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An as-of after everything in these cases.
    const LATE: i64 = 4_000_000_000_000;

    fn at(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    const POLICY: &str = r#"
name = "standard"
timezone = "UTC"
pause_states = ["Wait - User"]
[calendar]
weekdays = ["08:00", "18:00"]
holidays = ["2024-03-08"]
[[targets]]
priority = 1
response_hours = 0.5
resolution_hours = 4
[[targets]]
priority = 3
resolution_hours = 30
calendar = "business"
"#;

    #[test]
    fn pause_spanning_a_weekend_and_business_clock() {
        let p = SlaPolicy::parse(POLICY).unwrap();
        let p3 = &p.targets[&3];
        // Opened Thursday 7 March 16:00, waiting for the user from Thursday 17:00 to Monday 11 March 10:00,
        // resolved Tuesday 12 March 12:00. Friday 8 March is a holiday.
        // Business clock: Thu 16-18 (2) + Mon 8-18 (10) + Tue 8-12 (4) = 16 h; the pause covers Thu 17-18 (1)
        // and Mon 8-10 (2) = 3 h → 13 h ≤ 30: met.
        let pauses = [(at("2024-03-07T17:00:00Z"), at("2024-03-11T10:00:00Z"))];
        let o = evaluate(
            p3,
            at("2024-03-07T16:00:00Z"),
            None,
            Some(at("2024-03-12T12:00:00Z")),
            LATE,
            Some(&pauses),
            None,
        );
        assert!((o.clock_hours - 13.0).abs() < 1e-9, "{o:?}");
        assert_eq!(o.met, Some(true));
        // P1 on 24x7: opened 09:00, acknowledged 09:40 (> 30 min), resolved 14:00 with 1 h on hold → 4 h: met.
        let p1 = &p.targets[&1];
        let o = evaluate(
            p1,
            at("2024-03-04T09:00:00Z"),
            Some(at("2024-03-04T09:40:00Z")),
            Some(at("2024-03-04T14:00:00Z")),
            LATE,
            None,
            Some(1.0),
        );
        assert_eq!(
            (o.clock_hours, o.met, o.response_met),
            (4.0, Some(true), Some(false))
        );
        // Unresolved: pending within the target, breached past it.
        let o = evaluate(
            p1,
            at("2024-03-04T09:00:00Z"),
            None,
            None,
            at("2024-03-04T12:00:00Z"),
            None,
            None,
        );
        assert_eq!(o.met, None);
        let o = evaluate(
            p1,
            at("2024-03-04T09:00:00Z"),
            None,
            None,
            at("2024-03-04T13:00:01Z"),
            None,
            None,
        );
        assert_eq!(o.met, Some(false));
        // Zero duration is met.
        let o = evaluate(
            p1,
            at("2024-03-04T09:00:00Z"),
            None,
            Some(at("2024-03-04T09:00:00Z")),
            LATE,
            None,
            None,
        );
        assert_eq!((o.clock_hours, o.met), (0.0, Some(true)));
        // Opened outside business hours (Saturday), resolved Monday 09:00: 1 business hour.
        let o = evaluate(
            p3,
            at("2024-03-09T10:00:00Z"),
            None,
            Some(at("2024-03-11T09:00:00Z")),
            LATE,
            None,
            None,
        );
        assert!((o.clock_hours - 1.0).abs() < 1e-9);
    }

    fn brussels_p3() -> Target {
        let p = SlaPolicy::parse(
            &POLICY.replace("timezone = \"UTC\"", "timezone = \"Europe/Brussels\""),
        )
        .unwrap();
        p.targets[&3].clone()
    }

    #[test]
    fn an_exact_target_is_met_to_the_millisecond() {
        // Business clock 08:00–18:00 Brussels (UTC+1 in March). Opened Mon 3 March 2025 08:00 local,
        // paused Mon 10:00–12:12 local (132 min), resolved Thu 6 March 10:12 local:
        // elapsed Mon 10 + Tue 10 + Wed 10 + Thu 2.2 = 32.2 h, minus 2.2 h = exactly 30 h = the target.
        // (Hours in floating point gave 32.2 − 2.2 = 30.000000000000004 > 30: breached.)
        let t = brussels_p3();
        let pauses = [(at("2025-03-03T09:00:00Z"), at("2025-03-03T11:12:00Z"))];
        let o = evaluate(
            &t,
            at("2025-03-03T07:00:00Z"),
            None,
            Some(at("2025-03-06T09:12:00Z")),
            LATE,
            Some(&pauses),
            None,
        );
        assert_eq!(
            (o.elapsed_ms, o.pause_ms, o.clock_ms),
            (115_920_000, 7_920_000, 108_000_000)
        );
        assert_eq!(o.target_ms, 108_000_000);
        assert_eq!((o.met, o.margin_ms()), (Some(true), 0));
        // One millisecond later it is breached.
        let o = evaluate(
            &t,
            at("2025-03-03T07:00:00Z"),
            None,
            Some(at("2025-03-06T09:12:00Z") + 1),
            LATE,
            Some(&pauses),
            None,
        );
        assert_eq!((o.met, o.margin_ms()), (Some(false), -1));
    }

    #[test]
    fn stops_after_the_as_of_and_open_ended_pauses() {
        let p = SlaPolicy::parse(POLICY).unwrap();
        let p1 = &p.targets[&1];
        let t0 = at("2024-03-04T09:00:00Z");
        // Resolved at 15:00 (6 h: breached), but as of 12:00 it was open with 3 h: pending, 1 h left.
        let o = evaluate(
            p1,
            t0,
            Some(t0 + crate::units::MS_PER_HOUR),
            Some(t0 + 6 * crate::units::MS_PER_HOUR),
            t0 + 3 * crate::units::MS_PER_HOUR,
            None,
            None,
        );
        assert_eq!(
            (o.met, o.stopped, o.clock_ms, o.margin_ms()),
            (
                None,
                false,
                3 * crate::units::MS_PER_HOUR,
                crate::units::MS_PER_HOUR
            )
        );
        // Acknowledged after the as-of: no response figure yet.
        let o = evaluate(
            p1,
            t0,
            Some(t0 + crate::units::MS_PER_HOUR),
            None,
            t0 + 1_800_000,
            None,
            None,
        );
        assert_eq!(o.response_ms, None);
        // A pause that is the last event (open-ended) lasts to the end: 1 h running, then paused.
        let pauses = [(t0 + crate::units::MS_PER_HOUR, i64::MAX)];
        let o = evaluate(
            p1,
            t0,
            None,
            None,
            t0 + 10 * crate::units::MS_PER_HOUR,
            Some(&pauses),
            None,
        );
        assert_eq!(
            (o.clock_ms, o.pause_ms, o.met),
            (
                crate::units::MS_PER_HOUR,
                9 * crate::units::MS_PER_HOUR,
                None
            )
        );
        // On-hold hours (no events table) are capped at the elapsed clock.
        let o = evaluate(
            p1,
            t0,
            None,
            Some(t0 + crate::units::MS_PER_HOUR),
            LATE,
            None,
            Some(5.0),
        );
        assert_eq!(
            (o.clock_ms, o.pause_ms, o.met),
            (0, crate::units::MS_PER_HOUR, Some(true))
        );
        // stop = "closed" is parsed; an unknown stop is an error naming the line.
        let q = SlaPolicy::parse(&format!("stop = \"closed\"\n{POLICY}")).unwrap();
        assert_eq!(q.stop, StopAt::Closed);
        assert_eq!(p.stop, StopAt::Resolved);
        let e = SlaPolicy::parse(&format!("stop = \"done\"\n{POLICY}")).unwrap_err();
        assert_eq!(e.0, "line 1", "{e:?}");
    }

    /// Property test (deterministic random loop): splitting an interval anywhere gives clocks that add
    /// up exactly; the clock is never negative, never more than elapsed; a pause never increases it.
    #[test]
    fn clock_properties_hold_on_random_intervals_and_pauses() {
        let p = SlaPolicy::parse(
            &POLICY.replace("timezone = \"UTC\"", "timezone = \"America/New_York\""),
        )
        .unwrap();
        let lo = at("2024-01-01T00:00:00Z");
        let mut x: u64 = 2024;
        let mut r = |m: u64| {
            x = crate::random::splitmix64(x);
            x % m.max(1)
        };
        for t in [&p.targets[&1], &p.targets[&3]] {
            for _ in 0..3_000 {
                let a = lo + r(300 * 86_400_000) as i64;
                let b = a + r(15 * 86_400_000) as i64;
                let m = a + r((b - a) as u64 + 1) as i64;
                let pauses: Vec<(i64, i64)> = (0..r(4))
                    .map(|_| {
                        let s = a - 86_400_000 + r(17 * 86_400_000) as i64;
                        let len = r(3 * 86_400_000) as i64;
                        (s, if r(5) == 0 { i64::MAX } else { s + len })
                    })
                    .collect();
                let clock = |from: i64, to: i64, ps: &[(i64, i64)]| {
                    t.ms(from, to) - pause_ms(t, ps, from, to)
                };
                let whole = clock(a, b, &pauses);
                assert_eq!(
                    whole,
                    clock(a, m, &pauses) + clock(m, b, &pauses),
                    "{a} {m} {b} {pauses:?}"
                );
                assert!(whole >= 0 && whole <= t.ms(a, b) && t.ms(a, b) <= b - a);
                let fewer = clock(a, b, &pauses[..pauses.len().saturating_sub(1)]);
                assert!(whole <= fewer, "a pause increased the clock");
                let o = evaluate(t, a, None, Some(b), LATE, Some(&pauses), None);
                assert_eq!(o.clock_ms, whole);
                assert_eq!(o.clock_ms + o.pause_ms, o.elapsed_ms);
            }
        }
    }

    #[test]
    fn sunday_boundary_in_a_dst_gap_gives_15_hours() {
        // The issue's cases, through a policy file: an incident open all of the DST Sunday.
        for (tz, from, to) in [
            (
                "Europe/Brussels",
                "2025-03-29T12:00:00Z",
                "2025-03-31T06:00:00Z",
            ),
            (
                "America/New_York",
                "2025-03-08T12:00:00Z",
                "2025-03-10T11:00:00Z",
            ),
        ] {
            let text = format!(
                "timezone = \"{tz}\"\n[calendar]\nsunday = [\"02:30\", \"18:00\"]\n[[targets]]\npriority = 3\nresolution_hours = 15\ncalendar = \"business\"\n"
            );
            let mut p = SlaPolicy::parse(&text).unwrap();
            for prepared in [false, true] {
                if prepared {
                    p.prepare(at(from), at(to));
                }
                let o = evaluate(
                    &p.targets[&3],
                    at(from),
                    None,
                    Some(at(to)),
                    LATE,
                    None,
                    None,
                );
                assert_eq!(
                    (o.clock_ms, o.met),
                    (15 * crate::units::MS_PER_HOUR, Some(true)),
                    "{tz} {prepared}"
                );
            }
        }
    }

    #[test]
    fn malformed_policies_name_the_field() {
        let e = SlaPolicy::parse("[[targets]]\npriority = 9\nresolution_hours = 4\n").unwrap_err();
        assert_eq!(e.0, "targets[0].priority");
        let e = SlaPolicy::parse(
            "[[targets]]\npriority = 1\nresolution_hours = 4\ncalendar = \"business\"\n",
        )
        .unwrap_err();
        assert!(e.1.contains("[calendar]"), "{e:?}");
        let e = SlaPolicy::parse(
            "[[targets]]\npriority = 1\nresolution_hours = 4\nresolution_days = 2\n",
        )
        .unwrap_err();
        assert!(e.0 == "line 4" && e.1.contains("resolution_days"), "{e:?}");
        let e = SlaPolicy::parse("[calendar]\nweekdays = [\"18:00\", \"08:00\"]\n[[targets]]\npriority = 1\nresolution_hours = 4\n").unwrap_err();
        assert_eq!(e.0, "calendar.weekdays");
    }
}
