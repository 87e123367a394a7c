//! Sharded runs: `--shard i/n` on `simulate` and `compare` (pilots or `--sweep`) runs one
//! deterministic slice of the work and writes a *part file*; `incidentlab merge` combines the parts
//! into exactly the JSON the unsharded `--output json` run prints.
//!
#![doc = concat!("```text\n", include_str!("examples/merge.txt"), "```")]
//! The unit of work is one (model, replication) pair ([`Shard`]); a part file holds its units'
//! results exactly (floating-point numbers by their bits), the request that produced them (the
//! scenario files' text, seed, replications, sweep, targets, overrides) and its hash, so `merge`
//! needs no other file and refuses parts of different runs, duplicates and missing shards.

use std::path::{Path, PathBuf};

/// The usage examples of `incidentlab merge`: the module documentation above and `--help` show them.
pub const EXAMPLES: &str = include_str!("examples/merge.txt");

use clap::Args;
use serde::{Deserialize, Serialize};

use crate::decide::compare::{
    assemble_comparison, check_comparison, parse_targets, sweep_json, sweep_point, tier_runs,
    Subject, Sweep, CRN_KEY,
};
use crate::error::DecideError;
use crate::error::{Error, Result};
use crate::sim::engine::RunResult;
use crate::sim::model::Model;
use crate::sim::replicate::{run_units, summarize, RunOptions, Shard};

/// The format tag of part files.
pub const PART_FORMAT: &str = "incidentlab-part/1";

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// The part files written by `--shard i/n --part FILE` (every shard of one run, any order).
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// Write the merged JSON here (atomically); without it, print it.
    #[arg(short = 'o', long = "output")]
    pub output: Option<PathBuf>,
}

/// A scenario file as the sharded run read it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioText {
    pub path: String,
    pub text: String,
}

/// Everything that determines a sharded run's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Request {
    /// `simulate`, `compare` (baseline and pilots) or `compare-sweep`.
    pub command: String,
    /// The scenario files, baseline first.
    pub scenarios: Vec<ScenarioText>,
    pub replications: Option<usize>,
    pub seed: Option<u64>,
    pub horizon_hours: Option<f64>,
    pub warmup_hours: Option<f64>,
    pub sweep: Option<String>,
    pub target: Option<String>,
}

impl Request {
    /// 64-bit FNV-1a of the request's JSON, as 16 hex digits.
    pub fn hash(&self) -> Result<String> {
        let json = serde_json::to_string(self).map_err(Error::Json)?;
        Ok(format!("{:016x}", crate::random::fnv1a(&json)))
    }

    /// Reads the scenario files of a request.
    pub fn read(command: &str, paths: &[PathBuf]) -> Result<Request> {
        let scenarios = paths
            .iter()
            .map(|p| {
                let text = std::fs::read_to_string(p).map_err(|source| Error::Read {
                    path: p.clone(),
                    source,
                })?;
                Ok(ScenarioText {
                    path: p.display().to_string(),
                    text,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Request {
            command: command.into(),
            scenarios,
            replications: None,
            seed: None,
            horizon_hours: None,
            warmup_hours: None,
            sweep: None,
            target: None,
        })
    }
}

/// Which units a part holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Units {
    pub first: usize,
    pub end: usize,
    pub total: usize,
}

/// A part file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Part {
    pub format: String,
    pub request_hash: String,
    pub shard: Shard,
    pub units: Units,
    pub request: Request,
    /// Each unit's result as [`RunResult::to_words`].
    pub runs: Vec<Vec<u64>>,
}

/// A request compiled: the models whose replications are the units, and how to assemble them.
struct Plan {
    /// The (baseline) scenario's name.
    name: String,
    models: Vec<Model>,
    key: String,
    replications: usize,
    seed: u64,
    warnings: Vec<String>,
    sweep: Option<Sweep>,
}

fn compile_scenario(
    s: &ScenarioText,
    r: &Request,
    overrides: bool,
) -> Result<(Model, Vec<String>)> {
    if crate::sim::desk::replicate::is_desk_text(&s.text) {
        return Err(Error::Usage(format!(
            "{}: --shard and merge work on tier scenarios ([[tiers]]); desks are not sharded yet",
            s.path
        )));
    }
    let o = if overrides {
        super::simulate::Overrides {
            replications: r.replications,
            seed: r.seed,
            horizon_hours: r.horizon_hours,
            warmup_hours: r.warmup_hours,
        }
    } else {
        Default::default()
    };
    super::simulate::compile_text(Path::new(&s.path), &s.text, |sc| o.apply(sc))
}

fn targets_of(r: &Request) -> Result<std::collections::BTreeMap<String, f64>> {
    Ok(r.target
        .as_deref()
        .map(parse_targets)
        .transpose()
        .map_err(Error::Usage)?
        .unwrap_or_default())
}

fn plan(r: &Request) -> Result<Plan> {
    let first = r
        .scenarios
        .first()
        .ok_or_else(|| Error::Usage("a sharded run needs a scenario".into()))?;
    if r.command == "simulate" {
        let (m, warnings) = compile_scenario(first, r, true)?;
        return Ok(Plan {
            name: m.name.clone(),
            key: m.name.clone(),
            replications: m.replications,
            seed: m.seed,
            models: vec![m],
            warnings,
            sweep: None,
        });
    }
    let (base, _) = compile_scenario(first, r, false)?;
    let name = base.name.clone();
    let replications = r.replications.unwrap_or(base.replications);
    let seed = r.seed.unwrap_or(base.seed);
    let (models, sweep) = match (r.command.as_str(), &r.sweep) {
        ("compare-sweep", Some(spec)) => {
            let sw = Sweep::parse(spec, &base)?;
            (
                sw.values.iter().map(|&v| sw.apply(&base, v)).collect(),
                Some(sw),
            )
        }
        ("compare", None) => {
            let mut models = vec![base];
            for s in &r.scenarios[1..] {
                models.push(compile_scenario(s, r, false)?.0);
            }
            let subjects = subjects(&models);
            check_comparison(&subjects[0], &subjects[1..], replications, &targets_of(r)?)?;
            (models, None)
        }
        (c, _) => {
            return Err(DecideError::data(format!(
                "part of an unknown command '{c}'"
            )))
        }
    };
    Ok(Plan {
        name,
        models,
        key: CRN_KEY.into(),
        replications,
        seed,
        warnings: vec![],
        sweep,
    })
}

fn subjects(models: &[Model]) -> Vec<Subject> {
    models
        .iter()
        .map(|m| Subject::Tiers(Box::new(m.clone())))
        .collect()
}

/// The unsharded command's JSON from all units' results, in unit order.
fn assemble(r: &Request, p: &Plan, runs: Vec<RunResult>) -> Result<String> {
    let mut per_model: Vec<Vec<RunResult>> = Vec::with_capacity(p.models.len());
    let mut it = runs.into_iter();
    for _ in &p.models {
        per_model.push(it.by_ref().take(p.replications).collect());
    }
    match (r.command.as_str(), &p.sweep) {
        ("simulate", _) => {
            let m = &p.models[0];
            let runs = &per_model[0];
            pretty(&summarize(
                m,
                &RunOptions::for_model(m),
                runs,
                p.warnings.clone(),
            ))
        }
        ("compare-sweep", Some(sw)) => {
            let targets = targets_of(r)?;
            let points: Vec<_> = sw
                .values
                .iter()
                .zip(p.models.iter().zip(per_model))
                .map(|(&v, (mv, runs))| sweep_point(mv, sw, v, runs, p.seed, &targets))
                .collect();
            sweep_json(&p.name, sw, (p.replications, p.seed), &targets, &points)
                .map_err(DecideError::into)
        }
        _ => {
            let targets = targets_of(r)?;
            let subjects = subjects(&p.models);
            let mut runs = p
                .models
                .iter()
                .zip(per_model)
                .map(|(m, runs)| tier_runs(m, runs, p.seed));
            let base = runs
                .next()
                .ok_or_else(|| DecideError::data("no baseline".into()))?;
            let c = assemble_comparison(
                &subjects[0],
                &subjects[1..],
                base,
                runs.collect(),
                (p.replications, p.seed),
                &targets,
            );
            pretty(&c)
        }
    }
}

/// Pretty JSON with one trailing newline, as the commands print it.
fn pretty<T: Serialize>(v: &T) -> Result<String> {
    serde_json::to_string_pretty(v)
        .map(|s| s + "\n")
        .map_err(Error::Json)
}

/// Runs shard `shard` of `request` and returns the part file's JSON (written to `part` when given,
/// atomically; then the returned text is a one-line note).
pub fn run_shard(
    request: Request,
    shard: Shard,
    threads: Option<usize>,
    part: Option<&Path>,
) -> Result<String> {
    let p = plan(&request)?;
    let total = p.models.len() * p.replications;
    if p.replications == 0 {
        return Err(Error::Usage(
            "a sharded run needs at least 1 replication".into(),
        ));
    }
    let units = shard.units(total);
    let runs = run_units(
        &p.models,
        p.replications,
        p.seed,
        &p.key,
        units.clone(),
        threads,
    )?;
    let part_file = Part {
        format: PART_FORMAT.into(),
        request_hash: request.hash()?,
        shard,
        units: Units {
            first: units.start,
            end: units.end,
            total,
        },
        request,
        runs: runs.iter().map(RunResult::to_words).collect(),
    };
    let text = serde_json::to_string(&part_file).map_err(Error::Json)? + "\n";
    match part {
        Some(path) => {
            crate::output::write_bytes(path, text.as_bytes())?;
            Ok(format!(
                "shard {}/{}: units {}..{} of {total} written to {}\n",
                shard.index,
                shard.count,
                units.start,
                units.end,
                path.display()
            ))
        }
        None => Ok(text),
    }
}

fn read_part(path: &Path) -> Result<Part> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let part: Part = serde_json::from_str(&text).map_err(|e| {
        Error::format(
            path,
            format!(
                "not a part file written by --shard (line {}, column {}: {e})",
                e.line(),
                e.column()
            ),
        )
    })?;
    if part.format != PART_FORMAT {
        return Err(Error::format(
            path,
            format!(
                "part format '{}', this incidentlab reads '{PART_FORMAT}'",
                part.format
            ),
        ));
    }
    if part.request.hash()? != part.request_hash {
        return Err(Error::format(
            path,
            "the request does not match its hash: the file was edited or damaged",
        ));
    }
    Ok(part)
}

/// Checks that `parts` are every shard of one run, once each; returns them in shard order.
fn check_parts(paths: &[PathBuf], parts: Vec<Part>) -> Result<Vec<Part>> {
    let first = &parts[0];
    let (hash, count) = (first.request_hash.clone(), first.shard.count);
    let mut by_index: std::collections::BTreeMap<usize, (usize, Part)> = Default::default();
    for (k, p) in parts.into_iter().enumerate() {
        let path = &paths[k];
        if p.request_hash != hash || p.shard.count != count {
            return Err(Error::format(path, format!(
                "a part of a different run than {} (request {} shard count {}, there {} count {}): scenarios, seed, replications, sweep, targets and n of --shard i/n must be the same",
                paths[0].display(), p.request_hash, p.shard.count, hash, count
            )));
        }
        let want = p.shard.units(p.units.total);
        if p.shard.index == 0
            || p.shard.index > count
            || (p.units.first, p.units.end) != (want.start, want.end)
            || p.runs.len() != want.len()
        {
            return Err(Error::format(
                path,
                format!(
                    "shard {}/{} should hold units {}..{} of {} and does not",
                    p.shard.index, count, want.start, want.end, p.units.total
                ),
            ));
        }
        if let Some((other, _)) = by_index.get(&p.shard.index) {
            return Err(DecideError::data(format!(
                "shard {}/{count} given twice: {} and {}",
                p.shard.index,
                paths[*other].display(),
                path.display()
            )));
        }
        by_index.insert(p.shard.index, (k, p));
    }
    // At most ten named (the loop ends once ten are found, or at the parts given + 10).
    let missing: Vec<String> = (1..=count)
        .filter(|i| !by_index.contains_key(i))
        .take(10)
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(DecideError::data(format!(
            "missing shard(s) {}: merge needs every part of the run",
            missing.join(", ")
        )));
    }
    Ok(by_index.into_values().map(|(_, p)| p).collect())
}

/// Merges part files into the unsharded JSON.
pub fn merge_parts(paths: &[PathBuf]) -> Result<String> {
    let parts = paths
        .iter()
        .map(|p| read_part(p))
        .collect::<Result<Vec<_>>>()?;
    if parts.is_empty() {
        return Err(Error::Usage("merge needs the part files".into()));
    }
    let parts = check_parts(paths, parts)?;
    let request = parts[0].request.clone();
    let p = plan(&request)?;
    let mut runs = Vec::with_capacity(p.models.len() * p.replications);
    for part in parts {
        for (u, w) in part.runs.iter().enumerate() {
            runs.push(RunResult::from_words(w).ok_or_else(|| {
                DecideError::data(format!(
                    "part of shard {}/{}: unit {} is not a simulation result",
                    part.shard.index,
                    part.shard.count,
                    part.units.first + u
                ))
            })?);
        }
    }
    if runs.len() != p.models.len() * p.replications {
        return Err(DecideError::data(format!(
            "the parts hold {} units, the run has {}",
            runs.len(),
            p.models.len() * p.replications
        )));
    }
    assemble(&request, &p, runs)
}

pub fn run(args: &MergeArgs) -> Result<String> {
    let json = merge_parts(&args.parts)?;
    match &args.output {
        Some(path) => {
            crate::output::write_bytes(path, json.as_bytes())?;
            Ok(String::new())
        }
        None => Ok(json),
    }
}
