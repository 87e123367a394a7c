//! Any CSV through a TOML mapping file: which source column fills which canonical column, the date
//! format and time zone, the delimiter, the cells that mean "missing", and the priority labels.
//! See `datasets/mapping-example.toml`.
//!
//! ```toml
//! source = "acme-itsm"              # written to the `source` column (default "mapping")
//! date_format = "%d.%m.%Y %H:%M"    # chrono format; omit to recognise common formats
//! timezone = "Europe/Berlin"        # zone of naive timestamps
//! month_first = false               # 1/2/2024 is 1 February unless true
//! delimiter = ";"                   # omit to sniff
//! missing = ["n/a", "-"]            # besides empty cells
//!
//! [columns]                          # canonical column = source column (or a list, first found wins)
//! incident_id = "Ticket"
//! opened_at = "Created on"
//! priority = ["Prio", "Priority"]
//!
//! [priority]                         # source label = 1 (highest) … 5
//! "Sehr hoch" = 1
//! ```
//! Command-line flags (`--date-format`, `--timezone`, `--delimiter`) override the file.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::csvfile::Header;
use super::row::{parse_rows_into, Field, RowFormat, RowSpec, REQUIRED};
use super::{ImportOptions, Parsed};
use crate::error::{Error, Result};
use crate::timeparse::{parse_tz, DateOrder};

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

/// A mapping file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    pub source: Option<String>,
    pub date_format: Option<String>,
    pub timezone: Option<String>,
    #[serde(default)]
    pub month_first: bool,
    pub delimiter: Option<String>,
    #[serde(default)]
    pub missing: Vec<String>,
    pub columns: BTreeMap<String, OneOrMany>,
    #[serde(default)]
    pub priority: BTreeMap<String, u8>,
}

/// A checked mapping: resolved fields and the import options it implies.
#[derive(Debug)]
pub struct Mapping {
    pub source: String,
    pub fields: Vec<(Field, Vec<String>)>,
    pub priority_labels: BTreeMap<String, u8>,
}

/// Reads and checks a mapping file; errors name the file, the field and what is allowed.
pub fn load(path: &Path, opts: &mut ImportOptions) -> Result<Mapping> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let file: MappingFile = toml::from_str(&text)
        .map_err(|e| Error::config(path, "mapping", e.to_string().trim().to_string()))?;
    let mut fields = Vec::new();
    for (name, cols) in &file.columns {
        let field = Field::from_name(name).ok_or_else(|| {
            let known: Vec<&str> = super::row::FIELDS.iter().map(|f| f.1).collect();
            Error::config(
                path,
                format!("columns.{name}"),
                format!(
                    "not a canonical column; expected one of {}",
                    known.join(", ")
                ),
            )
        })?;
        let list = match cols {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        };
        fields.push((field, list));
    }
    for required in [Field::IncidentId, Field::OpenedAt] {
        if !fields.iter().any(|(f, _)| *f == required) {
            return Err(Error::config(
                path,
                format!("columns.{}", required.name()),
                "is required: name the source column that holds it",
            ));
        }
    }
    for (label, p) in &file.priority {
        if !(1..=5).contains(p) {
            return Err(Error::config(
                path,
                format!("priority.\"{label}\""),
                format!("is {p}; priorities run from 1 (highest) to 5"),
            ));
        }
    }
    if opts.date_format.is_none() {
        opts.date_format = file.date_format.clone();
    }
    if opts.timezone.is_none() {
        if let Some(tz) = &file.timezone {
            opts.timezone = Some(parse_tz(tz).map_err(|m| Error::config(path, "timezone", m))?);
        }
    }
    if opts.date_order.is_none() && file.month_first {
        opts.date_order = Some(DateOrder::MonthFirst);
    }
    if opts.delimiter.is_none() {
        if let Some(d) = &file.delimiter {
            opts.delimiter =
                Some(parse_delimiter(d).map_err(|m| Error::config(path, "delimiter", m))?);
        }
    }
    opts.missing.extend(file.missing.iter().cloned());
    Ok(Mapping {
        source: file.source.clone().unwrap_or_else(|| "mapping".into()),
        fields,
        priority_labels: file
            .priority
            .into_iter()
            .map(|(k, v)| (k.to_lowercase(), v))
            .collect(),
    })
}

/// A one-character delimiter, or `tab` / `\t`.
pub fn parse_delimiter(d: &str) -> std::result::Result<u8, String> {
    match d {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        s if s.len() == 1 && s.is_ascii() => Ok(s.as_bytes()[0]),
        s => Err(format!(
            "'{s}' is not a one-character delimiter (use ',', ';', '|' or tab)"
        )),
    }
}

/// Reads a CSV through the mapping file of `opts.mapping` (which may set the date format, time
/// zone, delimiter and missing cells); each checked incident goes to `sink` as its row is read.
pub fn parse_into(
    path: &Path,
    opts: &ImportOptions,
    sink: &mut super::row::IncidentSink,
) -> Result<Parsed> {
    let mapping_path: PathBuf = opts.mapping.clone().ok_or_else(|| {
        Error::Usage(
            "--format mapping needs --mapping FILE (see datasets/mapping-example.toml)".into(),
        )
    })?;
    let mut opts = opts.clone();
    let mapping = load(&mapping_path, &mut opts)?;
    parse_rows_into(path, &opts, &mapping, sink)
}

impl RowFormat for Mapping {
    type Extra = ();

    /// The mapping's columns resolved against the header, with its priority labels.
    fn spec(&self, path: &Path, header: &Header) -> Result<(RowSpec, ())> {
        let mut spec = RowSpec::resolve(path, header, &self.source, &self.fields, REQUIRED)?;
        spec.priority_labels = self
            .priority_labels
            .iter()
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        Ok((spec, ()))
    }
}
