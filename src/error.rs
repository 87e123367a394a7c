//! Errors of the library. Each names the file, line and column where that is known, and what was
//! expected, so a user can fix an export without reading the code.

use std::path::PathBuf;

/// Every error the library returns. `main.rs` maps them to a message and a non-zero exit code.
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
    /// A bad command-line value or option combination.
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
}
