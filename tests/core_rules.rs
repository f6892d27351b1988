//! The contract's rules: the spec's examples, and one test per rule that breaks it and checks the
//! field and the message.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::unnecessary_wraps)]

use serde_json::json;
use wan_studio::core::api::request::{GenerationRequest, Mode, Model, PaletteEntry};
use wan_studio::core::api::rules::{Context, Field, Problems, validate, validate_with};

fn base(model: Model) -> GenerationRequest {
    let mut r = GenerationRequest::new(model);
    r.prompt = Some("a lighthouse at dusk".into());
    r
}

fn with_refs(model: Model, n: usize) -> GenerationRequest {
    let mut r = base(model);
    r.image_urls = (0..n)
        .map(|i| format!("https://example.com/{i}.png"))
        .collect();
    r
}

/// The problems of a request that must be invalid.
fn problems(r: &GenerationRequest) -> Problems {
    validate(r).expect_err("the request should be rejected")
}

/// Asserts exactly one problem on `field` whose message contains `needle`.
fn assert_one(r: &GenerationRequest, field: Field, needle: &str) {
    let p = problems(r);
    let on_field: Vec<_> = p.for_field(field).collect();
    assert_eq!(
        on_field.len(),
        1,
        "expected one problem on {field:?}, got {p:#?}"
    );
    assert!(
        on_field[0].message.contains(needle),
        "message {:?} should contain {needle:?}",
        on_field[0].message
    );
}

fn palette(entries: &[(&str, &str)]) -> Option<Vec<PaletteEntry>> {
    Some(
        entries
            .iter()
            .map(|(h, r)| PaletteEntry {
                hex: (*h).into(),
                ratio: (*r).into(),
            })
            .collect(),
    )
}

// ---- The spec's three examples ----

#[test]
fn spec_text_to_image_example_serialises_and_validates() {
    let mut r = GenerationRequest::new(Model::Pro);
    r.prompt = Some(
        "a flower shop with delicate windows and a beautiful wooden door, blossoms out front"
            .into(),
    );
    r.size = Some("16:9".into());
    r.resolution = Some("2K".into());
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({ "model": "wan2.7-image-pro",
                "prompt": "a flower shop with delicate windows and a beautiful wooden door, blossoms out front",
                "size": "16:9", "resolution": "2K", "n": 1 })
    );
    assert!(validate(&r).is_ok());
    assert_eq!(r.mode(), Mode::TextToImage);
}

#[test]
fn spec_region_edit_example_serialises_and_validates() {
    let mut r = GenerationRequest::new(Model::Standard);
    r.image_urls = vec![
        "https://example.com/clock.webp".into(),
        "https://example.com/desk.webp".into(),
    ];
    r.bbox_list = Some(vec![vec![], vec![[989, 515, 1138, 681]]]);
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({ "model": "wan2.7-image", "n": 1,
                "image_urls": ["https://example.com/clock.webp", "https://example.com/desk.webp"],
                "bbox_list": [ [], [[989, 515, 1138, 681]] ] })
    );
    assert!(validate(&r).is_ok());
    assert_eq!(r.mode(), Mode::RegionEdit { references: 2 });
}

#[test]
fn spec_palette_example_is_rejected_for_having_two_swatches() {
    let mut r = base(Model::Standard);
    r.color_palette = palette(&[("#C2D1E6", "23.51%"), ("#636574", "76.49%")]);
    let v = serde_json::to_value(&r).unwrap();
    assert_eq!(
        v["color_palette"],
        json!([ { "hex": "#C2D1E6", "ratio": "23.51%" }, { "hex": "#636574", "ratio": "76.49%" } ])
    );
    assert_one(&r, Field::ColorPalette, "3 to 10 colours; this one has 2");
}

#[test]
fn unset_fields_are_left_out_and_n_is_always_sent() {
    let r = GenerationRequest::new(Model::Standard);
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        json!({ "model": "wan2.7-image", "n": 1 })
    );
}

#[test]
fn every_problem_is_returned_at_once() {
    let mut r = GenerationRequest::new(Model::Standard);
    r.n = 9;
    r.size = Some("4K".into());
    r.seed = Some(-1);
    let p = problems(&r);
    for field in [Field::Prompt, Field::N, Field::Size, Field::Seed] {
        assert_eq!(p.for_field(field).count(), 1, "{field:?} in {p:#?}");
    }
}

// ---- Prompt ----

#[test]
fn prompt_required_without_references() {
    let mut r = base(Model::Standard);
    r.prompt = Some("   ".into());
    assert_one(&r, Field::Prompt, "Write a prompt");
    r.prompt = None;
    assert_one(&r, Field::Prompt, "Write a prompt");
    // With a reference the prompt is optional.
    let mut e = with_refs(Model::Standard, 1);
    e.prompt = None;
    assert!(validate(&e).is_ok());
}

#[test]
fn prompt_limit_is_5000_characters_not_bytes() {
    let mut r = base(Model::Standard);
    r.prompt = Some("狐".repeat(5000));
    assert!(validate(&r).is_ok(), "5000 multi-byte characters are fine");
    r.prompt = Some("a".repeat(5001));
    assert_one(&r, Field::Prompt, "5001 characters long; the limit is 5000");
    assert_eq!(problems(&r).iter().next().unwrap().code, "20007");
}

#[test]
fn negative_prompt_has_the_same_limit() {
    let mut r = base(Model::Standard);
    r.negative_prompt = Some("b".repeat(5001));
    assert_one(&r, Field::NegativePrompt, "limit is 5000");
}

// ---- References ----

#[test]
fn at_most_nine_references() {
    assert!(validate(&with_refs(Model::Pro, 9)).is_ok());
    assert_one(
        &with_refs(Model::Pro, 10),
        Field::ImageUrls,
        "At most 9 reference images; this request has 10",
    );
}

#[test]
fn references_must_be_https() {
    let mut r = with_refs(Model::Standard, 2);
    r.image_urls[1] = "http://example.com/a.png".into();
    assert_one(&r, Field::ImageUrl(1), "Reference 2 uses http://");
}

#[test]
fn plain_http_is_allowed_for_loopback_only() {
    let mut r = with_refs(Model::Standard, 3);
    r.image_urls = vec![
        "http://127.0.0.1:8787/samples/desk.jpg".into(),
        "http://localhost/x.png".into(),
        "http://[::1]:9/x.png".into(),
    ];
    assert!(validate(&r).is_ok());
}

#[test]
fn data_urls_are_rejected() {
    let mut r = with_refs(Model::Standard, 1);
    r.image_urls[0] = "data:image/png;base64,iVBORw0KGgo=".into();
    assert_one(&r, Field::ImageUrl(0), "embedded image data");
}

#[test]
fn garbage_reference_is_named() {
    let mut r = with_refs(Model::Standard, 1);
    r.image_urls[0] = "not a url".into();
    assert_one(&r, Field::ImageUrl(0), "'not a url' is not a web address");
    r.image_urls[0] = "ftp://example.com/x.png".into();
    assert_one(&r, Field::ImageUrl(0), "uses 'ftp:'");
}

// ---- Count ----

#[test]
fn count_is_one_to_four_outside_group_mode() {
    let mut r = base(Model::Standard);
    r.n = 4;
    assert!(validate(&r).is_ok());
    r.n = 5;
    assert_one(&r, Field::N, "5 needs group series mode");
    r.n = 0;
    assert_one(&r, Field::N, "Count must be 1 to 4; 0 was asked for");
}

#[test]
fn count_is_one_to_twelve_in_group_mode() {
    let mut r = base(Model::Standard);
    r.enable_sequential = Some(true);
    r.n = 12;
    assert!(validate(&r).is_ok());
    r.n = 13;
    assert_one(&r, Field::N, "1 to 12 images; 13 was asked for");
}

// ---- Size, resolution, 4K ----

#[test]
fn sizes_in_all_three_forms_are_accepted() {
    for size in [
        "1K",
        "2K",
        "1:1",
        "16:9",
        "9:16",
        "4:3",
        "3:4",
        "3:2",
        "2:3",
        "1024x1024",
        "2048x768",
    ] {
        let mut r = base(Model::Standard);
        r.size = Some(size.into());
        assert!(validate(&r).is_ok(), "{size}: {:?}", validate(&r));
    }
}

#[test]
fn unknown_size_is_rejected() {
    let mut r = base(Model::Standard);
    r.size = Some("5:4".into());
    assert_one(&r, Field::Size, "'5:4' is not a size");
    assert_eq!(problems(&r).iter().next().unwrap().code, "20005");
}

#[test]
fn unknown_resolution_is_rejected_and_case_is_ignored() {
    let mut r = base(Model::Standard);
    r.size = Some("16:9".into());
    r.resolution = Some("2k".into());
    assert!(validate(&r).is_ok());
    r.resolution = Some("8K".into());
    assert_one(&r, Field::Resolution, "'8K' is not a resolution");
}

#[test]
fn four_k_needs_pro() {
    let mut r = base(Model::Standard);
    r.size = Some("4K".into());
    assert_one(&r, Field::Size, "4K needs the Pro tier");
    let mut r = base(Model::Standard);
    r.size = Some("1:1".into());
    r.resolution = Some("4K".into());
    assert_one(&r, Field::Resolution, "4K needs the Pro tier");
}

#[test]
fn four_k_is_allowed_for_pro_text_to_image() {
    let mut r = base(Model::Pro);
    r.size = Some("4K".into());
    assert!(validate(&r).is_ok());
    r.size = Some("16:9".into());
    r.resolution = Some("4K".into());
    assert!(validate(&r).is_ok());
}

#[test]
fn four_k_is_refused_in_edit_mode() {
    let mut r = with_refs(Model::Pro, 1);
    r.size = Some("4K".into());
    assert_one(&r, Field::Size, "with reference images the limit is 2K");
}

#[test]
fn four_k_is_refused_in_group_mode() {
    let mut r = base(Model::Pro);
    r.enable_sequential = Some(true);
    r.n = 4;
    r.resolution = Some("4K".into());
    assert_one(&r, Field::Resolution, "not available for a group series");
}

#[test]
fn contradicting_gears_are_caught() {
    let mut r = base(Model::Pro);
    r.size = Some("2K".into());
    r.resolution = Some("1K".into());
    assert_one(&r, Field::Resolution, "contradicts size 2K");
    r.size = Some("1024x1024".into());
    assert_one(&r, Field::Resolution, "already fixes the pixels");
}

#[test]
fn pixel_sizes_are_bounded_by_total_pixels_not_by_each_side() {
    // The provider bounds a custom size by its total pixels and its aspect ratio.
    let mut r = base(Model::Standard);
    r.size = Some("2048x2048".into());
    assert!(validate(&r).is_ok());
    r.size = Some("4096x1024".into());
    assert!(
        validate(&r).is_ok(),
        "4096x1024 is 2048² pixels: valid on Standard"
    );
    r.size = Some("600x1200".into());
    assert!(validate(&r).is_ok(), "600x1200 is 720,000 pixels: valid");
    r.size = Some("4000x4000".into());
    assert_one(
        &r,
        Field::Size,
        "4000x4000 is too large: 16,000,000 pixels, and at most 2048×2048 (4,194,304) are allowed on Standard.",
    );
    r.size = Some("700x700".into());
    assert_one(
        &r,
        Field::Size,
        "700x700 is too small: 490,000 pixels, and at least 768×768 (589,824) are needed.",
    );

    let mut p = base(Model::Pro);
    p.size = Some("5000x3000".into());
    assert!(
        validate(&p).is_ok(),
        "15 M pixels fit Pro text-to-image's 4096²"
    );
    p.size = Some("4097x2304".into());
    assert!(validate(&p).is_ok());
    p.size = Some("4200x4200".into());
    assert_one(
        &p,
        Field::Size,
        "at most 4096×4096 (16,777,216) are allowed.",
    );
    p.size = Some("6000x700".into());
    assert_one(
        &p,
        Field::Size,
        "6000x700 is too narrow: the aspect ratio must lie between 1:8 and 8:1.",
    );
}

#[test]
fn pixel_sizes_cap_at_2048_squared_with_references() {
    let mut r = with_refs(Model::Pro, 1);
    r.size = Some("3000x2000".into());
    assert_one(
        &r,
        Field::Size,
        "at most 2048×2048 (4,194,304) are allowed with reference images",
    );
    r.size = Some("3000x1300".into());
    assert!(validate(&r).is_ok(), "3.9 M pixels is within 2048²");
}

#[test]
fn pixel_sizes_keep_aspect_within_eight_to_one() {
    let mut r = base(Model::Pro);
    r.size = Some("4096x768".into());
    assert!(validate(&r).is_ok(), "5.3:1 is fine");
    // Within the side limits but 9:1 would need a side below 768; check the ratio rule directly.
    assert!(wan_studio::core::api::rules::aspect_out_of_range(900, 100));
    assert!(!wan_studio::core::api::rules::aspect_out_of_range(800, 100));
}

// ---- Seed ----

#[test]
fn seed_range() {
    let mut r = base(Model::Standard);
    r.seed = Some(0);
    assert!(validate(&r).is_ok());
    r.seed = Some(2_147_483_647);
    assert!(validate(&r).is_ok());
    r.seed = Some(2_147_483_648);
    assert_one(&r, Field::Seed, "between 0 and 2147483647");
    r.seed = Some(-5);
    assert_one(&r, Field::Seed, "it is -5");
}

// ---- Boxes ----

#[test]
fn box_list_needs_one_entry_per_reference() {
    let mut r = with_refs(Model::Standard, 2);
    r.bbox_list = Some(vec![vec![[1, 1, 5, 5]]]);
    assert_one(&r, Field::BboxList, "2 references, 1 entries");
}

#[test]
fn at_most_two_boxes_per_image() {
    let mut r = with_refs(Model::Standard, 1);
    r.bbox_list = Some(vec![vec![
        [0, 0, 10, 10],
        [20, 20, 30, 30],
        [40, 40, 50, 50],
    ]]);
    assert_one(&r, Field::Boxes(0), "Reference 1 has 3 boxes; at most 2");
}

#[test]
fn boxes_must_not_be_inverted_or_negative() {
    let mut r = with_refs(Model::Standard, 1);
    r.bbox_list = Some(vec![vec![[50, 10, 20, 40]]]);
    assert_one(&r, Field::Boxes(0), "empty or inverted");
    r.bbox_list = Some(vec![vec![[-1, 10, 20, 40]]]);
    assert_one(&r, Field::Boxes(0), "cannot be negative");
}

#[test]
fn boxes_must_stay_inside_a_known_image() {
    let mut r = with_refs(Model::Standard, 2);
    r.bbox_list = Some(vec![vec![], vec![[989, 515, 1138, 681]]]);
    let ctx = Context {
        reference_dims: vec![Some((500, 500)), Some((1100, 1100))],
        files_allowed: false,
    };
    let p = validate_with(&r, &ctx).unwrap_err();
    let msgs: Vec<_> = p.for_field(Field::Boxes(1)).collect();
    assert_eq!(msgs.len(), 1);
    assert!(
        msgs[0]
            .message
            .contains("reaches past the edge of the 1100x1100 image")
    );
    let ok = Context {
        reference_dims: vec![Some((500, 500)), Some((1200, 800))],
        files_allowed: false,
    };
    assert!(validate_with(&r, &ok).is_ok());
}

#[test]
fn boxes_need_references() {
    let mut r = base(Model::Standard);
    r.bbox_list = Some(vec![vec![[0, 0, 10, 10]]]);
    assert_one(&r, Field::BboxList, "need reference images");
}

#[test]
fn boxes_never_go_with_group_mode() {
    let mut r = with_refs(Model::Standard, 1);
    r.bbox_list = Some(vec![vec![[0, 0, 10, 10]]]);
    r.enable_sequential = Some(true);
    r.n = 3;
    assert_one(&r, Field::EnableSequential, "do not go together");
}

// ---- Palette ----

fn good_palette() -> Option<Vec<PaletteEntry>> {
    palette(&[
        ("#C2D1E6", "23.51%"),
        ("#636574", "40.00%"),
        ("#aa3322", "36.49%"),
    ])
}

#[test]
fn a_good_palette_passes() {
    let mut r = base(Model::Standard);
    r.color_palette = good_palette();
    assert!(validate(&r).is_ok());
}

#[test]
fn palette_size_is_three_to_ten() {
    let mut r = base(Model::Standard);
    let eleven: Vec<(String, String)> = (0..11)
        .map(|i| {
            (
                format!("#0000{i:02}"),
                if i == 0 {
                    "10.00%".to_owned()
                } else {
                    "9.00%".to_owned()
                },
            )
        })
        .collect();
    r.color_palette = Some(
        eleven
            .iter()
            .map(|(h, ra)| PaletteEntry {
                hex: h.clone(),
                ratio: ra.clone(),
            })
            .collect(),
    );
    assert_one(&r, Field::ColorPalette, "this one has 11");
}

#[test]
fn palette_hex_must_be_rrggbb() {
    let mut r = base(Model::Standard);
    r.color_palette = palette(&[
        ("#C2D1E6", "23.51%"),
        ("red", "40.00%"),
        ("#aa3322", "36.49%"),
    ]);
    assert_one(&r, Field::Swatch(1), "'red' is not a #RRGGBB hex colour");
}

#[test]
fn palette_ratio_needs_two_decimals() {
    let mut r = base(Model::Standard);
    r.color_palette = palette(&[
        ("#C2D1E6", "23.5%"),
        ("#636574", "40.00%"),
        ("#aa3322", "36.50%"),
    ]);
    assert_one(&r, Field::Swatch(0), "two decimals");
}

#[test]
fn palette_must_total_exactly_one_hundred() {
    let mut r = base(Model::Standard);
    r.color_palette = palette(&[
        ("#C2D1E6", "23.51%"),
        ("#636574", "40.00%"),
        ("#aa3322", "36.48%"),
    ]);
    assert_one(
        &r,
        Field::ColorPalette,
        "add up to 99.99%; they must total exactly 100.00%",
    );
}

#[test]
fn palette_not_in_group_mode() {
    let mut r = base(Model::Standard);
    r.color_palette = good_palette();
    r.enable_sequential = Some(true);
    r.n = 2;
    assert_one(&r, Field::ColorPalette, "does not apply to a group series");
}

#[test]
fn api_codes_map_back_to_controls() {
    assert_eq!(Field::for_api_code("20007"), Some(Field::Prompt));
    assert_eq!(Field::for_api_code("20005"), Some(Field::Size));
    assert_eq!(Field::for_api_code("30001"), None);
}

#[test]
fn the_validate_fuzz_seeds_are_requests_and_the_valid_ones_pass() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds/validate");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        let req: wan_studio::core::api::request::GenerationRequest = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{} is not a request: {e}", path.display()));
        let verdict = wan_studio::core::api::rules::validate(&req);
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        // Every seed but the one made of edge values is a request the API accepts.
        assert_eq!(
            verdict.is_ok(),
            name != "edge_values.json",
            "{name}: {verdict:?}"
        );
        seen += 1;
    }
    assert!(seen >= 8, "{seen} seeds");
}
