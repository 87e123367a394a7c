//! `index.html`: self-contained (inline CSS and SVG, no scripts, no network requests). Every figure
//! shown carries `data-metric="<path in metrics.json>"`, so tests can check it against the JSON.
//! Every string from the data is escaped.

use serde_json::Value;

use super::charts::{bars, hbars, lines, lines_marked, priority_colour, Band, Bar, Line};
use super::{at_path, Report, ReportWriter};
use crate::error::{Error, Result};
use crate::escape::xml as esc;

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

fn num(v: Option<&Value>, digits: usize) -> String {
    v.and_then(|x| x.as_f64())
        .map(|x| format!("{x:.digits$}"))
        .unwrap_or_else(|| "–".into())
}

fn pct(v: Option<&Value>) -> String {
    v.and_then(|x| x.as_f64())
        .map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "–".into())
}

/// A figure whose text is the value at `path` in metrics.json, formatted.
fn metric(json: &Value, path: &str, percent: bool, digits: usize) -> String {
    let v = at_path(json, path);
    let text = if percent { pct(v) } else { num(v, digits) };
    format!(
        "<span data-metric=\"{}\" data-format=\"{}\">{}</span>",
        esc(path),
        if percent { "percent" } else { "number" },
        esc(&text)
    )
}

fn figure(id: &str, svg: std::result::Result<String, String>, caption: &str) -> String {
    match svg {
        Ok(s) => format!("<figure class=\"chart\" id=\"chart-{}\">{s}<figcaption>{}</figcaption></figure>\n", esc(id), esc(caption)),
        Err(e) => format!("<figure class=\"chart\" id=\"chart-{}\"><figcaption>chart not drawn: {}</figcaption></figure>\n", esc(id), esc(&e)),
    }
}

fn takeaway(r: &Report, key: &str) -> String {
    r.takeaways
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, t)| format!("<p class=\"takeaway\">{}</p>", esc(t)))
        .unwrap_or_default()
}

impl ReportWriter for HtmlWriter {
    fn file_name(&self) -> &'static str {
        "index.html"
    }

    // Over 80 lines: the page is written section by section in reading order, sharing the
    // buffer and the JSON; one function per section is issue 11's open "small parts" item.
    fn render(&self, r: &Report) -> Result<Vec<u8>> {
        let json = serde_json::to_value(r).map_err(|e| Error::Usage(e.to_string()))?;
        let a = &r.analysis;
        let mut h = String::with_capacity(1 << 20);
        h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
        // Defence in depth: even if escaping failed somewhere, the browser runs no script and makes
        // no request (inline styles and data: images only).
        h.push_str(CSP_META);
        h.push_str(&format!(
            "<title>{}</title><style>{CSS}</style></head><body>\n",
            esc(&r.title)
        ));
        h.push_str(&format!(
            "<header><h1>{}</h1><p>{} · {} incidents · data up to {}</p></header><main>\n",
            esc(&r.title),
            esc(&r.source),
            a.incidents,
            esc(&a.as_of)
        ));

        // Headline KPIs.
        h.push_str("<section id=\"headline\"><h2>Headline</h2>");
        h.push_str(&takeaway(r, "headline"));
        h.push_str("<div class=\"kpis\">");
        let mut kpi = |label: &str, value: String, note: &str| {
            h.push_str(&format!("<div class=\"kpi\"><div class=\"label\">{}</div><div class=\"value\">{value}</div><div class=\"note\">{}</div></div>", esc(label), esc(note)));
        };
        kpi(
            "Incidents",
            metric(&json, "analysis.incidents", false, 0),
            "in the period",
        );
        kpi(
            "MTTR (mean)",
            metric(&json, "analysis.overall.mttr_hours.mean", false, 1),
            "hours, opened → resolved",
        );
        kpi(
            "MTTR (median)",
            metric(&json, "analysis.overall.mttr_hours.median", false, 1),
            "hours",
        );
        kpi(
            "MTTR p90",
            metric(&json, "analysis.overall.mttr_hours.p90", false, 1),
            "hours",
        );
        kpi(
            "MTTA (mean)",
            metric(&json, "analysis.overall.mtta_hours.mean", false, 2),
            "hours to first response",
        );
        if a.sla.is_some() {
            kpi(
                "SLA compliance",
                metric(&json, "analysis.sla.overall.compliance", true, 1),
                "computed with the policy",
            );
        } else {
            kpi(
                "SLA (reported)",
                metric(&json, "analysis.overall.sla_reported_rate", true, 1),
                "the source's own flag",
            );
        }
        kpi(
            "Reopen rate",
            metric(&json, "analysis.overall.reopen_rate", true, 1),
            "reopened at least once",
        );
        kpi(
            "Open now",
            metric(&json, "analysis.backlog.open_now", false, 0),
            "backlog at the data's end",
        );
        h.push_str("</div></section>\n");

        // Resolution and SLA by priority.
        h.push_str("<section id=\"resolution\"><h2>Resolution and SLA by priority</h2>");
        h.push_str(&takeaway(r, "sla"));
        let targets: Vec<(u64, f64, Option<f64>)> = a
            .sla
            .as_ref()
            .map(|s| {
                s.by_priority
                    .iter()
                    .filter_map(|p| {
                        Some((
                            p["priority"].as_u64()?,
                            p["resolution_target_hours"].as_f64()?,
                            p["compliance"].as_f64(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        h.push_str("<table><tr><th>Priority</th><th>Incidents</th><th>Resolved</th><th>MTTR h</th><th>Median h</th><th>p90 h</th><th>p95 h</th><th>Target h</th><th>SLA computed</th><th>SLA reported</th></tr>");
        let mut bar_items = Vec::new();
        for (i, g) in a.groups.iter().enumerate() {
            let key: Vec<String> =
                a.by.iter()
                    .map(|k| g["key"][k].as_str().unwrap_or("(none)").to_string())
                    .collect();
            let label = key.join(" / ");
            let plabel = if a.by == ["priority"] {
                format!("P{label}")
            } else {
                label.clone()
            };
            let target = label
                .parse::<u64>()
                .ok()
                .and_then(|p| targets.iter().find(|t| t.0 == p))
                .map(|t| t.1);
            let base = format!("analysis.groups.{i}");
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&plabel),
                metric(&json, &format!("{base}.incidents"), false, 0),
                metric(&json, &format!("{base}.resolved"), false, 0),
                metric(&json, &format!("{base}.mttr_hours.mean"), false, 1),
                metric(&json, &format!("{base}.mttr_hours.median"), false, 1),
                metric(&json, &format!("{base}.mttr_hours.p90"), false, 1),
                metric(&json, &format!("{base}.mttr_hours.p95"), false, 1),
                target.map(|t| format!("{t:.0}")).unwrap_or_else(|| "–".into()),
                metric(&json, &format!("{base}.sla_computed_rate"), true, 1),
                metric(&json, &format!("{base}.sla_reported_rate"), true, 1),
            ));
            bar_items.push(Bar {
                label: plabel.clone(),
                value: g["mttr_hours"]["mean"].as_f64().unwrap_or(f64::NAN),
                low: None,
                high: None,
                target,
                colour: priority_colour(&plabel),
            });
        }
        h.push_str("</table><div class=\"charts\">");
        h.push_str(&figure(
            "mttr-by-priority",
            bars(
                "MTTR by priority against the target (black line)",
                "hours",
                &bar_items,
            ),
            "Mean hours from opened to resolved; black line = SLA resolution target.",
        ));
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
        h.push_str(&figure(
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
        ));
        h.push_str("</div></section>\n");

        // Trends.
        h.push_str("<section id=\"trends\"><h2>Trends</h2>");
        h.push_str(&takeaway(r, "trend"));
        h.push_str(&takeaway(r, "backlog"));
        h.push_str("<div class=\"charts\">");
        h.push_str(&monthly_charts(r));
        let weeks: Vec<String> = a
            .backlog
            .weeks
            .iter()
            .map(|w| w.week_start.clone())
            .collect();
        let wl = |name: &str,
                  f: &dyn Fn(&crate::metrics::backlog::Week) -> u64,
                  c: plotters::style::RGBColor,
                  dashed: bool| Line {
            name: name.into(),
            points: a
                .backlog
                .weeks
                .iter()
                .enumerate()
                .map(|(k, w)| (k as f64, f(w) as f64))
                .collect(),
            colour: c,
            dashed,
        };
        h.push_str(&figure(
            "backlog",
            lines(
                "Created vs resolved per week, and backlog",
                "week",
                "incidents",
                &[
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
                ],
                Some(&weeks),
                false,
                None,
            ),
            "Incidents created and resolved each ISO week, and those still open at the week's end.",
        ));
        h.push_str("</div></section>\n");

        // Flow.
        h.push_str("<section id=\"flow\"><h2>Flow: reassignments and escalations</h2>");
        h.push_str(&takeaway(r, "flow"));
        h.push_str("<div class=\"charts\">");
        let ra: Vec<Bar> = a
            .flow
            .reassignments
            .iter()
            .map(|(k, v)| Bar {
                label: format!("{k} hops"),
                value: *v as f64,
                low: None,
                high: None,
                target: None,
                colour: plotters::style::RGBColor(31, 119, 180),
            })
            .collect();
        h.push_str(&figure(
            "reassignments",
            bars("Reassignments per incident", "incidents", &ra),
            "Times an incident moved to another group.",
        ));
        let lv: Vec<Bar> = if a.flow.level_transitions.is_empty() {
            a.flow
                .by_max_support_level
                .iter()
                .map(|(k, v)| Bar {
                    label: k.clone(),
                    value: *v as f64,
                    low: None,
                    high: None,
                    target: None,
                    colour: plotters::style::RGBColor(255, 127, 14),
                })
                .collect()
        } else {
            let mut t: Vec<(&String, &u64)> = a.flow.level_transitions.iter().collect();
            t.sort_by(|x, y| y.1.cmp(x.1));
            t.into_iter()
                .take(8)
                .map(|(k, v)| Bar {
                    label: k.clone(),
                    value: *v as f64,
                    low: None,
                    high: None,
                    target: None,
                    colour: plotters::style::RGBColor(255, 127, 14),
                })
                .collect()
        };
        if lv.is_empty() {
            h.push_str("<figure class=\"chart\" id=\"chart-escalations\"><figcaption>This source records no support levels, so there is no escalation flow to draw.</figcaption></figure>");
        } else {
            h.push_str(&figure(
                "escalations",
                bars(
                    if a.flow.level_transitions.is_empty() {
                        "Highest support level reached"
                    } else {
                        "Support level transitions"
                    },
                    "count",
                    &lv,
                ),
                "Escalation flow between support levels.",
            ));
        }
        h.push_str("</div>");
        h.push_str(&format!(
            "<p>Reassigned 3+ times: {} · escalated: {} · first-contact resolution: {} · ping-pong incidents: {}</p>",
            metric(&json, "analysis.overall.reassigned_3plus_share", true, 1),
            metric(&json, "analysis.overall.escalated_share", true, 1),
            metric(&json, "analysis.overall.first_contact_resolution_rate", true, 1),
            metric(&json, "analysis.flow.ping_pong_incidents", false, 0)
        ));
        h.push_str("</section>\n");

        // Recurrence.
        h.push_str("<section id=\"recurrence\"><h2>Recurring incidents: problem candidates</h2>");
        h.push_str(&takeaway(r, "recurrence"));
        let rc: Vec<Bar> = a
            .recurrence
            .top_clusters
            .iter()
            .map(|c| Bar {
                label: c.key.clone(),
                value: c.incidents as f64,
                low: None,
                high: None,
                target: None,
                colour: plotters::style::RGBColor(148, 103, 189),
            })
            .collect();
        h.push_str("<div class=\"charts\">");
        h.push_str(&figure(
            "recurrence",
            hbars("Top recurring clusters", "incidents", &rc),
            "Incidents per key; the list a problem manager starts root-cause analysis from.",
        ));
        h.push_str("</div><table><tr><th>Key</th><th>Incidents</th><th>Recurrent</th><th>First seen</th><th>Last seen</th><th>Downtime h</th><th>Linked to a problem</th></tr>");
        for (i, c) in a.recurrence.top_clusters.iter().enumerate() {
            h.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&c.key),
                metric(&json, &format!("analysis.recurrence.top_clusters.{i}.incidents"), false, 0),
                c.recurrent,
                esc(&c.first_seen[..10.min(c.first_seen.len())]),
                esc(&c.last_seen[..10.min(c.last_seen.len())]),
                metric(&json, &format!("analysis.recurrence.top_clusters.{i}.downtime_hours"), false, 0),
                c.linked_to_problem
            ));
        }
        h.push_str("</table></section>\n");

        // Your desk, simulated (src/report/desk.rs).
        h.push_str(&super::desk::html(r, &json));
        // Simulation and comparison.
        if !r.simulations.is_empty() {
            h.push_str("<section id=\"simulation\"><h2>Simulation</h2>");
            h.push_str(&takeaway(r, "simulation"));
            h.push_str(&takeaway(r, "comparison"));
            h.push_str("<div class=\"charts\">");
            for (k, s) in r.simulations.iter().enumerate() {
                let mut mttr = Vec::new();
                let mut sla = Vec::new();
                for p in &s.priority_order {
                    if let Some(c) = s.priorities.get(p) {
                        mttr.push(Bar {
                            label: p.clone(),
                            value: c.resolution_hours.mean,
                            low: Some(c.resolution_hours.ci_low),
                            high: Some(c.resolution_hours.ci_high),
                            target: None,
                            colour: priority_colour(p),
                        });
                        sla.push(Bar {
                            label: p.clone(),
                            value: c.sla_compliance.mean * 100.0,
                            low: Some(c.sla_compliance.ci_low * 100.0),
                            high: Some(c.sla_compliance.ci_high * 100.0),
                            target: None,
                            colour: priority_colour(p),
                        });
                    }
                }
                h.push_str(&figure(
                    &format!("simulation-mttr-{k}"),
                    bars(
                        &format!("Simulated MTTR — {} (95% CI)", s.scenario),
                        "hours",
                        &mttr,
                    ),
                    "Mean over replications; whiskers are 95% confidence intervals.",
                ));
                h.push_str(&figure(
                    &format!("simulation-sla-{k}"),
                    bars(
                        &format!("Simulated SLA compliance — {} (95% CI)", s.scenario),
                        "% within target",
                        &sla,
                    ),
                    "Unresolved incidents count as breaches.",
                ));
            }
            h.push_str("</div><table><tr><th>Scenario</th><th>Replications</th><th>MTTR h</th><th>95% CI</th><th>SLA</th></tr>");
            for (i, s) in r.simulations.iter().enumerate() {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}–{}</td><td>{}</td></tr>",
                    esc(&s.scenario),
                    s.replications,
                    metric(
                        &json,
                        &format!("simulations.{i}.overall.resolution_hours.mean"),
                        false,
                        2
                    ),
                    metric(
                        &json,
                        &format!("simulations.{i}.overall.resolution_hours.ci_low"),
                        false,
                        2
                    ),
                    metric(
                        &json,
                        &format!("simulations.{i}.overall.resolution_hours.ci_high"),
                        false,
                        2
                    ),
                    metric(
                        &json,
                        &format!("simulations.{i}.overall.sla_compliance.mean"),
                        true,
                        1
                    ),
                ));
            }
            h.push_str("</table>");
            if let Some(c) = &r.comparison {
                h.push_str(&format!("<p>Paired comparison with common random numbers against '{}' ({} replications):</p><table><tr><th>Scenario</th><th>Δ MTTR h</th><th>95% CI</th><th>Δ SLA points</th><th>Significant</th></tr>", esc(&c.baseline.scenario), c.replications));
                for p in &c.pilots {
                    let d = &p.overall["resolution_hours"];
                    let s = &p.overall["sla_compliance"].difference;
                    h.push_str(&format!(
                        "<tr><td>{}</td><td>{:+.2}</td><td>{:+.2} to {:+.2}</td><td>{:+.1}</td><td>{}</td></tr>",
                        esc(&p.scenario),
                        d.difference.mean,
                        d.difference.ci_low,
                        d.difference.ci_high,
                        s.mean * 100.0,
                        if d.significant { "yes" } else { "no" }
                    ));
                }
                h.push_str("</table>");
            }
            h.push_str("</section>\n");
        }

        // Staffing curve.
        if let Some(c) = &r.staffing_curve {
            h.push_str("<section id=\"staffing\"><h2>Staffing curve</h2>");
            h.push_str(&takeaway(r, "staffing"));
            let xs: Vec<String> = c.points.iter().map(|p| p.value.to_string()).collect();
            let mut series = vec![Line {
                name: "all".into(),
                points: c
                    .points
                    .iter()
                    .enumerate()
                    .map(|(k, p)| (k as f64, p.sla_compliance.mean * 100.0))
                    .collect(),
                colour: plotters::style::RGBColor(0, 0, 0),
                dashed: false,
            }];
            if let Some(first) = c.points.first() {
                for label in first.sla_compliance_by_priority.keys() {
                    series.push(Line {
                        name: label.clone(),
                        points: c
                            .points
                            .iter()
                            .enumerate()
                            .map(|(k, p)| {
                                (
                                    k as f64,
                                    p.sla_compliance_by_priority
                                        .get(label)
                                        .map(|e| e.mean * 100.0)
                                        .unwrap_or(f64::NAN),
                                )
                            })
                            .collect(),
                        colour: priority_colour(label),
                        dashed: false,
                    });
                }
            }
            for (label, t) in &r.targets {
                series.push(Line {
                    // Named in the caption, not the legend (which would cover the curves).
                    name: String::new(),
                    points: (0..xs.len()).map(|k| (k as f64, t * 100.0)).collect(),
                    colour: if label == "all" {
                        plotters::style::RGBColor(0, 0, 0)
                    } else {
                        priority_colour(label)
                    },
                    dashed: true,
                });
            }
            h.push_str("<div class=\"charts\">");
            h.push_str(&figure(
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
                &format!(
                    "Simulated with common random numbers; dashed lines are the targets ({}).",
                    r.targets
                        .iter()
                        .map(|(l, t)| format!("{l} {:.0}%", t * 100.0))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
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
            h.push_str(&figure(
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
            ));
            h.push_str("</div><table><tr><th>Value</th><th>Mean staff</th><th>MTTR h</th><th>SLA</th><th>Meets targets</th></tr>");
            for (i, p) in c.points.iter().enumerate() {
                h.push_str(&format!(
                    "<tr><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    p.value,
                    p.mean_staff,
                    metric(
                        &json,
                        &format!("staffing_curve.points.{i}.resolution_hours.mean"),
                        false,
                        2
                    ),
                    metric(
                        &json,
                        &format!("staffing_curve.points.{i}.sla_compliance.mean"),
                        true,
                        1
                    ),
                    match p.meets_targets {
                        Some(true) => "<span class=\"ok\">yes</span>",
                        Some(false) => "<span class=\"miss\">no</span>",
                        None => "–",
                    }
                ));
            }
            h.push_str("</table></section>\n");
        }

        // Pilot.
        if let Some(p) = &r.pilot {
            h.push_str("<section id=\"pilot\"><h2>Pilot evaluation</h2>");
            h.push_str(&takeaway(r, "pilot"));
            h.push_str(&format!(
                "<p>Before: {} incidents, MTTR {} h · after: {} incidents, MTTR {} h. Censoring cut-off {} ({} late incidents left out).</p>",
                p.pilot.before.incidents,
                metric(&json, "pilot.pilot.before.mttr_hours", false, 1),
                p.pilot.after.incidents,
                metric(&json, "pilot.pilot.after.mttr_hours", false, 1),
                esc(&p.censoring_cutoff),
                p.excluded_censored
            ));
            for w in &p.warnings {
                h.push_str(&format!("<p class=\"miss\">Warning: {}</p>", esc(w)));
            }
            h.push_str("<div class=\"charts\">");
            for (k, ch) in p.charts.iter().enumerate() {
                let labels: Vec<String> = ch.points.iter().map(|x| x.week_start.clone()).collect();
                let scale = if ch.metric.contains("SLA") {
                    100.0
                } else {
                    1.0
                };
                let pts = |f: &dyn Fn(&crate::decide::pilot::ChartPoint) -> f64| {
                    ch.points
                        .iter()
                        .enumerate()
                        .map(|(i, x)| (i as f64, f(x) * scale))
                        .collect::<Vec<_>>()
                };
                let series = [
                    Line {
                        name: "weekly value".into(),
                        points: pts(&|x| x.value),
                        colour: plotters::style::RGBColor(31, 119, 180),
                        dashed: false,
                    },
                    Line {
                        name: "upper limit".into(),
                        points: pts(&|x| x.ucl),
                        colour: plotters::style::RGBColor(214, 39, 40),
                        dashed: true,
                    },
                    Line {
                        name: "lower limit".into(),
                        points: pts(&|x| x.lcl),
                        colour: plotters::style::RGBColor(214, 39, 40),
                        dashed: true,
                    },
                    Line {
                        name: "centre (before)".into(),
                        points: ch
                            .points
                            .iter()
                            .enumerate()
                            .map(|(i, _)| (i as f64, ch.centre * scale))
                            .collect(),
                        colour: plotters::style::RGBColor(90, 90, 90),
                        dashed: true,
                    },
                ];
                let signals = ch.points.iter().filter(|x| x.signal).count();
                h.push_str(&figure(&format!("control-{k}"), lines(&format!("Control chart: {}", ch.metric), "week", if scale > 1.0 { "%" } else { "hours" }, &series, Some(&labels), false, (scale > 1.0).then_some(100.0)), &format!("{signals} weeks flagged as special-cause signals (outside the limits or 8 in a row on one side).")));
            }
            h.push_str("</div></section>\n");
        }
        if !a.notes.is_empty() {
            h.push_str("<section id=\"notes\"><h2>Notes</h2><ul>");
            for n in &a.notes {
                h.push_str(&format!("<li>{}</li>", esc(n)));
            }
            h.push_str("</ul></section>\n");
        }
        h.push_str(&format!("</main><footer>Generated by incidentlab {} · every figure is in metrics.json</footer></body></html>\n", env!("CARGO_PKG_VERSION")));
        Ok(h.into_bytes())
    }
}

/// The month labels of both trend views, in order, and each view's row index per label.
fn month_axis(a: &crate::metrics::Analysis) -> Vec<String> {
    let label = |m: &Value| m["key"]["month"].as_str().unwrap_or("").to_string();
    let mut months: Vec<String> = a
        .trend
        .iter()
        .chain(&a.trend_resolved)
        .map(label)
        .filter(|m| !m.is_empty())
        .collect();
    months.sort();
    months.dedup();
    months
}

/// One line of a trend view on the shared month axis.
fn month_line(
    rows: &[Value],
    months: &[String],
    name: &str,
    value: &dyn Fn(&Value) -> Option<f64>,
    colour: plotters::style::RGBColor,
    dashed: bool,
) -> Line {
    let points = rows
        .iter()
        .filter_map(|m| {
            let k = months
                .iter()
                .position(|x| Some(x.as_str()) == m["key"]["month"].as_str())?;
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
fn maturity_bands(a: &crate::metrics::Analysis, months: &[String]) -> Vec<Band> {
    let mut bands = Vec::new();
    let tm = &a.trend_maturity;
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
fn maturity_caption(a: &crate::metrics::Analysis) -> String {
    let tm = &a.trend_maturity;
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
fn monthly_charts(r: &Report) -> String {
    let a = &r.analysis;
    let months = month_axis(a);
    let bands = maturity_bands(a, &months);
    let blue = plotters::style::RGBColor(31, 119, 180);
    // By month resolved, only months that are over and not cut by the export window are drawn.
    let resolved: Vec<Value> = a
        .trend_resolved
        .iter()
        .filter(|m| m["mature"] == Value::Bool(true) && m["window_cut"] == Value::Bool(false))
        .cloned()
        .collect();
    let mean = |m: &Value| m["mttr_hours"]["mean"].as_f64();
    let mttr = [
        month_line(&a.trend, &months, "mean (opened)", &mean, blue, false),
        month_line(
            &a.trend,
            &months,
            "median (opened)",
            &|m| m["mttr_hours"]["median"].as_f64(),
            plotters::style::RGBColor(127, 127, 127),
            true,
        ),
        month_line(
            &resolved,
            &months,
            "mean (resolved)",
            &mean,
            plotters::style::RGBColor(255, 127, 14),
            false,
        ),
    ];
    let caption = maturity_caption(a);
    let mut h = figure(
        "monthly-mttr",
        lines_marked("Monthly MTTR", "month", "hours", &mttr, Some(&months), false, None, &bands),
        &format!("Mean and median resolution hours of the incidents opened each month (cohorts), and the mean of those resolved each month (drawn for months that are over and not cut by the export window). {caption}"),
    );
    let sla_key = if a.sla.is_some() {
        "sla_computed_rate"
    } else {
        "sla_reported_rate"
    };
    let mut sla_series = vec![month_line(
        &a.trend,
        &months,
        "SLA compliance (opened)",
        &|m| m[sla_key].as_f64().map(|x| x * 100.0),
        plotters::style::RGBColor(44, 160, 44),
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
    let source = if a.sla.is_some() {
        "Computed with the SLA policy"
    } else {
        "The source's own SLA flag"
    };
    h.push_str(&figure(
        "monthly-sla",
        lines_marked(
            "Monthly SLA compliance",
            "month opened",
            "% within SLA",
            &sla_series,
            Some(&months),
            false,
            Some(100.0),
            &bands,
        ),
        &format!("{source}, by month opened. {caption}"),
    ));
    h
}
