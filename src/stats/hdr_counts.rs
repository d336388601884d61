//! Counts in the bucket layout of an `hdrhistogram::Histogram` at 3
//! significant digits and a lowest discernible value of 1, recorded in a
//! few instructions and handed to the crate when a figure is read.
//!
//! Why not record into the crate's histogram directly: its `record` is
//! general (auto-resize, clamping, min/max and total upkeep behind
//! `Option`s) and cost about 67 instructions per value (cachegrind,
//! BENCHMARKS.md "Issue 18"), three times per request of a one-node model.
//! Here a value costs a shift, a `leading_zeros` and an add; the crate
//! still does everything else (quantiles, merging, the JSON pairs), from
//! the same counts in the same buckets, so every figure is unchanged.
//!
//! The layout (hdrhistogram 7.6 `index_for` and `value_for`, lib.rs): with
//! 3 digits there are 2048 sub-buckets (the power of two above 2·10³), so
//! values below 2048 have their own count, and each doubling above adds a
//! bucket of 1024 sub-buckets of width 2^b.

use hdrhistogram::Histogram;

/// log2 of the sub-bucket count at 3 significant digits (2048 ≥ 2000).
const SUB_BUCKET_BITS: u32 = 11;
const HALF_BITS: u32 = SUB_BUCKET_BITS - 1;
const HALF: usize = 1 << HALF_BITS;
const SUB_BUCKET_MASK: u64 = (1 << SUB_BUCKET_BITS) - 1;

/// Counts by hdrhistogram index.
#[derive(Clone, Debug, Default)]
pub struct HdrCounts {
    counts: Vec<u64>,
}

/// hdrhistogram's bucket of `value` (`bucket_for`): the doublings above 2048.
#[inline(always)]
fn bucket_of(value: u64) -> u32 {
    (u64::BITS - SUB_BUCKET_BITS) - (value | SUB_BUCKET_MASK).leading_zeros()
}

/// hdrhistogram's counts index of `value` (`index_for`).
#[inline(always)]
fn index_of(value: u64) -> usize {
    let bucket = bucket_of(value);
    (((bucket + 1) as usize) << HALF_BITS) + (value >> bucket) as usize - HALF
}

/// The lowest value counted at `index` (`value_for`).
fn value_at(index: usize) -> u64 {
    let sub = (index & (HALF - 1)) + HALF;
    match (index >> HALF_BITS).checked_sub(1) {
        Some(bucket) => (sub as u64) << bucket,
        None => (sub - HALF) as u64,
    }
}

impl HdrCounts {
    /// Counts `value` once.
    #[inline]
    pub fn record(&mut self, value: u64) {
        let index = index_of(value);
        if index >= self.counts.len() {
            self.grow(value);
        }
        self.counts[index] += 1;
    }

    /// Room to the end of `value`'s bucket: allocations follow the largest
    /// value's doublings, not the values.
    #[cold]
    fn grow(&mut self, value: u64) {
        let end = ((bucket_of(value) + 2) as usize) << HALF_BITS;
        self.counts.resize(end, 0);
    }

    /// The crate's histogram of the same values (each count given at its
    /// bucket's lowest value, which lands in the same bucket).
    pub fn histogram(&self) -> Histogram<u64> {
        let mut histogram = Histogram::new(3).expect("3 significant digits is a valid precision");
        for (index, &count) in self.counts.iter().enumerate() {
            if count > 0 {
                let value = value_at(index);
                if histogram.record_n(value, count).is_err() {
                    histogram.saturating_record_n(value, count);
                }
            }
        }
        histogram
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// The same values recorded here and straight into the crate give the
    /// same buckets, counts, quantiles, extremes and mean.
    #[test]
    fn matches_the_crates_histogram() {
        let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(7);
        let mut ours = HdrCounts::default();
        let mut theirs = Histogram::<u64>::new(3).unwrap();
        let mut values: Vec<u64> = vec![0, 1, 2047, 2048, 2049, 4095, 4096, u64::MAX >> 2];
        for _ in 0..20_000 {
            let bits = rng.random_range(1..40);
            values.push(rng.random_range(0..1u64 << bits));
        }
        for &value in &values {
            ours.record(value);
            theirs.record(value).unwrap();
        }
        let ours = ours.histogram();
        let pairs = |h: &Histogram<u64>| {
            (h.iter_recorded())
                .map(|v| (v.value_iterated_to(), v.count_at_value()))
                .collect::<Vec<_>>()
        };
        assert_eq!(pairs(&ours), pairs(&theirs));
        assert_eq!(ours.len(), theirs.len());
        assert_eq!((ours.min(), ours.max()), (theirs.min(), theirs.max()));
        for q in [0.0, 0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(ours.value_at_quantile(q), theirs.value_at_quantile(q));
        }
        assert_eq!(ours.mean(), theirs.mean());
    }

    #[test]
    fn a_buckets_lowest_value_maps_back_to_its_index() {
        for bucket in 0..50u32 {
            for sub in [HALF as u64, HALF as u64 + 1, 2 * HALF as u64 - 1] {
                let value = sub << bucket;
                assert_eq!(value_at(index_of(value)), value, "bucket {bucket}");
            }
        }
        for value in 0..2 * HALF as u64 {
            assert_eq!(value_at(index_of(value)), value);
        }
    }
}
