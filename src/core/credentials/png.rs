//! A PNG's chunks, walked and spliced without decoding a pixel.

use std::ops::Range;

/// The PNG signature.
pub const SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// The `iTXt` keyword XMP lives under (Adobe's XMP specification, part 3).
pub const XMP_KEYWORD: &str = "XML:com.adobe.xmp";

/// The chunk type C2PA embeds its manifest store in.
pub const C2PA_CHUNK: &[u8; 4] = b"caBX";

/// One chunk: its type and where its bytes are (length, type, data and CRC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    pub kind: [u8; 4],
    pub span: Range<usize>,
    pub data: Range<usize>,
}

/// Every chunk of a PNG in order, or `None` if the bytes are not a well-formed PNG (a chunk runs
/// past the end, or `IHDR` is not first).
pub fn chunks(bytes: &[u8]) -> Option<Vec<Chunk>> {
    if bytes.get(..8)? != SIGNATURE {
        return None;
    }
    let mut out = Vec::new();
    let mut at = 8;
    while at < bytes.len() {
        let len = u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?) as usize;
        let kind: [u8; 4] = bytes.get(at + 4..at + 8)?.try_into().ok()?;
        let data = at + 8..(at + 8).checked_add(len)?;
        let end = data.end.checked_add(4)?;
        if end > bytes.len() {
            return None;
        }
        out.push(Chunk {
            kind,
            span: at..end,
            data,
        });
        at = end;
        if &kind == b"IEND" {
            break;
        }
    }
    (out.first().map(|c| &c.kind) == Some(b"IHDR")).then_some(out)
}

/// An `iTXt` chunk's keyword, if `chunk` is one.
pub fn itxt_keyword<'a>(bytes: &'a [u8], chunk: &Chunk) -> Option<&'a [u8]> {
    if &chunk.kind != b"iTXt" {
        return None;
    }
    let data = &bytes[chunk.data.clone()];
    let nul = memchr::memchr(0, data)?;
    Some(&data[..nul])
}

/// An uncompressed `iTXt` chunk's text, if `chunk` is one under `keyword`.
pub fn itxt_text<'a>(bytes: &'a [u8], chunk: &Chunk, keyword: &str) -> Option<&'a str> {
    if itxt_keyword(bytes, chunk)? != keyword.as_bytes() {
        return None;
    }
    let data = &bytes[chunk.data.clone()];
    let mut rest = &data[keyword.len() + 1..];
    // compression flag 0 (uncompressed), method, then the language tag and translated keyword
    if rest.first() != Some(&0) {
        return None;
    }
    rest = rest.get(2..)?;
    let lang_end = memchr::memchr(0, rest)?;
    rest = &rest[lang_end + 1..];
    let translated_end = memchr::memchr(0, rest)?;
    std::str::from_utf8(&rest[translated_end + 1..]).ok()
}

/// One uncompressed `iTXt` chunk, whole (length, type, data, CRC).
pub fn itxt_chunk(keyword: &str, text: &str) -> Option<Vec<u8>> {
    if keyword.is_empty() || keyword.len() > 79 || !keyword.is_ascii() {
        return None;
    }
    let mut data = Vec::with_capacity(keyword.len() + text.len() + 5);
    data.extend_from_slice(keyword.as_bytes());
    // null separator, compression flag 0, method 0, empty language tag, empty translated keyword
    data.extend_from_slice(&[0, 0, 0, 0, 0]);
    data.extend_from_slice(text.as_bytes());
    whole_chunk(b"iTXt", &data)
}

/// A chunk of `kind` holding `data`, with its length and CRC.
pub fn whole_chunk(kind: &[u8; 4], data: &[u8]) -> Option<Vec<u8>> {
    let len = u32::try_from(data.len()).ok()?;
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    let mut out = Vec::with_capacity(data.len() + 12);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
    Some(out)
}

/// The PNG without the chunks `drop` picks; every other byte as it was.
pub fn without(bytes: &[u8], drop: impl Fn(&[u8], &Chunk) -> bool) -> Option<Vec<u8>> {
    let all = chunks(bytes)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(SIGNATURE);
    for chunk in &all {
        if !drop(bytes, chunk) {
            out.extend_from_slice(&bytes[chunk.span.clone()]);
        }
    }
    Some(out)
}

/// The PNG with `extra` (whole chunks) inserted right after `IHDR`.
pub fn with_after_header(bytes: &[u8], extra: &[u8]) -> Option<Vec<u8>> {
    let header = chunks(bytes)?.into_iter().next()?;
    let mut out = Vec::with_capacity(bytes.len() + extra.len());
    out.extend_from_slice(&bytes[..header.span.end]);
    out.extend_from_slice(extra);
    out.extend_from_slice(&bytes[header.span.end..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny_png() -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(2, 2, image::Rgba([1, 2, 3, 255]));
        crate::core::imaging::encode_png(&img, &[]).unwrap_or_default()
    }

    #[test]
    fn a_spliced_text_chunk_is_found_and_dropped_again() {
        let png = tiny_png();
        let chunk = itxt_chunk(XMP_KEYWORD, "<x:xmpmeta/> 花").unwrap_or_default();
        let with = with_after_header(&png, &chunk).unwrap_or_default();
        let all = chunks(&with).unwrap_or_default();
        assert_eq!(&all[1].kind, b"iTXt");
        assert_eq!(
            itxt_text(&with, &all[1], XMP_KEYWORD),
            Some("<x:xmpmeta/> 花")
        );
        let back = without(&with, |b, c| {
            itxt_keyword(b, c) == Some(XMP_KEYWORD.as_bytes())
        });
        assert_eq!(back.as_deref(), Some(png.as_slice()));
    }

    #[test]
    fn a_truncated_png_is_not_walked() {
        let png = tiny_png();
        assert!(chunks(&png[..png.len() - 3]).is_none());
        assert!(chunks(b"not a png").is_none());
    }
}
