//! Metrics over the canonical incident table: resolution (MTTR/MTTA), SLA compliance with
//! business-hours calendars and clock pauses, flow, backlog and trend, recurrence, major incidents.
//! Per-group metrics are polars expressions ([`resolution::group_metrics`]) evaluated lazily with
//! `--by` as the grouping; the SLA clock, recurrence, backlog and flow are exact row loops whose
//! definitions are in their modules.

pub mod backlog;
pub mod calendar;
pub mod family;
pub mod flow;
pub mod recurrence;
pub mod resolution;
pub mod results;
pub mod sla;
pub mod trend;

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;

use crate::error::{Error, Result};
use crate::schema::{UtcMillis, INCIDENT_COLUMNS};
pub use family::{Families, Family};
pub use resolution::EndEvent;
pub use results::{
    GroupMetrics, MajorIncident, MttaHours, MttrHours, SlaCounts, SlaOverall, SlaPriority, Spread,
    TrendMonth,
};
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

/// Told the name of each phase of an analysis as it starts, and `None` once the caller is done
/// (for a progress indicator).
pub type PhaseHook = crate::hook::Hook<Option<&'static str>>;

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
    /// The snapshot instant (default: the latest timestamp of the whole store, incidents and
    /// events, whatever the filters): only incidents opened by then; timestamps and events after it
    /// are not known yet.
    pub as_of: Option<UtcMillis>,
    /// Keep one SLA row per incident ([`Analysis::per_incident`], `--per-incident FILE`).
    pub per_incident: bool,
    /// The metric families to compute (`--metrics`, default all).
    pub metrics: Families,
    /// Told of each phase as it starts (none by default).
    pub phase: Option<PhaseHook>,
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
            per_incident: false,
            metrics: Families::default(),
            phase: None,
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
                    if schema.get(name).is_none() && !crate::schema::LATER_COLUMNS.contains(name) {
                        return Err(Error::format(path, format!("not an incidentlab store: column '{name}' is missing (import the export first, or give --format)")));
                    }
                }
                with_later_columns(lf, &schema)
            }
            crate::store::StoreFormat::Ipc => {
                let df = crate::store::read_frame(path)?;
                crate::schema::check_incident_frame(&df).map_err(|m| Error::format(path, m))?;
                let schema = df.schema().clone();
                with_later_columns(df.lazy(), &schema)
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

/// Adds the columns a store written before them lacks ([`crate::schema::LATER_COLUMNS`]) as nulls.
fn with_later_columns(lf: LazyFrame, schema: &Schema) -> LazyFrame {
    let missing: Vec<Expr> = crate::schema::LATER_COLUMNS
        .iter()
        .filter(|c| schema.get(c).is_none())
        .map(|c| lit(NULL).cast(DataType::String).alias(*c))
        .collect();
    if missing.is_empty() {
        lf
    } else {
        lf.with_columns(missing)
    }
}

/// The latest timestamp of the whole store (any incident timestamp, any event): the default as-of.
fn store_last_timestamp(data: &Dataset) -> Result<UtcMillis> {
    let names = ["opened_at", "acknowledged_at", "resolved_at", "closed_at"];
    // On the streaming engine: four maxima need not hold four columns.
    let maxes = crate::store::collect_streaming(
        data.incidents
            .clone()
            .select(names.iter().map(|n| ms_of(n).max()).collect::<Vec<_>>()),
    )?;
    let mut last = i64::MIN;
    for n in names {
        last = last.max(
            i64_col(&maxes, n)?
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(i64::MIN),
        );
    }
    if let Some(ev) = &data.events {
        let m = ev.clone().lazy().select([ms_of("at").max()]).collect()?;
        last = last.max(
            i64_col(&m, "at")?
                .into_iter()
                .flatten()
                .max()
                .unwrap_or(i64::MIN),
        );
    }
    Ok(if last == i64::MIN { 0 } else { last })
}

/// The default as-of of a list of incidents: their latest timestamp (opened, acknowledged, resolved,
/// closed), as [`store_last_timestamp`] takes it for a store without events.
pub fn incidents_last_timestamp(incs: &[crate::schema::Incident]) -> UtcMillis {
    incs.iter()
        .flat_map(|i| {
            [
                Some(i.opened_at),
                i.acknowledged_at,
                i.resolved_at,
                i.closed_at,
            ]
        })
        .flatten()
        .max()
        .unwrap_or(0)
}

/// `name` as known at the as-of: null when it lies after it.
fn known_by(name: &str, as_of: UtcMillis) -> Expr {
    when(ms_of(name).lt_eq(lit(as_of)))
        .then(col(name))
        .otherwise(lit(NULL))
        .alias(name)
}

/// Counts of how incidents end, for the notes and the JSON.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct EndCounts {
    /// Incidents whose `resolved_at` was taken from the events table at import.
    pub resolved_from_events: u64,
    /// Incidents closed without a resolution (`closed_at` set, `resolved_at` empty, as of the as-of).
    pub closed_without_resolution: u64,
    /// Incidents opened after the as-of (left out).
    pub opened_after_as_of: u64,
    /// Incidents resolved or closed after the as-of (open at that instant).
    pub ended_after_as_of: u64,
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
    /// Where the resolution clock stops (`stop` in the policy).
    pub stop: sla::StopAt,
    pub pauses: String,
    pub by_priority: Vec<SlaPriority>,
    pub overall: SlaOverall,
}

/// Everything `analyze` reports. `--output json` prints this. A family not asked (`--metrics`) is
/// `None` and left out of the JSON, and its fields of `overall`/`groups`/`trend` are null; `sla`
/// is `None` also without a policy, and is always written (null).
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub incidents: u64,
    pub by: Vec<String>,
    pub mttr_end: EndEvent,
    pub filters: Vec<String>,
    pub as_of: String,
    /// The metric families computed (`--metrics`).
    pub metrics: Vec<&'static str>,
    pub overall: GroupMetrics,
    pub groups: Vec<GroupMetrics>,
    pub sla: Option<SlaReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow: Option<flow::Flow>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backlog: Option<backlog::Backlog>,
    /// Per month opened, with `mature`, `window_cut`, `open`, `km_median_hours` ([`trend`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend: Option<Vec<TrendMonth>>,
    /// Per month resolved (the same metrics over the incidents resolved in the month).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend_resolved: Option<Vec<TrendMonth>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trend_maturity: Option<trend::Maturity>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recurrence: Option<recurrence::Recurrence>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub major_incidents: Option<Vec<MajorIncident>>,
    /// How incidents end (`resolved_from_events`, `closed_without_resolution`) and the snapshot counts.
    pub ends: EndCounts,
    pub notes: Vec<String>,
    /// The group table as computed (for CSV/Parquet output).
    #[serde(skip)]
    pub group_frame: DataFrame,
    /// One SLA row per incident when [`AnalyzeOptions::per_incident`] is set.
    #[serde(skip)]
    pub per_incident: Option<Vec<sla::PerIncident>>,
    /// The as-of instant in ms.
    #[serde(skip)]
    pub as_of_ms: UtcMillis,
}

impl Analysis {
    /// Both trend views, empty when the trend family was not asked.
    pub fn trend_rows(&self) -> (&[TrendMonth], &[TrendMonth]) {
        (
            self.trend.as_deref().unwrap_or(&[]),
            self.trend_resolved.as_deref().unwrap_or(&[]),
        )
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

/// Rows of a metric frame ([`resolution::group_metrics`]) as typed group figures, key columns
/// under `key`.
fn group_rows(df: &DataFrame, keys: &[String]) -> Result<Vec<GroupMetrics>> {
    let key_cols: Vec<Vec<Option<String>>> =
        keys.iter().map(|k| str_col(df, k)).collect::<Result<_>>()?;
    let cols: BTreeMap<&str, Vec<Option<f64>>> = [
        "incidents",
        "resolved",
        "mttr_hours_mean",
        "mttr_hours_median",
        "mttr_hours_p90",
        "mttr_hours_p95",
        "mtta_hours_mean",
        "mtta_hours_median",
        "sla_reported_rate",
        "sla_computed_rate",
        "sla_agreement",
        "reopen_rate",
        "first_contact_resolution_rate",
        "reassigned_3plus_share",
        "escalated_share",
        "knowledge_use_rate",
        "major_incidents",
    ]
    .into_iter()
    .map(|n| Ok((n, f64_col(df, n)?)))
    .collect::<Result<_>>()?;
    let row = |i: usize| {
        let v = |n: &str| cols[n][i].and_then(results::finite);
        let count = |n: &str| v(n).map(|x| x.max(0.0) as u64);
        GroupMetrics {
            key: keys
                .iter()
                .zip(&key_cols)
                .map(|(k, c)| (k.clone(), c[i].clone()))
                .collect(),
            incidents: count("incidents").unwrap_or(0),
            resolved: count("resolved").unwrap_or(0),
            mttr_hours: MttrHours {
                mean: v("mttr_hours_mean"),
                median: v("mttr_hours_median"),
                p90: v("mttr_hours_p90"),
                p95: v("mttr_hours_p95"),
            },
            mtta_hours: MttaHours {
                mean: v("mtta_hours_mean"),
                median: v("mtta_hours_median"),
            },
            sla_reported_rate: v("sla_reported_rate"),
            sla_computed_rate: v("sla_computed_rate"),
            sla_agreement: v("sla_agreement"),
            reopen_rate: v("reopen_rate"),
            first_contact_resolution_rate: v("first_contact_resolution_rate"),
            reassigned_3plus_share: v("reassigned_3plus_share"),
            escalated_share: v("escalated_share"),
            knowledge_use_rate: v("knowledge_use_rate"),
            major_incidents: count("major_incidents"),
        }
    };
    Ok((0..df.height()).map(row).collect())
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

/// Checks `--by`, `--where` and `--recurrence-key` columns and the SLA flags against `--metrics`.
fn check_options(opts: &AnalyzeOptions) -> Result<()> {
    for b in &opts.by {
        check_column(b, "--by", true)?;
    }
    for f in &opts.filters {
        check_column(&f.column, "--where", false)?;
    }
    for k in &opts.recurrence_key {
        check_column(k, "--recurrence-key", false)?;
    }
    if opts.per_incident && !opts.metrics.has(Family::Sla) {
        return Err(Error::Usage(
            "--per-incident needs the sla family in --metrics".into(),
        ));
    }
    Ok(())
}

/// The incidents in scope: `--from`/`--to`/`--where`, then the snapshot (opened by the as-of;
/// later timestamps unknown). Counts those opened after an explicit as-of into `ends`.
fn scoped_incidents(
    mut lf: LazyFrame,
    opts: &AnalyzeOptions,
    as_of: UtcMillis,
    ends: &mut EndCounts,
) -> Result<LazyFrame> {
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
    if opts.as_of.is_some() {
        let n = lf
            .clone()
            .filter(ms_of("opened_at").gt(lit(as_of)))
            .select([len().cast(DataType::Int64).alias("n")])
            .collect()?;
        ends.opened_after_as_of = i64_col(&n, "n")?[0].unwrap_or(0).max(0) as u64;
    }
    if opts.as_of.is_none() {
        // The as-of is the data's last timestamp: nothing lies after it, so the snapshot below
        // would keep every incident and every timestamp as it is. Skipping it saves a masked copy
        // of three timestamp columns (0.25 GB on 10M incidents).
        return Ok(lf.with_column(lit(false).alias("ended_after_as_of")));
    }
    let after = |c: &str| ms_of(c).gt(lit(as_of)).fill_null(lit(false));
    Ok(lf
        .filter(ms_of("opened_at").lt_eq(lit(as_of)))
        .with_column(
            after("resolved_at")
                .or(after("closed_at"))
                .alias("ended_after_as_of"),
        )
        .with_columns(["acknowledged_at", "resolved_at", "closed_at"].map(|n| known_by(n, as_of))))
}

/// The projection: only the columns the asked families read (keeps memory and time bounded on
/// large stores), plus the derived hours, indicators and keys.
fn projection(opts: &AnalyzeOptions, has_events: bool, times: bool) -> Vec<Expr> {
    let fam = &opts.metrics;
    let mut needed: BTreeSet<String> = BTreeSet::new();
    for f in Family::ALL.into_iter().filter(|f| fam.has(*f)) {
        needed.extend(resolution::input_columns(f).iter().map(|s| s.to_string()));
    }
    if opts.sla.is_none() {
        // Only the SLA clock reads the time on hold and the raw acknowledgement; without a policy
        // there is no clock (MTTA reads the derived `ack_hours`).
        needed.remove("on_hold_hours");
        needed.remove("acknowledged_at");
    }
    // Read only by the indicators below (computed in this same select), by flow's own counts
    // ([`flow::from_incidents`]) and recurrence's codes (the key columns and `problem_id`,
    // [`recurrence::key_and_problem_codes`]) — queries of their own —, not kept.
    for c in [
        "problem_id",
        "reopen_count",
        "escalation_count",
        "knowledge_used",
        "major_incident",
        "reassignment_count",
        "max_support_level",
    ] {
        needed.remove(c);
    }
    if times {
        // The raw acknowledgement only feeds the SLA clock, the resolution's source only the
        // clock's per-incident rows.
        let clock = opts.sla.is_some() && fam.has(Family::Sla);
        let read = |c: &str| match c {
            "acknowledged_at" => clock,
            "resolved_source" => clock && opts.per_incident,
            _ => true,
        };
        needed.extend(
            TIMES_COLUMNS
                .iter()
                .filter(|c| read(c))
                .map(|s| s.to_string()),
        );
    }
    // Incident ids join the events table (pauses, flow) and name the per-incident rows.
    let joins_events = has_events && (fam.has(Family::Sla) || fam.has(Family::Flow));
    if joins_events || opts.per_incident {
        needed.insert("incident_id".into());
    }
    let by = opts.by.iter().filter(|b| !DERIVED.contains(&b.as_str()));
    needed.extend(by.cloned());
    let mut exprs: Vec<Expr> = needed.iter().map(|c| col(c.as_str())).collect();
    exprs.push(resolution::resolution_hours(opts.end));
    if fam.has(Family::Mttr) || fam.has(Family::Sla) {
        exprs.push(resolution::ack_hours());
    }
    exprs.extend(resolution::indicators(fam));
    for d in DERIVED {
        if opts.by.iter().any(|b| b == d) || (*d == "month" && fam.has(Family::Trend)) {
            exprs.extend(resolution::derived_key(d));
        }
    }
    exprs
}

/// The columns only the SLA clock reads, dropped after it.
const CLOCK_ONLY: [&str; 2] = ["acknowledged_at", "on_hold_hours"];

/// The raw columns [`Times`] reads (incident ids are projected apart, where events are joined).
const TIMES_COLUMNS: [&str; 5] = [
    "opened_at",
    "acknowledged_at",
    "resolved_at",
    "closed_at",
    "resolved_source",
];

/// Whether an asked family reads per-incident timestamps ([`Times`]): the SLA clock, the trend,
/// flow (incident ids), backlog and recurrence. The others (MTTR, MTTA, the reported SLA, major
/// incidents) are group aggregations of derived columns, and their frame leaves the raw columns
/// out (on 10M incidents, 0.5 GB less).
fn needs_times(opts: &AnalyzeOptions, recurrence: bool) -> bool {
    let fam = &opts.metrics;
    (fam.has(Family::Sla) && opts.sla.is_some())
        || fam.has(Family::Trend)
        || fam.has(Family::Flow)
        || fam.has(Family::Backlog)
        || recurrence
}

/// The per-incident timestamps (ms, as known at the as-of) the families read, each built the first
/// time one asks for it: `--metrics mttr,sla` without a policy reads none of them, and on 10M
/// incidents they are 0.1–0.2 GB each.
struct Times {
    /// The projected columns it reads (sharing their buffers): only those, so that the frame's
    /// other columns are freed when a family drops them.
    df: DataFrame,
    /// Whether the projection holds [`TIMES_COLUMNS`] ([`needs_times`]).
    projected: bool,
    ids: OnceCell<Option<StringChunked>>,
    /// One chunk without nulls (a missing opening reads 0), so that it is a slice.
    opened: OnceCell<Int64Chunked>,
    ack: OnceCell<Vec<Option<i64>>>,
    resolved: OnceCell<Vec<Option<i64>>>,
    closed: OnceCell<Vec<Option<i64>>>,
    /// End of an incident: resolved_at, or closed_at when closed without a resolution.
    /// One polars column (values and a validity bitmap: half the memory of `Option<i64>`s).
    resolved_or_closed: OnceCell<Int64Chunked>,
}

/// The value of `cell`, computed by `f` the first time.
fn once<T>(cell: &OnceCell<T>, f: impl FnOnce() -> Result<T>) -> Result<&T> {
    if let Some(v) = cell.get() {
        return Ok(v);
    }
    let v = f()?;
    Ok(cell.get_or_init(|| v))
}

impl Times {
    fn new(df: &DataFrame, projected: bool) -> Result<Times> {
        let read = TIMES_COLUMNS.iter().chain(&["incident_id"]);
        let present = read
            .filter(|c| df.column(c).is_ok())
            .map(|c| PlSmallStr::from(*c));
        Ok(Times {
            df: df.select(present)?,
            projected,
            ids: OnceCell::new(),
            opened: OnceCell::new(),
            ack: OnceCell::new(),
            resolved: OnceCell::new(),
            closed: OnceCell::new(),
            resolved_or_closed: OnceCell::new(),
        })
    }

    /// A timestamp column in ms (all null when the column is absent).
    /// An error unless the projection holds the raw columns: a family read timestamps that
    /// [`needs_times`] did not foresee (a bug, not empty data).
    fn check_projected(&self, name: &str) -> Result<()> {
        match self.projected {
            true => Ok(()),
            false => Err(crate::error::MetricsError::internal(format!(
                "{name} was not read for the asked metrics"
            ))),
        }
    }

    fn ts(&self, name: &str) -> Result<Vec<Option<i64>>> {
        self.check_projected(name)?;
        let df = &self.df;
        if df.column(name).is_err() {
            return Ok(vec![None; df.height()]);
        }
        let one = df.select([PlSmallStr::from(name)])?;
        i64_col(&one.lazy().select([ms_of(name)]).collect()?, name)
    }

    /// The incident ids, when projected (the events are joined, or per-incident rows asked).
    fn ids(&self) -> Result<Option<&StringChunked>> {
        once(&self.ids, || match self.df.column("incident_id") {
            Ok(c) => Ok(Some(c.str()?.clone())),
            Err(_) => Ok(None),
        })
        .map(Option::as_ref)
    }

    fn opened(&self) -> Result<&[i64]> {
        let ca = once(&self.opened, || {
            self.check_projected("opened_at")?;
            let ms = match self.df.column("opened_at") {
                // The store's own unit (ms) is a view of the column's buffer, not a copy (10M
                // incidents: 80 MB).
                Ok(c) if matches!(c.dtype(), DataType::Datetime(TimeUnit::Milliseconds, _)) => {
                    c.cast(&DataType::Int64)?.i64()?.rechunk().into_owned()
                }
                Ok(_) => Int64Chunked::from_iter_options(
                    "opened_at".into(),
                    self.ts("opened_at")?.into_iter(),
                ),
                Err(_) => Int64Chunked::full("opened_at".into(), 0, self.df.height()),
            };
            Ok(match ms.null_count() {
                0 => ms,
                _ => ms.fill_null_with_values(0)?,
            })
        })?;
        ca.cont_slice().map_err(Into::into)
    }

    fn ack(&self) -> Result<&[Option<i64>]> {
        once(&self.ack, || self.ts("acknowledged_at")).map(Vec::as_slice)
    }

    fn resolved(&self) -> Result<&[Option<i64>]> {
        once(&self.resolved, || self.ts("resolved_at")).map(Vec::as_slice)
    }

    fn closed(&self) -> Result<&[Option<i64>]> {
        once(&self.closed, || self.ts("closed_at")).map(Vec::as_slice)
    }

    /// Where each resolution came from, when projected (per-incident SLA rows).
    fn resolved_source(&self) -> Result<Option<&StringChunked>> {
        Ok(match self.df.column("resolved_source") {
            Ok(c) => Some(c.str()?),
            Err(_) => None,
        })
    }

    /// Frees the timestamps only the SLA clock reads (on 10M incidents 0.5 GB, which the trend's
    /// aggregations would otherwise stack on); [`Times::end`] then reads its own.
    fn forget_clock_inputs(&mut self) {
        self.ack.take();
        self.resolved.take();
        self.closed.take();
        drop_columns(&mut self.df, CLOCK_ONLY, &[]);
    }

    /// The MTTR end of each incident under `--end`.
    fn end(&self, end: EndEvent) -> Result<&Int64Chunked> {
        once(&self.resolved_or_closed, || {
            // One column from polars, by the definition of `resolution_hours` (the clock's own
            // timestamps are freed by then, [`Times::forget_clock_inputs`]).
            self.check_projected("resolved_at")?;
            let both = self
                .df
                .select(["resolved_at", "closed_at"].map(PlSmallStr::from))?;
            let ms = both
                .lazy()
                .select([resolution::end_ms(end).alias("end")])
                .collect()?;
            Ok(ms.column("end")?.i64()?.rechunk().into_owned())
        })
    }
}

/// SLA family: the clock of every incident, then `ind_sla_met`/`ind_sla_agree` into the frame for
/// the group metrics. `None` without a policy (a note says so).
fn sla_family(
    opts: &AnalyzeOptions,
    df: &mut DataFrame,
    t: &Times,
    events: Option<&DataFrame>,
    as_of: UtcMillis,
    notes: &mut Vec<String>,
) -> Result<Option<SlaSection>> {
    let section = match &opts.sla {
        Some((path, policy)) => {
            // One chunk each (a view of the projected column when it is one already): read by
            // position, no vector of options per incident (10M incidents: 0.3 GB).
            let column = |name: &str, dtype: DataType| -> Result<Series> {
                Ok(df
                    .column(name)?
                    .cast(&dtype)?
                    .as_materialized_series()
                    .rechunk())
            };
            let priority = column("priority", DataType::Int64)?;
            let hold = column("on_hold_hours", DataType::Float64)?;
            let inputs = SlaInputs {
                ids: t.ids()?,
                priority: priority.i64()?,
                hold: hold.f64()?,
                opened: t.opened()?,
                ack: t.ack()?,
                resolved: t.resolved()?,
                closed: t.closed()?,
                resolved_source: t.resolved_source()?,
                as_of,
            };
            Some(sla_section(
                path,
                policy,
                &inputs,
                events,
                opts.per_incident,
            )?)
        }
        None => {
            notes.push("no --sla policy: sla_computed_rate is empty; sla_reported_rate is the source's own flag".into());
            None
        }
    };
    // Without a clock the group metrics give null computed rates, from no column
    // ([`resolution::group_metrics`]).
    // 0/1 as Int32, like the other indicators ([`resolution::indicators`]).
    let (met_ind, agree_ind): (Int32Chunked, Int32Chunked) = match &section {
        None => return Ok(section),
        Some(s) => {
            let reported = df.column("made_sla_reported")?.bool()?.clone();
            let met_ind = s.met.iter().map(|m| m.map(i32::from)).collect();
            let agree_ind = s
                .met
                .iter()
                .zip(reported.iter())
                .map(|(m, r)| Some(i32::from((*m)? == r?)))
                .collect();
            (met_ind, agree_ind)
        }
    };
    df.with_column(met_ind.with_name("ind_sla_met".into()).into_column())?;
    df.with_column(agree_ind.with_name("ind_sla_agree".into()).into_column())?;
    Ok(section)
}

/// The SLA family when asked, then the timestamps and columns only its clock reads leave (so that
/// the trend's aggregations do not stack on them).
fn sla_then_drop(
    opts: &AnalyzeOptions,
    df: &mut DataFrame,
    t: &mut Times,
    events: Option<&DataFrame>,
    as_of: UtcMillis,
    notes: &mut Vec<String>,
) -> Result<Option<SlaSection>> {
    let sla = match opts.metrics.has(Family::Sla) {
        true => sla_family(opts, df, t, events, as_of, notes)?,
        false => None,
    };
    t.forget_clock_inputs();
    drop_columns(df, CLOCK_ONLY, &opts.by);
    Ok(sla)
}

/// Drops the `names` columns a family has read (those present), unless they are `--by` keys.
fn drop_columns<'a>(df: &mut DataFrame, names: impl IntoIterator<Item = &'a str>, by: &[String]) {
    let gone: Vec<&str> = names
        .into_iter()
        .filter(|c| !by.iter().any(|b| b == c) && df.column(c).is_ok())
        .collect();
    if !gone.is_empty() {
        *df = df.drop_many(gone);
    }
}

/// Drops the timestamp columns (and `resolved_source`, `ended_after_as_of`) that only the families
/// run before the group table read, unless they are `--by` keys.
fn drop_raw_times(df: &mut DataFrame, by: &[String]) {
    let raw = [
        "opened_at",
        "acknowledged_at",
        "resolved_at",
        "closed_at",
        "resolved_source",
        "ended_after_as_of",
    ];
    drop_columns(df, raw, by);
}

/// The group table (`--by`; for CSV/Parquet), `overall` and `groups[]`.
fn group_family(
    df: &DataFrame,
    opts: &AnalyzeOptions,
) -> Result<(DataFrame, GroupMetrics, Vec<GroupMetrics>)> {
    let clock = df.column("ind_sla_met").is_ok();
    let metrics = || resolution::group_metrics(&opts.metrics, clock);
    let overall_frame = df.clone().lazy().select(metrics()).collect()?;
    let overall = group_rows(&overall_frame, &[])?
        .into_iter()
        .next()
        .unwrap_or_default();
    if opts.by.is_empty() {
        return Ok((overall_frame, overall, Vec::new()));
    }
    let keys: Vec<Expr> = opts.by.iter().map(|b| col(b.as_str())).collect();
    let sort = SortMultipleOptions::default().with_nulls_last(true);
    let group_frame = label_derived(
        df.clone()
            .lazy()
            .group_by(keys)
            .agg(metrics())
            .sort(opts.by.iter().map(|s| s.as_str()).collect::<Vec<_>>(), sort)
            .collect()?,
        &opts.by,
    )?;
    let groups = group_rows(&group_frame, &opts.by)?;
    Ok((group_frame, overall, groups))
}

/// Trend family: both monthly views ([`trend`]).
fn trend_family(
    df: &DataFrame,
    t: &Times,
    opts: &AnalyzeOptions,
    as_of: UtcMillis,
) -> Result<trend::Trends> {
    let month = df.column("month")?.i32()?.clone();
    let rows = trend::Rows {
        opened: t.opened()?,
        end: t.end(opts.end)?,
        month: &month,
        as_of,
    };
    trend::trends(df, &rows, opts.end, &opts.metrics)
}

/// Flow family: reassignments and levels from the incidents, ping-pong and transitions from the
/// events table where there is one.
fn flow_family(
    incidents: LazyFrame,
    t: &Times,
    events: Option<&DataFrame>,
    notes: &mut Vec<String>,
) -> Result<flow::Flow> {
    let mut fl = flow::Flow::default();
    flow::from_incidents(incidents, &mut fl)?;
    let Some(ev) = events else {
        notes.push("no events table: ping-pong, level transitions and time per group need an event-log source".into());
        return Ok(fl);
    };
    let in_scope: std::collections::HashSet<&str> = match t.ids()? {
        Some(ids) => ids.iter().flatten().collect(),
        None => Default::default(),
    };
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
    Ok(fl)
}

/// Recurrence family over the chosen key ([`recurrence`]): key and problem ids read as codes from
/// the incidents in scope (their own streaming query), times from the frame.
fn recurrence_family(
    incidents: LazyFrame,
    df: &DataFrame,
    t: &Times,
    key_choice: recurrence::KeyChoice,
    opts: &AnalyzeOptions,
    notes: &mut Vec<String>,
) -> Result<recurrence::Recurrence> {
    let (key, problems) = recurrence::key_and_problem_codes(incidents, &key_choice.key)?;
    if key.codes.len() != df.height() {
        // The store is read again here: a store replaced under a running analysis shows as this.
        return Err(crate::error::MetricsError::internal(format!(
            "the recurrence key read {} incidents, the frame holds {} (was the store replaced during the analysis?)",
            key.codes.len(),
            df.height()
        )));
    }
    let hours = df.column("resolution_hours")?.f64()?.clone();
    let rows = recurrence::Rows {
        key: &key,
        opened: t.opened()?,
        resolution_hours: &hours,
        problem_id: &problems,
    };
    let mut rec = recurrence::analyze(
        &rows,
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
    Ok(rec)
}

/// The filters as text (JSON `filters`).
fn filter_labels(opts: &AnalyzeOptions) -> Vec<String> {
    let mut filters: Vec<String> = opts
        .filters
        .iter()
        .map(|f| {
            let op = if f.negate { "!=" } else { "=" };
            format!("{}{op}{}", f.column, f.values.join("|"))
        })
        .collect();
    if let Some(f) = opts.from {
        filters.push(format!("opened_at >= {}", recurrence::iso(f)));
    }
    if let Some(t) = opts.to {
        filters.push(format!("opened_at < {}", recurrence::iso(t)));
    }
    filters
}

/// Counts of how incidents end and their notes, summed by polars from the scoped incidents `lf` on
/// the streaming engine (no per-incident vectors, and the frame of the families need not hold
/// the columns).
fn end_family(
    lf: LazyFrame,
    opts: &AnalyzeOptions,
    as_of: UtcMillis,
    ends: &mut EndCounts,
) -> Result<Vec<String>> {
    let count = |e: Expr, name: &str| e.cast(DataType::UInt64).sum().alias(name);
    let resolved = col("resolved_at").is_not_null();
    let sums = crate::store::collect_streaming(
        lf.select([
            count(
                resolved.clone().and(
                    col("resolved_source")
                        .eq(lit("events"))
                        .fill_null(lit(false)),
                ),
                "from_events",
            ),
            count(
                resolved.not().and(col("closed_at").is_not_null()),
                "closed_only",
            ),
            count(col("ended_after_as_of").fill_null(lit(false)), "after"),
        ]),
    )?;
    let get = |name: &str| -> Result<u64> {
        Ok(i64_col(&sums, name)?
            .first()
            .copied()
            .flatten()
            .unwrap_or(0)
            .max(0) as u64)
    };
    ends.resolved_from_events = get("from_events")?;
    ends.closed_without_resolution = get("closed_only")?;
    ends.ended_after_as_of = get("after")?;
    Ok(end_notes(ends, opts.as_of.map(|_| as_of)))
}

/// The incidents in scope, read once for every family.
struct Scope {
    as_of: UtcMillis,
    /// The events known at the as-of, when an asked family reads them (SLA pauses, flow).
    events: Option<DataFrame>,
    /// The filtered lazy frame (the major-incident list reads its own columns from it).
    base: LazyFrame,
    key_choice: Option<recurrence::KeyChoice>,
    /// The projected columns ([`projection`]).
    df: DataFrame,
    times: Times,
    ends: EndCounts,
    notes: Vec<String>,
}

/// Applies the filters and the snapshot and collects the projection of the asked families.
fn scope(data: Dataset, opts: &AnalyzeOptions) -> Result<Scope> {
    let fam = &opts.metrics;
    let as_of = match opts.as_of {
        Some(t) => t,
        None => store_last_timestamp(&data)?,
    };
    // The snapshot: events after the as-of are not known yet. Only SLA pauses and flow read them.
    let events = match &data.events {
        Some(ev) if fam.has(Family::Sla) || fam.has(Family::Flow) => {
            let known = ms_of("at").lt_eq(lit(as_of));
            Some(ev.clone().lazy().filter(known).collect()?)
        }
        _ => None,
    };
    let mut ends = EndCounts::default();
    let base = scoped_incidents(data.incidents, opts, as_of, &mut ends)?;
    let key_choice = match fam.has(Family::Recurrence) {
        true => Some(recurrence::choose_key(base.clone(), &opts.recurrence_key)?),
        false => None,
    };
    let with_times = needs_times(opts, key_choice.is_some());
    // On the streaming engine the raw timestamps are read morsel by morsel and only the projection
    // is held (10M incidents, --metrics mttr,sla: peak 1.05 → 0.8 GB, CPU −40 %). Not for string
    // columns (only `--by` keys, and incident ids or resolution sources where the events are
    // joined or per-incident rows asked: flow and recurrence read theirs as counts and codes):
    // the engine's string morsels left the process 0.3–0.5 GB larger than the in-memory engine's
    // columns. Its morsels end in one chunk per column (the group aggregations then read
    // contiguous slices, and the opening times are a slice of theirs).
    let projected = base
        .clone()
        .select(projection(opts, events.is_some(), with_times));
    let has_strings = projected
        .clone()
        .collect_schema()?
        .iter_values()
        .any(|t| matches!(t, DataType::String));
    let df = match has_strings {
        true => projected.collect()?,
        false => crate::store::rechunk_each(crate::store::collect_streaming(projected)?)?,
    };
    if df.height() == 0 {
        return Err(crate::error::MetricsError::no_data(
            "no incidents to analyse (the store is empty, or the filters or --as-of left nothing)"
                .into(),
        ));
    }
    let times = Times::new(&df, with_times)?;
    let notes = end_family(base.clone(), opts, as_of, &mut ends)?;
    Ok(Scope {
        as_of,
        events,
        base,
        key_choice,
        df,
        times,
        ends,
        notes,
    })
}

/// A phase boundary of [`analyze`]: the allocator's free pages are handed back (polars' readers
/// leave freed blocks resident), and the caller's hook hears of the phase that starts.
fn next_phase(opts: &AnalyzeOptions, phase: &'static str) {
    crate::store::release_free_memory();
    if let Some(h) = &opts.phase {
        (h.0)(Some(phase));
    }
}

/// Runs the metric families `opts.metrics` asks for (default all), one function each, over the
/// incidents in scope; the lazy plan reads only the columns those families need.
pub fn analyze(data: Dataset, opts: &AnalyzeOptions) -> Result<Analysis> {
    check_options(opts)?;
    next_phase(opts, "reading the store");
    let fam = &opts.metrics;
    let Scope {
        as_of,
        events,
        base,
        key_choice,
        mut df,
        times: mut t,
        ends,
        mut notes,
    } = scope(data, opts)?;
    let ev = events.as_ref();
    next_phase(opts, "SLA clock");
    let sla = sla_then_drop(opts, &mut df, &mut t, ev, as_of, &mut notes)?;
    let asked = |f: Family| fam.has(f);
    // Flow and recurrence first, then their raw columns go, so that the trend's per-month
    // aggregations (the largest transients) do not stack on them. The notes keep their order
    // (sla, flow, recurrence; the trend adds none).
    next_phase(opts, "flow");
    let flow = asked(Family::Flow)
        .then(|| flow_family(base.clone(), &t, ev, &mut notes))
        .transpose()?;
    next_phase(opts, "recurrence");
    let recurrence = key_choice
        .map(|k| recurrence_family(base.clone(), &df, &t, k, opts, &mut notes))
        .transpose()?;
    next_phase(opts, "backlog and trend");
    let backlog = asked(Family::Backlog)
        .then(|| Ok::<_, Error>(backlog::analyze(t.opened()?, t.end(opts.end)?, as_of)))
        .transpose()?;
    let trends = asked(Family::Trend)
        .then(|| trend_family(&df, &t, opts, as_of))
        .transpose()?;
    // The group table reads only derived columns: the raw timestamps go first (with the vectors
    // read from them), so that its sorts for medians and percentiles do not stack on them.
    drop(t);
    drop_raw_times(&mut df, &opts.by);
    next_phase(opts, "per-group figures");
    let (group_frame, overall, groups) = group_family(&df, opts)?;
    next_phase(opts, "major incidents");
    let major_incidents = asked(Family::Major)
        .then(|| flow::major_incident_list(base, opts.end))
        .transpose()?;
    let (sla, per_incident) = sla.map_or((None, None), |s| {
        notes.extend(s.notes);
        (Some(s.report), s.per_incident)
    });
    let (trend, trend_resolved, trend_maturity) = trends.map_or((None, None, None), |t| {
        (Some(t.by_opened), Some(t.by_resolved), Some(t.maturity))
    });
    Ok(Analysis {
        incidents: df.height() as u64,
        by: opts.by.clone(),
        mttr_end: opts.end,
        filters: filter_labels(opts),
        as_of: recurrence::iso(as_of),
        metrics: fam.names(),
        overall,
        groups,
        sla,
        flow,
        backlog,
        trend,
        trend_resolved,
        trend_maturity,
        recurrence,
        major_incidents,
        ends,
        notes,
        group_frame,
        per_incident,
        as_of_ms: as_of,
    })
}

/// Per-incident columns the SLA clock reads, as known at the as-of.
struct SlaInputs<'a> {
    /// None when not projected (no events joined, no per-incident rows).
    ids: Option<&'a StringChunked>,
    priority: &'a Int64Chunked,
    hold: &'a Float64Chunked,
    opened: &'a [i64],
    ack: &'a [Option<i64>],
    resolved: &'a [Option<i64>],
    closed: &'a [Option<i64>],
    /// None when not projected (no per-incident rows).
    resolved_source: Option<&'a StringChunked>,
    as_of: UtcMillis,
}

/// What the SLA clock gives back to [`analyze`].
struct SlaSection {
    report: SlaReport,
    met: Vec<Option<bool>>,
    per_incident: Option<Vec<sla::PerIncident>>,
    notes: Vec<String>,
}

/// Counts per priority, with margins (met + breached) and time left (pending), in hours.
#[derive(Default)]
struct SlaAcc {
    n: u64,
    met: u64,
    breached: u64,
    pending: u64,
    resp_n: u64,
    resp_met: u64,
    margins: Vec<f64>,
    time_left: Vec<f64>,
}

impl SlaAcc {
    fn add(&mut self, o: &sla::SlaOutcome) {
        self.n += 1;
        let h = calendar::ms_to_hours(o.margin_ms());
        match o.met {
            Some(true) => self.met += 1,
            Some(false) => self.breached += 1,
            None => self.pending += 1,
        }
        if o.met.is_some() {
            self.margins.push(h);
        } else {
            self.time_left.push(h);
        }
        if let Some(r) = o.response_met {
            self.resp_n += 1;
            self.resp_met += u64::from(r);
        }
    }

    fn merge(&mut self, a: &SlaAcc) {
        self.n += a.n;
        self.met += a.met;
        self.breached += a.breached;
        self.pending += a.pending;
        self.resp_n += a.resp_n;
        self.resp_met += a.resp_met;
        self.margins.extend_from_slice(&a.margins);
        self.time_left.extend_from_slice(&a.time_left);
    }

    /// The counts, rates, `margin_hours` and `time_left_hours` {p10, p50, p90}.
    fn counts(&mut self) -> SlaCounts {
        let q = |v: &mut Vec<f64>| {
            v.sort_unstable_by(|a, b| a.total_cmp(b));
            let at = |p: f64| results::finite(crate::sim::stats::quantile(v, p));
            Spread {
                p10: at(0.1),
                p50: at(0.5),
                p90: at(0.9),
            }
        };
        SlaCounts {
            incidents: self.n,
            met: self.met,
            breached: self.breached,
            pending: self.pending,
            compliance: results::finite(self.met as f64 / (self.met + self.breached) as f64),
            response_compliance: results::finite(self.resp_met as f64 / self.resp_n as f64),
            margin_hours: q(&mut self.margins),
            time_left_hours: q(&mut self.time_left),
        }
    }
}

/// Every priority present in the data needs a target: the error names each missing one and its count.
fn check_targets(path: &Path, policy: &SlaPolicy, inp: &SlaInputs) -> Result<()> {
    let mut missing: BTreeMap<i64, u64> = BTreeMap::new();
    for p in inp.priority.iter().flatten() {
        if !policy.targets.contains_key(&(p as u8)) {
            *missing.entry(p).or_default() += 1;
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let list: Vec<String> = missing
        .iter()
        .map(|(p, n)| format!("priority {p} ({n} incidents)"))
        .collect();
    Err(Error::config(
        path,
        "targets",
        format!(
            "no target for {} present in the data; add a [[targets]] entry for each",
            list.join(", ")
        ),
    ))
}

/// Incidents per parallel block of the SLA clock.
const CLOCK_BLOCK: usize = 1 << 16;

/// The clock over some incidents: the tallies per priority, the incidents without a priority, the
/// met flag of each (`None`: pending or no priority) and, when asked, their per-incident rows.
#[derive(Default)]
struct Clocked {
    by_priority: BTreeMap<u8, SlaAcc>,
    no_priority: u64,
    met: Vec<Option<bool>>,
    rows: Vec<sla::PerIncident>,
}

impl Clocked {
    /// Appends `b`, the clock of the incidents that follow.
    fn append(&mut self, b: Clocked) {
        for (p, a) in &b.by_priority {
            self.by_priority.entry(*p).or_default().merge(a);
        }
        self.no_priority += b.no_priority;
        self.met.extend(b.met);
        self.rows.extend(b.rows);
    }
}

/// The clock of every incident with a priority. Each incident's clock is independent: blocks of
/// incidents are evaluated in parallel and appended in order, and only tallies are kept (10M
/// incidents: a clock outcome per incident held 1.3 GB).
fn clock_all(
    policy: &SlaPolicy,
    inp: &SlaInputs,
    pauses: Option<&sla::Pauses>,
    keep_rows: bool,
) -> Clocked {
    use rayon::prelude::*;
    let n = inp.opened.len();
    let blocks: Vec<Clocked> = (0..n.div_ceil(CLOCK_BLOCK))
        .into_par_iter()
        .map(|b| {
            let range = b * CLOCK_BLOCK..((b + 1) * CLOCK_BLOCK).min(n);
            clock_range(policy, inp, pauses, range, keep_rows)
        })
        .collect();
    let mut all = Clocked {
        met: Vec::with_capacity(n),
        ..Default::default()
    };
    for b in blocks {
        all.append(b);
    }
    all
}

/// [`clock_all`] over the incidents `range`.
fn clock_range(
    policy: &SlaPolicy,
    inp: &SlaInputs,
    pauses: Option<&sla::Pauses>,
    range: std::ops::Range<usize>,
    keep_rows: bool,
) -> Clocked {
    let mut out = Clocked {
        met: Vec::with_capacity(range.len()),
        ..Default::default()
    };
    for i in range {
        let stop = sla::stop_instant(policy.stop, inp.resolved[i], inp.closed[i]);
        let outcome = inp.priority.get(i).map(|p| {
            let p = p as u8;
            let pz = pauses.map(|m| {
                m.get(inp.ids.and_then(|ids| ids.get(i)).unwrap_or(""))
                    .map(|v| v.as_slice())
                    .unwrap_or(&[])
            });
            let t = &policy.targets[&p];
            let o = sla::evaluate(
                t,
                inp.opened[i],
                inp.ack[i],
                stop.map(|s| s.0),
                inp.as_of,
                pz,
                inp.hold.get(i),
            );
            (p, o)
        });
        match &outcome {
            Some((p, o)) => out.by_priority.entry(*p).or_default().add(o),
            None => out.no_priority += 1,
        }
        out.met.push(outcome.as_ref().and_then(|(_, o)| o.met));
        if keep_rows {
            out.rows
                .push(per_incident_row(inp, policy, i, outcome.as_ref(), stop));
        }
    }
    out
}

/// The per-priority rows and the overall figures of the tallies.
fn sla_tables(policy: &SlaPolicy, clocked: &mut Clocked) -> (Vec<SlaPriority>, SlaOverall) {
    let mut rows = Vec::new();
    let mut total = SlaAcc::default();
    for (p, a) in clocked.by_priority.iter_mut() {
        let t = &policy.targets[p];
        total.merge(a);
        rows.push(SlaPriority {
            priority: *p,
            resolution_target_hours: t.resolution_hours,
            response_target_hours: t.response_hours,
            calendar: calendar_name(&t.calendar),
            counts: a.counts(),
        });
    }
    let overall = SlaOverall {
        counts: total.counts(),
        no_priority: clocked.no_priority,
    };
    (rows, overall)
}

/// The SLA clock of every incident and the per-priority report (definitions in [`sla`]).
fn sla_section(
    path: &Path,
    policy: &SlaPolicy,
    inp: &SlaInputs,
    events: Option<&DataFrame>,
    keep_rows: bool,
) -> Result<SlaSection> {
    check_targets(path, policy, inp)?;
    let mut policy = policy.clone();
    let lo = inp.opened.iter().copied().min().unwrap_or(0);
    policy.prepare(lo, inp.as_of.max(lo));
    let policy = &policy;
    let pauses = events
        .map(|ev| pause_intervals(ev, &policy.pause_states))
        .transpose()?;
    let pauses_note = match &pauses {
        Some(_) => "clock pauses from the events table".to_string(),
        None => "no events table: on_hold_hours subtracted for 24x7 targets, no pauses on business-hours targets".to_string(),
    };
    let mut clocked = clock_all(policy, inp, pauses.as_ref(), keep_rows);
    let (rows, overall) = sla_tables(policy, &mut clocked);
    let mut notes = Vec::new();
    if overall.no_priority > 0 {
        notes.push(format!(
            "{} incidents have no priority and are outside the SLA figures",
            overall.no_priority
        ));
    }
    Ok(SlaSection {
        report: SlaReport {
            policy: policy.name.clone(),
            stop: policy.stop,
            pauses: pauses_note,
            by_priority: rows,
            overall,
        },
        met: clocked.met,
        per_incident: keep_rows.then_some(clocked.rows),
        notes,
    })
}

fn calendar_name(c: &calendar::Calendar) -> &'static str {
    if *c == calendar::Calendar::AllHours {
        "24x7"
    } else {
        "business"
    }
}

/// The [`sla::PerIncident`] row of incident `i`, with its clock outcome and stop instant.
fn per_incident_row(
    inp: &SlaInputs,
    policy: &SlaPolicy,
    i: usize,
    outcome: Option<&(u8, sla::SlaOutcome)>,
    stop: Option<(UtcMillis, &'static str)>,
) -> sla::PerIncident {
    let t = outcome.map(|(p, _)| &policy.targets[p]);
    let o = outcome.map(|(_, o)| *o);
    sla::PerIncident {
        incident_id: inp.ids.and_then(|ids| ids.get(i)).unwrap_or("").to_string(),
        priority: inp.priority.get(i).and_then(|p| u8::try_from(p).ok()),
        calendar: t.map(|t| calendar_name(&t.calendar)).unwrap_or(""),
        target_ms: t.map(|t| t.resolution_ms),
        opened_at: inp.opened[i],
        acknowledged_at: inp.ack[i],
        resolved_at: inp.resolved[i],
        closed_at: inp.closed[i],
        resolved_source: inp
            .resolved_source
            .and_then(|c| c.get(i))
            .map(str::to_string),
        stop_by: match (o.is_some_and(|o| o.stopped), stop) {
            (true, Some((_, by))) => by,
            _ => "",
        },
        outcome: o,
        response_target_ms: t.and_then(|t| t.response_ms),
    }
}

/// The notes that explain [`EndCounts`]; `as_of` is given only when it was explicit.
fn end_notes(e: &EndCounts, as_of: Option<UtcMillis>) -> Vec<String> {
    let mut notes = Vec::new();
    if e.resolved_from_events > 0 {
        notes.push(format!("resolved_from_events: {} incidents have resolved_at taken from the events table at import (last transition into a resolving state; resolved_source = events)", e.resolved_from_events));
    }
    if e.closed_without_resolution > 0 {
        notes.push(format!("closed_without_resolution: {} incidents were closed without a resolution: MTTR (--end resolved) and the SLA clock (stop = resolved) end at closed_at", e.closed_without_resolution));
    }
    if let Some(t) = as_of {
        notes.push(format!("snapshot as of {}: {} incidents opened after it are left out; {} resolved or closed after it are open at that instant; later events are ignored", recurrence::iso(t), e.opened_after_as_of, e.ended_after_as_of));
    }
    notes
}

/// Pause intervals per incident: from each event in a pause state to the next event; when the pause
/// event is the incident's last one, the pause is open-ended (`i64::MAX`, clipped to the clock's end).
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
            .is_some_and(|s| states.iter().any(|p| p.eq_ignore_ascii_case(s.trim())))
    };
    let mut out: HashMap<String, Vec<(i64, i64)>> = HashMap::new();
    for i in 0..ev.height() {
        if !(is_pause(&st[i]) || is_pause(&sub[i])) {
            continue;
        }
        let next = if i + 1 < ev.height() && id[i] == id[i + 1] {
            at[i + 1]
        } else {
            Some(i64::MAX)
        };
        if let (Some(k), Some(a), Some(b)) = (&id[i], at[i], next) {
            out.entry(k.clone()).or_default().push((a, b));
        }
    }
    Ok(out)
}
