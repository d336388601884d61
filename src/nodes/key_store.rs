//! A cache that stores keys: a hash map from key to slot, and the slots in
//! a doubly linked list by recency (LRU) or by age (FIFO); random eviction
//! picks a slot at random. Every operation is O(1); memory is O(capacity),
//! allocated once.

use std::collections::HashMap;

use rand::RngExt;

use crate::engine::rng::Rng;
use crate::model::EvictionPolicy;

const NONE: u32 = u32::MAX;

/// The keys a cache holds.
#[derive(Debug)]
pub struct KeyStore {
    slots: HashMap<u64, u32>,
    keys: Vec<u64>,
    stored_ns: Vec<u64>,
    prev: Vec<u32>,
    next: Vec<u32>,
    /// Most recent (LRU) or newest (FIFO).
    head: u32,
    /// The next to evict (LRU, FIFO).
    tail: u32,
    capacity: u32,
    policy: EvictionPolicy,
    ttl_ns: Option<u64>,
}

impl KeyStore {
    /// An empty store of `capacity` keys.
    pub fn new(capacity: u32, policy: EvictionPolicy, ttl_s: Option<f64>) -> Self {
        let n = capacity as usize;
        KeyStore {
            slots: HashMap::with_capacity(n),
            keys: Vec::with_capacity(n),
            stored_ns: Vec::with_capacity(n),
            prev: Vec::with_capacity(n),
            next: Vec::with_capacity(n),
            head: NONE,
            tail: NONE,
            capacity,
            policy,
            ttl_ns: ttl_s.map(|s| (s * 1e9).round() as u64),
        }
    }

    /// Looks `key` up at `now_ns`: true on a hit. A miss stores the key
    /// (evicting one if full); an expired key is a miss and is stored anew.
    pub fn lookup(&mut self, key: u64, now_ns: u64, rng: &mut Rng) -> bool {
        if let Some(&slot) = self.slots.get(&key) {
            let s = slot as usize;
            let expired = self
                .ttl_ns
                .is_some_and(|ttl| now_ns.saturating_sub(self.stored_ns[s]) >= ttl);
            if expired {
                self.stored_ns[s] = now_ns;
            }
            // LRU moves a hit to the front; FIFO only a re-stored key.
            if self.policy == EvictionPolicy::Lru || expired {
                self.unlink(slot);
                self.push_front(slot);
            }
            return !expired;
        }
        let slot = if (self.keys.len() as u32) < self.capacity {
            self.keys.push(key);
            self.stored_ns.push(now_ns);
            self.prev.push(NONE);
            self.next.push(NONE);
            (self.keys.len() - 1) as u32
        } else {
            let victim = match self.policy {
                EvictionPolicy::Lru | EvictionPolicy::Fifo => self.tail,
                EvictionPolicy::Random => rng.random_range(0..self.capacity),
            };
            self.slots.remove(&self.keys[victim as usize]);
            self.unlink(victim);
            self.keys[victim as usize] = key;
            self.stored_ns[victim as usize] = now_ns;
            victim
        };
        self.slots.insert(key, slot);
        self.push_front(slot);
        false
    }

    /// Keys held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    fn unlink(&mut self, slot: u32) {
        let (p, n) = (self.prev[slot as usize], self.next[slot as usize]);
        if p == NONE {
            self.head = n;
        } else {
            self.next[p as usize] = n;
        }
        if n == NONE {
            self.tail = p;
        } else {
            self.prev[n as usize] = p;
        }
    }

    fn push_front(&mut self, slot: u32) {
        self.prev[slot as usize] = NONE;
        self.next[slot as usize] = self.head;
        if self.head == NONE {
            self.tail = slot;
        } else {
            self.prev[self.head as usize] = slot;
        }
        self.head = slot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng::stream;

    fn run(policy: EvictionPolicy, keys: &[u64]) -> Vec<bool> {
        let mut store = KeyStore::new(2, policy, None);
        let mut rng = stream(1, 0, "cache");
        keys.iter().map(|&k| store.lookup(k, 0, &mut rng)).collect()
    }

    #[test]
    fn lru_keeps_the_recently_used_and_fifo_the_recently_stored() {
        // 1, 2 stored; 1 hit (LRU: 1 now recent); 3 evicts 2 (LRU) or 1 (FIFO).
        let keys = [1, 2, 1, 3, 1, 2];
        assert_eq!(
            run(EvictionPolicy::Lru, &keys),
            [false, false, true, false, true, false]
        );
        assert_eq!(
            run(EvictionPolicy::Fifo, &keys),
            [false, false, true, false, false, false]
        );
    }

    #[test]
    fn entries_expire_after_their_ttl() {
        let mut store = KeyStore::new(10, EvictionPolicy::Lru, Some(1.0));
        let mut rng = stream(1, 0, "cache");
        assert!(!store.lookup(7, 0, &mut rng));
        assert!(store.lookup(7, 999_999_999, &mut rng));
        assert!(!store.lookup(7, 1_000_000_000, &mut rng), "expired at 1 s");
        assert!(store.lookup(7, 1_500_000_000, &mut rng), "stored anew");
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn random_eviction_keeps_the_capacity() {
        let mut store = KeyStore::new(100, EvictionPolicy::Random, None);
        let mut rng = stream(1, 0, "cache");
        for k in 0..10_000 {
            store.lookup(k, 0, &mut rng);
        }
        assert_eq!(store.len(), 100);
    }
}
