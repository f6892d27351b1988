//! `wan-studio mcp --http 127.0.0.1:PORT`: the same tools over MCP's Streamable HTTP, on
//! loopback only. Every request needs the bearer token kept in the data folder (401 without
//! it); a `Host` that is not this address, or a browser `Origin` from anywhere else, is refused
//! (403) against DNS rebinding; no CORS header is ever sent, so no web page can read an answer.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};

use super::studio::{Shared, Studio};

/// The token's file in the data folder (0600).
const TOKEN_FILE: &str = "mcp-token";
/// The largest request body taken (a request is a few KiB; a prompt at most 5,000 characters).
const MAX_BODY: usize = 1 << 20;

/// The bearer token clients must send: the one kept in the data folder, or a new one (256 random
/// bits) written there atomically and readable by this user only.
pub fn token(data: &Path) -> anyhow::Result<String> {
    let path = data.join(TOKEN_FILE);
    if let Ok(kept) = std::fs::read_to_string(&path) {
        let kept = kept.trim();
        if kept.len() >= 32 && kept.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Ok(kept.to_owned());
        }
    }
    let fresh = format!(
        "{}{}",
        uuid::Uuid::new_v4().simple(),
        uuid::Uuid::new_v4().simple()
    );
    std::fs::create_dir_all(data).with_context(|| format!("{}", data.display()))?;
    crate::core::imaging::write_atomic(&path, fresh.as_bytes())?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
            .with_context(|| format!("{}", path.display()))?;
    }
    Ok(fresh)
}

/// Whether `a` and `b` are equal, in time that does not depend on where they differ.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The address to listen on, refused unless it is loopback.
pub fn loopback(addr: &str) -> anyhow::Result<SocketAddr> {
    let parsed: SocketAddr = addr.trim().parse().map_err(|_| {
        crate::cli::invalid(format!(
            "--http {}: write an address and port such as 127.0.0.1:8788",
            crate::core::text::terminal::printable(addr)
        ))
    })?;
    if !parsed.ip().is_loopback() {
        return Err(crate::cli::invalid(format!(
            "--http {parsed}: the MCP server listens on this machine only (127.0.0.1 or [::1]); an agent elsewhere reaches it through its own tunnel"
        )));
    }
    Ok(parsed)
}

/// Serves the tools on `listener` until the process is stopped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    shared: Arc<Shared>,
    read_only: bool,
    token: String,
) -> anyhow::Result<()> {
    let addr = listener.local_addr()?;
    let port = addr.port();
    let config = StreamableHttpServerConfig::default()
        .with_allowed_hosts([
            format!("127.0.0.1:{port}"),
            format!("localhost:{port}"),
            format!("[::1]:{port}"),
        ])
        .with_allowed_origins([
            format!("http://127.0.0.1:{port}"),
            format!("http://localhost:{port}"),
            format!("http://[::1]:{port}"),
        ])
        .enforce_origin_validation()
        .with_max_request_body_bytes(MAX_BODY);
    let service = StreamableHttpService::new(
        move || Ok(Studio::new(Arc::clone(&shared), read_only)),
        Arc::new(LocalSessionManager::default()),
        config,
    );
    let token: Arc<str> = token.into();
    let app = axum::Router::new()
        .nest_service("/mcp", service)
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let token = Arc::clone(&token);
                async move { authorised(&token, req, next).await }
            },
        ));
    tracing::info!("MCP server on http://{addr}/mcp");
    axum::serve(listener, app)
        .await
        .context("the MCP HTTP server stopped")
}

/// Lets a request through only with `Authorization: Bearer <token>`.
async fn authorised(token: &str, req: Request, next: Next) -> Response {
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(t) if same(t.as_bytes(), token.as_bytes()) => next.run(req).await,
        _ => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a bearer token is required: the one `wan-studio mcp --http` printed (kept in the data folder as mcp-token)",
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_loopback_is_served() {
        assert!(loopback("127.0.0.1:8788").is_ok());
        assert!(loopback("[::1]:8788").is_ok());
        for bad in ["0.0.0.0:8788", "192.168.1.4:80", "example.com:80", "8788"] {
            assert!(loopback(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_token_is_kept_private_and_compared_whole() {
        let home = tempfile::tempdir().unwrap_or_else(|_| unreachable!());
        let first = token(home.path()).unwrap_or_default();
        assert_eq!(first.len(), 64);
        assert_eq!(token(home.path()).unwrap_or_default(), first, "kept");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(home.path().join(TOKEN_FILE))
                .map(|m| m.permissions().mode() & 0o777)
                .unwrap_or_default();
            assert_eq!(mode, 0o600);
        }
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd") && !same(b"abc", b"ab"));
    }
}
