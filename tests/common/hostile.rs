//! A small hostile server on loopback, written for the trust-boundary tests: it answers each
//! request with whatever bytes a test scripts (a lie, a trickle, an endless body, a redirect
//! somewhere forbidden) and counts what it was asked.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server read it.
#[derive(Debug, Clone)]
pub struct Asked {
    pub method: String,
    pub path: String,
    /// The request's headers, lowercased names.
    pub headers: Vec<(String, String)>,
}

impl Asked {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// What the server writes back.
pub enum Reply {
    /// A whole answer: status, headers, body.
    Whole {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// A 200 whose body arrives one byte per `every`, after headers that say it is `len` long.
    Trickle { len: usize, every: Duration },
    /// A 200 JSON body of `len` bytes, streamed in pieces, with or without its length said.
    Huge { len: u64, say_length: bool },
}

impl Reply {
    pub fn json(status: u16, body: &serde_json::Value) -> Reply {
        Reply::Whole {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string().into_bytes(),
        }
    }

    pub fn redirect(to: &str) -> Reply {
        Reply::Whole {
            status: 302,
            headers: vec![("location".into(), to.to_owned())],
            body: Vec::new(),
        }
    }

    pub fn png(bytes: Vec<u8>) -> Reply {
        Reply::Whole {
            status: 200,
            headers: vec![("content-type".into(), "image/png".into())],
            body: bytes,
        }
    }
}

type Script = dyn Fn(&Asked, &str) -> Reply + Send + Sync;

/// The server: its address, and every request it was asked.
pub struct Hostile {
    pub addr: SocketAddr,
    pub asked: Arc<Mutex<Vec<Asked>>>,
}

impl Hostile {
    /// Serves `script` (given each request and the server's own base URL) on 127.0.0.1.
    pub async fn start(script: impl Fn(&Asked, &str) -> Reply + Send + Sync + 'static) -> Hostile {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let script: Arc<Script> = Arc::new(script);
        let base = format!("http://{addr}");
        let seen = Arc::clone(&asked);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (script, seen, base) = (Arc::clone(&script), Arc::clone(&seen), base.clone());
                tokio::spawn(async move {
                    let _ = serve(stream, &*script, &seen, &base).await;
                });
            }
        });
        Hostile { addr, asked }
    }

    pub fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn url(&self) -> reqwest::Url {
        reqwest::Url::parse(&self.base()).unwrap()
    }

    /// How many requests asked for a path starting with `prefix`.
    pub fn count(&self, prefix: &str) -> usize {
        self.asked
            .lock()
            .unwrap()
            .iter()
            .filter(|a| a.path.starts_with(prefix))
            .count()
    }

    pub fn requests(&self) -> Vec<Asked> {
        self.asked.lock().unwrap().clone()
    }
}

async fn serve(
    mut stream: TcpStream,
    script: &Script,
    seen: &Mutex<Vec<Asked>>,
    base: &str,
) -> std::io::Result<()> {
    loop {
        let Some(asked) = read_request(&mut stream).await? else {
            return Ok(());
        };
        seen.lock().unwrap().push(asked.clone());
        match script(&asked, base) {
            Reply::Whole {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                for (k, v) in headers {
                    let _ = write!(head, "{k}: {v}\r\n");
                }
                head.push_str("\r\n");
                stream.write_all(head.as_bytes()).await?;
                stream.write_all(&body).await?;
            }
            Reply::Trickle { len, every } => {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {len}\r\n\r\n"
                );
                stream.write_all(head.as_bytes()).await?;
                for _ in 0..len {
                    tokio::time::sleep(every).await;
                    stream.write_all(b" ").await?;
                }
            }
            Reply::Huge { len, say_length } => {
                let length = if say_length {
                    format!("content-length: {len}\r\n")
                } else {
                    "transfer-encoding: chunked\r\n".to_owned()
                };
                let head =
                    format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{length}\r\n");
                stream.write_all(head.as_bytes()).await?;
                let piece = vec![b' '; 64 * 1024];
                let mut left = len;
                while left > 0 {
                    let n = usize::try_from(left.min(piece.len() as u64)).unwrap();
                    if say_length {
                        stream.write_all(&piece[..n]).await?;
                    } else {
                        stream.write_all(format!("{n:x}\r\n").as_bytes()).await?;
                        stream.write_all(&piece[..n]).await?;
                        stream.write_all(b"\r\n").await?;
                    }
                    left -= n as u64;
                }
                if !say_length {
                    stream.write_all(b"0\r\n\r\n").await?;
                }
            }
        }
        stream.flush().await?;
    }
}

/// Reads one request's head and body (by its content-length); `None` when the peer is done.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Asked>> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await? == 0 {
            return Ok(None);
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).into_owned();
    let mut lines = head.lines();
    let mut first = lines.next().unwrap_or_default().split_whitespace();
    let method = first.next().unwrap_or_default().to_owned();
    let path = first.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body).await?;
    Ok(Some(Asked {
        method,
        path,
        headers,
    }))
}

/// A listener on every address (`0.0.0.0`) that counts the connections it gets: where a request
/// must never arrive.
pub struct Trap {
    pub port: u16,
    pub connections: Arc<AtomicUsize>,
}

impl Trap {
    pub async fn start() -> Trap {
        let listener = TcpListener::bind("0.0.0.0:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let count = Arc::clone(&connections);
        tokio::spawn(async move {
            while let Ok((_stream, _)) = listener.accept().await {
                count.fetch_add(1, Ordering::SeqCst);
            }
        });
        Trap { port, connections }
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}
