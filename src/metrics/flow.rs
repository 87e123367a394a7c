//! Flow metrics: how incidents move between groups and support levels.
//!
//! From the incident table: the reassignment count distribution (0, 1, 2, 3+), incidents by highest
//! support level. From the events table, where the source has one:
//! - *ping-pong*: an incident returns to a group it had already left (A → B → A);
//! - *level transitions*: counts of consecutive-event changes of support level (`L1→L2`, `L2→L1` …);
//! - *time per group / level*: the time from each event to the next is attributed to the group and
//!   level of the earlier event (the last event of an incident gets nothing).
//!
//! *Major incident* (the one definition; group metrics, the major-incident list and every count use
//! it): flagged `major_incident = true` by the source; where the source has no flag (null), priority 1.

use std::collections::{BTreeMap, HashMap};

use polars::prelude::*;
use serde::Serialize;

use crate::error::Result;
use crate::schema::UtcMillis;

/// How many major incidents `analyze` lists with their timelines (the first by opening time); the
/// count (`major_incidents` of `overall` and each group) covers them all.
pub const MAJOR_INCIDENTS_LISTED: u32 = 200;

/// Major incident, as a polars predicate: see the module documentation.
pub fn major_incident() -> Expr {
    col("major_incident")
        .fill_null(col("priority").eq(lit(1)))
        .fill_null(lit(false))
}

/// Major incident, for one incident's fields: the same definition as [`major_incident`].
pub fn is_major(flag: Option<bool>, priority: Option<u8>) -> bool {
    flag.unwrap_or(priority == Some(1))
}

/// The first [`MAJOR_INCIDENTS_LISTED`] major incidents by opening time, with their timelines.
pub fn major_incident_list(
    incidents: LazyFrame,
    end: super::EndEvent,
) -> Result<Vec<super::results::MajorIncident>> {
    let iso = |c: &str| col(c).dt().strftime("%Y-%m-%dT%H:%M:%SZ").alias(c);
    let major = incidents
        .filter(major_incident())
        .sort(["opened_at"], SortMultipleOptions::default())
        .limit(MAJOR_INCIDENTS_LISTED)
        .select([
            col("incident_id"),
            col("priority"),
            iso("opened_at"),
            iso("acknowledged_at"),
            iso("resolved_at"),
            iso("closed_at"),
            super::resolution::resolution_hours(end),
            col("assignment_group"),
            col("ci"),
            col("category"),
        ])
        .collect()?;
    let s = |n: &str| super::str_col(&major, n);
    let (id, opened, ack) = (s("incident_id")?, s("opened_at")?, s("acknowledged_at")?);
    let (resolved, closed) = (s("resolved_at")?, s("closed_at")?);
    let (group, ci, category) = (s("assignment_group")?, s("ci")?, s("category")?);
    let priority = super::i64_col(&major, "priority")?;
    let hours = super::f64_col(&major, "resolution_hours")?;
    Ok((0..major.height())
        .map(|i| super::results::MajorIncident {
            incident_id: id[i].clone(),
            priority: priority[i],
            opened_at: opened[i].clone(),
            acknowledged_at: ack[i].clone(),
            resolved_at: resolved[i].clone(),
            closed_at: closed[i].clone(),
            resolution_hours: hours[i].and_then(super::results::finite),
            assignment_group: group[i].clone(),
            ci: ci[i].clone(),
            category: category[i].clone(),
        })
        .collect())
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct Flow {
    pub reassignments: BTreeMap<String, u64>,
    pub by_max_support_level: BTreeMap<String, u64>,
    pub events_available: bool,
    pub ping_pong_incidents: u64,
    pub ping_pong_share: f64,
    pub level_transitions: BTreeMap<String, u64>,
    pub hours_by_level: BTreeMap<String, f64>,
    /// The 20 groups with the most hours.
    pub hours_by_group: Vec<(String, f64)>,
}

/// One event as flow needs it (sorted by incident, then time, then line).
pub struct Ev<'a> {
    pub incident: &'a str,
    pub at: UtcMillis,
    pub group: Option<&'a str>,
    pub level: Option<&'a str>,
}

/// The reassignment distribution (`0`, `1`, `2`, `3+`) and the incidents per highest support level
/// of the incidents in scope, counted by polars on the streaming engine (10M incidents: no
/// per-incident vectors or strings held).
pub fn from_incidents(incidents: LazyFrame, flow: &mut Flow) -> Result<()> {
    let counts = |key: Expr| -> Result<DataFrame> {
        let lf = incidents
            .clone()
            .select([key.alias("k")])
            .filter(col("k").is_not_null())
            .group_by([col("k")])
            .agg([len().alias("n")]);
        Ok(crate::store::collect_streaming(lf)?)
    };
    let r = || col("reassignment_count").cast(DataType::Int64);
    let bucket = when(r().gt_eq(lit(3i64))).then(lit(3i64)).otherwise(r());
    let reassign = counts(bucket)?;
    let n = super::i64_col(&reassign, "n")?;
    for (k, n) in super::i64_col(&reassign, "k")?.into_iter().zip(n) {
        if let (Some(k), Some(n)) = (k, n) {
            let label = if k >= 3 {
                "3+".to_string()
            } else {
                k.to_string()
            };
            flow.reassignments.insert(label, n.max(0) as u64);
        }
    }
    let levels = counts(col("max_support_level").cast(DataType::String))?;
    let n = super::i64_col(&levels, "n")?;
    for (k, n) in super::str_col(&levels, "k")?.into_iter().zip(n) {
        if let (Some(k), Some(n)) = (k, n) {
            flow.by_max_support_level.insert(k, n.max(0) as u64);
        }
    }
    Ok(())
}

pub fn from_events(events: &[Ev], incidents_in_scope: &dyn Fn(&str) -> bool, flow: &mut Flow) {
    flow.events_available = true;
    let mut by_group: HashMap<&str, f64> = HashMap::new();
    let (mut incidents, mut ping) = (0u64, 0u64);
    let mut start = 0;
    while start < events.len() {
        let mut end = start + 1;
        while end < events.len() && events[end].incident == events[start].incident {
            end += 1;
        }
        let g = &events[start..end];
        start = end;
        if !incidents_in_scope(g[0].incident) {
            continue;
        }
        incidents += 1;
        let mut left: Vec<&str> = Vec::new();
        let mut current: Option<&str> = None;
        let mut pinged = false;
        for e in g {
            if let Some(gr) = e.group {
                if current.is_some_and(|c| c != gr) {
                    if left.contains(&gr) {
                        pinged = true;
                    }
                    if let Some(c) = current {
                        left.push(c);
                    }
                }
                current = Some(gr);
            }
        }
        ping += u64::from(pinged);
        for w in g.windows(2) {
            let hours = crate::units::ms_to_hours(w[1].at - w[0].at);
            if let Some(gr) = w[0].group {
                *by_group.entry(gr).or_default() += hours;
            }
            if let Some(l) = w[0].level {
                *flow.hours_by_level.entry(l.to_string()).or_default() += hours;
            }
            if let (Some(a), Some(b)) = (w[0].level, w[1].level) {
                if a != b {
                    *flow
                        .level_transitions
                        .entry(format!("{a}→{b}"))
                        .or_default() += 1;
                }
            }
        }
    }
    flow.ping_pong_incidents = ping;
    flow.ping_pong_share = if incidents == 0 {
        f64::NAN
    } else {
        ping as f64 / incidents as f64
    };
    let mut groups: Vec<(String, f64)> = by_group
        .into_iter()
        .map(|(g, h)| (g.to_string(), h))
        .collect();
    groups.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    groups.truncate(20);
    flow.hours_by_group = groups;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ping_pong_and_time_by_hand() {
        let h = crate::units::MS_PER_HOUR;
        let ev = |i: &'static str, t: i64, g: &'static str, l: &'static str| Ev {
            incident: i,
            at: t * h,
            group: Some(g),
            level: Some(l),
        };
        let events = vec![
            ev("1", 0, "A", "L1"),
            ev("1", 1, "B", "L2"),
            ev("1", 3, "A", "L1"), // back to A: ping-pong
            ev("1", 4, "A", "L1"),
            ev("2", 0, "A", "L1"),
            ev("2", 2, "A", "L1"),
            ev("2", 5, "C", "L2"),
        ];
        let mut f = Flow::default();
        from_events(&events, &|_| true, &mut f);
        assert_eq!((f.ping_pong_incidents, f.ping_pong_share), (1, 0.5));
        assert_eq!(f.level_transitions["L1→L2"], 2);
        assert_eq!(f.level_transitions["L2→L1"], 1);
        assert_eq!(f.hours_by_level["L1"], 1.0 + 1.0 + 2.0 + 3.0);
        assert_eq!(f.hours_by_group[0], ("A".to_string(), 7.0));
        let mut g = Flow::default();
        let incidents = df!(
            "reassignment_count" => [Some(0i64), Some(4), Some(3), None, Some(1), Some(0)],
            "max_support_level" => [Some("L1"), Some("L3"), None, None, Some("L1"), None],
        )
        .unwrap();
        from_incidents(incidents.lazy(), &mut g).unwrap();
        // By hand: 0 twice, 1 once, 3 and 4 are 3+; the unknown count is left out.
        let want: BTreeMap<String, u64> = [("0", 2), ("1", 1), ("3+", 2)]
            .map(|(k, n)| (k.to_string(), n))
            .into();
        assert_eq!(g.reassignments, want);
        let want: BTreeMap<String, u64> = [("L1", 2), ("L3", 1)]
            .map(|(k, n)| (k.to_string(), n))
            .into();
        assert_eq!(g.by_max_support_level, want);
    }

    #[test]
    fn major_incident_row_and_expression_agree() {
        let flags = [
            Some(true),
            Some(false),
            None,
            None,
            None,
            Some(true),
            Some(false),
        ];
        let prios = [Some(3u8), Some(1), Some(1), Some(2), None, None, None];
        let df = df!(
            "major_incident" => flags.to_vec(),
            "priority" => prios.iter().map(|p| p.map(i64::from)).collect::<Vec<_>>(),
        )
        .unwrap();
        let got: Vec<Option<bool>> = df
            .lazy()
            .select([major_incident().alias("m")])
            .collect()
            .unwrap()
            .column("m")
            .unwrap()
            .bool()
            .unwrap()
            .iter()
            .collect();
        let want: Vec<Option<bool>> = flags
            .iter()
            .zip(&prios)
            .map(|(f, p)| Some(is_major(*f, *p)))
            .collect();
        // By hand: flag wins where present; otherwise priority 1.
        assert_eq!(
            want,
            [true, false, true, false, false, true, false]
                .map(Some)
                .to_vec()
        );
        assert_eq!(got, want);
    }
}
