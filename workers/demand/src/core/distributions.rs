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
        Self {
            mean,
            p10: count_quantile(mean, alpha, LOWER),
            p50: count_quantile(mean, alpha, 0.5),
            p90: count_quantile(mean, alpha, UPPER),
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
}
