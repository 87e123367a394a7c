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
use crate::error::{Error, ReportError, Result};
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
    /// Simulation flags: replications per scenario (default: each file's; the discovered desk's
    /// validation and what-if: 10), seed (default: each file's, the desk's), worker threads.
    #[command(flatten)]
    pub sim: super::SimArgs,
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

/// What the report reads from its input: the frame the analysis runs on, the incidents (when the
/// desk section or the pilot needs them as rows), the events, and the source line of the page.
struct Inputs {
    data: Dataset,
    incidents: Option<Vec<crate::schema::Incident>>,
    events: Vec<crate::schema::Event>,
    source: String,
}

/// The simulated side of the report: one summary per `--scenarios` file, the paired comparison of
/// the first (the baseline) with the others, and the staffing curve of `--sweep`.
struct Simulated {
    simulations: Vec<crate::sim::replicate::Summary>,
    comparison: Option<crate::decide::compare::Comparison>,
    staffing_curve: Option<crate::report::StaffingCurve>,
}

/// The recipe: read the policy and the data, discover the desk, analyse, simulate and compare the
/// scenarios, evaluate the pilot, sweep, then write the report folder and print what was written.
pub fn run(args: &ReportArgs) -> Result<String> {
    let policy = load_policy(args)?;
    let inputs = load_inputs(args)?;
    let (desk, desk_spec) = discover_desk(args, &inputs, policy.as_ref().map(|(_, p)| p));
    let pct = percentiles(inputs.data.incidents.clone())?;
    let opts = AnalyzeOptions {
        sla: policy.clone(),
        ..Default::default()
    };
    let analysis = analyze(inputs.data, &opts)?;
    let models = load_models(args)?;
    let simulations = simulate_models(args, &models)?;
    let comparison = compare_models(args, &models)?;
    let pilot = evaluate_pilot(args, inputs.incidents.as_deref(), policy.as_ref())?;
    let targets = parse_report_targets(args)?;
    let staffing_curve = staffing_curve(args, models.first(), desk_spec.as_ref(), &targets)?;
    let sim = Simulated {
        simulations,
        comparison,
        staffing_curve,
    };
    let takeaways = all_takeaways(&analysis, &sim, &pilot, desk.as_ref());
    let report = Report {
        title: args.title.clone(),
        source: inputs.source,
        analysis,
        resolution_percentiles: pct,
        simulations: sim.simulations,
        comparison: sim.comparison,
        pilot,
        staffing_curve: sim.staffing_curve,
        targets,
        desk,
        takeaways,
    };
    let files = write_outputs(&report, args)?;
    Ok(printed_summary(&report, &files, &args.out))
}

/// `--sla`: the policy file and its parsed targets (None without the flag).
fn load_policy(args: &ReportArgs) -> Result<Option<(PathBuf, SlaPolicy)>> {
    args.sla
        .as_ref()
        .map(|p| SlaPolicy::load(p).map(|s| (p.clone(), s)))
        .transpose()
}

/// The data: a store, or an export imported once. Without `--scenarios`, a store with events gets
/// "Your desk, simulated" (src/report/desk.rs), which needs the incidents and events as rows; so
/// does `--pilot-start`.
fn load_inputs(args: &ReportArgs) -> Result<Inputs> {
    let want_desk = args.scenarios.is_empty();
    if crate::store::StoreFormat::of(&args.input).is_err() {
        let imported = import_files(std::slice::from_ref(&args.input), &args.export.options()?)?;
        let line = imported.summary.line();
        return Ok(Inputs {
            data: Dataset::from_imported(&imported)?,
            incidents: Some(imported.incidents),
            events: imported.events,
            source: format!("export {} ({line})", args.input.display()),
        });
    }
    let data = Dataset::open_store(&args.input)?;
    let (incidents, events) = if want_desk {
        let (i, e) = super::fit::load_with_events(&args.input, &args.export)?;
        (Some(i), e)
    } else if args.pilot_start.is_some() {
        (Some(crate::store::read_incidents(&args.input)?), Vec::new())
    } else {
        (None, Vec::new())
    };
    Ok(Inputs {
        data,
        incidents,
        events,
        source: format!("store {}", args.input.display()),
    })
}

/// "Your desk, simulated" when there are no `--scenarios` and the source has events (see
/// [`desk_section`]); nothing otherwise.
fn discover_desk(
    args: &ReportArgs,
    inputs: &Inputs,
    policy: Option<&SlaPolicy>,
) -> (
    Option<crate::report::desk::DeskSection>,
    Option<crate::sim::desk::DeskSpec>,
) {
    match (
        &inputs.incidents,
        args.scenarios.is_empty() && !inputs.events.is_empty(),
    ) {
        (Some(incs), true) => {
            let (d, spec) = desk_section(args, incs, &inputs.events, policy);
            (Some(d), spec)
        }
        _ => (None, None),
    }
}

/// The `--scenarios` files (tier scenarios or desks), with the simulation flags applied.
fn load_models(args: &ReportArgs) -> Result<Vec<crate::decide::compare::Subject>> {
    let overrides = super::simulate::Overrides::of(&args.sim);
    args.scenarios
        .iter()
        .map(|s| super::simulate::load_subject(s, &overrides))
        .collect()
}

/// One summary per scenario: its replications, on `--threads` workers.
fn simulate_models(
    args: &ReportArgs,
    models: &[crate::decide::compare::Subject],
) -> Result<Vec<crate::sim::replicate::Summary>> {
    let mut simulations = Vec::new();
    for m in models {
        let s = super::validate_desk::in_pool(args.sim.threads, || {
            crate::decide::compare::simulate_subject(m)
        })?;
        simulations.push(s?);
    }
    Ok(simulations)
}

/// With two or more scenarios: the others against the first, paired by common random numbers.
fn compare_models(
    args: &ReportArgs,
    models: &[crate::decide::compare::Subject],
) -> Result<Option<crate::decide::compare::Comparison>> {
    if models.len() < 2 {
        return Ok(None);
    }
    let reps = args.sim.replications.unwrap_or(models[0].replications());
    Ok(Some(
        crate::decide::compare::compare_subjects(
            &models[0],
            &models[1..],
            reps,
            models[0].seed(),
            args.sim.threads,
            &Default::default(),
        )
        .map_err(Error::from)?,
    ))
}

/// `--pilot-start` (with `--pilot-end`, `--pilot-group`): the pilot's evaluation against the
/// period before it, under the SLA policy when given.
fn evaluate_pilot(
    args: &ReportArgs,
    incidents: Option<&[crate::schema::Incident]>,
    policy: Option<&(PathBuf, SlaPolicy)>,
) -> Result<Option<crate::decide::pilot::PilotReport>> {
    let (Some(start), Some(incs)) = (&args.pilot_start, incidents) else {
        return Ok(None);
    };
    let parser = TimeParser::default();
    let when = |s: &str, flag: &str| {
        parser
            .parse(s)
            .map_err(|e| Error::Usage(format!("{flag}: {e}")))
    };
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
    let r = crate::decide::pilot::evaluate_with_policy(incs, &o, policy.map(|(_, p)| p));
    Ok(Some(r?))
}

/// `--target`: SLA compliance targets by priority label (empty without the flag).
fn parse_report_targets(args: &ReportArgs) -> Result<std::collections::BTreeMap<String, f64>> {
    Ok(args
        .target
        .as_deref()
        .map(crate::decide::compare::parse_targets)
        .transpose()
        .map_err(Error::Usage)?
        .unwrap_or_default())
}

/// `--sweep`: the staffing curve of the first scenario, or of the discovered desk without
/// `--scenarios`; a usage error when there is neither.
fn staffing_curve(
    args: &ReportArgs,
    first: Option<&crate::decide::compare::Subject>,
    desk_spec: Option<&crate::sim::desk::DeskSpec>,
    targets: &std::collections::BTreeMap<String, f64>,
) -> Result<Option<crate::report::StaffingCurve>> {
    let Some(sw) = &args.sweep else {
        return Ok(None);
    };
    match (first, desk_spec) {
        (Some(m), _) => {
            let reps = args.sim.replications.unwrap_or(m.replications());
            let (sweep, points) = crate::decide::compare::sweep_subject(
                m,
                sw,
                reps,
                m.seed(),
                args.sim.threads,
                targets,
            )
            .map_err(Error::from)?;
            Ok(Some(crate::report::StaffingCurve {
                scenario: m.name().to_string(),
                parameter: sweep.name.clone(),
                points,
            }))
        }
        (None, Some(spec)) => Ok(Some(sweep_desk(spec, sw, args, targets)?)),
        (None, None) => Err(Error::Usage(
            "--sweep varies a scenario: give it with --scenarios (or a store with events: its discovered desk)".into(),
        )),
    }
}

/// The one-line takeaways of every section, in the page's order: the analysis, simulations,
/// comparison and pilot, then the staffing curve and the desk.
fn all_takeaways(
    analysis: &crate::metrics::Analysis,
    sim: &Simulated,
    pilot: &Option<crate::decide::pilot::PilotReport>,
    desk: Option<&crate::report::desk::DeskSection>,
) -> Vec<(String, String)> {
    let mut tk = takeaways(analysis, &sim.simulations, &sim.comparison, pilot);
    if let Some(c) = &sim.staffing_curve {
        tk.push(crate::report::staffing_takeaway(c));
    }
    if let Some(d) = desk {
        tk.push(("desk".into(), crate::report::desk::takeaway(d)));
    }
    tk
}

/// Writes the report folder: the page (rendered once; its charts kept as drawn), `summary.md`,
/// `metrics.json`, and every chart as `charts/<id>.svg` (and `.png` with `--png`). Returns the files
/// written, relative to the folder.
fn write_outputs(report: &Report, args: &ReportArgs) -> Result<Vec<String>> {
    let page = Page::render(report)?;
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
    write_report(report, &args.out, &writers, &extra)
}

/// What `report` prints: the files written (charts counted) and the takeaways.
fn printed_summary(report: &Report, files: &[String], out: &std::path::Path) -> String {
    let shown: Vec<&String> = files.iter().filter(|f| !f.starts_with("charts/")).collect();
    let mut o = format!(
        "wrote {} and {} chart files to {}\n",
        shown
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        files.len() - shown.len(),
        out.display()
    );
    for (_, t) in &report.takeaways {
        o.push_str(&format!("  {t}\n"));
    }
    o
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
    let o = desk::DeskFitOptions {
        name: DESK_NAME.into(),
        until_ms: Some(split),
        sla_hours: super::fit::resolution_targets(policy),
        ..Default::default()
    };
    let f = desk::discover(incidents, events, &o).map_err(|m| format!("desk discovery: {m}"))?;
    d.pools_by = f.pool_by.name().to_string();
    d.fitted_incidents = f.incidents;
    d.fitted_events = f.events;
    let spec: crate::sim::desk::DeskSpec = toml::from_str(&desk::render::desk_toml(&f))
        .map_err(|e| format!("internal: the fitted desk does not parse: {e}"))?;
    let runs = args.sim.replications.unwrap_or(10).max(2);
    d.reproduce = reproduce(args, &d.split_at, runs);
    let vo = DeskValidateOptions {
        from_ms: split,
        runs,
        seed: args.sim.seed,
        threads: args.sim.threads,
    };
    let (v, _, _) =
        validate_desk(spec.clone(), incidents, events, &vo).map_err(|e| e.to_string())?;
    d.validation = Some(v);
    match prepare(spec.clone(), incidents, events, split, args.sim.seed)
        .and_then(|p| one_more_agent(&p, runs, args.sim.threads))
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
    let seed = args
        .sim
        .seed
        .map(|s| format!(" --seed {s}"))
        .unwrap_or_default();
    vec![
        format!(
            "incidentlab fit {input}{format} --until {split} --name {DESK_NAME}{sla} -o desk.toml"
        ),
        format!(
            "incidentlab validate desk.toml --against {input}{format} --from {split} --runs {runs}{seed}"
        ),
    ]
}

/// `--sweep` without `--scenarios`: the staffing curve of the discovered desk (fitted before the
/// split, simulated as fitted: its own start, horizon and warm-up).
fn sweep_desk(
    spec: &crate::sim::desk::DeskSpec,
    sw: &str,
    args: &ReportArgs,
    targets: &std::collections::BTreeMap<String, f64>,
) -> Result<crate::report::StaffingCurve> {
    let desk = crate::sim::desk::compile(spec).map_err(|e| {
        Error::Usage(format!(
            "the discovered desk is invalid: {} {}",
            e.field, e.message
        ))
    })?;
    let subject = crate::decide::compare::Subject::Desk(Box::new(desk));
    let reps = args.sim.replications.unwrap_or(spec.replications);
    let seed = args.sim.seed.unwrap_or(spec.seed);
    let (sweep, points) =
        crate::decide::compare::sweep_subject(&subject, sw, reps, seed, args.sim.threads, targets)?;
    Ok(crate::report::StaffingCurve {
        scenario: "your desk".into(),
        parameter: sweep.name.clone(),
        points,
    })
}
