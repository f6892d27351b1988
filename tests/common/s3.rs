//! A real S3-compatible server on loopback that checks signatures: `s3s-fs` (installed by
//! `.ci/run`: `cargo install --locked s3s-fs@0.14.1 --features binary`).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use wan_studio::core::references::hosting::S3Settings;

pub const ACCESS_KEY: &str = "WANSTUDIOTESTKEY";
pub const SECRET: &str = "s3-secret-do-not-leak-7d1f0c";
pub const BUCKET: &str = "references";

pub struct S3Server {
    child: Child,
    pub port: u16,
    pub root: tempfile::TempDir,
}

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl S3Server {
    /// Starts s3s-fs with one bucket, and waits until it answers.
    pub fn start() -> S3Server {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join(BUCKET)).unwrap();
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let child = Command::new("s3s-fs")
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args(["--access-key", ACCESS_KEY, "--secret-key", SECRET])
            .arg(root.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect(
                "s3s-fs is not installed: `cargo install --locked s3s-fs@0.14.1 --features binary` (.ci/run does this)",
            );
        let server = S3Server { child, port, root };
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return server;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("s3s-fs did not start on port {port}");
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn settings(&self) -> S3Settings {
        S3Settings {
            endpoint: self.endpoint(),
            region: "us-east-1".into(),
            bucket: BUCKET.into(),
            prefix: "wan/".into(),
            path_style: true,
            access_key_id: ACCESS_KEY.into(),
            link_expiry_secs: 3600,
        }
    }

    /// Every object stored, as paths under the bucket.
    pub fn objects(&self) -> Vec<String> {
        fn walk(dir: &std::path::Path, base: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, base, out);
                } else if !p.to_string_lossy().contains(".s3s") {
                    out.push(p.strip_prefix(base).unwrap().display().to_string());
                }
            }
        }
        let mut out = Vec::new();
        let bucket = self.root.path().join(BUCKET);
        walk(&bucket, &bucket, &mut out);
        out
    }
}
