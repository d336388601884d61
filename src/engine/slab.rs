//! Storage for jobs in flight: slots are reused after completion, so memory
//! is bounded by the most jobs ever in flight at once, not by jobs simulated.

/// Index of a job in a [`Slab`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct JobId(pub u32);

/// A vector with a free list. Removing never shrinks; inserting reuses the
/// most recently freed slot (warm in cache) before growing.
#[derive(Debug)]
pub struct Slab<T> {
    items: Vec<T>,
    free: Vec<u32>,
}

impl<T: Copy> Slab<T> {
    /// An empty slab.
    pub fn new() -> Self {
        Slab {
            items: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Stores `item`, returning its id.
    pub fn insert(&mut self, item: T) -> JobId {
        match self.free.pop() {
            Some(slot) => {
                self.items[slot as usize] = item;
                JobId(slot)
            }
            None => {
                self.items.push(item);
                JobId((self.items.len() - 1) as u32)
            }
        }
    }

    /// Frees `id`'s slot and returns what it held. The id must be live.
    pub fn remove(&mut self, id: JobId) -> T {
        self.free.push(id.0);
        self.items[id.0 as usize]
    }

    /// Items currently stored.
    pub fn len(&self) -> usize {
        self.items.len() - self.free.len()
    }

    /// True when nothing is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Slots ever allocated: the high-water mark of jobs in flight.
    pub fn capacity_used(&self) -> usize {
        self.items.len()
    }
}

impl<T: Copy> Default for Slab<T> {
    fn default() -> Self {
        Slab::new()
    }
}

impl<T> std::ops::Index<JobId> for Slab<T> {
    type Output = T;

    fn index(&self, id: JobId) -> &T {
        &self.items[id.0 as usize]
    }
}

impl<T> std::ops::IndexMut<JobId> for Slab<T> {
    fn index_mut(&mut self, id: JobId) -> &mut T {
        &mut self.items[id.0 as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_reused_so_memory_follows_jobs_in_flight() {
        let mut slab = Slab::new();
        for round in 0..1000u32 {
            let a = slab.insert(round);
            let b = slab.insert(round + 1);
            assert_eq!(slab[a], round);
            slab.remove(a);
            slab.remove(b);
        }
        assert!(slab.is_empty());
        assert_eq!(slab.capacity_used(), 2);
    }
}
