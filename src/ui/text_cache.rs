//! Text a view paints every frame, made once while what it is made from stays the same. The
//! gallery's captions and names and the queue's rows were formatted anew each frame (Fluent
//! messages, shortened prompts): a fifth of a still frame's work at 100,000 results.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;

/// At most this many texts are kept (a view shows a few dozen; scrolling far makes more).
const KEPT: usize = 1024;

/// Texts by key, all forgotten when the stamp (the language, the width, the library's version…)
/// changes.
#[derive(Debug)]
pub struct TextCache<S, K, V> {
    stamp: Option<S>,
    texts: HashMap<K, V>,
}

impl<S, K, V> Default for TextCache<S, K, V> {
    fn default() -> Self {
        TextCache {
            stamp: None,
            texts: HashMap::new(),
        }
    }
}

impl<S: PartialEq, K: Eq + Hash, V> TextCache<S, K, V> {
    /// The texts of `key` under `stamp`: kept ones while `fresh` says they still are, else made.
    pub fn get<Q>(
        &mut self,
        stamp: S,
        key: &Q,
        fresh: impl FnOnce(&V) -> bool,
        make: impl FnOnce() -> V,
    ) -> &V
    where
        K: Borrow<Q>,
        Q: Hash + Eq + ToOwned<Owned = K> + ?Sized,
    {
        if self.stamp.as_ref() != Some(&stamp) {
            self.texts.clear();
            self.stamp = Some(stamp);
        }
        let kept = self.texts.get(key).is_some_and(fresh);
        if !kept {
            if self.texts.len() >= KEPT {
                self.texts.clear();
            }
            self.texts.insert(key.to_owned(), make());
        }
        &self.texts[key]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_made_once_per_stamp_and_again_when_stale() {
        let mut cache: TextCache<u32, String, (u32, String)> = TextCache::default();
        let mut made = 0;
        let mut get = |cache: &mut TextCache<u32, String, (u32, String)>, stamp, version| {
            cache
                .get(
                    stamp,
                    "job",
                    |v| v.0 == version,
                    || {
                        made += 1;
                        (version, format!("v{version}"))
                    },
                )
                .1
                .clone()
        };
        assert_eq!(get(&mut cache, 1, 1), "v1");
        assert_eq!(get(&mut cache, 1, 1), "v1");
        assert_eq!(get(&mut cache, 1, 2), "v2", "stale: made again");
        assert_eq!(get(&mut cache, 2, 2), "v2", "a new stamp forgets all");
        assert_eq!(made, 3);
    }

    #[test]
    fn it_never_keeps_more_than_its_bound() {
        let mut cache: TextCache<(), usize, usize> = TextCache::default();
        for k in 0..5000 {
            assert_eq!(*cache.get((), &k, |_| true, || k * 2), k * 2);
        }
        assert!(cache.texts.len() <= KEPT);
    }
}
