//! A result's story for its content credentials: what the job asked, which references it was
//! given, and who signs. Every library file and every export goes through [`credit`].

use std::path::PathBuf;

use crate::core::credentials::{self, CredentialsError, Identity, Ingredient, Making, Story};
use crate::core::library::journal::JobRecord;
use crate::core::settings::{AppSettings, CredentialsSettings, Paths};

/// The credentials settings in force (the window changes them; every write reads them afresh,
/// so a change applies to the next image at once). Unreadable settings mean the defaults.
pub fn policy(paths: &Paths) -> CredentialsSettings {
    AppSettings::load(paths)
        .map(|s| s.credentials)
        .unwrap_or_default()
}

/// Who signs: the artist's own certificate chain and key when set, else this computer's identity.
pub fn identity(paths: &Paths, policy: &CredentialsSettings) -> Result<Identity, CredentialsError> {
    match (&policy.signing_chain, &policy.signing_key) {
        (Some(chain), Some(key)) => Identity::from_files(chain, key),
        _ => Identity::local(&credentials::identity::local_dir(&paths.home)),
    }
}

/// The last path segment of a link, without its query: the name a reference is known by.
fn link_title(url: &str) -> String {
    let bare = super::without_query(url);
    bare.rsplit('/')
        .find(|s| !s.is_empty())
        .unwrap_or("reference")
        .to_owned()
}

/// What is known of a reference that is not on this computer: a hosted one is named by the
/// SHA-256 of the bytes sent.
fn link_description(url: &str) -> String {
    let title = link_title(url);
    let stem = title.split('.').next().unwrap_or_default();
    if stem.len() == 64 && stem.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("SHA-256 {stem} (the bytes sent to the model)")
    } else {
        format!("sent as {}", super::without_query(url))
    }
}

/// The library file of an earlier result, if it is still there.
fn stored_file(paths: &Paths, job_id: &str, index: u32) -> Option<PathBuf> {
    ["png", "jpg", "webp"]
        .iter()
        .map(|ext| super::result_path(paths, job_id, index, ext))
        .find(|p| p.is_file())
}

/// The story of result `index` of `job`, as the library file tells it.
pub fn story(paths: &Paths, job: &JobRecord, index: u32, policy: &CredentialsSettings) -> Story {
    let req = &job.request;
    let ingredients = req
        .image_urls
        .iter()
        .enumerate()
        .map(|(slot, url)| {
            let parent = job
                .made_from
                .iter()
                .find(|p| usize::try_from(p.slot).ok() == Some(slot));
            match parent.and_then(|p| stored_file(paths, &p.job_id, p.index)) {
                Some(file) => Ingredient {
                    title: file
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                    file: Some(file),
                    description: parent
                        .map(|p| format!("result {} of job {}", p.index + 1, p.job_id)),
                },
                None => Ingredient {
                    title: link_title(url),
                    file: None,
                    description: Some(link_description(url)),
                },
            }
        })
        .collect::<Vec<_>>();
    let parameters = policy.include_prompt.then(|| {
        let mut shared = req.clone();
        for url in &mut shared.image_urls {
            *url = super::without_query(url);
        }
        serde_json::to_value(&shared).unwrap_or_default()
    });
    Story {
        title: format!("{:02}.png", index + 1),
        model: req.model.id().to_owned(),
        created: credentials::rfc3339(job.finished_at_ms.unwrap_or_else(crate::core::job::now_ms)),
        prompt: policy.include_prompt.then(|| req.prompt.clone()).flatten(),
        parameters,
        making: if ingredients.is_empty() {
            Making::Created
        } else {
            Making::Edited
        },
        ingredients,
    }
}

/// The text chunks that carry the prompt (kept out of an export when the artist keeps the prompt
/// out of the credentials).
const PROMPT_CHUNKS: [&str; 3] = ["prompt", "negative_prompt", "parameters"];

/// The PNG without the prompt's own text chunks.
pub fn without_prompt_text(png: &[u8]) -> Option<Vec<u8>> {
    credentials::png::without(png, |bytes, chunk| {
        credentials::png::itxt_keyword(bytes, chunk)
            .is_some_and(|k| PROMPT_CHUNKS.iter().any(|p| p.as_bytes() == k))
    })
}

/// `png` with both marks of `story`. Signing can fail (the artist's own key unreadable); a paid
/// result is never lost for it: it is kept with its XMP alone, and the error is logged.
pub fn credit(paths: &Paths, png: &[u8], story: &Story, policy: &CredentialsSettings) -> Vec<u8> {
    let signed = identity(paths, policy).and_then(|id| credentials::embed(png, story, &id));
    match signed {
        Ok(bytes) => {
            signing_trouble(paths, None);
            bytes
        }
        Err(e) => {
            tracing::warn!("content credentials not signed for {}: {e}", story.title);
            signing_trouble(
                paths,
                Some(format!(
                    "Content credentials could not be signed ({e}). Results are kept, marked as AI-generated in their XMP only; check the signing certificate and key in Settings."
                )),
            );
            credentials::embed_xmp(png, story).unwrap_or_else(|| png.to_vec())
        }
    }
}

/// Signing trouble not yet told to the artist, and the last told, per data folder (told once
/// until it changes or signing works again).
type Trouble = std::collections::HashMap<std::path::PathBuf, (Option<String>, Option<String>)>;
static TROUBLE: std::sync::Mutex<Option<Trouble>> = std::sync::Mutex::new(None);

fn signing_trouble(paths: &Paths, now: Option<String>) {
    let mut all = TROUBLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let t = all
        .get_or_insert_with(Trouble::new)
        .entry(paths.home.clone())
        .or_default();
    match now {
        None => *t = (None, None),
        Some(message) if t.1.as_ref() != Some(&message) => t.0 = Some(message),
        Some(_) => {}
    }
}

/// Why the last results in this data folder could not be signed, once: for the front ends to
/// show as a notice.
pub fn take_signing_trouble(paths: &Paths) -> Option<String> {
    let mut all = TROUBLE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let t = all.as_mut()?.get_mut(&paths.home)?;
    let pending = t.0.take();
    if pending.is_some() {
        t.1.clone_from(&pending);
    }
    pending
}

/// The PNG without any text chunk (`tEXt`, `zTXt`, `iTXt`): what the server wrote there is not
/// ours to repeat, and the studio writes its own.
pub fn without_foreign_text(png: &[u8]) -> Option<Vec<u8>> {
    credentials::png::without(png, |_, chunk| {
        matches!(&chunk.kind, b"tEXt" | b"zTXt" | b"iTXt")
    })
}
