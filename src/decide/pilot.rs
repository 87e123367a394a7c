//! Evaluating a real pilot from data: before/after, or pilot group vs control group
//! (difference-in-differences), with control charts.
//!
//! Definitions, exactly:
//! - *before* = incidents opened before `pilot_start` (from `baseline_start` if given); *after* =
//!   opened in [`pilot_start`, `pilot_end`) (`pilot_end` defaults to the end of the data).
//! - Censoring guard: incidents opened in the last p95-of-before-resolution-hours before the end of
//!   the data are left out of both periods, because only their quick ones are resolved yet (this
//!   would fake an improvement). The report gives the cut-off and the count.
//! - MTTR change = mean(after) / mean(before) − 1 over resolved incidents, with a percentile
//!   bootstrap 95 % interval (2,000 resamples, seeded) and the Mann–Whitney U test on the
//!   resolution times (two-sided); effect size = rank-biserial correlation.
//! - SLA compliance before and after (the computed flag with an SLA policy, else the source's
//!   `made_sla_reported`), two-proportion z-test.
//! - Priority mix: chi-square test of the priority counts before vs after; with p < 0.01 a warning and
//!   a mix-adjusted MTTR change (after-period means per priority re-weighted to the before mix).
//! - With a pilot group: the same for the control group (everything else), and the
//!   difference-in-differences of the relative MTTR changes (pilot − control) with a bootstrap interval.
//! - Control charts: weekly mean MTTR as an XmR chart (limits x̄ ± 2.66·mR̄ from the before weeks)
//!   and weekly SLA compliance as a p-chart (p̄ ± 3·√(p̄(1−p̄)/n)); a signal is a point outside the
//!   limits or 8 successive points on one side of the centre line.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ChiSquared, ContinuousCDF};

use super::stats::{bootstrap_ci, mann_whitney, mean, two_proportions};
use crate::error::DecideError;
use crate::metrics::resolution::mttr_hours;
use crate::metrics::Filter;
use crate::schema::{Incident, UtcMillis};
use crate::units::{iso_week, iso_week_start};

#[derive(Debug, Clone)]
pub struct PilotOptions {
    pub pilot_start: UtcMillis,
    pub pilot_end: Option<UtcMillis>,
    pub baseline_start: Option<UtcMillis>,
    pub pilot_group: Option<Filter>,
    pub seed: u64,
    pub resamples: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Arm {
    pub incidents: u64,
    pub resolved: u64,
    pub mttr_hours: f64,
    pub median_hours: f64,
    pub sla_n: u64,
    pub sla_compliance: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Change {
    pub before: Arm,
    pub after: Arm,
    /// mean(after)/mean(before) − 1.
    pub mttr_relative_change: f64,
    pub mttr_ci_low: f64,
    pub mttr_ci_high: f64,
    pub mann_whitney_p: f64,
    pub rank_biserial: f64,
    pub sla_difference: f64,
    pub sla_p: f64,
    pub priority_mix_p: f64,
    pub mix_adjusted_mttr_change: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ChartPoint {
    pub week_start: String,
    pub value: f64,
    pub n: u64,
    pub lcl: f64,
    pub ucl: f64,
    pub signal: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ControlChart {
    pub metric: String,
    pub centre: f64,
    pub points: Vec<ChartPoint>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PilotReport {
    pub pilot_start: String,
    pub pilot_end: String,
    pub censoring_cutoff: String,
    pub excluded_censored: u64,
    pub sla_source: String,
    pub pilot: Change,
    pub control: Option<Change>,
    /// Pilot change − control change (relative MTTR), with a bootstrap interval.
    pub difference_in_differences: Option<(f64, f64, f64)>,
    pub verdict: String,
    pub warnings: Vec<String>,
    pub charts: Vec<ControlChart>,
}

/// Resolution hours by the metrics' one definition ([`crate::metrics::resolution::incident_hours`]:
/// `resolved_at`, or `closed_at` for an incident closed without a resolution).
fn hours(i: &Incident) -> Option<f64> {
    crate::metrics::resolution::incident_hours(i, crate::metrics::EndEvent::Resolved)
}

fn arm(incs: &[&Incident], sla: &dyn Fn(&Incident) -> Option<bool>) -> (Arm, Vec<f64>) {
    let mut res: Vec<f64> = incs.iter().filter_map(|i| hours(i)).collect();
    res.sort_by(|a, b| a.total_cmp(b));
    let flags: Vec<bool> = incs.iter().filter_map(|i| sla(i)).collect();
    let a = Arm {
        incidents: incs.len() as u64,
        resolved: res.len() as u64,
        mttr_hours: mttr_hours(&res),
        median_hours: crate::sim::stats::quantile(&res, 0.5),
        sla_n: flags.len() as u64,
        sla_compliance: flags.iter().filter(|x| **x).count() as f64 / flags.len() as f64,
    };
    (a, res)
}

fn priority_counts(incs: &[&Incident]) -> BTreeMap<u8, u64> {
    let mut m = BTreeMap::new();
    for i in incs {
        *m.entry(i.priority.unwrap_or(0)).or_default() += 1;
    }
    m
}

/// Chi-square test of homogeneity of the priority mix of two periods.
fn mix_p(a: &BTreeMap<u8, u64>, b: &BTreeMap<u8, u64>) -> f64 {
    let keys: Vec<u8> = a
        .keys()
        .chain(b.keys())
        .copied()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    if keys.len() < 2 {
        return 1.0;
    }
    let (na, nb) = (
        a.values().sum::<u64>() as f64,
        b.values().sum::<u64>() as f64,
    );
    let n = na + nb;
    let mut chi = 0.0;
    for k in &keys {
        let (x, y) = (
            *a.get(k).unwrap_or(&0) as f64,
            *b.get(k).unwrap_or(&0) as f64,
        );
        let col = x + y;
        for (obs, row) in [(x, na), (y, nb)] {
            let exp = row * col / n;
            if exp > 0.0 {
                chi += (obs - exp).powi(2) / exp;
            }
        }
    }
    ChiSquared::new((keys.len() - 1) as f64)
        .map(|d| 1.0 - d.cdf(chi))
        .unwrap_or(f64::NAN)
}

fn change(
    before: &[&Incident],
    after: &[&Incident],
    sla: &dyn Fn(&Incident) -> Option<bool>,
    seed: u64,
    resamples: usize,
) -> (Change, Vec<f64>, Vec<f64>) {
    let (b, rb) = arm(before, sla);
    let (a, ra) = arm(after, sla);
    let ratio = |x: &[f64], y: &[f64]| mttr_hours(y) / mttr_hours(x) - 1.0;
    let (lo, hi) = if rb.is_empty() || ra.is_empty() {
        (f64::NAN, f64::NAN)
    } else {
        bootstrap_ci(&rb, &ra, resamples, seed, ratio)
    };
    let (_, p, r) = mann_whitney(&ra, &rb);
    let count = |v: &[&Incident]| {
        let f: Vec<bool> = v.iter().filter_map(|i| sla(i)).collect();
        (f.iter().filter(|x| **x).count() as u64, f.len() as u64)
    };
    let ((x1, n1), (x2, n2)) = (count(before), count(after));
    let (sd, sp) = two_proportions(x1, n1, x2, n2);
    let (pb, pa) = (priority_counts(before), priority_counts(after));
    let mp = mix_p(&pb, &pa);
    // Direct standardisation: both periods' per-priority means weighted by the before mix.
    let per_p = |v: &[&Incident]| {
        let mut m: BTreeMap<u8, (f64, u64)> = BTreeMap::new();
        for i in v {
            if let Some(h) = hours(i) {
                let e = m.entry(i.priority.unwrap_or(0)).or_default();
                e.0 += h;
                e.1 += 1;
            }
        }
        m
    };
    let (mb, ma) = (per_p(before), per_p(after));
    let (mut num, mut den) = (0.0, 0.0);
    for (p, w) in &pb {
        if let (Some(x), Some(y)) = (mb.get(p), ma.get(p)) {
            num += *w as f64 * y.0 / y.1 as f64;
            den += *w as f64 * x.0 / x.1 as f64;
        }
    }
    let adjusted = (mp < 0.01 && den > 0.0).then(|| num / den - 1.0);
    let c = Change {
        before: b,
        after: a,
        mttr_relative_change: ratio(&rb, &ra),
        mttr_ci_low: lo,
        mttr_ci_high: hi,
        mann_whitney_p: p,
        rank_biserial: r,
        sla_difference: sd,
        sla_p: sp,
        priority_mix_p: mp,
        mix_adjusted_mttr_change: adjusted,
    };
    (c, rb, ra)
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn p_text(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        format!("p = {p:.3}")
    }
}

/// The plain-language verdict from the numbers.
pub fn verdict(c: &Change) -> String {
    let m = c.mttr_relative_change;
    let sig = c.mttr_ci_high < 0.0 || c.mttr_ci_low > 0.0;
    let mttr = if !m.is_finite() {
        "MTTR cannot be compared (no resolved incidents in a period)".to_string()
    } else if sig {
        let (dir, a, lo, hi) = if m < 0.0 {
            ("fell", -m, -c.mttr_ci_high, -c.mttr_ci_low)
        } else {
            ("rose", m, c.mttr_ci_low, c.mttr_ci_high)
        };
        format!(
            "MTTR {dir} by {} (95% CI {}–{}), {}",
            pct(a),
            pct(lo),
            pct(hi),
            p_text(c.mann_whitney_p)
        )
    } else {
        format!(
            "no significant change in MTTR ({:+.0}%, 95% CI {:+.0}% to {:+.0}%, {})",
            m * 100.0,
            c.mttr_ci_low * 100.0,
            c.mttr_ci_high * 100.0,
            p_text(c.mann_whitney_p)
        )
    };
    let sla = if c.before.sla_n == 0 || c.after.sla_n == 0 {
        "SLA compliance not available".to_string()
    } else {
        let dir = if c.sla_p < 0.05 {
            if c.sla_difference > 0.0 {
                "rose"
            } else {
                "fell"
            }
        } else {
            "did not change significantly"
        };
        format!(
            "SLA compliance {dir} from {} to {} ({})",
            pct(c.before.sla_compliance),
            pct(c.after.sla_compliance),
            p_text(c.sla_p)
        )
    };
    format!("{mttr}; {sla}")
}

/// One ISO week's tally for the control charts: the resolution hours of the incidents opened in it
/// that are resolved, and of those with an SLA flag how many met it and how many were flagged.
#[derive(Default)]
struct WeekTally {
    resolution_hours: Vec<f64>,
    sla_met: u64,
    sla_flagged: u64,
}

/// The weekly tallies by ISO week of opening ([`crate::units::iso_week`]).
fn weekly_tallies(
    incs: &[&Incident],
    sla: &dyn Fn(&Incident) -> Option<bool>,
) -> BTreeMap<i64, WeekTally> {
    let mut weeks: BTreeMap<i64, WeekTally> = BTreeMap::new();
    for i in incs {
        let e = weeks.entry(iso_week(i.opened_at)).or_default();
        if let Some(h) = hours(i) {
            e.resolution_hours.push(h);
        }
        if let Some(s) = sla(i) {
            e.sla_flagged += 1;
            e.sla_met += u64::from(s);
        }
    }
    weeks
}

/// The date (YYYY-MM-DD) of the Monday that starts ISO week `w`.
fn week_label(w: i64) -> String {
    crate::metrics::recurrence::iso(iso_week_start(w))[..10].to_string()
}

/// The signals of a control chart: a point outside the limits (`outside`), or one of 8 or more
/// successive points on one side of the centre line (a point on the line breaks the run).
fn signals(values: &[f64], centre: f64, outside: &[bool]) -> Vec<bool> {
    let mut s = outside.to_vec();
    let mut run = 0i32;
    for (k, v) in values.iter().enumerate() {
        let side = if *v > centre {
            1
        } else if *v < centre {
            -1
        } else {
            0
        };
        run = if side != 0 && run.signum() == side {
            run + side
        } else {
            side
        };
        if run.abs() >= 8 {
            s[(k + 1 - 8)..=k].fill(true);
        }
    }
    s
}

/// The XmR chart of weekly mean MTTR: centre x̄ and limits x̄ ± 2.66·mR̄ (mR̄ the mean moving range)
/// from the weeks before `start_week`; `None` with fewer than 2 such weeks with resolved incidents.
fn xmr_chart(weeks: &BTreeMap<i64, WeekTally>, start_week: i64) -> Option<ControlChart> {
    let xs: Vec<(i64, f64, u64)> = weeks
        .iter()
        .filter(|(_, v)| !v.resolution_hours.is_empty())
        .map(|(w, v)| {
            let n = v.resolution_hours.len() as u64;
            (*w, mttr_hours(&v.resolution_hours), n)
        })
        .collect();
    let base: Vec<f64> = xs
        .iter()
        .filter(|x| x.0 < start_week)
        .map(|x| x.1)
        .collect();
    if base.len() < 2 {
        return None;
    }
    let centre = mean(&base);
    let mr = base.windows(2).map(|w| (w[1] - w[0]).abs()).sum::<f64>() / (base.len() - 1) as f64;
    let (lcl, ucl) = ((centre - 2.66 * mr).max(0.0), centre + 2.66 * mr);
    let values: Vec<f64> = xs.iter().map(|x| x.1).collect();
    let outside: Vec<bool> = values.iter().map(|v| *v < lcl || *v > ucl).collect();
    let sig = signals(&values, centre, &outside);
    Some(ControlChart {
        metric: "weekly mean MTTR (hours), XmR".into(),
        centre,
        points: xs
            .iter()
            .zip(sig)
            .map(|(x, s)| ChartPoint {
                week_start: week_label(x.0),
                value: x.1,
                n: x.2,
                lcl,
                ucl,
                signal: s,
            })
            .collect(),
    })
}

/// The p-chart of weekly SLA compliance: centre p̄ (met / flagged over the weeks before
/// `start_week`) and limits p̄ ± 3·√(p̄(1−p̄)/n) per week, clamped to [0, 1]; `None` when no week
/// before has a flagged incident.
fn p_chart(weeks: &BTreeMap<i64, WeekTally>, start_week: i64) -> Option<ControlChart> {
    let ps: Vec<(i64, u64, u64)> = weeks
        .iter()
        .filter(|(_, v)| v.sla_flagged > 0)
        .map(|(w, v)| (*w, v.sla_met, v.sla_flagged))
        .collect();
    let (bx, bn) = ps
        .iter()
        .filter(|x| x.0 < start_week)
        .fold((0u64, 0u64), |a, x| (a.0 + x.1, a.1 + x.2));
    if bn == 0 {
        return None;
    }
    let p = bx as f64 / bn as f64;
    let values: Vec<f64> = ps.iter().map(|x| x.1 as f64 / x.2 as f64).collect();
    let lims: Vec<(f64, f64)> = ps
        .iter()
        .map(|x| {
            let h = 3.0 * (p * (1.0 - p) / x.2 as f64).sqrt();
            ((p - h).max(0.0), (p + h).min(1.0))
        })
        .collect();
    let outside: Vec<bool> = values
        .iter()
        .zip(&lims)
        .map(|(v, l)| *v < l.0 || *v > l.1)
        .collect();
    let sig = signals(&values, p, &outside);
    Some(ControlChart {
        metric: "weekly SLA compliance, p-chart".into(),
        centre: p,
        points: ps
            .iter()
            .zip(values)
            .zip(lims)
            .zip(sig)
            .map(|(((x, v), l), s)| ChartPoint {
                week_start: week_label(x.0),
                value: v,
                n: x.2,
                lcl: l.0,
                ucl: l.1,
                signal: s,
            })
            .collect(),
    })
}

/// The control charts of the pilot group's incidents: the XmR chart of weekly MTTR and the p-chart
/// of weekly SLA compliance, limits from the weeks before `start`.
fn charts(
    incs: &[&Incident],
    start: UtcMillis,
    sla: &dyn Fn(&Incident) -> Option<bool>,
) -> Vec<ControlChart> {
    let weeks = weekly_tallies(incs, sla);
    let start_week = iso_week(start);
    [xmr_chart(&weeks, start_week), p_chart(&weeks, start_week)]
        .into_iter()
        .flatten()
        .collect()
}

/// The data's span: the earliest opening and the latest timestamp (opened, resolved or closed).
fn data_span(incs: &[Incident]) -> (UtcMillis, UtcMillis) {
    let first = incs.iter().map(|i| i.opened_at).min().unwrap_or(0);
    let last = incs
        .iter()
        .flat_map(|i| [Some(i.opened_at), i.resolved_at, i.closed_at])
        .flatten()
        .max()
        .unwrap_or(0);
    (first, last)
}

/// The end of the pilot period (`--pilot-end`, else just after the data's last timestamp), after
/// checking that `--pilot-start` lies inside the data and the end after it.
fn pilot_period_end(
    o: &PilotOptions,
    (first, last): (UtcMillis, UtcMillis),
) -> Result<UtcMillis, DecideError> {
    let iso = crate::metrics::recurrence::iso;
    if o.pilot_start <= first || o.pilot_start >= last {
        return Err(DecideError::usage(
            "--pilot-start",
            format!(
                " {} is outside the data ({} to {}): nothing before or after it to compare",
                iso(o.pilot_start),
                iso(first),
                iso(last)
            ),
        ));
    }
    let end = o.pilot_end.unwrap_or(last + 1);
    if end <= o.pilot_start {
        return Err(DecideError::usage(
            "--pilot-end",
            format!(
                " {} is not after --pilot-start {}",
                iso(end),
                iso(o.pilot_start)
            ),
        ));
    }
    Ok(end)
}

/// The censoring cut-off: incidents opened after it are left out of both periods (the rule of the
/// monthly trend's immature months, [`crate::metrics::trend::censoring_cutoff`], on the resolution
/// hours of the incidents opened before the pilot start).
fn pilot_censoring_cutoff(incs: &[Incident], o: &PilotOptions, last: UtcMillis) -> UtcMillis {
    let mut before_res: Vec<f64> = incs
        .iter()
        .filter(|i| i.opened_at < o.pilot_start)
        .filter_map(hours)
        .collect();
    before_res.sort_by(|a, b| a.total_cmp(b));
    crate::metrics::trend::censoring_cutoff(&before_res, last)
}

/// Whether an incident is in the pilot group (`--pilot-group`; every incident without one).
fn in_pilot_group(i: &Incident, group: Option<&Filter>) -> bool {
    match group {
        None => true,
        Some(f) => {
            let v = crate::metrics::field_text(i, &f.column);
            let hit = v
                .as_deref()
                .is_some_and(|v| f.values.iter().any(|x| x == v));
            hit != f.negate
        }
    }
}

/// One group's periods: the pilot group's (`group` true) or the control group's incidents opened
/// before the pilot start (from `baseline_start` if given) and in [pilot start, `end`), both up to
/// the censoring `cutoff`; with the count of the group's incidents left out by the cut-off.
struct Periods<'a> {
    before: Vec<&'a Incident>,
    after: Vec<&'a Incident>,
    excluded_censored: u64,
}

fn periods<'a>(
    incs: &'a [Incident],
    o: &PilotOptions,
    (end, cutoff): (UtcMillis, UtcMillis),
    group: bool,
) -> Periods<'a> {
    let mut p = Periods {
        before: Vec::new(),
        after: Vec::new(),
        excluded_censored: 0,
    };
    for i in incs {
        if in_pilot_group(i, o.pilot_group.as_ref()) != group {
            continue;
        }
        if i.opened_at > cutoff {
            p.excluded_censored += 1;
            continue;
        }
        if i.opened_at < o.pilot_start && o.baseline_start.is_none_or(|b| i.opened_at >= b) {
            p.before.push(i);
        } else if i.opened_at >= o.pilot_start && i.opened_at < end {
            p.after.push(i);
        }
    }
    p
}

/// The warnings about the pilot's own change: fewer than 30 resolved incidents in a period, or a
/// changed priority mix (chi-square p < 0.01).
fn pilot_warnings(pilot: &Change) -> Vec<String> {
    let mut warnings = Vec::new();
    for (name, a) in [("before", &pilot.before), ("after", &pilot.after)] {
        if a.resolved < 30 {
            warnings.push(format!("only {} resolved incidents {name} the pilot start: the interval is wide and the test weak", a.resolved));
        }
    }
    if pilot.priority_mix_p < 0.01 {
        warnings.push(format!(
            "the priority mix changed between the periods (chi-square {}); compare the mix-adjusted MTTR change ({})",
            p_text(pilot.priority_mix_p),
            pilot.mix_adjusted_mttr_change.map(|x| format!("{:+.0}%", x * 100.0)).unwrap_or_default()
        ));
    }
    warnings
}

/// The control group's change and the difference-in-differences of the relative MTTR changes
/// (pilot − control) with a bootstrap 95 % interval that resamples the four samples together.
/// `pilot_samples` are the pilot group's resolution hours before and after.
fn control_comparison(
    control: &Periods,
    pilot: &Change,
    pilot_samples: (&[f64], &[f64]),
    sla: &dyn Fn(&Incident) -> Option<bool>,
    o: &PilotOptions,
) -> Result<(Change, (f64, f64, f64)), DecideError> {
    if control.before.is_empty() || control.after.is_empty() {
        return Err(DecideError::EmptyGroup("the control group (incidents outside --pilot-group) is empty in one period: use a before/after comparison without --pilot-group".into()));
    }
    let (c, crb, cra) = change(
        &control.before,
        &control.after,
        sla,
        o.seed ^ 1,
        o.resamples,
    );
    let (rb, ra) = pilot_samples;
    let rel = |before: &[f64], after: &[f64]| mttr_hours(after) / mttr_hours(before) - 1.0;
    let stats =
        super::stats::bootstrap_stats(&[rb, ra, &crb, &cra], o.resamples, o.seed ^ 0xD1D, |r| {
            rel(&r[0], &r[1]) - rel(&r[2], &r[3])
        });
    let q = |p: f64| crate::sim::stats::quantile(&stats, p);
    let did = (
        pilot.mttr_relative_change - c.mttr_relative_change,
        q(0.025),
        q(0.975),
    );
    Ok((c, did))
}

/// The pilot's [`verdict`], with the control group's MTTR change and the difference-in-differences
/// when there is a control group.
fn pilot_verdict(pilot: &Change, control: Option<&(Change, (f64, f64, f64))>) -> String {
    let mut v = verdict(pilot);
    if let Some((c, (d, lo, hi))) = control {
        v.push_str(&format!(
            "; against the control group (MTTR {:+.0}%), the pilot's difference-in-differences is {:+.0} points (95% CI {:+.0} to {:+.0})",
            c.mttr_relative_change * 100.0,
            d * 100.0,
            lo * 100.0,
            hi * 100.0
        ));
    }
    v
}

/// Evaluates a pilot; errors say what is impossible about the request.
pub fn evaluate(
    incs: &[Incident],
    o: &PilotOptions,
    sla: &dyn Fn(&Incident) -> Option<bool>,
    sla_source: &str,
) -> Result<PilotReport, DecideError> {
    if incs.is_empty() {
        return Err(DecideError::Data("no incidents in the data".into()));
    }
    let span = data_span(incs);
    let end = pilot_period_end(o, span)?;
    let cutoff = pilot_censoring_cutoff(incs, o, span.1);
    let iso = crate::metrics::recurrence::iso;
    let group = periods(incs, o, (end, cutoff), true);
    if group.before.is_empty() || group.after.is_empty() {
        let which = if o.pilot_group.is_some() {
            "the pilot group"
        } else {
            "the data"
        };
        return Err(DecideError::EmptyGroup(format!("{which} has {} incidents before and {} after the pilot start (after the censoring cut-off {}): nothing to compare", group.before.len(), group.after.len(), iso(cutoff))));
    }
    let (pilot, rb, ra) = change(&group.before, &group.after, sla, o.seed, o.resamples);
    let warnings = pilot_warnings(&pilot);
    let control = match o.pilot_group {
        Some(_) => {
            let c = periods(incs, o, (end, cutoff), false);
            Some(control_comparison(&c, &pilot, (&rb, &ra), sla, o)?)
        }
        None => None,
    };
    let group_incs: Vec<&Incident> = incs
        .iter()
        .filter(|i| in_pilot_group(i, o.pilot_group.as_ref()) && i.opened_at <= cutoff)
        .collect();
    Ok(PilotReport {
        pilot_start: iso(o.pilot_start),
        pilot_end: iso(end),
        censoring_cutoff: iso(cutoff),
        excluded_censored: group.excluded_censored,
        sla_source: sla_source.into(),
        verdict: pilot_verdict(&pilot, control.as_ref()),
        pilot,
        difference_in_differences: control.as_ref().map(|(_, did)| *did),
        control: control.map(|(c, _)| c),
        warnings,
        charts: charts(&group_incs, o.pilot_start, sla),
    })
}

/// [`evaluate`] with the SLA flag computed from a policy (24×7 clock from the incident table, on-hold
/// hours subtracted for 24×7 targets), or the source's own `made_sla_reported` without one.
pub fn evaluate_with_policy(
    incs: &[Incident],
    o: &PilotOptions,
    policy: Option<&crate::metrics::sla::SlaPolicy>,
) -> Result<PilotReport, DecideError> {
    // The as-of `analyze` takes by default: the latest timestamp of any incident.
    let as_of = crate::metrics::incidents_last_timestamp(incs);
    match policy {
        Some(pol) => {
            // The metrics' SLA clock: the policy's stop rule (resolved_at, else closed_at), on-hold
            // time paused on 24x7 targets; met / (met + breached), pending left out.
            let flag = |i: &Incident| -> Option<bool> {
                let t = pol.targets.get(&i.priority?)?;
                crate::metrics::sla::incident_outcome(t, pol.stop, i, as_of).met
            };
            evaluate(
                incs,
                o,
                &flag,
                &format!("computed with policy '{}'", pol.name),
            )
        }
        None => evaluate(
            incs,
            o,
            &|i| i.made_sla_reported,
            "the source's made_sla flag",
        ),
    }
}
