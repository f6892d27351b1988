//! Textures for thumbnails, references and the viewer: decoded by the engine off the UI thread,
//! uploaded once, and evicted (least recently drawn first) when over a memory budget.

use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui;
use image::RgbaImage;
use tokio::sync::mpsc;

use crate::core::engine::{Command, ImageSource};
use crate::core::references::LoadedImage;

/// Default memory budget for textures (pixels kept on the GPU, counted as RGBA bytes).
pub const DEFAULT_BUDGET_BYTES: usize = 256 * 1024 * 1024;

/// What a texture looks like right now.
pub enum TexState {
    Loading,
    Ready {
        texture: egui::TextureHandle,
        /// The source image's real size (boxes and metadata live in these pixels).
        source_dims: (u32, u32),
        /// Kept for images that may be copied to the clipboard.
        pixels: Option<Arc<RgbaImage>>,
    },
    Failed(String),
}

struct Entry {
    state: TexState,
    bytes: usize,
    last_used: u64,
}

/// What to load for a key.
#[derive(Clone)]
pub struct Request {
    pub source: ImageSource,
    pub max_side: u32,
    /// Check the provider's reference limits too.
    pub reference: bool,
    /// Keep the pixels on the CPU side as well (the viewer, for "Copy").
    pub keep_pixels: bool,
}

/// The cache.
pub struct TextureCache {
    entries: HashMap<String, Entry>,
    keep_pixels: HashMap<String, bool>,
    budget: usize,
    frame: u64,
}

impl Default for TextureCache {
    fn default() -> Self {
        TextureCache::new(DEFAULT_BUDGET_BYTES)
    }
}

impl TextureCache {
    pub fn new(budget: usize) -> TextureCache {
        TextureCache {
            entries: HashMap::new(),
            keep_pixels: HashMap::new(),
            budget,
            frame: 0,
        }
    }

    /// The state of `key`, asking the engine to load it if it is not known yet. A request that does
    /// not fit in the command channel is simply asked again next frame.
    pub fn get(
        &mut self,
        key: &str,
        request: &Request,
        commands: &mpsc::Sender<Command>,
    ) -> &TexState {
        let frame = self.frame;
        if !self.entries.contains_key(key) {
            let cmd = Command::LoadImage {
                key: key.to_owned(),
                source: request.source.clone(),
                max_side: request.max_side,
                reference: request.reference,
            };
            let state = if commands.try_send(cmd).is_ok() {
                TexState::Loading
            } else {
                return &TexState::Loading;
            };
            self.keep_pixels.insert(key.to_owned(), request.keep_pixels);
            self.entries.insert(
                key.to_owned(),
                Entry {
                    state,
                    bytes: 0,
                    last_used: frame,
                },
            );
        }
        match self.entries.get_mut(key) {
            Some(entry) => {
                entry.last_used = frame;
                &entry.state
            }
            None => &TexState::Loading,
        }
    }

    /// The state of `key` without asking for it.
    pub fn peek(&self, key: &str) -> Option<&TexState> {
        self.entries.get(key).map(|e| &e.state)
    }

    /// Takes a finished load (from [`crate::core::engine::Event::Image`]) and uploads it.
    pub fn loaded(&mut self, ctx: &egui::Context, key: &str, result: Result<LoadedImage, String>) {
        let Some(entry) = self.entries.get_mut(key) else {
            return; // evicted or forgotten while loading
        };
        match result {
            Ok(img) => {
                let (w, h) = img.pixels.dimensions();
                let colour = egui::ColorImage::from_rgba_unmultiplied(
                    [w as usize, h as usize],
                    img.pixels.as_raw(),
                );
                let texture = ctx.load_texture(key, colour, egui::TextureOptions::LINEAR);
                let keep = self.keep_pixels.get(key).copied().unwrap_or(false);
                entry.bytes = img.byte_size() * if keep { 2 } else { 1 };
                entry.state = TexState::Ready {
                    texture,
                    source_dims: img.source_dims,
                    pixels: keep.then_some(img.pixels),
                };
            }
            Err(e) => entry.state = TexState::Failed(e),
        }
    }

    /// Forgets a key (its file changed or is gone).
    pub fn forget(&mut self, key: &str) {
        self.entries.remove(key);
        self.keep_pixels.remove(key);
    }

    /// Forgets every key that starts with `prefix`.
    pub fn forget_prefix(&mut self, prefix: &str) {
        self.entries.retain(|k, _| !k.starts_with(prefix));
        self.keep_pixels.retain(|k, _| !k.starts_with(prefix));
    }

    /// Ends a frame: evicts the least recently drawn textures until under budget. Anything drawn in
    /// this frame stays.
    pub fn end_frame(&mut self) {
        let mut total: usize = self.entries.values().map(|e| e.bytes).sum();
        if total > self.budget {
            let mut old: Vec<(u64, String, usize)> = self
                .entries
                .iter()
                .filter(|(_, e)| e.last_used < self.frame && e.bytes > 0)
                .map(|(k, e)| (e.last_used, k.clone(), e.bytes))
                .collect();
            old.sort();
            for (_, key, bytes) in old {
                if total <= self.budget {
                    break;
                }
                self.entries.remove(&key);
                self.keep_pixels.remove(&key);
                total -= bytes;
            }
        }
        self.frame += 1;
    }

    pub fn bytes(&self) -> usize {
        self.entries.values().map(|e| e.bytes).sum()
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(side: u32) -> LoadedImage {
        LoadedImage {
            source_dims: (side, side),
            pixels: Arc::new(RgbaImage::new(side, side)),
        }
    }

    #[test]
    fn loads_once_and_evicts_least_recently_drawn_over_budget() {
        let ctx = egui::Context::default();
        let (tx, mut rx) = mpsc::channel(16);
        let budget = 3 * 100 * 100 * 4;
        let mut cache = TextureCache::new(budget);
        let req = Request {
            source: ImageSource::File("x".into()),
            max_side: 100,
            reference: false,
            keep_pixels: false,
        };
        for k in ["a", "b", "c", "d"] {
            assert!(matches!(cache.get(k, &req, &tx), TexState::Loading));
            cache.loaded(&ctx, k, Ok(loaded(100)));
            cache.end_frame();
        }
        let mut sent = 0;
        while rx.try_recv().is_ok() {
            sent += 1;
        }
        assert_eq!(sent, 4, "one load per key");
        assert!(cache.bytes() <= budget);
        assert!(cache.peek("a").is_none(), "the oldest went first");
        assert!(matches!(cache.peek("d"), Some(TexState::Ready { .. })));
        // Asking again for a ready key sends nothing.
        let _ = cache.get("d", &req, &tx);
        assert!(rx.try_recv().is_err());
    }
}
