//! Reading both marks back, and checking the manifest against the bytes (`wan-studio verify`, the
//! viewer's "Content credentials").

use std::io::Cursor;

use serde::Serialize;
use serde_json::Value;

use super::{CredentialsError, PARAMETERS_LABEL, png, xmp};

/// What the check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Credentials present, and the bytes are the ones they were signed over.
    Intact,
    /// Credentials present, but the file was changed after signing (or they are damaged).
    Changed,
    /// No C2PA manifest.
    None,
}

/// Who signed, and whether anyone vouches for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Signer {
    pub name: Option<String>,
    pub issuer: Option<String>,
    /// On a trust list this reader knows.
    pub trusted: bool,
}

/// One ingredient as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngredientReport {
    pub title: String,
    pub relationship: String,
    /// It carried content credentials of its own, linked here.
    pub has_credentials: bool,
}

/// Both marks, read, and the manifest checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub verdict: Verdict,
    pub has_manifest: bool,
    pub has_xmp: bool,
    pub ai_generated: bool,
    pub digital_source_type: Option<String>,
    pub model: Option<String>,
    pub created: Option<String>,
    pub prompt: Option<String>,
    pub software: Option<String>,
    pub signer: Option<Signer>,
    pub ingredients: Vec<IngredientReport>,
    /// What is wrong: the validation codes that fail.
    pub problems: Vec<String>,
    /// What is worth knowing but not wrong (a signer on no trust list).
    pub warnings: Vec<String>,
}

/// The validation code of a signer no trust list vouches for.
const UNTRUSTED: &str = "signingCredential.untrusted";

fn text(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

fn is_ai(source: &str) -> bool {
    source.ends_with("/trainedAlgorithmicMedia")
        || source.ends_with("/compositeWithTrainedAlgorithmicMedia")
}

/// The actions of a manifest (its JSON form), whatever the assertion's version.
fn actions(manifest: &Value) -> Vec<&Value> {
    manifest["assertions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| {
            a["label"]
                .as_str()
                .is_some_and(|l| l.starts_with("c2pa.actions"))
        })
        .filter_map(|a| a["data"]["actions"].as_array())
        .flatten()
        .collect()
}

/// The XMP packet of a PNG, if it has one.
fn png_xmp(bytes: &[u8]) -> Option<xmp::Xmp> {
    let all = png::chunks(bytes)?;
    all.iter()
        .find_map(|c| png::itxt_text(bytes, c, png::XMP_KEYWORD))
        .map(xmp::read)
}

/// Reads both marks of an image and checks its manifest against its bytes.
pub fn read(bytes: &[u8]) -> Result<Report, CredentialsError> {
    let mime = super::mime_of(bytes).ok_or(CredentialsError::NotImage)?;
    let packet = if mime == "image/png" {
        png_xmp(bytes)
    } else {
        None
    };
    let mut report = Report {
        verdict: Verdict::None,
        has_manifest: false,
        has_xmp: packet.is_some(),
        ai_generated: false,
        digital_source_type: None,
        model: None,
        created: None,
        prompt: None,
        software: None,
        signer: None,
        ingredients: Vec::new(),
        problems: Vec::new(),
        warnings: Vec::new(),
    };
    if let Some(x) = &packet {
        report
            .digital_source_type
            .clone_from(&x.digital_source_type);
        report.ai_generated = x.digital_source_type.as_deref().is_some_and(is_ai);
        report.model.clone_from(&x.model);
        report.created.clone_from(&x.create_date);
        report.prompt.clone_from(&x.description);
        report.software.clone_from(&x.creator_tool);
    }
    match c2pa::Reader::from_context(c2pa::Context::new()).with_stream(mime, Cursor::new(bytes)) {
        Ok(reader) => read_manifest(&reader, &mut report),
        Err(c2pa::Error::JumbfNotFound) => {}
        Err(e) => {
            // A manifest is there but cannot be read: damaged or tampered with.
            report.has_manifest = true;
            report.verdict = Verdict::Changed;
            report
                .problems
                .push(format!("the manifest cannot be read: {e}"));
        }
    }
    Ok(report)
}

fn read_manifest(reader: &c2pa::Reader, report: &mut Report) {
    report.has_manifest = true;
    let store: Value = serde_json::from_str(&reader.json()).unwrap_or(Value::Null);
    let label = store["active_manifest"].as_str().unwrap_or_default();
    let manifests = &store["manifests"];
    let active = &manifests[label];

    let mut trusted = true;
    for status in reader.validation_status().unwrap_or_default() {
        if status.code() == UNTRUSTED {
            trusted = false;
            report.warnings.push(format!(
                "{UNTRUSTED}: the signer is on no trust list this reader knows (a per-install identity)"
            ));
        } else {
            let why = status.explanation().unwrap_or_default();
            report.problems.push(if why.is_empty() {
                status.code().to_owned()
            } else {
                format!("{}: {why}", status.code())
            });
        }
    }
    report.verdict = if report.problems.is_empty() {
        Verdict::Intact
    } else {
        Verdict::Changed
    };

    let sig = &active["signature_info"];
    if !sig.is_null() {
        report.signer = Some(Signer {
            name: text(&sig["common_name"]),
            issuer: text(&sig["issuer"]),
            trusted,
        });
    }
    if let Some(generator) = active["claim_generator_info"]
        .as_array()
        .and_then(|g| g.first())
    {
        let name = generator["name"].as_str().unwrap_or_default();
        report.software = Some(match generator["version"].as_str() {
            Some(v) => format!("{name} {v}"),
            None => name.to_owned(),
        });
    }

    // The AI marking of this manifest, or (an export) of the manifests it came from.
    let mut chain = vec![active];
    let mut seen = 0;
    while seen < chain.len() && seen < 16 {
        let m = chain[seen];
        seen += 1;
        for action in actions(m) {
            if let Some(source) = action["digitalSourceType"].as_str() {
                report
                    .digital_source_type
                    .get_or_insert_with(|| source.to_owned());
                report.ai_generated |= is_ai(source);
                if report.model.is_none() {
                    report.model = text(&action["softwareAgent"]["name"]);
                }
                if report.created.is_none() {
                    report.created = text(&action["when"]);
                }
            }
        }
        for ing in m["ingredients"].as_array().into_iter().flatten() {
            if ing["relationship"] == "parentOf"
                && let Some(l) = ing["active_manifest"].as_str()
            {
                chain.push(&manifests[l]);
            }
        }
    }
    if let Some(params) = active["assertions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|a| a["label"] == PARAMETERS_LABEL)
    {
        if report.prompt.is_none() {
            report.prompt = text(&params["data"]["prompt"]);
        }
        if report.model.is_none() {
            report.model = text(&params["data"]["model"]);
        }
    }
    if report.created.is_none() {
        report.created = text(&sig["time"]);
    }
    report.ingredients = active["ingredients"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|ing| IngredientReport {
            title: text(&ing["title"]).unwrap_or_default(),
            relationship: text(&ing["relationship"]).unwrap_or_default(),
            has_credentials: ing["active_manifest"].is_string(),
        })
        .collect();
}
