//! Textures for thumbnails, references and the viewer. The window owns their loading: a
//! [`Loader`] decodes and downscales on its own small pool (never the UI thread, never the engine's
//! command channel), each image is uploaded once, and the least recently drawn are evicted when over
//! a memory budget.
//!
//! Views hold `&Textures` (read-only [`super::cx::ViewCx`]); asking for a texture that is not there
//! yet queues its load, so the cache uses interior mutability for that bookkeeping.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use eframe::egui;
use image::RgbaImage;
use tokio::sync::{Semaphore, mpsc};

use crate::core::api::client::{download_media, media_client};
use crate::core::job::JobId;
use crate::core::references::{self, ImageSource, LoadedImage};

/// Default memory budget for textures (pixels kept on the GPU, counted as RGBA bytes).
pub const DEFAULT_BUDGET_BYTES: usize = 256 * 1024 * 1024;
/// Longest side of a reference's texture (the region editor draws it).
pub const REFERENCE_SIDE: u32 = 2048;
/// Longest side of the viewer's texture.
pub const VIEWER_SIDE: u32 = 4096;
/// Load requests waiting for the pool; more are simply asked again next frame.
const QUEUE: usize = 256;
/// Largest image fetched from a link for display (the provider's reference limit is 20 MB).
const MAX_FETCH_BYTES: u64 = 64 * 1024 * 1024;

/// One result of one job.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ResultKey {
    pub job_id: JobId,
    pub index: u32,
}

impl ResultKey {
    pub fn new(job_id: impl Into<JobId>, index: u32) -> ResultKey {
        ResultKey {
            job_id: job_id.into(),
            index,
        }
    }
}

/// What a texture shows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TexKey {
    /// A result's gallery thumbnail.
    Thumb(ResultKey),
    /// A result at viewing size.
    Full(ResultKey),
    /// A reference image, by its link.
    Reference(String),
}

impl TexKey {
    fn name(&self) -> String {
        match self {
            TexKey::Thumb(k) => format!("thumb:{}:{}", k.job_id, k.index),
            TexKey::Full(k) => format!("full:{}:{}", k.job_id, k.index),
            TexKey::Reference(url) => format!("ref:{url}"),
        }
    }

    fn job_id(&self) -> Option<&str> {
        match self {
            TexKey::Thumb(k) | TexKey::Full(k) => Some(&k.job_id),
            TexKey::Reference(_) => None,
        }
    }
}

/// How to load a key.
#[derive(Debug, Clone)]
pub struct Request {
    pub source: ImageSource,
    pub max_side: u32,
    /// Check the provider's reference limits too.
    pub reference: bool,
    /// Keep the pixels on the CPU side as well (the viewer, for "Copy image"; the eyedropper).
    pub keep_pixels: bool,
    /// What a local reference's transparency is flattened onto (its card says so).
    pub flatten_onto: [u8; 3],
}

impl Request {
    /// A result's gallery thumbnail, where the library keeps it.
    pub fn result_thumbnail(
        paths: &crate::core::settings::Paths,
        job_id: &str,
        index: u32,
    ) -> Request {
        Request::thumbnail(&crate::core::library::thumbnail_path(paths, job_id, index))
    }

    pub fn thumbnail(path: &std::path::Path) -> Request {
        Request {
            source: ImageSource::File(path.to_path_buf()),
            max_side: crate::core::imaging::THUMBNAIL_SIDE,
            reference: false,
            keep_pixels: false,
            flatten_onto: WHITE,
        }
    }

    pub fn full(path: &std::path::Path) -> Request {
        Request {
            source: ImageSource::File(path.to_path_buf()),
            max_side: VIEWER_SIDE,
            reference: false,
            keep_pixels: true,
            flatten_onto: WHITE,
        }
    }

    /// A reference: a link, or (a `file://` reference) a file on this computer, prepared as it
    /// will be sent (transparency flattened onto `flatten_onto`).
    pub fn reference(url: &str, flatten_onto: [u8; 3]) -> Request {
        let source = match crate::core::references::hosting::local_file(url) {
            Some(path) => ImageSource::File(path),
            None => ImageSource::Url(url.to_owned()),
        };
        Request {
            source,
            max_side: REFERENCE_SIDE,
            reference: true,
            // The eyedropper reads them (counted in the budget).
            keep_pixels: true,
            flatten_onto,
        }
    }
}

const WHITE: [u8; 3] = [255, 255, 255];

/// What a texture looks like right now.
#[derive(Clone)]
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

/// What a gallery tile draws of a texture ([`Textures::shown_with`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Loading,
    Ready {
        id: egui::TextureId,
        source_dims: (u32, u32),
    },
    Failed,
}

/// A finished load, for [`Textures::loaded`]: the image, and its pixels already in the form a
/// texture takes (made on the loader's thread, so the UI thread only hands them over).
pub struct Loaded {
    pub key: TexKey,
    pub result: Result<(LoadedImage, egui::ColorImage), String>,
}

/// The pixels as egui takes them (premultiplied). CPU work: the loader does it off the UI thread.
fn colour_image(img: &LoadedImage) -> egui::ColorImage {
    let (w, h) = img.pixels.dimensions();
    egui::ColorImage::from_rgba_unmultiplied([w as usize, h as usize], img.pixels.as_raw())
}

struct LoadJob {
    key: TexKey,
    request: Request,
}

/// The window's image loader: a bounded queue and a pool of a few decodes at once.
#[derive(Clone)]
pub struct Loader {
    jobs: mpsc::Sender<LoadJob>,
}

impl Loader {
    /// Starts the loader on `rt`. Finished loads arrive on the receiver; `wake` is called after
    /// each (the window asks for a repaint).
    pub fn start(
        rt: &tokio::runtime::Handle,
        wake: Arc<dyn Fn() + Send + Sync>,
    ) -> (Loader, mpsc::Receiver<Loaded>) {
        let (jobs, mut queue) = mpsc::channel::<LoadJob>(QUEUE);
        let (done, results) = mpsc::channel::<Loaded>(QUEUE);
        // One core is left to the window: on a two-core machine two decodes at once made every
        // scrolling frame wait for a core (the p95 frame doubled).
        let workers = std::thread::available_parallelism()
            .map_or(1, |n| n.get().saturating_sub(1).clamp(1, 4));
        let pool = Arc::new(Semaphore::new(workers));
        let client = media_client(
            std::time::Duration::from_secs(10),
            std::time::Duration::from_mins(2),
        )
        .map_err(|e| e.to_string());
        rt.spawn(async move {
            while let Some(job) = queue.recv().await {
                let Ok(permit) = Arc::clone(&pool).acquire_owned().await else {
                    break;
                };
                let (done, wake, client) = (done.clone(), Arc::clone(&wake), client.clone());
                tokio::spawn(async move {
                    let result = load(&job.request, client.as_ref()).await;
                    drop(permit);
                    if done
                        .send(Loaded {
                            key: job.key,
                            result,
                        })
                        .await
                        .is_ok()
                    {
                        wake();
                    }
                });
            }
        });
        (Loader { jobs }, results)
    }

    /// Queues a load; false if the queue is full (ask again next frame).
    fn request(&self, key: &TexKey, request: &Request) -> bool {
        self.jobs
            .try_send(LoadJob {
                key: key.clone(),
                request: request.clone(),
            })
            .is_ok()
    }
}

/// Reads or downloads, then decodes and downscales off the async threads.
async fn load(
    request: &Request,
    client: Result<&reqwest::Client, &String>,
) -> Result<(LoadedImage, egui::ColorImage), String> {
    let reference = request.reference;
    let bytes = match &request.source {
        ImageSource::File(path) => crate::core::references::read_source(path).await?,
        ImageSource::Url(url) => {
            let client = client.map_err(|e| format!("could not be downloaded: {e}"))?;
            download_media(client, url, MAX_FETCH_BYTES)
                .await
                .map_err(|e| {
                    if reference {
                        format!("could not be downloaded: {e}")
                    } else {
                        e.to_string()
                    }
                })?
        }
    };
    let max_side = request.max_side;
    let flatten_onto = request.flatten_onto;
    let local = match &request.source {
        ImageSource::File(path) if reference => Some(path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )),
        _ => None,
    };
    tokio::task::spawn_blocking(move || {
        let loaded = if let Some(name) = local {
            // A file is prepared before it is sent: shown as a viewer shows it, with what will be
            // done to it said on its card; what cannot be fixed is refused here, before any cost.
            crate::core::references::preflight::preflight_with_image(
                &name,
                &bytes,
                &crate::core::references::preflight::Options { flatten_onto },
            )
            .map(|(prepared, img)| {
                let mut shown = references::display_copy(&img, max_side);
                shown.note = (!prepared.untouched()).then(|| prepared.notes.clone());
                shown
            })
            .map_err(|r| format!("({}) {}", r.name, r.why))
        } else if reference {
            references::check_reference(&bytes).map(|img| references::display_copy(&img, max_side))
        } else {
            references::load_for_display(&bytes, max_side).map_err(|e| e.to_string())
        };
        loaded.map(|img| {
            let colour = colour_image(&img);
            (img, colour)
        })
    })
    .await
    .unwrap_or_else(|e| Err(format!("the decoder stopped: {e}")))
}

struct Entry {
    state: TexState,
    bytes: usize,
    last_used: u64,
    keep_pixels: bool,
}

struct Cache {
    entries: HashMap<TexKey, Entry>,
    budget: usize,
    frame: u64,
}

/// The texture cache and its loader.
pub struct Textures {
    cache: RefCell<Cache>,
    loader: Option<Loader>,
}

impl Textures {
    /// A cache of `budget` bytes loading through `loader` (none: nothing is loaded, for tests
    /// that hand images in themselves).
    pub fn new(budget: usize, loader: Option<Loader>) -> Textures {
        Textures {
            cache: RefCell::new(Cache {
                entries: HashMap::new(),
                budget,
                frame: 0,
            }),
            loader,
        }
    }

    /// The state of `key`, queueing its load if it is not known yet.
    pub fn get(&self, key: &TexKey, request: &Request) -> TexState {
        self.get_with(key, || request.clone())
    }

    /// [`Textures::get`], with the request made only if the key is not known yet.
    pub fn get_with(&self, key: &TexKey, request: impl FnOnce() -> Request) -> TexState {
        self.touch(key, request, TexState::clone)
            .unwrap_or(TexState::Loading)
    }

    /// What a tile draws of `key`, queueing its load if it is not known yet: the texture's id and
    /// the source's size, not a new handle (the gallery asks for every visible tile every frame,
    /// and a handle's clone and drop each take the texture manager's lock).
    pub fn shown_with(&self, key: &TexKey, request: impl FnOnce() -> Request) -> Shown {
        self.touch(key, request, |state| match state {
            TexState::Loading => Shown::Loading,
            TexState::Ready {
                texture,
                source_dims,
                ..
            } => Shown::Ready {
                id: texture.id(),
                source_dims: *source_dims,
            },
            TexState::Failed(_) => Shown::Failed,
        })
        .unwrap_or(Shown::Loading)
    }

    /// `see` of `key`'s state, marked used this frame; or its load queued (with the request made
    /// only then) and `None`.
    fn touch<R>(
        &self,
        key: &TexKey,
        request: impl FnOnce() -> Request,
        see: impl FnOnce(&TexState) -> R,
    ) -> Option<R> {
        let mut cache = self.cache.borrow_mut();
        let frame = cache.frame;
        if let Some(entry) = cache.entries.get_mut(key) {
            entry.last_used = frame;
            return Some(see(&entry.state));
        }
        let request = request();
        let queued = self
            .loader
            .as_ref()
            .is_some_and(|l| l.request(key, &request));
        if queued {
            cache.entries.insert(
                key.clone(),
                Entry {
                    state: TexState::Loading,
                    bytes: 0,
                    last_used: frame,
                    keep_pixels: request.keep_pixels,
                },
            );
        }
        None
    }

    /// The state of `key` without asking for it.
    pub fn peek(&self, key: &TexKey) -> Option<TexState> {
        self.cache
            .borrow()
            .entries
            .get(key)
            .map(|e| e.state.clone())
    }

    /// Takes a finished load and uploads it. A load for a key forgotten meanwhile is dropped.
    pub fn loaded(&self, ctx: &egui::Context, loaded: Loaded) {
        let mut cache = self.cache.borrow_mut();
        let Some(entry) = cache.entries.get_mut(&loaded.key) else {
            return;
        };
        match loaded.result {
            Ok((img, colour)) => {
                let keep = entry.keep_pixels;
                let (texture, bytes) = upload(ctx, &loaded.key, &img, colour, keep);
                entry.bytes = bytes;
                entry.state = TexState::Ready {
                    texture,
                    source_dims: img.source_dims,
                    pixels: keep.then_some(img.pixels),
                };
            }
            Err(e) => entry.state = TexState::Failed(e),
        }
    }

    /// Puts an image in directly (a thumbnail the engine has just made).
    pub fn insert(&self, ctx: &egui::Context, key: TexKey, img: &LoadedImage) {
        let (texture, bytes) = upload(ctx, &key, img, colour_image(img), false);
        let mut cache = self.cache.borrow_mut();
        let frame = cache.frame;
        cache.entries.insert(
            key,
            Entry {
                state: TexState::Ready {
                    texture,
                    source_dims: img.source_dims,
                    pixels: None,
                },
                bytes,
                last_used: frame,
                keep_pixels: false,
            },
        );
    }

    /// Forgets a key (its file changed or is gone), so it is loaded again when next drawn.
    pub fn forget(&self, key: &TexKey) {
        self.cache.borrow_mut().entries.remove(key);
    }

    /// Forgets every texture of a job.
    pub fn forget_job(&self, job_id: &str) {
        self.cache
            .borrow_mut()
            .entries
            .retain(|k, _| k.job_id() != Some(job_id));
    }

    /// Forgets every reference texture (after a reconnect the sandbox's links may load anew).
    pub fn forget_references(&self) {
        self.cache
            .borrow_mut()
            .entries
            .retain(|k, _| !matches!(k, TexKey::Reference(_)));
    }

    /// Ends a frame: evicts the least recently drawn textures until under budget. Anything drawn in
    /// this frame stays.
    pub fn end_frame(&self) {
        let mut cache = self.cache.borrow_mut();
        let frame = cache.frame;
        let mut total: usize = cache.entries.values().map(|e| e.bytes).sum();
        if total > cache.budget {
            let mut old: Vec<(u64, TexKey, usize)> = cache
                .entries
                .iter()
                .filter(|(_, e)| e.last_used < frame && e.bytes > 0)
                .map(|(k, e)| (e.last_used, k.clone(), e.bytes))
                .collect();
            old.sort_by_key(|(used, _, _)| *used);
            for (_, key, bytes) in old {
                if total <= cache.budget {
                    break;
                }
                cache.entries.remove(&key);
                total -= bytes;
            }
        }
        cache.frame += 1;
    }

    /// Bytes held by textures.
    pub fn bytes(&self) -> usize {
        self.cache.borrow().entries.values().map(|e| e.bytes).sum()
    }

    pub fn len(&self) -> usize {
        self.cache.borrow().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cache.borrow().entries.is_empty()
    }
}

fn upload(
    ctx: &egui::Context,
    key: &TexKey,
    img: &LoadedImage,
    colour: egui::ColorImage,
    keep_pixels: bool,
) -> (egui::TextureHandle, usize) {
    let texture = ctx.load_texture(key.name(), colour, egui::TextureOptions::LINEAR);
    let bytes = img.byte_size() * if keep_pixels { 2 } else { 1 };
    (texture, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loaded(side: u32) -> LoadedImage {
        LoadedImage {
            source_dims: (side, side),
            pixels: Arc::new(RgbaImage::new(side, side)),
            note: None,
        }
    }

    fn thumb(job: &str) -> TexKey {
        TexKey::Thumb(ResultKey::new(job, 0))
    }

    #[test]
    fn inserted_images_are_evicted_least_recently_drawn_first() {
        let ctx = egui::Context::default();
        let budget = 3 * 100 * 100 * 4;
        let cache = Textures::new(budget, None);
        for k in ["a", "b", "c", "d"] {
            cache.insert(&ctx, thumb(k), &loaded(100));
            cache.end_frame();
        }
        assert!(cache.bytes() <= budget);
        assert!(cache.peek(&thumb("a")).is_none(), "the oldest went first");
        assert!(matches!(
            cache.peek(&thumb("d")),
            Some(TexState::Ready { .. })
        ));
        cache.forget_job("d");
        assert!(cache.peek(&thumb("d")).is_none());
    }

    #[test]
    fn a_missing_texture_is_loaded_once_by_the_window_loader() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.png");
        let png = crate::core::imaging::encode_png(&RgbaImage::new(64, 32), &[]).unwrap();
        std::fs::write(&path, png).unwrap();
        let (loader, mut done) = Loader::start(rt.handle(), Arc::new(|| {}));
        let cache = Textures::new(DEFAULT_BUDGET_BYTES, Some(loader));
        let key = thumb("j");
        assert!(matches!(
            cache.get(&key, &Request::thumbnail(&path)),
            TexState::Loading
        ));
        assert!(matches!(
            cache.get(&key, &Request::thumbnail(&path)),
            TexState::Loading
        ));
        let first = rt.block_on(done.recv()).unwrap();
        let ctx = egui::Context::default();
        cache.loaded(&ctx, first);
        match cache.peek(&key) {
            Some(TexState::Ready { source_dims, .. }) => assert_eq!(source_dims, (64, 32)),
            _ => panic!("not loaded"),
        }
        assert!(done.try_recv().is_err(), "asked twice, loaded once");
    }
}
