//! Reference hosting against a real S3-compatible server that checks signatures (s3s-fs on
//! loopback): upload, presign, fetch back byte for byte without credentials; a wrong secret reads
//! as bad credentials; the same bytes are uploaded once; the secret is in no log line.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::s3::{S3Server, SECRET};
use wan_studio::core::hosting::{HostError, ReferenceHost, S3Host};
use wan_studio::core::preflight::{Options, preflight};

fn http() -> reqwest::Client {
    wan_studio::core::client::media_client(Duration::from_secs(5), Duration::from_secs(10)).unwrap()
}

fn photo() -> wan_studio::core::preflight::Prepared {
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
