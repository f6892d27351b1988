//! The XMP packet every image carries: IPTC's digital source type, the tool, the date, the model
//! and (unless the artist turned it off) the prompt.

use super::AI_SOURCE;

/// What the packet says.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Xmp {
    pub digital_source_type: Option<String>,
    pub creator_tool: Option<String>,
    pub create_date: Option<String>,
    pub model: Option<String>,
    pub description: Option<String>,
}

/// Escapes text for an XML element or attribute; control characters XML 1.0 forbids are dropped.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => out.push(c),
        }
    }
    out
}

fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&amp;", "&")
}

/// The XMP packet for an AI-generated image.
pub fn packet(creator_tool: &str, create_date: &str, model: &str, prompt: Option<&str>) -> String {
    let description = prompt.map_or_else(String::new, |p| {
        format!(
            "\n   <dc:description><rdf:Alt><rdf:li xml:lang=\"x-default\">{}</rdf:li></rdf:Alt></dc:description>",
            escape(p)
        )
    });
    format!(
        "<?xpacket begin=\"\u{feff}\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n\
<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n\
 <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n\
  <rdf:Description rdf:about=\"\"\n\
    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n\
    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n\
    xmlns:Iptc4xmpExt=\"http://iptc.org/std/Iptc4xmpExt/2008-02-29/\"\n\
    xmlns:wan=\"https://wan-studio.app/ns/1.0/\">\n\
   <Iptc4xmpExt:DigitalSourceType>{AI_SOURCE}</Iptc4xmpExt:DigitalSourceType>\n\
   <xmp:CreatorTool>{}</xmp:CreatorTool>\n\
   <xmp:CreateDate>{}</xmp:CreateDate>\n\
   <wan:Model>{}</wan:Model>{description}\n\
  </rdf:Description>\n\
 </rdf:RDF>\n\
</x:xmpmeta>\n\
<?xpacket end=\"w\"?>",
        escape(creator_tool),
        escape(create_date),
        escape(model),
    )
}

/// The text of the first `<tag>…</tag>` element (or `tag="…"` attribute) in `xml`.
fn field(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    if let Some(start) = xml.find(&open) {
        let rest = &xml[start + open.len()..];
        let end = rest.find(&format!("</{tag}>"))?;
        let inner = &rest[..end];
        // an rdf:Alt holds the text in its first rdf:li
        let inner = match inner.find("<rdf:li") {
            Some(li) => {
                let after = &inner[li..];
                let open_end = after.find('>')? + 1;
                let close = after.find("</rdf:li>")?;
                &after[open_end..close]
            }
            None => inner,
        };
        return Some(unescape(inner.trim()));
    }
    let attr = format!("{tag}=\"");
    let start = xml.find(&attr)? + attr.len();
    let end = xml[start..].find('"')?;
    Some(unescape(&xml[start..start + end]))
}

/// What a packet says, read leniently (any tool's XMP, not only ours).
pub fn read(xml: &str) -> Xmp {
    Xmp {
        digital_source_type: field(xml, "Iptc4xmpExt:DigitalSourceType"),
        creator_tool: field(xml, "xmp:CreatorTool"),
        create_date: field(xml, "xmp:CreateDate"),
        model: field(xml, "wan:Model"),
        description: field(xml, "dc:description"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_packet_reads_back_with_any_script_and_markup_in_the_prompt() {
        let xml = packet(
            "Wan Studio 0.1.0",
            "2026-12-07T08:00:00Z",
            "wan2.7-image-pro",
            Some("花店 <b>&\"quoted\"</b>"),
        );
        let back = read(&xml);
        assert_eq!(back.digital_source_type.as_deref(), Some(AI_SOURCE));
        assert_eq!(back.creator_tool.as_deref(), Some("Wan Studio 0.1.0"));
        assert_eq!(back.create_date.as_deref(), Some("2026-12-07T08:00:00Z"));
        assert_eq!(back.model.as_deref(), Some("wan2.7-image-pro"));
        assert_eq!(back.description.as_deref(), Some("花店 <b>&\"quoted\"</b>"));
    }

    #[test]
    fn without_the_prompt_the_ai_marking_stays() {
        let xml = packet("Wan Studio", "2026-12-07T08:00:00Z", "wan2.7-image", None);
        let back = read(&xml);
        assert_eq!(back.description, None);
        assert_eq!(back.digital_source_type.as_deref(), Some(AI_SOURCE));
    }

    #[test]
    fn an_attribute_form_packet_is_read_too() {
        let xml = "<rdf:Description Iptc4xmpExt:DigitalSourceType=\"http://x/y\" xmp:CreatorTool=\"Cam\"/>";
        let back = read(xml);
        assert_eq!(back.digital_source_type.as_deref(), Some("http://x/y"));
        assert_eq!(back.creator_tool.as_deref(), Some("Cam"));
    }
}
