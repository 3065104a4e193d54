//! The burn network: an item embedding beside the numeric features, an MLP, and a log-rate output.

use burn::nn::{Embedding, EmbeddingConfig, Initializer, Linear, LinearConfig, Relu};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

use crate::core::choice::{self, UnknownName};

/// The shape of the network; stored in the model's metadata so it can be rebuilt before loading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetShape {
    pub items: usize,
    pub features: usize,
    pub embedding: usize,
    pub hidden: usize,
}

/// `log rate = offset + MLP([features, embedding(item)])`.
#[derive(Module, Debug)]
pub struct DemandNet {
    embed: Embedding,
    hidden1: Linear,
    hidden2: Linear,
    out: Linear,
    act: Relu,
}

impl DemandNet {
    pub fn new(shape: &NetShape, device: &Device) -> Self {
        let h2 = (shape.hidden / 2).max(1);
        Self {
            // Small vectors: the item's identity should start as a nudge, not as noise
            // that swamps the count features.
            embed: EmbeddingConfig::new(shape.items.max(1), shape.embedding)
                .with_initializer(Initializer::Normal {
                    mean: 0.0,
                    std: 0.1,
                })
                .init(device),
            hidden1: LinearConfig::new(shape.features + shape.embedding, shape.hidden).init(device),
            hidden2: LinearConfig::new(shape.hidden, h2).init(device),
            // Zero output: an untrained network predicts exactly the offset (the
            // long-run item-hour rate), a sane forecast from the first step.
            out: LinearConfig::new(h2, 1)
                .with_initializer(Initializer::Zeros)
                .init(device),
            act: Relu::new(),
        }
    }

    /// `items`: `[batch]` item indices; `x`: `[batch, features]`; `offset`: `[batch, 1]`.
    /// Returns the log of the expected units, `[batch, 1]`.
    pub fn forward(&self, items: Tensor<1, Int>, x: Tensor<2>, offset: Tensor<2>) -> Tensor<2> {
        let [batch] = items.dims();
        let e = self.embed.forward(items.reshape([batch, 1]));
        let [_, _, d] = e.dims();
        let input = Tensor::cat(vec![x, e.reshape([batch, d])], 1);
        let h = self.act.forward(self.hidden1.forward(input));
        let h = self.act.forward(self.hidden2.forward(h));
        self.out.forward(h) + offset
    }
}

/// Several networks trained alike from different seeds; the forecast is the
/// mean of their rates. Sales here are mostly noise around a steady mean, and
/// one network's answer moves with its seed by about 2% WAPE: averaging a few
/// cuts that spread at a few seconds each.
#[derive(Module, Debug)]
pub struct Ensemble {
    pub members: Vec<DemandNet>,
}

impl Ensemble {
    pub fn new(shape: &NetShape, members: usize, device: &Device) -> Self {
        Self {
            members: (0..members)
                .map(|_| DemandNet::new(shape, device))
                .collect(),
        }
    }
}

/// What the network is trained to minimise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Poisson negative log-likelihood of the counts given the log-rate
    /// (`exp(z) - y·z`): fits the mean of counts directly.
    Poisson,
    /// Squared error between `z` and `ln(1 + y)`: the prediction `exp(z) - 1`
    /// is closer to a geometric mean, i.e. below the mean for skewed counts.
    MseLog1p,
}

impl Loss {
    /// Mean loss of a batch: `z` the network output, `y` the counts, both `[batch, 1]`.
    pub fn forward(self, z: Tensor<2>, y: Tensor<2>) -> Tensor<1> {
        match self {
            Self::Poisson => (z.clone().exp() - y * z).mean(),
            Self::MseLog1p => {
                let d = z - (y + 1.0).log();
                (d.clone() * d).mean()
            }
        }
    }

    /// The output `z` whose expected units are `mean` (inverse of [`Loss::mean_of`]).
    pub fn output_of(self, mean: f64) -> f64 {
        match self {
            Self::Poisson => mean.max(1e-12).ln(),
            Self::MseLog1p => mean.ln_1p(),
        }
    }

    /// The expected units for an output `z`.
    pub fn mean_of(self, z: f32) -> f64 {
        let z = f64::from(z);
        match self {
            Self::Poisson => z.exp(),
            Self::MseLog1p => z.exp_m1().max(0.0),
        }
    }
}

/// The CPU backend that runs the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Backend {
    /// burn's pure-Rust CPU backend (the successor of ndarray, which was
    /// twice as slow here and is no longer built: docs/performance.md).
    Flex,
}

impl Backend {
    /// A device without autodiff, for inference.
    pub fn device(self) -> Device {
        match self {
            Self::Flex => Device::flex(),
        }
    }
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Self::Flex => "flex",
        }
    }
}

impl std::str::FromStr for Backend {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        choice::parse(
            s,
            &[Self::Flex],
            Self::name,
            "backend",
            "the only one built is flex",
        )
    }
}

impl Loss {
    pub fn name(self) -> &'static str {
        match self {
            Self::Poisson => "poisson",
            Self::MseLog1p => "mse_log1p",
        }
    }
}

impl std::str::FromStr for Loss {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        choice::parse(
            s,
            &[Self::Poisson, Self::MseLog1p],
            Self::name,
            "loss",
            "poisson or mse_log1p",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_unknown_ones_list_the_choices() {
        for loss in [Loss::Poisson, Loss::MseLog1p] {
            assert_eq!(loss.name().parse::<Loss>(), Ok(loss));
            let json = serde_json::to_string(&loss).expect("serialises");
            assert_eq!(json, format!("\"{}\"", loss.name()), "the config's name");
        }
        assert_eq!("flex".parse::<Backend>(), Ok(Backend::Flex));
        let err = "ndarray".parse::<Backend>().expect_err("not built");
        assert_eq!(
            err.to_string(),
            "unknown backend `ndarray` (the only one built is flex)"
        );
        let err = "mse".parse::<Loss>().expect_err("not a loss");
        assert_eq!(err.to_string(), "unknown loss `mse` (poisson or mse_log1p)");
    }
}
