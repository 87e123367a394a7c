//! `index.html`: self-contained (inline CSS and SVG, no scripts, no network requests). Every figure
//! shown carries `data-metric="<path in metrics.json>"`, so tests can check it against the JSON.
//! Every string from the data is escaped.
//!
//! The page is a list of section functions ([`SECTIONS`]), each writing its `<section>` into a
//! [`Page`] and drawing its charts once through [`Page::figure`], which keeps every chart for the
//! standalone `charts/<id>.svg` (and PNG) files: the page is rendered once and nothing is parsed
//! back out of it.

use serde_json::Value;

use super::charts::{bars, hbars, line_chart, lines, priority_colour, Band, Bar, Line, LineChart};
use super::format::{num, pct};
use super::{at_path, Report, ReportWriter};
use crate::error::{Error, Result};
use crate::escape::xml as esc;
use crate::metrics::TrendMonth;

/// The report's Content-Security-Policy: nothing may load or run but inline styles and `data:` images.
pub const CSP_META: &str = "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'\">";

pub struct HtmlWriter;

const CSS: &str = r#"
:root { --ink:#1d2733; --muted:#5b6777; --line:#d9dee5; --good:#1a7f37; --bad:#c62828; --bg:#f6f8fa; }
* { box-sizing: border-box; }
body { margin:0; font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color:var(--ink); background:var(--bg); }
header { background:#1d2733; color:white; padding:24px 40px; }
header h1 { margin:0 0 4px 0; font-size:26px; }
header p { margin:0; color:#c9d1d9; }
main { max-width:1180px; margin:0 auto; padding:24px 40px 60px; }
section { background:white; border:1px solid var(--line); border-radius:8px; padding:20px 24px; margin:20px 0; }
h2 { margin:0 0 6px 0; font-size:20px; }
.takeaway { margin:0 0 14px 0; color:var(--muted); font-size:15px; }
.kpis { display:grid; grid-template-columns: repeat(auto-fit, minmax(170px, 1fr)); gap:12px; }
.kpi { border:1px solid var(--line); border-radius:8px; padding:12px 14px; background:white; }
.kpi .label { color:var(--muted); font-size:13px; }
.kpi .value { font-size:24px; font-weight:600; margin-top:4px; }
.kpi .note { font-size:12px; color:var(--muted); }
.ok { color:var(--good); } .miss { color:var(--bad); }
.charts { display:grid; grid-template-columns: repeat(auto-fit, minmax(460px, 1fr)); gap:16px; }
figure.chart { margin:0; border:1px solid var(--line); border-radius:6px; padding:6px; background:white; max-width:760px; }
figure.chart svg { width:100%; height:auto; display:block; }
figure.chart figcaption { font-size:12px; color:var(--muted); padding:4px 6px; }
table { border-collapse:collapse; width:100%; font-size:14px; margin:8px 0; }
th, td { border-bottom:1px solid var(--line); padding:6px 8px; text-align:right; }
th:first-child, td:first-child { text-align:left; }
th { color:var(--muted); font-weight:600; }
footer { color:var(--muted); font-size:12px; text-align:center; padding:20px; }
"#;

/// The page being written: the HTML so far, the charts drawn (id, standalone SVG document), and
/// `metrics.json` as a JSON value — the output edge every `data-metric` figure is read from, so the
/// page shows exactly what the file holds.
pub struct Page {
    pub html: String,
    pub charts: Vec<(String, String)>,
    json: Value,
}

/// "Your desk, simulated" (src/report/desk.rs): nothing when the report has no discovered desk.
fn desk(h: &mut Page, r: &Report) {
    let Page { json, charts, .. } = h;
    let section = super::desk::html(r, json, &mut |id, svg, caption| {
        kept_figure(charts, id, svg, caption)
    });
    h.push(&section);
}

/// A chart's `<figure>`; a drawn chart is also kept in `charts` as a standalone SVG document for
/// `charts/<id>.svg` (and PNG).
fn kept_figure(
    charts: &mut Vec<(String, String)>,
    id: &str,
    svg: std::result::Result<String, String>,
    caption: &str,
) -> String {
    match svg {
        Ok(s) => {
            if let (Some(a), Some(b)) = (s.find("<svg"), s.rfind("</svg>")) {
                let doc = format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
                    &s[a..b + 6]
                );
                charts.push((id.to_string(), doc));
            }
            format!("<figure class=\"chart\" id=\"chart-{}\">{s}<figcaption>{}</figcaption></figure>\n", esc(id), esc(caption))
        }
        Err(e) => format!("<figure class=\"chart\" id=\"chart-{}\"><figcaption>chart not drawn: {}</figcaption></figure>\n", esc(id), esc(&e)),
    }
}

/// A section of the page: writes its `<section>` (or nothing when the report has no such part).
pub type Section = fn(&mut Page, &Report);

/// The sections in reading order; a new section is one function added here.
pub const SECTIONS: &[Section] = &[
    headline, resolution, trends, flow, recurrence, desk, simulation, staffing, pilot, notes,
];

impl Page {
    /// Renders the whole report once: the HTML and every chart in it.
    pub fn render(r: &Report) -> Result<Page> {
        let json = serde_json::to_value(r).map_err(Error::Json)?;
        let mut page = Page {
            html: String::with_capacity(1 << 20),
            charts: Vec::new(),
            json,
        };
        page.open(r);
        for section in SECTIONS {
            section(&mut page, r);
        }
        page.push(&format!("</main><footer>Generated by incidentlab {} · every figure is in metrics.json</footer></body></html>\n", env!("CARGO_PKG_VERSION")));
        Ok(page)
    }

    fn push(&mut self, s: &str) {
        self.html.push_str(s);
    }

    /// The document head (with the CSP) and the page header.
    fn open(&mut self, r: &Report) {
        self.push("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        // Defence in depth: even if escaping failed somewhere, the browser runs no script and makes
        // no request (inline styles and data: images only).
        self.push(CSP_META);
        self.push(&format!(
            "<title>{}</title><style>{CSS}</style></head><body>\n",
            esc(&r.title)
        ));
        self.push(&format!(
            "<header><h1>{}</h1><p>{} · {} incidents · data up to {}</p></header><main>\n",
            esc(&r.title),
            esc(&r.source),
            r.analysis.incidents,
            esc(&r.analysis.as_of)
        ));
    }

    /// A figure whose text is the value at `path` in metrics.json, formatted.
    fn metric(&self, path: &str, percent: bool, digits: usize) -> String {
        let v = at_path(&self.json, path).and_then(Value::as_f64);
        let text = if percent { pct(v) } else { num(v, digits) };
        format!(
            "<span data-metric=\"{}\" data-format=\"{}\">{}</span>",
            esc(path),
            if percent { "percent" } else { "number" },
            esc(&text)
        )
    }

    /// Writes a chart's figure and keeps the chart as a standalone SVG document.
    fn figure(&mut self, id: &str, svg: std::result::Result<String, String>, caption: &str) {
        let html = kept_figure(&mut self.charts, id, svg, caption);
        self.push(&html);
    }

    /// `<section id=…><h2>…</h2>` and the takeaways named by `keys`.
    fn section(&mut self, r: &Report, id: &str, title: &str, keys: &[&str]) {
        self.push(&format!("<section id=\"{id}\"><h2>{}</h2>", esc(title)));
        for key in keys {
            let t = takeaway(r, key);
            self.push(&t);
        }
    }
}

fn takeaway(r: &Report, key: &str) -> String {
    r.takeaways
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, t)| format!("<p class=\"takeaway\">{}</p>", esc(t)))
        .unwrap_or_default()
}

impl ReportWriter for Page {
    fn file_name(&self) -> &'static str {
        "index.html"
    }

    /// The page already rendered (with [`Page::render`]).
    fn render(&self, _: &Report) -> Result<Vec<u8>> {
        Ok(self.html.clone().into_bytes())
    }
}

impl ReportWriter for HtmlWriter {
    fn file_name(&self) -> &'static str {
        "index.html"
    }

    fn render(&self, r: &Report) -> Result<Vec<u8>> {
        Ok(Page::render(r)?.html.into_bytes())
    }
}

fn bar(label: String, value: f64, colour: plotters::style::RGBColor) -> Bar {
    Bar {
        label,
        value,
        low: None,
        high: None,
        target: None,
        colour,
    }
}

/// Headline KPIs.
fn headline(h: &mut Page, r: &Report) {
    h.section(r, "headline", "Headline", &["headline"]);
    let sla = if r.analysis.sla.is_some() {
        (
            "SLA compliance",
            "analysis.sla.overall.compliance",
            "computed with the policy",
        )
    } else {
        (
            "SLA (reported)",
            "analysis.overall.sla_reported_rate",
            "the source's own flag",
        )
    };
    let kpis: [(&str, &str, bool, usize, &str); 8] = [
        ("Incidents", "analysis.incidents", false, 0, "in the period"),
        (
            "MTTR (mean)",
            "analysis.overall.mttr_hours.mean",
            false,
            1,
            "hours, opened → resolved",
        ),
        (
            "MTTR (median)",
            "analysis.overall.mttr_hours.median",
            false,
            1,
            "hours",
        ),
        (
            "MTTR p90",
            "analysis.overall.mttr_hours.p90",
            false,
            1,
            "hours",
        ),
        (
            "MTTA (mean)",
            "analysis.overall.mtta_hours.mean",
            false,
            2,
            "hours to first response",
        ),
        (sla.0, sla.1, true, 1, sla.2),
        (
            "Reopen rate",
            "analysis.overall.reopen_rate",
            true,
            1,
            "reopened at least once",
        ),
        (
            "Open now",
            "analysis.backlog.open_now",
            false,
            0,
            "backlog at the data's end",
        ),
    ];
    h.push("<div class=\"kpis\">");
    for (label, path, percent, digits, note) in kpis {
        let value = h.metric(path, percent, digits);
        h.push(&format!("<div class=\"kpi\"><div class=\"label\">{}</div><div class=\"value\">{value}</div><div class=\"note\">{}</div></div>", esc(label), esc(note)));
    }
    h.push("</div></section>\n");
}

/// One row of the by-priority table (every figure read from metrics.json) and its MTTR bar.
fn group_row(h: &mut Page, r: &Report, i: usize, targets: &[(u8, f64)]) -> Bar {
    let a = &r.analysis;
    let g = &a.groups[i];
    let label = g.label(&a.by);
    let plabel = if a.by == ["priority"] {
        label
            .parse()
            .map(crate::schema::priority_label)
            .unwrap_or_else(|_| label.clone())
    } else {
        label.clone()
    };
    let target = label
        .parse::<u8>()
        .ok()
        .and_then(|p| targets.iter().find(|t| t.0 == p))
        .map(|t| t.1);
    let base = format!("analysis.groups.{i}");
    let m =
        |f: &str, percent: bool, digits: usize| h.metric(&format!("{base}.{f}"), percent, digits);
    let row = format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(&plabel),
        m("incidents", false, 0),
        m("resolved", false, 0),
        m("mttr_hours.mean", false, 1),
        m("mttr_hours.median", false, 1),
        m("mttr_hours.p90", false, 1),
        m("mttr_hours.p95", false, 1),
        target.map(|t| format!("{t:.0}")).unwrap_or_else(|| "–".into()),
        m("sla_computed_rate", true, 1),
        m("sla_reported_rate", true, 1),
    );
    h.push(&row);
    let colour = priority_colour(&plabel);
    Bar {
        target,
        ..bar(plabel, g.mttr_hours.mean.unwrap_or(f64::NAN), colour)
    }
}

/// Resolution and SLA by priority: the table, MTTR bars against the target, the ECDF.
fn resolution(h: &mut Page, r: &Report) {
    let a = &r.analysis;
    h.section(r, "resolution", "Resolution and SLA by priority", &["sla"]);
    let targets: Vec<(u8, f64)> = a
        .sla
        .iter()
        .flat_map(|s| &s.by_priority)
        .map(|p| (p.priority, p.resolution_target_hours))
        .collect();
    h.push("<table><tr><th>Priority</th><th>Incidents</th><th>Resolved</th><th>MTTR h</th><th>Median h</th><th>p90 h</th><th>p95 h</th><th>Target h</th><th>SLA computed</th><th>SLA reported</th></tr>");
    let bar_items: Vec<Bar> = (0..a.groups.len())
        .map(|i| group_row(h, r, i, &targets))
        .collect();
    h.push("</table><div class=\"charts\">");
    h.figure(
        "mttr-by-priority",
        bars(
            "MTTR by priority against the target (black line)",
            "hours",
            &bar_items,
        ),
        "Mean hours from opened to resolved; black line = SLA resolution target.",
    );
    let ecdf: Vec<Line> = r
        .resolution_percentiles
        .iter()
        .map(|(p, qs)| Line {
            name: p.clone(),
            points: qs
                .iter()
                .enumerate()
                .map(|(k, x)| (*x, (k + 1) as f64))
                .collect(),
            colour: priority_colour(p),
            dashed: false,
        })
        .collect();
    h.figure(
        "resolution-distribution",
        lines(
            "Resolution time distribution (ECDF, log scale)",
            "hours (log scale)",
            "% resolved within",
            &ecdf,
            None,
            true,
            Some(100.0),
        ),
        "Share of incidents resolved within x hours, per priority.",
    );
    h.push("</div></section>\n");
}

/// Trends: the monthly charts and the weekly backlog.
fn trends(h: &mut Page, r: &Report) {
    h.section(r, "trends", "Trends", &["trend", "backlog"]);
    h.push("<div class=\"charts\">");
    monthly_charts(h, r);
    if let Some(b) = &r.analysis.backlog {
        backlog_chart(h, b);
    }
    h.push("</div></section>\n");
}

/// Created vs resolved per ISO week, and the backlog at each week's end.
fn backlog_chart(h: &mut Page, b: &crate::metrics::backlog::Backlog) {
    let weeks: Vec<String> = b.weeks.iter().map(|w| w.week_start.clone()).collect();
    let wl = |name: &str,
              f: &dyn Fn(&crate::metrics::backlog::Week) -> u64,
              c: plotters::style::RGBColor,
              dashed: bool| Line {
        name: name.into(),
        points: b
            .weeks
            .iter()
            .enumerate()
            .map(|(k, w)| (k as f64, f(w) as f64))
            .collect(),
        colour: c,
        dashed,
    };
    let series = [
        wl(
            "created",
            &|w| w.created,
            plotters::style::RGBColor(31, 119, 180),
            false,
        ),
        wl(
            "resolved",
            &|w| w.resolved,
            plotters::style::RGBColor(44, 160, 44),
            false,
        ),
        wl(
            "open at week end",
            &|w| w.open_at_end,
            plotters::style::RGBColor(214, 39, 40),
            true,
        ),
    ];
    h.figure(
        "backlog",
        lines(
            "Created vs resolved per week, and backlog",
            "week",
            "incidents",
            &series,
            Some(&weeks),
            false,
            None,
        ),
        "Incidents created and resolved each ISO week, and those still open at the week's end.",
    );
}

/// Flow: reassignments and escalations.
fn flow(h: &mut Page, r: &Report) {
    let Some(fl) = &r.analysis.flow else { return };
    h.section(r, "flow", "Flow: reassignments and escalations", &["flow"]);
    h.push("<div class=\"charts\">");
    let blue = plotters::style::RGBColor(31, 119, 180);
    let ra: Vec<Bar> = fl
        .reassignments
        .iter()
        .map(|(k, v)| bar(format!("{k} hops"), *v as f64, blue))
        .collect();
    h.figure(
        "reassignments",
        bars("Reassignments per incident", "incidents", &ra),
        "Times an incident moved to another group.",
    );
    let orange = plotters::style::RGBColor(255, 127, 14);
    let lv: Vec<Bar> = if fl.level_transitions.is_empty() {
        fl.by_max_support_level
            .iter()
            .map(|(k, v)| bar(k.clone(), *v as f64, orange))
            .collect()
    } else {
        let mut t: Vec<(&String, &u64)> = fl.level_transitions.iter().collect();
        t.sort_by(|x, y| y.1.cmp(x.1));
        t.into_iter()
            .take(8)
            .map(|(k, v)| bar(k.clone(), *v as f64, orange))
            .collect()
    };
    if lv.is_empty() {
        h.push("<figure class=\"chart\" id=\"chart-escalations\"><figcaption>This source records no support levels, so there is no escalation flow to draw.</figcaption></figure>");
    } else {
        let title = if fl.level_transitions.is_empty() {
            "Highest support level reached"
        } else {
            "Support level transitions"
        };
        h.figure(
            "escalations",
            bars(title, "count", &lv),
            "Escalation flow between support levels.",
        );
    }
    h.push("</div>");
    let line = format!(
        "<p>Reassigned 3+ times: {} · escalated: {} · first-contact resolution: {} · ping-pong incidents: {}</p>",
        h.metric("analysis.overall.reassigned_3plus_share", true, 1),
        h.metric("analysis.overall.escalated_share", true, 1),
        h.metric("analysis.overall.first_contact_resolution_rate", true, 1),
        h.metric("analysis.flow.ping_pong_incidents", false, 0)
    );
    h.push(&line);
    h.push("</section>\n");
}

/// Recurring clusters: the problem manager's candidates.
fn recurrence(h: &mut Page, r: &Report) {
    let Some(rec) = &r.analysis.recurrence else {
        return;
    };
    h.section(
        r,
        "recurrence",
        "Recurring incidents: problem candidates",
        &["recurrence"],
    );
    let purple = plotters::style::RGBColor(148, 103, 189);
    let rc: Vec<Bar> = rec
        .top_clusters
        .iter()
        .map(|c| bar(c.key.clone(), c.incidents as f64, purple))
        .collect();
    h.push("<div class=\"charts\">");
    h.figure(
        "recurrence",
        hbars("Top recurring clusters", "incidents", &rc),
        "Incidents per key; the list a problem manager starts root-cause analysis from.",
    );
    h.push("</div><table><tr><th>Key</th><th>Incidents</th><th>Recurrent</th><th>First seen</th><th>Last seen</th><th>Downtime h</th><th>Linked to a problem</th></tr>");
    for (i, c) in rec.top_clusters.iter().enumerate() {
        let base = format!("analysis.recurrence.top_clusters.{i}");
        let row = format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.key),
            h.metric(&format!("{base}.incidents"), false, 0),
            c.recurrent,
            esc(&c.first_seen[..10.min(c.first_seen.len())]),
            esc(&c.last_seen[..10.min(c.last_seen.len())]),
            h.metric(&format!("{base}.downtime_hours"), false, 0),
            c.linked_to_problem
        );
        h.push(&row);
    }
    h.push("</table></section>\n");
}

/// MTTR and SLA bars with 95 % CI whiskers of one simulated scenario.
fn simulation_bars(s: &crate::sim::replicate::Summary) -> (Vec<Bar>, Vec<Bar>) {
    let (mut mttr, mut sla) = (Vec::new(), Vec::new());
    for p in &s.priority_order {
        if let Some(c) = s.priorities.get(p) {
            let colour = priority_colour(p);
            let e = &c.resolution_hours;
            mttr.push(Bar {
                low: Some(e.ci_low),
                high: Some(e.ci_high),
                ..bar(p.clone(), e.mean, colour)
            });
            let e = &c.sla_compliance;
            sla.push(Bar {
                low: Some(e.ci_low * 100.0),
                high: Some(e.ci_high * 100.0),
                ..bar(p.clone(), e.mean * 100.0, colour)
            });
        }
    }
    (mttr, sla)
}

/// Simulation: per scenario MTTR and SLA with CIs, the summary table and the paired comparison.
fn simulation(h: &mut Page, r: &Report) {
    if r.simulations.is_empty() {
        return;
    }
    h.section(r, "simulation", "Simulation", &["simulation", "comparison"]);
    h.push("<div class=\"charts\">");
    for (k, s) in r.simulations.iter().enumerate() {
        let (mttr, sla) = simulation_bars(s);
        let title = format!("Simulated MTTR — {} (95% CI)", s.scenario);
        h.figure(
            &format!("simulation-mttr-{k}"),
            bars(&title, "hours", &mttr),
            "Mean over replications; whiskers are 95% confidence intervals.",
        );
        let title = format!("Simulated SLA compliance — {} (95% CI)", s.scenario);
        h.figure(
            &format!("simulation-sla-{k}"),
            bars(&title, "% within target", &sla),
            "Unresolved incidents count as breaches.",
        );
    }
    h.push("</div><table><tr><th>Scenario</th><th>Replications</th><th>MTTR h</th><th>95% CI</th><th>SLA</th></tr>");
    for (i, s) in r.simulations.iter().enumerate() {
        let m = |f: &str, percent: bool, digits: usize| {
            h.metric(&format!("simulations.{i}.overall.{f}"), percent, digits)
        };
        let row = format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}–{}</td><td>{}</td></tr>",
            esc(&s.scenario),
            s.replications,
            m("resolution_hours.mean", false, 2),
            m("resolution_hours.ci_low", false, 2),
            m("resolution_hours.ci_high", false, 2),
            m("sla_compliance.mean", true, 1),
        );
        h.push(&row);
    }
    h.push("</table>");
    if let Some(c) = &r.comparison {
        h.push(&comparison_table(c));
    }
    h.push("</section>\n");
}

fn comparison_table(c: &crate::decide::compare::Comparison) -> String {
    let mut o = format!("<p>Paired comparison with common random numbers against '{}' ({} replications):</p><table><tr><th>Scenario</th><th>Δ MTTR h</th><th>95% CI</th><th>Δ SLA points</th><th>Significant</th></tr>", esc(&c.baseline.scenario), c.replications);
    for p in &c.pilots {
        let (Some(d), Some(s)) = (
            p.overall.get("resolution_hours"),
            p.overall.get("sla_compliance"),
        ) else {
            continue;
        };
        o.push_str(&format!(
            "<tr><td>{}</td><td>{:+.2}</td><td>{:+.2} to {:+.2}</td><td>{:+.1}</td><td>{}</td></tr>",
            esc(&p.scenario),
            d.difference.mean,
            d.difference.ci_low,
            d.difference.ci_high,
            s.difference.mean * 100.0,
            if d.significant { "yes" } else { "no" }
        ));
    }
    o.push_str("</table>");
    o
}

/// The staffing curve's SLA series: overall, per priority, and the `--target` lines.
fn staffing_series(r: &Report, c: &super::StaffingCurve) -> Vec<Line> {
    let black = plotters::style::RGBColor(0, 0, 0);
    let over = |f: &dyn Fn(&crate::decide::compare::SweepPoint) -> f64| -> Vec<(f64, f64)> {
        c.points
            .iter()
            .enumerate()
            .map(|(k, p)| (k as f64, f(p)))
            .collect()
    };
    let mut series = vec![Line {
        name: "all".into(),
        points: over(&|p| p.sla_compliance.mean * 100.0),
        colour: black,
        dashed: false,
    }];
    if let Some(first) = c.points.first() {
        for label in first.sla_compliance_by_priority.keys() {
            series.push(Line {
                name: label.clone(),
                points: over(&|p| {
                    p.sla_compliance_by_priority
                        .get(label)
                        .map(|e| e.mean * 100.0)
                        .unwrap_or(f64::NAN)
                }),
                colour: priority_colour(label),
                dashed: false,
            });
        }
    }
    for (label, t) in &r.targets {
        series.push(Line {
            // Named in the caption, not the legend (which would cover the curves).
            name: String::new(),
            points: (0..c.points.len()).map(|k| (k as f64, t * 100.0)).collect(),
            colour: if label == "all" {
                black
            } else {
                priority_colour(label)
            },
            dashed: true,
        });
    }
    series
}

/// Staffing curve: SLA compliance and MTTR against the swept parameter.
fn staffing(h: &mut Page, r: &Report) {
    let Some(c) = &r.staffing_curve else { return };
    h.section(r, "staffing", "Staffing curve", &["staffing"]);
    let xs: Vec<String> = c.points.iter().map(|p| p.value.to_string()).collect();
    let series = staffing_series(r, c);
    h.push("<div class=\"charts\">");
    let targets = r
        .targets
        .iter()
        .map(|(l, t)| format!("{l} {:.0}%", t * 100.0))
        .collect::<Vec<_>>()
        .join(", ");
    h.figure(
        "staffing-curve",
        lines(
            &format!("SLA compliance against {} ({})", c.parameter, c.scenario),
            &c.parameter,
            "% within SLA",
            &series,
            Some(&xs),
            false,
            Some(100.0),
        ),
        &format!("Simulated with common random numbers; dashed lines are the targets ({targets})."),
    );
    let mttr = [Line {
        name: "MTTR".into(),
        points: c
            .points
            .iter()
            .enumerate()
            .map(|(k, p)| (k as f64, p.resolution_hours.mean))
            .collect(),
        colour: plotters::style::RGBColor(31, 119, 180),
        dashed: false,
    }];
    h.figure(
        "staffing-mttr",
        lines(
            &format!("MTTR against {}", c.parameter),
            &c.parameter,
            "hours",
            &mttr,
            Some(&xs),
            false,
            None,
        ),
        "Mean resolution hours over replications.",
    );
    h.push("</div><table><tr><th>Value</th><th>Mean staff</th><th>MTTR h</th><th>SLA</th><th>Meets targets</th></tr>");
    for (i, p) in c.points.iter().enumerate() {
        let row = format!(
            "<tr><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            p.value,
            p.mean_staff,
            h.metric(
                &format!("staffing_curve.points.{i}.resolution_hours.mean"),
                false,
                2
            ),
            h.metric(
                &format!("staffing_curve.points.{i}.sla_compliance.mean"),
                true,
                1
            ),
            match p.meets_targets {
                Some(true) => "<span class=\"ok\">yes</span>",
                Some(false) => "<span class=\"miss\">no</span>",
                None => "–",
            }
        );
        h.push(&row);
    }
    h.push("</table></section>\n");
}

/// The XmR / p-chart series of one pilot control chart (values scaled to % for SLA).
fn control_series(ch: &crate::decide::pilot::ControlChart, scale: f64) -> [Line; 4] {
    let pts = |f: &dyn Fn(&crate::decide::pilot::ChartPoint) -> f64| {
        ch.points
            .iter()
            .enumerate()
            .map(|(i, x)| (i as f64, f(x) * scale))
            .collect::<Vec<_>>()
    };
    let red = plotters::style::RGBColor(214, 39, 40);
    let line = |name: &str, points, colour, dashed| Line {
        name: name.into(),
        points,
        colour,
        dashed,
    };
    [
        line(
            "weekly value",
            pts(&|x| x.value),
            plotters::style::RGBColor(31, 119, 180),
            false,
        ),
        line("upper limit", pts(&|x| x.ucl), red, true),
        line("lower limit", pts(&|x| x.lcl), red, true),
        line(
            "centre (before)",
            pts(&|_| ch.centre),
            plotters::style::RGBColor(90, 90, 90),
            true,
        ),
    ]
}

/// Pilot evaluation: the verdict, before/after figures and the control charts.
fn pilot(h: &mut Page, r: &Report) {
    let Some(p) = &r.pilot else { return };
    h.section(r, "pilot", "Pilot evaluation", &["pilot"]);
    let line = format!(
        "<p>Before: {} incidents, MTTR {} h · after: {} incidents, MTTR {} h. Censoring cut-off {} ({} late incidents left out).</p>",
        p.pilot.before.incidents,
        h.metric("pilot.pilot.before.mttr_hours", false, 1),
        p.pilot.after.incidents,
        h.metric("pilot.pilot.after.mttr_hours", false, 1),
        esc(&p.censoring_cutoff),
        p.excluded_censored
    );
    h.push(&line);
    for w in &p.warnings {
        h.push(&format!("<p class=\"miss\">Warning: {}</p>", esc(w)));
    }
    h.push("<div class=\"charts\">");
    for (k, ch) in p.charts.iter().enumerate() {
        let labels: Vec<String> = ch.points.iter().map(|x| x.week_start.clone()).collect();
        let scale = if ch.metric.contains("SLA") {
            100.0
        } else {
            1.0
        };
        let series = control_series(ch, scale);
        let signals = ch.points.iter().filter(|x| x.signal).count();
        let y = if scale > 1.0 { "%" } else { "hours" };
        h.figure(
            &format!("control-{k}"),
            lines(
                &format!("Control chart: {}", ch.metric),
                "week",
                y,
                &series,
                Some(&labels),
                false,
                (scale > 1.0).then_some(100.0),
            ),
            &format!("{signals} weeks flagged as special-cause signals (outside the limits or 8 in a row on one side)."),
        );
    }
    h.push("</div></section>\n");
}

/// The analysis notes.
fn notes(h: &mut Page, r: &Report) {
    let notes = &r.analysis.notes;
    if notes.is_empty() {
        return;
    }
    h.push("<section id=\"notes\"><h2>Notes</h2><ul>");
    for n in notes {
        h.push(&format!("<li>{}</li>", esc(n)));
    }
    h.push("</ul></section>\n");
}

/// The month labels of both trend views, in order.
fn month_axis(a: &crate::metrics::Analysis) -> Vec<String> {
    let (opened, resolved) = a.trend_rows();
    let mut months: Vec<String> = opened
        .iter()
        .chain(resolved)
        .map(|m| m.metrics.month().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    months.sort();
    months.dedup();
    months
}

/// One line of a trend view on the shared month axis.
fn month_line(
    rows: &[&TrendMonth],
    months: &[String],
    name: &str,
    value: &dyn Fn(&TrendMonth) -> Option<f64>,
    colour: plotters::style::RGBColor,
    dashed: bool,
) -> Line {
    let points = rows
        .iter()
        .filter_map(|m| {
            let k = months.iter().position(|x| x == m.metrics.month())?;
            Some((k as f64, value(m).unwrap_or(f64::NAN)))
        })
        .collect();
    Line {
        name: name.into(),
        points,
        colour,
        dashed,
    }
}

/// Shaded runs of months (by opening) that are immature or cut by the export window.
fn maturity_bands(tm: &crate::metrics::trend::Maturity, months: &[String]) -> Vec<Band> {
    let mut bands = Vec::new();
    for (list, label, colour) in [
        (
            &tm.immature_months,
            "still resolving",
            plotters::style::RGBColor(214, 39, 40),
        ),
        (
            &tm.window_cut_months,
            "export cut",
            plotters::style::RGBColor(90, 90, 90),
        ),
    ] {
        let mut ks: Vec<usize> = list
            .iter()
            .filter_map(|m| months.iter().position(|x| x == m))
            .collect();
        ks.sort_unstable();
        let mut i = 0;
        while i < ks.len() {
            let mut j = i;
            while j + 1 < ks.len() && ks[j + 1] == ks[j] + 1 {
                j += 1;
            }
            bands.push(Band {
                from: ks[i] as f64 - 0.5,
                to: ks[j] as f64 + 0.5,
                label: label.into(),
                colour,
            });
            i = j + 1;
        }
    }
    bands
}

/// The caption's statement of what the shaded months leave out.
fn maturity_caption(tm: &crate::metrics::trend::Maturity) -> String {
    let mut parts = Vec::new();
    if !tm.immature_months.is_empty() {
        parts.push(format!(
            "shaded red = still resolving ({}: opened after {}, less than the p95 resolution time of {} h before the data's end, so their slow incidents are still open and their MTTR reads too low)",
            tm.immature_months.join(", "),
            &tm.mature_before[..10.min(tm.mature_before.len())],
            tm.p95_resolution_hours.map(|h| format!("{h:.0}")).unwrap_or_else(|| "–".into())
        ));
    }
    if !tm.window_cut_months.is_empty() {
        parts.push(format!(
            "shaded grey = cut by the export window ({})",
            tm.window_cut_months.join(", ")
        ));
    }
    if parts.is_empty() {
        "Every month is mature.".into()
    } else {
        format!("Left out of the takeaway: {}.", parts.join("; "))
    }
}

/// The monthly MTTR and SLA charts: by month opened (cohorts) with immature and window-cut months
/// shaded, and MTTR by month resolved beside it.
fn monthly_charts(h: &mut Page, r: &Report) {
    let a = &r.analysis;
    let Some(tm) = &a.trend_maturity else { return };
    let months = month_axis(a);
    let axis = MonthAxis {
        bands: maturity_bands(tm, &months),
        caption: maturity_caption(tm),
        months,
    };
    let (opened, resolved) = a.trend_rows();
    let opened: Vec<&TrendMonth> = opened.iter().collect();
    // By month resolved, only months that are over and not cut by the export window are drawn.
    let resolved: Vec<&TrendMonth> = resolved.iter().filter(|m| m.usable()).collect();
    monthly_mttr_chart(h, &axis, &opened, &resolved);
    monthly_sla_chart(h, r, &axis, &opened);
}

/// The months of the monthly charts, their shaded bands and the caption stating what they leave out.
struct MonthAxis {
    months: Vec<String>,
    bands: Vec<Band>,
    caption: String,
}

/// Monthly MTTR: mean and median of the incidents opened each month, and the mean of those
/// resolved each month.
fn monthly_mttr_chart(
    h: &mut Page,
    axis: &MonthAxis,
    opened: &[&TrendMonth],
    resolved: &[&TrendMonth],
) {
    let months = &axis.months;
    let blue = plotters::style::RGBColor(31, 119, 180);
    let mean = |m: &TrendMonth| m.metrics.mttr_hours.mean;
    let grey = plotters::style::RGBColor(127, 127, 127);
    let orange = plotters::style::RGBColor(255, 127, 14);
    let mttr = [
        month_line(opened, months, "mean (opened)", &mean, blue, false),
        month_line(
            opened,
            months,
            "median (opened)",
            &|m| m.metrics.mttr_hours.median,
            grey,
            true,
        ),
        month_line(resolved, months, "mean (resolved)", &mean, orange, false),
    ];
    let caption = &axis.caption;
    h.figure(
        "monthly-mttr",
        line_chart(&LineChart {
            title: "Monthly MTTR",
            x_desc: "month",
            y_desc: "hours",
            series: &mttr,
            x_labels: Some(months),
            log_x: false,
            y_max: None,
            bands: &axis.bands,
        }),
        &format!("Mean and median resolution hours of the incidents opened each month (cohorts), and the mean of those resolved each month (drawn for months that are over and not cut by the export window). {caption}"),
    );
}

/// Monthly SLA compliance by month opened (computed with the policy, else the source's flag), with
/// the `all` target as a dashed line.
fn monthly_sla_chart(h: &mut Page, r: &Report, axis: &MonthAxis, opened: &[&TrendMonth]) {
    let months = &axis.months;
    let computed = r.analysis.sla.is_some();
    let sla = |m: &TrendMonth| {
        let g = &m.metrics;
        if computed {
            g.sla_computed_rate
        } else {
            g.sla_reported_rate
        }
        .map(|x| x * 100.0)
    };
    let green = plotters::style::RGBColor(44, 160, 44);
    let mut sla_series = vec![month_line(
        opened,
        months,
        "SLA compliance (opened)",
        &sla,
        green,
        false,
    )];
    if let Some(t) = r.targets.get("all") {
        sla_series.push(Line {
            name: format!("target {:.0}%", t * 100.0),
            points: (0..months.len()).map(|k| (k as f64, t * 100.0)).collect(),
            colour: plotters::style::RGBColor(0, 0, 0),
            dashed: true,
        });
    }
    let source = if computed {
        "Computed with the SLA policy"
    } else {
        "The source's own SLA flag"
    };
    h.figure(
        "monthly-sla",
        line_chart(&LineChart {
            title: "Monthly SLA compliance",
            x_desc: "month opened",
            y_desc: "% within SLA",
            series: &sla_series,
            x_labels: Some(months),
            log_x: false,
            y_max: Some(100.0),
            bands: &axis.bands,
        }),
        &format!("{source}, by month opened. {}", axis.caption),
    );
}
