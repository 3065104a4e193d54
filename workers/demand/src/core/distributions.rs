//! Predictive distributions of counts: the negative binomial with a mean and
//! a dispersion α per level (variance `mean + α·mean²`; α = 0 is Poisson), its
//! quantiles, and the fit of α by moments on days already forecast.
//!
//! The median is the point forecast for absolute error (WAPE, MASE): it is
//! what minimises the expected absolute error, where the mean minimises the
//! squared one. Sums (the shop's expected orders, revenue) use the mean.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::core::grid::Grid;
use crate::core::levels::{ALL_HOURS, Levels, visit_levels};
use crate::core::sales::Sales;

/// Lower and upper quantiles of every interval.
pub const LOWER: f64 = 0.1;
pub const UPPER: f64 = 0.9;

/// The dispersion α of each level's predictive distribution (variance =
/// mean + α·mean²); zero everywhere is Poisson.
pub type Dispersion = Levels<f64>;

/// The central probability of each level's intervals: 0.8 is the 10th to
/// the 90th percentile. A model calibrates its own on its validation days
/// ([`calibrate_width`]); counts are whole numbers, so a nominal 80% interval
/// of a small count holds far more than 80% of them.
pub type Widths = Levels<f64>;

/// The nominal 10–90% interval at every level: the baselines', and a model's
/// from before the widths were calibrated.
pub const NOMINAL: Widths = Levels {
    item_day: UPPER - LOWER,
    item_hour: UPPER - LOWER,
    store_day: UPPER - LOWER,
};

/// The share of actuals that calibrated intervals aim to hold.
pub const TARGET_COVERAGE: f64 = UPPER - LOWER;

/// Poisson at every level: what the baselines use, and a model whose
/// validation days could not be fitted.
pub const POISSON: Dispersion = Levels {
    item_day: 0.0,
    item_hour: 0.0,
    store_day: 0.0,
};

/// Sums for fitting α by the method of moments at one level.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct MomentSums {
    /// Σ ((actual − mean)² − mean)
    excess: f64,
    /// Σ mean²
    mean_sq: f64,
}

impl MomentSums {
    /// One cell; cells forecast as zero (closed, or never sold) say nothing about spread.
    pub fn add(&mut self, actual: f64, mean: f64) {
        if mean > 0.0 && mean.is_finite() && actual.is_finite() {
            self.excess += (actual - mean).powi(2) - mean;
            self.mean_sq += mean * mean;
        }
    }

    /// α = Σ((y − μ)² − μ) / Σμ², at least 0 (no spread below Poisson) and at most 10.
    pub fn alpha(&self) -> f64 {
        if self.mean_sq > 0.0 {
            (self.excess / self.mean_sq).clamp(0.0, 10.0)
        } else {
            0.0
        }
    }
}

impl Levels<MomentSums> {
    /// Adds one day of actuals against forecast means.
    pub fn add_day(&mut self, actual: &Grid, mean: &Grid) {
        visit_levels(actual, mean, &ALL_HOURS, |level, a, m| {
            self.get_mut(level).add(a, m);
        });
    }

    /// The fitted dispersion of each level.
    pub fn dispersion(&self) -> Dispersion {
        Levels {
            item_day: self.item_day.alpha(),
            item_hour: self.item_hour.alpha(),
            store_day: self.store_day.alpha(),
        }
    }
}

/// An expected value, the most likely value (median) and the 10th–90th
/// percentile interval, in units.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub mean: f64,
    /// The median: the point forecast when errors are counted in units.
    #[serde(default)]
    pub p50: u32,
    pub p10: u32,
    pub p90: u32,
}

impl Estimate {
    pub fn poisson(mean: f64) -> Self {
        Self::negative_binomial(mean, 0.0)
    }

    /// Quantiles of a negative binomial with this mean and dispersion α
    /// (variance mean + α·mean²; α = 0 is Poisson).
    pub fn negative_binomial(mean: f64, alpha: f64) -> Self {
        Self::negative_binomial_within(mean, alpha, UPPER - LOWER)
    }

    /// Like [`Estimate::negative_binomial`] with a central interval of
    /// probability `width` (0.8: the 10th to the 90th percentile). `p10` and
    /// `p90` then hold its ends, whatever percentiles they are.
    pub fn negative_binomial_within(mean: f64, alpha: f64, width: f64) -> Self {
        let (lower, upper) = interval_quantiles(width);
        Self {
            mean,
            p10: count_quantile(mean, alpha, lower),
            p50: count_quantile(mean, alpha, 0.5),
            p90: count_quantile(mean, alpha, upper),
        }
    }

    /// Whether `units` lies inside the interval (ends included).
    pub fn covers(&self, units: f64) -> bool {
        f64::from(self.p10) <= units && units <= f64::from(self.p90)
    }
}

/// The dispersion per level of a forecaster's errors on `from..=to`, where
/// `means(date)` is its forecast of `date` from the sales before it.
pub fn fit_dispersion<E>(
    sales: &Sales,
    from: NaiveDate,
    to: NaiveDate,
    mut means: impl FnMut(NaiveDate) -> Result<Grid, E>,
) -> Result<Dispersion, E> {
    let mut moments = Levels::<MomentSums>::default();
    let mut date = from;
    while date <= to {
        moments.add_day(&Grid::actual(sales, date), &means(date)?);
        date = date + Days::new(1);
    }
    Ok(moments.dispersion())
}

/// The spread per level of a forecaster's errors on `from..=to`, where
/// `means(date)` is its forecast of `date` from the sales before it: first
/// the dispersion α by moments ([`fit_dispersion`]), then, with that α, the
/// width of the item-day and store-day intervals calibrated to hold
/// [`TARGET_COVERAGE`] of those days' actuals ([`calibrate_width`]).
///
/// Item-hour intervals keep the nominal width: most item-hours sell nothing
/// and a forecast of 0 holds them at any width, so no width brings their
/// coverage near 80%. Owners see item-day and store-day ranges.
pub fn fit_spread<E>(
    sales: &Sales,
    from: NaiveDate,
    to: NaiveDate,
    mut means: impl FnMut(NaiveDate) -> Result<Grid, E>,
) -> Result<(Dispersion, Widths), E> {
    let mut moments = Levels::<MomentSums>::default();
    let mut pairs: Levels<Vec<(f64, f64)>> = Levels::default();
    let mut date = from;
    while date <= to {
        let (actual, mean) = (Grid::actual(sales, date), means(date)?);
        moments.add_day(&actual, &mean);
        visit_levels(&actual, &mean, &[], |level, a, m| {
            pairs.get_mut(level).push((a, m));
        });
        date = date + Days::new(1);
    }
    let alpha = moments.dispersion();
    let widths = Levels {
        item_day: calibrate_width(&pairs.item_day, alpha.item_day, TARGET_COVERAGE),
        item_hour: NOMINAL.item_hour,
        store_day: calibrate_width(&pairs.store_day, alpha.store_day, TARGET_COVERAGE),
    };
    Ok((alpha, widths))
}

/// The lower and upper quantile of a central interval of probability `width`.
pub fn interval_quantiles(width: f64) -> (f64, f64) {
    let w = if width.is_finite() {
        width.clamp(0.0, 1.0)
    } else {
        UPPER - LOWER
    };
    ((1.0 - w) / 2.0, (1.0 + w) / 2.0)
}

/// Whether the central interval of probability `width` of a negative
/// binomial with this mean and `alpha` holds `actual`.
pub fn interval_covers(actual: f64, mean: f64, alpha: f64, width: f64) -> bool {
    let (lower, upper) = interval_quantiles(width);
    f64::from(count_quantile(mean, alpha, lower)) <= actual
        && actual <= f64::from(count_quantile(mean, alpha, upper))
}

/// The share of `(actual, mean)` pairs whose interval of probability `width` holds the actual.
pub fn coverage_at(pairs: &[(f64, f64)], alpha: f64, width: f64) -> f64 {
    let inside = pairs
        .iter()
        .filter(|&&(a, m)| interval_covers(a, m, alpha, width))
        .count();
    inside as f64 / pairs.len().max(1) as f64
}

/// The interval probability at which the intervals of the `(actual, mean)`
/// pairs (negative binomials with dispersion `alpha`) hold the share of
/// actuals closest to `target`.
///
/// Counts are whole numbers, so the nominal 10–90% interval of a small
/// count holds far more than 80% of them (for a Poisson(1.4) it is 0..=3,
/// which holds 95%); widths are searched in [0.02, 0.98], where coverage
/// only grows with the width. With no pairs the nominal 0.8 is kept.
pub fn calibrate_width(pairs: &[(f64, f64)], alpha: f64, target: f64) -> f64 {
    const MIN: f64 = 0.02;
    const MAX: f64 = 0.98;
    if pairs.is_empty() {
        return UPPER - LOWER;
    }
    let cover = |w: f64| coverage_at(pairs, alpha, w);
    if cover(MIN) >= target {
        return MIN;
    }
    if cover(MAX) < target {
        return MAX;
    }
    // cover(lo) < target <= cover(hi)
    let (mut lo, mut hi) = (MIN, MAX);
    for _ in 0..30 {
        let mid = (lo + hi) / 2.0;
        if cover(mid) >= target {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    if (cover(lo) - target).abs() < (cover(hi) - target).abs() {
        lo
    } else {
        hi
    }
}

/// The smallest `k` with P(X ≤ k) ≥ `q` for X negative binomial with this
/// mean and variance `mean + alpha·mean²` (Poisson when `alpha` is 0).
pub fn count_quantile(mean: f64, alpha: f64, q: f64) -> u32 {
    if alpha.is_nan() || alpha <= 0.0 || mean.is_nan() || mean <= 0.0 {
        return poisson_quantile(mean, q);
    }
    let r = 1.0 / alpha;
    // P(0) = (r / (r + μ))^r; P(k+1) = P(k) · (k + r) / (k + 1) · μ / (r + μ).
    let p0 = r * (r / (r + mean)).ln();
    if p0 < -700.0 {
        // P(0) underflows: normal approximation with the same variance.
        let z = normal_quantile(q);
        let sd = (mean + alpha * mean * mean).sqrt();
        return (mean + z * sd + 0.5).floor().max(0.0) as u32;
    }
    let ratio = mean / (r + mean);
    let mut p = p0.exp();
    let mut cdf = p;
    let mut k = 0u32;
    while cdf < q && k < 100_000 {
        p *= (f64::from(k) + r) / f64::from(k + 1) * ratio;
        k += 1;
        cdf += p;
    }
    k
}

/// The smallest `k` with P(X ≤ k) ≥ `q` for X ~ Poisson(`mean`).
pub fn poisson_quantile(mean: f64, q: f64) -> u32 {
    if mean.is_nan() || mean <= 0.0 {
        return 0;
    }
    if mean > 500.0 {
        // exp(-mean) underflows; the normal approximation is excellent here.
        let z = normal_quantile(q);
        return (mean + z * mean.sqrt() + 0.5).floor().max(0.0) as u32;
    }
    let mut p = (-mean).exp();
    let mut cdf = p;
    let mut k = 0u32;
    while cdf < q && k < 10_000 {
        k += 1;
        p *= mean / f64::from(k);
        cdf += p;
    }
    k
}

/// Standard normal quantile for the two levels used here (and a rough
/// rational approximation otherwise, Abramowitz–Stegun 26.2.23).
fn normal_quantile(q: f64) -> f64 {
    let (p, sign) = if q < 0.5 { (q, -1.0) } else { (1.0 - q, 1.0) };
    let t = (-2.0 * p.ln()).sqrt();
    let z = t
        - (2.515_517 + 0.802_853 * t + 0.010_328 * t * t)
            / (1.0 + 1.432_788 * t + 0.189_269 * t * t + 0.001_308 * t * t * t);
    sign * z
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poisson_quantiles_match_tables() {
        // Poisson(1): P(0)=0.368, P(≤1)=0.736, P(≤2)=0.920.
        assert_eq!(poisson_quantile(1.0, 0.1), 0);
        assert_eq!(poisson_quantile(1.0, 0.9), 2);
        // Poisson(10): P(≤5)=0.067, P(≤6)=0.130; P(≤13)=0.864, P(≤14)=0.917.
        assert_eq!(poisson_quantile(10.0, 0.1), 6);
        assert_eq!(poisson_quantile(10.0, 0.9), 14);
        assert_eq!(poisson_quantile(0.0, 0.9), 0);
        // Large means: mean ± 1.2816 sd.
        assert_eq!(poisson_quantile(10_000.0, 0.9), 10_128);
        assert_eq!(poisson_quantile(10_000.0, 0.1), 9_872);
    }

    #[test]
    fn negative_binomial_quantiles_match_tables() {
        // α = 1, mean 2: geometric with p = 1/3, P(k) = (1/3)(2/3)^k:
        // P(≤0) = 0.333, P(≤1) = 0.556, P(≤4) = 0.868, P(≤5) = 0.912.
        assert_eq!(count_quantile(2.0, 1.0, 0.1), 0);
        assert_eq!(count_quantile(2.0, 1.0, 0.5), 1);
        assert_eq!(count_quantile(2.0, 1.0, 0.9), 5);
        // α = 0 is Poisson; Poisson(2) has P(≤3) = 0.857, P(≤4) = 0.947.
        assert_eq!(count_quantile(2.0, 0.0, 0.9), 4);
        // Tiny α is nearly Poisson; a huge mean takes the normal branch.
        assert_eq!(count_quantile(10.0, 1e-9, 0.9), 14);
        let big = count_quantile(1e6, 0.01, 0.9);
        let sd = (1e6_f64 + 0.01 * 1e12).sqrt();
        let normal = 1e6 + 1.2816 * sd;
        assert!((f64::from(big) - normal).abs() < 0.001 * normal, "{big}");
        assert_eq!(count_quantile(0.0, 1.0, 0.9), 0);
    }

    #[test]
    fn dispersion_is_fitted_by_moments() {
        let mut m = MomentSums::default();
        // Poisson-like spread (squared error = mean) gives 0, never below.
        m.add(3.0, 2.0);
        m.add(1.0, 2.0);
        m.add(5.0, 0.0); // a zero forecast is ignored
        assert!(m.alpha().abs() < 1e-12, "{}", m.alpha());
        // An error of 4 on a mean of 2 adds 16 − 2 to the excess and 4 to Σμ²,
        // pooled with the two cells above.
        m.add(6.0, 2.0);
        let expected = ((1.0 - 2.0) + (1.0 - 2.0) + (16.0 - 2.0)) / 12.0;
        assert!((m.alpha() - expected).abs() < 1e-12, "{}", m.alpha());
        assert_eq!(MomentSums::default().alpha(), 0.0);
    }

    #[test]
    fn dispersion_is_fitted_on_the_days_asked_for() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        let sales = Sales::from_local([
            ("a", d("2015-01-01"), 12, 2),
            ("a", d("2015-01-02"), 12, 9),
            ("a", d("2015-01-03"), 12, 1),
        ])
        .expect("non-empty");
        let exact = |date| Ok::<_, ()>(Grid::actual(&sales, date));
        let fitted = fit_dispersion(&sales, d("2015-01-01"), d("2015-01-03"), exact);
        assert_eq!(fitted, Ok(POISSON), "no error, no spread beyond Poisson");
        // A flat forecast of 4 a day: excess Σ((y − 4)² − 4) = 0 + 21 + 5 = 26 over Σ 4² = 48.
        let flat = |_| {
            let mut g = Grid::zeros(1);
            g.cells[0][12] = 4.0;
            Ok::<_, ()>(g)
        };
        let fitted = fit_dispersion(&sales, d("2015-01-01"), d("2015-01-03"), flat).expect("fits");
        assert!((fitted.item_hour - 26.0 / 48.0).abs() < 1e-12, "{fitted:?}");
        assert_eq!(fitted.item_hour, fitted.store_day, "one item, one hour");
        // Only the days asked for: the 9 of 2 January alone.
        let one = fit_dispersion(&sales, d("2015-01-02"), d("2015-01-02"), flat).expect("fits");
        assert!((one.item_day - 21.0 / 16.0).abs() < 1e-12, "{one:?}");
    }

    /// Actuals that follow a Poisson(`mean`) exactly in proportion: `n`
    /// pairs whose actuals are the distribution's quantiles at (k + 0.5) / n.
    fn poisson_pairs(mean: f64, n: usize) -> Vec<(f64, f64)> {
        (0..n)
            .map(|k| {
                let q = (k as f64 + 0.5) / n as f64;
                (f64::from(poisson_quantile(mean, q)), mean)
            })
            .collect()
    }

    #[test]
    fn nominal_intervals_of_small_counts_hold_far_more_than_80_percent() {
        // Poisson(1.4): 0..=3 holds P(≤3) = 0.946.
        let pairs = poisson_pairs(1.4, 1000);
        let nominal = coverage_at(&pairs, 0.0, 0.8);
        assert!((nominal - 0.946).abs() < 0.002, "{nominal}");
        let (lower, upper) = interval_quantiles(0.8);
        assert!((lower - LOWER).abs() < 1e-12 && (upper - UPPER).abs() < 1e-12);
    }

    #[test]
    fn calibrated_widths_hold_the_target_share_on_the_pairs_they_were_fitted_on() {
        // A mix of means, as item-days are: the coverage can get near 80%.
        let mut pairs = Vec::new();
        for mean in [0.3, 0.8, 1.4, 2.5, 4.0, 7.0] {
            pairs.extend(poisson_pairs(mean, 400));
        }
        let w = calibrate_width(&pairs, 0.0, 0.8);
        let c = coverage_at(&pairs, 0.0, w);
        assert!((0.78..=0.82).contains(&c), "width {w} holds {c}");
        assert!(w < 0.8, "narrower than nominal: {w}");
        // Too much spread assumed (α = 1 on Poisson data) makes it narrower
        // still; actuals more spread than Poisson make it wider.
        let wide_alpha = calibrate_width(&pairs, 1.0, 0.8);
        assert!(wide_alpha < w, "{wide_alpha} vs {w}");
        let c = coverage_at(&pairs, 1.0, wide_alpha);
        assert!((0.78..=0.82).contains(&c), "{c}");
        let spread: Vec<(f64, f64)> = pairs.iter().map(|&(a, m)| (3.0 * a, m)).collect();
        assert!(calibrate_width(&spread, 0.0, 0.8) > w);
    }

    #[test]
    fn calibration_stays_inside_its_bounds() {
        // Every actual far above its forecast: no width holds 80%.
        let far: Vec<(f64, f64)> = (0..50).map(|_| (100.0, 1.0)).collect();
        assert_eq!(calibrate_width(&far, 0.0, 0.8), 0.98);
        // Every actual exactly the median of a large count: the narrowest width does.
        let exact: Vec<(f64, f64)> = (0..50).map(|_| (1000.0, 1000.0)).collect();
        assert_eq!(calibrate_width(&exact, 0.0, 0.8), 0.02);
        assert_eq!(calibrate_width(&[], 0.0, 0.8), 0.8);
    }

    #[test]
    fn the_spread_is_fitted_and_calibrated_on_the_days_asked_for() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("valid");
        // 20 days of one item at noon, selling 0..=9 in turn: a flat forecast
        // of 4.5 has 10 store-days in 0..=9 per cycle.
        let records: Vec<_> = (0..20u32)
            .map(|k| ("a", d("2015-01-01") + Days::new(u64::from(k)), 12, k % 10))
            .collect();
        let sales = Sales::from_local(records).expect("non-empty");
        let flat = |_| {
            let mut g = Grid::zeros(1);
            g.cells[0][12] = 4.5;
            Ok::<_, ()>(g)
        };
        let (alpha, width) =
            fit_spread(&sales, d("2015-01-01"), d("2015-01-20"), flat).expect("fits");
        assert!(alpha.store_day > 0.0, "more spread than Poisson: {alpha:?}");
        assert_eq!(
            width.item_hour, NOMINAL.item_hour,
            "item-hours are not calibrated"
        );
        let days: Vec<(f64, f64)> = (0..20).map(|k| (f64::from(k % 10), 4.5)).collect();
        let held = coverage_at(&days, alpha.store_day, width.store_day);
        assert!(
            (held - 0.8).abs() < 0.051,
            "{held} at width {}",
            width.store_day
        );
    }
}
