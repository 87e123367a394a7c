//! Summaries across replications: mean, standard deviation and a 95 % confidence interval from
//! Student's t (statrs).

use std::cmp::Ordering;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// Quantile by linear interpolation between order statistics (type 7); NaN for no data.
pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// The same quantiles as [`quantile`] of the sorted values, from unsorted values by selection
/// (O(n) each instead of a sort). Reorders `v`. The smallest quantile is selected first and each
/// larger one within the part right of it, so later selections scan less (p50, p90, p95: the
/// whole, then the upper half, then the upper tenth).
pub fn quantiles_unsorted(v: &mut [f64], qs: &[f64]) -> Vec<f64> {
    if v.is_empty() {
        return vec![f64::NAN; qs.len()];
    }
    let n = v.len();
    let pos = |q: f64| q.clamp(0.0, 1.0) * (n - 1) as f64;
    let mut order: Vec<usize> = (0..qs.len()).collect();
    order.sort_by(|&a, &b| pos(qs[a]).total_cmp(&pos(qs[b])));
    let mut order_stats = OrderStats::new(v, 2 * qs.len());
    let mut out = vec![f64::NAN; qs.len()];
    for i in order {
        let p = pos(qs[i]);
        let lo = p.floor() as usize;
        let frac = p - lo as f64;
        // Ranks are asked in non-decreasing order: lo, then its upper neighbour.
        let x_lo = order_stats.get(v, lo);
        out[i] = if frac > 0.0 {
            let x_hi = order_stats.get(v, lo + 1);
            x_lo + (x_hi - x_lo) * frac
        } else {
            x_lo
        };
    }
    out
}

/// Order statistics taken by successive selections. Invariant: `v[..lower]` holds the `lower`
/// smallest values, and every value right of `lower` is ≥ each of them.
struct OrderStats {
    lower: usize,
    known: Vec<(usize, f64)>,
    /// No NaN and no negative sign bit (not even −0.0) in the values: there `<` orders them
    /// exactly as `total_cmp` does, so the same values are selected, by cheaper comparisons.
    plain: bool,
}

impl OrderStats {
    fn new(v: &[f64], ranks: usize) -> OrderStats {
        OrderStats {
            lower: 0,
            known: Vec::with_capacity(ranks),
            plain: v.iter().all(|x| x.to_bits() >> 63 == 0 && !x.is_nan()),
        }
    }
}

impl OrderStats {
    /// The value of rank `k` (0-based) of `v`.
    fn get(&mut self, v: &mut [f64], k: usize) -> f64 {
        if let Some(&(_, x)) = self.known.iter().find(|(r, _)| *r == k) {
            return x;
        }
        let from = if k >= self.lower { self.lower } else { 0 };
        // Not reached for ranks asked in non-decreasing order (from = 0); correct anyway.
        let part = &mut v[from..];
        if self.plain {
            part.select_nth_unstable_by(k - from, |a, b| {
                if a < b {
                    Ordering::Less
                } else if a > b {
                    Ordering::Greater
                } else {
                    Ordering::Equal
                }
            });
        } else {
            part.select_nth_unstable_by(k - from, |a, b| a.total_cmp(b));
        }
        self.lower = k + 1;
        self.known.push((k, v[k]));
        v[k]
    }
}

/// A metric over replications. `ci_low`/`ci_high` bound the mean with 95 % confidence; NaN values
/// (a replication where the metric was undefined) are left out and `n` says how many were used.
#[derive(Debug, Clone, Copy, Serialize, PartialEq)]
pub struct Estimate {
    pub mean: f64,
    pub ci_low: f64,
    pub ci_high: f64,
    pub sd: f64,
    pub n: usize,
}

impl Estimate {
    pub fn of(values: impl IntoIterator<Item = f64>) -> Estimate {
        let v: Vec<f64> = values.into_iter().filter(|x| x.is_finite()).collect();
        let n = v.len();
        if n == 0 {
            return Estimate {
                mean: f64::NAN,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                sd: f64::NAN,
                n,
            };
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Estimate {
                mean,
                ci_low: f64::NAN,
                ci_high: f64::NAN,
                sd: f64::NAN,
                n,
            };
        }
        let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
        let half = t_975(n - 1) * sd / (n as f64).sqrt();
        Estimate {
            mean,
            ci_low: mean - half,
            ci_high: mean + half,
            sd,
            n,
        }
    }

    pub fn half_width(&self) -> f64 {
        (self.ci_high - self.ci_low) / 2.0
    }

    /// Standard error of the mean.
    pub fn se(&self) -> f64 {
        self.sd / (self.n as f64).sqrt()
    }
}

/// The 97.5 % quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selection_quantiles_equal_sorted_quantiles() {
        let mut x: u64 = 99;
        for n in [1usize, 2, 3, 10, 101, 1000] {
            let mut v: Vec<f64> = (0..n)
                .map(|_| {
                    x = crate::random::splitmix64(x);
                    (x % 1000) as f64 / 7.0
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_by(|a, b| a.total_cmp(b));
            for qs in [
                &[0.0, 0.5, 0.9, 0.95, 1.0][..],
                &[0.5, 0.9, 0.95],
                &[0.95, 0.5, 0.9, 0.9],
                &[0.3, 0.31, 0.32, 0.99, 0.0],
            ] {
                let mut w = v.clone();
                let got = quantiles_unsorted(&mut w, qs);
                for (q, g) in qs.iter().zip(got) {
                    assert_eq!(g, quantile(&sorted, *q), "n {n} q {q}");
                }
            }
            // Ranks asked out of order (the fallback path) are still right.
            let mut w = v.clone();
            let mut os = OrderStats::new(&w, 0);
            assert_eq!(os.get(&mut w, n - 1), sorted[n - 1]);
            assert_eq!(os.get(&mut w, 0), sorted[0]);
            assert_eq!(os.get(&mut w, n / 2), sorted[n / 2]);
            let _ = &mut v;
        }
        assert!(quantiles_unsorted(&mut [], &[0.5])[0].is_nan());
        // Negative values, both zeros and NaN: selected in `total_cmp` order, bit for bit.
        let mixed = [0.0, -0.0, 3.0, -2.0, f64::NAN, 0.0, -0.0, 1.5, -0.0, 7.0];
        let mut sorted = mixed.to_vec();
        sorted.sort_by(|a, b| a.total_cmp(b));
        for q in [0.0, 0.2, 0.3, 0.4, 0.5, 0.9, 1.0] {
            let got = quantiles_unsorted(&mut mixed.to_vec(), &[q])[0];
            assert_eq!(got.to_bits(), quantile(&sorted, q).to_bits(), "q {q}");
        }
    }

    #[test]
    fn estimate_by_hand() {
        // 1..=5: mean 3, sd sqrt(2.5), t(4, .975) = 2.7764451.
        let e = Estimate::of([1.0, 2.0, 3.0, 4.0, 5.0, f64::NAN]);
        assert_eq!(e.n, 5);
        assert!((e.mean - 3.0).abs() < 1e-12);
        assert!((e.sd - 2.5f64.sqrt()).abs() < 1e-12);
        let half = 2.776_445_105 * 2.5f64.sqrt() / 5f64.sqrt();
        assert!((e.ci_high - 3.0 - half).abs() < 1e-6, "{e:?}");
        assert!((quantile(&[1.0, 2.0, 3.0, 4.0], 0.5) - 2.5).abs() < 1e-12);
        assert!((quantile(&[10.0], 0.9) - 10.0).abs() < 1e-12);
    }
}
