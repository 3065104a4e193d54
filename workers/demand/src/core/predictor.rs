//! Which predictor: the trained model or one of the two baselines it must beat.
//! The one name for it in reports, promotion, stored runs and forecasts.

use serde::{Deserialize, Serialize};

use crate::core::choice::{self, UnknownName};

/// What produces a forecast's hourly means.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Predictor {
    /// The trained ensemble.
    #[serde(rename = "model")]
    Model,
    /// The same item, hour and weekday one week before.
    #[serde(rename = "seasonal_naive")]
    SeasonalNaive,
    /// The item-hour's mean over the last 28 days.
    #[serde(rename = "mean_28d")]
    Mean28,
}

impl Predictor {
    /// Every predictor, the model first.
    pub const ALL: [Self; 3] = [Self::Model, Self::SeasonalNaive, Self::Mean28];

    /// The name in reports, metrics, the database and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::SeasonalNaive => "seasonal_naive",
            Self::Mean28 => "mean_28d",
        }
    }

    /// The name in a report's table, for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Model => "model",
            Self::SeasonalNaive => "seasonal naive",
            Self::Mean28 => "28-day mean",
        }
    }
}

impl std::fmt::Display for Predictor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Predictor {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        choice::parse(
            s,
            &Self::ALL,
            Self::name,
            "predictor",
            "model, seasonal_naive or mean_28d",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_name_for_text_json_and_display() {
        for p in Predictor::ALL {
            assert_eq!(p.name().parse::<Predictor>(), Ok(p));
            assert_eq!(p.to_string(), p.name());
            let json = serde_json::to_string(&p).expect("serialises");
            assert_eq!(json, format!("\"{}\"", p.name()));
            assert_eq!(serde_json::from_str::<Predictor>(&json).expect("reads"), p);
        }
        let err = "mean28".parse::<Predictor>().expect_err("not a name");
        assert_eq!(
            err.to_string(),
            "unknown predictor `mean28` (model, seasonal_naive or mean_28d)"
        );
    }
}
