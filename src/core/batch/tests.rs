use super::*;

fn parse(text: &str) -> Result<Batch, BatchError> {
    Batch::parse(
        text.as_bytes(),
        "jobs.jsonl",
        Path::new("."),
        &LoadOptions::default(),
    )
}

fn prompts(b: &Batch) -> Vec<String> {
    b.jobs
        .iter()
        .map(|j| j.request.prompt.clone().unwrap_or_default())
        .collect()
}

type Row = (u32, usize, String, Option<String>, Option<i64>);

#[test]
fn lines_matrix_alternatives_and_repeats_number_jobs_in_the_documented_order() {
    let b = parse(concat!(
        "{\"prompt\": \"a {red|blue} fox\", \"matrix\": {\"size\": [\"1:1\", \"16:9\"]}}\n",
        "{\"prompt\": \"a owl\", \"seed\": 7, \"repeat\": 3}\n",
    ))
    .unwrap();
    let seen: Vec<Row> = b
        .jobs
        .iter()
        .map(|j| {
            (
                j.number,
                j.line,
                j.request.prompt.clone().unwrap_or_default(),
                j.request.size.clone(),
                j.request.seed,
            )
        })
        .collect();
    let one = |s: &str| Some(s.to_owned());
    assert_eq!(
        seen,
        [
            (1, 1, "a red fox".into(), one("1:1"), None),
            (2, 1, "a blue fox".into(), one("1:1"), None),
            (3, 1, "a red fox".into(), one("16:9"), None),
            (4, 1, "a blue fox".into(), one("16:9"), None),
            (5, 2, "a owl".into(), None, Some(7)),
            (6, 2, "a owl".into(), None, Some(8)),
            (7, 2, "a owl".into(), None, Some(9)),
        ]
    );
    assert_eq!(b.job(6).map(|j| j.request.seed), Some(Some(8)));
    assert_eq!(b.job(0), None);
}

#[test]
fn a_prompt_in_the_matrix_counts_its_own_alternatives() {
    let b = parse("{\"matrix\": {\"prompt\": [\"{a|b|c}\", \"d\"], \"n\": [1, 2]}}").unwrap();
    // n is before prompt alphabetically, so n changes slowest.
    assert_eq!(prompts(&b), ["a", "b", "c", "d", "a", "b", "c", "d"]);
    assert_eq!(b.jobs[4].request.n, 2);
}

#[test]
fn repeats_without_a_seed_get_the_same_successive_seeds_every_run() {
    let text = "{\"prompt\": \"fox\", \"repeat\": 3}";
    let a = parse(text).unwrap();
    let b = parse(text).unwrap();
    let seeds: Vec<i64> = a.jobs.iter().filter_map(|j| j.request.seed).collect();
    assert_eq!(seeds.len(), 3);
    assert_eq!((seeds[1] - seeds[0], seeds[2] - seeds[1]), (1, 1));
    assert_eq!(
        seeds,
        b.jobs
            .iter()
            .filter_map(|j| j.request.seed)
            .collect::<Vec<_>>()
    );
    assert_eq!(a.id, b.id, "the same bytes are the same batch");
    assert_eq!(a.id.len(), 16);
    assert_ne!(parse("{\"prompt\": \"fox\"}").unwrap().id, a.id);
}

#[test]
fn a_broken_rule_names_the_line_the_job_and_the_field() {
    let e = parse(concat!(
        "{\"prompt\": \"a\"}\n",
        "{\"prompt\": \"b\"}\n",
        "{\"prompt\": \"c\", \"n\": 13}\n",
    ))
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 3 (job 3): n: Count must be 1 to 4; 13 was asked for."
    );
    assert_eq!(e.line_number(), Some(3));
}

#[test]
fn every_bad_line_is_listed_once_not_every_job_it_makes() {
    let e = parse(concat!(
        "{\"prompt\": \"ok\"}\n",
        "{\"prompt\": \"x\", \"seed\": -1, \"repeat\": 50}\n",
        "{\"prompt\": \"y\", \"model\": \"wan3\"}\n",
    ))
    .unwrap_err();
    let text = e.to_string();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].starts_with("line 2 (job 2): seed:"), "{text}");
    assert!(lines[1].starts_with("line 3 (job 52): model:"), "{text}");
}

#[test]
fn wrong_types_say_what_the_field_must_be() {
    let e = parse("{\"prompt\": \"x\", \"n\": \"two\"}").unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1 (job 1): n: must be a whole number (got \"two\")"
    );
    let e = parse("{\"prompt\": \"x\", \"matrix\": {\"colour\": [1]}}").unwrap_err();
    assert!(e.to_string().contains("colour is not a field"), "{e}");
    let e = parse("{\"prompt\": \"x\", \"repeat\": 0}").unwrap_err();
    assert!(e.to_string().starts_with("line 1: repeat:"), "{e}");
    let e = parse("{\"prompt\": \"a {b\"}").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("line 1: prompt: the '{' at character 3"),
        "{e}"
    );
}

#[test]
fn more_than_ten_thousand_jobs_are_refused_with_the_count() {
    let e = parse(
        "{\"prompt\": \"{a|b|c|d|e|f|g|h|i|j}{a|b|c|d|e|f|g|h|i|j}\", \"matrix\": {\"seed\": [1,2,3,4,5,6,7,8,9,10,11]}, \"repeat\": 10}",
    )
    .unwrap_err();
    assert!(matches!(e, BatchError::TooMany { count: 11_000 }), "{e}");
    assert!(e.to_string().contains("11000 jobs"), "{e}");
}

#[test]
fn an_empty_file_or_one_of_comments_has_no_jobs() {
    assert!(matches!(parse(""), Err(BatchError::Empty)));
    assert!(matches!(parse("# nothing yet\n\n"), Err(BatchError::Empty)));
    let e = Batch::parse(
        b"\xff\xfe",
        "x.jsonl",
        Path::new("."),
        &LoadOptions::default(),
    )
    .unwrap_err();
    assert!(matches!(e, BatchError::NotText { at: 0 }), "{e}");
}

#[test]
fn image_paths_are_read_from_the_job_files_folder_and_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let img = image::RgbImage::from_pixel(800, 600, image::Rgb([9, 9, 9]));
    img.save(dir.path().join("fox.png")).unwrap();
    let file = dir.path().join("jobs.jsonl");
    std::fs::write(
        &file,
        "{\"prompt\": \"edit\", \"images\": [\"fox.png\"], \"bbox_list\": [[[0, 0, 100, 100]]]}\n",
    )
    .unwrap();
    let b = Batch::load(&file, &LoadOptions::default()).unwrap();
    let link = &b.jobs[0].request.image_urls[0];
    assert_eq!(
        links::local_file(link).unwrap(),
        std::path::absolute(dir.path().join("fox.png")).unwrap()
    );
    // A box past the edge of the 800×600 image is caught from the file's own size.
    std::fs::write(
        &file,
        "{\"prompt\": \"edit\", \"images\": [\"fox.png\"], \"bbox_list\": [[[0, 0, 900, 100]]]}\n",
    )
    .unwrap();
    let e = Batch::load(&file, &LoadOptions::default()).unwrap_err();
    assert!(e.to_string().contains("800x600"), "{e}");
    std::fs::write(&file, "{\"prompt\": \"edit\", \"images\": [\"owl.png\"]}\n").unwrap();
    let e = Batch::load(&file, &LoadOptions::default()).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("line 1 (job 1): images: there is no image file at"),
        "{e}"
    );
}

#[test]
fn sandbox_samples_pass_as_links_only_when_allowed() {
    let text = "{\"prompt\": \"edit\", \"images\": [\"sample:fox\"]}";
    let options = LoadOptions {
        extra_schemes: vec!["sample:".into()],
        ..LoadOptions::default()
    };
    let b = Batch::parse(text.as_bytes(), "j.jsonl", Path::new("."), &options).unwrap();
    assert_eq!(b.jobs[0].request.image_urls, ["sample:fox"]);
    assert!(parse(text).is_err());
}

#[test]
fn a_csv_file_expands_as_json_lines_do() {
    let text = "prompt,model,n,seed,repeat\n\"一只{红|蓝}狐狸\",wan2.7-image-pro,2,100,2\n";
    let b = Batch::parse(
        text.as_bytes(),
        "jobs.csv",
        Path::new("."),
        &LoadOptions::default(),
    )
    .unwrap();
    assert_eq!(b.jobs.len(), 4);
    assert_eq!(b.jobs[0].line, 2);
    assert_eq!(
        prompts(&b),
        ["一只红狐狸", "一只红狐狸", "一只蓝狐狸", "一只蓝狐狸"]
    );
    assert_eq!(b.jobs[1].request.seed, Some(101));
    assert_eq!(b.jobs[0].request.model, Model::Pro);
    let e = b.estimate(&Rates::default());
    assert_eq!((e.jobs, e.images, e.micro_usd), (4, 8, 8 * 75_000));
}

#[test]
fn a_line_starts_from_its_preset_and_its_own_fields_win() {
    use crate::core::draft::Draft;
    use crate::core::presets::Preset;
    let mut options = LoadOptions::default();
    let wide = Draft {
        model: Model::Pro,
        aspect: (16, 9),
        n: 2,
        negative_prompt: "blurry".into(),
        ..Draft::default()
    };
    options.presets.put("wide pro", Preset::of(&wide)).unwrap();
    let text = concat!(
        "{\"prompt\": \"a\", \"preset\": \"Wide Pro\"}\n",
        "{\"prompt\": \"b\", \"preset\": \"wide pro\", \"size\": \"2K\", \"n\": 1}\n",
        "{\"prompt\": \"c\", \"matrix\": {\"preset\": [\"wide pro\"]}}\n",
    );
    let b = Batch::parse(text.as_bytes(), "j.jsonl", Path::new("."), &options).unwrap();
    let r = &b.jobs[0].request;
    assert_eq!((r.model, r.n), (Model::Pro, 2));
    assert_eq!(
        (r.size.as_deref(), r.resolution.as_deref()),
        (Some("16:9"), Some("2K"))
    );
    assert_eq!(r.negative_prompt.as_deref(), Some("blurry"));
    let r = &b.jobs[1].request;
    assert_eq!(
        (r.size.as_deref(), r.resolution.as_deref(), r.n),
        (Some("2K"), None, 1)
    );
    assert_eq!(b.jobs[2].request.model, Model::Pro);
    let e = Batch::parse(
        b"{\"prompt\": \"a\", \"preset\": \"square\"}",
        "j.jsonl",
        Path::new("."),
        &options,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "line 1 (job 1): preset: there is no preset named 'square' (the presets are: wide pro)"
    );
}
