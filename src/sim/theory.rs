//! Queueing-theory formulas: the independent known answers the engine is validated against, and the
//! Erlang-C staffing answer that decisions compare with (it ignores priorities and shifts).

/// Erlang C: the probability that an arrival waits in an M/M/c queue with offered load `a = λ/μ`.
/// Computed with the numerically stable Erlang-B recursion. Returns 1 when `a ≥ c` (unstable).
pub fn erlang_c(c: u32, a: f64) -> f64 {
    if c == 0 || a >= f64::from(c) {
        return 1.0;
    }
    let mut b = 1.0; // Erlang B with 0 servers
    for k in 1..=c {
        b = a * b / (f64::from(k) + a * b);
    }
    let rho = a / f64::from(c);
    b / (1.0 - rho + rho * b)
}

/// M/M/c FIFO mean wait in queue: `C(c,a) / (cμ − λ)`.
pub fn mmc_mean_wait(c: u32, lambda: f64, mu: f64) -> f64 {
    erlang_c(c, lambda / mu) / (f64::from(c) * mu - lambda)
}

/// M/M/c FIFO `P(W > t) = C(c,a) · e^{−(cμ−λ)t}`.
pub fn mmc_wait_exceeds(c: u32, lambda: f64, mu: f64, t: f64) -> f64 {
    erlang_c(c, lambda / mu) * (-(f64::from(c) * mu - lambda) * t).exp()
}

/// M/M/c non-preemptive priority with a common service rate (Cobham): mean wait of each class,
/// highest first: `W_k = [C(c,a)/(cμ)] / ((1−σ_{k−1})(1−σ_k))`, `σ_k = Σ_{i≤k} λ_i/(cμ)`.
pub fn mmc_nonpreemptive_waits(c: u32, lambdas: &[f64], mu: f64) -> Vec<f64> {
    let lambda: f64 = lambdas.iter().sum();
    let cmu = f64::from(c) * mu;
    let w0 = erlang_c(c, lambda / mu) / cmu;
    let mut sigma_prev = 0.0;
    lambdas
        .iter()
        .map(|l| {
            let sigma = sigma_prev + l / cmu;
            let w = w0 / ((1.0 - sigma_prev) * (1.0 - sigma));
            sigma_prev = sigma;
            w
        })
        .collect()
}

/// M/M/c preemptive-resume priority with a common service rate: mean sojourn (time in system) of
/// each class. Classes ≤ k together behave as one M/M/c FIFO queue (higher classes never see lower
/// ones), so their mean sojourn follows from Erlang C; class k's follows by subtraction.
pub fn mmc_preemptive_sojourns(c: u32, lambdas: &[f64], mu: f64) -> Vec<f64> {
    let mut out = Vec::with_capacity(lambdas.len());
    let (mut cum_lambda, mut cum_product) = (0.0, 0.0);
    for l in lambdas {
        let lk = cum_lambda + l;
        let t_le_k = 1.0 / mu + mmc_mean_wait(c, lk, mu);
        let product = lk * t_le_k;
        out.push((product - cum_product) / l);
        cum_lambda = lk;
        cum_product = product;
    }
    out
}

/// M/M/1 preemptive-resume priority with class-specific rates: mean sojourn of each class,
/// `T_k = (1/μ_k)/(1−σ_{k−1}) + R_k/((1−σ_{k−1})(1−σ_k))`, `σ_k = Σ_{i≤k} λ_i/μ_i`,
/// `R_k = Σ_{i≤k} λ_i/μ_i²` (the mean residual work of exponential service, `λE[S²]/2`).
pub fn mm1_preemptive_sojourns(lambdas: &[f64], mus: &[f64]) -> Vec<f64> {
    let (mut sigma_prev, mut r) = (0.0, 0.0);
    lambdas
        .iter()
        .zip(mus)
        .map(|(l, m)| {
            let sigma = sigma_prev + l / m;
            r += l / (m * m);
            let t = (1.0 / m) / (1.0 - sigma_prev) + r / ((1.0 - sigma_prev) * (1.0 - sigma));
            sigma_prev = sigma;
            t
        })
        .collect()
}

/// The least number of agents for which an M/M/c queue meets "a share `target` of incidents waits at
/// most `t` hours" — the classic Erlang-C staffing answer. `None` if 500 agents do not suffice.
pub fn erlang_c_staff(lambda: f64, mu: f64, t: f64, target: f64) -> Option<u32> {
    let start = (lambda / mu).floor() as u32 + 1;
    (start.max(1)..=500).find(|&c| 1.0 - mmc_wait_exceeds(c, lambda, mu, t) >= target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erlang_c_matches_the_direct_formula() {
        // Direct: C = (a^c/c!)(c/(c−a)) / (Σ_{k<c} a^k/k! + (a^c/c!)(c/(c−a))).
        let (c, a) = (10u32, 9.0f64);
        let mut sum = 0.0;
        let mut term = 1.0;
        for k in 0..c {
            if k > 0 {
                term *= a / f64::from(k);
            }
            sum += term;
        }
        let last = term * a / f64::from(c) * (f64::from(c) / (f64::from(c) - a));
        let direct = last / (sum + last);
        assert!(
            (erlang_c(c, a) - direct).abs() < 1e-12,
            "{} vs {direct}",
            erlang_c(c, a)
        );
        // M/M/1: C = ρ.
        assert!((erlang_c(1, 0.7) - 0.7).abs() < 1e-12);
        assert_eq!(erlang_c(2, 2.5), 1.0);
    }

    #[test]
    fn one_class_priority_formulas_reduce_to_fifo() {
        let w = mmc_nonpreemptive_waits(10, &[9.0], 1.0);
        assert!((w[0] - mmc_mean_wait(10, 9.0, 1.0)).abs() < 1e-12);
        let t = mmc_preemptive_sojourns(10, &[9.0], 1.0);
        assert!((t[0] - (1.0 + mmc_mean_wait(10, 9.0, 1.0))).abs() < 1e-12);
        // M/M/1 with one class: T = 1/(μ−λ).
        let t = mm1_preemptive_sojourns(&[0.5], &[1.0]);
        assert!((t[0] - 2.0).abs() < 1e-12);
    }

    #[test]
    fn conservation_law_holds_for_nonpreemptive_classes() {
        // Work conservation: the λ-weighted mean wait over classes equals the FIFO mean wait.
        let lambdas = [0.45, 1.35, 3.6, 3.6];
        let w = mmc_nonpreemptive_waits(10, &lambdas, 1.0);
        let avg: f64 = w.iter().zip(&lambdas).map(|(w, l)| w * l).sum::<f64>() / 9.0;
        assert!((avg - mmc_mean_wait(10, 9.0, 1.0)).abs() < 1e-9);
    }

    #[test]
    fn erlang_staffing_is_the_least_that_meets_the_target() {
        let c = erlang_c_staff(9.0, 1.0, 0.25, 0.8).unwrap();
        assert!(1.0 - mmc_wait_exceeds(c, 9.0, 1.0, 0.25) >= 0.8);
        assert!(1.0 - mmc_wait_exceeds(c - 1, 9.0, 1.0, 0.25) < 0.8);
    }
}
