//! A discovered (or hand-written) multi-pool service desk and its engine. No I/O.
//!
//! INTERFACE SKELETON (session integration): the types and signatures below are fixed so that the
//! desk engine (`sim::desk`, owned by the engine work) and desk discovery (`decide::desk`,
//! `cli::fit`, `cli::validate`, owned by the discovery work) can be built in parallel. Fields may be
//! ADDED by either side (with `#[serde(default)]` so older files still parse); none may be renamed
//! or removed. Nothing may ship with `unimplemented!` left here.
//!
//! The model, in queueing terms: incidents (individuals) arrive by a non-homogeneous Poisson
//! process with an hour-of-week profile, draw a priority, enter a first pool (node) drawn by
//! priority, and at each pool make one *visit*: **queue** (in the pool, no agent working), then
//! **work** (holding one of the pool's agent slots; an agent holds up to `concurrency` incidents at
//! once), possibly interrupted by **external waiting** (user, vendor: holds no agent), then leave
//! the pool: transferred to another pool (routing, back-transfers included) or resolved. Agents on
//! duty follow a 168-slot hour-of-week calendar per pool.

use serde::{Deserialize, Serialize};

use super::model::{PolicyName, ServiceSpec, ShiftEnd};

/// A desk as written in TOML (`incidentlab fit` writes one; users may edit it).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskSpec {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Simulated hours from `start`.
    pub horizon_hours: f64,
    #[serde(default)]
    pub warmup_hours: f64,
    #[serde(default = "default_replications")]
    pub replications: usize,
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// fifo | priority | preemptive | edf — applied within every pool.
    #[serde(default)]
    pub policy: PolicyName,
    #[serde(default)]
    pub shift_end: ShiftEnd,
    /// Priority labels, highest first.
    pub priorities: Vec<String>,
    /// The UTC instant (ISO-8601) that simulated hour 0 stands for. Calendars and the arrival
    /// profile are read in hours of the week from it (hour-of-week 0 = Monday 00:00 UTC).
    pub start: String,
    pub arrivals: DeskArrivals,
    pub pools: Vec<PoolSpec>,
    /// Resolution target per priority, in hours (highest first); empty: no SLA figures.
    #[serde(default)]
    pub sla_resolution_hours: Vec<f64>,
    /// Event label → kind (`queue` | `work` | `wait` | `resolved` | `closed`), as discovered and
    /// as the user may override it; used by discovery and by the activity logs, not by the engine.
    #[serde(default)]
    pub states: std::collections::BTreeMap<String, String>,
    /// How discovery grouped events into pools: `level` | `group` (empty for hand-written desks);
    /// validation maps the real events to pools the same way.
    #[serde(default)]
    pub pool_by: String,
}

fn default_replications() -> usize {
    10
}
fn default_seed() -> u64 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeskArrivals {
    /// Mean arrivals per hour over the week (before the profile).
    pub rate_per_hour: f64,
    /// 168 multipliers of the rate (mean 1), hour-of-week 0 = Monday 00:00 UTC.
    pub hour_of_week: Vec<f64>,
    /// Share of each priority, highest first; sums to 1.
    pub priority_mix: Vec<f64>,
    /// Per priority (outer, highest first): probability of each pool (inner, in `pools` order)
    /// being the pool an incident enters first.
    pub entry: Vec<Vec<f64>>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolSpec {
    pub name: String,
    /// Distinct people seen working in this pool in the fitted period (0 for hand-written pools).
    #[serde(default)]
    pub people_seen: u32,
    /// Agents on duty for each of the 168 hours of the week (hour 0 = Monday 00:00 UTC).
    pub agents: Vec<u32>,
    /// Incidents one agent holds at once (observed multitasking), ≥ 1.
    #[serde(default = "one")]
    pub concurrency: u32,
    /// Hands-on work per visit (agent-hours), for every priority …
    pub work: Option<ServiceSpec>,
    /// … or one per priority (highest first).
    pub work_by_priority: Option<Vec<ServiceSpec>>,
    /// Probability that a visit includes an external wait (one value, or one per priority).
    #[serde(default)]
    pub wait_probability: Vec<f64>,
    /// Length of one external wait (hours), when there is one.
    pub wait: Option<ServiceSpec>,
    /// Per priority (outer): probability of each next pool (inner, in `pools` order) after a
    /// visit here; whatever is left to 1 is the probability of leaving resolved.
    pub routing: Vec<Vec<f64>>,
    /// Activity labels written to simulated logs for this pool's phases.
    #[serde(default)]
    pub labels: PhaseLabels,
}

fn one() -> u32 {
    1
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PhaseLabels {
    pub queue: String,
    pub work: String,
    pub wait: String,
    pub resolved: String,
}

impl Default for PhaseLabels {
    fn default() -> Self {
        PhaseLabels {
            queue: "Queued".into(),
            work: "In Progress".into(),
            wait: "Wait".into(),
            resolved: "Resolved".into(),
        }
    }
}

/// The phase an incident is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Queue,
    Work,
    Wait,
}

/// An incident already open when the simulation starts (validation from the real state).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OpenIncident {
    pub case_id: String,
    /// Priority class, 0 = highest.
    pub priority: u8,
    pub pool: usize,
    pub phase: Phase,
    /// When it was opened, in simulated hours (≤ 0).
    pub opened_hours: f64,
}

/// Engine options beyond the model.
#[derive(Debug, Clone, Default)]
pub struct DeskRunOptions {
    /// Incidents open at hour 0.
    pub initial: Vec<OpenIncident>,
    /// Keep per-incident and per-activity records (for logs and distances).
    pub keep_log: bool,
    /// Extra agents per pool (added to every hour the pool has any agent on duty): what-ifs.
    pub extra_agents: Vec<i32>,
}

/// A compiled desk the engine runs.
#[derive(Debug, Clone)]
pub struct Desk {
    pub spec: DeskSpec,
    // The engine work adds compiled fields (samplers, cumulative tables …).
}

/// A problem with a desk file: the field and how to fix it.
pub use super::model::Invalid;

/// Checks a spec and builds the samplers.
pub fn compile(spec: &DeskSpec) -> Result<Desk, Invalid> {
    let _ = spec;
    unimplemented!("desk engine: filled in by the engine work")
}

/// One simulated incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimIncident {
    /// `initial` incidents keep their case id; new ones are `sim-<index>`.
    pub case_id: String,
    pub priority: u8,
    pub opened_hours: f64,
    /// None: still open at the end of the run.
    pub resolved_hours: Option<f64>,
    pub initial: bool,
}

/// One phase of one visit of one incident.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimActivity {
    /// Index into `DeskRun::incidents`.
    pub incident: u32,
    pub pool: u16,
    pub phase: Phase,
    pub start_hours: f64,
    pub end_hours: f64,
}

/// Per-pool figures of one run over [warmup, horizon).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PoolRun {
    pub visits: u64,
    pub mean_queue_hours: f64,
    pub mean_work_hours: f64,
    pub utilisation: f64,
    pub mean_agents: f64,
}

/// Everything one replication produced.
#[derive(Debug, Clone, Default)]
pub struct DeskRun {
    pub incidents: Vec<SimIncident>,
    /// Empty unless `keep_log`.
    pub activities: Vec<SimActivity>,
    pub pools: Vec<PoolRun>,
    pub events: u64,
}

/// Runs one replication; streams derive from (seed, stream_key, replication, incident index), so
/// two desks with the same arrivals see the same incidents (common random numbers).
pub fn run_desk(
    desk: &Desk,
    seed: u64,
    stream_key: &str,
    replication: u64,
    options: &DeskRunOptions,
) -> DeskRun {
    let _ = (desk, seed, stream_key, replication, options);
    unimplemented!("desk engine: filled in by the engine work")
}
