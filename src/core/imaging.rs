//! Decoding with limits, thumbnails, PNG encoding with text metadata, and atomic file writes.

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};

use image::{DynamicImage, ImageFormat, ImageReader, RgbaImage};

/// Largest side accepted when decoding anything.
pub const MAX_DECODE_SIDE: u32 = 16_384;
/// Largest allocation a decode may make (a decompression bomb hits this first).
pub const MAX_DECODE_ALLOC: u64 = 1024 * 1024 * 1024;
/// Longest side of a library thumbnail.
pub const THUMBNAIL_SIDE: u32 = 320;

#[derive(Debug, thiserror::Error)]
pub enum ImagingError {
    #[error("the file is not an image this app can read ({0})")]
    UnknownFormat(String),
    #[error("the image is too large to open safely ({0})")]
    TooLarge(String),
    #[error("the image could not be decoded: {0}")]
    Decode(String),
    #[error("the image could not be encoded: {0}")]
    Encode(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

impl ImagingError {
    pub fn io(path: &Path, source: std::io::Error) -> ImagingError {
        ImagingError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The format of encoded bytes, from their magic number.
pub fn sniff_format(bytes: &[u8]) -> Option<ImageFormat> {
    image::guess_format(bytes).ok()
}

/// Width and height without decoding the pixels.
pub fn dimensions(bytes: &[u8]) -> Result<(u32, u32), ImagingError> {
    let reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImagingError::UnknownFormat(e.to_string()))?;
    if reader.format().is_none() {
        return Err(ImagingError::UnknownFormat("unrecognised data".into()));
    }
    reader
        .into_dimensions()
        .map_err(|e| ImagingError::Decode(e.to_string()))
}

/// The size an image claims: a PNG's from its `IHDR` alone (even with no pixel data after it),
/// anything else from its decoder's header.
pub fn claimed_dimensions(bytes: &[u8]) -> Result<(u32, u32), ImagingError> {
    const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";
    if bytes.len() >= 24 && bytes.starts_with(SIGNATURE) && &bytes[12..16] == b"IHDR" {
        let be = |at: usize| {
            u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        return Ok((be(16), be(20)));
    }
    dimensions(bytes)
}

/// Decodes with limits: a picture that claims enormous dimensions is an error, not an out-of-memory.
pub fn decode_limited(bytes: &[u8]) -> Result<DynamicImage, ImagingError> {
    decode_within(
        bytes,
        u64::from(MAX_DECODE_SIDE) * u64::from(MAX_DECODE_SIDE),
    )
}

/// Decodes an image of at most `max_pixels` pixels. The size is read from the header first, so an
/// image that claims more is refused before a byte of pixels is allocated.
pub fn decode_within(bytes: &[u8], max_pixels: u64) -> Result<DynamicImage, ImagingError> {
    limited_reader(bytes, max_pixels)?
        .decode()
        .map_err(decode_error)
}

/// [`decode_within`], with the image's own orientation (EXIF) applied: the picture as any viewer
/// shows it. Also returns the orientation that was applied.
pub fn decode_oriented_within(
    bytes: &[u8],
    max_pixels: u64,
) -> Result<(DynamicImage, image::metadata::Orientation), ImagingError> {
    use image::ImageDecoder as _;
    let mut decoder = limited_reader(bytes, max_pixels)?
        .into_decoder()
        .map_err(decode_error)?;
    let orientation = decoder
        .orientation()
        .unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = DynamicImage::from_decoder(decoder).map_err(decode_error)?;
    img.apply_orientation(orientation);
    Ok((img, orientation))
}

/// A reader for `bytes` that refuses, from the header, an image of more than `max_pixels`.
fn limited_reader(
    bytes: &[u8],
    max_pixels: u64,
) -> Result<ImageReader<Cursor<&[u8]>>, ImagingError> {
    let (w, h) = claimed_dimensions(bytes)?;
    if u64::from(w) * u64::from(h) > max_pixels {
        return Err(ImagingError::TooLarge(format!(
            "the image claims {w}×{h} pixels, more than the {max_pixels} allowed here"
        )));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| ImagingError::UnknownFormat(e.to_string()))?;
    if reader.format().is_none() {
        return Err(ImagingError::UnknownFormat("unrecognised data".into()));
    }
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_DECODE_SIDE);
    limits.max_image_height = Some(MAX_DECODE_SIDE);
    // Room for 16-bit RGBA at the allowed size, and never more than the global cap.
    limits.max_alloc = Some((max_pixels.saturating_mul(8) + (16 << 20)).min(MAX_DECODE_ALLOC));
    reader.limits(limits);
    Ok(reader)
}

fn decode_error(e: image::ImageError) -> ImagingError {
    match e {
        image::ImageError::Limits(l) => ImagingError::TooLarge(l.to_string()),
        image::ImageError::Unsupported(u) => ImagingError::UnknownFormat(u.to_string()),
        other => ImagingError::Decode(other.to_string()),
    }
}

/// Whether any pixel is less than opaque (an alpha channel that is opaque everywhere is not
/// transparency).
pub fn has_transparency(img: &DynamicImage) -> bool {
    if !img.color().has_alpha() {
        return false;
    }
    match img {
        DynamicImage::ImageRgba8(i) => i.pixels().any(|p| p[3] < 255),
        DynamicImage::ImageLumaA8(i) => i.pixels().any(|p| p[1] < 255),
        other => other.to_rgba8().pixels().any(|p| p[3] < 255),
    }
}

/// A thumbnail whose longest side is at most `max_side` (the shape kept), as RGBA.
///
/// Made with `fast_image_resize` (SIMD convolution; its filter widens with the scale, so a large
/// step down averages every source pixel instead of skipping most of them), in the picture's own
/// pixel type: an RGB result is scaled as three bytes a pixel and only the small copy becomes RGBA.
pub fn thumbnail(img: &DynamicImage, max_side: u32) -> RgbaImage {
    let (w, h) = (img.width(), img.height());
    if w <= max_side && h <= max_side {
        return img.to_rgba8();
    }
    let scale = f64::from(max_side) / f64::from(w.max(h));
    let tw = ((f64::from(w) * scale).round() as u32).clamp(1, max_side);
    let th = ((f64::from(h) * scale).round() as u32).clamp(1, max_side);
    let options = fast_image_resize::ResizeOptions::new().resize_alg(
        fast_image_resize::ResizeAlg::Convolution(fast_image_resize::FilterType::Bilinear),
    );
    let mut resizer = fast_image_resize::Resizer::new();
    let scaled = match img {
        DynamicImage::ImageRgb8(_) => {
            let mut dst = image::RgbImage::new(tw, th);
            resizer
                .resize(img, &mut dst, &options)
                .ok()
                .map(|()| DynamicImage::ImageRgb8(dst).to_rgba8())
        }
        DynamicImage::ImageRgba8(_) => {
            let mut dst = RgbaImage::new(tw, th);
            resizer.resize(img, &mut dst, &options).ok().map(|()| dst)
        }
        other => {
            // Grey, 16-bit, float: made RGBA first (rare for results and references).
            let rgba = DynamicImage::ImageRgba8(other.to_rgba8());
            let mut dst = RgbaImage::new(tw, th);
            resizer.resize(&rgba, &mut dst, &options).ok().map(|()| dst)
        }
    };
    // The resizer refuses only images it cannot view; image's own resize is the fallback.
    scaled.unwrap_or_else(|| img.thumbnail(max_side, max_side).to_rgba8())
}

/// Encodes RGBA pixels as PNG, with optional `tEXt` chunks (key, value).
pub fn encode_png(img: &RgbaImage, text: &[(&str, &str)]) -> Result<Vec<u8>, ImagingError> {
    encode_png_with(img, text, png::Compression::Balanced)
}

/// [`encode_png`] with the compression level chosen.
pub fn encode_png_with(
    img: &RgbaImage,
    text: &[(&str, &str)],
    compression: png::Compression,
) -> Result<Vec<u8>, ImagingError> {
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, img.width(), img.height());
        enc.set_color(png::ColorType::Rgba);
        enc.set_depth(png::BitDepth::Eight);
        enc.set_compression(compression);
        for (k, v) in text {
            // iTXt carries UTF-8 (prompts are rarely Latin-1 only).
            enc.add_itxt_chunk((*k).to_owned(), (*v).to_owned())
                .map_err(|e| ImagingError::Encode(e.to_string()))?;
        }
        let mut w = enc
            .write_header()
            .map_err(|e| ImagingError::Encode(e.to_string()))?;
        w.write_image_data(img.as_raw())
            .map_err(|e| ImagingError::Encode(e.to_string()))?;
        w.finish()
            .map_err(|e| ImagingError::Encode(e.to_string()))?;
    }
    Ok(out)
}

/// The most a compressed text chunk is inflated to (the PNG crate's own default is 2 MiB; a prompt
/// and its parameters are a few KiB). A larger one is skipped, never inflated further.
pub const MAX_TEXT_CHUNK: usize = 256 * 1024;
/// The most the PNG decoder may hold while reading up to the pixels (its raw text chunks).
const MAX_HEADER_BYTES: usize = 16 * 1024 * 1024;

/// What a PNG says before its pixels: its text chunks and its size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PngFacts {
    pub text: Vec<(String, String)>,
    pub width: u32,
    pub height: u32,
}

/// Reads the text chunks (tEXt, iTXt) of a PNG.
pub fn png_text(bytes: &[u8]) -> Result<Vec<(String, String)>, ImagingError> {
    png_facts(Cursor::new(bytes)).map(|f| f.text)
}

/// Reads a PNG's text chunks and size from `reader`, stopping at its first pixels (they are never
/// read). Defensively: the decoder holds at most 16 MiB, a compressed text chunk is inflated to
/// at most [`MAX_TEXT_CHUNK`] (a larger one is skipped), and zTXt chunks (which the studio never
/// writes) are not read.
pub fn png_facts(reader: impl std::io::BufRead + std::io::Seek) -> Result<PngFacts, ImagingError> {
    let decoder = png::Decoder::new_with_limits(
        reader,
        png::Limits {
            bytes: MAX_HEADER_BYTES,
        },
    );
    let reader = decoder
        .read_info()
        .map_err(|e| ImagingError::Decode(e.to_string()))?;
    let info = reader.info();
    let mut text: Vec<(String, String)> = info
        .uncompressed_latin1_text
        .iter()
        .map(|t| (t.keyword.clone(), t.text.clone()))
        .collect();
    for chunk in &info.utf8_text {
        let mut chunk = chunk.clone();
        match chunk
            .decompress_text_with_limit(MAX_TEXT_CHUNK)
            .and_then(|()| chunk.get_text())
        {
            Ok(t) => text.push((chunk.keyword.clone(), t)),
            Err(e) => tracing::warn!(
                keyword = %crate::core::text::terminal::printable(&chunk.keyword),
                "a PNG text chunk is skipped: {e}"
            ),
        }
    }
    Ok(PngFacts {
        text,
        width: info.width,
        height: info.height,
    })
}

/// A temporary file beside `path`, holding `bytes`, flushed to disk: ready to be renamed into place.
fn staged<'p>(
    path: &'p Path,
    bytes: &[u8],
) -> Result<(tempfile::NamedTempFile, &'p Path), ImagingError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| ImagingError::io(dir, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".partial-");
    // Ordinary permissions (0644 under a usual umask), not the 0600 of a temporary file: these
    // are the artist's images and settings, for other programs to open.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| ImagingError::io(dir, e))?;
    tmp.write_all(bytes)
        .map_err(|e| ImagingError::io(path, e))?;
    tmp.as_file()
        .sync_all()
        .map_err(|e| ImagingError::io(path, e))?;
    Ok((tmp, dir))
}

/// Removes `.partial-*` files (atomic writes a kill interrupted) in `dir` (not in its sub-folders)
/// whose last change is older than `older_than`; fresher ones may belong to a writer still at
/// work. Returns how many went. An unreadable folder is skipped.
///
/// Not recursive on purpose: a library holds a folder per job (tens of thousands), and a job's
/// folders can only hold half-written files while it downloads, so the engine sweeps those when it
/// takes the job up again; at start only the data folder's own files need it.
pub fn sweep_partials(dir: &Path, older_than: std::time::Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.filter_map(Result::ok) {
        if !entry.file_name().to_string_lossy().starts_with(".partial-") {
            continue;
        }
        let path = entry.path();
        let Ok(meta) = entry.metadata() else { continue };
        if meta.is_dir() {
            continue;
        }
        let stale = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age > older_than);
        if stale && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Writes a file atomically: a temporary file in the same folder, fsync, rename, fsync the folder.
/// A crash leaves either the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ImagingError> {
    let (tmp, dir) = staged(path, bytes)?;
    tmp.persist(path)
        .map_err(|e| ImagingError::io(path, e.error))?;
    sync_dir(dir);
    Ok(())
}

/// Like [`write_atomic`], but never replaces an existing file: returns `false` if `path` exists.
pub fn write_new_atomic(path: &Path, bytes: &[u8]) -> Result<bool, ImagingError> {
    let (tmp, dir) = staged(path, bytes)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {
            sync_dir(dir);
            Ok(true)
        }
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(ImagingError::io(path, e.error)),
    }
}

/// Writes a file the artist named: replacing one that is there when a dialog already asked
/// (`replace`), else failing with words that say so (a typed path: nothing was asked).
pub fn write_named(path: &Path, bytes: &[u8], replace: bool) -> Result<(), ImagingError> {
    if replace {
        return write_atomic(path, bytes);
    }
    if write_new_atomic(path, bytes)? {
        return Ok(());
    }
    Err(ImagingError::io(
        path,
        std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "a file with that name is already there; choose another name",
        ),
    ))
}

fn sync_dir(dir: &Path) {
    // Directory fsync makes the rename durable on Linux; elsewhere opening a folder may not work.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn png_round_trips_with_text() {
        let img = RgbaImage::from_pixel(4, 3, image::Rgba([1, 2, 3, 255]));
        let bytes = encode_png(&img, &[("prompt", "un renard roux — 狐"), ("seed", "7")]).unwrap();
        let decoded = decode_limited(&bytes).unwrap();
        assert_eq!((decoded.width(), decoded.height()), (4, 3));
        let text = png_text(&bytes).unwrap();
        assert!(text.contains(&("prompt".into(), "un renard roux — 狐".into())));
        assert!(text.contains(&("seed".into(), "7".into())));
    }

    #[test]
    fn decompression_bomb_is_an_error() {
        // A valid PNG header claiming 100000 x 100000 pixels.
        let mut out = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut out, 100_000, 100_000);
            enc.set_color(png::ColorType::Grayscale);
            let w = enc.write_header().unwrap();
            drop(w);
        }
        let err = decode_limited(&out).unwrap_err();
        assert!(matches!(err, ImagingError::TooLarge(_)), "{err:?}");
    }

    #[test]
    fn garbage_is_not_an_image() {
        assert!(matches!(
            decode_limited(b"<html>oops</html>"),
            Err(ImagingError::UnknownFormat(_))
        ));
    }

    #[test]
    fn atomic_writes_never_clobber_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a/b.png");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert!(!write_new_atomic(&p, b"three").unwrap());
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        let leftovers: Vec<_> = std::fs::read_dir(p.parent().unwrap())
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().starts_with(".partial-"))
            .collect();
        assert!(leftovers.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn written_files_are_readable_by_other_programs() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("out.png");
        write_atomic(&p, b"x").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode();
        // Group and others may read it (0644 under the usual umask 022), unlike a 0600 temp file.
        assert_eq!(mode & 0o044, 0o044, "mode {mode:o}");
    }

    #[test]
    fn stale_partial_files_are_swept_and_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path();
        let stale = sub.join(".partial-abc");
        let fresh = sub.join(".partial-def");
        let image = sub.join("result.png");
        // A job's folder is its driver's to sweep (the engine does when it takes the job up).
        let job = sub.join("library/job");
        std::fs::create_dir_all(&job).unwrap();
        let in_job = job.join(".partial-ghi");
        for p in [&stale, &fresh, &image, &in_job] {
            std::fs::write(p, b"x").unwrap();
        }
        let old = std::time::SystemTime::now() - std::time::Duration::from_hours(1);
        for p in [&stale, &image, &in_job] {
            std::fs::File::options()
                .write(true)
                .open(p)
                .unwrap()
                .set_modified(old)
                .unwrap();
        }
        assert_eq!(
            sweep_partials(dir.path(), std::time::Duration::from_mins(10)),
            1
        );
        assert!(!stale.exists());
        assert!(fresh.exists(), "a write may still be at work");
        assert!(image.exists(), "only .partial files go");
        assert!(in_job.exists(), "sub-folders are not walked");
        assert_eq!(sweep_partials(&job, std::time::Duration::ZERO), 1);
    }
}
