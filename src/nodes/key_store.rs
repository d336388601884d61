//! A cache that stores keys: a hash map from key to slot, and the slots in
//! a doubly linked list by recency (LRU) or by age (FIFO), or in one list
//! per use count (LFU: evict the least recently used of the least used);
//! random eviction picks a slot at random. Every operation is O(1)
//! (amortized while a store larger than 2^20 keys fills); memory is
//! O(capacity), allocated up front for up to 2^20 keys, and never again
//! once the store is full.

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
    /// LFU: each slot's use count, the (head, tail) of each count's list,
    /// and the smallest count held.
    uses: Vec<u32>,
    by_uses: HashMap<u32, (u32, u32)>,
    least_uses: u32,
    /// Slots emptied by invalidation, reused before evicting.
    free: Vec<u32>,
}

impl KeyStore {
    /// An empty store of `capacity` keys.
    pub fn new(capacity: u32, policy: EvictionPolicy, ttl_s: Option<f64>) -> Self {
        // Room for a million keys up front; a larger store grows while it
        // fills (a cache is never larger than the keys it has seen), then
        // allocates no more.
        let n = capacity.min(1 << 20) as usize;
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
            uses: Vec::with_capacity(if policy == EvictionPolicy::Lfu { n } else { 0 }),
            by_uses: HashMap::with_capacity(if policy == EvictionPolicy::Lfu { n } else { 0 }),
            least_uses: 0,
            free: Vec::new(),
        }
    }

    /// Stores `keys` (least wanted first) before the run: a warm cache.
    pub fn prewarm(&mut self, keys: impl Iterator<Item = u64>, rng: &mut Rng) {
        for key in keys.take(self.capacity as usize) {
            self.lookup(key, 0, rng);
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
            if self.policy == EvictionPolicy::Lfu {
                self.remove(slot);
                // Stored anew, an expired key starts counting again.
                self.uses[s] = if expired { 1 } else { self.uses[s] + 1 };
                self.insert(slot);
            } else if self.policy == EvictionPolicy::Lru || expired {
                // LRU moves a hit to the front; FIFO only a re-stored key.
                self.remove(slot);
                self.insert(slot);
            }
            return !expired;
        }
        let slot = if let Some(slot) = self.free.pop() {
            let s = slot as usize;
            self.keys[s] = key;
            self.stored_ns[s] = now_ns;
            if self.policy == EvictionPolicy::Lfu {
                self.uses[s] = 1;
            }
            slot
        } else if (self.keys.len() as u32) < self.capacity {
            self.keys.push(key);
            self.stored_ns.push(now_ns);
            self.prev.push(NONE);
            self.next.push(NONE);
            if self.policy == EvictionPolicy::Lfu {
                self.uses.push(1);
            }
            (self.keys.len() - 1) as u32
        } else {
            let victim = match self.policy {
                EvictionPolicy::Lru | EvictionPolicy::Fifo => self.tail,
                EvictionPolicy::Lfu => self.by_uses[&self.least_uses].1,
                EvictionPolicy::Random => rng.random_range(0..self.capacity),
            };
            self.slots.remove(&self.keys[victim as usize]);
            self.remove(victim);
            self.keys[victim as usize] = key;
            self.stored_ns[victim as usize] = now_ns;
            if self.policy == EvictionPolicy::Lfu {
                self.uses[victim as usize] = 1;
            }
            victim
        };
        self.slots.insert(key, slot);
        self.insert(slot);
        false
    }

    /// A write updated `key` (write-through): stored as new, its TTL
    /// restarted, used once more (it counts as a use for LRU and LFU).
    pub fn write(&mut self, key: u64, now_ns: u64, rng: &mut Rng) {
        self.lookup(key, now_ns, rng);
        let slot = self.slots[&key] as usize;
        self.stored_ns[slot] = now_ns;
    }

    /// A write invalidated `key` (write-around): it is no longer held.
    pub fn invalidate(&mut self, key: u64) {
        let Some(slot) = self.slots.remove(&key) else {
            return;
        };
        self.remove(slot);
        if self.free.capacity() == 0 {
            // Sized like the store: it grows past that only as far as the
            // free slots ever go (at most `capacity`).
            self.free.reserve(self.capacity.min(1 << 20) as usize);
        }
        self.free.push(slot);
        if self.policy == EvictionPolicy::Lfu && !self.by_uses.contains_key(&self.least_uses) {
            // Invalidation can empty the least-used list out of turn: find
            // the next (one pass over the distinct use counts, not the keys).
            self.least_uses = self.by_uses.keys().copied().min().unwrap_or(0);
        }
    }

    /// Keys held.
    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Takes `slot` out of its list.
    fn remove(&mut self, slot: u32) {
        if self.policy == EvictionPolicy::Lfu {
            let uses = self.uses[slot as usize];
            let (mut head, mut tail) = self.by_uses[&uses];
            unlink(&mut self.prev, &mut self.next, (&mut head, &mut tail), slot);
            if head == NONE {
                self.by_uses.remove(&uses);
                if self.least_uses == uses {
                    // Only a use (uses + 1) or a new key (1) can follow.
                    self.least_uses = uses + 1;
                }
            } else {
                self.by_uses.insert(uses, (head, tail));
            }
        } else {
            unlink(
                &mut self.prev,
                &mut self.next,
                (&mut self.head, &mut self.tail),
                slot,
            );
        }
    }

    /// Puts `slot` at the front of its list.
    fn insert(&mut self, slot: u32) {
        if self.policy == EvictionPolicy::Lfu {
            let uses = self.uses[slot as usize];
            let (mut head, mut tail) = self.by_uses.get(&uses).copied().unwrap_or((NONE, NONE));
            push_front(&mut self.prev, &mut self.next, (&mut head, &mut tail), slot);
            self.by_uses.insert(uses, (head, tail));
            if uses < self.least_uses || self.by_uses.len() == 1 {
                self.least_uses = uses;
            }
        } else {
            push_front(
                &mut self.prev,
                &mut self.next,
                (&mut self.head, &mut self.tail),
                slot,
            );
        }
    }
}

/// Takes `slot` out of the list with ends `ends`.
fn unlink(prev: &mut [u32], next: &mut [u32], ends: (&mut u32, &mut u32), slot: u32) {
    let (head, tail) = ends;
    let (p, n) = (prev[slot as usize], next[slot as usize]);
    if p == NONE {
        *head = n;
    } else {
        next[p as usize] = n;
    }
    if n == NONE {
        *tail = p;
    } else {
        prev[n as usize] = p;
    }
}

/// Puts `slot` at the front of the list with ends `ends`.
fn push_front(prev: &mut [u32], next: &mut [u32], ends: (&mut u32, &mut u32), slot: u32) {
    let (head, tail) = ends;
    prev[slot as usize] = NONE;
    next[slot as usize] = *head;
    if *head == NONE {
        *tail = slot;
    } else {
        prev[*head as usize] = slot;
    }
    *head = slot;
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
    fn lfu_keeps_the_most_used() {
        // 1 used three times, 2 once; 3 evicts 2 (fewer uses), then 4
        // evicts 3; 1 stays throughout.
        let keys = [1, 1, 1, 2, 3, 4, 1, 2];
        assert_eq!(
            run(EvictionPolicy::Lfu, &keys),
            [false, true, true, false, false, false, true, false]
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
    fn invalidated_keys_miss_and_their_slots_are_reused() {
        for policy in [
            EvictionPolicy::Lru,
            EvictionPolicy::Lfu,
            EvictionPolicy::Fifo,
            EvictionPolicy::Random,
        ] {
            let mut rng = crate::engine::rng::stream(1, 0, "t");
            let mut store = KeyStore::new(3, policy, None);
            for key in [1, 2, 3, 1, 1] {
                store.lookup(key, 0, &mut rng);
            }
            store.invalidate(1);
            store.invalidate(9);
            assert_eq!(store.len(), 2, "{policy:?}");
            // 4 takes the freed slot: 2 and 3 stay without an eviction.
            assert!(!store.lookup(4, 0, &mut rng));
            assert!(
                store.lookup(2, 0, &mut rng) && store.lookup(3, 0, &mut rng),
                "{policy:?}"
            );
            assert!(!store.lookup(1, 0, &mut rng), "{policy:?}");
            assert_eq!(store.len(), 3);
        }
    }

    #[test]
    fn a_write_through_restarts_the_ttl() {
        let mut rng = crate::engine::rng::stream(1, 0, "t");
        let mut store = KeyStore::new(3, EvictionPolicy::Lru, Some(1.0));
        store.lookup(5, 0, &mut rng);
        store.write(5, 800_000_000, &mut rng);
        assert!(
            store.lookup(5, 1_500_000_000, &mut rng),
            "fresh since the write"
        );
        assert!(
            !store.lookup(5, 2_600_000_000, &mut rng),
            "expired 1 s after the re-store"
        );
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
