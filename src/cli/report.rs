//! `incidentlab report`: from a store (or an export) to a report a manager can read.
//!
#![doc = concat!("```text\n", include_str!("examples/report.txt"), "```")]
//! A source with events and no `--scenarios` gets "Your desk, simulated" (`report::desk`): the desk
//! discovered before the split (the opening of the incident at 80 % of them), validated on the rest, and one more agent in
//! the most utilised pool; `--sweep` then varies that desk.
//! Writes `index.html` (self-contained, offline), `summary.md` and `metrics.json`.

use std::path::PathBuf;

use clap::Args;
use polars::prelude::*;

use crate::decide::pilot::PilotOptions;
use crate::error::{Error, ReportError, Result, SimError};
use crate::ingest::import_files;
use crate::metrics::sla::SlaPolicy;
use crate::metrics::{analyze, AnalyzeOptions, Dataset, Filter};
use crate::report::html::Page;
use crate::report::markdown::MarkdownWriter;
use crate::report::{takeaways, write_report, JsonWriter, Report, ReportWriter};
use crate::timeparse::TimeParser;

/// The usage examples of `incidentlab report`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/report.txt");

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// A store (.parquet, .arrow) or an export to import on the fly.
    pub input: PathBuf,
    /// The report folder to write (index.html, summary.md, metrics.json).
    #[arg(short = 'o', long = "output-dir")]
    pub out: PathBuf,
    /// SLA policy for computed compliance and targets.
    #[arg(long)]
    pub sla: Option<PathBuf>,
    /// Scenarios (tier scenarios or desk files) to simulate; with two or more, the first is the
    /// baseline of a paired comparison.
    #[arg(long, num_args = 1..)]
    pub scenarios: Vec<PathBuf>,
    /// Replications per scenario (default: each file's).
    #[arg(long)]
    pub replications: Option<usize>,
    /// Evaluate a pilot that started on this date.
    #[arg(long)]
    pub pilot_start: Option<String>,
    #[arg(long)]
    pub pilot_end: Option<String>,
    /// Pilot group, e.g. 'assignment_group=Service Desk North'.
    #[arg(long)]
    pub pilot_group: Option<String>,
    /// Staffing curve: sweep a parameter of the first scenario, e.g. l1_extra=0..3 or desk_staff=8..14.
    #[arg(long)]
    pub sweep: Option<String>,
    /// SLA compliance targets drawn on the charts and checked by the sweep, e.g. P1=95%,all=90%.
    #[arg(long)]
    pub target: Option<String>,
    /// Also write every chart as PNG (charts/*.png), rendered by headless Chromium; SVG files
    /// (charts/*.svg) are always written.
    #[arg(long)]
    pub png: bool,
    /// Report title.
    #[arg(long, default_value = "Incident management report")]
    pub title: String,
    /// How an export given as input is read (as `import` reads it).
    #[command(flatten)]
    pub export: super::ExportArgs,
}

/// Resolution-time percentiles 1…99 per priority, computed by polars (aggregated: the chart never
/// sees individual incidents).
fn percentiles(lf: LazyFrame) -> Result<Vec<(String, Vec<f64>)>> {
    // MTTR's one definition (resolved − opened), as the analysis computes it.
    let rh =
        crate::metrics::resolution::resolution_hours(crate::metrics::EndEvent::Resolved).alias("h");
    let aggs: Vec<Expr> = (1..=99)
        .map(|k| {
            col("h")
                .quantile(lit(k as f64 / 100.0), QuantileMethod::Linear)
                .alias(format!("q{k}"))
        })
        .collect();
    let df = lf
        .select([col("priority"), rh])
        .filter(col("h").is_not_null().and(col("priority").is_not_null()))
        .group_by([col("priority")])
        .agg(aggs)
        .sort(["priority"], SortMultipleOptions::default())
        .collect()?;
    let pr: Vec<Option<i64>> = df
        .column("priority")?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect();
    let mut out = Vec::new();
    for (i, p) in pr.iter().enumerate() {
        let Some(p) = p else { continue };
        let mut qs = Vec::with_capacity(99);
        for k in 1..=99 {
            let v = df
                .column(&format!("q{k}"))?
                .cast(&DataType::Float64)?
                .f64()?
                .get(i)
                .unwrap_or(f64::NAN);
            // The log axis cannot show 0: a zero-duration percentile is drawn at one minute.
            qs.push(v.max(1.0 / 60.0));
        }
        out.push((
            crate::schema::priority_label(u8::try_from(*p).unwrap_or(u8::MAX)),
            qs,
        ));
    }
    Ok(out)
}

// Over 80 lines: the report's inputs (data, simulations, comparison, pilot, sweep) are gathered in
// order from the flags; splitting it waits for issue 11's shared flag groups (another branch
// rewrites these argument and error lines now).
pub fn run(args: &ReportArgs) -> Result<String> {
    let parser = TimeParser::default();
    let when = |s: &str, flag: &str| {
        parser
            .parse(s)
            .map_err(|e| Error::Usage(format!("{flag}: {e}")))
    };
    let policy = args
        .sla
        .as_ref()
        .map(|p| SlaPolicy::load(p).map(|s| (p.clone(), s)))
        .transpose()?;
    // The data: a store, or an export imported once.
    // Without --scenarios, a store with events gets "Your desk, simulated" (src/report/desk.rs).
    let want_desk = args.scenarios.is_empty();
    let (data, incidents, events, source) = if crate::store::StoreFormat::of(&args.input).is_ok() {
        let d = Dataset::open_store(&args.input)?;
        let (incs, evs) = if want_desk {
            let (i, e) = super::fit::load_with_events(&args.input, &args.export)?;
            (Some(i), e)
        } else if args.pilot_start.is_some() {
            (Some(crate::store::read_incidents(&args.input)?), Vec::new())
        } else {
            (None, Vec::new())
        };
        (d, incs, evs, format!("store {}", args.input.display()))
    } else {
        let imported = import_files(std::slice::from_ref(&args.input), &args.export.options()?)?;
        let line = imported.summary.line();
        (
            Dataset::from_imported(&imported)?,
            Some(imported.incidents),
            imported.events,
            format!("export {} ({line})", args.input.display()),
        )
    };
    let (desk, desk_spec) = match (&incidents, want_desk && !events.is_empty()) {
        (Some(incs), true) => {
            let (d, spec) = desk_section(args, incs, &events, policy.as_ref().map(|(_, p)| p));
            (Some(d), spec)
        }
        _ => (None, None),
    };
    let pct = percentiles(data.incidents.clone())?;
    let opts = AnalyzeOptions {
        sla: policy.clone(),
        ..Default::default()
    };
    let analysis = analyze(data, &opts)?;
    // Simulations and comparison.
    let mut models = Vec::new();
    for s in &args.scenarios {
        models.push(super::simulate::load_subject(s, args.replications)?);
    }
    let mut simulations = Vec::new();
    for m in &models {
        simulations.push(crate::decide::compare::simulate_subject(m).map_err(SimError::classify)?);
    }
    let comparison = if models.len() >= 2 {
        let reps = args.replications.unwrap_or(models[0].replications());
        Some(
            crate::decide::compare::compare_subjects(
                &models[0],
                &models[1..],
                reps,
                models[0].seed(),
                None,
                &Default::default(),
            )?,
        )
    } else {
        None
    };
    // Pilot.
    let pilot = match (&args.pilot_start, &incidents) {
        (Some(start), Some(incs)) => {
            let o = PilotOptions {
                pilot_start: when(start, "--pilot-start")?,
                pilot_end: args
                    .pilot_end
                    .as_deref()
                    .map(|s| when(s, "--pilot-end"))
                    .transpose()?,
                baseline_start: None,
                pilot_group: args
                    .pilot_group
                    .as_deref()
                    .map(Filter::parse)
                    .transpose()
                    .map_err(Error::Usage)?,
                seed: 1,
                resamples: 2000,
            };
            let r = crate::decide::pilot::evaluate_with_policy(
                incs,
                &o,
                policy.as_ref().map(|(_, p)| p),
            );
            Some(r?)
        }
        _ => None,
    };
    let targets = args
        .target
        .as_deref()
        .map(crate::decide::compare::parse_targets)
        .transpose()
        .map_err(Error::Usage)?
        .unwrap_or_default();
    let staffing_curve = match (&args.sweep, models.first()) {
        (Some(sw), Some(m)) => {
            let reps = args.replications.unwrap_or(m.replications());
            let (sweep, points) =
                crate::decide::compare::sweep_subject(m, sw, reps, m.seed(), None, &targets)?;
            Some(crate::report::StaffingCurve {
                scenario: m.name().to_string(),
                parameter: sweep.name.clone(),
                points,
            })
        }
        (Some(sw), None) if desk_spec.is_some() => Some(sweep_desk(desk_spec.as_ref(), sw, args, &targets)?),
        (Some(_), None) => {
            return Err(Error::Usage(
                "--sweep varies a scenario: give it with --scenarios (or a store with events: its discovered desk)".into(),
            ))
        }
        _ => None,
    };
    let mut tk = takeaways(&analysis, &simulations, &comparison, &pilot);
    if let Some(c) = &staffing_curve {
        tk.push(crate::report::staffing_takeaway(c));
    }
    if let Some(d) = &desk {
        tk.push(("desk".into(), crate::report::desk::takeaway(d)));
    }
    let report = Report {
        title: args.title.clone(),
        source,
        analysis,
        resolution_percentiles: pct,
        simulations,
        comparison,
        pilot,
        staffing_curve,
        targets,
        desk,
        takeaways: tk,
    };
    // The page is rendered once; its charts are kept as drawn for the standalone files.
    let page = Page::render(&report)?;
    let writers: [&dyn ReportWriter; 3] = [&page, &MarkdownWriter, &JsonWriter];
    let charts = &page.charts;
    let png = args.png;
    let extra = |tmp: &std::path::Path| -> Result<Vec<String>> {
        let dir = tmp.join("charts");
        let mut files = Vec::new();
        for (id, svg) in charts {
            let path = dir.join(format!("{id}.svg"));
            crate::output::write_bytes(&path, svg.as_bytes())?;
            files.push(format!("charts/{id}.svg"));
            if png {
                render_png(&path, &dir.join(format!("{id}.png")))?;
                files.push(format!("charts/{id}.png"));
            }
        }
        Ok(files)
    };
    let files = write_report(&report, &args.out, &writers, &extra)?;
    let shown: Vec<&String> = files.iter().filter(|f| !f.starts_with("charts/")).collect();
    let mut o = format!(
        "wrote {} and {} chart files to {}\n",
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        files.len() - shown.len(),
        args.out.display()
    );
    for (_, t) in &report.takeaways {
        o.push_str(&format!("  {t}\n"));
    }
    Ok(o)
}

/// Renders one SVG chart to PNG with headless Chromium, at the charts' size.
fn render_png(svg: &std::path::Path, png: &std::path::Path) -> Result<()> {
    let browser = ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|c| std::env::var_os("PATH").and_then(|paths| std::env::split_paths(&paths).map(|p| p.join(c)).find(|p| p.exists())))
        .ok_or_else(|| ReportError::png("--png needs headless Chromium (Debian package chromium; `bash tests/setup.sh` installs it)".into()))?;
    let profile = std::env::temp_dir().join(format!("incidentlab-chromium-{}", std::process::id()));
    let abs = std::fs::canonicalize(svg).map_err(|source| Error::Read {
        path: svg.to_path_buf(),
        source,
    })?;
    let out = std::process::Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!(
            "--window-size={},{}",
            crate::report::charts::WIDTH,
            crate::report::charts::HEIGHT
        ))
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", abs.display()))
        .output()
        .map_err(|source| Error::Write {
            path: png.to_path_buf(),
            source,
        })?;
    if !out.status.success() || !png.exists() {
        return Err(ReportError::png(format!(
            "Chromium could not render {}: {}",
            svg.display(),
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        )));
    }
    Ok(())
}

/// The name of the desk the report discovers (the stream key of its runs, as `fit --name`).
pub const DESK_NAME: &str = "desk";

/// "Your desk, simulated": discovery, calibration on the split and one more agent; a failure is a
/// note in the section, not a failed report. Also returns the fitted desk (for `--sweep`).
fn desk_section(
    args: &ReportArgs,
    incidents: &[crate::schema::Incident],
    events: &[crate::schema::Event],
    policy: Option<&SlaPolicy>,
) -> (
    crate::report::desk::DeskSection,
    Option<crate::sim::desk::DeskSpec>,
) {
    let started = std::time::Instant::now();
    let mut d = crate::report::desk::DeskSection {
        split_rule: crate::report::desk::split_rule(),
        split_at: String::new(),
        pools_by: String::new(),
        fitted_incidents: 0,
        fitted_events: 0,
        reproduce: Vec::new(),
        validation: None,
        one_more_agent: None,
        notes: Vec::new(),
        seconds: 0.0,
    };
    let spec = match calibrate(&mut d, args, incidents, events, policy) {
        Ok(spec) => Some(spec),
        Err(m) => {
            d.notes.push(m);
            None
        }
    };
    d.seconds = started.elapsed().as_secs_f64();
    (d, spec)
}

/// Fits the desk before the split (as `fit --until SPLIT --name desk [--sla]`, through the same
/// TOML text), validates it from the split (as `validate --from SPLIT --runs N`) and adds one
/// agent to the most utilised pool.
fn calibrate(
    d: &mut crate::report::desk::DeskSection,
    args: &ReportArgs,
    incidents: &[crate::schema::Incident],
    events: &[crate::schema::Event],
    policy: Option<&SlaPolicy>,
) -> std::result::Result<crate::sim::desk::DeskSpec, String> {
    use crate::cli::validate_desk::{one_more_agent, prepare, validate_desk, DeskValidateOptions};
    use crate::decide::desk;
    let split = crate::report::desk::split_ms(incidents)?;
    d.split_at = crate::metrics::recurrence::iso(split);
    let sla_hours = policy
        .map(|p| {
            p.targets
                .iter()
                .map(|(k, t)| (*k, t.resolution_hours))
                .collect()
        })
        .unwrap_or_default();
    let o = desk::DeskFitOptions {
        name: DESK_NAME.into(),
        until_ms: Some(split),
        sla_hours,
        ..Default::default()
    };
    let f = desk::discover(incidents, events, &o).map_err(|m| format!("desk discovery: {m}"))?;
    d.pools_by = f.pool_by.name().to_string();
    d.fitted_incidents = f.incidents;
    d.fitted_events = f.events;
    let spec: crate::sim::desk::DeskSpec = toml::from_str(&desk::render::desk_toml(&f))
        .map_err(|e| format!("internal: the fitted desk does not parse: {e}"))?;
    let runs = args.replications.unwrap_or(10).max(2);
    d.reproduce = reproduce(args, &d.split_at, runs);
    let vo = DeskValidateOptions {
        from_ms: split,
        runs,
        seed: None,
        threads: None,
    };
    let (v, _, _) =
        validate_desk(spec.clone(), incidents, events, &vo).map_err(|e| e.to_string())?;
    d.validation = Some(v);
    match prepare(spec.clone(), incidents, events, split, None)
        .and_then(|p| one_more_agent(&p, runs, None))
    {
        Ok(a) => d.one_more_agent = Some(a),
        Err(e) => d.notes.push(format!("one more agent: {e}")),
    }
    Ok(spec)
}

/// The `fit` and `validate` commands that print the section's calibration.
fn reproduce(args: &ReportArgs, split: &str, runs: usize) -> Vec<String> {
    use clap::ValueEnum;
    let input = args.input.display().to_string();
    let format = match args.export.format {
        crate::ingest::SourceFormat::Auto => String::new(),
        f => f
            .to_possible_value()
            .map(|v| format!(" --format {}", v.get_name()))
            .unwrap_or_default(),
    };
    let sla = args
        .sla
        .as_ref()
        .map(|p| format!(" --sla {}", p.display()))
        .unwrap_or_default();
    vec![
        format!(
            "incidentlab fit {input}{format} --until {split} --name {DESK_NAME}{sla} -o desk.toml"
        ),
        format!(
            "incidentlab validate desk.toml --against {input}{format} --from {split} --runs {runs}"
        ),
    ]
}

/// `--sweep` without `--scenarios`: the staffing curve of the discovered desk (fitted before the
/// split, simulated as fitted: its own start, horizon and warm-up).
fn sweep_desk(
    spec: Option<&crate::sim::desk::DeskSpec>,
    sw: &str,
    args: &ReportArgs,
    targets: &std::collections::BTreeMap<String, f64>,
) -> Result<crate::report::StaffingCurve> {
    let spec = spec.ok_or_else(|| Error::Usage("--sweep: no desk was discovered".into()))?;
    let desk = crate::sim::desk::compile(spec).map_err(|e| {
        Error::Usage(format!(
            "the discovered desk is invalid: {} {}",
            e.field, e.message
        ))
    })?;
    let subject = crate::decide::compare::Subject::Desk(Box::new(desk));
    let reps = args.replications.unwrap_or(spec.replications);
    let (sweep, points) =
        crate::decide::compare::sweep_subject(&subject, sw, reps, spec.seed, None, targets)
            .map_err(|e| Error::Usage(e.to_string()))?;
    Ok(crate::report::StaffingCurve {
        scenario: "your desk".into(),
        parameter: sweep.name.clone(),
        points,
    })
}
