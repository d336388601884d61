//! An index of a pool's instance slots by a key (its load, or whether it
//! has a free worker): the first slot at or after a start, going round,
//! whose key is the least (or at most a bound), in O(log n) where a scan
//! takes O(n). It is what keeps `least_connections` and the shared queue's
//! choice of a consumer flat in the number of instances.
//!
//! A segment tree over slots: leaf `size + i` holds slot i's key, each
//! inner node the least key below it. Slots beyond those set, and slots
//! that take no work, hold [`ABSENT`].

/// The key of a slot that takes no work: never the least while any slot does.
pub const ABSENT: u32 = u32::MAX;

/// Keys per slot, with their minima over ranges of slots.
#[derive(Debug, Clone)]
pub struct SlotIndex {
    /// Leaves: a power of two, at least one.
    size: usize,
    /// `tree[1]` is the root, `tree[size + i]` slot i's key.
    tree: Vec<u32>,
}

impl SlotIndex {
    /// Room for `slots` slots, every key [`ABSENT`].
    pub fn new(slots: usize) -> Self {
        let size = slots.max(1).next_power_of_two();
        SlotIndex {
            size,
            tree: vec![ABSENT; 2 * size],
        }
    }

    /// Sets slot `slot`'s key, growing the index if the slot is beyond it.
    #[inline]
    pub fn set(&mut self, slot: u32, key: u32) {
        let slot = slot as usize;
        if slot >= self.size {
            self.grow(slot + 1);
        }
        let mut node = self.size + slot;
        if self.tree[node] == key {
            return;
        }
        self.tree[node] = key;
        // Up to the first ancestor whose least key does not change: the
        // ones above it do not change either.
        while node > 1 {
            node /= 2;
            let least = self.tree[2 * node].min(self.tree[2 * node + 1]);
            if self.tree[node] == least {
                break;
            }
            self.tree[node] = least;
        }
    }

    /// Room for at least `slots` slots, keys kept (amortised: the size doubles).
    fn grow(&mut self, slots: usize) {
        let mut grown = SlotIndex::new(slots.max(2 * self.size));
        let leaves = &self.tree[self.size..];
        grown.tree[grown.size..grown.size + self.size].copy_from_slice(leaves);
        for node in (1..grown.size).rev() {
            grown.tree[node] = grown.tree[2 * node].min(grown.tree[2 * node + 1]);
        }
        *self = grown;
    }

    /// The least key of any slot ([`ABSENT`] if none is set).
    #[inline]
    pub fn least(&self) -> u32 {
        self.tree[1]
    }

    /// The first slot at or after `start`, going round past the last slot
    /// to slot 0, whose key is at most `bound`; none if no key is.
    #[inline]
    pub fn first_at_most_from(&self, start: u32, bound: u32) -> Option<u32> {
        self.first_at_most(start as usize, bound)
            .or_else(|| self.first_at_most(0, bound))
    }

    /// The first slot at or after `start` (no going round) whose key is at
    /// most `bound`.
    fn first_at_most(&self, start: usize, bound: u32) -> Option<u32> {
        if start >= self.size {
            return None;
        }
        let mut node = self.size + start;
        if self.tree[node] > bound {
            // Climb while the node is a right child (nothing after it
            // below its parent), then step to the right sibling; stop at
            // the first subtree holding a key within the bound.
            loop {
                while node % 2 == 1 {
                    node /= 2;
                }
                if node == 0 {
                    return None;
                }
                node += 1;
                if self.tree[node] <= bound {
                    break;
                }
            }
            // Down to its first leaf within the bound.
            while node < self.size {
                node *= 2;
                if self.tree[node] > bound {
                    node += 1;
                }
            }
        }
        Some((node - self.size) as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;
    use rand::RngExt;

    /// The scan the index replaces: the first slot from `start`, going
    /// round, with a key at most `bound`.
    fn scan(keys: &[u32], start: usize, bound: u32) -> Option<u32> {
        let n = keys.len();
        (0..n)
            .map(|k| (start + k) % n)
            .find(|&i| keys[i] <= bound)
            .map(|i| i as u32)
    }

    #[test]
    fn finds_what_a_scan_finds_as_keys_change_and_slots_grow() {
        let mut rng = stream(3, 0, "slot-index");
        let mut keys: Vec<u32> = Vec::new();
        let mut index = SlotIndex::new(0);
        for step in 0..20_000 {
            // Slots are added now and then (launches), keys move by small
            // steps (loads) or come and go (rotation).
            if keys.is_empty() || rng.random_range(0..50) == 0 {
                keys.push(ABSENT);
            }
            let slot = rng.random_range(0..keys.len());
            keys[slot] = match rng.random_range(0..10) {
                0 => ABSENT,
                1..=4 => keys[slot].wrapping_add(1).min(6),
                _ => keys[slot].saturating_sub(1),
            };
            index.set(slot as u32, keys[slot]);
            let least = keys.iter().copied().min().unwrap_or(ABSENT);
            assert_eq!(index.least(), least, "step {step}");
            let start = rng.random_range(0..keys.len());
            for bound in [0, least, 3] {
                assert_eq!(
                    index.first_at_most_from(start as u32, bound),
                    scan(&keys, start, bound),
                    "step {step}, start {start}, bound {bound}, keys {keys:?}"
                );
            }
        }
        assert!(keys.len() > 300, "the index grew several times");
    }

    #[test]
    fn nothing_is_found_when_every_key_is_absent() {
        let mut index = SlotIndex::new(5);
        assert_eq!(index.first_at_most_from(3, ABSENT - 1), None);
        index.set(4, 2);
        assert_eq!(index.first_at_most_from(0, 2), Some(4));
        assert_eq!(index.first_at_most_from(4, 1), None);
        index.set(1, 2);
        assert_eq!(index.first_at_most_from(2, 2), Some(4));
        assert_eq!(index.first_at_most_from(5, 2), Some(1), "goes round");
    }
}
