//! A batch made from the compose form: the form's request as one job-file line, varied over a
//! seed range, sizes and palettes. It goes through the same parser as a file, so a batch from the
//! window expands, checks and prices exactly as the same line would in a job file (its `{a|b}`
//! alternatives included), and the line can be kept and run again.

use std::path::Path;

use serde_json::{Map, Value, json};

use super::{Batch, BatchError, LoadOptions};
use crate::core::api::request::{GenerationRequest, PaletteEntry};

/// What to vary the form's request over. Each list multiplies; empty lists vary nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variations {
    /// Runs of the request with successive seeds from its own (1: just the one).
    pub seeds: u32,
    /// Sizes as the API spells them (`"16:9"`, `"2K"`, `"1536x1024"`).
    pub sizes: Vec<String>,
    /// Palettes, each as the API carries it.
    pub palettes: Vec<Vec<PaletteEntry>>,
}

/// The job-file line for `request` varied by `v` (JSON, the API's field names).
pub fn job_line(request: &GenerationRequest, v: &Variations) -> String {
    let mut fields = match serde_json::to_value(request) {
        Ok(Value::Object(map)) => map,
        _ => Map::new(),
    };
    if let Some(images) = fields.remove("image_urls") {
        fields.insert("images".to_owned(), images);
    }
    let mut matrix = Map::new();
    if !v.sizes.is_empty() {
        fields.remove("size");
        matrix.insert("size".to_owned(), json!(v.sizes));
    }
    if !v.palettes.is_empty() {
        fields.remove("color_palette");
        matrix.insert("color_palette".to_owned(), json!(v.palettes));
    }
    if !matrix.is_empty() {
        fields.insert("matrix".to_owned(), Value::Object(matrix));
    }
    if v.seeds > 1 {
        fields.insert("repeat".to_owned(), json!(v.seeds));
    }
    let mut line = Value::Object(fields).to_string();
    line.push('\n');
    line
}

impl Batch {
    /// The batch the form's request makes, varied by `v`, with the job-file line it was read
    /// from (to keep, so the batch can be resumed after a restart).
    pub fn from_form(
        request: &GenerationRequest,
        v: &Variations,
        options: &LoadOptions,
    ) -> Result<(Batch, String), BatchError> {
        let line = job_line(request, v);
        let batch = Batch::parse(line.as_bytes(), "form.jsonl", Path::new("."), options)?;
        Ok((batch, line))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::request::Model;

    fn request() -> GenerationRequest {
        let mut r = GenerationRequest::new(Model::Standard);
        r.prompt = Some("a {red|blue} fox, 狐狸".to_owned());
        r.size = Some("1:1".to_owned());
        r.resolution = Some("2K".to_owned());
        r.seed = Some(100);
        r
    }

    #[test]
    fn the_form_varies_over_seeds_sizes_and_its_alternatives_in_the_documented_order() {
        let v = Variations {
            seeds: 3,
            sizes: vec!["1:1".to_owned(), "16:9".to_owned()],
            palettes: Vec::new(),
        };
        let (batch, line) = Batch::from_form(&request(), &v, &LoadOptions::default()).unwrap();
        assert_eq!(batch.jobs.len(), 2 * 2 * 3, "sizes × alternatives × seeds");
        let first = &batch.jobs[0].request;
        assert_eq!(first.size.as_deref(), Some("1:1"));
        assert_eq!(first.prompt.as_deref(), Some("a red fox, 狐狸"));
        assert_eq!(first.seed, Some(100));
        assert_eq!(
            batch.jobs[1].request.seed,
            Some(101),
            "repeats change fastest"
        );
        assert_eq!(
            batch.jobs[3].request.prompt.as_deref(),
            Some("a blue fox, 狐狸")
        );
        assert_eq!(batch.jobs[6].request.size.as_deref(), Some("16:9"));
        // The same form is the same batch.
        let (again, _) = Batch::from_form(&request(), &v, &LoadOptions::default()).unwrap();
        assert_eq!(again.id, batch.id);
        assert!(line.ends_with('\n') && line.contains("\"repeat\":3"));
    }

    #[test]
    fn palettes_multiply_and_a_bad_palette_is_refused_before_anything() {
        let swatch = |hex: &str, ratio: &str| PaletteEntry {
            hex: hex.to_owned(),
            ratio: ratio.to_owned(),
        };
        let good = vec![
            swatch("#112233", "50.00%"),
            swatch("#445566", "30.00%"),
            swatch("#778899", "20.00%"),
        ];
        let v = Variations {
            seeds: 1,
            sizes: Vec::new(),
            palettes: vec![good.clone(), good[..2].to_vec()],
        };
        let mut r = request();
        r.prompt = Some("a fox".to_owned());
        let err = Batch::from_form(&r, &v, &LoadOptions::default()).unwrap_err();
        assert!(err.to_string().contains("color_palette"), "{err}");
        let v = Variations {
            palettes: vec![good.clone(), good],
            ..v
        };
        let (batch, _) = Batch::from_form(&r, &v, &LoadOptions::default()).unwrap();
        assert_eq!(batch.jobs.len(), 2);
        assert!(batch.jobs.iter().all(|j| j.request.color_palette.is_some()));
    }
}
