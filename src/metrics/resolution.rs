//! Resolution, response and flow metrics as named polars expressions. Each is computed per group
//! (`--by`) and overall; grouping is a parameter, not a copy of the metric.

use polars::prelude::*;

const MS_PER_HOUR: f64 = crate::units::MS_PER_HOUR_F64;

/// Which timestamp stops the MTTR clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EndEvent {
    /// `resolved_at` (service restored) — the ITIL definition.
    #[default]
    Resolved,
    /// `closed_at`.
    Closed,
}

fn ms(name: &str) -> Expr {
    col(name)
        .cast(DataType::Datetime(
            TimeUnit::Milliseconds,
            Some(TimeZone::UTC),
        ))
        .cast(DataType::Int64)
}

/// `resolution_hours` = (end − `opened_at`) in hours, end = `resolved_at`, or `closed_at` for an
/// incident closed without a resolution (`--end closed`: `closed_at`); null while the incident is
/// unresolved. Zero-duration incidents count as 0 h.
pub fn resolution_hours(end: EndEvent) -> Expr {
    let end_ms = match end {
        EndEvent::Resolved => ms("resolved_at").fill_null(ms("closed_at")),
        EndEvent::Closed => ms("closed_at"),
    };
    ((end_ms - ms("opened_at")).cast(DataType::Float64) / lit(MS_PER_HOUR))
        .alias("resolution_hours")
}

/// The same definition on one incident's timestamps (ms): (end − opened) in hours, `None` while
/// unresolved. Pilot evaluation and the report use this, so MTTR means one thing everywhere.
pub fn hours_between(opened: i64, end: Option<i64>) -> Option<f64> {
    end.map(|e| (e - opened) as f64 / MS_PER_HOUR)
}

/// MTTR of a sample: the mean of the resolution hours of resolved incidents (NaN when empty).
pub fn mttr_hours(resolution_hours: &[f64]) -> f64 {
    resolution_hours.iter().sum::<f64>() / resolution_hours.len() as f64
}

/// The UTC calendar month of a timestamp column as the integer yyyymm (null where it is null).
pub fn month_of(column: &str) -> Expr {
    let t = || {
        col(column)
            .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
            .dt()
    };
    t().year().cast(DataType::Int64) * lit(100i64) + t().month().cast(DataType::Int64)
}

/// `ack_hours` = (`acknowledged_at` − `opened_at`) in hours; null when not acknowledged.
pub fn ack_hours() -> Expr {
    ((ms("acknowledged_at") - ms("opened_at")).cast(DataType::Float64) / lit(MS_PER_HOUR))
        .alias("ack_hours")
}

/// Derived grouping keys from `opened_at` (UTC): `month` (2025-03), `week` (ISO, 2025-W09), `year`,
/// `weekday` (1 Mon … 7 Sun), `hour` (00…23). Grouped as integers (fast on 10 M rows) and labelled
/// afterwards by [`derived_label`].
pub fn derived_key(name: &str) -> Option<Expr> {
    // UTC wall time without per-value zone conversion.
    let t = || {
        col("opened_at")
            .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
            .dt()
    };
    let e = match name {
        "month" => month_of("opened_at"),
        "week" => {
            t().iso_year().cast(DataType::Int64) * lit(100i64) + t().week().cast(DataType::Int64)
        }
        "year" => t().year().cast(DataType::Int64),
        "weekday" => t().weekday().cast(DataType::Int64),
        "hour" => t().hour().cast(DataType::Int64),
        _ => return None,
    };
    Some(e.alias(name))
}

/// The label of a derived key's integer value (`202503` → `2025-03`).
pub fn derived_label(name: &str, v: i64) -> String {
    match name {
        "month" => format!("{}-{:02}", v / 100, v % 100),
        "week" => format!("{}-W{:02}", v / 100, v % 100),
        "weekday" => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
            .get((v - 1).clamp(0, 6) as usize)
            .map(|d| format!("{v} {d}"))
            .unwrap_or_default(),
        "hour" => format!("{v:02}"),
        _ => v.to_string(),
    }
}

fn indicator(predicate: Expr, name: &str) -> Expr {
    predicate.cast(DataType::Float64).alias(name)
}

/// Per-incident 0/1 indicators (null where undefined), computed once so that every group metric
/// below is a plain mean or sum — polars' fast aggregation path on 10 M rows.
pub fn indicators() -> Vec<Expr> {
    vec![
        // The source's own SLA flag.
        indicator(col("made_sla_reported"), "ind_sla_reported"),
        // Reopened at least once (null where the source has no count).
        indicator(col("reopen_count").gt(lit(0)), "ind_reopened"),
        // First-contact resolution: resolved, never reassigned or escalated, at L1 (or no level known);
        // null for unresolved incidents.
        indicator(
            when(col("resolved_at").is_not_null())
                .then(
                    col("reassignment_count")
                        .fill_null(lit(0))
                        .eq(lit(0))
                        .and(col("escalation_count").fill_null(lit(0)).eq(lit(0)))
                        .and(
                            col("max_support_level")
                                .is_null()
                                .or(col("max_support_level").eq(lit("L1"))),
                        ),
                )
                .otherwise(lit(NULL).cast(DataType::Boolean)),
            "ind_first_contact",
        ),
        // Reassigned three times or more.
        indicator(
            col("reassignment_count").gt_eq(lit(3)),
            "ind_reassigned_3plus",
        ),
        // Escalated to a higher support level at least once.
        indicator(col("escalation_count").gt(lit(0)), "ind_escalated"),
        // A knowledge article was used.
        indicator(col("knowledge_used"), "ind_knowledge"),
        // Major incident: the one definition, [`super::flow::major_incident`].
        indicator(super::flow::major_incident(), "ind_major"),
    ]
}

/// The metrics computed for every group, in output order. Names are the JSON/CSV field names.
/// `ind_sla_met` (1 met, 0 breached, null pending or no target) and `ind_sla_agree` (1 when the
/// reported and computed flags agree, null unless both exist) are added after the SLA clock runs.
pub fn group_metrics() -> Vec<Expr> {
    let rh = || col("resolution_hours");
    let q = |p: f64, name: &str| rh().quantile(lit(p), QuantileMethod::Linear).alias(name);
    let mean = |c: &str, name: &str| col(c).mean().alias(name);
    vec![
        // Incidents in the group.
        len().cast(DataType::Float64).alias("incidents"),
        // Incidents with a resolution time.
        rh().count().cast(DataType::Float64).alias("resolved"),
        // MTTR: mean of resolution_hours over resolved incidents; then median, p90, p95 (linear interpolation).
        rh().mean().alias("mttr_hours_mean"),
        rh().median().alias("mttr_hours_median"),
        q(0.90, "mttr_hours_p90"),
        q(0.95, "mttr_hours_p95"),
        // MTTA: mean and median of ack_hours over acknowledged incidents.
        col("ack_hours").mean().alias("mtta_hours_mean"),
        col("ack_hours").median().alias("mtta_hours_median"),
        // Share true of the source's SLA flag, among incidents that have it.
        mean("ind_sla_reported", "sla_reported_rate"),
        // Computed SLA compliance: met / (met + breached).
        mean("ind_sla_met", "sla_computed_rate"),
        // Agreement of reported and computed flags, where both exist.
        mean("ind_sla_agree", "sla_agreement"),
        mean("ind_reopened", "reopen_rate"),
        mean("ind_first_contact", "first_contact_resolution_rate"),
        mean("ind_reassigned_3plus", "reassigned_3plus_share"),
        mean("ind_escalated", "escalated_share"),
        mean("ind_knowledge", "knowledge_use_rate"),
        col("ind_major").sum().alias("major_incidents"),
    ]
}

/// Names of [`group_metrics`], in order.
pub fn group_metric_names() -> Vec<&'static str> {
    vec![
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
}
