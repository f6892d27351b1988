//! Undo and redo of edits (boxes and palette), as snapshots.

/// How many steps are kept.
pub const DEPTH: usize = 200;

/// A history of snapshots of `T`.
#[derive(Debug, Clone)]
pub struct Undo<T> {
    past: Vec<T>,
    future: Vec<T>,
}

impl<T> Default for Undo<T> {
    fn default() -> Self {
        Undo {
            past: Vec::new(),
            future: Vec::new(),
        }
    }
}

impl<T: Clone + PartialEq> Undo<T> {
    /// Records the state *before* an edit. A new edit forgets what could be redone.
    pub fn record(&mut self, before: T) {
        if self.past.last() == Some(&before) {
            return;
        }
        self.past.push(before);
        if self.past.len() > DEPTH {
            self.past.remove(0);
        }
        self.future.clear();
    }

    /// Steps back: returns the state to restore, given the current one.
    pub fn undo(&mut self, current: T) -> Option<T> {
        let previous = self.past.pop()?;
        self.future.push(current);
        Some(previous)
    }

    /// Steps forward again.
    pub fn redo(&mut self, current: T) -> Option<T> {
        let next = self.future.pop()?;
        self.past.push(current);
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.past.is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.future.is_empty()
    }

    pub fn clear(&mut self) {
        self.past.clear();
        self.future.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undo_redo_walks_the_history() {
        let mut u = Undo::default();
        let mut state = 0;
        for next in 1..=3 {
            u.record(state);
            state = next;
        }
        state = u.undo(state).unwrap();
        assert_eq!(state, 2);
        state = u.undo(state).unwrap();
        assert_eq!(state, 1);
        state = u.redo(state).unwrap();
        assert_eq!(state, 2);
        u.record(state);
        state = 9;
        assert!(!u.can_redo(), "a new edit forgets the redo branch");
        assert_eq!(u.undo(state), Some(2));
    }
}
