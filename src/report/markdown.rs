//! `summary.md`: the headline, the takeaways and the per-priority table, for wikis and tickets.

use super::format::{num as f, pct as p};
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

/// One table row of cells already escaped and formatted: `| a | b |` and a newline.
pub fn table_row(cells: &[String]) -> String {
    format!("| {} |\n", cells.join(" | "))
}

/// The sections of `summary.md` in reading order; a new section is one more function here.
const SECTIONS: &[fn(&Report) -> String] = &[headline, by_group, problem_candidates, desk];

/// "Your desk, simulated" (src/report/desk.rs).
fn desk(r: &Report) -> String {
    super::desk::markdown(r, &md)
}

impl ReportWriter for MarkdownWriter {
    fn file_name(&self) -> &'static str {
        "summary.md"
    }
    fn render(&self, r: &Report) -> Result<Vec<u8>> {
        let mut o: String = SECTIONS.iter().map(|section| section(r)).collect();
        o.push_str("\nEvery figure is in metrics.json; charts in index.html.\n");
        Ok(o.into_bytes())
    }
}

/// Title, source and the takeaways.
fn headline(r: &Report) -> String {
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
    o
}

/// The `--by` table (per priority in a report) and the overall row.
fn by_group(r: &Report) -> String {
    let a = &r.analysis;
    let mut o = format!("\n## By {}\n\n| group | incidents | MTTR h | median h | p90 h | SLA computed | SLA reported |\n|---|---:|---:|---:|---:|---:|---:|\n", md(&a.by.join(", ")));
    let rows = a.groups.iter().map(|g| (g.label(&a.by), g));
    for (label, g) in rows.chain(std::iter::once(("all".to_string(), &a.overall))) {
        o.push_str(&table_row(&[
            md(&label),
            g.incidents.to_string(),
            f(g.mttr_hours.mean, 1),
            f(g.mttr_hours.median, 1),
            f(g.mttr_hours.p90, 1),
            p(g.sla_computed_rate),
            p(g.sla_reported_rate),
        ]));
    }
    o
}

/// The recurring clusters (problem candidates).
fn problem_candidates(r: &Report) -> String {
    let Some(rec) = r
        .analysis
        .recurrence
        .as_ref()
        .filter(|x| !x.top_clusters.is_empty())
    else {
        return String::new();
    };
    let mut o = String::from("\n## Problem candidates\n\n| key | incidents | recurrent | downtime h |\n|---|---:|---:|---:|\n");
    for c in &rec.top_clusters {
        o.push_str(&table_row(&[
            md(&c.key),
            c.incidents.to_string(),
            c.recurrent.to_string(),
            format!("{:.0}", c.downtime_hours),
        ]));
    }
    o
}
