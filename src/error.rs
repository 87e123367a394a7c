//! Errors of the library. Each names the file, line and column where that is known, and what was
//! expected, so a user can fix an export without reading the code.
//!
//! One enum per layer — [`IngestError`], [`MetricsError`], [`SimError`], [`DecideError`],
//! [`ReportError`] — for problems of the data, a model or a computation that is impossible on
//! them; the top-level [`Error`] wraps them (`#[from]`), next to the errors that name a place in a
//! file ([`Error::Read`], [`Error::Write`], [`Error::Format`], [`Error::At`], [`Error::Config`])
//! and [`Error::Usage`], a bad command-line value or combination. [`Error::exit_code`] is the one
//! mapping to exit codes: 2 for usage (`Error::Usage`, `DecideError::Usage`), 1 for everything else.
//!
//! Layers return typed errors: the simulation's runs return [`SimError`] (exit 1: a model or a run
//! problem; flag values are checked by the CLI before a run starts), decide functions return
//! [`DecideError`]: [`DecideError::Usage`] names the flag (exit 2), the other variants say what the
//! data or the models lack (exit 1).
//! Every constructor returns the top-level [`Error`], ready for `Err(…)` or `map_err`, except
//! `DecideError::usage` and `DecideError::simulation`, which build what a decide function returns.

use std::path::PathBuf;

/// Every error the library returns. `main.rs` prints it and exits with [`Error::exit_code`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: cannot write: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The file is readable but not what the chosen format expects (missing column, empty, …).
    #[error("{path}: {message}")]
    Format { path: PathBuf, message: String },
    /// A problem at a known place in an input file that makes the whole run impossible.
    #[error("{path}:{line}: column '{column}': {message}")]
    At {
        path: PathBuf,
        line: u64,
        column: String,
        message: String,
    },
    /// A bad command-line value or option combination (exit code 2, the only one).
    #[error("{0}")]
    Usage(String),
    /// A scenario, SLA policy or mapping file that is not valid.
    #[error("{path}: {field}: {message}")]
    Config {
        path: PathBuf,
        field: String,
        message: String,
    },
    #[error("data error: {0}")]
    Polars(#[from] polars::error::PolarsError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error(transparent)]
    Sim(#[from] SimError),
    #[error(transparent)]
    Decide(#[from] DecideError),
    #[error(transparent)]
    Report(#[from] ReportError),
    /// A result that could not be written as JSON (its serialiser's message).
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn format(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            message: message.into(),
        }
    }
    pub fn config(
        path: impl Into<PathBuf>,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Error::Config {
            path: path.into(),
            field: field.into(),
            message: message.into(),
        }
    }
    /// A bad command-line value or combination.
    pub fn usage(message: impl Into<String>) -> Self {
        Error::Usage(message.into())
    }
    /// The process exit code: 2 for a usage error, 1 for a problem with the data, a model, a
    /// computation or a file.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) | Error::Decide(DecideError::Usage { .. }) => 2,
            _ => 1,
        }
    }
}

/// Import problems that are not tied to a place in a file (those are [`Error::Format`] and
/// [`Error::At`]).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The importer's own row accounting does not add up: a bug, reported with its figures.
    #[error("{0}")]
    Accounting(String),
}

impl IngestError {
    pub fn accounting(message: String) -> Error {
        IngestError::Accounting(message).into()
    }
}

/// Metrics that cannot be computed on the data given.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// Nothing to compute on (an empty store, or filters that leave nothing).
    #[error("{0}")]
    NoData(String),
    /// The analysis contradicts itself (a bug, not the data's fault).
    #[error("internal error: {0}; please report this")]
    Internal(String),
}

impl MetricsError {
    pub fn no_data(message: String) -> Error {
        MetricsError::NoData(message).into()
    }

    pub fn internal(message: String) -> Error {
        MetricsError::Internal(message).into()
    }
}

/// A scenario or desk that cannot be simulated, or a simulation that cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The model does not fit what it is asked to do (invalid desk, replayed priorities it lacks).
    #[error("{0}")]
    Model(String),
    /// The run itself failed (e.g. the worker threads could not be started).
    #[error("{0}")]
    Run(String),
}

impl SimError {
    pub fn run(message: String) -> Error {
        SimError::Run(message).into()
    }
    pub fn model(message: String) -> Error {
        SimError::Model(message).into()
    }
}

/// A decision (fit, validation, comparison, staffing, pilot evaluation) that the data, the models
/// or a flag's value cannot support. Every variant but [`DecideError::Usage`] exits 1.
#[derive(Debug, thiserror::Error)]
pub enum DecideError {
    /// A flag's value the decision cannot use (exit 2): `flag` is the flag's name and `detail`
    /// follows it in the message (`--sweep 'l9_staff=1..3': no tier 'l9' …`).
    #[error("{flag}{detail}")]
    Usage { flag: &'static str, detail: String },
    /// The data cannot answer the question (too few incidents to fit, no events, no SLA target for
    /// a priority present in the data).
    #[error("{0}")]
    Data(String),
    /// A pilot group or period without incidents to compare (the pilot group, the data or the
    /// control group is empty before or after the pilot start).
    #[error("{0}")]
    EmptyGroup(String),
    /// Scenarios or desks that cannot be compared with each other (a desk and a tier scenario,
    /// different priorities).
    #[error("{0}")]
    ScenarioMismatch(String),
    /// The models cannot be used as asked (a scenario without SLA targets, a fit that is invalid,
    /// too few replications for confidence intervals).
    #[error("{0}")]
    Model(String),
    /// A simulation the decision runs failed (its message).
    #[error("{0}")]
    Simulation(String),
    /// A result that could not be written as JSON (its serialiser's message).
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

impl DecideError {
    pub fn data(message: String) -> Error {
        DecideError::Data(message).into()
    }
    pub fn model(message: String) -> Error {
        DecideError::Model(message).into()
    }
    /// A usage error about `flag`: the message is `flag` followed by `detail`.
    pub fn usage(flag: &'static str, detail: impl Into<String>) -> DecideError {
        DecideError::Usage {
            flag,
            detail: detail.into(),
        }
    }
    /// A failed simulation run, from its message (whatever error type the simulation gives).
    pub fn simulation(e: impl std::fmt::Display) -> DecideError {
        DecideError::Simulation(e.to_string())
    }
}

/// A report that cannot be produced.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// A report page, or a table or CSV printed as output, could not be rendered.
    #[error("{0}")]
    Render(String),
    /// The PNG charts could not be made (no headless Chromium, or it failed).
    #[error("{0}")]
    Png(String),
}

impl ReportError {
    pub fn render(message: String) -> Error {
        ReportError::Render(message).into()
    }
    pub fn png(message: String) -> Error {
        ReportError::Png(message).into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_usage_exits_2_and_layer_messages_are_kept() {
        assert_eq!(Error::usage("--window 'x': bad").exit_code(), 2);
        let e = DecideError::data("the pilot group is empty".into());
        assert_eq!(e.exit_code(), 1);
        assert_eq!(e.to_string(), "the pilot group is empty");
        assert_eq!(SimError::model("m".into()).exit_code(), 1);
        assert_eq!(MetricsError::no_data("n".into()).exit_code(), 1);
        let bug = MetricsError::internal("x disagrees".into());
        assert_eq!(bug.exit_code(), 1);
        assert_eq!(
            bug.to_string(),
            "internal error: x disagrees; please report this"
        );
        assert_eq!(ReportError::png("p".into()).exit_code(), 1);
        assert_eq!(IngestError::accounting("a".into()).exit_code(), 1);
        assert_eq!(Error::format("f.csv", "empty").exit_code(), 1);
    }

    #[test]
    fn decide_usage_exits_2_with_the_flag_first_and_the_rest_exit_1() {
        let e: Error = DecideError::usage("--target", " P9: no such priority").into();
        assert_eq!(e.exit_code(), 2);
        assert_eq!(e.to_string(), "--target P9: no such priority");
        for e in [
            DecideError::EmptyGroup("the pilot group has 0 incidents".into()),
            DecideError::ScenarioMismatch("different kinds".into()),
            DecideError::Simulation("cannot start 4 threads".into()),
        ] {
            let msg = e.to_string();
            let e: Error = e.into();
            assert_eq!((e.exit_code(), e.to_string()), (1, msg));
        }
    }

    #[test]
    fn a_failed_run_is_not_a_usage_error() {
        let e: Error = SimError::Run("cannot start 4 threads: x".into()).into();
        assert!(matches!(e, Error::Sim(SimError::Run(_))), "{e:?}");
        assert_eq!(e.exit_code(), 1);
    }
}
