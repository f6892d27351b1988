//! Downloads that finish: a slow link is not cut by a deadline for the whole body (only silence
//! ends a download), and a download cut halfway continues from where it stopped (HTTP Range).
//! Against a small HTTP server on loopback that trickles and cuts on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use wan_studio::core::api::client::{ApiClient, ClientConfig, DownloadError};

#[derive(Clone, Copy)]
enum Behaviour {
    /// The whole body in small pieces with pauses.
    Trickle { chunk: usize, pause: Duration },
    /// The first answer stops halfway and the connection drops; later ones honour Range.
    CutOnce,
    /// Headers, then silence.
    Stall,
}

/// Serves `body` at any path; returns its address and the Range headers it was asked with.
async fn serve(body: Arc<Vec<u8>>, how: Behaviour) -> (String, Arc<Mutex<Vec<Option<String>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let ranges = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&ranges);
    tokio::spawn(async move {
        let mut served = 0;
        while let Ok((mut sock, _)) = listener.accept().await {
            served += 1;
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && sock.read_exact(&mut byte).await.is_ok() {
                head.push(byte[0]);
            }
            let head = String::from_utf8_lossy(&head).to_string();
            let range = head
                .lines()
                .find_map(|l| {
                    l.strip_prefix("range: ")
                        .or_else(|| l.strip_prefix("Range: "))
                })
                .map(str::to_owned);
            seen.lock().unwrap().push(range.clone());
            let from = range
                .as_deref()
                .and_then(|r| r.strip_prefix("bytes="))
                .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok())
                .unwrap_or(0);
            let total = body.len();
            let status = if from > 0 {
                format!(
                    "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {from}-{}/{total}\r\n",
                    total - 1
                )
            } else {
                "HTTP/1.1 200 OK\r\n".to_owned()
            };
            let headers = format!(
                "{status}Content-Length: {}\r\nContent-Type: image/png\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
                total - from
            );
            if sock.write_all(headers.as_bytes()).await.is_err() {
                continue;
            }
            let rest = &body[from..];
            match how {
                Behaviour::Trickle { chunk, pause } => {
                    for piece in rest.chunks(chunk) {
                        if sock.write_all(piece).await.is_err() {
                            break;
                        }
                        tokio::time::sleep(pause).await;
                    }
                }
                Behaviour::CutOnce if served == 1 => {
                    let _ = sock.write_all(&rest[..rest.len() / 2]).await;
                    let _ = sock.flush().await;
                    // Dropped mid-body.
                }
                Behaviour::CutOnce => {
                    let _ = sock.write_all(rest).await;
                }
                Behaviour::Stall => {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                }
            }
            let _ = sock.shutdown().await;
        }
    });
    (format!("http://{addr}/media/result.png"), ranges)
}

fn client(idle: Duration) -> ApiClient {
    let mut cfg = ClientConfig::new("http://127.0.0.1:9/".parse().unwrap(), None);
    cfg.download_idle_timeout = idle;
    ApiClient::new(cfg).unwrap()
}

fn body(len: usize) -> Arc<Vec<u8>> {
    let mut rng = fastrand::Rng::with_seed(11);
    Arc::new((0..len).map(|_| rng.u8(..)).collect())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_link_finishes_however_long_the_whole_body_takes() {
    // 2 MB at about 1.3 MB/s: about 1.5 s in all, never silent for more than 20 ms. Only an idle
    // timeout applies (300 ms), so the download is not cut, where a deadline for the whole body
    // of the same length would have cut it many times over.
    let data = body(2 * 1024 * 1024);
    let (url, _) = serve(
        Arc::clone(&data),
        Behaviour::Trickle {
            chunk: 32 * 1024,
            pause: Duration::from_millis(20),
        },
    )
    .await;
    let started = std::time::Instant::now();
    let got = client(Duration::from_millis(300))
        .download(&url)
        .await
        .unwrap();
    assert!(
        started.elapsed() > Duration::from_millis(900),
        "it really was slow"
    );
    assert_eq!(got.len(), data.len());
    assert!(got == *data, "byte for byte");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_download_cut_halfway_continues_from_its_offset() {
    let data = body(1024 * 1024);
    let (url, ranges) = serve(Arc::clone(&data), Behaviour::CutOnce).await;
    let c = client(Duration::from_secs(5));
    let mut buf = Vec::new();
    let first = c.download_into(&url, &mut buf).await;
    assert!(
        matches!(first, Err(DownloadError::Transient(_))),
        "{first:?}"
    );
    let kept = buf.len();
    assert!(kept > 0 && kept < data.len(), "half of it was kept: {kept}");
    c.download_into(&url, &mut buf).await.unwrap();
    assert!(buf == *data, "the two halves make the whole, byte for byte");
    let asked = ranges.lock().unwrap().clone();
    assert_eq!(asked, vec![None, Some(format!("bytes={kept}-"))]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_is_told_as_bytes_arrive_and_counts_what_a_cut_attempt_kept() {
    let data = body(512 * 1024);
    let (url, _) = serve(
        Arc::clone(&data),
        Behaviour::Trickle {
            chunk: 64 * 1024,
            pause: Duration::from_millis(10),
        },
    )
    .await;
    let c = client(Duration::from_secs(5));
    let mut told = Vec::new();
    let mut buf = Vec::new();
    c.download_into_with(&url, &mut buf, &mut |p| told.push(p))
        .await
        .unwrap();
    assert!(told.len() >= 8, "told {} times", told.len());
    assert!(told.windows(2).all(|w| w[0].done <= w[1].done), "{told:?}");
    let total = data.len() as u64;
    assert!(told.iter().all(|p| p.total == Some(total)), "{told:?}");
    assert_eq!(told.last().unwrap().done, total);
    assert_eq!(told.last().unwrap().to_string(), "0.5 of 0.5 MB");

    // A download that continues counts the bytes kept from before.
    let (url, _) = serve(Arc::clone(&data), Behaviour::CutOnce).await;
    let mut buf = Vec::new();
    assert!(c.download_into(&url, &mut buf).await.is_err());
    let kept = buf.len() as u64;
    let mut told = Vec::new();
    c.download_into_with(&url, &mut buf, &mut |p| told.push(p))
        .await
        .unwrap();
    assert!(told.first().unwrap().done > kept, "{told:?}");
    assert!(told.iter().all(|p| p.total == Some(total)), "{told:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_link_is_given_up_as_transient() {
    let data = body(64 * 1024);
    let (url, _) = serve(data, Behaviour::Stall).await;
    let started = std::time::Instant::now();
    let err = client(Duration::from_millis(300))
        .download(&url)
        .await
        .unwrap_err();
    assert!(matches!(err, DownloadError::Transient(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "given up on silence, quickly"
    );
}
