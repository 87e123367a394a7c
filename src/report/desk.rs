//! The report's "Your desk, simulated" section: the desk discovered from the store's events
//! (`fit`'s rules, `decide::desk`), fitted on the first part of the period and simulated over the
//! rest from the real open state (`validate --from`'s rules, `cli::validate_desk`), shown observed
//! against simulated per priority and per pool (the calibration), with the effect of one more agent
//! in the most utilised pool (paired, common random numbers).
//!
//! **Split rule** ([`split_ms`]): the incidents in order of opening; the split is the opening time
//! of the one at [`TRAIN_SHARE`] (80 %) of them, floored to the whole UTC hour. The desk is fitted on
//! what was known before it (`fit --until`) and validated on the incidents opened from it on
//! (`validate --from`), the last ~20 % of the incidents (a count, not a share of the calendar: a
//! real export often starts with a sparse tail of old incidents). Both sides need at least [`MIN_SIDE_INCIDENTS`]
//! incidents, or the section says why it shows no simulation.
//!
//! Every string from the data is escaped (HTML with `crate::escape::xml`, Markdown with the summary's
//! escaper); every figure carries `data-metric` with its path in metrics.json (`desk.…`).

use serde::Serialize;
use serde_json::Value;

use super::charts::{bars, hbars, priority_colour, Bar};
use super::format::{num as f, pct};
use super::markdown::table_row;
use super::{at_path, Report};
use crate::cli::validate_desk::{DeskValidation, OneMoreAgent};
use crate::escape::xml as esc;
use crate::sim::stats::Estimate;

/// Share of the period (first opening → last event) the desk is fitted on.
pub const TRAIN_SHARE: f64 = 0.8;
/// Fewest incidents on each side of the split for a calibration.
pub const MIN_SIDE_INCIDENTS: usize = 30;

/// Pools drawn in the queue chart (the busiest by observed visits).
pub const QUEUE_CHART_POOLS: usize = 5;

/// What the section shows; `metrics.json` holds it under `desk`.
#[derive(Debug, Clone, Serialize)]
pub struct DeskSection {
    /// The split rule, in words.
    pub split_rule: String,
    /// The split instant (fit `--until`, validate `--from`), ISO-8601 UTC; empty when no split.
    pub split_at: String,
    /// How pools were formed (`level` or `group`).
    pub pools_by: String,
    /// Incidents and events the desk was fitted on (before the split).
    pub fitted_incidents: u64,
    pub fitted_events: u64,
    /// The `fit` and `validate` commands that print the same figures.
    pub reproduce: Vec<String>,
    /// The calibration: `validate --from` on the split (None when it could not run; see `notes`).
    pub validation: Option<DeskValidation>,
    /// One more agent in the most utilised simulated pool, over the same test period.
    pub one_more_agent: Option<OneMoreAgent>,
    pub notes: Vec<String>,
    /// Wall time of discovery, calibration and the what-if.
    pub seconds: f64,
}

/// The split instant of [`TRAIN_SHARE`]: the opening time of the incident at index
/// `floor(0.8 × n)` of the `n` openings in time order, floored to the whole UTC hour. Errors say why
/// no split exists (too few incidents on a side).
pub fn split_ms(incidents: &[crate::schema::Incident]) -> Result<i64, String> {
    let mut opened: Vec<i64> = incidents.iter().map(|i| i.opened_at).collect();
    opened.sort_unstable();
    let k = (opened.len() as f64 * TRAIN_SHARE) as usize;
    let Some(at) = opened.get(k) else {
        return Err("no incidents".into());
    };
    let split = at - at.rem_euclid(3_600_000);
    let before = opened.partition_point(|t| *t < split);
    let after = opened.len() - before;
    if before < MIN_SIDE_INCIDENTS || after < MIN_SIDE_INCIDENTS {
        return Err(format!(
            "too few incidents to calibrate: {before} opened before the split at {} and {after} from it (at least {MIN_SIDE_INCIDENTS} each)",
            crate::metrics::recurrence::iso(split)
        ));
    }
    Ok(split)
}

/// The split rule in words, for the page and metrics.json.
pub fn split_rule() -> String {
    format!(
        "fitted on what was known before the opening of the incident at {:.0} % of the incidents in order of opening (floored to the hour): incidents opened before it and their events before it (fit --until); simulated and compared on the incidents opened from it on, the last ~{:.0} % (validate --from), starting from the incidents really open at that instant",
        TRAIN_SHARE * 100.0,
        (1.0 - TRAIN_SHARE) * 100.0
    )
}

fn num(v: Option<&Value>, digits: usize, percent: bool) -> String {
    match v.and_then(|x| x.as_f64()) {
        Some(x) if percent => format!("{:.digits$}%", x * 100.0),
        Some(x) => format!("{x:.digits$}"),
        None => "–".into(),
    }
}

/// A figure whose text is the value at `path` in metrics.json (as `html::metric`).
fn metric(json: &Value, path: &str, percent: bool, digits: usize) -> String {
    format!(
        "<span data-metric=\"{}\" data-format=\"{}\">{}</span>",
        esc(path),
        if percent { "percent" } else { "number" },
        esc(&num(at_path(json, path), digits, percent))
    )
}

/// `mean [low, high]` of an estimate at `path`.
fn estimate(json: &Value, path: &str, percent: bool, digits: usize) -> String {
    let m = |k: &str| metric(json, &format!("{path}.{k}"), percent, digits);
    format!("{} [{}, {}]", m("mean"), m("ci_low"), m("ci_high"))
}

/// Writes a chart's `<figure>` (the HTML report keeps the drawn chart for `charts/<id>.svg`).
pub type Figure<'a> = dyn FnMut(&str, std::result::Result<String, String>, &str) -> String + 'a;

/// Whether a paired interval excludes 0, in words.
fn verdict(d: &Estimate) -> &'static str {
    if d.ci_high < 0.0 || d.ci_low > 0.0 {
        "the 95% CI excludes 0: a real change"
    } else if d.ci_low.is_nan() {
        "no interval (too few runs)"
    } else {
        "the 95% CI includes 0: no clear change"
    }
}

/// The one-line takeaway of the section.
pub fn takeaway(d: &DeskSection) -> String {
    let Some(v) = &d.validation else {
        return format!(
            "Your desk could not be simulated: {}",
            d.notes
                .first()
                .map(String::as_str)
                .unwrap_or("no reason given")
        );
    };
    let mut t = format!(
        "Your desk, discovered from the events ({} pools by {}), fitted before {} and simulated over the {} later incidents",
        v.pools.len(),
        d.pools_by,
        &d.split_at[..d.split_at.len().min(16)],
        v.test.cases
    );
    if let Some(a) = &d.one_more_agent {
        let q = &a.queue_hours_difference;
        t.push_str(&format!(
            "; one more agent in '{}' (the most utilised, {:.0}%) changes its queue time by {:+.2} h (95% CI {:+.2} to {:+.2}; {}) and MTTR by {:+.2} h",
            a.pool,
            a.utilisation.mean * 100.0,
            q.mean,
            q.ci_low,
            q.ci_high,
            verdict(q),
            a.mttr_hours_difference.mean
        ));
    }
    t.push('.');
    t
}

/// The section's HTML, or nothing when the report has no desk.
pub fn html(r: &Report, json: &Value, figure: &mut Figure<'_>) -> String {
    let Some(d) = &r.desk else {
        return String::new();
    };
    let mut h = String::from("<section id=\"desk\"><h2>Your desk, simulated</h2>");
    h.push_str(&format!("<p class=\"takeaway\">{}</p>", esc(&takeaway(d))));
    let Some(v) = &d.validation else {
        h.push_str(&notes_html(d));
        h.push_str("</section>\n");
        return h;
    };
    h.push_str(&format!(
        "<p>Calibration split: {}. Split at {}; fitted on {} incidents and {} events; test period: {} incidents opened from the split, {} events, data end {}; {} runs (seed {}); start: {} ({} open); export: {}.</p>",
        esc(&d.split_rule),
        esc(&d.split_at),
        d.fitted_incidents,
        d.fitted_events,
        v.test.cases,
        v.test.events,
        esc(&v.test.data_end),
        v.runs,
        v.seed,
        esc(&v.start),
        v.open_at_start,
        esc(&v.export)
    ));
    h.push_str("<div class=\"charts\">");
    h.push_str(&mttr_chart(v, figure));
    h.push_str(&queue_chart(v, figure));
    h.push_str("</div>");
    h.push_str(&priority_table(v, json));
    h.push_str(&pool_table(v, json));
    h.push_str(&distances_html(v, json));
    h.push_str(&one_more_agent_html(d, json));
    h.push_str(&notes_html(d));
    h.push_str("</section>\n");
    h
}

fn mttr_chart(v: &DeskValidation, figure: &mut Figure<'_>) -> String {
    let mut items = Vec::new();
    for p in &v.priorities {
        items.push(Bar {
            label: format!("{} obs", p.priority),
            value: p.observed.mttr_hours.mean,
            low: None,
            high: None,
            target: None,
            colour: plotters::style::RGBColor(150, 150, 150),
        });
        let s = &p.simulated.mttr_hours.mean;
        items.push(Bar {
            label: format!("{} sim", p.priority),
            value: s.mean,
            low: Some(s.ci_low),
            high: Some(s.ci_high),
            target: None,
            colour: priority_colour(&p.priority),
        });
    }
    items.retain(|b| b.value.is_finite());
    figure(
        "desk-mttr",
        bars("Your desk: MTTR observed vs simulated", "hours", &items),
        "Test period: observed (grey) and simulated mean MTTR per priority; whiskers are 95% CIs over runs.",
    )
}

fn queue_chart(v: &DeskValidation, figure: &mut Figure<'_>) -> String {
    // The busiest pools (by observed visits) only: two bars each stay legible.
    let mut busiest: Vec<(usize, &crate::cli::validate_desk::PoolRow)> =
        v.pools.iter().enumerate().collect();
    busiest.sort_by_key(|b| std::cmp::Reverse(b.1.observed_visits));
    busiest.truncate(QUEUE_CHART_POOLS);
    busiest.sort_by_key(|x| x.0);
    let mut items = Vec::new();
    for (k, p) in busiest {
        let colour = priority_colour(&format!("{}", k % 5 + 1));
        items.push(Bar {
            label: format!("{} obs", p.name),
            value: p.queue_hours.observed,
            low: None,
            high: None,
            target: None,
            colour: plotters::style::RGBColor(150, 150, 150),
        });
        let s = &p.queue_hours.simulated;
        items.push(Bar {
            label: format!("{} sim", p.name),
            value: s.mean,
            low: Some(s.ci_low),
            high: Some(s.ci_high),
            target: None,
            colour,
        });
    }
    items.retain(|b| b.value.is_finite());
    figure(
        "desk-queue",
        hbars(
            "Your desk: queue hours per visit by pool",
            "hours",
            &items,
        ),
        &format!(
            "Test period: mean queue hours per visit, observed (grey) and simulated (mean over runs; the 95% CIs are in the table).{}",
            if v.pools.len() > QUEUE_CHART_POOLS {
                format!(" The {QUEUE_CHART_POOLS} pools with most visits; every pool is in the table.")
            } else {
                String::new()
            }
        ),
    )
}

fn priority_table(v: &DeskValidation, json: &Value) -> String {
    let mut h = String::from("<table><tr><th>Priority</th><th>Test incidents</th><th>Resolved obs</th><th>MTTR h obs</th><th>MTTR h sim [95% CI]</th><th>Median h obs</th><th>Median h sim [95% CI]</th><th>p90 h obs</th><th>p90 h sim [95% CI]</th><th>SLA obs</th><th>SLA sim [95% CI]</th></tr>");
    for (i, p) in v.priorities.iter().enumerate() {
        let o = format!("desk.validation.priorities.{i}.observed");
        let s = format!("desk.validation.priorities.{i}.simulated");
        let sla_sim = if p.simulated.sla_compliance.is_some() {
            estimate(json, &format!("{s}.sla_compliance"), true, 1)
        } else {
            "–".into()
        };
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.priority),
            p.test_cases,
            p.observed.resolved,
            metric(json, &format!("{o}.mttr_hours.mean"), false, 1),
            estimate(json, &format!("{s}.mttr_hours.mean"), false, 1),
            metric(json, &format!("{o}.mttr_hours.median"), false, 1),
            estimate(json, &format!("{s}.mttr_hours.median"), false, 1),
            metric(json, &format!("{o}.mttr_hours.p90"), false, 1),
            estimate(json, &format!("{s}.mttr_hours.p90"), false, 1),
            metric(json, &format!("{o}.sla_compliance"), true, 1),
            sla_sim
        ));
    }
    h.push_str("</table><p>MTTR over the test incidents resolved by the data end (simulated: those the selection keeps, as the export would); SLA = share resolved within the policy's resolution target (– without a policy).</p>");
    h
}

fn pool_table(v: &DeskValidation, json: &Value) -> String {
    let mut h = String::from("<table><tr><th>Pool</th><th>People seen</th><th>Agents (max)</th><th>Visits obs</th><th>Queue h obs</th><th>Queue h sim [95% CI]</th><th>Work h obs</th><th>Work h sim [95% CI]</th><th>Utilisation obs</th><th>Utilisation sim [95% CI]</th></tr>");
    for (i, p) in v.pools.iter().enumerate() {
        let b = format!("desk.validation.pools.{i}");
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&p.name),
            p.people_seen,
            p.agents_max,
            p.observed_visits,
            metric(json, &format!("{b}.queue_hours.observed"), false, 2),
            estimate(json, &format!("{b}.queue_hours.simulated"), false, 2),
            metric(json, &format!("{b}.work_hours.observed"), false, 2),
            estimate(json, &format!("{b}.work_hours.simulated"), false, 2),
            metric(json, &format!("{b}.utilisation.observed"), true, 0),
            estimate(json, &format!("{b}.utilisation.simulated"), true, 0),
        ));
    }
    h.push_str("</table><p>Per visit: queue = in the pool with nobody working, work = an agent working; utilisation = work hours held / (agents × concurrency) slot-hours over the test period. Agents never exceed the people seen in the pool.</p>");
    h
}

fn distances_html(v: &DeskValidation, json: &Value) -> String {
    let base = |k: &str| {
        if v.baseline.is_some() {
            format!(
                " (single-tier fit {})",
                metric(
                    json,
                    &format!("desk.validation.baseline.distances.{k}.mean"),
                    false,
                    2
                )
            )
        } else {
            String::new()
        }
    };
    let d = |k: &str| {
        metric(
            json,
            &format!("desk.validation.distances.{k}.mean"),
            false,
            2,
        )
    };
    format!(
        "<p>Log distances between the simulated and the real test log (mean over runs; lower is closer): CTD {} h{}, AED {} h{}, CAR {} h{}, CED {} h{}, RED {} h{}, NGD2 {}{}.</p>",
        d("ctd"), base("ctd"), d("aed"), base("aed"), d("car"), base("car"),
        d("ced"), base("ced"), d("red"), base("red"), d("ngd2"), base("ngd2")
    )
}

fn one_more_agent_html(d: &DeskSection, json: &Value) -> String {
    let Some(a) = &d.one_more_agent else {
        return String::new();
    };
    // The figures of `desk.one_more_agent` in metrics.json, hours with two decimals.
    let hours = |field: &str| metric(json, &format!("desk.one_more_agent.{field}"), false, 2);
    format!(
        "<h3>What if: one more agent in '{}'</h3><p>The most utilised simulated pool ({}): one more agent in every hour it has any on duty, same runs with common random numbers. Its mean queue time per visit {} h → {} h, paired difference {} h (95% CI {} to {}): {}. MTTR of the simulated incidents {} h → {} h, difference {} h (95% CI {} to {}): {}. (MTTR counts the simulated incidents resolved within the test period: an agent who clears a queue also lets long-waiting incidents finish in time, which can raise this mean; the queue time is the direct effect.)</p>",
        esc(&a.pool),
        metric(json, "desk.one_more_agent.utilisation.mean", true, 0),
        hours("queue_hours.mean"),
        hours("queue_hours_with.mean"),
        hours("queue_hours_difference.mean"),
        hours("queue_hours_difference.ci_low"),
        hours("queue_hours_difference.ci_high"),
        verdict(&a.queue_hours_difference),
        hours("mttr_hours.mean"),
        hours("mttr_hours_with.mean"),
        hours("mttr_hours_difference.mean"),
        hours("mttr_hours_difference.ci_low"),
        hours("mttr_hours_difference.ci_high"),
        verdict(&a.mttr_hours_difference),
    )
}

fn notes_html(d: &DeskSection) -> String {
    let mut h = String::new();
    if !d.reproduce.is_empty() {
        h.push_str("<p>The same figures from the command line:</p><ul>");
        for c in &d.reproduce {
            h.push_str(&format!("<li><code>{}</code></li>", esc(c)));
        }
        h.push_str("</ul>");
    }
    let notes: Vec<&String> = d
        .notes
        .iter()
        .chain(d.validation.iter().flat_map(|v| v.notes.iter()))
        .collect();
    if !notes.is_empty() {
        h.push_str("<ul>");
        for n in notes {
            h.push_str(&format!("<li>{}</li>", esc(n)));
        }
        h.push_str("</ul>");
    }
    h
}

fn e(x: &Estimate, digits: usize, scale: f64) -> String {
    format!(
        "{} [{}, {}]",
        f(x.mean * scale, digits),
        f(x.ci_low * scale, digits),
        f(x.ci_high * scale, digits)
    )
}

/// The section in `summary.md` (escaped with `md`), or nothing when the report has no desk.
pub fn markdown(r: &Report, md: &dyn Fn(&str) -> String) -> String {
    let Some(d) = &r.desk else {
        return String::new();
    };
    let mut o = format!("\n## Your desk, simulated\n\n{}\n", md(&takeaway(d)));
    let Some(v) = &d.validation else {
        return o;
    };
    o.push_str(&format!(
        "\nCalibration split: {}. Split at {}.\n\n| priority | test incidents | MTTR h obs | MTTR h sim [95% CI] | median h obs | median h sim | p90 h obs | p90 h sim | SLA obs | SLA sim |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n",
        md(&d.split_rule),
        md(&d.split_at)
    ));
    for p in &v.priorities {
        let (om, sm) = (&p.observed.mttr_hours, &p.simulated.mttr_hours);
        o.push_str(&table_row(&[
            md(&p.priority),
            p.test_cases.to_string(),
            f(om.mean, 1),
            e(&sm.mean, 1, 1.0),
            f(om.median, 1),
            e(&sm.median, 1, 1.0),
            f(om.p90, 1),
            e(&sm.p90, 1, 1.0),
            pct(p.observed.sla_compliance),
            p.simulated
                .sla_compliance
                .as_ref()
                .map_or("–".into(), |x| format!("{}%", e(x, 1, 100.0))),
        ]));
    }
    o.push_str("\n| pool | people seen | agents max | queue h obs | queue h sim | work h obs | work h sim | utilisation obs | utilisation sim |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for p in &v.pools {
        o.push_str(&table_row(&[
            md(&p.name),
            p.people_seen.to_string(),
            p.agents_max.to_string(),
            f(p.queue_hours.observed, 2),
            e(&p.queue_hours.simulated, 2, 1.0),
            f(p.work_hours.observed, 2),
            e(&p.work_hours.simulated, 2, 1.0),
            format!("{}%", f(p.utilisation.observed * 100.0, 0)),
            format!("{}%", e(&p.utilisation.simulated, 0, 100.0)),
        ]));
    }
    o
}
