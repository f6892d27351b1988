//! Content credentials on every image the studio writes: XMP and a signed C2PA manifest in each
//! library file and each export, read back by `verify`, which catches one changed byte.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::time::Duration;

use common::cli::*;
use common::*;
use wan_studio::core::api::request::Model;
use wan_studio::core::credentials::{self, AI_SOURCE, Verdict, png};
use wan_studio::core::engine::{Event, ExportDest, Submission};
use wan_studio::core::job::Parent;
use wan_studio::core::settings::{AppSettings, Paths};

fn report(path: &Path) -> credentials::Report {
    credentials::read(&std::fs::read(path).unwrap()).unwrap()
}

/// Changes one byte of one pixel and writes the pixels back as new IDAT data, every other chunk
/// (the text, the XMP, the manifest) kept as it was: a valid PNG whose only tell is its
/// credentials.
fn tamper(path: &Path) {
    let bytes = std::fs::read(path).unwrap();
    let mut img = image::load_from_memory(&bytes).unwrap().to_rgba8();
    img.get_pixel_mut(3, 3).0[0] ^= 0x01;
    let fresh = wan_studio::core::imaging::encode_png(&img, &[]).unwrap();
    let fresh_idat: Vec<u8> = png::chunks(&fresh)
        .unwrap()
        .iter()
        .filter(|c| &c.kind == b"IDAT")
        .flat_map(|c| fresh[c.span.clone()].to_vec())
        .collect();
    let mut out = png::SIGNATURE.to_vec();
    let mut idat_written = false;
    for c in png::chunks(&bytes).unwrap() {
        if &c.kind == b"IDAT" {
            if !idat_written {
                out.extend_from_slice(&fresh_idat);
                idat_written = true;
            }
        } else {
            out.extend_from_slice(&bytes[c.span.clone()]);
        }
    }
    std::fs::write(path, out).unwrap();
}

async fn exported(events: &mut tokio::sync::mpsc::Receiver<Event>) -> Vec<std::path::PathBuf> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(Event::Exported { paths })) => return paths,
            Ok(Some(Event::Notice(n))) => panic!("export failed: {n}"),
            Ok(Some(_)) => {}
            _ => panic!("no export in time"),
        }
    }
}

async fn verify(home: &Path, args: &[&Path], json: bool) -> std::process::Output {
    let mut c = cli(home, None);
    c.arg("verify");
    if json {
        c.arg("--json");
    }
    c.args(args);
    output(c).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_library_file_and_export_carries_both_marks_and_verify_proves_a_change() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine
        .submit(text(Model::Pro, "花店 a flower shop at dawn"))
        .unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    let file = done.results[0].path.clone();

    let r = report(&file);
    assert_eq!(r.verdict, Verdict::Intact, "{r:?}");
    assert!(r.has_xmp && r.has_manifest && r.ai_generated);
    assert_eq!(r.digital_source_type.as_deref(), Some(AI_SOURCE));
    assert_eq!(r.model.as_deref(), Some("wan2.7-image-pro"));
    assert_eq!(r.prompt.as_deref(), Some("花店 a flower shop at dawn"));
    assert!(r.ingredients.is_empty());
    // The library's own text is still there for repair and other viewers.
    let text = wan_studio::core::imaging::png_text(&std::fs::read(&file).unwrap()).unwrap();
    assert!(text.iter().any(|(k, _)| k == "parameters"));

    let out = home.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    engine.export(vec![(done.id.clone(), 0)], ExportDest::Folder(out.clone()));
    let paths = exported(&mut events).await;
    let e = report(&paths[0]);
    assert_eq!(e.verdict, Verdict::Intact, "{e:?}");
    assert!(e.ai_generated && e.has_xmp);

    // verify: 0 intact (JSON names the fields), 1 changed, 3 none, 2 not an image.
    let o = verify(home.path(), &[&paths[0]], true).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    let first = &v[0];
    assert_eq!(first["verdict"], "intact");
    assert_eq!(first["ai_generated"], true);
    assert_eq!(first["digital_source_type"], AI_SOURCE);
    assert_eq!(first["model"], "wan2.7-image-pro");
    assert!(
        first["created"]
            .as_str()
            .is_some_and(|c| c.starts_with("20"))
    );
    assert_eq!(first["signer"]["trusted"], false);
    assert!(first["ingredients"].is_array());
    assert_eq!(first["problems"], serde_json::json!([]));

    tamper(&paths[0]);
    assert!(image::open(&paths[0]).is_ok(), "still a valid PNG");
    let o = verify(home.path(), &[&paths[0]], true).await;
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let problems = json(&o)[0]["problems"].to_string();
    assert!(
        problems.contains("assertion.dataHash.mismatch"),
        "{problems}"
    );

    let plain = home.path().join("plain.png");
    image::RgbaImage::new(8, 8).save(&plain).unwrap();
    let o = verify(home.path(), &[&plain], false).await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("no content credentials"));

    let junk = home.path().join("notes.png");
    std::fs::write(&junk, "not an image").unwrap();
    let o = verify(home.path(), &[&junk], false).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_lists_its_references_and_links_the_manifest_of_a_result_it_used() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let first = engine.submit(text(Model::Standard, "a teapot")).unwrap();
    let first = finish(&mut events, &first.id).await;
    assert_completed(&first, 1);

    let mut req = text(Model::Standard, "the teapot on the desk");
    req.image_urls = vec![sb.sample_urls()[0].clone(), sb.sample_urls()[1].clone()];
    let mut sub = Submission::new(req);
    sub.made_from = vec![Parent {
        slot: 0,
        job_id: first.id.clone(),
        index: 0,
    }];
    let edit = engine.submit_with(sub).unwrap();
    let edit = finish(&mut events, &edit.id).await;
    assert_completed(&edit, 1);

    let r = report(&edit.results[0].path);
    assert_eq!(r.verdict, Verdict::Intact, "{r:?}");
    assert!(r.ai_generated);
    let titles: Vec<_> = r.ingredients.iter().map(|i| i.title.as_str()).collect();
    assert_eq!(titles, ["01.png", "desk.jpg"]);
    assert!(
        r.ingredients[0].has_credentials,
        "the earlier result's manifest is linked"
    );
    assert_eq!(r.ingredients[0].relationship, "parentOf");
    assert!(!r.ingredients[1].has_credentials);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn turning_the_prompt_setting_off_keeps_the_ai_marking_and_drops_the_text() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let mut settings = AppSettings::default();
    settings.credentials.include_prompt = false;
    settings.save(&paths).unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine
        .submit(text(Model::Standard, "a secret prompt"))
        .unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);

    let r = report(&done.results[0].path);
    assert_eq!(r.verdict, Verdict::Intact, "{r:?}");
    assert!(r.ai_generated);
    assert_eq!(r.model.as_deref(), Some("wan2.7-image"));
    assert_eq!(r.prompt, None);

    let out = home.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    engine.export(vec![(done.id.clone(), 0)], ExportDest::Folder(out));
    let exported = exported(&mut events).await;
    let bytes = std::fs::read(&exported[0]).unwrap();
    let e = credentials::read(&bytes).unwrap();
    assert_eq!(e.verdict, Verdict::Intact, "{e:?}");
    assert!(e.ai_generated, "the library file's marking carries through");
    assert_eq!(e.prompt, None);
    assert!(
        !String::from_utf8_lossy(&bytes).contains("a secret prompt"),
        "no chunk of the export holds the prompt"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unusable_signing_key_keeps_the_result_and_says_so_once() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    // The artist's own certificate and key, but the key is not a key.
    let chain = home.path().join("chain.pem");
    let key = home.path().join("key.pem");
    std::fs::write(
        &chain,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    std::fs::write(&key, "not a key").unwrap();
    let mut settings = AppSettings::default();
    settings.credentials.signing_chain = Some(chain);
    settings.credentials.signing_key = Some(key);
    settings.save(&paths).unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "a fox");
    req.n = 2;
    let job = engine.submit(req).unwrap();
    let mut notices = Vec::new();
    let done = tokio::time::timeout(Duration::from_mins(1), async {
        loop {
            match events.recv().await {
                Some(Event::Notice(n)) => notices.push(n),
                Some(Event::Job(j)) if j.id == job.id && !j.state.is_active() => return *j,
                Some(_) => {}
                None => panic!("the engine stopped"),
            }
        }
    })
    .await
    .unwrap();
    assert_completed(&done, 2);
    // Kept, and still marked as AI-made in its XMP.
    let r = report(&done.results[0].path);
    assert!(r.has_xmp && r.ai_generated && !r.has_manifest, "{r:?}");
    // Said once for the two results, with what to do.
    let said: Vec<&String> = notices
        .iter()
        .filter(|n| n.contains("could not be signed"))
        .collect();
    assert_eq!(said.len(), 1, "{notices:?}");
    assert!(said[0].contains("Settings"), "{}", said[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_result_of_another_size_than_asked_is_stored_and_exported_at_its_real_size() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    // Asked for 1:1 (1024×1024); the model sends back 1000×1040.
    sb.resize_next_task(1000, 1040);
    let mut req = text(Model::Standard, "a fox");
    req.size = Some("1:1".to_owned());
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    let r = &done.results[0];
    assert_eq!(
        (r.width, r.height),
        (1000, 1040),
        "the record has the real size"
    );
    assert_eq!(png_size(&r.path), (1000, 1040));
    // The gallery reads its sizes from the library's shelf, which has the same.
    let shelf = wan_studio::core::library::journal::Shelved::of(&done);
    assert_eq!(
        (shelf.results[0].width, shelf.results[0].height),
        (1000, 1040)
    );
    let out = home.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    engine.export(vec![(done.id.clone(), 0)], ExportDest::Folder(out));
    let files = exported(&mut events).await;
    assert_eq!(png_size(&files[0]), (1000, 1040));
}
