//! Number formatting shared by every text the report and the CLI print (HTML, Markdown, takeaways,
//! `analyze`'s table): one rule for a figure that is missing or undefined, so that a share of an
//! empty group never prints as `NaN%`.

/// What is printed for a figure that is missing (`None`) or undefined (NaN, ±∞): an en dash.
pub const MISSING: &str = "–";

/// `v` with `digits` decimals (`77.31`), or [`MISSING`] when it is absent or not finite.
pub fn num(v: impl Into<Option<f64>>, digits: usize) -> String {
    match v.into() {
        Some(x) if x.is_finite() => format!("{x:.digits$}"),
        _ => MISSING.into(),
    }
}

/// A share (0…1) as a percentage with one decimal (`0.752` → `75.2%`), or [`MISSING`] when it is
/// absent or not finite (a share of nothing, 0/0).
pub fn pct(v: impl Into<Option<f64>>) -> String {
    match v.into() {
        Some(x) if x.is_finite() => format!("{:.1}%", x * 100.0),
        _ => MISSING.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_figures_print_the_missing_mark() {
        assert_eq!(pct(0.752), "75.2%");
        assert_eq!(pct(Some(1.0)), "100.0%");
        assert_eq!(pct(f64::NAN), "–");
        assert_eq!(pct(Some(f64::INFINITY)), "–");
        assert_eq!(pct(None), "–");
        assert_eq!(num(77.314, 1), "77.3");
        assert_eq!(num(Some(f64::NAN), 2), "–");
        assert_eq!(num(None, 0), "–");
    }
}
