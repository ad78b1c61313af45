//! Numbering a few distinct strings (speakers) fast: a linear scan over a hot little vector
//! while there are few, a hash map once there are many.

use std::collections::HashMap;

/// Past this many keys, scanning costs more than hashing.
const SCAN_LIMIT: usize = 32;

#[derive(Debug, Default)]
pub(crate) struct Slots<'a> {
    keys: Vec<&'a str>,
    map: HashMap<&'a str, usize>,
}

impl<'a> Slots<'a> {
    /// The slot of `key`, and whether it is new.
    pub(crate) fn slot(&mut self, key: &'a str) -> (usize, bool) {
        if self.keys.len() <= SCAN_LIMIT {
            if let Some(i) = self.keys.iter().position(|k| *k == key) {
                return (i, false);
            }
        } else if let Some(i) = self.map.get(key) {
            return (*i, false);
        }
        let i = self.keys.len();
        self.keys.push(key);
        if self.keys.len() > SCAN_LIMIT {
            if self.map.is_empty() {
                self.map
                    .extend(self.keys.iter().enumerate().map(|(i, k)| (*k, i)));
            } else {
                self.map.insert(key, i);
            }
        }
        (i, true)
    }
}
