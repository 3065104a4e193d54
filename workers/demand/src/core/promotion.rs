//! Whether a newly trained model may serve forecasts, or which baseline serves instead, and why.

use serde::{Deserialize, Serialize};

use crate::core::predictor::Predictor;
use crate::core::scoring::ByPredictor;

/// A decision with the sentence that explains it in the owners' summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Decision {
    /// What serves the owners' forecasts.
    pub serve: Predictor,
    pub reason: String,
}

/// Promotes the model only if its validation item-day WAPE is strictly lower
/// than both baselines'. Any score that is not a number (nothing sold in the
/// validation days) refuses the model: no evidence, no promotion.
pub fn decide(item_day: &ByPredictor) -> Decision {
    let (m, s, a) = (
        item_day.model.wape,
        item_day.seasonal_naive.wape,
        item_day.mean_28d.wape,
    );
    let pct = |x: f64| x * 100.0;
    // The better baseline; ties (and an unscorable seasonal naive) go to the
    // 28-day mean, the steadier of the two.
    let (baseline, b, b_name) = if s < a {
        (Predictor::SeasonalNaive, s, "last week's sales")
    } else {
        (Predictor::Mean28, a, "the 28-day average")
    };
    if m < s && m < a {
        return Decision {
            serve: Predictor::Model,
            reason: format!(
                "Forecasts use the trained model: over the last weeks of its data it was off by {:.1}% of units per item and day, against {:.1}% for {b_name}.",
                pct(m),
                pct(b)
            ),
        };
    }
    let why = if m.is_finite() {
        format!("the trained model was off by {:.1}%, no better", pct(m))
    } else {
        "the trained model could not be scored".to_owned()
    };
    Decision {
        serve: baseline,
        reason: format!(
            "Forecasts use {b_name}: over the last weeks it was off by {:.1}% of units per item and day; {why}.",
            pct(b)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::scoring::Score;

    fn scores(model: f64, naive: f64, mean: f64) -> ByPredictor {
        let s = |wape| Score { wape, mase: 1.0 };
        ByPredictor {
            model: s(model),
            seasonal_naive: s(naive),
            mean_28d: s(mean),
        }
    }

    #[test]
    fn promotes_a_model_better_than_both_baselines() {
        let d = decide(&scores(0.60, 0.90, 0.70));
        assert_eq!(d.serve, Predictor::Model);
        assert!(
            d.reason.contains("60.0%") && d.reason.contains("70.0%"),
            "{}",
            d.reason
        );
    }

    #[test]
    fn refuses_a_model_worse_than_a_baseline() {
        let d = decide(&scores(0.75, 0.90, 0.70));
        assert_eq!(d.serve, Predictor::Mean28);
        assert!(
            d.reason.contains("28-day average") && d.reason.contains("75.0%"),
            "{}",
            d.reason
        );
        let d = decide(&scores(0.75, 0.72, 0.80));
        assert_eq!(d.serve, Predictor::SeasonalNaive);
        assert!(d.reason.contains("last week"), "{}", d.reason);
    }

    #[test]
    fn a_tie_is_not_good_enough_and_nan_never_wins() {
        assert_eq!(decide(&scores(0.70, 0.90, 0.70)).serve, Predictor::Mean28);
        assert_eq!(
            decide(&scores(f64::NAN, 0.90, 0.70)).serve,
            Predictor::Mean28
        );
        assert_eq!(
            decide(&scores(0.5, f64::NAN, 0.70)).serve,
            Predictor::Mean28
        );
        let d = decide(&scores(f64::NAN, f64::NAN, f64::NAN));
        assert_eq!(d.serve, Predictor::Mean28);
        assert!(d.reason.contains("could not be scored"), "{}", d.reason);
    }
}
