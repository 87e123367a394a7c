//! `summary.md`: the headline, the takeaways and the per-priority table, for wikis and tickets.

use super::{Report, ReportWriter};
use crate::error::Result;

pub struct MarkdownWriter;

/// Markdown-safe text: escapes characters that would change the table or inline markup.
fn md(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '|' | '*' | '_' | '`' | '[' | ']' | '<' | '>' | '\\' | '#'
        ) {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

fn f(v: &serde_json::Value, d: usize) -> String {
    v.as_f64()
        .map(|x| format!("{x:.d$}"))
        .unwrap_or_else(|| "–".into())
}

fn p(v: &serde_json::Value) -> String {
    v.as_f64()
        .map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "–".into())
}

impl ReportWriter for MarkdownWriter {
    fn file_name(&self) -> &'static str {
        "summary.md"
    }
    fn render(&self, r: &Report) -> Result<Vec<u8>> {
        let a = &r.analysis;
        let mut o = format!(
            "# {}\n\n{} · {} incidents · data up to {}\n\n",
            md(&r.title),
            md(&r.source),
            a.incidents,
            a.as_of
        );
        for (_, t) in &r.takeaways {
            o.push_str(&format!("- {}\n", md(t)));
        }
        o.push_str(&format!("\n## By {}\n\n| group | incidents | MTTR h | median h | p90 h | SLA computed | SLA reported |\n|---|---:|---:|---:|---:|---:|---:|\n", md(&a.by.join(", "))));
        for g in a.groups.iter().chain(std::iter::once(&a.overall)) {
            let label = if g.get("key").is_some() {
                a.by.iter()
                    .map(|k| g["key"][k].as_str().unwrap_or("(none)").to_string())
                    .collect::<Vec<_>>()
                    .join(" / ")
            } else {
                "all".into()
            };
            o.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} |\n",
                md(&label),
                f(&g["incidents"], 0),
                f(&g["mttr_hours"]["mean"], 1),
                f(&g["mttr_hours"]["median"], 1),
                f(&g["mttr_hours"]["p90"], 1),
                p(&g["sla_computed_rate"]),
                p(&g["sla_reported_rate"])
            ));
        }
        if !a.recurrence.top_clusters.is_empty() {
            o.push_str("\n## Problem candidates\n\n| key | incidents | recurrent | downtime h |\n|---|---:|---:|---:|\n");
            for c in &a.recurrence.top_clusters {
                o.push_str(&format!(
                    "| {} | {} | {} | {:.0} |\n",
                    md(&c.key),
                    c.incidents,
                    c.recurrent,
                    c.downtime_hours
                ));
            }
        }
        o.push_str(&super::desk::markdown(r, &md));
        o.push_str("\nEvery figure is in metrics.json; charts in index.html.\n");
        Ok(o.into_bytes())
    }
}
