//! Metrics over the canonical incident table: resolution (MTTR/MTTA), SLA compliance with
//! business-hours calendars and clock pauses, flow, backlog and trend, recurrence, major incidents.
//! Per-group metrics are polars expressions ([`resolution::group_metrics`]) evaluated lazily with
//! `--by` as the grouping; the SLA clock, recurrence, backlog and flow are exact row loops whose
//! definitions are in their modules.

pub mod backlog;
pub mod calendar;
pub mod flow;
pub mod recurrence;
pub mod resolution;
pub mod sla;
pub mod trend;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::schema::{UtcMillis, INCIDENT_COLUMNS};
pub use resolution::EndEvent;
use sla::SlaPolicy;

/// A simple filter: `column=value`, `column!=value`, alternatives separated by `|`.
#[derive(Debug, Clone, PartialEq)]
pub struct Filter {
    pub column: String,
    pub negate: bool,
    pub values: Vec<String>,
}

impl Filter {
    pub fn parse(s: &str) -> std::result::Result<Filter, String> {
        let (column, negate, rest) = if let Some((c, v)) = s.split_once("!=") {
            (c, true, v)
        } else if let Some((c, v)) = s.split_once('=') {
            (c, false, v)
        } else {
            return Err(format!(
                "--where '{s}': expected column=value or column!=value (alternatives with |)"
            ));
        };
        Ok(Filter {
            column: column.trim().to_string(),
            negate,
            values: rest.split('|').map(|v| v.trim().to_string()).collect(),
        })
    }
}

/// The text of a canonical column of one incident (for row filters outside polars).
pub fn field_text(i: &crate::schema::Incident, column: &str) -> Option<String> {
    let s = |v: &Option<String>| v.clone();
    match column {
        "incident_id" => Some(i.incident_id.clone()),
        "source" => Some(i.source.clone()),
        "priority" => i.priority.map(|p| p.to_string()),
        "priority_label" => s(&i.priority_label),
        "impact" => s(&i.impact),
        "urgency" => s(&i.urgency),
        "category" => s(&i.category),
        "subcategory" => s(&i.subcategory),
        "symptom" => s(&i.symptom),
        "service" => s(&i.service),
        "ci" => s(&i.ci),
        "assignment_group" => s(&i.assignment_group),
        "assignee" => s(&i.assignee),
        "channel" => s(&i.channel),
        "max_support_level" => s(&i.max_support_level),
        "problem_id" => s(&i.problem_id),
        "final_state" => s(&i.final_state),
        _ => None,
    }
}

/// Columns [`field_text`] can filter on.
pub const TEXT_FILTER_COLUMNS: &[&str] = &[
    "incident_id",
    "source",
    "priority",
    "priority_label",
    "impact",
    "urgency",
    "category",
    "subcategory",
    "symptom",
    "service",
    "ci",
    "assignment_group",
    "assignee",
    "channel",
    "max_support_level",
    "problem_id",
    "final_state",
];

/// Everything `analyze` can be told.
#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    pub by: Vec<String>,
    pub from: Option<UtcMillis>,
    pub to: Option<UtcMillis>,
    pub filters: Vec<Filter>,
    pub end: EndEvent,
    pub sla: Option<(PathBuf, SlaPolicy)>,
    /// Recurrence key columns; empty = choose automatically ([`recurrence::choose_key`]).
    pub recurrence_key: Vec<String>,
    pub recurrence_window_hours: f64,
    pub top: usize,
    /// "Now" for open incidents (default: the latest timestamp in the data).
    pub as_of: Option<UtcMillis>,
}

impl Default for AnalyzeOptions {
    fn default() -> Self {
        AnalyzeOptions {
            by: vec!["priority".into()],
            from: None,
            to: None,
            filters: vec![],
            end: EndEvent::Resolved,
            sla: None,
            recurrence_key: vec![],
            recurrence_window_hours: 168.0,
            top: 10,
            as_of: None,
        }
    }
}

/// The incident table (lazy) and, where the source has one, the events table.
pub struct Dataset {
    pub incidents: LazyFrame,
    pub events: Option<DataFrame>,
}

impl Dataset {
    /// Opens a store written by `import` (Parquet scanned lazily; Arrow IPC read).
    pub fn open_store(path: &Path) -> Result<Dataset> {
        if !path.exists() {
            return Err(Error::Read {
                path: path.to_path_buf(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
            });
        }
        let incidents = match crate::store::StoreFormat::of(path)? {
            crate::store::StoreFormat::Parquet => {
                let lf = LazyFrame::scan_parquet(
                    PlRefPath::new(path.to_string_lossy().as_ref()),
                    ScanArgsParquet::default(),
                )
                .map_err(|e| Error::format(path, format!("not a readable Parquet store: {e}")))?;
                let schema = lf.clone().collect_schema().map_err(|e| {
                    Error::format(path, format!("not a readable Parquet store: {e}"))
                })?;
                for (name, _, _, _) in INCIDENT_COLUMNS {
                    if schema.get(name).is_none() {
                        return Err(Error::format(path, format!("not an incidentlab store: column '{name}' is missing (import the export first, or give --format)")));
                    }
                }
                lf
            }
            crate::store::StoreFormat::Ipc => {
                let df = crate::store::read_frame(path)?;
                crate::schema::check_incident_frame(&df).map_err(|m| Error::format(path, m))?;
                df.lazy()
            }
        };
        let ev = crate::store::events_path(path);
        let events = if ev.exists() {
            Some(crate::store::read_frame(&ev)?)
        } else {
            None
        };
        Ok(Dataset { incidents, events })
    }

    pub fn from_imported(imported: &crate::ingest::Imported) -> Result<Dataset> {
        let incidents = crate::schema::incidents_to_frame(&imported.incidents)?.lazy();
        let events = if imported.events.is_empty() {
            None
        } else {
            Some(crate::schema::events_to_frame(&imported.events)?)
        };
        Ok(Dataset { incidents, events })
    }
}

const DERIVED: &[&str] = &["month", "week", "year", "weekday", "hour"];

fn check_column(name: &str, flag: &str, derived_ok: bool) -> Result<()> {
    if INCIDENT_COLUMNS.iter().any(|c| c.0 == name) || (derived_ok && DERIVED.contains(&name)) {
        return Ok(());
    }
    let mut known: Vec<&str> = INCIDENT_COLUMNS.iter().map(|c| c.0).collect();
    if derived_ok {
        known.extend_from_slice(DERIVED);
    }
    Err(Error::Usage(format!(
        "{flag}: unknown column '{name}'; expected one of {}",
        known.join(", ")
    )))
}

fn ms_of(name: &str) -> Expr {
    col(name)
        .cast(DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))
        .cast(DataType::Int64)
}

/// The SLA part of the report.
#[derive(Debug, Clone, Serialize)]
pub struct SlaReport {
    pub policy: String,
    pub pauses: String,
    pub by_priority: Vec<Value>,
    pub overall: Value,
}

/// Everything `analyze` reports. `--output json` prints this.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub incidents: u64,
    pub by: Vec<String>,
    pub mttr_end: EndEvent,
    pub filters: Vec<String>,
    pub as_of: String,
    pub overall: Value,
    pub groups: Vec<Value>,
    pub sla: Option<SlaReport>,
    pub flow: flow::Flow,
    pub backlog: backlog::Backlog,
    /// Per month opened, with `mature`, `window_cut`, `open`, `km_median_hours` ([`trend`]).
    pub trend: Vec<Value>,
    /// Per month resolved (the same metrics over the incidents resolved in the month).
    pub trend_resolved: Vec<Value>,
    pub trend_maturity: trend::Maturity,
    pub recurrence: recurrence::Recurrence,
    pub major_incidents: Vec<Value>,
    pub notes: Vec<String>,
    /// The group table as computed (for CSV/Parquet output).
    #[serde(skip)]
    pub group_frame: DataFrame,
}

fn num(v: Option<f64>) -> Value {
    match v {
        Some(x) if x.is_finite() => json!(x),
        _ => Value::Null,
    }
}

fn f64_col(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Float64)?
        .f64()?
        .iter()
        .collect())
}

fn str_col(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

fn i64_col(df: &DataFrame, name: &str) -> Result<Vec<Option<i64>>> {
    Ok(df
        .column(name)?
        .cast(&DataType::Int64)?
        .i64()?
        .iter()
        .collect())
}

/// Rows of a metric frame as JSON objects: key columns under `key`, MTTR/MTTA nested.
fn metric_rows(df: &DataFrame, keys: &[String]) -> Result<Vec<Value>> {
    let key_cols: Vec<Vec<Option<String>>> =
        keys.iter().map(|k| str_col(df, k)).collect::<Result<_>>()?;
    let metric_cols: Vec<(&str, Vec<Option<f64>>)> = resolution::group_metric_names()
        .into_iter()
        .map(|n| Ok((n, f64_col(df, n)?)))
        .collect::<Result<_>>()?;
    let mut rows = Vec::with_capacity(df.height());
    for i in 0..df.height() {
        let mut o = Map::new();
        if !keys.is_empty() {
            let mut k = Map::new();
            for (name, c) in keys.iter().zip(&key_cols) {
                k.insert(
                    name.clone(),
                    c[i].clone().map(Value::String).unwrap_or(Value::Null),
                );
            }
            o.insert("key".into(), Value::Object(k));
        }
        let mut mttr = Map::new();
        let mut mtta = Map::new();
        for (name, c) in &metric_cols {
            let v = num(c[i]);
            if let Some(stat) = name.strip_prefix("mttr_hours_") {
                mttr.insert(stat.into(), v);
            } else if let Some(stat) = name.strip_prefix("mtta_hours_") {
                mtta.insert(stat.into(), v);
            } else {
                o.insert((*name).into(), v);
            }
        }
        o.insert("mttr_hours".into(), Value::Object(mttr));
        o.insert("mtta_hours".into(), Value::Object(mtta));
        rows.push(Value::Object(o));
    }
    Ok(rows)
}

/// Replaces integer derived keys (month, week, …) in an aggregated frame by their labels.
fn label_derived(mut df: DataFrame, keys: &[String]) -> Result<DataFrame> {
    for k in keys.iter().filter(|k| DERIVED.contains(&k.as_str())) {
        let v = i64_col(&df, k)?;
        let labels: StringChunked = v
            .iter()
            .map(|x| x.map(|x| resolution::derived_label(k, x)))
            .collect();
        df.with_column(labels.with_name(k.as_str().into()).into_column())?;
    }
    Ok(df)
}

/// Runs every metric family.
pub fn analyze(data: Dataset, opts: &AnalyzeOptions) -> Result<Analysis> {
    for b in &opts.by {
        check_column(b, "--by", true)?;
    }
    for f in &opts.filters {
        check_column(&f.column, "--where", false)?;
    }
    for k in &opts.recurrence_key {
        check_column(k, "--recurrence-key", false)?;
    }
    let mut lf = data.incidents;
    if let Some(from) = opts.from {
        lf = lf.filter(ms_of("opened_at").gt_eq(lit(from)));
    }
    if let Some(to) = opts.to {
        lf = lf.filter(ms_of("opened_at").lt(lit(to)));
    }
    for f in &opts.filters {
        let c = || col(f.column.as_str()).cast(DataType::String);
        let any = f
            .values
            .iter()
            .fold(lit(false), |acc, v| acc.or(c().eq(lit(v.as_str()))));
        lf = lf.filter(if f.negate {
            any.not().fill_null(lit(true))
        } else {
            any.fill_null(lit(false))
        });
    }
    let base = lf.clone();
    let key_choice = recurrence::choose_key(lf.clone(), &opts.recurrence_key)?;
    // Only the columns the metrics read: keeps memory bounded on large stores.
    let mut needed: BTreeSet<String> = [
        "opened_at",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "priority",
        "made_sla_reported",
        "reopen_count",
        "reassignment_count",
        "escalation_count",
        "max_support_level",
        "knowledge_used",
        "major_incident",
        "on_hold_hours",
        "problem_id",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Incident ids are only needed to join the events table (pauses, flow).
    if data.events.is_some() {
        needed.insert("incident_id".into());
    }
    needed.extend(
        opts.by
            .iter()
            .filter(|b| !DERIVED.contains(&b.as_str()))
            .cloned(),
    );
    needed.extend(key_choice.key.iter().cloned());
    let mut exprs: Vec<Expr> = needed.iter().map(|c| col(c.as_str())).collect();
    exprs.push(resolution::resolution_hours(opts.end));
    exprs.push(resolution::ack_hours());
    exprs.extend(resolution::indicators());
    for d in DERIVED {
        if opts.by.iter().any(|b| b == d) || *d == "month" {
            exprs.extend(resolution::derived_key(d));
        }
    }
    let mut df = lf.select(exprs).collect()?;
    if df.height() == 0 {
        return Err(Error::Usage(
            "no incidents to analyse (the store is empty, or the filters left nothing)".into(),
        ));
    }
    let mut notes = Vec::new();

    let ids_ca: StringChunked = match df.column("incident_id") {
        Ok(c) => c.str()?.clone(),
        Err(_) => StringChunked::full_null("incident_id".into(), df.height()),
    };
    let opened: Vec<i64> = i64_col(
        &df.select([PlSmallStr::from("opened_at")])?
            .lazy()
            .select([ms_of("opened_at")])
            .collect()?,
        "opened_at",
    )?
    .into_iter()
    .map(|v| v.unwrap_or(0))
    .collect();
    let ts = |name: &str| -> Result<Vec<Option<i64>>> {
        i64_col(&df.clone().lazy().select([ms_of(name)]).collect()?, name)
    };
    let ack = ts("acknowledged_at")?;
    let resolved = ts("resolved_at")?;
    let closed = ts("closed_at")?;
    let end_col = match opts.end {
        EndEvent::Resolved => &resolved,
        EndEvent::Closed => &closed,
    };
    let as_of = opts.as_of.unwrap_or_else(|| {
        opened
            .iter()
            .copied()
            .chain(resolved.iter().flatten().copied())
            .chain(closed.iter().flatten().copied())
            .max()
            .unwrap_or(0)
    });

    // SLA, row by row (calendar and pauses), then back into the frame for the group metrics.
    let mut sla_report = None;
    let mut sla_met: Vec<Option<bool>> = vec![None; df.height()];
    if let Some((path, policy)) = &opts.sla {
        let mut policy = policy.clone();
        let lo = opened.iter().copied().min().unwrap_or(0);
        let hi = end_col
            .iter()
            .flatten()
            .copied()
            .max()
            .unwrap_or(as_of)
            .max(as_of);
        policy.prepare(lo, hi);
        let policy = &policy;
        let priority = i64_col(&df, "priority")?;
        let hold = f64_col(&df, "on_hold_hours")?;
        let mut missing: BTreeMap<i64, u64> = BTreeMap::new();
        for p in priority.iter().flatten() {
            if !policy.targets.contains_key(&(*p as u8)) {
                *missing.entry(*p).or_default() += 1;
            }
        }
        if !missing.is_empty() {
            let list: Vec<String> = missing
                .iter()
                .map(|(p, n)| format!("priority {p} ({n} incidents)"))
                .collect();
            return Err(Error::config(
                path,
                "targets",
                format!(
                    "no target for {} present in the data; add a [[targets]] entry for each",
                    list.join(", ")
                ),
            ));
        }
        let pauses = data
            .events
            .as_ref()
            .map(|ev| pause_intervals(ev, &policy.pause_states))
            .transpose()?;
        let pauses_note = match &pauses {
            Some(_) => "clock pauses from the events table".to_string(),
            None => "no events table: on_hold_hours subtracted for 24x7 targets, no pauses on business-hours targets".to_string(),
        };
        #[derive(Default)]
        struct Acc {
            n: u64,
            met: u64,
            breached: u64,
            pending: u64,
            resp_n: u64,
            resp_met: u64,
            margins: Vec<f64>,
        }
        let mut by_p: BTreeMap<u8, Acc> = BTreeMap::new();
        let mut no_priority = 0u64;
        // The clock of each incident is independent: evaluate in parallel, accumulate in order.
        let outcomes: Vec<Option<(u8, sla::SlaOutcome)>> = {
            use rayon::prelude::*;
            (0..df.height())
                .into_par_iter()
                .map(|i| {
                    let p = priority[i]? as u8;
                    let t = &policy.targets[&p];
                    let pz = pauses.as_ref().map(|m| {
                        m.get(ids_ca.get(i).unwrap_or(""))
                            .map(|v| v.as_slice())
                            .unwrap_or(&[])
                    });
                    Some((
                        p,
                        sla::evaluate(t, opened[i], ack[i], end_col[i], as_of, pz, hold[i]),
                    ))
                })
                .collect()
        };
        for (i, out) in outcomes.iter().enumerate() {
            let Some((p, o)) = out else {
                no_priority += 1;
                continue;
            };
            sla_met[i] = o.met;
            let a = by_p.entry(*p).or_default();
            a.n += 1;
            match o.met {
                Some(true) => a.met += 1,
                Some(false) => a.breached += 1,
                None => a.pending += 1,
            }
            if o.met.is_some() {
                a.margins.push(o.target_hours - o.clock_hours);
            }
            if let Some(r) = o.response_met {
                a.resp_n += 1;
                a.resp_met += u64::from(r);
            }
        }
        // Margins are sorted once, then read at three quantiles.
        let q = |v: &mut Vec<f64>, p: f64| {
            if !v.is_sorted_by(|a, b| a <= b) {
                v.sort_unstable_by(|a, b| a.total_cmp(b));
            }
            num(Some(crate::sim::stats::quantile(v, p)))
        };
        let mut rows = Vec::new();
        let mut total = Acc::default();
        for (p, a) in by_p.iter_mut() {
            let t = &policy.targets[p];
            rows.push(json!({
                "priority": p,
                "resolution_target_hours": t.resolution_hours,
                "response_target_hours": t.response_hours,
                "calendar": if t.calendar == calendar::Calendar::AllHours { "24x7" } else { "business" },
                "incidents": a.n, "met": a.met, "breached": a.breached, "pending": a.pending,
                "compliance": num(Some(a.met as f64 / (a.met + a.breached) as f64)),
                "response_compliance": num(Some(a.resp_met as f64 / a.resp_n as f64)),
                "margin_hours": {"p10": q(&mut a.margins, 0.1), "p50": q(&mut a.margins, 0.5), "p90": q(&mut a.margins, 0.9)},
            }));
            total.n += a.n;
            total.met += a.met;
            total.breached += a.breached;
            total.pending += a.pending;
            total.resp_n += a.resp_n;
            total.resp_met += a.resp_met;
            total.margins.extend_from_slice(&a.margins);
        }
        let overall = json!({
            "incidents": total.n, "met": total.met, "breached": total.breached, "pending": total.pending,
            "no_priority": no_priority,
            "compliance": num(Some(total.met as f64 / (total.met + total.breached) as f64)),
            "response_compliance": num(Some(total.resp_met as f64 / total.resp_n as f64)),
            "margin_hours": {"p10": q(&mut total.margins, 0.1), "p50": q(&mut total.margins, 0.5), "p90": q(&mut total.margins, 0.9)},
        });
        if no_priority > 0 {
            notes.push(format!(
                "{no_priority} incidents have no priority and are outside the SLA figures"
            ));
        }
        sla_report = Some(SlaReport {
            policy: policy.name.clone(),
            pauses: pauses_note,
            by_priority: rows,
            overall,
        });
    } else {
        notes.push("no --sla policy: sla_computed_rate is empty; sla_reported_rate is the source's own flag".into());
    }
    let reported = df.column("made_sla_reported")?.bool()?.clone();
    let met_ind: Float64Chunked = sla_met
        .iter()
        .map(|m| m.map(|b| f64::from(u8::from(b))))
        .collect();
    let agree_ind: Float64Chunked = sla_met
        .iter()
        .zip(reported.iter())
        .map(|(m, r)| Some(f64::from(u8::from((*m)? == r?))))
        .collect();
    df.with_column(met_ind.with_name("ind_sla_met".into()).into_column())?;
    df.with_column(agree_ind.with_name("ind_sla_agree".into()).into_column())?;

    // Group metrics (polars).
    let keys: Vec<Expr> = opts.by.iter().map(|b| col(b.as_str())).collect();
    let group_frame = if keys.is_empty() {
        df.clone()
            .lazy()
            .select(resolution::group_metrics())
            .collect()?
    } else {
        let sort = SortMultipleOptions::default().with_nulls_last(true);
        label_derived(
            df.clone()
                .lazy()
                .group_by(keys.clone())
                .agg(resolution::group_metrics())
                .sort(opts.by.iter().map(|s| s.as_str()).collect::<Vec<_>>(), sort)
                .collect()?,
            &opts.by,
        )?
    };
    let overall_frame = df
        .clone()
        .lazy()
        .select(resolution::group_metrics())
        .collect()?;
    let overall = metric_rows(&overall_frame, &[])?
        .into_iter()
        .next()
        .unwrap_or(Value::Null);
    let groups = if keys.is_empty() {
        Vec::new()
    } else {
        metric_rows(&group_frame, &opts.by)?
    };
    let month = i64_col(&df, "month")?;
    let trends = trend::trends(
        &df,
        &trend::Rows {
            opened: &opened,
            end: end_col,
            month: &month,
            as_of,
        },
        opts.end,
    )?;

    // Flow.
    let mut fl = flow::Flow::default();
    let reassign = i64_col(&df, "reassignment_count")?;
    let levels = df.column("max_support_level")?.str()?.clone();
    let level_refs: Vec<Option<&str>> = levels.iter().collect();
    flow::from_incidents(&reassign, &level_refs, &mut fl);
    if let Some(ev) = &data.events {
        let in_scope: std::collections::HashSet<&str> = ids_ca.iter().flatten().collect();
        let ev = ev.sort(
            ["incident_id", "at", "source_line"],
            SortMultipleOptions::default(),
        )?;
        let eid = str_col(&ev, "incident_id")?;
        let at = i64_col(&ev.clone().lazy().select([ms_of("at")]).collect()?, "at")?;
        let grp = str_col(&ev, "group")?;
        let lvl = str_col(&ev, "support_level")?;
        let evs: Vec<flow::Ev> = (0..ev.height())
            .map(|i| flow::Ev {
                incident: eid[i].as_deref().unwrap_or(""),
                at: at[i].unwrap_or(0),
                group: grp[i].as_deref(),
                level: lvl[i].as_deref(),
            })
            .collect();
        flow::from_events(&evs, &|id| in_scope.contains(id), &mut fl);
    } else {
        notes.push("no events table: ping-pong, level transitions and time per group need an event-log source".into());
    }

    // Backlog and recurrence.
    let bl = backlog::analyze(&opened, end_col, as_of);
    let rh = f64_col(&df, "resolution_hours")?;
    let problems = df.column("problem_id")?.str()?.clone();
    let key_cas: Vec<StringChunked> = key_choice
        .key
        .iter()
        .map(|k| {
            Ok(df
                .column(k.as_str())?
                .cast(&DataType::String)?
                .str()?
                .clone())
        })
        .collect::<Result<_>>()?;
    let (keys_per_row, names) = recurrence::encode_keys(&key_cas, df.height());
    let rows: Vec<recurrence::Row> = keys_per_row
        .into_iter()
        .zip(problems.iter())
        .enumerate()
        .map(|(i, (key, problem_id))| recurrence::Row {
            key,
            opened: opened[i],
            resolution_hours: rh[i],
            problem_id,
        })
        .collect();
    let mut rec = recurrence::analyze(
        &rows,
        &names,
        &key_choice.key,
        opts.recurrence_window_hours,
        opts.top,
    );
    if key_choice.source == "auto" {
        notes.push(format!(
            "recurrence key chosen automatically: {}",
            key_choice.reason
        ));
    }
    rec.key_choice = Some(key_choice);

    let major_incidents = flow::major_incident_list(base, opts.end)?;

    let mut filters: Vec<String> = opts
        .filters
        .iter()
        .map(|f| {
            format!(
                "{}{}{}",
                f.column,
                if f.negate { "!=" } else { "=" },
                f.values.join("|")
            )
        })
        .collect();
    if let Some(f) = opts.from {
        filters.push(format!("opened_at >= {}", recurrence::iso(f)));
    }
    if let Some(t) = opts.to {
        filters.push(format!("opened_at < {}", recurrence::iso(t)));
    }
    Ok(Analysis {
        incidents: df.height() as u64,
        by: opts.by.clone(),
        mttr_end: opts.end,
        filters,
        as_of: recurrence::iso(as_of),
        overall,
        groups,
        sla: sla_report,
        flow: fl,
        backlog: bl,
        trend: trends.by_opened,
        trend_resolved: trends.by_resolved,
        trend_maturity: trends.maturity,
        recurrence: rec,
        major_incidents,
        notes,
        group_frame,
    })
}

/// Pause intervals per incident: from each event in a pause state to the next event.
fn pause_intervals(ev: &DataFrame, states: &[String]) -> Result<sla::Pauses> {
    let ev = ev.sort(
        ["incident_id", "at", "source_line"],
        SortMultipleOptions::default(),
    )?;
    let id = str_col(&ev, "incident_id")?;
    let at = i64_col(&ev.clone().lazy().select([ms_of("at")]).collect()?, "at")?;
    let st = str_col(&ev, "state")?;
    let sub = str_col(&ev, "sub_state")?;
    let is_pause = |v: &Option<String>| {
        v.as_deref()
            .is_some_and(|s| states.iter().any(|p| p.eq_ignore_ascii_case(s)))
    };
    let mut out: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for i in 0..ev.height().saturating_sub(1) {
        if id[i] == id[i + 1] && (is_pause(&st[i]) || is_pause(&sub[i])) {
            if let (Some(k), Some(a), Some(b)) = (&id[i], at[i], at[i + 1]) {
                out.entry(k.clone()).or_default().push((a, b));
            }
        }
    }
    Ok(out)
}
