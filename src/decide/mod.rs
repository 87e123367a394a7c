//! Decisions: scenario comparison with common random numbers and sweeps ([`compare`]), the least
//! staffing that meets SLA targets ([`staffing`]), and the evaluation of a real pilot from data
//! ([`pilot`]), on the statistics in [`stats`].

pub mod compare;
pub mod desk;
pub mod fit;
pub mod logdist;
pub mod pilot;
pub mod staffing;
pub mod stats;
