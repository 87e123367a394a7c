//! Log-distance measures between a real and a simulated event log, as defined by the Python package
//! `log-distance-measures` 2.2.0 (the one Simod uses): CTD (cycle time), AED (absolute event
//! distribution), CAR (case arrivals), CED (circadian events), RED (relative events) — each a
//! Wasserstein-1 distance over 1-hour bins, in hours — and NGD2 (2-gram distance of activity
//! sequences, 0–1).
//!
//! INTERFACE SKELETON (session integration): the signatures below are fixed so that desk discovery
//! (`decide::desk`, `cli::validate`) and this module can be built in parallel. The bodies are filled
//! in by the log-distance work; nothing may ship with `unimplemented!` left here.

use std::path::Path;

use serde::Serialize;

use crate::error::Result;
use crate::schema::Event;

/// One activity instance of an event log: what process-mining tools (and log-distance-measures)
/// read. Times are UTC milliseconds since the epoch.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActivityInstance {
    pub case_id: String,
    pub activity: String,
    pub resource: String,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// The six distances between two logs (lower is closer).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct LogDistances {
    pub ctd: f64,
    pub aed: f64,
    pub car: f64,
    pub ced: f64,
    pub red: f64,
    pub ngd2: f64,
}

/// All six distances between `real` and `simulated`.
pub fn distances(real: &[ActivityInstance], simulated: &[ActivityInstance]) -> LogDistances {
    let _ = (real, simulated);
    unimplemented!("log-distance measures: filled in by the log-distance work")
}

/// The real activity log of an events table: one activity instance per event; activity = the
/// event's state and sub-state joined with `-`; start = the event, end = the next event of the same
/// incident (the last one instantaneous); resource = `resource_of(event)` (the pool).
pub fn activity_log_from_events(
    events: &[Event],
    resource_of: impl Fn(&Event) -> String,
) -> Vec<ActivityInstance> {
    let _ = (events, resource_of);
    unimplemented!("log-distance measures: filled in by the log-distance work")
}

/// Writes a log as CSV `case_id,activity,resource,start_time,end_time` (ISO-8601 UTC), atomically.
pub fn write_activity_log_csv(path: &Path, log: &[ActivityInstance]) -> Result<()> {
    let _ = (path, log);
    unimplemented!("log-distance measures: filled in by the log-distance work")
}
