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

/// Dictionary-encodes the key of every row (one id per distinct combination of the key columns,
/// `None` when a column is empty) so that sorting compares integers; returns the ids and the labels
/// (`a / b / c`).
pub fn encode_keys(columns: &[StringChunked], rows: usize) -> (Vec<Option<u32>>, Vec<String>) {
    let mut names: Vec<String> = Vec::new();
    fn blank(v: Option<&str>) -> Option<&str> {
        v.filter(|s| !s.trim().is_empty())
    }
    if columns.len() == 1 {
        let mut ids: HashMap<&str, u32> = HashMap::new();
        let out = columns[0]
            .iter()
            .map(|v| {
                blank(v).map(|v| {
                    *ids.entry(v).or_insert_with(|| {
                        names.push(v.to_string());
                        names.len() as u32 - 1
                    })
                })
            })
            .collect();
        return (out, names);
    }
    let mut ids: HashMap<Vec<&str>, u32> = HashMap::new();
    let mut iters: Vec<_> = columns.iter().map(|c| c.iter()).collect();
    let mut out = Vec::with_capacity(rows);
    let mut parts: Vec<&str> = Vec::with_capacity(columns.len());
    for _ in 0..rows {
        parts.clear();
        let mut complete = true;
        for it in iters.iter_mut() {
            match blank(it.next().flatten()) {
                Some(v) => parts.push(v),
                None => complete = false,
            }
        }
        out.push(complete.then(|| match ids.get(&parts) {
            Some(&k) => k,
            None => {
                let k = names.len() as u32;
                names.push(parts.join(" / "));
                ids.insert(parts.clone(), k);
                k
            }
        }));
    }
    (out, names)
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

/// One incident as recurrence needs it; `key` indexes the key labels.
pub struct Row<'a> {
    pub key: Option<u32>,
    pub opened: UtcMillis,
    pub resolution_hours: Option<f64>,
    pub problem_id: Option<&'a str>,
}

pub fn iso(ms: UtcMillis) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .unwrap_or_default()
}

/// Which incidents are recurrent (same order as `rows`), by the definition above. Incidents are
/// bucketed by key (a counting sort), then ordered by (opened, position) within each key.
pub fn recurrent_flags(rows: &[Row], window_hours: f64) -> Vec<Option<bool>> {
    let window_ms = (window_hours * crate::units::MS_PER_HOUR_F64) as i64;
    let n_keys = rows
        .iter()
        .filter_map(|r| r.key)
        .max()
        .map(|k| k as usize + 1)
        .unwrap_or(0);
    let mut start = vec![0usize; n_keys + 1];
    for r in rows {
        if let Some(k) = r.key {
            start[k as usize + 1] += 1;
        }
    }
    for k in 0..n_keys {
        start[k + 1] += start[k];
    }
    let mut fill = start.clone();
    let mut order = vec![0usize; start[n_keys]];
    for (i, r) in rows.iter().enumerate() {
        if let Some(k) = r.key {
            order[fill[k as usize]] = i;
            fill[k as usize] += 1;
        }
    }
    let mut flags = vec![None; rows.len()];
    for k in 0..n_keys {
        let bucket = &mut order[start[k]..start[k + 1]];
        bucket.sort_unstable_by_key(|&i| (rows[i].opened, i));
        for (j, &i) in bucket.iter().enumerate() {
            flags[i] = Some(j > 0 && rows[i].opened - rows[bucket[j - 1]].opened <= window_ms);
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
    fn add(&mut self, r: &Row, recurrent: bool) {
        self.n += 1;
        self.rec += u64::from(recurrent);
        self.first = self.first.min(r.opened);
        self.last = self.last.max(r.opened);
        self.down += r.resolution_hours.unwrap_or(0.0);
        if let Some(p) = r.problem_id {
            self.linked += 1;
            if !self.problems.iter().any(|x| x == p) && self.problems.len() < 5 {
                self.problems.push(p.to_string());
            }
        }
    }
}

/// The key tallies of the incidents with a key and a recurrence flag, with how many those are
/// and how many of them are recurrent.
fn key_tallies(rows: &[Row], flags: &[Option<bool>]) -> (HashMap<u32, KeyTally>, u64, u64) {
    let mut by: HashMap<u32, KeyTally> = HashMap::new();
    let (mut with_key, mut recurrent) = (0u64, 0u64);
    for (r, f) in rows.iter().zip(flags) {
        let (Some(k), Some(f)) = (r.key, f) else {
            continue;
        };
        with_key += 1;
        recurrent += u64::from(*f);
        by.entry(k).or_insert_with(KeyTally::new).add(r, *f);
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
pub fn analyze(
    rows: &[Row],
    names: &[String],
    key: &[String],
    window_hours: f64,
    top: usize,
) -> Recurrence {
    let flags = recurrent_flags(rows, window_hours);
    let (by, with_key, recurrent) = key_tallies(rows, &flags);
    let (n_clusters, top_clusters) = ranked_clusters(by, names, top);
    Recurrence {
        key: key.to_vec(),
        key_coverage: if rows.is_empty() {
            f64::NAN
        } else {
            with_key as f64 / rows.len() as f64
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
        let row = |k: Option<u32>, t: i64| Row {
            key: k,
            opened: t * h,
            resolution_hours: Some(2.0),
            problem_id: None,
        };
        // CI-A at 0, 100, 300 h; window 7 d = 168 h: 100 is recurrent (after 0), 300 is not (200 h after 100).
        let (a, b) = (Some(0), Some(1));
        let rows = vec![
            row(a, 300),
            row(a, 0),
            row(b, 50),
            row(a, 100),
            row(None, 101),
            row(b, 50),
        ];
        let f = recurrent_flags(&rows, 168.0);
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
        let r = analyze(&rows, &["A".into(), "B".into()], &["ci".into()], 168.0, 10);
        assert_eq!(
            (r.incidents_with_key, r.recurrent_incidents, r.clusters),
            (5, 2, 2)
        );
        assert_eq!(r.top_clusters[0].key, "A");
        assert_eq!(r.top_clusters[0].downtime_hours, 6.0);
        assert_eq!(r.top_clusters[0].first_seen, "1970-01-01T00:00:00Z");
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
        let cols: Vec<StringChunked> = ["category", "symptom"]
            .iter()
            .map(|c| {
                StringChunked::new(
                    (*c).into(),
                    if *c == "category" {
                        [Some("x"), Some("x"), Some("z"), None]
                    } else {
                        [Some("s"), Some("s"), None, None]
                    },
                )
            })
            .collect();
        let (ids, names) = encode_keys(&cols, 4);
        assert_eq!(ids, vec![Some(0), Some(0), None, None]);
        assert_eq!(names, ["x / s"]);
    }
}
