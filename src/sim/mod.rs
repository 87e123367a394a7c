//! Discrete-event simulation of the service desk. `model` (scenario files → a checked model),
//! `schedule` (shifts), `policy` (queue disciplines), `engine` (one replication; `fast` its fast
//! path for one constant-staff tier), `replicate` (parallel replications and summaries), `sla` (the
//! metrics' SLA rule on simulated incidents), `stats` (confidence intervals), `theory` (queueing
//! formulas used for validation and staffing). No I/O here.

pub mod desk;
pub mod engine;
mod fast;
pub mod model;
pub mod policy;
pub mod replicate;
pub mod schedule;
pub mod sla;
pub mod stats;
pub mod theory;
