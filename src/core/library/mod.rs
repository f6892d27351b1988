//! The library: result images copied home, with their thumbnails.
//!
//! A result is stored as the server sent it, byte for byte in its pixels; when it is a PNG the request's
//! prompt and parameters are spliced in as `iTXt` chunks (no re-encode), so any image viewer shows what
//! made it.

pub mod journal;
pub mod provenance;
pub mod storyboard;

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use crate::core::api::client::valid_task_id;
use crate::core::api::request::GenerationRequest;
use crate::core::api::server::Server;
use crate::core::imaging::{self, ImagingError};
use crate::core::library::journal::{JobRecord, ResultRecord};
use crate::core::settings::Paths;
use crate::core::text::terminal::{printable, without_controls};

/// Where result `index` of a job lives.
pub fn result_path(paths: &Paths, job_id: &str, index: u32, ext: &str) -> PathBuf {
    paths
        .library()
        .join(job_id)
        .join(format!("{:02}.{ext}", index + 1))
}

/// Where its thumbnail lives.
pub fn thumbnail_path(paths: &Paths, job_id: &str, index: u32) -> PathBuf {
    paths
        .thumbnails()
        .join(job_id)
        .join(format!("{:02}.png", index + 1))
}

/// The text chunks that describe how a result was made.
pub fn metadata(job: &JobRecord, index: u32) -> Vec<(String, String)> {
    let req = &job.request;
    let mut out = vec![("Software".to_owned(), "Wan Studio".to_owned())];
    if let Some(p) = &req.prompt {
        out.push(("prompt".to_owned(), p.clone()));
    }
    if let Some(p) = &req.negative_prompt {
        out.push(("negative_prompt".to_owned(), p.clone()));
    }
    out.push(("model".to_owned(), req.model.id().to_owned()));
    if let Some(seed) = req.seed {
        out.push(("seed".to_owned(), seed.to_string()));
    }
    if let Some(task) = &job.task_id {
        out.push(("task_id".to_owned(), task.clone()));
    }
    out.push(("series_index".to_owned(), (index + 1).to_string()));
    out.push(("server".to_owned(), job.server.key()));
    // Reference links lose their query and fragment: a presigned link carries its signature there.
    let mut shared = req.clone();
    for url in &mut shared.image_urls {
        *url = without_query(url);
    }
    if let Ok(params) = serde_json::to_string(&shared) {
        out.push(("parameters".to_owned(), params));
    }
    out
}

/// The request an image was made with, if Wan Studio made it (its PNG text says so).
pub fn made_here(bytes: &[u8]) -> Option<crate::core::api::request::GenerationRequest> {
    let text = imaging::png_text(bytes).ok()?;
    let ours = text
        .iter()
        .any(|(k, v)| k == "Software" && v == "Wan Studio");
    let params = text.iter().find(|(k, _)| k == "parameters")?;
    ours.then(|| serde_json::from_str(&params.1).ok())?
}

/// Jobs read back from the library's images (for rebuilding a journal): each folder of
/// `library/` is a job, each `NN.png` in it a result whose text chunks hold the request, the task
/// id and the server. Images without those chunks are skipped.
///
/// Read defensively, as anything on disk may be forged: only each file's header is read (its text
/// chunks, inflated within [`imaging::MAX_TEXT_CHUNK`], never its pixels); a folder whose name is
/// not a job id by the rule every id keeps ([`valid_task_id`]) is skipped, a task id that breaks it
/// is dropped, and control characters in the prompts are removed.
pub fn adopt_library(paths: &Paths) -> Vec<JobRecord> {
    let Ok(folders) = std::fs::read_dir(paths.library()) else {
        return Vec::new();
    };
    let mut jobs = Vec::new();
    for folder in folders.filter_map(Result::ok) {
        let name = folder.file_name().to_string_lossy().into_owned();
        if !valid_task_id(&name) {
            tracing::warn!(
                folder = %printable(&name),
                "a library folder whose name is not a job id is skipped"
            );
            continue;
        }
        let job_id = crate::core::job::JobId::from(name);
        let Ok(files) = std::fs::read_dir(folder.path()) else {
            continue;
        };
        let mut job: Option<JobRecord> = None;
        let mut files: Vec<_> = files.filter_map(Result::ok).map(|f| f.path()).collect();
        files.sort();
        for path in files {
            let Some(index) = path
                .file_stem()
                .and_then(|s| s.to_str())
                .and_then(|s| s.parse::<u32>().ok())
                .and_then(|n| n.checked_sub(1))
            else {
                continue;
            };
            let Some(facts) = std::fs::File::open(&path)
                .ok()
                .and_then(|f| imaging::png_facts(std::io::BufReader::new(f)).ok())
            else {
                continue;
            };
            let get = |k: &str| {
                facts
                    .text
                    .iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.clone())
            };
            let Some(mut request) =
                get("parameters").and_then(|p| serde_json::from_str::<GenerationRequest>(&p).ok())
            else {
                continue;
            };
            for text in [&mut request.prompt, &mut request.negative_prompt]
                .into_iter()
                .flatten()
            {
                if let Cow::Owned(clean) = without_controls(text) {
                    *text = clean;
                }
            }
            let (width, height) = (facts.width, facts.height);
            let modified = std::fs::metadata(&path)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(0));
            let job = job.get_or_insert_with(|| {
                let server = get("server").map_or(Server::Sandbox, |s| Server::from_key(&s));
                let mut j = JobRecord::new(server, request);
                j.id.clone_from(&job_id);
                j.state = crate::core::library::journal::JobState::Completed;
                j.task_id = get("task_id").filter(|t| valid_task_id(t));
                j.created_at_ms = modified;
                j.finished_at_ms = Some(modified);
                j
            });
            job.results.push(ResultRecord {
                job_id: job_id.clone(),
                index,
                thumbnail: thumbnail_path(paths, &job_id, index),
                path,
                width,
                height,
                favourite: false,
                rating: 0,
            });
        }
        jobs.extend(job);
    }
    jobs
}

/// A link without its query string and fragment.
pub fn without_query(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) => {
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => url.split(['?', '#']).next().unwrap_or_default().to_owned(),
    }
}

/// Inserts `iTXt` chunks right after a PNG's `IHDR`, leaving every other byte alone.
/// Returns `None` if `bytes` is not a well-formed PNG. Keywords must be 1–79 ASCII characters;
/// others are skipped.
pub fn png_with_text(bytes: &[u8], text: &[(String, String)]) -> Option<Vec<u8>> {
    use crate::core::credentials::png;
    let extra: Vec<u8> = text
        .iter()
        .filter_map(|(key, value)| png::itxt_chunk(key, value))
        .flatten()
        .collect();
    png::with_after_header(bytes, &extra)
}

/// Checks, stores and thumbnails one downloaded result. CPU and disk work: call off the async threads.
pub fn store_result(
    paths: &Paths,
    job: &JobRecord,
    index: u32,
    bytes: &[u8],
) -> Result<ResultRecord, ImagingError> {
    let decoded = decode_result(&job.request, bytes)?;
    write_result(paths, job, index, bytes, &decoded)
}

/// A downloaded result, checked: its size and its thumbnail (the decoded picture itself is not
/// kept).
#[derive(Debug, Clone)]
pub struct Decoded {
    pub dims: (u32, u32),
    /// Shared with a window, which shows it before the files are written.
    pub thumbnail: std::sync::Arc<image::RgbaImage>,
}

/// The first half of storing a result: decoded within the largest image its request allows, and
/// thumbnailed from the decoded pixels. CPU work: call off the async threads.
pub fn decode_result(
    request: &crate::core::api::request::GenerationRequest,
    bytes: &[u8],
) -> Result<Decoded, ImagingError> {
    let img = imaging::decode_within(bytes, crate::core::api::rules::max_result_pixels(request))?;
    let thumbnail = imaging::thumbnail(&img, imaging::THUMBNAIL_SIDE);
    Ok(Decoded {
        dims: (img.width(), img.height()),
        thumbnail: std::sync::Arc::new(thumbnail),
    })
}

/// The second half: the result's file (its PNG given the job's text, not re-encoded) and its
/// thumbnail, each written atomically. Disk work: call off the async threads.
pub fn write_result(
    paths: &Paths,
    job: &JobRecord,
    index: u32,
    bytes: &[u8],
    decoded: &Decoded,
) -> Result<ResultRecord, ImagingError> {
    let format = imaging::sniff_format(bytes);
    let ext = format
        .and_then(|f| f.extensions_str().first().copied())
        .unwrap_or("png");
    let path = result_path(paths, &job.id, index, ext);
    let stored = if format == Some(image::ImageFormat::Png) {
        // The server's own text chunks are not kept: the file says only what the studio knows.
        let own = provenance::without_foreign_text(bytes).unwrap_or_else(|| bytes.to_vec());
        let texted = png_with_text(&own, &metadata(job, index)).unwrap_or(own);
        let policy = provenance::policy(paths);
        let story = provenance::story(paths, job, index, &policy);
        // Signed last: the manifest's hash covers every other byte.
        provenance::credit(paths, &texted, &story, &policy)
    } else {
        bytes.to_vec()
    };
    imaging::write_atomic(&path, &stored)?;
    let thumb_path = thumbnail_path(paths, &job.id, index);
    imaging::write_atomic(&thumb_path, &imaging::encode_png(&decoded.thumbnail, &[])?)?;
    Ok(ResultRecord {
        job_id: job.id.clone(),
        index,
        path,
        thumbnail: thumb_path,
        width: decoded.dims.0,
        height: decoded.dims.1,
        favourite: false,
        rating: 0,
    })
}

/// The most bytes an export name's words take (file systems count bytes: 255 on most, and a
/// Chinese character is three in UTF-8).
const EXPORT_WORDS_BYTES: usize = 100;

/// A file name for an exported result: a few words of the prompt, the job, the position.
///
/// The words keep any script (`花店-门前花开-a-flower-shop`); everything that is not a letter or
/// a digit separates them, so no character a file system refuses (`/ \ : * ? " < > |`, control
/// characters) survives, and the whole name stays far under 200 bytes.
pub fn export_name(job: &JobRecord, index: u32) -> String {
    let prompt = job.request.prompt.as_deref().unwrap_or("");
    let mut stem = String::new();
    for word in prompt
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(6)
    {
        let sep = usize::from(!stem.is_empty());
        let room = EXPORT_WORDS_BYTES.saturating_sub(stem.len() + sep);
        if room == 0 {
            break;
        }
        let word = word.to_lowercase();
        let mut end = word.len().min(room);
        while !word.is_char_boundary(end) {
            end -= 1;
        }
        if end == 0 {
            break;
        }
        if sep == 1 {
            stem.push('-');
        }
        stem.push_str(&word[..end]);
    }
    if stem.is_empty() {
        stem.push_str("wan");
    }
    let id: String = job
        .id
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect();
    format!("{stem}-{id}-{:02}", index + 1)
}

/// The PNG bytes to export for a result: the library file as it is when its credentials already
/// say what the settings ask; otherwise given its text and credentials again (signed anew, the
/// library file as its parent), re-encoded only if the server sent another format.
pub fn export_bytes(
    paths: &Paths,
    job: &JobRecord,
    r: &ResultRecord,
) -> Result<Vec<u8>, ImagingError> {
    let bytes = std::fs::read(&r.path).map_err(|e| ImagingError::io(&r.path, e))?;
    let policy = provenance::policy(paths);
    let mut story = provenance::story(paths, job, r.index, &policy);
    if imaging::sniff_format(&bytes) == Some(image::ImageFormat::Png) {
        let credited = crate::core::credentials::has_manifest(&bytes);
        let has_text =
            imaging::png_text(&bytes).is_ok_and(|t| t.iter().any(|(k, _)| k == "parameters"));
        if credited && has_text == policy.include_prompt {
            return Ok(bytes);
        }
        let texted = if policy.include_prompt {
            if has_text {
                bytes.clone()
            } else {
                png_with_text(&bytes, &metadata(job, r.index)).unwrap_or_else(|| bytes.clone())
            }
        } else {
            provenance::without_prompt_text(&bytes).unwrap_or_else(|| bytes.clone())
        };
        if credited {
            // Its chunks change: signed again, with the library file as the parent.
            story.making = crate::core::credentials::Making::Exported;
            story.ingredients = vec![crate::core::credentials::Ingredient {
                title: story.title.clone(),
                file: Some(r.path.clone()),
                description: Some("the library's copy".to_owned()),
            }];
        }
        return Ok(provenance::credit(paths, &texted, &story, &policy));
    }
    let img = imaging::decode_limited(&bytes)?;
    let text = if policy.include_prompt {
        metadata(job, r.index)
    } else {
        Vec::new()
    };
    let pairs: Vec<(&str, &str)> = text.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let png = imaging::encode_png(&img.to_rgba8(), &pairs)?;
    Ok(provenance::credit(paths, &png, &story, &policy))
}

/// Writes a result to exactly `dest` (the artist chose it in a save dialog, which asked before
/// replacing a file).
pub fn export_to_file(
    paths: &Paths,
    job: &JobRecord,
    r: &ResultRecord,
    dest: &Path,
) -> Result<PathBuf, ImagingError> {
    imaging::write_atomic(dest, &export_bytes(paths, job, r)?)?;
    Ok(dest.to_path_buf())
}

/// Writes a result to `dest` unless a file is there already (a typed path: nothing asked first).
pub fn export_to_new_file(
    paths: &Paths,
    job: &JobRecord,
    r: &ResultRecord,
    dest: &Path,
) -> Result<PathBuf, ImagingError> {
    imaging::write_named(dest, &export_bytes(paths, job, r)?, false)?;
    Ok(dest.to_path_buf())
}

/// Writes a result into `dir` under [`export_name`], never replacing a file: a taken name gets
/// ` (1)`, ` (2)`, … added.
pub fn export_to_folder(
    paths: &Paths,
    job: &JobRecord,
    r: &ResultRecord,
    dir: &Path,
) -> Result<PathBuf, ImagingError> {
    let bytes = export_bytes(paths, job, r)?;
    let stem = export_name(job, r.index);
    for attempt in 0..10_000 {
        let name = if attempt == 0 {
            format!("{stem}.png")
        } else {
            format!("{stem} ({attempt}).png")
        };
        let path = dir.join(name);
        if imaging::write_new_atomic(&path, &bytes)? {
            return Ok(path);
        }
    }
    Err(ImagingError::io(
        dir,
        std::io::Error::new(std::io::ErrorKind::AlreadyExists, "no free file name"),
    ))
}

/// Whether a result recorded in the journal is still on disk.
pub fn is_stored(r: &ResultRecord) -> bool {
    Path::new(&r.path).is_file()
}

/// Removes a job's files (results and thumbnails). Missing files are not an error.
pub fn remove_job_files(paths: &Paths, job_id: &str) -> std::io::Result<()> {
    for dir in [
        paths.library().join(job_id),
        paths.thumbnails().join(job_id),
    ] {
        match std::fs::remove_dir_all(&dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
            _ => {}
        }
    }
    Ok(())
}

/// How long a result link is trusted: upstream keeps results for a day.
const LINK_LIFETIME_MS: i64 = 23 * 3600 * 1000;

/// What a result is used as a reference by: its result link while it is fresh (under a day old),
/// after that its copy in the library (a `file://` reference, uploaded like any file when sent);
/// or why it cannot be.
pub fn result_link(job: &JobRecord, index: u32) -> Result<String, String> {
    let finished = job
        .finished_at_ms
        .or(job.submitted_at_ms)
        .unwrap_or(job.created_at_ms);
    let fresh = crate::core::library::journal::now_ms() - finished <= LINK_LIFETIME_MS;
    if fresh && let Some(url) = job.result_urls.get(index as usize) {
        return Ok(url.clone());
    }
    job.results
        .iter()
        // The journal lists a result once its file is written (no disk look here: the viewer
        // asks this every frame).
        .find(|r| r.index == index)
        .and_then(|r| crate::core::references::hosting::file_reference(&r.path))
        .ok_or_else(|| {
            "This result's link has expired (results are kept upstream for about a day) and its copy is not in the library.".to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_result_is_used_by_its_link_and_an_old_one_by_its_copy() {
        let mut job = JobRecord::new(Server::Sandbox, GenerationRequest::new(Model::Standard));
        job.result_urls = vec!["https://cdn.example/r0.png".into()];
        job.finished_at_ms = Some(crate::core::job::now_ms());
        job.results.push(crate::core::job::ResultRecord {
            job_id: job.id.clone(),
            index: 0,
            path: PathBuf::from("/data/library/j/01.png"),
            thumbnail: PathBuf::from("/data/thumbnails/j/01.png"),
            width: 1024,
            height: 1024,
            favourite: false,
            rating: 0,
        });
        assert_eq!(result_link(&job, 0).unwrap(), "https://cdn.example/r0.png");
        job.finished_at_ms = Some(crate::core::job::now_ms() - 2 * 24 * 3600 * 1000);
        assert_eq!(
            result_link(&job, 0).unwrap(),
            "file:///data/library/j/01.png",
            "a day later its link is gone: the local copy is uploaded like any file"
        );
        job.results.clear();
        assert!(result_link(&job, 0).unwrap_err().contains("expired"));
    }

    #[test]
    fn metadata_never_carries_a_links_signature() {
        let mut req = GenerationRequest::new(Model::Standard);
        req.image_urls = vec![
            "https://bucket.example.com/ref.png?X-Amz-Signature=abc123&X-Amz-Credential=k#frag"
                .into(),
        ];
        let job = JobRecord::new(Server::Sandbox, req);
        let meta = metadata(&job, 0);
        let params = &meta.iter().find(|(k, _)| k == "parameters").unwrap().1;
        assert!(params.contains("https://bucket.example.com/ref.png"));
        assert!(
            !params.contains("Signature") && !params.contains("abc123") && !params.contains("frag")
        );
        assert_eq!(without_query("not a url?x=1"), "not a url");
    }
    use crate::core::api::request::{GenerationRequest, Model};
    use crate::core::api::server::Server;

    #[test]
    fn text_is_spliced_without_touching_pixels() {
        let img = image::RgbaImage::from_fn(7, 5, |x, y| {
            image::Rgba([x as u8 * 30, y as u8 * 40, 9, 255])
        });
        let png = imaging::encode_png(&img, &[]).unwrap();
        let with = png_with_text(&png, &[("prompt".into(), "a red fox, 狐".into())]).unwrap();
        let back = imaging::decode_limited(&with).unwrap().to_rgba8();
        assert_eq!(back, img);
        let text = imaging::png_text(&with).unwrap();
        assert!(text.contains(&("prompt".into(), "a red fox, 狐".into())));
        assert!(png_with_text(b"not a png at all, not at all, no", &[]).is_none());
    }

    #[test]
    fn folder_exports_never_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        let mut req = GenerationRequest::new(Model::Standard);
        req.prompt = Some("A red fox, in snow!".into());
        let job = JobRecord::new(Server::Sandbox, req);
        let img = image::RgbaImage::from_pixel(300, 300, image::Rgba([1, 2, 3, 255]));
        let r = store_result(&paths, &job, 0, &imaging::encode_png(&img, &[]).unwrap()).unwrap();
        let out = dir.path().join("out");
        let a = export_to_folder(&paths, &job, &r, &out).unwrap();
        let b = export_to_folder(&paths, &job, &r, &out).unwrap();
        assert_ne!(a, b);
        assert!(
            a.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("a-red-fox-in-snow-")
        );
        assert!(b.to_string_lossy().ends_with(" (1).png"));
        let text = imaging::png_text(&std::fs::read(&b).unwrap()).unwrap();
        assert!(
            text.iter()
                .any(|(k, v)| k == "prompt" && v == "A red fox, in snow!")
        );
        assert!(text.iter().any(|(k, _)| k == "parameters"));
    }

    #[test]
    fn store_writes_result_and_thumbnail() {
        let dir = tempfile::tempdir().unwrap();
        let paths = Paths::new(dir.path());
        let mut req = GenerationRequest::new(Model::Standard);
        req.prompt = Some("fox".into());
        req.seed = Some(42);
        let job = JobRecord::new(Server::Sandbox, req);
        let img = image::RgbaImage::from_pixel(800, 400, image::Rgba([200, 10, 10, 255]));
        let png = imaging::encode_png(&img, &[]).unwrap();
        let r = store_result(&paths, &job, 1, &png).unwrap();
        assert_eq!((r.width, r.height), (800, 400));
        assert!(r.path.ends_with(format!("{}/02.png", job.id)));
        let text = imaging::png_text(&std::fs::read(&r.path).unwrap()).unwrap();
        assert!(text.contains(&("seed".into(), "42".into())));
        let thumb = imaging::decode_limited(&std::fs::read(&r.thumbnail).unwrap()).unwrap();
        assert_eq!(thumb.width(), imaging::THUMBNAIL_SIDE);
    }

    #[test]
    fn export_names_from_chinese_prompts_are_readable_safe_file_names_under_200_bytes() {
        let name_for = |prompt: &str, index: u32| {
            let mut req = GenerationRequest::new(Model::Standard);
            req.prompt = Some(prompt.to_owned());
            export_name(&JobRecord::new(Server::Sandbox, req), index)
        };
        let forbidden = |n: &str| {
            n.chars().any(|c| {
                c.is_control() || matches!(c, '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|')
            })
        };
        let flower = name_for("一间有着精致窗户的花店，门前花开 — a flower shop", 0);
        assert!(
            flower.starts_with("一间有着精致窗户的花店-门前花开-a-flower-shop-"),
            "{flower}"
        );
        assert!(flower.ends_with("-01"), "{flower}");
        for name in [
            flower,
            name_for(&"花".repeat(5000), 11),
            name_for(&"漂亮的花店 ".repeat(1000), 0),
            name_for("a/b\\c:d*e?f\"g<h>i|j\u{0}k\nl", 3),
            name_for("🌸🌸🌸 ", 0),
            name_for("", 0),
        ] {
            // With " (12).png" added by a folder export, still far under 255.
            assert!(name.len() <= 200, "{} bytes: {name}", name.len());
            assert!(!forbidden(&name), "{name}");
            assert!(!name.starts_with('-') && !name.contains("--"), "{name}");
            assert!(std::str::from_utf8(name.as_bytes()).is_ok());
        }
        assert!(name_for(&"花".repeat(5000), 11).len() <= 120);
        assert!(name_for("", 0).starts_with("wan-"));
    }
}

/// What a rebuild did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repaired {
    /// Where the damaged journal was kept.
    pub kept_as: Option<PathBuf>,
    /// Jobs and results adopted from the library's images.
    pub jobs: usize,
    pub results: usize,
}

/// Moves a damaged journal aside (with its WAL and shared-memory files) and rebuilds a fresh one
/// from the library: every result image carries its job (its folder), its request and task id (its
/// PNG text), so every finished result is back in the gallery. Jobs that had not finished are in
/// the damaged file only; it is kept.
pub fn repair(paths: &Paths) -> Result<Repaired, crate::core::library::journal::JournalError> {
    let journal = paths.journal();
    let stamp = crate::core::library::journal::now_ms();
    let mut kept_as = None;
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", journal.display()));
        if from.exists() {
            let to = PathBuf::from(format!("{}.damaged-{stamp}{suffix}", journal.display()));
            std::fs::rename(&from, &to).map_err(|source| {
                crate::core::library::journal::JournalError::Folder {
                    path: from.clone(),
                    source,
                }
            })?;
            if suffix.is_empty() {
                kept_as = Some(to);
            }
        }
    }
    let fresh = crate::core::library::journal::Journal::open(paths)?;
    let adopted = adopt_library(paths);
    fresh.import(&adopted)?;
    Ok(Repaired {
        kept_as,
        jobs: adopted.len(),
        results: adopted.iter().map(|j| j.results.len()).sum(),
    })
}
