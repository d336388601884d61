//! Key laws: which key a request carries, for caches and shards.

use rand::{Rng as _, RngExt};
use rand_distr::{Distribution, Zipf};

use crate::engine::rng::Rng;
use crate::model::Keys;

/// A key law ready to draw from.
pub enum KeyLaw {
    /// A fresh random 64-bit key per request.
    Distinct,
    /// Uniform on `0..n`.
    Uniform(u64),
    /// Zipf on `1..=n` (rejection-inversion: O(1) per draw, whatever n).
    Zipf(Zipf<f64>),
}

impl KeyLaw {
    /// Compiles `keys` (validated: n ≥ 1, s ≥ 0).
    pub fn new(keys: Keys) -> Self {
        match keys {
            Keys::Distinct => KeyLaw::Distinct,
            Keys::Uniform { n } => KeyLaw::Uniform(u64::from(n)),
            Keys::Zipf { s, n } => {
                KeyLaw::Zipf(Zipf::new(f64::from(n), s).expect("validated Zipf parameters"))
            }
        }
    }

    /// A key.
    pub fn draw(&self, rng: &mut Rng) -> u64 {
        match self {
            KeyLaw::Distinct => rng.next_u64(),
            KeyLaw::Uniform(n) => rng.random_range(0..*n),
            KeyLaw::Zipf(zipf) => zipf.sample(rng) as u64,
        }
    }
}
