//! Recurrence — the bridge to problem management.
//!
//! For a key (columns such as `ci`, or `category,subcategory,symptom`): an incident is *recurrent*
//! when an earlier incident with the same key was opened within the window before it
//! (`0 ≤ opened − previous opened ≤ window`). Incidents with any key column empty are left out.
//! Clusters are keys with two or more incidents: count, first/last seen, total downtime (sum of
//! resolution hours of their resolved incidents), and how many are linked to a `problem_id`.
//!
//! *Key choice* when `--recurrence-key` is not given: the candidates [`KEY_CANDIDATES`] are tried in
//! order (`ci`, `service`, `category+subcategory+symptom`, `category+subcategory`, `category`,
//! `assignment_group`); *coverage* = the share of incidents with every column of the key filled
//! (non-empty). The first candidate covering at least [`KEY_MIN_COVERAGE`] (half) of the incidents is
//! taken; when none does, the one with the best coverage (the earlier on a tie). The choice, its
//! coverage and every candidate's coverage are reported.

use std::collections::HashMap;

use polars::prelude::*;
use serde::Serialize;

use crate::error::Result;
use crate::schema::UtcMillis;

/// Recurrence keys tried in order when none is given.
pub const KEY_CANDIDATES: &[&[&str]] = &[
    &["ci"],
    &["service"],
    &["category", "subcategory", "symptom"],
    &["category", "subcategory"],
    &["category"],
    &["assignment_group"],
];

/// The least coverage at which a candidate key is taken without looking further.
pub const KEY_MIN_COVERAGE: f64 = 0.5;

/// One candidate key and the share of incidents that have it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct KeyCoverage {
    pub key: Vec<String>,
    pub coverage: f64,
}

/// The key recurrence uses and why.
#[derive(Debug, Clone, Serialize)]
pub struct KeyChoice {
    pub key: Vec<String>,
    /// "given" (`--recurrence-key`) or "auto".
    pub source: String,
    pub reason: String,
    pub candidates: Vec<KeyCoverage>,
}

/// A filled cell: not null and not blank.
fn filled(c: &str) -> Expr {
    col(c)
        .cast(DataType::String)
        .str()
        .strip_chars(lit(NULL).cast(DataType::String))
        .neq(lit(""))
        .fill_null(lit(false))
}

/// The coverage of each of `keys` over `incidents` (one lazy pass).
pub fn coverages(incidents: LazyFrame, keys: &[Vec<String>]) -> Result<Vec<f64>> {
    let exprs: Vec<Expr> = keys
        .iter()
        .enumerate()
        .map(|(k, key)| {
            key.iter()
                .fold(lit(true), |acc, c| acc.and(filled(c)))
                .cast(DataType::Float64)
                .mean()
                .alias(format!("k{k}"))
        })
        .collect();
    let df = incidents.select(exprs).collect()?;
    (0..keys.len())
        .map(|k| {
            Ok(super::f64_col(&df, &format!("k{k}"))?
                .first()
                .copied()
                .flatten()
                .unwrap_or(0.0))
        })
        .collect()
}

/// Picks the key by the rule in the module documentation from the candidates' coverages.
pub fn pick_key(candidates: Vec<KeyCoverage>) -> KeyChoice {
    let pct = |c: f64| format!("{:.1}%", c * 100.0);
    let first_good = candidates
        .iter()
        .position(|c| c.coverage >= KEY_MIN_COVERAGE);
    let best = candidates
        .iter()
        .enumerate()
        .fold(None::<(usize, f64)>, |b, (i, c)| match b {
            Some((_, bc)) if bc >= c.coverage => b,
            _ => Some((i, c.coverage)),
        })
        .map(|b| b.0);
    let skipped = |upto: usize| {
        candidates[..upto]
            .iter()
            .map(|c| format!("{} {}", c.key.join("+"), pct(c.coverage)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (k, reason) = match (first_good, best) {
        (Some(k), _) => {
            let c = &candidates[k];
            let before = if k == 0 {
                String::new()
            } else {
                format!(" (earlier candidates cover less than half: {})", skipped(k))
            };
            (k, format!("{} is the first candidate key filled for at least half of the incidents ({}){before}", c.key.join("+"), pct(c.coverage)))
        }
        (None, Some(k)) => (
            k,
            format!(
                "no candidate key is filled for half of the incidents ({}); {} covers the most",
                skipped(candidates.len()),
                candidates[k].key.join("+")
            ),
        ),
        (None, None) => (0, "no candidate keys".into()),
    };
    KeyChoice {
        key: candidates
            .get(k)
            .map(|c| c.key.clone())
            .unwrap_or_else(|| vec!["ci".into()]),
        source: "auto".into(),
        reason,
        candidates,
    }
}

/// The key to use: the given one, or the automatic choice over `incidents`.
pub fn choose_key(incidents: LazyFrame, given: &[String]) -> Result<KeyChoice> {
    if !given.is_empty() {
        return Ok(KeyChoice {
            key: given.to_vec(),
            source: "given".into(),
            reason: "given with --recurrence-key".into(),
            candidates: Vec::new(),
        });
    }
    let keys: Vec<Vec<String>> = KEY_CANDIDATES
        .iter()
        .map(|k| k.iter().map(|c| c.to_string()).collect())
        .collect();
    let cov = coverages(incidents, &keys)?;
    Ok(pick_key(
        keys.into_iter()
            .zip(cov)
            .map(|(key, coverage)| KeyCoverage { key, coverage })
            .collect(),
    ))
}

/// The code of an incident with a key column empty, or without a problem id ([`Codes`]).
pub const NO_KEY: u32 = u32::MAX;

/// Dictionary codes of one value per incident: `codes[i]` indexes `names` ([`NO_KEY`]: none).
/// Polars indexes rows by u32, so a frame's rows fit the codes.
#[derive(Debug, Default, PartialEq)]
pub struct Codes {
    pub codes: Vec<u32>,
    pub names: Vec<String>,
}

/// Builds [`Codes`] row by row: one code per distinct value (for a key of several columns, per
/// distinct combination; its name joins the parts with ` / `), in order of first appearance.
#[derive(Default)]
struct Encoder {
    out: Codes,
    /// Each part length-prefixed, so that distinct combinations never share an entry.
    ids: HashMap<Vec<u8>, u32>,
    scratch: Vec<u8>,
}

impl Encoder {
    /// Codes one row from its parts (`None`: a part is missing → [`NO_KEY`]).
    fn push<'a>(&mut self, parts: impl Iterator<Item = Option<&'a str>> + Clone) {
        self.scratch.clear();
        for p in parts.clone() {
            let Some(p) = p else {
                self.out.codes.push(NO_KEY);
                return;
            };
            self.scratch
                .extend_from_slice(&(p.len() as u64).to_le_bytes());
            self.scratch.extend_from_slice(p.as_bytes());
        }
        let code = match self.ids.get(self.scratch.as_slice()) {
            Some(&k) => k,
            None => {
                let k = self.out.names.len() as u32;
                let name: Vec<&str> = parts.flatten().collect();
                self.out.names.push(name.join(" / "));
                self.ids.insert(self.scratch.clone(), k);
                k
            }
        };
        self.out.codes.push(code);
    }

    /// Codes every row of `columns` (equal lengths); `blank_is_missing`: a cell that is empty after
    /// trimming counts as missing (key columns), otherwise only null does (problem ids).
    fn push_rows(&mut self, columns: &[&StringChunked], blank_is_missing: bool) {
        fn keep(v: Option<&str>, blank_is_missing: bool) -> Option<&str> {
            v.filter(|s| !blank_is_missing || !s.trim().is_empty())
        }
        let mut iters: Vec<_> = columns.iter().map(|c| c.iter()).collect();
        let rows = columns.first().map(|c| c.len()).unwrap_or(0);
        let mut row: Vec<Option<&str>> = Vec::with_capacity(columns.len());
        for _ in 0..rows {
            row.clear();
            row.extend(
                iters
                    .iter_mut()
                    .map(|it| keep(it.next().flatten(), blank_is_missing)),
            );
            self.push(row.iter().copied());
        }
    }
}

/// The recurrence key (`key` columns) and the problem id of every incident of `incidents`, as
/// [`Codes`], in row order: a row with any key column empty or blank has [`NO_KEY`], so that
/// sorting compares integers; key names are `a / b / c`. Read on polars' streaming engine batch by batch: on 10M incidents
/// no string column is held (a string view alone is 16 bytes per incident and column).
pub fn key_and_problem_codes(incidents: LazyFrame, key: &[String]) -> Result<(Codes, Codes)> {
    let mut cols: Vec<Expr> = key
        .iter()
        .enumerate()
        .map(|(k, c)| {
            col(c.as_str())
                .cast(DataType::String)
                .alias(format!("k{k}"))
        })
        .collect();
    cols.push(col("problem_id").cast(DataType::String).alias("problem"));
    let n = key.len();
    let encoders = (Encoder::default(), Encoder::default());
    let each = move |(keys, problems): &mut (Encoder, Encoder), df: &DataFrame| {
        let parts: Vec<&StringChunked> = (0..n)
            .map(|k| df.column(&format!("k{k}")).and_then(|c| c.str()))
            .collect::<PolarsResult<_>>()?;
        keys.push_rows(&parts, true);
        problems.push_rows(&[df.column("problem")?.str()?], false);
        PolarsResult::Ok(())
    };
    let (keys, problems) = crate::store::fold_batches(incidents.select(cols), encoders, each)??;
    Ok((keys.out, problems.out))
}

#[derive(Debug, Clone, Serialize)]
pub struct Cluster {
    pub key: String,
    pub incidents: u64,
    pub recurrent: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub downtime_hours: f64,
    pub linked_to_problem: u64,
    pub problem_ids: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Recurrence {
    pub key: Vec<String>,
    /// Share of the analysed incidents with every key column filled (= incidents_with_key / incidents).
    pub key_coverage: f64,
    /// How the key was chosen: `source` "given" or "auto", the `reason`, and the candidates' coverages.
    pub key_choice: Option<KeyChoice>,
    pub window_hours: f64,
    pub incidents_with_key: u64,
    pub recurrent_incidents: u64,
    /// recurrent_incidents / incidents_with_key.
    pub recurrence_share: f64,
    pub clusters: u64,
    pub top_clusters: Vec<Cluster>,
}

/// The incidents as recurrence reads them, column by column (one slot per incident, in the same
/// order; on 10M incidents a struct per incident was 0.5 GB more). `key.codes` index the key labels.
pub struct Rows<'a> {
    /// [`NO_KEY`] when a key column is empty.
    pub key: &'a Codes,
    pub opened: &'a [UtcMillis],
    pub resolution_hours: &'a Float64Chunked,
    pub problem_id: &'a Codes,
}

pub fn iso(ms: UtcMillis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Which incidents are recurrent (same order as `rows`), by the definition above. Incidents are
/// bucketed by key (a counting sort), then ordered by (opened, position) within each key.
pub fn recurrent_flags(key: &[u32], opened: &[UtcMillis], window_hours: f64) -> Vec<Option<bool>> {
    let window_ms = (window_hours * crate::units::MS_PER_HOUR_F64) as i64;
    let keyed = || key.iter().copied().filter(|k| *k != NO_KEY);
    let n_keys = keyed().max().map(|k| k as usize + 1).unwrap_or(0);
    let mut start = vec![0usize; n_keys + 1];
    for k in keyed() {
        start[k as usize + 1] += 1;
    }
    for k in 0..n_keys {
        start[k + 1] += start[k];
    }
    let mut fill = start.clone();
    // Row positions as u32 (polars' row index): half the memory of usize.
    let mut order = vec![0u32; start[n_keys]];
    for (i, k) in key.iter().enumerate() {
        if *k != NO_KEY {
            order[fill[*k as usize]] = i as u32;
            fill[*k as usize] += 1;
        }
    }
    let mut flags = vec![None; key.len()];
    for k in 0..n_keys {
        let bucket = &mut order[start[k]..start[k + 1]];
        bucket.sort_unstable_by_key(|&i| (opened[i as usize], i));
        for (j, &i) in bucket.iter().enumerate() {
            let i = i as usize;
            flags[i] = Some(j > 0 && opened[i] - opened[bucket[j - 1] as usize] <= window_ms);
        }
    }
    flags
}

/// One key's incidents so far: how many, how many recurrent, first and last opening, the summed
/// resolution hours (downtime), how many are linked to a problem and up to 5 distinct problem ids.
struct KeyTally {
    n: u64,
    rec: u64,
    first: i64,
    last: i64,
    down: f64,
    linked: u64,
    problems: Vec<String>,
}

impl KeyTally {
    fn new() -> KeyTally {
        KeyTally {
            n: 0,
            rec: 0,
            first: i64::MAX,
            last: i64::MIN,
            down: 0.0,
            linked: 0,
            problems: Vec::new(),
        }
    }

    /// Counts one incident with its recurrence flag.
    fn add(
        &mut self,
        opened: UtcMillis,
        hours: Option<f64>,
        problem: Option<&str>,
        recurrent: bool,
    ) {
        self.n += 1;
        self.rec += u64::from(recurrent);
        self.first = self.first.min(opened);
        self.last = self.last.max(opened);
        self.down += hours.unwrap_or(0.0);
        if let Some(p) = problem {
            self.linked += 1;
            if !self.problems.iter().any(|x| x == p) && self.problems.len() < 5 {
                self.problems.push(p.to_string());
            }
        }
    }
}

/// The key tallies of the incidents with a key and a recurrence flag, with how many those are
/// and how many of them are recurrent.
fn key_tallies(rows: &Rows, flags: &[Option<bool>]) -> (HashMap<u32, KeyTally>, u64, u64) {
    let mut by: HashMap<u32, KeyTally> = HashMap::new();
    let (mut with_key, mut recurrent) = (0u64, 0u64);
    let hours = rows.resolution_hours.iter();
    let problem = |p: &u32| rows.problem_id.names.get(*p as usize).map(String::as_str);
    let problems = rows.problem_id.codes.iter().map(problem);
    let each = rows
        .key
        .codes
        .iter()
        .zip(rows.opened)
        .zip(hours.zip(problems));
    for (((k, opened), (hours, problem)), f) in each.zip(flags) {
        let Some(f) = f else {
            continue;
        };
        with_key += 1;
        recurrent += u64::from(*f);
        let tally = by.entry(*k).or_insert_with(KeyTally::new);
        tally.add(*opened, hours, problem, *f);
    }
    (by, with_key, recurrent)
}

/// The clusters (keys with at least 2 incidents), most recurrent first (ties: more incidents, then
/// the key's name); with their count before the list is cut to the `top`.
fn ranked_clusters(
    by: HashMap<u32, KeyTally>,
    names: &[String],
    top: usize,
) -> (u64, Vec<Cluster>) {
    let mut clusters: Vec<Cluster> = by
        .into_iter()
        .filter(|(_, a)| a.n >= 2)
        .map(|(k, a)| Cluster {
            key: names.get(k as usize).cloned().unwrap_or_default(),
            incidents: a.n,
            recurrent: a.rec,
            first_seen: iso(a.first),
            last_seen: iso(a.last),
            downtime_hours: a.down,
            linked_to_problem: a.linked,
            problem_ids: a.problems,
        })
        .collect();
    let n_clusters = clusters.len() as u64;
    clusters.sort_by(|a, b| {
        b.recurrent
            .cmp(&a.recurrent)
            .then(b.incidents.cmp(&a.incidents))
            .then(a.key.cmp(&b.key))
    });
    clusters.truncate(top);
    (n_clusters, clusters)
}

/// Recurrence by `key`: an incident is recurrent when an earlier incident with the same key
/// opened at most `window_hours` before it; the `top` clusters by recurrent incidents.
pub fn analyze(rows: &Rows, key: &[String], window_hours: f64, top: usize) -> Recurrence {
    let flags = recurrent_flags(&rows.key.codes, rows.opened, window_hours);
    let (by, with_key, recurrent) = key_tallies(rows, &flags);
    let (n_clusters, top_clusters) = ranked_clusters(by, &rows.key.names, top);
    Recurrence {
        key: key.to_vec(),
        key_coverage: if rows.key.codes.is_empty() {
            f64::NAN
        } else {
            with_key as f64 / rows.key.codes.len() as f64
        },
        key_choice: None,
        window_hours,
        incidents_with_key: with_key,
        recurrent_incidents: recurrent,
        recurrence_share: if with_key == 0 {
            f64::NAN
        } else {
            recurrent as f64 / with_key as f64
        },
        clusters: n_clusters,
        top_clusters,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_by_hand() {
        let h = crate::units::MS_PER_HOUR;
        // CI-A at 0, 100, 300 h; window 7 d = 168 h: 100 is recurrent (after 0), 300 is not (200 h after 100).
        let (a, b) = (0, 1);
        let key = Codes {
            codes: vec![a, a, b, a, NO_KEY, b],
            names: vec!["A".into(), "B".into()],
        };
        let opened: Vec<i64> = [300, 0, 50, 100, 101, 50].iter().map(|t| t * h).collect();
        let hours = Float64Chunked::from_vec("".into(), vec![2.0; 6]);
        // Two of A's incidents name the same problem; B's none.
        let pb = 0;
        let problems = Codes {
            codes: vec![pb, NO_KEY, NO_KEY, pb, NO_KEY, NO_KEY],
            names: vec!["PRB1".into()],
        };
        let rows = Rows {
            key: &key,
            opened: &opened,
            resolution_hours: &hours,
            problem_id: &problems,
        };
        let f = recurrent_flags(&key.codes, &opened, 168.0);
        assert_eq!(
            f,
            vec![
                Some(false),
                Some(false),
                Some(false),
                Some(true),
                None,
                Some(true)
            ]
        );
        let r = analyze(&rows, &["ci".into()], 168.0, 10);
        assert_eq!(
            (r.incidents_with_key, r.recurrent_incidents, r.clusters),
            (5, 2, 2)
        );
        assert_eq!(r.top_clusters[0].key, "A");
        assert_eq!(r.top_clusters[0].downtime_hours, 6.0);
        assert_eq!(r.top_clusters[0].first_seen, "1970-01-01T00:00:00Z");
        assert_eq!(r.top_clusters[0].linked_to_problem, 2);
        assert_eq!(r.top_clusters[0].problem_ids, ["PRB1"]);
        assert_eq!(r.top_clusters[1].linked_to_problem, 0);
        assert_eq!(r.key_coverage, 5.0 / 6.0);
    }

    fn cand(key: &[&str], coverage: f64) -> KeyCoverage {
        KeyCoverage {
            key: key.iter().map(|s| s.to_string()).collect(),
            coverage,
        }
    }

    #[test]
    fn key_choice_rule() {
        // The first candidate at ≥ 50 % wins, even when a later one covers more.
        let c = pick_key(vec![
            cand(&["ci"], 0.002),
            cand(&["service"], 0.6),
            cand(&["category"], 1.0),
        ]);
        assert_eq!(c.key, ["service"]);
        assert!(c.reason.contains("ci 0.2%"), "{}", c.reason);
        // None reaches half: the best coverage, the earlier on a tie.
        let c = pick_key(vec![
            cand(&["ci"], 0.1),
            cand(&["service"], 0.3),
            cand(&["category"], 0.3),
        ]);
        assert_eq!(c.key, ["service"]);
        let c = pick_key(vec![cand(&["ci"], 0.5)]);
        assert_eq!((c.key, c.source.as_str()), (vec!["ci".to_string()], "auto"));
    }

    #[test]
    fn coverage_counts_blank_cells_as_empty() {
        let df = df!(
            "ci" => [Some("a"), None, Some("  "), None],
            "category" => [Some("x"), Some("y"), Some("z"), None],
            "symptom" => [Some("s"), Some("t"), None, None],
        )
        .unwrap();
        let keys = vec![
            vec!["ci".to_string()],
            vec!["category".to_string(), "symptom".to_string()],
        ];
        assert_eq!(coverages(df.lazy(), &keys).unwrap(), vec![0.25, 0.5]);
        // Key codes by hand: a blank or missing part leaves the row without a key; the problem ids
        // beside them (only null is missing there; a blank id is a value).
        let df = df!(
            "category" => [Some("x"), Some("x"), Some("z"), None, Some("x"), Some("y")],
            "symptom" => [Some("s"), Some("s"), None, None, Some(" "), Some("s")],
            "problem_id" => [None, Some("P1"), Some(""), Some("P1"), None, None],
        )
        .unwrap();
        let key = ["category".to_string(), "symptom".to_string()];
        let (k, p) = key_and_problem_codes(df.lazy(), &key).unwrap();
        assert_eq!(k.codes, vec![0, 0, NO_KEY, NO_KEY, NO_KEY, 1]);
        assert_eq!(k.names, ["x / s", "y / s"]);
        assert_eq!(p.codes, vec![NO_KEY, 0, 1, 0, NO_KEY, NO_KEY]);
        assert_eq!(p.names, ["P1", ""]);
        // Parts are kept apart: ("a / b", "c") and ("a", "b / c") are two keys with one name.
        let df = df!("category" => ["a / b", "a"], "symptom" => ["c", "b / c"], "problem_id" => [None::<&str>, None]).unwrap();
        let (k, _) = key_and_problem_codes(df.lazy(), &key).unwrap();
        assert_eq!(k.codes, vec![0, 1]);
    }

    /// A store's frame arrives in many chunks: the codes follow the rows in order over every batch,
    /// as a plain first-appearance numbering of the same values gives them.
    #[test]
    fn codes_keep_row_order_across_batches() {
        let value = |i: usize| (!i.is_multiple_of(11)).then(|| format!("ci{}", (i * 7919) % 997));
        let mut df: Option<DataFrame> = None;
        for part in 0..6 {
            let rows: Vec<Option<String>> =
                (part * 40_000..(part + 1) * 40_000).map(value).collect();
            let chunk = df!("ci" => rows.clone(), "problem_id" => rows).unwrap();
            match &mut df {
                None => df = Some(chunk),
                Some(d) => {
                    d.vstack_mut(&chunk).unwrap();
                }
            }
        }
        let df = df.unwrap();
        assert!(df.first_col_n_chunks() > 1);
        let (k, p) = key_and_problem_codes(df.lazy(), &["ci".to_string()]).unwrap();
        let mut seen: HashMap<String, u32> = HashMap::new();
        let want: Vec<u32> = (0..240_000)
            .map(|i| match value(i) {
                None => NO_KEY,
                Some(v) => {
                    let n = seen.len() as u32;
                    *seen.entry(v).or_insert(n)
                }
            })
            .collect();
        assert_eq!(k.codes, want);
        assert_eq!(p.codes, want);
        assert_eq!(k.names.len(), seen.len());
    }
}
