//! Resolution, response and flow metrics as named polars expressions. Each is computed per group
//! (`--by`) and overall; grouping is a parameter, not a copy of the metric.

use polars::prelude::*;

const MS_PER_HOUR: f64 = 3.6e6;

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
    col(name).cast(DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC))).cast(DataType::Int64)
}

/// `resolution_hours` = (end − `opened_at`) in hours, end = `resolved_at` (or `closed_at`);
/// null while the incident is unresolved. Zero-duration incidents count as 0 h.
pub fn resolution_hours(end: EndEvent) -> Expr {
    let end_col = match end {
        EndEvent::Resolved => "resolved_at",
        EndEvent::Closed => "closed_at",
    };
    ((ms(end_col) - ms("opened_at")).cast(DataType::Float64) / lit(MS_PER_HOUR)).alias("resolution_hours")
}

/// `ack_hours` = (`acknowledged_at` − `opened_at`) in hours; null when not acknowledged.
pub fn ack_hours() -> Expr {
    ((ms("acknowledged_at") - ms("opened_at")).cast(DataType::Float64) / lit(MS_PER_HOUR)).alias("ack_hours")
}

/// Derived grouping keys from `opened_at` (UTC): `month` (2025-03), `week` (ISO, 2025-W09), `year`,
/// `weekday` (Mon…Sun), `hour` (00…23).
pub fn derived_key(name: &str) -> Option<Expr> {
    let fmt = match name {
        "month" => "%Y-%m",
        "week" => "%G-W%V",
        "year" => "%Y",
        "weekday" => "%u %a",
        "hour" => "%H",
        _ => return None,
    };
    Some(col("opened_at").dt().strftime(fmt).alias(name))
}

fn share(predicate: Expr) -> Expr {
    predicate.cast(DataType::Float64).mean()
}

/// The metrics computed for every group, in output order. Names are the JSON/CSV field names.
pub fn group_metrics() -> Vec<Expr> {
    let rh = || col("resolution_hours");
    let q = |p: f64, name: &str| rh().quantile(lit(p), QuantileMethod::Linear).alias(name);
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
        // The source's own SLA flag: share true among incidents that have it.
        share(col("made_sla_reported")).alias("sla_reported_rate"),
        // Computed SLA compliance: met / (met + breached); pending and untargeted incidents excluded.
        share(col("sla_met")).alias("sla_computed_rate"),
        // Agreement of reported and computed flags, where both exist.
        share(col("made_sla_reported").eq(col("sla_met"))).alias("sla_agreement"),
        // Reopen rate: share of incidents reopened at least once (among those with a count).
        share(col("reopen_count").gt(lit(0))).alias("reopen_rate"),
        // First-contact resolution: resolved incidents never reassigned or escalated, at L1 (or no level known).
        share(
            when(col("resolution_hours").is_not_null())
                .then(
                    col("reassignment_count").fill_null(lit(0)).eq(lit(0))
                        .and(col("escalation_count").fill_null(lit(0)).eq(lit(0)))
                        .and(col("max_support_level").is_null().or(col("max_support_level").eq(lit("L1")))),
                )
                .otherwise(lit(NULL).cast(DataType::Boolean)),
        )
        .alias("first_contact_resolution_rate"),
        // Share reassigned three times or more (among incidents with a count).
        share(col("reassignment_count").gt_eq(lit(3))).alias("reassigned_3plus_share"),
        // Share escalated to a higher support level at least once.
        share(col("escalation_count").gt(lit(0))).alias("escalated_share"),
        // Share where a knowledge article was used.
        share(col("knowledge_used")).alias("knowledge_use_rate"),
        // Major incidents: flagged, or priority 1 when the source has no flag.
        col("major_incident").fill_null(col("priority").eq(lit(1))).cast(DataType::Float64).sum().alias("major_incidents"),
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
