//! `incidentlab analyze`: metrics of a store (or an export, imported on the fly).
//!
#![doc = concat!("```text\n", include_str!("examples/analyze.txt"), "```")]

use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::list;
use crate::error::{Error, ReportError, Result};
use crate::ingest::import_files;
use crate::metrics::sla::SlaPolicy;
use crate::metrics::{
    analyze, Analysis, AnalyzeOptions, Dataset, EndEvent, Families, Filter, GroupMetrics,
};
use crate::report::format::{num as f, pct};
use crate::timeparse::TimeParser;

/// The usage examples of `incidentlab analyze`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/analyze.txt");

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum AnalyzeOutput {
    #[default]
    Table,
    Json,
    Csv,
    Parquet,
}

/// Which monthly view `--trend` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TrendView {
    Opened,
    Resolved,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// A store (.parquet, .arrow) or an export file to import on the fly.
    pub input: PathBuf,
    /// Group by these columns, comma-separated (any canonical column, or month, week, year, weekday, hour).
    #[arg(long, default_value = "priority")]
    pub by: String,
    /// Only incidents opened on or after this date/time (UTC).
    #[arg(long)]
    pub from: Option<String>,
    /// Only incidents opened before this date/time (UTC).
    #[arg(long)]
    pub to: Option<String>,
    /// Filter: column=value, column!=value, alternatives with | (repeatable).
    #[arg(long = "where")]
    pub filters: Vec<String>,
    /// What stops the MTTR clock (resolved: resolved_at, or closed_at when closed without a
    /// resolution). The SLA clock stops where the policy's `stop` says.
    #[arg(long, value_enum, default_value = "resolved")]
    pub end: EndEvent,
    /// SLA policy file (targets per priority, calendar, pause states).
    #[arg(long)]
    pub sla: Option<PathBuf>,
    /// Recurrence key columns, comma-separated (default: the first of ci, service,
    /// category+subcategory+symptom, … filled for at least half of the incidents).
    #[arg(long)]
    pub recurrence_key: Option<String>,
    /// Also print the monthly trend table, by month opened (cohorts, immature months marked) or by
    /// month resolved; `--output json` always carries both (`trend`, `trend_resolved`).
    #[arg(long, value_enum)]
    pub trend: Option<TrendView>,
    /// Recurrence window (e.g. 7d, 48h).
    #[arg(long, default_value = "7d")]
    pub window: String,
    /// How many recurring clusters to list.
    #[arg(long, default_value_t = 10)]
    pub top: usize,
    /// Snapshot instant: only incidents opened by then; later resolutions, closures, acknowledgements
    /// and events are not known yet (default: the latest timestamp of the whole store, whatever the filters).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Write one SLA row per incident (clock in ms and hours, status, pauses, margin, target,
    /// calendar) to FILE (.csv or .parquet); needs --sla.
    #[arg(long, value_name = "FILE")]
    pub per_incident: Option<PathBuf>,
    /// Metric families to compute, comma-separated: mttr, sla, flow, backlog, recurrence, major,
    /// trend (default all). Only the columns they need are read; the others are left out of the
    /// JSON (their per-group fields are null).
    #[arg(long, default_value = "mttr,sla,flow,backlog,recurrence,major,trend")]
    pub metrics: String,
    #[arg(long, value_enum, default_value = "table")]
    pub output: AnalyzeOutput,
    /// Output file (written atomically); without it json, table and csv go to standard output.
    #[arg(short = 'o', long = "output-file")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub export: super::ExportArgs,
}

/// Parses `7d`, `48h`, `90m` or a number of hours.
pub fn parse_window(s: &str) -> Result<f64> {
    let t = s.trim();
    let (n, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
    let n: f64 = n.trim().parse().map_err(|_| {
        Error::Usage(format!(
            "--window '{s}': expected a duration such as 7d, 48h or 90m"
        ))
    })?;
    let h = match unit {
        "" | "h" => n,
        "d" => n * 24.0,
        "w" => n * 168.0,
        "m" => n / 60.0,
        _ => {
            return Err(Error::Usage(format!(
                "--window '{s}': unit must be m, h, d or w"
            )))
        }
    };
    if !(h.is_finite() && h > 0.0) {
        return Err(Error::Usage(format!("--window '{s}' must be positive")));
    }
    Ok(h)
}

pub fn options(args: &AnalyzeArgs) -> Result<AnalyzeOptions> {
    let p = TimeParser::default();
    let when = |s: &Option<String>, flag: &str| {
        s.as_deref()
            .map(|v| p.parse(v).map_err(|e| Error::Usage(format!("{flag}: {e}"))))
            .transpose()
    };
    Ok(AnalyzeOptions {
        by: list(&args.by),
        from: when(&args.from, "--from")?,
        to: when(&args.to, "--to")?,
        filters: args
            .filters
            .iter()
            .map(|f| Filter::parse(f).map_err(Error::Usage))
            .collect::<Result<_>>()?,
        end: args.end,
        sla: args
            .sla
            .as_ref()
            .map(|p| SlaPolicy::load(p).map(|s| (p.clone(), s)))
            .transpose()?,
        recurrence_key: args.recurrence_key.as_deref().map(list).unwrap_or_default(),
        recurrence_window_hours: parse_window(&args.window)?,
        top: args.top,
        as_of: when(&args.as_of, "--as-of")?,
        per_incident: args.per_incident.is_some(),
        metrics: Families::parse(&args.metrics).map_err(Error::Usage)?,
        phase: None,
    })
}

/// Opens the input as a store, or imports it.
pub fn dataset(
    input: &std::path::Path,
    export: &super::ExportArgs,
) -> Result<(Dataset, Option<String>)> {
    if crate::store::StoreFormat::of(input).is_ok() {
        return Ok((Dataset::open_store(input)?, None));
    }
    let opts = export.options()?;
    let imported = import_files(&[input.to_path_buf()], &opts)?;
    Ok((
        Dataset::from_imported(&imported)?,
        Some(imported.summary.line()),
    ))
}

/// The per-incident file's format from its extension.
fn per_incident_format(p: &std::path::Path) -> Result<bool> {
    match p
        .extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .as_deref()
    {
        Some("csv") => Ok(true),
        Some("parquet") | Some("pq") => Ok(false),
        _ => Err(Error::Usage(format!(
            "--per-incident {}: the file must end in .csv or .parquet",
            p.display()
        ))),
    }
}

/// Writes `--per-incident FILE` (atomically; CSV cells neutralised).
fn write_per_incident(p: &std::path::Path, a: &Analysis) -> Result<String> {
    use crate::metrics::sla;
    let rows = a.per_incident.as_deref().unwrap_or(&[]);
    let as_of = a.as_of_ms;
    if per_incident_format(p)? {
        crate::output::write_csv(
            p,
            sla::PER_INCIDENT_COLUMNS,
            sla::per_incident_text_rows(rows, as_of),
        )?;
    } else {
        let mut df = sla::per_incident_frame(rows, as_of)?;
        crate::store::write_frame(&mut df, p)?;
    }
    Ok(format!(
        "wrote {} ({} incidents)\n",
        p.display(),
        rows.len()
    ))
}

/// Runs the analysis; `phases()` gives what to tell of its phases (the CLI's spinner on a terminal).
pub fn run(
    args: &AnalyzeArgs,
    phases: &dyn Fn() -> Box<dyn Fn(Option<&'static str>) + Send + Sync>,
) -> Result<String> {
    let mut opts = options(args)?;
    if let Some(p) = &args.per_incident {
        per_incident_format(p)?;
        if opts.sla.is_none() {
            return Err(Error::Usage(
                "--per-incident needs --sla POLICY (the clock is the policy's)".into(),
            ));
        }
    }
    let hook = crate::hook::Hook(std::sync::Arc::from(phases()));
    opts.phase = Some(hook.clone());
    let analysed = dataset(&args.input, &args.export)
        .and_then(|(data, import_line)| analyze(data, &opts).map(|a| (a, import_line)));
    (hook.0)(None);
    let (a, import_line) = analysed?;
    let wrote = match &args.per_incident {
        Some(p) => write_per_incident(p, &a)?,
        None => String::new(),
    };
    let out = match args.output {
        AnalyzeOutput::Json => {
            let text = serde_json::to_string_pretty(&a)
                .map(|s| s + "\n")
                .map_err(Error::Json)?;
            to_file_or_stdout(args.out.as_deref(), text)
        }
        AnalyzeOutput::Table => to_file_or_stdout(
            args.out.as_deref(),
            format!(
                "{}{}{}",
                import_line.map(|l| format!("{l}\n\n")).unwrap_or_default(),
                table(&a),
                args.trend.map(|v| trend_table(&a, v)).unwrap_or_default()
            ),
        ),
        AnalyzeOutput::Csv => csv_output(&a, args.out.as_deref()),
        AnalyzeOutput::Parquet => {
            let p = args
                .out
                .clone()
                .ok_or_else(|| Error::Usage("--output parquet needs -o FILE.parquet".into()))?;
            let mut df = a.group_frame.clone();
            crate::store::write_frame(&mut df, &p)?;
            Ok(format!("wrote {} ({} groups)\n", p.display(), df.height()))
        }
    }?;
    // The per-incident message only where it cannot corrupt machine-readable standard output.
    let quiet = args.output == AnalyzeOutput::Json
        || (args.output == AnalyzeOutput::Csv && args.out.is_none());
    Ok(if quiet { out } else { out + &wrote })
}

/// The group table as CSV: to a file (atomically) or standard output, cells neutralised.
fn csv_output(a: &Analysis, out: Option<&std::path::Path>) -> Result<String> {
    let (header, rows) = frame_rows(a)?;
    match out {
        Some(p) => {
            crate::output::write_csv(
                p,
                &header.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
                rows,
            )?;
            Ok(format!(
                "wrote {} ({} groups)\n",
                p.display(),
                a.group_frame.height()
            ))
        }
        None => {
            let mut w = csv::Writer::from_writer(Vec::new());
            let werr = |e: csv::Error| ReportError::render(e.to_string());
            w.write_record(&header).map_err(werr)?;
            for r in rows {
                w.write_record(
                    r.iter()
                        .map(|c| crate::output::neutralise_cell(c).into_owned()),
                )
                .map_err(werr)?;
            }
            let bytes = w
                .into_inner()
                .map_err(|e| ReportError::render(e.to_string()))?;
            Ok(String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

/// With `-o FILE` the text goes (atomically) to the file and a one-line note to standard output.
fn to_file_or_stdout(out: Option<&std::path::Path>, text: String) -> Result<String> {
    match out {
        None => Ok(text),
        Some(p) => {
            crate::output::write_bytes(p, text.as_bytes())?;
            Ok(format!("wrote {}\n", p.display()))
        }
    }
}

fn frame_rows(a: &Analysis) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let df = &a.group_frame;
    let header: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|s| s.to_string())
        .collect();
    let cols: Vec<Vec<Option<String>>> = header
        .iter()
        .map(|n| {
            Ok(df
                .column(n)?
                .cast(&polars::prelude::DataType::String)?
                .str()?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect())
        })
        .collect::<Result<_>>()?;
    let rows = (0..df.height())
        .map(|i| {
            cols.iter()
                .map(|c| c[i].clone().unwrap_or_default())
                .collect()
        })
        .collect();
    Ok((header, rows))
}

fn group_line(label: &str, g: &GroupMetrics) -> String {
    format!(
        "{label:<28} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}\n",
        g.incidents,
        g.resolved,
        f(g.mttr_hours.mean, 1),
        f(g.mttr_hours.median, 1),
        f(g.mttr_hours.p90, 1),
        f(g.mttr_hours.p95, 1),
        f(g.mtta_hours.mean, 2),
        pct(g.sla_reported_rate),
        pct(g.sla_computed_rate),
    )
}

/// The terminal report: the group table, then each family computed.
pub fn table(a: &Analysis) -> String {
    let mut o = format!(
        "{} incidents; MTTR ends at {:?}; as of {}\n",
        a.incidents, a.mttr_end, a.as_of
    );
    if !a.filters.is_empty() {
        o.push_str(&format!("filters: {}\n", a.filters.join("; ")));
    }
    o.push_str(&format!(
        "\n{:<28} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9} {:>9}\n",
        a.by.join(","),
        "count",
        "resolved",
        "MTTR h",
        "median",
        "p90",
        "p95",
        "MTTA h",
        "SLA rep.",
        "SLA comp."
    ));
    for g in &a.groups {
        let mut label = g.label(&a.by);
        if label.chars().count() > 28 {
            label = label.chars().take(27).collect::<String>() + "…";
        }
        o.push_str(&group_line(&label, g));
    }
    o.push_str(&group_line("all", &a.overall));
    if let Some(fl) = &a.flow {
        o.push_str(&flow_lines(&a.overall, fl));
    }
    if let Some(s) = &a.sla {
        o.push_str(&sla_lines(s));
    }
    if let Some(b) = &a.backlog {
        o.push_str(&backlog_lines(b));
    }
    if let Some(r) = &a.recurrence {
        o.push_str(&recurrence_lines(r));
    }
    if let Some(m) = &a.major_incidents {
        o.push_str(&format!(
            "\nmajor incidents: {} ({} listed with timelines in --output json, the first by opening time)\n",
            f(a.overall.major_incidents.map(|n| n as f64), 0),
            m.len()
        ));
    }
    for n in &a.notes {
        o.push_str(&format!("note: {n}\n"));
    }
    o
}

fn counts(m: &std::collections::BTreeMap<String, u64>, sep: &str) -> String {
    m.iter()
        .map(|(k, v)| format!("{k}{sep}{v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn flow_lines(ov: &GroupMetrics, fl: &crate::metrics::flow::Flow) -> String {
    let mut o = format!(
        "\nflow: reopen {} · first-contact resolution {} · reassigned ≥3 {} · escalated {} · knowledge used {} · major incidents {}\n",
        pct(ov.reopen_rate),
        pct(ov.first_contact_resolution_rate),
        pct(ov.reassigned_3plus_share),
        pct(ov.escalated_share),
        pct(ov.knowledge_use_rate),
        f(ov.major_incidents.map(|n| n as f64), 0)
    );
    if !fl.reassignments.is_empty() {
        o.push_str(&format!(
            "reassignments: {}\n",
            counts(&fl.reassignments, ": ")
        ));
    }
    if !fl.by_max_support_level.is_empty() {
        o.push_str(&format!(
            "highest support level: {}\n",
            counts(&fl.by_max_support_level, ": ")
        ));
    }
    if fl.events_available {
        o.push_str(&format!(
            "support level transitions: {}\n",
            counts(&fl.level_transitions, " ")
        ));
        o.push_str(&format!(
            "ping-pong (back to a group already left): {} incidents ({})\n",
            fl.ping_pong_incidents,
            pct(crate::metrics::results::finite(fl.ping_pong_share))
        ));
        let h: Vec<String> = fl
            .hours_by_level
            .iter()
            .map(|(k, v)| format!("{k} {v:.0} h"))
            .collect();
        o.push_str(&format!("time by level: {}\n", h.join(", ")));
    }
    o
}

fn sla_lines(s: &crate::metrics::SlaReport) -> String {
    let mut o = format!(
        "\nSLA policy '{}' (clock stops at {:?}; {}):\n",
        s.policy, s.stop, s.pauses
    );
    for p in &s.by_priority {
        let c = &p.counts;
        o.push_str(&format!(
            "  P{} target {:?} h ({}): {} met, {} breached, {} pending → {}; response {}; margin p50 {} h; time left p50 {} h\n",
            p.priority,
            p.resolution_target_hours,
            p.calendar,
            c.met,
            c.breached,
            c.pending,
            pct(c.compliance),
            pct(c.response_compliance),
            f(c.margin_hours.p50, 1),
            f(c.time_left_hours.p50, 1)
        ));
    }
    o.push_str(&format!(
        "  overall: {}\n",
        pct(s.overall.counts.compliance)
    ));
    o
}

fn backlog_lines(b: &crate::metrics::backlog::Backlog) -> String {
    let aging: Vec<String> = b
        .aging
        .iter()
        .map(|x| format!("{} {}", x.bucket, x.open))
        .collect();
    let mut o = format!(
        "\nbacklog: {} open at {} ({})\n",
        b.open_now,
        b.as_of,
        aging.join(", ")
    );
    if let Some(w) = b.weeks.last() {
        o.push_str(&format!(
            "last week {}: created {}, resolved {}, open at end {}\n",
            w.week_start, w.created, w.resolved, w.open_at_end
        ));
    }
    o
}

fn recurrence_lines(r: &crate::metrics::recurrence::Recurrence) -> String {
    let mut o = format!(
        "\nrecurrence by {} within {} h: {} of {} incidents ({}) had a predecessor; {} clusters\n",
        r.key.join("+"),
        r.window_hours,
        r.recurrent_incidents,
        r.incidents_with_key,
        pct(crate::metrics::results::finite(r.recurrence_share)),
        r.clusters
    );
    for c in &r.top_clusters {
        o.push_str(&format!(
            "  {:<30} {:>6} incidents ({} recurrent), {} → {}, downtime {:.0} h, {} linked to a problem\n",
            c.key,
            c.incidents,
            c.recurrent,
            &c.first_seen[..10.min(c.first_seen.len())],
            &c.last_seen[..10.min(c.last_seen.len())],
            c.downtime_hours,
            c.linked_to_problem
        ));
    }
    o
}

/// The monthly trend table of one view; immature and window-cut months are marked.
pub fn trend_table(a: &Analysis, view: TrendView) -> String {
    let (opened, resolved) = a.trend_rows();
    let (rows, what) = match view {
        TrendView::Opened => (opened, "opened (cohorts)"),
        TrendView::Resolved => (resolved, "resolved"),
    };
    let mut o = format!(
        "\nmonthly trend by month {what}:\n{:<9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}  note\n",
        "month", "count", "resolved", "MTTR h", "median", "KM med.", "SLA comp."
    );
    for m in rows {
        let mut notes = Vec::new();
        if !m.mature {
            notes.push(match view {
                TrendView::Opened => "immature: still resolving",
                TrendView::Resolved => "month not over",
            });
        }
        if m.window_cut {
            notes.push("cut by the export window");
        }
        let g = &m.metrics;
        o.push_str(&format!(
            "{:<9} {:>8} {:>8} {:>8} {:>8} {:>8} {:>9}  {}\n",
            g.month(),
            g.incidents,
            g.resolved,
            f(g.mttr_hours.mean, 1),
            f(g.mttr_hours.median, 1),
            f(m.cohort.and_then(|c| c.km_median_hours), 1),
            pct(g.sla_computed_rate),
            notes.join("; ")
        ));
    }
    if let (TrendView::Opened, Some(tm)) = (view, &a.trend_maturity) {
        o.push_str(&format!("{}\n", tm.rule));
    }
    o
}
