//! A waiting line ordered by rank, first come, first served within a rank:
//! the queue of a node that serves classes by priority. With one rank it is
//! a plain FIFO queue, so a node without priorities behaves as before.
//!
//! One `VecDeque` per rank: pushing and popping allocate nothing once each
//! line has grown to its largest length. The first rank's line is kept
//! inline, so a queue without priorities allocates nothing until used (a
//! pool launches its instances with two such queues each).

use std::collections::VecDeque;

/// Items waiting, by rank (0 first).
#[derive(Debug)]
pub struct ClassQueue<T> {
    first: VecDeque<T>,
    /// Ranks 1, 2, …: empty without priorities.
    rest: Vec<VecDeque<T>>,
    len: usize,
}

impl<T> ClassQueue<T> {
    /// An empty queue with `ranks` lines (at least one).
    pub fn new(ranks: u16) -> Self {
        ClassQueue {
            first: VecDeque::new(),
            rest: (1..ranks).map(|_| VecDeque::new()).collect(),
            len: 0,
        }
    }

    /// Items waiting.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if nothing waits.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn line(&mut self, rank: u16) -> &mut VecDeque<T> {
        // Ranks come from the node's own scheduling: always in range.
        match usize::from(rank).checked_sub(1) {
            None => &mut self.first,
            Some(_) if self.rest.is_empty() => &mut self.first,
            Some(k) => {
                let last = self.rest.len() - 1;
                &mut self.rest[k.min(last)]
            }
        }
    }

    /// `item` joins the end of its rank's line.
    #[inline]
    pub fn push_back(&mut self, rank: u16, item: T) {
        self.line(rank).push_back(item);
        self.len += 1;
    }

    /// `item` goes to the head of its rank's line (a pre-empted burst,
    /// which was ahead of everyone of its rank still waiting).
    pub fn push_front(&mut self, rank: u16, item: T) {
        self.line(rank).push_front(item);
        self.len += 1;
    }

    /// The head of the first non-empty line, with its rank.
    #[inline]
    pub fn pop_front(&mut self) -> Option<(u16, T)> {
        self.take(VecDeque::pop_front)
    }

    /// The tail of the first non-empty line, with its rank: the newest of
    /// the highest priority waiting (adaptive LIFO under priorities).
    pub fn pop_newest(&mut self) -> Option<(u16, T)> {
        self.take(VecDeque::pop_back)
    }

    #[inline]
    fn take(&mut self, end: fn(&mut VecDeque<T>) -> Option<T>) -> Option<(u16, T)> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        if let Some(item) = end(&mut self.first) {
            return Some((0, item));
        }
        let (k, line) = self
            .rest
            .iter_mut()
            .enumerate()
            .find(|(_, line)| !line.is_empty())?;
        end(line).map(|item| (k as u16 + 1, item))
    }

    /// Empties the queue, every rank's line in order.
    pub fn drain(&mut self) -> impl Iterator<Item = T> + '_ {
        self.len = 0;
        std::iter::once(&mut self.first)
            .chain(self.rest.iter_mut())
            .flat_map(|line| line.drain(..))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_ranks_leave_first_and_each_rank_in_arrival_order() {
        let mut q = ClassQueue::new(3);
        for (rank, item) in [(2, 'a'), (0, 'b'), (2, 'c'), (1, 'd'), (0, 'e')] {
            q.push_back(rank, item);
        }
        q.push_front(2, 'z');
        assert_eq!(q.len(), 6);
        let order: Vec<_> = std::iter::from_fn(|| q.pop_front()).collect();
        assert_eq!(
            order,
            [(0, 'b'), (0, 'e'), (1, 'd'), (2, 'z'), (2, 'a'), (2, 'c')]
        );
        assert!(q.is_empty());
    }

    #[test]
    fn the_newest_of_the_highest_priority_leaves_first_under_lifo() {
        let mut q = ClassQueue::new(2);
        for (rank, item) in [(1, 'a'), (0, 'b'), (0, 'c'), (1, 'd')] {
            q.push_back(rank, item);
        }
        assert_eq!(q.pop_newest(), Some((0, 'c')));
        assert_eq!(q.pop_newest(), Some((0, 'b')));
        assert_eq!(q.pop_newest(), Some((1, 'd')));
        assert_eq!(q.len(), 1);
    }

    #[test]
    fn one_rank_is_a_fifo_queue() {
        let mut q = ClassQueue::new(1);
        q.push_back(0, 1);
        q.push_back(0, 2);
        assert_eq!(q.pop_front(), Some((0, 1)));
        q.push_back(0, 3);
        assert_eq!(q.drain().collect::<Vec<_>>(), [2, 3]);
        assert_eq!(q.len(), 0);
    }
}
