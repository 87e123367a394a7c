//! incidentlab: turns raw IT incident exports into decisions.
//!
//! The pipeline, in order: [`ingest`] (exports → canonical [`schema`] table) → [`store`] (Parquet /
//! Arrow IPC) → metrics → [`sim`] (service-desk simulation) → decisions → reports. The library never
//! prints or exits; `main.rs` is a thin command-line layer over it.

pub mod cli;
pub mod decide;
pub mod error;
pub mod escape;
pub mod generate;
pub mod hook;
pub mod ingest;
pub mod metrics;
pub mod output;
pub mod random;
pub mod report;
pub mod schema;
pub mod sim;
pub mod store;
pub mod timeparse;
pub mod units;

pub use error::{Error, Result};
