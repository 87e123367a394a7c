//! Calibrating a scenario from imported data (`fit`), and the data side of face validation.
//!
//! What is fitted, exactly:
//! - arrivals: the mean rate per hour over the data's span, and 24 hourly multipliers for weekdays
//!   and for weekends (hour of `opened_at` in the given time zone); the weekly trend is reported;
//! - the priority mix (incidents without a priority are left out and counted);
//! - per priority, a work-time distribution chosen among exponential, lognormal, gamma and Weibull by
//!   AIC (maximum-likelihood fits, all four reported), or the sample's quantiles when the best family
//!   misses the sample mean by more than 5 % (heavy tails). **Assumption**: an incident table does
//!   not separate hands-on work from queueing or waiting for the user, so the work time is taken as
//!   the whole resolution time (at least one minute); staff is then set so that the desk's utilisation is 60 %
//!   (or as given), which keeps simulated queueing small: the fitted desk reproduces today's
//!   resolution times and predicts what happens when staffing or demand changes beyond them;
//! - the reopen probability (share with `reopen_count` > 0);
//! - SLA targets from a policy file's 24×7 targets (business-hours targets are copied as hours and
//!   flagged, since the simulation clock runs 24×7).

use std::collections::BTreeMap;

use chrono::{Datelike, TimeZone, Timelike};
use chrono_tz::Tz;
use serde::Serialize;
use statrs::function::gamma::{digamma, ln_gamma};

use crate::metrics::sla::SlaPolicy;
use crate::schema::Incident;

/// A fitted distribution with its log-likelihood and AIC.
#[derive(Debug, Clone, Serialize)]
pub struct Fitted {
    pub dist: &'static str,
    /// exponential: mean; lognormal: mean, sd; gamma: shape, mean; weibull: shape, scale (hours).
    pub params: (f64, f64),
    pub log_likelihood: f64,
    pub aic: f64,
    /// For `empirical`: the quantiles drawn from.
    #[serde(skip)]
    pub values: Vec<f64>,
}

impl Fitted {
    pub fn toml(&self) -> String {
        let (a, b) = self.params;
        match self.dist {
            "empirical" => format!(
                "{{ dist = \"empirical\", hours = [{}] }}",
                self.values
                    .iter()
                    .map(|v| format!("{v:.4}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            "exponential" => format!("{{ dist = \"exponential\", mean_hours = {a:.4} }}"),
            "lognormal" => {
                format!("{{ dist = \"lognormal\", mean_hours = {a:.4}, sd_hours = {b:.4} }}")
            }
            "gamma" => format!("{{ dist = \"gamma\", shape = {a:.4}, mean_hours = {b:.4} }}"),
            _ => format!("{{ dist = \"weibull\", shape = {a:.4}, scale_hours = {b:.4} }}"),
        }
    }
}

impl Fitted {
    /// A maximum-likelihood fit with `k` parameters: AIC = 2k − 2 ln L.
    fn ml(dist: &'static str, params: (f64, f64), log_likelihood: f64, k: u8) -> Fitted {
        Fitted {
            dist,
            params,
            log_likelihood,
            aic: 2.0 * f64::from(k) - 2.0 * log_likelihood,
            values: vec![],
        }
    }
}

/// The sufficient statistics of a positive sample the four fits use: its size, mean, the logs of
/// its values and their mean.
struct Sample<'a> {
    x: &'a [f64],
    n: f64,
    mean: f64,
    logs: Vec<f64>,
    mean_log: f64,
}

/// Exponential: the mean is the maximum-likelihood estimate; ln L = −n ln x̄ − n.
fn exponential_fit(s: &Sample) -> Fitted {
    let ll = -s.n * s.mean.ln() - s.n;
    Fitted::ml("exponential", (s.mean, 0.0), ll, 1)
}

/// Lognormal: μ and σ² the mean and (biased) variance of ln x; reported as the distribution's
/// mean and standard deviation. `None` when every value is the same.
fn lognormal_fit(s: &Sample) -> Option<Fitted> {
    let (n, mlog) = (s.n, s.mean_log);
    let s2 = s.logs.iter().map(|l| (l - mlog).powi(2)).sum::<f64>() / n;
    if s2 <= 0.0 {
        return None;
    }
    let sd = s2.sqrt();
    let ll = -mlog * n - n * sd.ln() - 0.5 * n * (2.0 * std::f64::consts::PI).ln() - 0.5 * n;
    let m = (mlog + s2 / 2.0).exp();
    Some(Fitted::ml(
        "lognormal",
        (m, m * (s2.exp() - 1.0).sqrt()),
        ll,
        2,
    ))
}

/// Gamma: Minka's start, then Newton on ln k − ψ(k) = ln x̄ − mean ln x; reported as (shape, mean).
/// `None` when every value is the same.
fn gamma_fit(s: &Sample) -> Option<Fitted> {
    let (n, mean) = (s.n, s.mean);
    let sg = mean.ln() - s.mean_log;
    if sg <= 0.0 {
        return None;
    }
    let mut k = (3.0 - sg + ((sg - 3.0).powi(2) + 24.0 * sg).sqrt()) / (12.0 * sg);
    for _ in 0..50 {
        let f = k.ln() - digamma(k) - sg;
        let h = 1e-6 * k;
        let df = ((k + h).ln() - digamma(k + h) - (k.ln() - digamma(k))) / h;
        let step = f / df;
        k = (k - step).max(k / 10.0);
        if step.abs() < 1e-10 * k {
            break;
        }
    }
    let theta = mean / k;
    let sum_log = s.mean_log * n;
    let ll = (k - 1.0) * sum_log - n * mean / theta - n * ln_gamma(k) - n * k * theta.ln();
    Some(Fitted::ml("gamma", (k, mean), ll, 2))
}

/// Weibull: bisection on Σx^k ln x / Σx^k − 1/k − mean ln x = 0 (x scaled by the mean for
/// stability), then the scale λ = (Σx^k / n)^(1/k). `None` when the root is not bracketed in
/// [0.02, 50].
fn weibull_fit(s: &Sample) -> Option<Fitted> {
    let (x, n) = (s.x, s.n);
    let xs: Vec<f64> = x.iter().map(|v| v / s.mean).collect();
    let lxs: Vec<f64> = xs.iter().map(|v| v.ln()).collect();
    let mls = lxs.iter().sum::<f64>() / n;
    let g = |k: f64| {
        let (mut a, mut b) = (0.0, 0.0);
        for (v, l) in xs.iter().zip(&lxs) {
            let p = v.powf(k);
            a += p * l;
            b += p;
        }
        a / b - 1.0 / k - mls
    };
    let (mut lo, mut hi) = (0.02, 50.0);
    if !(g(lo) < 0.0 && g(hi) > 0.0) {
        return None;
    }
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if g(mid) < 0.0 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    let k = 0.5 * (lo + hi);
    let lam = (x.iter().map(|v| v.powf(k)).sum::<f64>() / n).powf(1.0 / k);
    let sum_log = s.mean_log * n;
    let ll = n * k.ln() - n * k * lam.ln() + (k - 1.0) * sum_log
        - x.iter().map(|v| (v / lam).powf(k)).sum::<f64>();
    Some(Fitted::ml("weibull", (k, lam), ll, 2))
}

/// Maximum-likelihood fits of the four families, best (lowest AIC) first. Values must be > 0.
pub fn fit_all(x: &[f64]) -> Vec<Fitted> {
    let n = x.len() as f64;
    if x.len() < 2 {
        return Vec::new();
    }
    let logs: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let s = Sample {
        x,
        n,
        mean: x.iter().sum::<f64>() / n,
        mean_log: logs.iter().sum::<f64>() / n,
        logs,
    };
    let mut out = vec![exponential_fit(&s)];
    out.extend(lognormal_fit(&s));
    out.extend(gamma_fit(&s));
    out.extend(weibull_fit(&s));
    out.retain(|f| f.aic.is_finite());
    out.sort_by(|a, b| a.aic.total_cmp(&b.aic));
    out
}

/// The fits of [`fit_all`], best first, with the empirical fallback: when the best family's mean
/// misses the sample mean by more than 5 % (heavy tails), an `empirical` entry drawing from up to
/// 500 sample quantiles comes first, and the note says so. Empty for fewer than 2 values.
pub fn best_fit(sample: &[f64]) -> (Vec<Fitted>, Option<String>) {
    let mut fits = fit_all(sample);
    if fits.is_empty() {
        return (fits, None);
    }
    let sample_mean = sample.iter().sum::<f64>() / sample.len() as f64;
    let best_mean = mean_of(&fits[0]);
    if (best_mean - sample_mean).abs() <= 0.05 * sample_mean {
        return (fits, None);
    }
    let mut sorted = sample.to_vec();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let k = sorted.len().min(500);
    let values: Vec<f64> = (0..k)
        .map(|j| crate::sim::stats::quantile(&sorted, (j as f64 + 0.5) / k as f64))
        .collect();
    let note = format!(
        "the best fit ({}) has mean {best_mean:.2} h against the sample's {sample_mean:.2} h, so work times are drawn from {k} sample quantiles",
        fits[0].dist
    );
    fits.insert(
        0,
        Fitted {
            dist: "empirical",
            params: (sample_mean, 0.0),
            log_likelihood: f64::NAN,
            aic: f64::NAN,
            values,
        },
    );
    (fits, Some(note))
}

impl Fitted {
    /// The fitted distribution as a scenario/desk service-time specification.
    pub fn service_spec(&self) -> crate::sim::model::ServiceSpec {
        use crate::sim::model::ServiceSpec;
        let (a, b) = self.params;
        match self.dist {
            "empirical" => ServiceSpec::Empirical {
                hours: self.values.clone(),
            },
            "exponential" => ServiceSpec::Exponential { mean_hours: a },
            "lognormal" => ServiceSpec::Lognormal {
                mean_hours: a,
                sd_hours: b,
            },
            "gamma" => ServiceSpec::Gamma {
                shape: a,
                mean_hours: b,
            },
            _ => ServiceSpec::Weibull {
                shape: a,
                scale_hours: b,
            },
        }
    }

    /// The distribution's mean, in hours.
    pub fn mean_hours(&self) -> f64 {
        mean_of(self)
    }
}

/// What `fit` found, written as a commented scenario.
#[derive(Debug, Clone, Serialize)]
pub struct Fit {
    pub name: String,
    pub incidents: u64,
    pub no_priority: u64,
    pub span_hours: f64,
    pub rate_per_hour: f64,
    pub weekday_profile: Vec<f64>,
    pub weekend_profile: Vec<f64>,
    pub trend_per_30_days: f64,
    pub priorities: Vec<String>,
    pub mix: Vec<f64>,
    pub work: Vec<Vec<Fitted>>,
    pub staff: u32,
    pub utilisation: f64,
    pub reopen_probability: f64,
    pub escalated_share: Option<f64>,
    pub sla_hours: Option<Vec<f64>>,
    pub notes: Vec<String>,
}

/// The label of a priority number in fitted scenarios.
pub fn label(p: u8) -> String {
    crate::schema::priority_label(p)
}

/// The active period of the arrivals: the 1st to 99th percentile of opening times, so a few stray
/// old incidents do not dilute the arrival rate; with the incidents opened in it.
struct ActivePeriod<'a> {
    first: i64,
    last: i64,
    /// `last − first` in hours, at least 1.
    span_hours: f64,
    incidents: Vec<&'a Incident>,
    /// Whether some openings fall outside the period.
    trimmed: bool,
}

fn active_period(incs: &[Incident]) -> ActivePeriod<'_> {
    let mut opened: Vec<i64> = incs.iter().map(|i| i.opened_at).collect();
    opened.sort_unstable();
    let pick = |q: f64| opened[((opened.len() - 1) as f64 * q).round() as usize];
    let (first, last) = (pick(0.01), pick(0.99));
    ActivePeriod {
        first,
        last,
        span_hours: crate::units::ms_to_hours(last - first).max(1.0),
        incidents: incs
            .iter()
            .filter(|i| i.opened_at >= first && i.opened_at <= last)
            .collect(),
        trimmed: pick(0.0) < first || pick(1.0) > last,
    }
}

/// The arrival-rate multipliers per local hour of day (`tz`), for weekdays and for weekends: each
/// hour's mean count per week over the active period, divided by the mean rate per hour.
fn arrival_profiles(a: &ActivePeriod, tz: Tz, rate: f64) -> (Vec<f64>, Vec<f64>) {
    let mut counts = [[0u64; 24]; 7];
    for i in &a.incidents {
        if let Some(t) = tz.timestamp_millis_opt(i.opened_at).single() {
            counts[t.weekday().num_days_from_monday() as usize][t.hour() as usize] += 1;
        }
    }
    let weeks = a.span_hours / 168.0;
    let profile = |days: std::ops::Range<usize>| -> Vec<f64> {
        let nd = days.len() as f64;
        (0..24)
            .map(|h| {
                days.clone().map(|d| counts[d][h] as f64).sum::<f64>()
                    / nd
                    / weeks.max(1.0 / 7.0)
                    / rate
            })
            .collect()
    };
    (profile(0..5), profile(5..7))
}

/// The weekly trend of arrivals: the least-squares slope of the weekly counts over the active
/// period, relative to the mean weekly count, per 30 days; 0 with fewer than 3 whole weeks.
fn weekly_trend(a: &ActivePeriod) -> f64 {
    let nweeks = (a.span_hours / 168.0).floor().max(1.0) as usize;
    let mut wk = vec![0f64; nweeks];
    for i in &a.incidents {
        let k = (crate::units::ms_to_hours(i.opened_at - a.first) / 168.0) as usize;
        if k < nweeks {
            wk[k] += 1.0;
        }
    }
    if nweeks < 3 {
        return 0.0;
    }
    let xm = (nweeks as f64 - 1.0) / 2.0;
    let ym = wk.iter().sum::<f64>() / nweeks as f64;
    let num: f64 = wk
        .iter()
        .enumerate()
        .map(|(k, y)| (k as f64 - xm) * (y - ym))
        .sum();
    let den: f64 = (0..nweeks).map(|k| (k as f64 - xm).powi(2)).sum();
    if ym > 0.0 {
        num / den / ym * (30.0 / 7.0)
    } else {
        0.0
    }
}

/// Per priority: how many incidents have it, and the resolution hours (the metrics' one definition,
/// at least one minute) of those resolved; with the count of incidents without a priority.
struct PrioritySamples {
    counts: BTreeMap<u8, u64>,
    resolution_hours: BTreeMap<u8, Vec<f64>>,
    no_priority: u64,
}

fn priority_samples(incs: &[Incident]) -> PrioritySamples {
    let mut s = PrioritySamples {
        counts: BTreeMap::new(),
        resolution_hours: BTreeMap::new(),
        no_priority: 0,
    };
    for i in incs {
        let Some(p) = i.priority else {
            s.no_priority += 1;
            continue;
        };
        *s.counts.entry(p).or_default() += 1;
        if let Some(h) =
            crate::metrics::resolution::incident_hours(i, crate::metrics::EndEvent::Resolved)
        {
            s.resolution_hours
                .entry(p)
                .or_default()
                .push(h.max(1.0 / 60.0));
        }
    }
    s
}

/// The priority labels in priority order, each one's share of the incidents with a priority, and
/// its work-time fits, best first.
struct WorkFits {
    priorities: Vec<String>,
    mix: Vec<f64>,
    work: Vec<Vec<Fitted>>,
}

/// The priority mix and each priority's work-time fits ([`best_fit`]), in priority order; the
/// fits' notes go to `notes`.
fn work_by_priority(s: &PrioritySamples, notes: &mut Vec<String>) -> Result<WorkFits, String> {
    let total: u64 = s.counts.values().sum();
    if total == 0 {
        return Err("no incident has a priority: the priority mix cannot be fitted".into());
    }
    let (mut priorities, mut mix, mut work) = (Vec::new(), Vec::new(), Vec::new());
    for (p, n) in &s.counts {
        let sample = s.resolution_hours.get(p).cloned().unwrap_or_default();
        let (fits, note) = best_fit(&sample);
        if fits.is_empty() {
            return Err(format!(
                "priority {p} has {} resolved incidents: too few to fit a work-time distribution",
                sample.len()
            ));
        }
        if let Some(n) = note {
            notes.push(format!("{}: {n}", label(*p)));
        }
        priorities.push(label(*p));
        mix.push(*n as f64 / total as f64);
        work.push(fits);
    }
    Ok(WorkFits {
        priorities,
        mix,
        work,
    })
}

/// The share of incidents with `count(i)` > 0 among those where the count is known; `None` when
/// no incident knows it.
fn share_positive(incs: &[Incident], count: impl Fn(&Incident) -> Option<u32>) -> Option<f64> {
    let known: Vec<u32> = incs.iter().filter_map(count).collect();
    (!known.is_empty())
        .then(|| known.iter().filter(|c| **c > 0).count() as f64 / known.len() as f64)
}

/// The resolution target of each priority in the data from the SLA policy (24×7 hours; a
/// business-hours target is used as 24×7 hours, noted); `None` without a policy.
fn sla_targets(
    policy: Option<&SlaPolicy>,
    priorities: impl Iterator<Item = u8>,
    notes: &mut Vec<String>,
) -> Result<Option<Vec<f64>>, String> {
    let Some(pol) = policy else {
        return Ok(None);
    };
    let mut v = Vec::new();
    for p in priorities {
        let t = pol.targets.get(&p).ok_or_else(|| {
            format!("the SLA policy has no target for priority {p}, present in the data")
        })?;
        if t.calendar != crate::metrics::calendar::Calendar::AllHours {
            notes.push(format!("priority {p}: the policy's business-hours target ({} h) is used as 24x7 hours in the simulation", t.resolution_hours));
        }
        v.push(t.resolution_hours);
    }
    Ok(Some(v))
}

/// The single-tier scenario fitted from the incident table (the module doc states what is fitted);
/// the fallback for stores without events (desk discovery is `decide::desk`). Staff is `staff`, or
/// the least that keeps utilisation at most `target_utilisation`.
pub fn fit(
    incs: &[Incident],
    name: &str,
    tz: Tz,
    staff: Option<u32>,
    target_utilisation: f64,
    policy: Option<&SlaPolicy>,
) -> Result<Fit, String> {
    if incs.len() < 20 {
        return Err(format!(
            "{} incidents are too few to fit a scenario (need at least 20)",
            incs.len()
        ));
    }
    let active = active_period(incs);
    let mut notes = Vec::new();
    if active.trimmed {
        notes.push(format!(
            "arrival rate and profile from the central 98 % of opening times ({} to {})",
            crate::metrics::recurrence::iso(active.first),
            crate::metrics::recurrence::iso(active.last)
        ));
    }
    let rate = active.incidents.len() as f64 / active.span_hours;
    let (weekday_profile, weekend_profile) = arrival_profiles(&active, tz, rate);
    let samples = priority_samples(incs);
    let no_priority = samples.no_priority;
    if no_priority > 0 {
        notes.push(format!(
            "{no_priority} incidents without a priority are left out of the mix and work times"
        ));
    }
    let WorkFits {
        priorities,
        mix,
        work,
    } = work_by_priority(&samples, &mut notes)?;
    let mean_work: f64 = work.iter().zip(&mix).map(|(f, w)| w * mean_of(&f[0])).sum();
    let load = rate * mean_work;
    let staff = staff.unwrap_or(((load / target_utilisation).ceil() as u32).max(1));
    let sla_hours = sla_targets(policy, samples.counts.keys().copied(), &mut notes)?;
    notes.push("work time = the whole resolution time: the source does not separate hands-on work from queueing and waiting for the user".into());
    Ok(Fit {
        name: name.into(),
        incidents: incs.len() as u64,
        no_priority,
        span_hours: active.span_hours,
        rate_per_hour: rate,
        weekday_profile,
        weekend_profile,
        trend_per_30_days: weekly_trend(&active),
        priorities,
        mix,
        work,
        staff,
        utilisation: load / f64::from(staff),
        reopen_probability: share_positive(incs, |i| i.reopen_count).unwrap_or(0.0),
        escalated_share: share_positive(incs, |i| i.escalation_count),
        sla_hours,
        notes,
    })
}

fn mean_of(f: &Fitted) -> f64 {
    match f.dist {
        "exponential" | "lognormal" | "empirical" => f.params.0,
        "gamma" => f.params.1,
        _ => f.params.1 * statrs::function::gamma::gamma(1.0 + 1.0 / f.params.0),
    }
}

fn list(v: &[f64], digits: usize) -> String {
    v.iter()
        .map(|x| format!("{x:.digits$}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Shares rounded to `digits` decimals so that the written values still sum to 1 (the scenario
/// check allows 1e-6): the rounding error goes to the largest share.
fn shares_summing_to_one(v: &[f64], digits: i32) -> Vec<f64> {
    let scale = 10f64.powi(digits);
    let mut r: Vec<f64> = v.iter().map(|x| (x * scale).round()).collect();
    let total: f64 = r.iter().sum();
    if let Some(k) = (0..r.len()).max_by(|&a, &b| r[a].total_cmp(&r[b])) {
        r[k] += scale - total;
    }
    r.iter().map(|x| x / scale).collect()
}

/// The fitted scenario as a commented TOML file.
pub fn scenario_toml(f: &Fit) -> String {
    let mut o = format!(
        "# Scenario fitted by `incidentlab fit` from {} incidents over {:.0} days.\n",
        f.incidents,
        f.span_hours / 24.0
    );
    for n in &f.notes {
        o.push_str(&format!("# Note: {n}.\n"));
    }
    o.push_str(&format!("# Weekly trend of arrivals: {:+.1} % per 30 days (not simulated; adjust rate_per_hour to project it).\n", f.trend_per_30_days * 100.0));
    if let Some(e) = f.escalated_share {
        o.push_str(&format!("# {:.1} % of incidents were escalated to a higher support level in the data (one tier here).\n", e * 100.0));
    }
    o.push_str(&format!(
        "name = \"{}\"\nhorizon_hours = {:.0}\nwarmup_hours = 168\nreplications = 100\nseed = 1\npolicy = \"priority\"\npriorities = [{}]\n\n",
        f.name.replace('"', "'"),
        (f.span_hours + 168.0).max(336.0),
        f.priorities.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ")
    ));
    o.push_str("[arrivals]\n# Mean arrivals per hour over the data's span, and the share of each priority.\n");
    o.push_str(&format!(
        "rate_per_hour = {:.5}\npriority_mix = [{}]\n",
        f.rate_per_hour,
        list(&shares_summing_to_one(&f.mix, 5), 5)
    ));
    o.push_str("# Rate multipliers per hour of day (00-23), from the data.\n");
    o.push_str(&format!(
        "weekday_profile = [{}]\nweekend_profile = [{}]\n\n",
        list(&f.weekday_profile, 3),
        list(&f.weekend_profile, 3)
    ));
    o.push_str(&format!(
        "[[tiers]]\nname = \"desk\"\n# {} agents keep utilisation at {:.0} % (set with fit --staff, or edit).\nstaff = {}\n",
        f.staff,
        f.utilisation * 100.0,
        f.staff
    ));
    o.push_str(
        "# Work time per priority, chosen by AIC among exponential, lognormal, gamma, Weibull:\n",
    );
    for (p, fits) in f.priorities.iter().zip(&f.work) {
        let alts: Vec<String> = fits
            .iter()
            .map(|x| format!("{} AIC {:.1}", x.dist, x.aic))
            .collect();
        o.push_str(&format!("#   {p}: {}\n", alts.join(", ")));
    }
    o.push_str("service_by_priority = [\n");
    for fits in &f.work {
        o.push_str(&format!("  {},\n", fits[0].toml()));
    }
    o.push_str("]\n\n");
    if let Some(s) = &f.sla_hours {
        o.push_str(&format!("[sla]\nresolution_hours = [{}]\n\n", list(s, 2)));
    }
    o.push_str(&format!("[reopen]\n# Share of incidents reopened in the data.\nprobability = {:.4}\nafter_hours = 24\n", f.reopen_probability));
    o
}

#[cfg(test)]
mod tests {
    #[test]
    fn written_shares_sum_to_one() {
        // Three equal shares print as 0.33333 each (sum 0.99999) without the correction.
        let r = super::shares_summing_to_one(&[1.0 / 3.0; 3], 5);
        let written: f64 = r
            .iter()
            .map(|x| format!("{x:.5}").parse::<f64>().unwrap())
            .sum();
        assert!((written - 1.0).abs() < 1e-9, "{r:?}");
        let up = r.iter().filter(|x| format!("{x:.5}") == "0.33334").count();
        assert_eq!(up, 1, "{r:?}");
    }

    use super::*;
    use rand::distr::Distribution;

    #[test]
    fn recovers_known_parameters() {
        let mut rng = crate::random::stream(3, &["fit"], &[]);
        let ln = statrs::distribution::LogNormal::new(1.0, 0.5).unwrap();
        let x: Vec<f64> = (0..20_000).map(|_| ln.sample(&mut rng)).collect();
        let f = fit_all(&x);
        assert_eq!(f[0].dist, "lognormal");
        let mean = (1.0f64 + 0.125).exp();
        assert!((f[0].params.0 - mean).abs() / mean < 0.02, "{:?}", f[0]);
        let g = statrs::distribution::Gamma::new(2.5, 1.0 / 3.0).unwrap(); // shape 2.5, scale 3
        let x: Vec<f64> = (0..20_000).map(|_| g.sample(&mut rng)).collect();
        let f = fit_all(&x);
        let gamma = f.iter().find(|v| v.dist == "gamma").unwrap();
        assert!(
            (gamma.params.0 - 2.5).abs() < 0.1 && (gamma.params.1 - 7.5).abs() < 0.2,
            "{gamma:?}"
        );
        assert_eq!(
            f[0].dist,
            "gamma",
            "{:?}",
            f.iter().map(|v| (v.dist, v.aic)).collect::<Vec<_>>()
        );
        let w = statrs::distribution::Weibull::new(1.7, 4.0).unwrap();
        let x: Vec<f64> = (0..20_000).map(|_| w.sample(&mut rng)).collect();
        let f = fit_all(&x);
        let wb = f.iter().find(|v| v.dist == "weibull").unwrap();
        assert!(
            (wb.params.0 - 1.7).abs() < 0.05 && (wb.params.1 - 4.0).abs() < 0.1,
            "{wb:?}"
        );
        let e = statrs::distribution::Exp::new(0.5).unwrap();
        let x: Vec<f64> = (0..20_000).map(|_| e.sample(&mut rng)).collect();
        let f = fit_all(&x);
        let ex = f.iter().find(|v| v.dist == "exponential").unwrap();
        assert!((ex.params.0 - 2.0).abs() < 0.06);
    }
}
