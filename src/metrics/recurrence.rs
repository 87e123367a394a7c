//! Recurrence — the bridge to problem management.
//!
//! For a key (columns such as `ci`, or `category,subcategory,symptom`): an incident is *recurrent*
//! when an earlier incident with the same key was opened within the window before it
//! (`0 ≤ opened − previous opened ≤ window`). Incidents with any key column empty are left out.
//! Clusters are keys with two or more incidents: count, first/last seen, total downtime (sum of
//! resolution hours of their resolved incidents), and how many are linked to a `problem_id`.

use std::collections::HashMap;

use serde::Serialize;

use crate::schema::UtcMillis;

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
    let window_ms = (window_hours * 3.6e6) as i64;
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

pub fn analyze(
    rows: &[Row],
    names: &[String],
    key: &[String],
    window_hours: f64,
    top: usize,
) -> Recurrence {
    let flags = recurrent_flags(rows, window_hours);
    struct Acc {
        n: u64,
        rec: u64,
        first: i64,
        last: i64,
        down: f64,
        linked: u64,
        problems: Vec<String>,
    }
    let mut by: HashMap<u32, Acc> = HashMap::new();
    let (mut with_key, mut recurrent) = (0u64, 0u64);
    for (r, f) in rows.iter().zip(&flags) {
        let (Some(k), Some(f)) = (r.key, f) else {
            continue;
        };
        with_key += 1;
        recurrent += u64::from(*f);
        let a = by.entry(k).or_insert(Acc {
            n: 0,
            rec: 0,
            first: i64::MAX,
            last: i64::MIN,
            down: 0.0,
            linked: 0,
            problems: Vec::new(),
        });
        a.n += 1;
        a.rec += u64::from(*f);
        a.first = a.first.min(r.opened);
        a.last = a.last.max(r.opened);
        a.down += r.resolution_hours.unwrap_or(0.0);
        if let Some(p) = r.problem_id {
            a.linked += 1;
            if !a.problems.iter().any(|x| x == p) && a.problems.len() < 5 {
                a.problems.push(p.to_string());
            }
        }
    }
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
    Recurrence {
        key: key.to_vec(),
        window_hours,
        incidents_with_key: with_key,
        recurrent_incidents: recurrent,
        recurrence_share: if with_key == 0 {
            f64::NAN
        } else {
            recurrent as f64 / with_key as f64
        },
        clusters: n_clusters,
        top_clusters: clusters,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_by_hand() {
        let h = 3_600_000;
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
    }
}
