//! Log-distance measures between a real and a simulated event log, as defined by the Python package
//! `log-distance-measures` 2.2.0 (the one Simod uses), with Simod's settings: Wasserstein-1
//! (`scipy.stats.wasserstein_distance`, the package's default metric), 1-hour bins, start and end
//! timestamps both counted (`AbsoluteTimestampType.BOTH`), no normalisation.
//!
//! - **CTD** (cycle time distribution), hours: per case, cycle time = latest end − earliest start;
//!   bin = ⌊(cycle time − shortest cycle time of both logs) / 1 h⌋; W1 between the two bin samples.
//! - **AED** (absolute event distribution), hours: every start and every end timestamp, binned as
//!   ⌊(t − t0) / 1 h⌋ where t0 = the earliest *start* of both logs floored to the hour; W1.
//! - **CAR** (case arrival distribution), hours: per case, its earliest start, binned as AED with
//!   t0 = the earliest arrival of both logs floored to the hour; W1.
//! - **CED** (circadian event distribution), hours: every start and end timestamp as (weekday, hour
//!   of day 0–23, UTC); for each of the 7 weekdays, W1 between the two logs' hours of that weekday
//!   (0 when neither log has an instant on that weekday, 23 when only one has); the mean of the 7.
//! - **RED** (relative event distribution), hours: every start and end timestamp relative to its
//!   case's earliest start, binned ⌊Δ / 1 h⌋; W1.
//! - **NGD2** (2-gram distance), 0–1: each case's activities ordered by (start, end) (ties keep log
//!   order), padded with one "none" symbol before and after, give 2-grams; with f and g the two
//!   logs' 2-gram counts, NGD2 = Σ|f − g| / (Σf + Σg).
//!
//! **Empty logs** (the package itself fails on them): when either log has no activity instance, the
//! five Wasserstein measures that compare two samples (CTD, AED, CAR, RED) are `f64::INFINITY` (no
//! distribution to compare against; serde_json writes it as `null`); CED follows the package's own
//! per-weekday rule (23 for every weekday only one log has instants on, so the mean of those);
//! NGD2 follows its formula (1.0 when exactly one log is empty). Two empty logs: CTD, AED, CAR, RED
//! are `INFINITY`, CED 0 and NGD2 0.
//!
//! Every measure is O(n log n) (sorting the binned samples): a log of 30,000 activities takes
//! milliseconds.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::error::{Error, Result};
use crate::schema::Event;

const HOUR_MS: i64 = crate::units::MS_PER_HOUR;
const DAY_MS: i64 = crate::units::MS_PER_DAY;

/// One activity instance of an event log: what process-mining tools (and log-distance-measures)
/// read. Times are UTC milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityInstance {
    pub case_id: String,
    pub activity: String,
    pub resource: String,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// The six distances between two logs (lower is closer).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct LogDistances {
    pub ctd: f64,
    pub aed: f64,
    pub car: f64,
    pub ced: f64,
    pub red: f64,
    pub ngd2: f64,
}

/// All six distances between `real` and `simulated` (see the module documentation for each
/// definition and for what empty logs give).
pub fn distances(real: &[ActivityInstance], simulated: &[ActivityInstance]) -> LogDistances {
    let (real_cases, sim_cases) = (cases(real), cases(simulated));
    LogDistances {
        ctd: ctd_hours(&real_cases, &sim_cases),
        aed: aed_hours(real, simulated),
        car: car_hours(&real_cases, &sim_cases),
        ced: ced_hours(real, simulated),
        red: red_hours(real, &real_cases, simulated, &sim_cases),
        ngd2: ngd2(real, simulated),
    }
}

/// Per case of a log: the indices of its activity instances ordered by (start, end), ties in log
/// order, and its earliest start and latest end.
struct Case {
    rows: Vec<usize>,
    first_start_ms: i64,
    last_end_ms: i64,
}

fn cases(log: &[ActivityInstance]) -> Vec<Case> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut out: Vec<Case> = Vec::new();
    for (i, a) in log.iter().enumerate() {
        let k = *index.entry(a.case_id.as_str()).or_insert_with(|| {
            out.push(Case {
                rows: Vec::new(),
                first_start_ms: a.start_ms,
                last_end_ms: a.end_ms,
            });
            out.len() - 1
        });
        let case = &mut out[k];
        case.rows.push(i);
        case.first_start_ms = case.first_start_ms.min(a.start_ms);
        case.last_end_ms = case.last_end_ms.max(a.end_ms);
    }
    for case in &mut out {
        // Stable: equal (start, end) keep their order in the log, as pandas' sort_values does.
        case.rows.sort_by_key(|&i| (log[i].start_ms, log[i].end_ms));
    }
    out
}

/// ⌊(t − origin) / 1 h⌋, the package's `discretize_to_hour` of a time difference.
fn hour_bin(t_ms: i64, origin_ms: i64) -> i64 {
    (t_ms - origin_ms).div_euclid(HOUR_MS)
}

/// `t` floored to the (UTC) hour, as pandas' `Timestamp.floor(freq='h')`.
fn floor_hour(t_ms: i64) -> i64 {
    t_ms.div_euclid(HOUR_MS) * HOUR_MS
}

/// Wasserstein-1 distance between two samples of integer observations, exactly as
/// `scipy.stats.wasserstein_distance(u, v)`: ∫|F_u − F_v|. `INFINITY` when either is empty.
/// Computed exactly in integers (Σ |c_u·n_v − c_v·n_u|·gap over the merged distinct values) and
/// divided once, so the only rounding is the final division.
pub fn wasserstein_1(mut u: Vec<i64>, mut v: Vec<i64>) -> f64 {
    if u.is_empty() || v.is_empty() {
        return f64::INFINITY;
    }
    u.sort_unstable();
    v.sort_unstable();
    let (nu, nv) = (u.len() as i128, v.len() as i128);
    let (mut i, mut j) = (0usize, 0usize);
    let mut total: i128 = 0;
    let mut prev: Option<i64> = None;
    while i < u.len() || j < v.len() {
        let x = match (u.get(i), v.get(j)) {
            (Some(&a), Some(&b)) => a.min(b),
            (Some(&a), None) => a,
            (None, Some(&b)) => b,
            (None, None) => break,
        };
        if let Some(p) = prev {
            // Between p and x the CDFs are constant: c_u = i / n_u, c_v = j / n_v.
            let diff = (i as i128 * nv - j as i128 * nu).abs();
            total += diff * i128::from(x - p);
        }
        while u.get(i) == Some(&x) {
            i += 1;
        }
        while v.get(j) == Some(&x) {
            j += 1;
        }
        prev = Some(x);
    }
    total as f64 / (nu * nv) as f64
}

/// CTD: W1 between the two logs' cycle times (latest end − earliest start per case), in hour bins
/// counted from the shortest cycle time of both logs.
fn ctd_hours(real: &[Case], sim: &[Case]) -> f64 {
    let cycle = |c: &Case| c.last_end_ms - c.first_start_ms;
    let Some(shortest) = real.iter().chain(sim).map(cycle).min() else {
        return f64::INFINITY;
    };
    let bins = |cs: &[Case]| cs.iter().map(|c| hour_bin(cycle(c), shortest)).collect();
    wasserstein_1(bins(real), bins(sim))
}

/// Every start and every end timestamp of a log, binned by hour from `origin_ms`.
fn start_end_bins(log: &[ActivityInstance], origin_ms: i64) -> Vec<i64> {
    let starts = log.iter().map(|a| hour_bin(a.start_ms, origin_ms));
    starts
        .chain(log.iter().map(|a| hour_bin(a.end_ms, origin_ms)))
        .collect()
}

/// AED: W1 between all start and end timestamps, in hours from the earliest start of both logs
/// floored to the hour.
fn aed_hours(real: &[ActivityInstance], sim: &[ActivityInstance]) -> f64 {
    let Some(first) = real.iter().chain(sim).map(|a| a.start_ms).min() else {
        return f64::INFINITY;
    };
    let origin = floor_hour(first);
    wasserstein_1(start_end_bins(real, origin), start_end_bins(sim, origin))
}

/// CAR: W1 between case arrivals (each case's earliest start), in hours from the earliest arrival
/// of both logs floored to the hour.
fn car_hours(real: &[Case], sim: &[Case]) -> f64 {
    let Some(first) = real.iter().chain(sim).map(|c| c.first_start_ms).min() else {
        return f64::INFINITY;
    };
    let origin = floor_hour(first);
    let bins = |cs: &[Case]| {
        cs.iter()
            .map(|c| hour_bin(c.first_start_ms, origin))
            .collect()
    };
    wasserstein_1(bins(real), bins(sim))
}

/// (weekday Monday = 0 … Sunday = 6, hour of day 0–23) of a UTC instant.
fn weekday_hour(t_ms: i64) -> (usize, i64) {
    let days = t_ms.div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday (weekday 3).
    let weekday = (days + 3).rem_euclid(7) as usize;
    (weekday, t_ms.rem_euclid(DAY_MS) / HOUR_MS)
}

fn hours_by_weekday(log: &[ActivityInstance]) -> [Vec<i64>; 7] {
    let mut out: [Vec<i64>; 7] = Default::default();
    for t in log.iter().flat_map(|a| [a.start_ms, a.end_ms]) {
        let (day, hour) = weekday_hour(t);
        out[day].push(hour);
    }
    out
}

/// CED: the mean over the 7 weekdays of W1 between the two logs' hours of day (start and end
/// timestamps, UTC) on that weekday; 0 for a weekday neither log touches, 23 for one only one does.
fn ced_hours(real: &[ActivityInstance], sim: &[ActivityInstance]) -> f64 {
    let (r, s) = (hours_by_weekday(real), hours_by_weekday(sim));
    let per_day = r
        .into_iter()
        .zip(s)
        .map(|(a, b)| match (a.is_empty(), b.is_empty()) {
            (true, true) => 0.0,
            (false, false) => wasserstein_1(a, b),
            _ => 23.0,
        });
    per_day.sum::<f64>() / 7.0
}

/// Every start and end timestamp relative to its case's earliest start, in hour bins.
fn relative_bins(log: &[ActivityInstance], cases: &[Case]) -> Vec<i64> {
    let mut out = Vec::with_capacity(2 * log.len());
    for c in cases {
        for &i in &c.rows {
            out.push(hour_bin(log[i].start_ms, c.first_start_ms));
            out.push(hour_bin(log[i].end_ms, c.first_start_ms));
        }
    }
    out
}

/// RED: W1 between all start and end timestamps made relative to their case's start, in hours.
fn red_hours(
    real: &[ActivityInstance],
    real_cases: &[Case],
    sim: &[ActivityInstance],
    sim_cases: &[Case],
) -> f64 {
    wasserstein_1(
        relative_bins(real, real_cases),
        relative_bins(sim, sim_cases),
    )
}

/// 2-gram counts of a log: activity ids (0 = the "none" padding before and after each case).
fn two_grams<'a>(
    log: &'a [ActivityInstance],
    ids: &mut HashMap<&'a str, u32>,
) -> HashMap<(u32, u32), i64> {
    let mut grams: HashMap<(u32, u32), i64> = HashMap::new();
    for case in cases(log) {
        let mut prev = 0u32;
        for &i in &case.rows {
            let next_id = ids.len() as u32 + 1;
            let id = *ids.entry(log[i].activity.as_str()).or_insert(next_id);
            *grams.entry((prev, id)).or_insert(0) += 1;
            prev = id;
        }
        *grams.entry((prev, 0)).or_insert(0) += 1;
    }
    grams
}

/// NGD2: Σ|f − g| / (Σf + Σg) over the 2-grams of the two logs (cases padded with "none" at both
/// ends). 0 for two empty logs.
pub fn ngd2(real: &[ActivityInstance], sim: &[ActivityInstance]) -> f64 {
    let mut ids = HashMap::new();
    let f = two_grams(real, &mut ids);
    let g = two_grams(sim, &mut ids);
    let mut abs_diff: i64 = 0;
    for (k, &a) in &f {
        abs_diff += (a - g.get(k).copied().unwrap_or(0)).abs();
    }
    abs_diff += g
        .iter()
        .filter(|(k, _)| !f.contains_key(k))
        .map(|(_, &b)| b)
        .sum::<i64>();
    let total: i64 = f.values().sum::<i64>() + g.values().sum::<i64>();
    if total == 0 {
        0.0
    } else {
        abs_diff as f64 / total as f64
    }
}

/// The activity label of an event: state and sub-state joined with `-` (`Accepted-In Progress`),
/// the state alone without a sub-state, the sub-state alone without a state, `(no state)` without
/// either.
pub fn activity_label(event: &Event) -> String {
    fn nonempty(s: &Option<String>) -> Option<&str> {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    match (nonempty(&event.state), nonempty(&event.sub_state)) {
        (Some(st), Some(sub)) => format!("{st}-{sub}"),
        (Some(one), None) | (None, Some(one)) => one.to_string(),
        (None, None) => "(no state)".to_string(),
    }
}

/// The real activity log of an events table: one activity instance per event; activity = the
/// event's state and sub-state joined with `-` ([`activity_label`]); start = the event, end = the
/// next event of the same incident (the last one instantaneous); resource = `resource_of(event)`
/// (the pool). Events need not be sorted: each incident's events are ordered by time (ties keep
/// their order in `events`); incidents come in order of first appearance.
pub fn activity_log_from_events(
    events: &[Event],
    resource_of: impl Fn(&Event) -> String,
) -> Vec<ActivityInstance> {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut groups: Vec<Vec<&Event>> = Vec::new();
    for e in events {
        let k = *index.entry(e.incident_id.as_str()).or_insert_with(|| {
            groups.push(Vec::new());
            groups.len() - 1
        });
        groups[k].push(e);
    }
    let mut out = Vec::with_capacity(events.len());
    for mut group in groups {
        group.sort_by_key(|e| e.at);
        for (i, e) in group.iter().enumerate() {
            let end_ms = group.get(i + 1).map_or(e.at, |next| next.at);
            out.push(ActivityInstance {
                case_id: e.incident_id.clone(),
                activity: activity_label(e),
                resource: resource_of(e),
                start_ms: e.at,
                end_ms,
            });
        }
    }
    out
}

/// The header of an activity-log CSV.
pub const ACTIVITY_LOG_HEADER: [&str; 5] =
    ["case_id", "activity", "resource", "start_time", "end_time"];

/// ISO-8601 UTC with `Z`: seconds when the instant has no milliseconds, else milliseconds.
fn iso_utc(ms: i64) -> String {
    let Some(t) = chrono::DateTime::from_timestamp_millis(ms) else {
        return ms.to_string();
    };
    if ms.rem_euclid(1000) == 0 {
        t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
    } else {
        t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// Writes a log as CSV `case_id,activity,resource,start_time,end_time` (ISO-8601 UTC with `Z`),
/// atomically; cells a spreadsheet would run as a formula are neutralised (prefixed with `'`).
pub fn write_activity_log_csv(path: &Path, log: &[ActivityInstance]) -> Result<()> {
    let rows = log.iter().map(|a| {
        vec![
            a.case_id.clone(),
            a.activity.clone(),
            a.resource.clone(),
            iso_utc(a.start_ms),
            iso_utc(a.end_ms),
        ]
    });
    crate::output::write_csv(path, &ACTIVITY_LOG_HEADER, rows)
}

/// Undoes [`crate::output::neutralise_cell`]: a leading `'` before `= + - @`, tab or CR is dropped.
fn unneutralise(cell: &str) -> String {
    match cell.strip_prefix('\'') {
        Some(rest)
            if matches!(
                rest.as_bytes().first(),
                Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r')
            ) =>
        {
            rest.to_string()
        }
        _ => cell.to_string(),
    }
}

/// Reads an activity-log CSV with (at least) the columns `case_id,activity,resource,start_time,
/// end_time`, in any order (as [`write_activity_log_csv`] writes it, or as Simod's CSV logs name
/// them); timestamps as the importers read them (ISO 8601 with offset or `Z`; naive ones are UTC).
/// A cell neutralised by the writer is read back as the original text.
pub fn read_activity_log_csv(path: &Path) -> Result<Vec<ActivityInstance>> {
    let file = std::fs::File::open(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(file);
    let format = |message: String| Error::Format {
        path: path.to_path_buf(),
        message,
    };
    let header = rdr
        .headers()
        .map_err(|e| format(format!("cannot read the header: {e}")))?
        .clone();
    let mut cols = [0usize; 5];
    for (slot, name) in cols.iter_mut().zip(ACTIVITY_LOG_HEADER) {
        *slot = header
            .iter()
            .position(|h| {
                h.trim()
                    .trim_start_matches('\u{feff}')
                    .eq_ignore_ascii_case(name)
            })
            .ok_or_else(|| {
                format(format!(
                    "missing column '{name}' (expected {})",
                    ACTIVITY_LOG_HEADER.join(",")
                ))
            })?;
    }
    let parser = crate::timeparse::TimeParser::default();
    let mut out = Vec::new();
    for (i, record) in rdr.records().enumerate() {
        let line = i as u64 + 2;
        let record = record.map_err(|e| format(format!("line {line}: {e}")))?;
        let cell = |k: usize| record.get(cols[k]).unwrap_or("");
        let time = |k: usize| {
            parser.parse(cell(k).trim()).map_err(|message| Error::At {
                path: path.to_path_buf(),
                line,
                column: ACTIVITY_LOG_HEADER[k].to_string(),
                message,
            })
        };
        out.push(ActivityInstance {
            case_id: unneutralise(cell(0)),
            activity: unneutralise(cell(1)),
            resource: unneutralise(cell(2)),
            start_ms: time(3)?,
            end_ms: time(4)?,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Monday 2024-01-01T00:00:00Z.
    const MONDAY_MS: i64 = 1_704_067_200_000;
    const MIN_MS: i64 = 60_000;

    /// An activity from `start` to `end`, in minutes after Monday 2024-01-01 00:00 UTC.
    fn act(case: &str, activity: &str, start_min: i64, end_min: i64) -> ActivityInstance {
        ActivityInstance {
            case_id: case.into(),
            activity: activity.into(),
            resource: "pool".into(),
            start_ms: MONDAY_MS + start_min * MIN_MS,
            end_ms: MONDAY_MS + end_min * MIN_MS,
        }
    }

    fn h(hours: i64, minutes: i64) -> i64 {
        hours * 60 + minutes
    }

    /// Real: c1 A 08:30–09:10, B 09:10–11:00; c2 A 10:00–10:00, C 10:00–13:20 (Monday).
    fn real_log() -> Vec<ActivityInstance> {
        vec![
            act("c1", "A", h(8, 30), h(9, 10)),
            act("c1", "B", h(9, 10), h(11, 0)),
            act("c2", "C", h(10, 0), h(13, 20)),
            act("c2", "A", h(10, 0), h(10, 0)),
        ]
    }

    /// Simulated: s1 A 09:15–10:05, B 10:05–12:00 (Monday); s2 A 10:00–10:00, B 10:00–11:00 (Tuesday).
    fn sim_log() -> Vec<ActivityInstance> {
        vec![
            act("s1", "A", h(9, 15), h(10, 5)),
            act("s1", "B", h(10, 5), h(12, 0)),
            act("s2", "A", h(34, 0), h(34, 0)),
            act("s2", "B", h(34, 0), h(35, 0)),
        ]
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * b.abs().max(1.0)
    }

    #[test]
    fn wasserstein_matches_hand_computed_samples() {
        assert!(close(wasserstein_1(vec![0, 1, 3], vec![5, 6, 8]), 5.0));
        assert!(close(wasserstein_1(vec![0, 0], vec![1]), 1.0));
        // |F_u − F_v| = 1/2 on [0, 2).
        assert!(close(wasserstein_1(vec![2, 0], vec![1]), 1.0));
        assert!(close(wasserstein_1(vec![4, 4, 4], vec![4]), 0.0));
        // Unequal sizes: u = {0, 10}, v = {0, 0, 10}: |1/2 − 2/3| on [0, 10).
        assert!(close(
            wasserstein_1(vec![0, 10], vec![0, 0, 10]),
            10.0 / 6.0
        ));
        assert_eq!(wasserstein_1(vec![], vec![1]), f64::INFINITY);
    }

    #[test]
    fn each_measure_matches_the_hand_computed_pair() {
        let d = distances(&real_log(), &sim_log());
        // Cycle times 2.5 h, 3.33 h vs 2.75 h, 1 h; from the shortest (1 h): bins {1, 2} vs {1, 0}.
        assert!(close(d.ctd, 1.0), "ctd {}", d.ctd);
        // Bins from 08:00: real {0,1,1,2,2,2,3,5}, sim {1,2,2,4,26,26,26,27}: 98 / 8.
        assert!(close(d.aed, 12.25), "aed {}", d.aed);
        // Arrivals 08:30, 10:00 vs 09:15, Tue 10:00 → {0, 2} vs {1, 26}.
        assert!(close(d.car, 12.5), "car {}", d.car);
        // Monday hours {8,9,9,10,10,10,11,13} vs {9,10,10,12}: W1 = 1/2; Tuesday only simulated: 23.
        assert!(close(d.ced, 23.5 / 7.0), "ced {}", d.ced);
        // Relative bins {0×6, 2, 3} vs {0×6, 1, 2}: 2 / 8.
        assert!(close(d.red, 0.25), "red {}", d.red);
        // 2-grams ∅A:2 AB:1 B∅:1 AC:1 C∅:1 vs ∅A:2 AB:2 B∅:2 → |diff| 4 of 12.
        assert!(close(d.ngd2, 1.0 / 3.0), "ngd2 {}", d.ngd2);
    }

    #[test]
    fn a_log_is_at_distance_zero_from_itself() {
        let d = distances(&real_log(), &real_log());
        assert_eq!(d, LogDistances::default());
    }

    #[test]
    fn two_gram_ties_keep_log_order() {
        let xy = vec![act("a", "X", 0, 0), act("a", "Y", 0, 0)];
        let yx = vec![act("b", "Y", 0, 0), act("b", "X", 0, 0)];
        assert!(close(ngd2(&xy, &yx), 1.0));
        // Ordered by (start, end): Y ends later, so X comes first whatever the row order.
        let y_late = vec![act("b", "Y", 0, 5), act("b", "X", 0, 0)];
        assert_eq!(ngd2(&xy, &y_late), 0.0);
    }

    #[test]
    fn empty_logs_give_the_documented_values() {
        let d = distances(&real_log(), &[]);
        for v in [d.ctd, d.aed, d.car, d.red] {
            assert_eq!(v, f64::INFINITY);
        }
        // The real log touches one weekday (Monday) only.
        assert!(close(d.ced, 23.0 / 7.0));
        assert_eq!(d.ngd2, 1.0);
        let both = distances(&[], &[]);
        assert_eq!((both.ctd, both.ced, both.ngd2), (f64::INFINITY, 0.0, 0.0));
    }

    #[test]
    fn weekdays_and_hours_are_utc() {
        assert_eq!(weekday_hour(MONDAY_MS), (0, 0));
        assert_eq!(weekday_hour(MONDAY_MS + 6 * DAY_MS + 23 * HOUR_MS), (6, 23));
        assert_eq!(weekday_hour(0), (3, 0));
        assert_eq!(weekday_hour(-HOUR_MS), (2, 23));
    }

    #[test]
    fn thirty_thousand_activities_take_milliseconds() {
        let log = |shift: i64| -> Vec<ActivityInstance> {
            (0..30_000i64)
                .map(|i| {
                    let case = i / 15;
                    let start = case * 97 + (i % 15) * 41 + shift;
                    act(
                        &format!("c{case}"),
                        &format!("a{}", (i * 7) % 13),
                        start,
                        start + 41,
                    )
                })
                .collect()
        };
        let (real, sim) = (log(0), log(30));
        let t = std::time::Instant::now();
        let d = distances(&real, &sim);
        assert!(t.elapsed().as_secs_f64() < 2.0, "{:?}", t.elapsed());
        assert!(d.aed > 0.0 && d.ctd == 0.0 && d.ngd2 == 0.0);
    }

    fn event(id: &str, at: i64, state: Option<&str>, sub: Option<&str>, group: &str) -> Event {
        Event {
            incident_id: id.into(),
            at,
            state: state.map(Into::into),
            sub_state: sub.map(Into::into),
            group: Some(group.into()),
            support_level: None,
            assignee: None,
            source_line: 0,
        }
    }

    #[test]
    fn activity_log_from_unsorted_events() {
        let events = vec![
            event("I1", 10, Some("Queued"), Some("Awaiting Assignment"), "G2"),
            event("I2", 5, None, None, "G1"),
            event("I1", 0, Some("Accepted"), Some("In Progress"), "G1"),
            event("I1", 20, Some("Completed"), None, "G2"),
        ];
        let log = activity_log_from_events(&events, |e| e.group.clone().unwrap_or_default());
        let got: Vec<_> = log
            .iter()
            .map(|a| {
                (
                    a.case_id.as_str(),
                    a.activity.as_str(),
                    a.resource.as_str(),
                    a.start_ms,
                    a.end_ms,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("I1", "Accepted-In Progress", "G1", 0, 10),
                ("I1", "Queued-Awaiting Assignment", "G2", 10, 20),
                ("I1", "Completed", "G2", 20, 20),
                ("I2", "(no state)", "G1", 5, 5),
            ]
        );
    }

    #[test]
    fn csv_round_trip_is_exact_and_neutralised() {
        let dir = std::env::temp_dir().join(format!("incidentlab-logdist-{}", std::process::id()));
        let path = dir.join("log.csv");
        let mut log = real_log();
        log[0].resource = "=cmd|' /C calc'!A0".into();
        log[1].activity = "Wait, \"User\"".into();
        log[2].start_ms += 123;
        write_activity_log_csv(&path, &log).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("case_id,activity,resource,start_time,end_time\n"));
        assert!(text.contains("'=cmd"), "{text}");
        assert!(text.contains("2024-01-01T08:30:00Z"));
        assert!(text.contains("2024-01-01T10:00:00.123Z"));
        assert_eq!(read_activity_log_csv(&path).unwrap(), log);
        let read_error = |text: &str| {
            std::fs::write(&path, text).unwrap();
            read_activity_log_csv(&path).unwrap_err().to_string()
        };
        let err = read_error("case_id,activity,resource,start_time\nc,A,p,2024-01-01T00:00:00Z\n");
        assert!(err.contains("missing column 'end_time'"), "{err}");
        let err = read_error(
            "case_id,activity,resource,start_time,end_time\nc,A,p,2024-01-01T00:00:00Z,soon\n",
        );
        assert!(err.contains(":2: column 'end_time'"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
