//! Wire types: the request body and the task envelope exactly as the API contract spells them.
//!
//! Serialisation rules: optional fields are left out when unset, `n` is always sent
//! (upstream's default differs from reAPI's documented one).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize};

/// The two tiers. Both share one parameter shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Model {
    /// Standard tier, 1K/2K in every mode.
    #[serde(rename = "wan2.7-image")]
    #[default]
    Standard,
    /// Pro tier, up to 4K for text-to-image.
    #[serde(rename = "wan2.7-image-pro")]
    Pro,
}

impl Model {
    pub const ALL: [Model; 2] = [Model::Standard, Model::Pro];

    /// The model id sent on the wire.
    pub fn id(self) -> &'static str {
        match self {
            Model::Standard => "wan2.7-image",
            Model::Pro => "wan2.7-image-pro",
        }
    }

    /// The tier's name as an artist reads it.
    pub fn tier_name(self) -> &'static str {
        match self {
            Model::Standard => "Standard",
            Model::Pro => "Pro",
        }
    }

    pub fn from_id(id: &str) -> Option<Model> {
        Model::ALL.into_iter().find(|m| m.id() == id)
    }
}

impl fmt::Display for Model {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// A region box `[x1, y1, x2, y2]` in absolute pixels of its input image, origin top-left.
pub type BBox = [i64; 4];

/// One palette swatch: `{ "hex": "#RRGGBB", "ratio": "23.51%" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaletteEntry {
    pub hex: String,
    pub ratio: String,
}

/// The body of `POST /api/v1/images/generations`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GenerationRequest {
    pub model: Model,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub image_urls: Vec<String>,
    pub n: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub negative_prompt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking_mode: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_sequential: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bbox_list: Option<Vec<Vec<BBox>>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color_palette: Option<Vec<PaletteEntry>>,
}

impl GenerationRequest {
    /// A request with only the model set and `n = 1`.
    pub fn new(model: Model) -> Self {
        GenerationRequest {
            model,
            prompt: None,
            image_urls: Vec::new(),
            n: 1,
            size: None,
            resolution: None,
            negative_prompt: None,
            watermark: None,
            seed: None,
            thinking_mode: None,
            enable_sequential: None,
            bbox_list: None,
            color_palette: None,
        }
    }

    /// Whether the request asks for a group series.
    pub fn is_group(&self) -> bool {
        self.enable_sequential == Some(true)
    }

    /// Whether any reference box is present.
    pub fn has_boxes(&self) -> bool {
        self.bbox_list
            .as_ref()
            .is_some_and(|l| l.iter().any(|boxes| !boxes.is_empty()))
    }

    /// The first `chars` characters of the prompt, on one line, with an ellipsis if cut.
    pub fn prompt_excerpt(&self, chars: usize) -> String {
        excerpt(self.prompt.as_deref().unwrap_or(""), chars)
    }

    /// The size as an artist reads it: `16:9 1K`, `2K`, `1024×1024` (empty when none was sent).
    pub fn size_label(&self) -> String {
        let size = self.size.as_deref().unwrap_or("").trim();
        let size = match size.split_once(['x', 'X']) {
            Some((w, h)) if w.parse::<u32>().is_ok() && h.parse::<u32>().is_ok() => {
                format!("{w}×{h}")
            }
            _ => size.to_owned(),
        };
        match self.resolution.as_deref().map(str::trim) {
            Some(r) if !r.is_empty() && !size.is_empty() => format!("{size} {}", r.to_uppercase()),
            Some(r) if !r.is_empty() => r.to_uppercase(),
            _ => size,
        }
    }

    /// The mode the request runs in; there is no mode field, the shape decides.
    pub fn mode(&self) -> Mode {
        if self.is_group() {
            Mode::GroupSeries
        } else if self.image_urls.is_empty() {
            Mode::TextToImage
        } else if self.has_boxes() {
            Mode::RegionEdit {
                references: self.image_urls.len(),
            }
        } else {
            Mode::Editing {
                references: self.image_urls.len(),
            }
        }
    }
}

/// The mode a request runs in, decided by its shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    TextToImage,
    Editing { references: usize },
    RegionEdit { references: usize },
    GroupSeries,
}

impl Mode {
    /// The mode in the catalogue's words.
    pub fn message(&self) -> crate::core::text::i18n::Message {
        match self {
            Mode::TextToImage => crate::msg!("mode-text-to-image"),
            Mode::Editing { references } => crate::msg!("mode-editing", n = *references),
            Mode::RegionEdit { .. } => crate::msg!("mode-region-edit"),
            Mode::GroupSeries => crate::msg!("mode-group-series"),
        }
    }
}

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.message().fmt(f)
    }
}

/// A task's status. Unknown statuses are kept as they are, never a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskStatus {
    Processing,
    Completed,
    Failed,
    Other(String),
}

impl TaskStatus {
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Processing => "processing",
            TaskStatus::Completed => "completed",
            TaskStatus::Failed => "failed",
            TaskStatus::Other(s) => s,
        }
    }
}

impl TaskStatus {
    /// reAPI's spelling or the provider's (`PENDING`, `RUNNING`, `SUCCEEDED`, `FAILED`,
    /// `CANCELED`), in any case; anything else is kept as it came (shown as it is).
    pub fn parse(s: &str) -> TaskStatus {
        match s.trim().to_ascii_lowercase().as_str() {
            "processing" | "pending" | "running" => TaskStatus::Processing,
            "completed" | "succeeded" => TaskStatus::Completed,
            // A cancelled task is not charged: it ends like a failed one.
            "failed" | "canceled" | "cancelled" => TaskStatus::Failed,
            _ => TaskStatus::Other(s.to_owned()),
        }
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(TaskStatus::parse(&s))
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The error object of the one error envelope. `code` arrives as a string or a number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ApiErrorBody {
    #[serde(deserialize_with = "code_from_string_or_number", default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl fmt::Display for ApiErrorBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (code {}", self.message, self.code)?;
        if let Some(id) = &self.request_id {
            write!(f, ", request_id {id}")?;
        }
        f.write_str(")")
    }
}

fn code_from_string_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Code {
        S(String),
        N(i64),
    }
    Ok(match Code::deserialize(d)? {
        Code::S(s) => s,
        Code::N(n) => n.to_string(),
    })
}

/// `{ "error": { … } }`
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorEnvelope {
    pub error: ApiErrorBody,
}

/// `output` of a completed task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct TaskOutput {
    #[serde(default)]
    pub image_urls: Vec<String>,
}

/// The task envelope returned by submit and poll.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TaskInfo {
    pub id: String,
    #[serde(default)]
    pub model: Option<String>,
    pub status: TaskStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output: Option<TaskOutput>,
    #[serde(default)]
    pub error: Option<ApiErrorBody>,
}

/// The first `chars` characters of a text, on one line, with an ellipsis if cut; control
/// characters and bidi overrides shown escaped (`\u{1b}`), so it is safe on a terminal or a label.
pub fn excerpt(text: &str, chars: usize) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let one_line = crate::core::text::terminal::printable(&one_line).into_owned();
    if one_line.chars().count() <= chars {
        one_line
    } else {
        one_line
            .chars()
            .take(chars.saturating_sub(1))
            .collect::<String>()
            + "…"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_in_either_spelling_map_and_unknown_ones_are_kept() {
        for (s, want) in [
            ("processing", TaskStatus::Processing),
            ("PENDING", TaskStatus::Processing),
            ("Running", TaskStatus::Processing),
            ("completed", TaskStatus::Completed),
            ("SUCCEEDED", TaskStatus::Completed),
            ("FAILED", TaskStatus::Failed),
            ("CANCELED", TaskStatus::Failed),
            ("UNKNOWN", TaskStatus::Other("UNKNOWN".into())),
            ("paused-ish", TaskStatus::Other("paused-ish".into())),
        ] {
            let got: TaskStatus = serde_json::from_value(serde_json::json!(s)).unwrap();
            assert_eq!(got, want, "{s}");
        }
    }

    #[test]
    fn error_code_accepts_string_and_number() {
        let a: ErrorEnvelope =
            serde_json::from_str(r#"{"error":{"code":"20007","message":"m"}}"#).unwrap();
        let b: ErrorEnvelope =
            serde_json::from_str(r#"{"error":{"code":20007,"message":"m","request_id":"r"}}"#)
                .unwrap();
        assert_eq!(a.error.code, "20007");
        assert_eq!(b.error.code, "20007");
        assert_eq!(b.error.request_id.as_deref(), Some("r"));
    }

    #[test]
    fn unknown_status_is_kept() {
        let t: TaskInfo = serde_json::from_str(r#"{"id":"t","status":"queued"}"#).unwrap();
        assert_eq!(t.status, TaskStatus::Other("queued".into()));
    }

    #[test]
    fn mode_follows_shape() {
        let mut r = GenerationRequest::new(Model::Pro);
        assert_eq!(r.mode(), Mode::TextToImage);
        r.image_urls = vec!["https://a/x.png".into()];
        assert_eq!(r.mode(), Mode::Editing { references: 1 });
        r.bbox_list = Some(vec![vec![[0, 0, 10, 10]]]);
        assert_eq!(r.mode(), Mode::RegionEdit { references: 1 });
        r.enable_sequential = Some(true);
        assert_eq!(r.mode(), Mode::GroupSeries);
    }
}
