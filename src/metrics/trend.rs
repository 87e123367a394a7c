//! Monthly trends that say what they cannot know yet (right-censoring) and what the export left out.
//!
//! Two views, both in UTC calendar months:
//! - **by month opened** (`trend[]`): the cohort of incidents opened in the month. Its MTTR covers
//!   only the incidents resolved by as-of, so a recent cohort looks quick because its slow incidents
//!   are still open. Each month carries:
//!   - `mature`: the month ended at least the p95 resolution time before as-of
//!     (`month_end ≤ as_of − p95`), i.e. every incident of the cohort has had as long as 95 % of the
//!     resolved incidents needed. The p95 is that of all resolved incidents in the analysed set (the
//!     same rule as the pilot's censoring guard, [`censoring_cutoff`]).
//!   - `window_cut`: a leading month shaped by where the export starts. Walking from the first month,
//!     a month is cut while it holds fewer than half the median monthly incidents or a tenth of the
//!     busiest month's (only the survivors of an earlier period made it into the export — on the
//!     BPIC 2013 log ten sparse months precede the two that hold 95 % of the incidents), or its
//!     first incident opened more than 24 h after the month began (the export starts inside the
//!     month); the walk stops at the first month that is neither.
//!   - `open`: incidents of the cohort still unresolved at as-of; `km_median_hours`: the
//!     Kaplan–Meier median resolution time of the cohort, open incidents right-censored at as-of
//!     (null while fewer than half are known to be resolved).
//! - **by month resolved** (`trend_resolved[]`, what ServiceNow Performance Analytics and Jira
//!   show): the incidents resolved in the month, whenever opened. `mature` = the month has ended by
//!   as-of; `window_cut` = the month began within the p95 resolution time after the first opening in
//!   the data, so incidents opened before the export window, which would resolve then, are missing.
//!
//! Trend statements (the report's takeaways) compare mature, uncut months only.

use std::collections::BTreeMap;

use super::family::Families;
use super::resolution;
use super::results::{CohortFigures, GroupMetrics, TrendMonth};
use crate::error::Result;
use crate::schema::UtcMillis;
use polars::prelude::*;
use serde::Serialize;

const MS_PER_HOUR: f64 = crate::units::MS_PER_HOUR_F64;
const DAY_MS: i64 = crate::units::MS_PER_DAY;

/// The time before which an incident opened has had the p95 resolution time to resolve:
/// `as_of − p95(resolution hours)`; `as_of` itself when nothing is resolved. `sorted_hours` is sorted.
pub fn censoring_cutoff(sorted_hours: &[f64], as_of: UtcMillis) -> UtcMillis {
    cutoff_at(crate::sim::stats::quantile(sorted_hours, 0.95), as_of)
}

/// `as_of − p95` ([`censoring_cutoff`]) from the p95 itself (NaN: nothing resolved → `as_of`).
fn cutoff_at(p95: f64, as_of: UtcMillis) -> UtcMillis {
    if p95.is_finite() {
        as_of - (p95 * MS_PER_HOUR) as i64
    } else {
        as_of
    }
}

/// The Kaplan–Meier median of `(hours, resolved)` pairs (`resolved = false`: right-censored at
/// `hours`): the least event time t with S(t) ≤ 0.5; `None` when the curve never gets there.
/// Censored times tied with an event time leave the risk set after the events (the usual convention).
pub fn km_median(obs: &mut [(f64, bool)]) -> Option<f64> {
    obs.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut at_risk = obs.len() as f64;
    let mut s = 1.0;
    let mut i = 0;
    while i < obs.len() {
        let t = obs[i].0;
        let (mut events, mut leaving) = (0.0, 0.0);
        while i < obs.len() && obs[i].0 == t {
            events += f64::from(u8::from(obs[i].1));
            leaving += 1.0;
            i += 1;
        }
        if events > 0.0 {
            s *= 1.0 - events / at_risk;
            if s <= 0.5 + 1e-12 {
                return Some(t);
            }
        }
        at_risk -= leaving;
    }
    None
}

/// How the months were judged (JSON `trend_maturity`).
#[derive(Debug, Clone, Serialize, Default)]
pub struct Maturity {
    /// The p95 resolution time of the resolved incidents (hours); null when none is resolved.
    pub p95_resolution_hours: Option<f64>,
    /// Cohorts opened in months ending after this instant are immature.
    pub mature_before: String,
    /// Months (by opening) left out of trend statements: still resolving, and cut by the export window.
    pub immature_months: Vec<String>,
    pub window_cut_months: Vec<String>,
    pub rule: String,
}

/// Both monthly views and how they were judged.
pub struct Trends {
    pub by_opened: Vec<TrendMonth>,
    pub by_resolved: Vec<TrendMonth>,
    pub maturity: Maturity,
}

/// (start, end) of the UTC month `yyyymm` in milliseconds.
fn month_bounds(yyyymm: i64) -> (UtcMillis, UtcMillis) {
    let (y, m) = ((yyyymm / 100) as i32, (yyyymm % 100) as u32);
    let at = |y: i32, m: u32| {
        chrono::NaiveDate::from_ymd_opt(y, m, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_millis())
            .unwrap_or(0)
    };
    let next = if m >= 12 { (y + 1, 1) } else { (y, m + 1) };
    (at(y, m), at(next.0, next.1))
}

/// Per-incident inputs of the trend: opening time, end time (resolved or closed) and month key.
pub struct Rows<'a> {
    pub opened: &'a [UtcMillis],
    pub end: &'a Int64Chunked,
    pub month: &'a Int32Chunked,
    pub as_of: UtcMillis,
}

/// Leading months cut by the export window, by the rule in the module documentation.
/// `months` = (yyyymm, incidents, first opening in the month), in month order.
pub fn window_cut(months: &[(i64, u64, UtcMillis)]) -> Vec<bool> {
    let mut counts: Vec<u64> = months.iter().map(|m| m.1).collect();
    counts.sort_unstable();
    let median = if counts.is_empty() {
        0.0
    } else if counts.len() % 2 == 1 {
        counts[counts.len() / 2] as f64
    } else {
        (counts[counts.len() / 2 - 1] + counts[counts.len() / 2]) as f64 / 2.0
    };
    let busiest = counts.last().copied().unwrap_or(0) as f64;
    let sparse_below = (0.5 * median).max(0.1 * busiest);
    let mut cut = vec![false; months.len()];
    for (k, (m, n, first)) in months.iter().enumerate() {
        let sparse = (*n as f64) < sparse_below;
        let late_start = *first - month_bounds(*m).0 > DAY_MS;
        if !(sparse || late_start) {
            break;
        }
        cut[k] = true;
    }
    cut
}

/// One opening month's cohort: incidents, first opening, open at as-of, Kaplan–Meier median.
type Cohort = (u64, UtcMillis, u64, Option<f64>);

/// Cohort figures per opening month.
fn cohorts(r: &Rows) -> BTreeMap<i64, Cohort> {
    // Per month: incidents, first opening, (hours, resolved) observations.
    type Obs = (u64, UtcMillis, Vec<(f64, bool)>);
    let mut obs: BTreeMap<i64, Obs> = BTreeMap::new();
    let each = r.month.iter().zip(r.opened).zip(r.end.iter());
    for ((m, &o), end) in each {
        let Some(m) = m.map(i64::from) else { continue };
        let e = obs.entry(m).or_insert((0, i64::MAX, Vec::new()));
        e.0 += 1;
        e.1 = e.1.min(o);
        match end {
            Some(t) if t <= r.as_of => e.2.push(((t - o) as f64 / MS_PER_HOUR, true)),
            _ => {
                e.2.push((((r.as_of - o) as f64 / MS_PER_HOUR).max(0.0), false))
            }
        }
    }
    obs.into_iter()
        .map(|(m, (n, first, mut v))| {
            let open = v.iter().filter(|x| !x.1).count() as u64;
            (m, (n, first, open, km_median(&mut v)))
        })
        .collect()
}

fn month_label(m: i64) -> String {
    resolution::derived_label("month", m)
}

/// The per-month metric rows of `df` grouped by the month key expression `month` (yyyymm).
fn monthly_rows(
    df: &DataFrame,
    month: Expr,
    families: &Families,
) -> Result<(Vec<i64>, Vec<GroupMetrics>)> {
    let frame = df
        .clone()
        .lazy()
        .with_column(month.alias("month"))
        .group_by([col("month")])
        .agg(resolution::group_metrics(
            families,
            df.column("ind_sla_met").is_ok(),
        ))
        // Incidents without a month (not resolved, for the view by month resolved) leave after
        // the aggregation: a filter before it would copy every metric column of the frame.
        .filter(col("month").is_not_null())
        .sort(["month"], SortMultipleOptions::default())
        .collect()?;
    let keys: Vec<i64> = super::i64_col(&frame, "month")?
        .into_iter()
        .flatten()
        .collect();
    let labelled = super::label_derived(frame, &["month".to_string()])?;
    Ok((keys, super::group_rows(&labelled, &["month".to_string()])?))
}

/// The view by month resolved: mature = the month has ended; window-cut = it began within the p95
/// resolution time (`p95_ms`) after the first opening.
fn by_resolved(
    df: &DataFrame,
    r: &Rows,
    end: resolution::EndEvent,
    families: &Families,
    p95_ms: i64,
) -> Result<Vec<TrendMonth>> {
    let end_col = match end {
        resolution::EndEvent::Resolved => "resolved_at",
        resolution::EndEvent::Closed => "closed_at",
    };
    let (rkeys, resolved_rows) = monthly_rows(df, resolution::month_of(end_col), families)?;
    let first_opened = r.opened.iter().copied().min().unwrap_or(0);
    Ok(rkeys
        .iter()
        .zip(resolved_rows)
        .map(|(m, metrics)| {
            let (start, stop) = month_bounds(*m);
            TrendMonth {
                metrics,
                mature: stop <= r.as_of,
                window_cut: start < first_opened + p95_ms,
                cohort: None,
            }
        })
        .collect())
}

/// Both views. `df` holds the metric columns of [`resolution::group_metrics`] and `month`.
pub fn trends(
    df: &DataFrame,
    r: &Rows,
    end: resolution::EndEvent,
    families: &Families,
) -> Result<Trends> {
    let mut hours: Vec<f64> = (r.opened.iter().zip(r.end.iter()))
        .filter_map(|(o, end)| end.map(|t| (t - o) as f64 / MS_PER_HOUR))
        .collect();
    // One selection, not a sort: the same p95 ([`crate::sim::stats::quantiles_unsorted`]).
    let p95 = crate::sim::stats::quantiles_unsorted(&mut hours, &[0.95])[0];
    drop(hours);
    let cutoff = cutoff_at(p95, r.as_of);
    let p95_ms = if p95.is_finite() {
        (p95 * MS_PER_HOUR) as i64
    } else {
        0
    };

    let (keys, opened_rows) = monthly_rows(df, col("month"), families)?;
    let cohort = cohorts(r);
    let shape: Vec<(i64, u64, UtcMillis)> = keys
        .iter()
        .map(|m| cohort.get(m).map(|c| (*m, c.0, c.1)).unwrap_or((*m, 0, 0)))
        .collect();
    let cut = window_cut(&shape);
    let mut maturity = Maturity {
        p95_resolution_hours: p95.is_finite().then_some(p95),
        mature_before: super::recurrence::iso(cutoff),
        rule: "by month opened: mature when the month ended at least the p95 resolution time before as-of; \
               window-cut: leading months with fewer than half the median monthly incidents or a tenth of \
               the busiest month's, or whose first incident opened more than 24 h into the month. By month resolved: mature when the month has \
               ended; window-cut when it began within the p95 resolution time after the first opening."
            .into(),
        ..Default::default()
    };
    let mut by_opened = Vec::with_capacity(keys.len());
    for (k, (m, metrics)) in keys.iter().zip(opened_rows).enumerate() {
        let mature = month_bounds(*m).1 <= cutoff;
        let c = cohort.get(m);
        by_opened.push(TrendMonth {
            metrics,
            mature,
            window_cut: cut[k],
            cohort: Some(CohortFigures {
                open: c.map(|c| c.2).unwrap_or(0),
                km_median_hours: c.and_then(|c| c.3).and_then(super::results::finite),
            }),
        });
        if !mature {
            maturity.immature_months.push(month_label(*m));
        }
        if cut[k] {
            maturity.window_cut_months.push(month_label(*m));
        }
    }

    crate::store::release_free_memory();
    let by_resolved = by_resolved(df, r, end, families, p95_ms)?;
    Ok(Trends {
        by_opened,
        by_resolved,
        maturity,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn km_median_by_hand() {
        // No censoring: the median is the ordinary lower median of the event times.
        let mut v = vec![(4.0, true), (1.0, true), (3.0, true), (2.0, true)];
        assert_eq!(km_median(&mut v), Some(2.0));
        // 1 (event), 2 (censored), 3 (event), 4 (event): S(1) = 3/4; at 3, 2 at risk → S = 3/8 ≤ 0.5.
        let mut v = vec![(1.0, true), (2.0, false), (3.0, true), (4.0, true)];
        assert_eq!(km_median(&mut v), Some(3.0));
        // Mostly censored: never reaches one half.
        let mut v = vec![(1.0, true), (5.0, false), (6.0, false), (7.0, false)];
        assert_eq!(km_median(&mut v), None);
        assert_eq!(km_median(&mut []), None);
    }

    #[test]
    fn cutoff_and_month_bounds() {
        let sorted: Vec<f64> = (1..=100).map(f64::from).collect();
        // p95 of 1..100 by linear interpolation = 95.05 h.
        let c = censoring_cutoff(&sorted, 1_000_000_000);
        assert_eq!(
            c,
            1_000_000_000 - (95.05 * crate::units::MS_PER_HOUR_F64) as i64
        );
        assert_eq!(censoring_cutoff(&[], 7), 7);
        let (a, b) = month_bounds(202412);
        assert_eq!(super::super::recurrence::iso(a), "2024-12-01T00:00:00Z");
        assert_eq!(super::super::recurrence::iso(b), "2025-01-01T00:00:00Z");
    }

    #[test]
    fn leading_sparse_and_late_starting_months_are_cut() {
        let (jan, _) = month_bounds(202501);
        let (feb, _) = month_bounds(202502);
        let (mar, _) = month_bounds(202503);
        let (dec, _) = month_bounds(202412);
        // December holds 3 survivors, January starts late (day 10), February is full.
        let m = [
            (202412, 3, dec + 5 * DAY_MS),
            (202501, 80, jan + 9 * DAY_MS),
            (202502, 100, feb + crate::units::MS_PER_HOUR),
            (202503, 2, mar),
        ];
        assert_eq!(window_cut(&m), vec![true, true, false, false]);
        // A full first month opening in its first hours is not cut.
        assert_eq!(
            window_cut(&[
                (202502, 100, feb + crate::units::MS_PER_HOUR),
                (202503, 90, mar)
            ]),
            vec![false, false]
        );
        // Mostly survivors (BPIC 2013's shape): sparse months are the majority, so the median is
        // small; a tenth of the busiest month still cuts them.
        let survivors: Vec<(i64, u64, UtcMillis)> = [7u64, 4, 6, 3, 45, 176, 2039, 5189]
            .iter()
            .enumerate()
            .map(|(k, n)| {
                let m = 201108 + k as i64;
                let m = if m % 100 > 12 { m + 88 } else { m };
                (m, *n, month_bounds(m).0)
            })
            .collect();
        assert_eq!(
            window_cut(&survivors),
            vec![true, true, true, true, true, true, false, false]
        );
    }
}
