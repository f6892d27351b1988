//! Content credentials: every image the studio writes says, in the marks the world reads, that it
//! is AI-generated, by which model, from which references.
//!
//! Two marks go into each PNG, both spliced in without touching a pixel:
//! - **XMP** (`iTXt` keyed `XML:com.adobe.xmp`): IPTC's `DigitalSourceType` =
//!   `trainedAlgorithmicMedia`, the tool, the date, the model and (unless turned off) the prompt;
//! - a signed **C2PA manifest** (`caBX` chunk), made with the Content Authenticity Initiative's
//!   `c2pa` crate: the actions (`c2pa.created`, or `c2pa.opened` + `c2pa.edited` for an edit),
//!   the references as ingredients (a reference that carries its own manifest is linked), and the
//!   request's parameters.
//!
//! The manifest's hash covers every byte but its own chunk, so signing is the last write.

pub mod identity;
pub mod png;
pub mod read;
pub mod xmp;

use std::io::Cursor;
use std::path::{Path, PathBuf};

pub use identity::Identity;
pub use read::{Report, Verdict, read};

/// IPTC's digital source type for media made by a trained model.
pub const AI_SOURCE: &str =
    "http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia";

/// The label of the assertion holding the request's parameters.
pub const PARAMETERS_LABEL: &str = "app.wan-studio.parameters";

/// The tool's name and version, as the marks spell it.
pub fn creator_tool() -> String {
    format!("Wan Studio {}", env!("CARGO_PKG_VERSION"))
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialsError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the signing identity: {0}")]
    Identity(String),
    #[error("the image is not a well-formed PNG")]
    NotPng,
    #[error("the content credentials could not be signed: {0}")]
    Sign(String),
    #[error("the file is not an image this app can read")]
    NotImage,
}

impl CredentialsError {
    pub fn io(path: &Path, source: std::io::Error) -> CredentialsError {
        CredentialsError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// What the image's making was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Making {
    /// Text to image: every pixel made by the model.
    Created,
    /// An edit of references: the model made new pixels from them.
    Edited,
    /// A library file written out again with other metadata (an export): its pixels unchanged.
    Exported,
}

/// An ingredient: a reference the model was given, or the library file an export came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingredient {
    pub title: String,
    /// Its bytes on this computer, when they are here (an earlier result): the ingredient is then
    /// made from the file, and a manifest it carries is linked.
    pub file: Option<PathBuf>,
    /// What is known of it otherwise (e.g. the hash of the bytes sent).
    pub description: Option<String>,
}

/// Everything the marks say about one image.
#[derive(Debug, Clone, PartialEq)]
pub struct Story {
    pub title: String,
    pub model: String,
    /// When the image was made (RFC 3339).
    pub created: String,
    pub prompt: Option<String>,
    /// The request as sent (links without their query); `None` when the artist keeps it out.
    pub parameters: Option<serde_json::Value>,
    pub making: Making,
    pub ingredients: Vec<Ingredient>,
}

/// RFC 3339 for a time in milliseconds since the epoch.
pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms).map_or_else(|_| String::new(), |t| t.to_string())
}

/// The most bytes an ingredient's file is read for (far more than any image the model makes).
const MAX_INGREDIENT_BYTES: u64 = 256 * 1024 * 1024;

/// A file's bytes, at most `max` of them: a larger file is an error that says so (an image, a
/// certificate: whatever is read for the credentials is bounded).
pub fn read_bounded(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_end(&mut out)?;
    if out.len() as u64 > max {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!("larger than {} MiB", max / (1024 * 1024)),
        ));
    }
    Ok(out)
}

/// The MIME type of encoded image bytes.
pub(crate) fn mime_of(bytes: &[u8]) -> Option<&'static str> {
    Some(match crate::core::imaging::sniff_format(bytes)? {
        image::ImageFormat::Png => "image/png",
        image::ImageFormat::Jpeg => "image/jpeg",
        image::ImageFormat::WebP => "image/webp",
        image::ImageFormat::Gif => "image/gif",
        image::ImageFormat::Tiff => "image/tiff",
        image::ImageFormat::Bmp => "image/bmp",
        _ => return None,
    })
}

/// The PNG without credentials of its own: no C2PA chunk and no XMP.
pub fn strip(png: &[u8]) -> Option<Vec<u8>> {
    png::without(png, is_old_mark)
}

/// Whether a PNG carries a C2PA chunk.
pub fn has_manifest(png: &[u8]) -> bool {
    png::chunks(png).is_some_and(|all| all.iter().any(|c| &c.kind == png::C2PA_CHUNK))
}

/// `png` with its old marks removed and the XMP of `story` spliced in after `IHDR` (no manifest).
pub fn embed_xmp(png: &[u8], story: &Story) -> Option<Vec<u8>> {
    let bare = strip(png)?;
    let chunk = png::itxt_chunk(png::XMP_KEYWORD, &xmp_packet(story))?;
    png::with_after_header(&bare, &chunk)
}

/// `png` with both marks: its own old ones replaced, the XMP spliced in after `IHDR`, then the
/// C2PA manifest signed over every other byte. CPU work (one hash over the file, one signature).
pub fn embed(png: &[u8], story: &Story, identity: &Identity) -> Result<Vec<u8>, CredentialsError> {
    let all = png::chunks(png).ok_or(CredentialsError::NotPng)?;
    let xmp_chunk =
        png::itxt_chunk(png::XMP_KEYWORD, &xmp_packet(story)).ok_or(CredentialsError::NotPng)?;
    let mut builder = manifest_builder(story)?;
    let signer = identity.signer()?;
    let placeholder = builder
        .data_hashed_placeholder(signer.reserve_size(), "image/png")
        .map_err(sign_error)?;
    // One copy of the file, hashed as it is copied (while the bytes are hot): the signature and
    // `IHDR`, the placeholder (left out of the hash), the XMP, then every chunk but the old marks.
    let header = all
        .first()
        .map(|c| c.span.end)
        .ok_or(CredentialsError::NotPng)?;
    let mut out = Vec::with_capacity(png.len() + placeholder.len() + xmp_chunk.len());
    let mut hasher = <sha2::Sha256 as sha2::Digest>::new();
    let mut put = |out: &mut Vec<u8>, bytes: &[u8]| {
        sha2::Digest::update(&mut hasher, bytes);
        out.extend_from_slice(bytes);
    };
    put(&mut out, &png[..header]);
    out.extend_from_slice(&placeholder);
    put(&mut out, &xmp_chunk);
    for chunk in &all[1..] {
        if !is_old_mark(png, chunk) {
            put(&mut out, &png[chunk.span.clone()]);
        }
    }
    let mut hash = c2pa::assertions::DataHash::new("jumbf manifest", "sha256");
    hash.add_exclusion(c2pa::HashRange::new(
        header as u64,
        placeholder.len() as u64,
    ));
    hash.set_hash(sha2::Digest::finalize(hasher).to_vec());
    let manifest = builder
        .sign_data_hashed_embeddable(signer.as_ref(), &hash, "image/png")
        .map_err(sign_error)?;
    if manifest.len() != placeholder.len() {
        return Err(CredentialsError::Sign(format!(
            "the signed manifest ({} bytes) does not fit its place ({} bytes)",
            manifest.len(),
            placeholder.len()
        )));
    }
    out[header..header + manifest.len()].copy_from_slice(&manifest);
    Ok(out)
}

/// Whether a chunk is one of the marks [`embed`] replaces: a manifest, or an XMP packet.
fn is_old_mark(bytes: &[u8], chunk: &png::Chunk) -> bool {
    &chunk.kind == png::C2PA_CHUNK
        || png::itxt_keyword(bytes, chunk) == Some(png::XMP_KEYWORD.as_bytes())
}

/// The XMP packet telling `story`.
fn xmp_packet(story: &Story) -> String {
    xmp::packet(
        &creator_tool(),
        &story.created,
        &story.model,
        story.prompt.as_deref(),
    )
}

fn sign_error(e: impl std::fmt::Display) -> CredentialsError {
    CredentialsError::Sign(e.to_string())
}

/// The manifest of `story`, ready to be signed: its actions, parameters and ingredients.
fn manifest_builder(story: &Story) -> Result<c2pa::Builder, CredentialsError> {
    use serde_json::json;
    let agent = json!({ "name": story.model });
    let tool = json!({ "name": "Wan Studio", "version": env!("CARGO_PKG_VERSION") });
    let mut builder = c2pa::Builder::from_context(c2pa::Context::new())
        .with_definition(json!({
            "title": story.title,
            "format": "image/png",
            "claim_generator_info": [tool],
        }))
        .map_err(sign_error)?;
    let mut actions = Vec::new();
    match story.making {
        Making::Created => {
            builder.set_intent(c2pa::BuilderIntent::Create(
                c2pa::DigitalSourceType::TrainedAlgorithmicMedia,
            ));
            actions.push(json!({
                "action": "c2pa.created",
                "digitalSourceType": AI_SOURCE,
                "softwareAgent": agent,
                "when": story.created,
            }));
        }
        Making::Edited => {
            builder.set_intent(c2pa::BuilderIntent::Edit);
            actions.push(json!({
                "action": "c2pa.edited",
                "digitalSourceType": AI_SOURCE,
                "softwareAgent": agent,
                "when": story.created,
                "description": "made by the model from the references",
            }));
        }
        Making::Exported => {
            builder.set_intent(c2pa::BuilderIntent::Edit);
            actions.push(json!({
                "action": "c2pa.edited.metadata",
                "softwareAgent": tool,
                "description": "written out of the library with its metadata",
            }));
        }
    }
    builder
        .add_assertion(
            c2pa::assertions::Actions::LABEL,
            &json!({ "actions": actions }),
        )
        .map_err(sign_error)?;
    if let Some(params) = &story.parameters {
        builder
            .add_assertion(PARAMETERS_LABEL, params)
            .map_err(sign_error)?;
    }
    for (i, ingredient) in story.ingredients.iter().enumerate() {
        // The first is the parent of an edit or export; the others went in beside it.
        let relationship = if i == 0 && story.making != Making::Created {
            "parentOf"
        } else {
            "inputTo"
        };
        let mut def = json!({ "title": ingredient.title, "relationship": relationship });
        if let Some(d) = &ingredient.description {
            def["description"] = json!(d);
        }
        let bytes = ingredient
            .file
            .as_deref()
            .and_then(|f| read_bounded(f, MAX_INGREDIENT_BYTES).ok());
        if let Some((b, mime)) = bytes.as_deref().and_then(|b| mime_of(b).map(|m| (b, m))) {
            builder
                .add_ingredient_from_stream(def.to_string(), mime, &mut Cursor::new(b))
                .map_err(sign_error)?;
        } else {
            def["format"] = json!("image/png");
            let ing = c2pa::Ingredient::from_json(&def.to_string()).map_err(sign_error)?;
            builder.add_ingredient(ing);
        }
    }
    Ok(builder)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn picture() -> Vec<u8> {
        let img = image::RgbaImage::from_fn(64, 48, |x, y| {
            image::Rgba([(x * 4) as u8, (y * 5) as u8, 90, 255])
        });
        crate::core::imaging::encode_png(&img, &[("Software", "Wan Studio")]).unwrap_or_default()
    }

    fn story(making: Making, ingredients: Vec<Ingredient>) -> Story {
        Story {
            title: "01.png".to_owned(),
            model: "wan2.7-image-pro".to_owned(),
            created: "2026-12-07T08:00:00Z".to_owned(),
            prompt: Some("花店 a flower shop".to_owned()),
            parameters: Some(
                serde_json::json!({"model": "wan2.7-image-pro", "prompt": "花店 a flower shop"}),
            ),
            making,
            ingredients,
        }
    }

    fn identity() -> (tempfile::TempDir, Identity) {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let id = Identity::local(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        (dir, id)
    }

    /// Flips one byte of the first IDAT's data and fixes the chunk's CRC, so only the credentials
    /// can tell.
    pub(crate) fn tamper(png_bytes: &mut [u8]) {
        let all = png::chunks(png_bytes).unwrap_or_default();
        let Some(idat) = all.iter().find(|c| &c.kind == b"IDAT") else {
            panic!("no IDAT");
        };
        png_bytes[idat.data.start + idat.data.len() / 2] ^= 0x01;
        let mut crc = crc32fast::Hasher::new();
        crc.update(&png_bytes[idat.span.start + 4..idat.data.end]);
        let sum = crc.finalize().to_be_bytes();
        png_bytes[idat.data.end..idat.data.end + 4].copy_from_slice(&sum);
    }

    #[test]
    fn a_created_image_carries_both_marks_and_checks_out() {
        let (_dir, id) = identity();
        let signed = embed(&picture(), &story(Making::Created, vec![]), &id)
            .unwrap_or_else(|e| panic!("{e}"));
        let report = read(&signed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.verdict, Verdict::Intact, "{report:?}");
        assert!(report.has_xmp && report.has_manifest && report.ai_generated);
        assert_eq!(report.digital_source_type.as_deref(), Some(AI_SOURCE));
        assert_eq!(report.model.as_deref(), Some("wan2.7-image-pro"));
        assert_eq!(report.prompt.as_deref(), Some("花店 a flower shop"));
        let who = report.signer.unwrap_or_else(|| panic!("no signer"));
        assert_eq!(who.name.as_deref(), Some(identity::LOCAL_SIGNER_NAME));
        assert!(!who.trusted);
        assert!(
            report
                .warnings
                .iter()
                .any(|w| w.starts_with("signingCredential.untrusted"))
        );
        // Still the same picture.
        let before = image::load_from_memory(&picture())
            .map(|i| i.to_rgba8())
            .ok();
        let after = image::load_from_memory(&signed).map(|i| i.to_rgba8()).ok();
        assert_eq!(before, after);
    }

    #[test]
    fn the_hash_taken_while_copying_is_the_one_the_sdk_takes_of_the_file() {
        let (_dir, id) = identity();
        // Old marks in the input are replaced, not kept beside the new ones.
        let once = embed(&picture(), &story(Making::Created, vec![]), &id)
            .unwrap_or_else(|e| panic!("{e}"));
        let twice =
            embed(&once, &story(Making::Created, vec![]), &id).unwrap_or_else(|e| panic!("{e}"));
        let all = png::chunks(&twice).unwrap_or_default();
        let manifests: Vec<_> = all.iter().filter(|c| &c.kind == png::C2PA_CHUNK).collect();
        assert_eq!(manifests.len(), 1);
        assert_eq!(all.iter().filter(|c| is_old_mark(&twice, c)).count(), 2);
        // The SDK's own hash over the file, with the manifest's chunk left out, is the signed one.
        let span = manifests[0].span.clone();
        let mut sdk = c2pa::assertions::DataHash::new("jumbf manifest", "sha256");
        sdk.add_exclusion(c2pa::HashRange::new(span.start as u64, span.len() as u64));
        let theirs = sdk
            .hash_from_stream(&mut Cursor::new(&twice))
            .unwrap_or_else(|e| panic!("{e}"));
        let ours = <sha2::Sha256 as sha2::Digest>::digest(
            [&twice[..span.start], &twice[span.end..]].concat(),
        );
        assert_eq!(theirs, ours.to_vec());
        assert_eq!(read(&twice).map(|r| r.verdict).ok(), Some(Verdict::Intact));
    }

    #[test]
    fn one_changed_pixel_byte_is_caught() {
        let (_dir, id) = identity();
        let mut signed = embed(&picture(), &story(Making::Created, vec![]), &id)
            .unwrap_or_else(|e| panic!("{e}"));
        tamper(&mut signed);
        let report = read(&signed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.verdict, Verdict::Changed);
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.starts_with("assertion.dataHash.mismatch")),
            "{:?}",
            report.problems
        );
    }

    #[test]
    fn a_png_without_credentials_has_none() {
        let report = read(&picture()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.verdict, Verdict::None);
        assert!(!report.ai_generated);
        assert!(matches!(
            read(b"not an image"),
            Err(CredentialsError::NotImage)
        ));
    }

    #[test]
    fn an_edit_lists_its_references_and_links_a_results_manifest() {
        let (dir, id) = identity();
        let earlier = embed(&picture(), &story(Making::Created, vec![]), &id)
            .unwrap_or_else(|e| panic!("{e}"));
        let earlier_path = dir.path().join("earlier.png");
        std::fs::write(&earlier_path, &earlier).unwrap_or_else(|e| panic!("{e}"));
        let ingredients = vec![
            Ingredient {
                title: "earlier.png".to_owned(),
                file: Some(earlier_path),
                description: None,
            },
            Ingredient {
                title: "desk.jpg".to_owned(),
                file: None,
                description: Some("SHA-256 00ff".to_owned()),
            },
        ];
        let signed = embed(&picture(), &story(Making::Edited, ingredients), &id)
            .unwrap_or_else(|e| panic!("{e}"));
        let report = read(&signed).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.verdict, Verdict::Intact, "{report:?}");
        assert!(report.ai_generated);
        let titles: Vec<_> = report
            .ingredients
            .iter()
            .map(|i| i.title.as_str())
            .collect();
        assert_eq!(titles, ["earlier.png", "desk.jpg"]);
        assert!(report.ingredients[0].has_credentials);
        assert!(!report.ingredients[1].has_credentials);
    }

    #[test]
    fn signing_again_replaces_the_old_marks_and_keeps_the_ai_marking_without_the_prompt() {
        let (dir, id) = identity();
        let first = embed(&picture(), &story(Making::Created, vec![]), &id)
            .unwrap_or_else(|e| panic!("{e}"));
        let lib = dir.path().join("01.png");
        std::fs::write(&lib, &first).unwrap_or_else(|e| panic!("{e}"));
        let mut quiet = story(
            Making::Exported,
            vec![Ingredient {
                title: "01.png".to_owned(),
                file: Some(lib),
                description: None,
            }],
        );
        quiet.prompt = None;
        quiet.parameters = None;
        let again = embed(&first, &quiet, &id).unwrap_or_else(|e| panic!("{e}"));
        let report = read(&again).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(report.verdict, Verdict::Intact, "{report:?}");
        assert!(report.ai_generated, "the parent's marking carries through");
        assert_eq!(report.prompt, None);
        let all = png::chunks(&again).unwrap_or_default();
        assert_eq!(all.iter().filter(|c| &c.kind == png::C2PA_CHUNK).count(), 1);
    }
}
