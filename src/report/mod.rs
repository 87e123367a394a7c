//! Reports for managers: one self-contained `index.html` (inline SVG and CSS, no network requests),
//! a `summary.md` for wikis and tickets, and `metrics.json` with every figure shown. Each output is a
//! [`ReportWriter`]; the report directory is built in a temporary sibling and renamed into place, so
//! an interrupted run never leaves half a report.

pub mod charts;
pub mod desk;
pub mod format;
pub mod html;
pub mod markdown;

use std::path::Path;

use serde::Serialize;
use serde_json::Value;

use crate::decide::compare::Comparison;
use crate::decide::pilot::PilotReport;
use crate::error::{Error, Result};
use crate::metrics::Analysis;
use crate::sim::replicate::Summary;
use format::pct;

/// Everything a report shows. `metrics.json` is this, serialised.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub title: String,
    pub source: String,
    pub analysis: Analysis,
    /// Resolution-time percentiles 1…99 per priority label (for the distribution chart).
    pub resolution_percentiles: Vec<(String, Vec<f64>)>,
    pub simulations: Vec<Summary>,
    pub comparison: Option<Comparison>,
    pub pilot: Option<PilotReport>,
    /// A staffing sweep of the first scenario (`--sweep`): SLA compliance against staff.
    pub staffing_curve: Option<StaffingCurve>,
    /// SLA compliance targets (`--target`), drawn as lines on the SLA charts.
    pub targets: std::collections::BTreeMap<String, f64>,
    /// "Your desk, simulated" (a store with events and no `--scenarios`): see [`desk`].
    pub desk: Option<desk::DeskSection>,
    /// One-line takeaways per section, generated from the numbers.
    pub takeaways: Vec<(String, String)>,
}

/// The staffing curve of a sweep.
#[derive(Debug, Clone, Serialize)]
pub struct StaffingCurve {
    pub scenario: String,
    pub parameter: String,
    pub points: Vec<crate::decide::compare::SweepPoint>,
}

/// One output format of a report.
pub trait ReportWriter {
    fn file_name(&self) -> &'static str;
    fn render(&self, r: &Report) -> Result<Vec<u8>>;
}

pub struct JsonWriter;

impl ReportWriter for JsonWriter {
    fn file_name(&self) -> &'static str {
        "metrics.json"
    }
    fn render(&self, r: &Report) -> Result<Vec<u8>> {
        serde_json::to_vec_pretty(r).map_err(Error::Json)
    }
}

/// Renders every writer into `dir` via a temporary sibling directory and a rename.
pub fn write_report(
    r: &Report,
    dir: &Path,
    writers: &[&dyn ReportWriter],
    extra: &dyn Fn(&Path) -> Result<Vec<String>>,
) -> Result<Vec<String>> {
    let werr = |source| Error::Write {
        path: dir.to_path_buf(),
        source,
    };
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(werr)?;
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "report".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(werr)?;
    let mut files = Vec::new();
    for w in writers {
        let bytes = w.render(r)?;
        crate::output::write_bytes(&tmp.join(w.file_name()), &bytes)?;
        files.push(w.file_name().to_string());
    }
    // Further files (standalone charts) go into the same temporary folder, before the rename.
    files.extend(extra(&tmp)?);
    if dir.exists() {
        replace_dir(
            &tmp,
            dir,
            &parent.join(format!(".{name}.old-{}", std::process::id())),
        )
        .map_err(werr)?;
    } else {
        std::fs::rename(&tmp, dir).map_err(werr)?;
    }
    Ok(files)
}

/// Puts the finished folder `new` at `dir`, where an older report is. On Linux the two are swapped
/// in one atomic `renameat2(RENAME_EXCHANGE)`, so at every instant `dir` holds a whole report (the
/// old or the new one), even if the process is killed. Elsewhere, or on a file system without the
/// exchange, the old folder is moved aside first (a kill between the two renames leaves it at
/// `aside`, whole).
fn replace_dir(new: &Path, dir: &Path, aside: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        if exchange(new, dir).is_ok() {
            // `new` now holds the old report.
            let _ = std::fs::remove_dir_all(new);
            return Ok(());
        }
    }
    std::fs::rename(dir, aside)?;
    std::fs::rename(new, dir)?;
    let _ = std::fs::remove_dir_all(aside);
    Ok(())
}

#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| {
        std::ffi::CString::new(p.as_os_str().as_bytes())
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))
    };
    let (a, b) = (c(a)?, c(b)?);
    // SAFETY: both are valid NUL-terminated paths that outlive the call; AT_FDCWD resolves them
    // relative to the working directory like `std::fs::rename`.
    let rc = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

/// Reads a number at a dotted path (`analysis.overall.mttr_hours.mean`) of a JSON value.
pub fn at_path<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.')
        .try_fold(v, |cur, k| match k.parse::<usize>() {
            Ok(i) if cur.is_array() => cur.get(i),
            _ => cur.get(k),
        })
}

/// One-line takeaways from the numbers, one function per section.
pub fn takeaways(
    a: &Analysis,
    sims: &[Summary],
    cmp: &Option<Comparison>,
    pilot: &Option<PilotReport>,
) -> Vec<(String, String)> {
    let parts = [
        ("headline", headline_takeaway(a)),
        ("sla", sla_takeaway(a)),
        ("trend", trend_takeaway(a)),
        ("backlog", backlog_takeaway(a)),
        ("flow", flow_takeaway(a)),
        ("recurrence", recurrence_takeaway(a)),
        ("simulation", sims.first().map(simulation_takeaway)),
        ("comparison", cmp.as_ref().and_then(comparison_takeaway)),
        (
            "pilot",
            pilot.as_ref().map(|p| format!("Pilot: {}.", p.verdict)),
        ),
    ];
    parts
        .into_iter()
        .filter_map(|(k, t)| Some((k.to_string(), t?)))
        .collect()
}

fn headline_takeaway(a: &Analysis) -> Option<String> {
    let m = &a.overall.mttr_hours;
    let (mean, median) = (m.mean?, m.median?);
    let skew = if mean > 2.0 * median {
        "; a long tail of slow incidents pulls the mean far above the median"
    } else {
        ""
    };
    Some(format!(
        "{} incidents; MTTR {mean:.1} h (median {median:.1} h){skew}.",
        a.incidents
    ))
}

fn sla_takeaway(a: &Analysis) -> Option<String> {
    let Some(s) = &a.sla else {
        return a.overall.sla_reported_rate.map(|r| {
            format!(
                "The source reports {} of incidents within SLA (no policy given to compute it).",
                pct(r)
            )
        });
    };
    let (p, w) = s
        .by_priority
        .iter()
        .filter_map(|p| Some((p.priority, p.counts.compliance?)))
        .min_by(|x, y| x.1.total_cmp(&y.1))?;
    let c = s.overall.counts.compliance?;
    Some(format!(
        "SLA compliance {} overall; weakest is P{p} at {}.",
        pct(c),
        pct(w)
    ))
}

fn backlog_takeaway(a: &Analysis) -> Option<String> {
    let b = a.backlog.as_ref()?;
    let w = b.weeks.iter().rev().take(4).fold((0u64, 0u64), |acc, x| {
        (acc.0 + x.created, acc.1 + x.resolved)
    });
    Some(format!(
        "{} incidents open at {}; last 4 weeks created {} vs resolved {}.",
        b.open_now,
        &b.as_of[..10.min(b.as_of.len())],
        w.0,
        w.1
    ))
}

fn flow_takeaway(a: &Analysis) -> Option<String> {
    let fl = a.flow.as_ref()?;
    Some(match (a.overall.reassigned_3plus_share, fl.events_available) {
        (Some(r), true) => format!("{} of incidents were reassigned 3+ times; {} bounced back to a group they had left (ping-pong).", pct(r), pct(fl.ping_pong_share)),
        (Some(r), false) => format!("{} of incidents were reassigned 3+ times.", pct(r)),
        _ => "No reassignment data in this source.".into(),
    })
}

fn recurrence_takeaway(a: &Analysis) -> Option<String> {
    let r = a.recurrence.as_ref()?;
    let c = r.top_clusters.first()?;
    Some(format!("{} of incidents recur within {:.0} h on the same {}; top problem candidate {} ({} incidents, {} linked to a problem).", pct(r.recurrence_share), r.window_hours, r.key.join("+"), c.key, c.incidents, c.linked_to_problem))
}

fn simulation_takeaway(s: &Summary) -> String {
    format!(
        "Simulated '{}': MTTR {:.2} h (95% CI {:.2}–{:.2}), SLA {} over {} replications.",
        s.scenario,
        s.overall.resolution_hours.mean,
        s.overall.resolution_hours.ci_low,
        s.overall.resolution_hours.ci_high,
        pct(s.overall.sla_compliance.mean),
        s.replications
    )
}

/// The paired comparison's takeaway: the pilot with the lowest overall MTTR difference (pilot −
/// baseline). Pilots without an overall MTTR difference are skipped; when none has one, it says so.
fn comparison_takeaway(c: &Comparison) -> Option<String> {
    let best = c
        .pilots
        .iter()
        .filter_map(|p| p.overall.get("resolution_hours").map(|r| (p, r)))
        .min_by(|(_, x), (_, y)| x.difference.mean.total_cmp(&y.difference.mean));
    let Some((best, r)) = best else {
        return (!c.pilots.is_empty()).then(|| {
            "Comparison: no pilot has an overall MTTR difference to rank the options by.".into()
        });
    };
    Some(format!(
        "Best option: '{}' changes MTTR by {:+.2} h (95% CI {:+.2} to {:+.2}){}.",
        best.scenario,
        r.difference.mean,
        r.difference.ci_low,
        r.difference.ci_high,
        if r.significant {
            ""
        } else {
            ", not significant"
        }
    ))
}

/// The monthly MTTR takeaway (by month opened). It compares the first and the last *mature, uncut*
/// month only ([`crate::metrics::trend`]): a recent cohort whose slow incidents are still open, or a
/// first month shaped by where the export starts, never makes a trend; the months left out are named.
pub fn trend_takeaway(a: &Analysis) -> Option<String> {
    let (trend, tm) = (a.trend.as_ref()?, a.trend_maturity.as_ref()?);
    if trend.is_empty() {
        return None;
    }
    let usable: Vec<(String, f64)> = trend
        .iter()
        .filter(|m| m.usable())
        .filter_map(|m| Some((m.metrics.month().to_string(), m.metrics.mttr_hours.mean?)))
        .collect();
    let mut left_out = Vec::new();
    if !tm.immature_months.is_empty() {
        left_out.push(format!(
            "{} still resolving (opened after {})",
            list_months(&tm.immature_months),
            &tm.mature_before[..10.min(tm.mature_before.len())]
        ));
    }
    if !tm.window_cut_months.is_empty() {
        left_out.push(format!(
            "{} cut by the export window",
            list_months(&tm.window_cut_months)
        ));
    }
    let left_out = if left_out.is_empty() {
        String::new()
    } else {
        format!(" Left out: {}.", left_out.join("; "))
    };
    let text = match (usable.first(), usable.last()) {
        (Some((m0, x)), Some((m1, y))) if usable.len() >= 2 => {
            let dir = if *y < x * 0.9 {
                "improved"
            } else if *y > x * 1.1 {
                "worsened"
            } else {
                "held steady"
            };
            format!("Monthly MTTR (by month opened, mature months only) {dir}: {x:.1} h in {m0}, {y:.1} h in {m1}.{left_out}")
        }
        _ => format!(
            "No monthly MTTR trend can be claimed yet: fewer than two months are mature and uncut.{left_out}"
        ),
    };
    Some(text)
}

/// `2025-05, 2025-06` (at most four names, then a count).
fn list_months(m: &[String]) -> String {
    if m.len() <= 4 {
        m.join(", ")
    } else {
        format!(
            "{}, … {} ({} months)",
            m[..2].join(", "),
            m[m.len() - 1],
            m.len()
        )
    }
}

/// The staffing takeaway: the least parameter value that meets every target, if any.
pub fn staffing_takeaway(c: &StaffingCurve) -> (String, String) {
    let first = c.points.iter().find(|p| p.meets_targets == Some(true));
    let text = match first {
        Some(p) => format!("In '{}', {} = {} is the least value that meets every SLA target (mean staff {:.1}, compliance {}).", c.scenario, c.parameter, p.value, p.mean_staff, pct(p.sla_compliance.mean)),
        None if c.points.iter().all(|p| p.meets_targets.is_none()) => format!("In '{}', SLA compliance moves from {} to {} across {} = {}…{}.", c.scenario, pct(c.points.first().map(|p| p.sla_compliance.mean)), pct(c.points.last().map(|p| p.sla_compliance.mean)), c.parameter, c.points.first().map(|p| p.value).unwrap_or(0), c.points.last().map(|p| p.value).unwrap_or(0)),
        None => format!("In '{}', no value of {} in the sweep meets every SLA target.", c.scenario, c.parameter),
    };
    ("staffing".into(), text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decide::compare::PilotComparison;

    /// A small simulated summary (two replications of the shipped baseline scenario).
    fn summary() -> Summary {
        let m = crate::cli::simulate::load_subject(
            Path::new("scenarios/baseline.toml"),
            &crate::cli::simulate::Overrides {
                replications: Some(2),
                ..Default::default()
            },
        )
        .expect("the shipped baseline scenario loads");
        crate::decide::compare::simulate_subject(&m).expect("it simulates")
    }

    #[test]
    fn a_comparison_without_an_mttr_difference_is_said_not_a_panic() {
        let s = summary();
        let pilot = PilotComparison {
            scenario: "pilot".into(),
            overall: Default::default(),
            priorities: Default::default(),
            meets_targets: None,
            summary: s.clone(),
            pools: Default::default(),
        };
        let c = Comparison {
            replications: 2,
            seed: 1,
            baseline: s,
            baseline_meets_targets: None,
            pilots: vec![pilot],
            targets: Default::default(),
        };
        let t = comparison_takeaway(&c).expect("the comparison has a pilot: its takeaway says why");
        assert!(t.contains("no pilot has an overall MTTR difference"), "{t}");
        let none = Comparison {
            pilots: vec![],
            ..c
        };
        assert_eq!(comparison_takeaway(&none), None);
    }

    #[test]
    fn an_undefined_share_in_a_takeaway_prints_the_missing_mark_not_nan() {
        let mut s = summary();
        s.overall.sla_compliance.mean = f64::NAN;
        let t = simulation_takeaway(&s);
        assert!(!t.contains("NaN"), "{t}");
        assert!(t.contains("SLA – over 2 replications"), "{t}");
        assert_eq!(pct(f64::NAN), "–");
    }
}
