//! Reference hosting against a real S3-compatible server that checks signatures (s3s-fs on
//! loopback): upload, presign, fetch back byte for byte without credentials; a wrong secret reads
//! as bad credentials; the same bytes are uploaded once; the secret is in no log line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::s3::{S3Server, SECRET};
use wan_studio::core::references::hosting::{HostError, ReferenceHost, S3Host};
use wan_studio::core::references::preflight::{Options, preflight};

fn http() -> reqwest::Client {
    wan_studio::core::api::client::media_client(Duration::from_secs(5), Duration::from_secs(10))
        .unwrap()
}

fn photo() -> wan_studio::core::references::preflight::Prepared {
    let img = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([
            u8::try_from(x % 256).unwrap(),
            u8::try_from(y % 256).unwrap(),
            90,
        ])
    }));
    let mut bytes = std::io::Cursor::new(Vec::new());
    img.write_to(&mut bytes, image::ImageFormat::Jpeg).unwrap();
    preflight("photo.jpg", &bytes.into_inner(), &Options::default()).unwrap()
}

/// Log lines written while the test runs.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_reference_is_uploaded_once_presigned_and_fetched_back_byte_for_byte() {
    let server = S3Server::start();
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let host = ReferenceHost::S3(Box::new(S3Host::new(&server.settings(), SECRET).unwrap()));
        let prepared = photo();
        let first = host.host(&http(), &prepared).await.unwrap();
        assert!(first.uploaded);
        assert!(
            first.link.contains("X-Amz-Signature=") && first.link.contains("X-Amz-Expires=3600"),
            "a presigned GET that expires in an hour: {}",
            first.link
        );
        // Fetched as the API would: no credentials at all.
        let fetched = reqwest::get(&first.link).await.unwrap();
        assert!(fetched.status().is_success(), "{}", fetched.status());
        assert_eq!(
            fetched.bytes().await.unwrap().as_ref(),
            prepared.bytes.as_slice()
        );

        // The same image again: found by its name, not uploaded twice.
        let again = host.host(&http(), &prepared).await.unwrap();
        assert!(!again.uploaded, "the same bytes are uploaded once");
        assert_eq!(server.objects().len(), 1, "{:?}", server.objects());
        assert!(
            server.objects()[0].starts_with("wan/"),
            "{:?}",
            server.objects()
        );

        // Settings' Test button.
        host.test(&http()).await.unwrap();
    });
    let logs = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("reference uploaded"),
        "the log is captured: {logs}"
    );
    assert!(!logs.contains(SECRET), "the secret is in no log line");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_secret_says_the_credentials_were_refused() {
    let server = S3Server::start();
    let host = ReferenceHost::S3(Box::new(
        S3Host::new(&server.settings(), "not-the-secret").unwrap(),
    ));
    let err = host.host(&http(), &photo()).await.unwrap_err();
    assert!(matches!(err, HostError::BadCredentials(_)), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("the storage refused the access key or secret"),
        "{err}"
    );
    assert!(server.objects().is_empty());

    // (A missing bucket is read from S3's error document: s3s-fs makes buckets on demand, so
    // that case is covered by the unit test of `s3_error`.)
    let mut nowhere = server.settings();
    nowhere.endpoint = "http://127.0.0.1:9".into();
    let host = ReferenceHost::S3(Box::new(S3Host::new(&nowhere, SECRET).unwrap()));
    let err = host.test(&http()).await.unwrap_err();
    assert!(matches!(err, HostError::Unreachable(..)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_files_are_prepared_and_uploaded_at_once_with_every_stage_told() {
    use wan_studio::core::references::hosting::{Stage, file_reference, host_local_references};
    let sb = common::sandbox().await;
    let dir = tempfile::tempdir().unwrap();
    let mut req = wan_studio::core::api::request::GenerationRequest::new(
        wan_studio::core::api::request::Model::Standard,
    );
    req.prompt = Some("fuse them".into());
    for (i, side) in [(0u8, 2000u32), (1, 600), (2, 900)] {
        let img = image::RgbImage::from_fn(side, side * 3 / 4, |x, y| {
            image::Rgb([u8::try_from((x + y) % 256).unwrap(), i * 60, 90])
        });
        let path = dir.path().join(format!("ref{i}.png"));
        img.save(&path).unwrap();
        req.image_urls.push(file_reference(&path).unwrap());
    }
    req.bbox_list = Some(vec![vec![[100, 100, 400, 300]], vec![], vec![]]);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let record = Arc::clone(&seen);
    let told: wan_studio::core::references::hosting::StageTold =
        Arc::new(move |i, name: &str, stage| {
            record.lock().unwrap().push((i, name.to_owned(), stage));
        });
    let host = ReferenceHost::Sandbox {
        base: sb.base_url(),
    };
    let done = host_local_references(&mut req, &host, &http(), Options::default(), told)
        .await
        .unwrap();
    assert_eq!(done.len(), 3);
    assert!(
        req.image_urls.iter().all(|u| u.contains("/uploads/")),
        "{:?}",
        req.image_urls
    );
    assert_eq!(
        req.bbox_list.as_ref().unwrap()[0],
        vec![[100, 100, 400, 300]]
    );
    let seen = seen.lock().unwrap().clone();
    for i in 0..3 {
        let mine: Vec<&Stage> = seen
            .iter()
            .filter(|(j, ..)| *j == i)
            .map(|(_, _, s)| s)
            .collect();
        assert_eq!(mine.first(), Some(&&Stage::Preparing), "{i}: {mine:?}");
        assert!(
            matches!(mine.last(), Some(Stage::Hosted { .. })),
            "{i}: {mine:?}"
        );
        let last_upload = mine.iter().rev().find_map(|s| match s {
            Stage::Uploading(p) => Some(*p),
            _ => None,
        });
        let p = last_upload.expect("upload progress is told");
        assert_eq!(Some(p.done), p.total, "{i}: the whole file went");
    }
    // The three ran together: a second file started before the first was hosted.
    let first_hosted = seen
        .iter()
        .position(|(_, _, s)| matches!(s, Stage::Hosted { .. }))
        .unwrap();
    let started = seen[..first_hosted]
        .iter()
        .filter(|(_, _, s)| *s == Stage::Preparing)
        .count();
    assert!(started >= 2, "a few at a time: {seen:?}");
}
