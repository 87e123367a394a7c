//! Statistical tests for decisions: Mann–Whitney U (normal approximation with tie correction),
//! two-proportion z-test, percentile bootstrap, Welch's t interval. Each checked against
//! hand-computed or textbook values in the tests below.

use rand::RngExt;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

fn normal_sf(z: f64) -> f64 {
    Normal::new(0.0, 1.0)
        .map(|n| 1.0 - n.cdf(z))
        .unwrap_or(f64::NAN)
}

/// Mann–Whitney U test of `a` vs `b`. Returns (U of `a`, two-sided p-value, rank-biserial
/// correlation r = 2·U/(n·m) − 1, positive when `a` tends to be larger).
pub fn mann_whitney(a: &[f64], b: &[f64]) -> (f64, f64, f64) {
    let (n, m) = (a.len(), b.len());
    if n == 0 || m == 0 {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mut all: Vec<(f64, bool)> = a
        .iter()
        .map(|&x| (x, true))
        .chain(b.iter().map(|&x| (x, false)))
        .collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let mut rank_sum_a = 0.0;
    let mut tie_term = 0.0;
    let mut i = 0;
    while i < all.len() {
        let mut j = i + 1;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        let avg_rank = (i + 1 + j) as f64 / 2.0; // ranks i+1 ..= j
        let t = (j - i) as f64;
        tie_term += t * t * t - t;
        rank_sum_a += avg_rank * all[i..j].iter().filter(|x| x.1).count() as f64;
        i = j;
    }
    let (nf, mf) = (n as f64, m as f64);
    let u = rank_sum_a - nf * (nf + 1.0) / 2.0;
    let mean = nf * mf / 2.0;
    let total = nf + mf;
    let var = nf * mf / 12.0 * ((total + 1.0) - tie_term / (total * (total - 1.0)));
    let z = if var > 0.0 {
        ((u - mean).abs() - 0.5).max(0.0) / var.sqrt()
    } else {
        0.0
    };
    (u, (2.0 * normal_sf(z)).min(1.0), 2.0 * u / (nf * mf) - 1.0)
}

/// Two-proportion z-test (pooled). Returns (difference p2 − p1, two-sided p-value).
pub fn two_proportions(x1: u64, n1: u64, x2: u64, n2: u64) -> (f64, f64) {
    if n1 == 0 || n2 == 0 {
        return (f64::NAN, f64::NAN);
    }
    let (p1, p2) = (x1 as f64 / n1 as f64, x2 as f64 / n2 as f64);
    let p = (x1 + x2) as f64 / (n1 + n2) as f64;
    let se = (p * (1.0 - p) * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    let pv = if se > 0.0 {
        2.0 * normal_sf(((p2 - p1) / se).abs())
    } else {
        1.0
    };
    (p2 - p1, pv.min(1.0))
}

/// `resamples` bootstrap values of `stat`: each sample is resampled with replacement (independently,
/// in order, from one seeded stream) and `stat` is applied to the resampled set. Non-finite values
/// are dropped. The result is sorted.
pub fn bootstrap_stats(
    samples: &[&[f64]],
    resamples: usize,
    seed: u64,
    stat: impl Fn(&[Vec<f64>]) -> f64,
) -> Vec<f64> {
    let mut rng = crate::random::stream(seed, &["bootstrap"], &[]);
    let mut re: Vec<Vec<f64>> = samples.iter().map(|s| vec![0.0; s.len()]).collect();
    let mut stats = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for (src, dst) in samples.iter().zip(re.iter_mut()) {
            for x in dst.iter_mut() {
                *x = src[rng.random_range(0..src.len())];
            }
        }
        let s = stat(&re);
        if s.is_finite() {
            stats.push(s);
        }
    }
    stats.sort_by(|x, y| x.total_cmp(y));
    stats
}

/// Percentile bootstrap 95 % interval of `stat` over `resamples` resamples of each sample
/// (independently), from a seeded generator.
pub fn bootstrap_ci(
    a: &[f64],
    b: &[f64],
    resamples: usize,
    seed: u64,
    stat: impl Fn(&[f64], &[f64]) -> f64,
) -> (f64, f64) {
    let stats = bootstrap_stats(&[a, b], resamples, seed, |r| stat(&r[0], &r[1]));
    (
        crate::sim::stats::quantile(&stats, 0.025),
        crate::sim::stats::quantile(&stats, 0.975),
    )
}

pub fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Welch 95 % interval for mean(b) − mean(a) of two independent samples.
pub fn welch_ci(a: &[f64], b: &[f64]) -> (f64, f64) {
    let var = |v: &[f64]| {
        let m = mean(v);
        v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() as f64 - 1.0)
    };
    let (va, vb) = (var(a) / a.len() as f64, var(b) / b.len() as f64);
    let df =
        (va + vb).powi(2) / (va * va / (a.len() as f64 - 1.0) + vb * vb / (b.len() as f64 - 1.0));
    let t = StudentsT::new(0.0, 1.0, df)
        .map(|t| t.inverse_cdf(0.975))
        .unwrap_or(f64::NAN);
    let d = mean(b) - mean(a);
    let h = t * (va + vb).sqrt();
    (d - h, d + h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mann_whitney_by_hand() {
        // a = {1, 2, 3}, b = {4, 5, 6}: U_a = 0, rank-biserial −1; exact two-sided p = 0.1 (normal approx. ≈ 0.081 with continuity).
        let (u, p, r) = mann_whitney(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0]);
        assert_eq!((u, r), (0.0, -1.0));
        assert!((p - 0.0809).abs() < 0.002, "{p}");
        // Ties: a = {1, 2, 2}, b = {2, 3}: ranks 1, 3, 3 | 3, 5 → R_a = 7, U_a = 1.
        let (u, _, _) = mann_whitney(&[1.0, 2.0, 2.0], &[2.0, 3.0]);
        assert_eq!(u, 1.0);
        // Identical samples: no evidence.
        let (_, p, _) = mann_whitney(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 3.0, 4.0]);
        assert!(p > 0.9);
    }

    #[test]
    fn two_proportions_textbook() {
        // 70/100 vs 95/100: z = 0.25 / sqrt(0.825·0.175·0.02) = 4.65, p ≈ 3.3e-6.
        let (d, p) = two_proportions(70, 100, 95, 100);
        assert!((d - 0.25).abs() < 1e-12);
        assert!(p < 1e-5 && p > 1e-6, "{p}");
        let (_, p) = two_proportions(50, 100, 50, 100);
        assert!((p - 1.0).abs() < 1e-12);
    }

    #[test]
    fn bootstrap_and_welch_cover_a_known_difference() {
        let a: Vec<f64> = (0..400).map(|i| (i % 20) as f64).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 3.0).collect();
        let (lo, hi) = bootstrap_ci(&a, &b, 2000, 1, |x, y| mean(y) - mean(x));
        assert!(lo < 3.0 && hi > 3.0 && hi - lo < 2.0, "{lo} {hi}");
        let (lo, hi) = welch_ci(&a, &b);
        assert!(lo < 3.0 && hi > 3.0);
    }
}
