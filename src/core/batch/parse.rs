//! Reading a job file: JSON Lines (one object per line) or CSV with a header row, both with the
//! API's own field names. What comes out is each line's fields as JSON values, with its line
//! number; [`super::Batch`] turns them into requests.

use serde_json::{Map, Value};

use super::BatchError;

/// The fields a line may set: the API's names, plus `images` (the references), `preset` (a saved
/// preset the line starts from) and the batch's own `matrix` and `repeat`.
pub const FIELDS: [&str; 16] = [
    "preset",
    "model",
    "prompt",
    "negative_prompt",
    "size",
    "resolution",
    "n",
    "seed",
    "watermark",
    "thinking_mode",
    "enable_sequential",
    "images",
    "bbox_list",
    "color_palette",
    "matrix",
    "repeat",
];

/// `image_urls`, the wire's name for `images`, is read as `images`.
pub fn canonical(field: &str) -> &str {
    if field == "image_urls" {
        "images"
    } else {
        field
    }
}

/// One line of a job file, as read.
#[derive(Debug, Clone)]
pub struct RawLine {
    /// Its line number in the file (from 1; a CSV's header is line 1).
    pub line: usize,
    pub fields: Map<String, Value>,
}

/// The two formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    JsonLines,
    Csv,
}

impl Format {
    /// By the file's name (`.csv`; `.jsonl`, `.ndjson`, `.json`), else by its first character.
    pub fn detect(name: &str, text: &str) -> Format {
        let ext = std::path::Path::new(name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase());
        if ext.as_deref() == Some("csv") {
            Format::Csv
        } else if matches!(ext.as_deref(), Some("jsonl" | "ndjson" | "json"))
            || text.trim_start().starts_with(['{', '#'])
        {
            Format::JsonLines
        } else {
            Format::Csv
        }
    }
}

/// Reads every line of a job file. Blank lines (and, in JSON Lines, lines starting with `#`) are
/// skipped.
pub fn lines(text: &str, format: Format) -> Result<Vec<RawLine>, BatchError> {
    match format {
        Format::JsonLines => json_lines(text),
        Format::Csv => csv_lines(text),
    }
}

fn json_lines(text: &str) -> Result<Vec<RawLine>, BatchError> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let value: Value = serde_json::from_str(trimmed).map_err(|e| {
            let why = if e.is_eof() {
                "the line ends before its JSON object does (a half-written line?)".to_owned()
            } else {
                format!("not valid JSON ({e})")
            };
            BatchError::line(line, None, None, why)
        })?;
        let Value::Object(map) = value else {
            return Err(BatchError::line(
                line,
                None,
                None,
                "each line must be one JSON object, such as {\"prompt\": \"a red fox\"}",
            ));
        };
        let mut fields = Map::new();
        for (k, v) in map {
            let key = canonical(&k).to_owned();
            known(line, &key)?;
            fields.insert(key, v);
        }
        out.push(RawLine { line, fields });
    }
    Ok(out)
}

fn known(line: usize, field: &str) -> Result<(), BatchError> {
    if FIELDS.contains(&field) {
        Ok(())
    } else {
        Err(BatchError::line(
            line,
            None,
            Some(field),
            format!(
                "not a field of a job (the fields are {})",
                FIELDS.join(", ")
            ),
        ))
    }
}

fn csv_lines(text: &str) -> Result<Vec<RawLine>, BatchError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .trim(csv::Trim::Headers)
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| BatchError::line(1, None, None, format!("the header row: {e}")))?
        .iter()
        .map(|h| canonical(h).to_owned())
        .collect();
    for (i, h) in headers.iter().enumerate() {
        if h.is_empty() {
            return Err(BatchError::line(
                1,
                None,
                None,
                format!("column {} of the header row has no name", i + 1),
            ));
        }
        known(1, h).map_err(|_| {
            BatchError::line(
                1,
                None,
                Some(h),
                format!(
                    "an unknown column (the columns a job file may have are {})",
                    FIELDS.join(", ")
                ),
            )
        })?;
        if headers[..i].contains(h) {
            return Err(BatchError::line(
                1,
                None,
                Some(h),
                "this column is given twice",
            ));
        }
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e
                .position()
                .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
            BatchError::line(line, None, None, csv_problem(&e))
        })?;
        let line = record
            .position()
            .map_or(0, |p| usize::try_from(p.line()).unwrap_or(0));
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let mut fields = Map::new();
        for (name, cell) in headers.iter().zip(record.iter()) {
            if cell.trim().is_empty() {
                continue;
            }
            let value = cell_value(name, cell)
                .map_err(|why| BatchError::line(line, None, Some(name), why))?;
            fields.insert(name.clone(), value);
        }
        out.push(RawLine { line, fields });
    }
    Ok(out)
}

fn csv_problem(e: &csv::Error) -> String {
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("this row has {len} cells and the header {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => "the row is not UTF-8 text".to_owned(),
        _ => e.to_string(),
    }
}

/// A CSV cell as the JSON value its column takes: text as it is; numbers and yes/no read; lists
/// and objects as JSON; `images` also as paths or links separated by `;`.
fn cell_value(field: &str, cell: &str) -> Result<Value, String> {
    let cell = cell.trim();
    match field {
        "n" | "seed" | "repeat" => cell
            .parse::<i64>()
            .map(Value::from)
            .map_err(|_| format!("{cell:?} is not a whole number")),
        "watermark" | "thinking_mode" | "enable_sequential" => match cell.to_lowercase().as_str() {
            "true" | "yes" | "1" | "on" => Ok(Value::Bool(true)),
            "false" | "no" | "0" | "off" => Ok(Value::Bool(false)),
            _ => Err(format!("{cell:?} is neither true nor false")),
        },
        "images" if !cell.starts_with('[') => Ok(Value::Array(
            cell.split(';')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(|s| Value::String(s.to_owned()))
                .collect(),
        )),
        "images" | "bbox_list" | "color_palette" | "matrix" => {
            serde_json::from_str(cell).map_err(|e| format!("the cell is not valid JSON ({e})"))
        }
        _ => Ok(Value::String(cell.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_lines_skip_blanks_and_comments_and_keep_line_numbers() {
        let text = "# my batch\n{\"prompt\": \"a\"}\n\n{\"prompt\": \"b\", \"n\": 2}\n";
        let l = lines(text, Format::JsonLines).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!((l[0].line, l[1].line), (2, 4));
        assert_eq!(l[1].fields["n"], 2);
    }

    #[test]
    fn a_half_written_line_names_its_number() {
        let e = lines("{\"prompt\": \"a\"}\n{\"prompt\": \"b", Format::JsonLines).unwrap_err();
        assert_eq!(e.line_number(), Some(2));
        assert!(e.to_string().contains("half-written"), "{e}");
    }

    #[test]
    fn an_unknown_field_or_column_is_refused() {
        let e = lines("{\"prompt\": \"a\", \"colour\": 1}", Format::JsonLines).unwrap_err();
        assert!(e.to_string().contains("colour"), "{e}");
        let e = lines("prompt,colour\na,1\n", Format::Csv).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("line 1: colour: an unknown column"),
            "{e}"
        );
    }

    #[test]
    fn csv_cells_take_their_columns_types() {
        let text = "prompt,n,watermark,images,color_palette\n\"a fox, red\",2,yes,a.png; b.png,\n狐狸,,no,\"[\"\"c.png\"\"]\",\n";
        let l = lines(text, Format::Csv).unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[0].line, 2);
        assert_eq!(l[0].fields["prompt"], "a fox, red");
        assert_eq!(l[0].fields["n"], 2);
        assert_eq!(l[0].fields["watermark"], true);
        assert_eq!(l[0].fields["images"], serde_json::json!(["a.png", "b.png"]));
        assert!(!l[0].fields.contains_key("color_palette"));
        assert_eq!(l[1].fields["prompt"], "狐狸");
        assert!(!l[1].fields.contains_key("n"));
        assert_eq!(l[1].fields["images"], serde_json::json!(["c.png"]));
        let e = lines("prompt,n\na,two\n", Format::Csv).unwrap_err();
        assert_eq!(e.to_string(), "line 2: n: \"two\" is not a whole number");
        let e = lines("prompt,n\na,1,extra\n", Format::Csv).unwrap_err();
        assert!(e.to_string().contains("3 cells"), "{e}");
    }

    #[test]
    fn the_format_is_told_by_the_name_then_the_content() {
        assert_eq!(Format::detect("jobs.csv", "{"), Format::Csv);
        assert_eq!(Format::detect("jobs.jsonl", "prompt"), Format::JsonLines);
        assert_eq!(
            Format::detect("jobs.txt", "  {\"prompt\":1}"),
            Format::JsonLines
        );
        assert_eq!(Format::detect("jobs", "prompt,n"), Format::Csv);
    }
}
