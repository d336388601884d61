//! Closed forms of queueing theory: instant estimates for users, and oracles
//! for the tests. Pure functions of numbers or of a `Model`.

mod admission;
mod analysis;
mod che;
mod fanout;
mod formulas;
mod load;
mod network;
mod priority;
mod shards;
mod stations;
mod tree;
mod versus;
mod zipf;

pub use analysis::{Analysis, Network, NodeTheory, Reason, analyze};
pub use che::{che_lru, che_lru_zipf, expected_hit_ratio, zipf_popularity};
pub use fanout::{hedge_delay_s, hedge_mean_s};
pub use formulas::*;
pub use load::{NodeLoad, offered_load, peak_offered_load};
pub use priority::{ByClass, ClassMethod, ClassTheory};
pub use shards::shard_shares;
pub use stations::{CpuLayer, Group, Method, Solved};
pub use versus::{PARTING, Versus, versus};
