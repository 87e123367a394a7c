//! The typed results of `analyze` (what `--output json` prints). Field names are the JSON names
//! README documents; `null` where a figure is undefined (no resolved incident, a family not asked).

use std::collections::BTreeMap;

use serde::Serialize;

/// `x` when it is a finite number (NaN and infinities are undefined: JSON `null`).
pub fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

/// MTTR statistics of a group (`mttr_hours`): mean, median, p90, p95 of `resolution_hours` over
/// the resolved incidents (linear interpolation between order statistics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MttrHours {
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
    pub p95: Option<f64>,
}

/// MTTA statistics of a group (`mtta_hours`) over the acknowledged incidents.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct MttaHours {
    pub mean: Option<f64>,
    pub median: Option<f64>,
}

/// The figures of one group (`groups[]`), of all incidents (`overall`) or of one month (`trend[]`).
/// Definitions in [`super::resolution::group_metrics`]; a field of a family not asked
/// (`--metrics`) is null.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupMetrics {
    /// The group's value of each `--by` column (absent for `overall`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub key: BTreeMap<String, Option<String>>,
    pub incidents: u64,
    pub resolved: u64,
    pub mttr_hours: MttrHours,
    pub mtta_hours: MttaHours,
    pub sla_reported_rate: Option<f64>,
    pub sla_computed_rate: Option<f64>,
    pub sla_agreement: Option<f64>,
    pub reopen_rate: Option<f64>,
    pub first_contact_resolution_rate: Option<f64>,
    pub reassigned_3plus_share: Option<f64>,
    pub escalated_share: Option<f64>,
    pub knowledge_use_rate: Option<f64>,
    pub major_incidents: Option<u64>,
}

impl GroupMetrics {
    /// The key values in `by` order joined by ` / ` (`(none)` for an empty value).
    pub fn label(&self, by: &[String]) -> String {
        by.iter()
            .map(|k| {
                self.key
                    .get(k)
                    .cloned()
                    .flatten()
                    .unwrap_or_else(|| "(none)".into())
            })
            .collect::<Vec<_>>()
            .join(" / ")
    }

    /// The `month` key (trend rows), empty when absent.
    pub fn month(&self) -> &str {
        self.key
            .get("month")
            .and_then(|m| m.as_deref())
            .unwrap_or("")
    }
}

/// Cohort figures of a month opened (`trend[]` only).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct CohortFigures {
    /// Incidents of the cohort still unresolved at as-of.
    pub open: u64,
    /// Kaplan–Meier median resolution time, open incidents right-censored at as-of.
    pub km_median_hours: Option<f64>,
}

/// One month of a trend view ([`super::trend`]): the group figures of the month plus its maturity.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrendMonth {
    #[serde(flatten)]
    pub metrics: GroupMetrics,
    pub mature: bool,
    pub window_cut: bool,
    /// By month opened only.
    #[serde(flatten)]
    pub cohort: Option<CohortFigures>,
}

impl TrendMonth {
    /// Mature and not cut by the export window: a month trend statements may use.
    pub fn usable(&self) -> bool {
        self.mature && !self.window_cut
    }
}

/// p10, p50, p90 by linear interpolation (`margin_hours`, `time_left_hours`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Spread {
    pub p10: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
}

/// SLA counts and rates of one priority or of all ([`super::sla`] has the definitions).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SlaCounts {
    pub incidents: u64,
    pub met: u64,
    pub breached: u64,
    pub pending: u64,
    /// met / (met + breached).
    pub compliance: Option<f64>,
    pub response_compliance: Option<f64>,
    pub margin_hours: Spread,
    pub time_left_hours: Spread,
}

/// One priority of the SLA report (`sla.by_priority[]`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlaPriority {
    pub priority: u8,
    pub resolution_target_hours: f64,
    pub response_target_hours: Option<f64>,
    /// `24x7` or `business`.
    pub calendar: &'static str,
    #[serde(flatten)]
    pub counts: SlaCounts,
}

/// All priorities together (`sla.overall`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct SlaOverall {
    #[serde(flatten)]
    pub counts: SlaCounts,
    /// Incidents without a priority (outside the SLA figures).
    pub no_priority: u64,
}

/// One major incident with its timeline (`major_incidents[]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MajorIncident {
    pub incident_id: Option<String>,
    pub priority: Option<i64>,
    pub opened_at: Option<String>,
    pub acknowledged_at: Option<String>,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    pub resolution_hours: Option<f64>,
    pub assignment_group: Option<String>,
    pub ci: Option<String>,
    pub category: Option<String>,
}
