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

/// Maximum-likelihood fits of the four families, best (lowest AIC) first. Values must be > 0.
pub fn fit_all(x: &[f64]) -> Vec<Fitted> {
    let n = x.len() as f64;
    if x.len() < 2 {
        return Vec::new();
    }
    let mean = x.iter().sum::<f64>() / n;
    let logs: Vec<f64> = x.iter().map(|v| v.ln()).collect();
    let mlog = logs.iter().sum::<f64>() / n;
    let sum_log = mlog * n;
    let mut out = Vec::new();
    // Exponential.
    let ll = -n * mean.ln() - n;
    out.push(Fitted {
        dist: "exponential",
        params: (mean, 0.0),
        log_likelihood: ll,
        aic: 2.0 - 2.0 * ll,
        values: vec![],
    });
    // Lognormal.
    let s2 = logs.iter().map(|l| (l - mlog).powi(2)).sum::<f64>() / n;
    if s2 > 0.0 {
        let s = s2.sqrt();
        let ll = -sum_log - n * s.ln() - 0.5 * n * (2.0 * std::f64::consts::PI).ln() - 0.5 * n;
        let m = (mlog + s2 / 2.0).exp();
        out.push(Fitted {
            dist: "lognormal",
            params: (m, m * (s2.exp() - 1.0).sqrt()),
            log_likelihood: ll,
            aic: 4.0 - 2.0 * ll,
            values: vec![],
        });
    }
    // Gamma: Minka's start, then Newton on ln k − ψ(k) = ln x̄ − mean ln x.
    let sg = mean.ln() - mlog;
    if sg > 0.0 {
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
        let ll = (k - 1.0) * sum_log - n * mean / theta - n * ln_gamma(k) - n * k * theta.ln();
        out.push(Fitted {
            dist: "gamma",
            params: (k, mean),
            log_likelihood: ll,
            aic: 4.0 - 2.0 * ll,
            values: vec![],
        });
    }
    // Weibull: bisection on Σx^k ln x / Σx^k − 1/k − mean ln x = 0 (x scaled by the mean for stability).
    let xs: Vec<f64> = x.iter().map(|v| v / mean).collect();
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
    if g(lo) < 0.0 && g(hi) > 0.0 {
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
        let ll = n * k.ln() - n * k * lam.ln() + (k - 1.0) * sum_log
            - x.iter().map(|v| (v / lam).powf(k)).sum::<f64>();
        out.push(Fitted {
            dist: "weibull",
            params: (k, lam),
            log_likelihood: ll,
            aic: 4.0 - 2.0 * ll,
            values: vec![],
        });
    }
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

// Over 80 lines: the single-tier fit reads, filters and fits every priority in one pass; it is
// the fallback for stores without events (desk discovery is `decide::desk`).
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
    // The active period: the 1st to 99th percentile of opening times, so a few stray old incidents
    // do not dilute the arrival rate.
    let mut opened: Vec<i64> = incs.iter().map(|i| i.opened_at).collect();
    opened.sort_unstable();
    let pick = |q: f64| opened[((opened.len() - 1) as f64 * q).round() as usize];
    let (first, last) = (pick(0.01), pick(0.99));
    let active: Vec<&Incident> = incs
        .iter()
        .filter(|i| i.opened_at >= first && i.opened_at <= last)
        .collect();
    let span_hours = crate::units::ms_to_hours(last - first).max(1.0);
    let mut notes = Vec::new();
    if pick(0.0) < first || pick(1.0) > last {
        notes.push(format!(
            "arrival rate and profile from the central 98 % of opening times ({} to {})",
            crate::metrics::recurrence::iso(first),
            crate::metrics::recurrence::iso(last)
        ));
    }
    // Arrivals by local hour of week.
    let mut counts = [[0u64; 24]; 7];
    for i in &active {
        if let Some(t) = tz.timestamp_millis_opt(i.opened_at).single() {
            counts[t.weekday().num_days_from_monday() as usize][t.hour() as usize] += 1;
        }
    }
    let rate = active.len() as f64 / span_hours;
    let weeks = span_hours / 168.0;
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
    let weekday_profile = profile(0..5);
    let weekend_profile = profile(5..7);
    // Weekly trend: least squares slope of weekly counts.
    let nweeks = (span_hours / 168.0).floor().max(1.0) as usize;
    let mut wk = vec![0f64; nweeks];
    for i in &active {
        let k = (crate::units::ms_to_hours(i.opened_at - first) / 168.0) as usize;
        if k < nweeks {
            wk[k] += 1.0;
        }
    }
    let trend = if nweeks >= 3 {
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
    } else {
        0.0
    };
    // Priorities and work times.
    let mut by_p: BTreeMap<u8, Vec<f64>> = BTreeMap::new();
    let mut counts_p: BTreeMap<u8, u64> = BTreeMap::new();
    let mut no_priority = 0;
    for i in incs {
        let Some(p) = i.priority else {
            no_priority += 1;
            continue;
        };
        *counts_p.entry(p).or_default() += 1;
        // Resolution hours by the metrics' one definition (resolved, else closed without one).
        if let Some(h) =
            crate::metrics::resolution::incident_hours(i, crate::metrics::EndEvent::Resolved)
        {
            by_p.entry(p).or_default().push(h.max(1.0 / 60.0));
        }
    }
    if no_priority > 0 {
        notes.push(format!(
            "{no_priority} incidents without a priority are left out of the mix and work times"
        ));
    }
    let total: u64 = counts_p.values().sum();
    if total == 0 {
        return Err("no incident has a priority: the priority mix cannot be fitted".into());
    }
    let mut priorities = Vec::new();
    let mut mix = Vec::new();
    let mut work = Vec::new();
    for (p, n) in &counts_p {
        let sample = by_p.get(p).cloned().unwrap_or_default();
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
    let mean_work: f64 = work.iter().zip(&mix).map(|(f, w)| w * mean_of(&f[0])).sum();
    let load = rate * mean_work;
    let staff = staff.unwrap_or(((load / target_utilisation).ceil() as u32).max(1));
    let reopen_known: Vec<&Incident> = incs.iter().filter(|i| i.reopen_count.is_some()).collect();
    let reopen_probability = if reopen_known.is_empty() {
        0.0
    } else {
        reopen_known
            .iter()
            .filter(|i| i.reopen_count.unwrap_or(0) > 0)
            .count() as f64
            / reopen_known.len() as f64
    };
    let esc: Vec<&Incident> = incs
        .iter()
        .filter(|i| i.escalation_count.is_some())
        .collect();
    let escalated_share = (!esc.is_empty()).then(|| {
        esc.iter()
            .filter(|i| i.escalation_count.unwrap_or(0) > 0)
            .count() as f64
            / esc.len() as f64
    });
    let sla_hours = match policy {
        None => None,
        Some(pol) => {
            let mut v = Vec::new();
            for p in counts_p.keys() {
                let t = pol.targets.get(p).ok_or_else(|| {
                    format!("the SLA policy has no target for priority {p}, present in the data")
                })?;
                if t.calendar != crate::metrics::calendar::Calendar::AllHours {
                    notes.push(format!("priority {p}: the policy's business-hours target ({} h) is used as 24x7 hours in the simulation", t.resolution_hours));
                }
                v.push(t.resolution_hours);
            }
            Some(v)
        }
    };
    notes.push("work time = the whole resolution time: the source does not separate hands-on work from queueing and waiting for the user".into());
    Ok(Fit {
        name: name.into(),
        incidents: incs.len() as u64,
        no_priority,
        span_hours,
        rate_per_hour: rate,
        weekday_profile,
        weekend_profile,
        trend_per_30_days: trend,
        priorities,
        mix,
        work,
        staff,
        utilisation: load / f64::from(staff),
        reopen_probability,
        escalated_share,
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
