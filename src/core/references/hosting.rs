//! Reference hosting: the API only fetches public links, so a local image becomes a link through a
//! host the artist controls. Two hosts: any S3-compatible storage (AWS S3, Cloudflare R2, Backblaze
//! B2, MinIO, …), which gets the bytes by a presigned PUT and hands the API a presigned GET that
//! expires; and the sandbox, which keeps uploads itself so Sandbox mode needs no setup.
//!
//! Objects are named by a hash of their bytes, so the same image is uploaded once. The storage
//! secret is used to sign and nothing else: it is never printed, logged or written in plain text.

use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use sha2::Digest as _;

use crate::core::references::preflight::Prepared;

/// How a bucket is reached, as Settings and the config file keep it (the secret is not here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct S3Settings {
    /// The storage's address, e.g. `https://s3.eu-west-1.amazonaws.com`,
    /// `https://ACCOUNT.r2.cloudflarestorage.com` or `http://127.0.0.1:9000`.
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    /// Put before every object name, e.g. `wan-studio/`.
    #[serde(default)]
    pub prefix: String,
    /// `https://endpoint/bucket/key` rather than `https://bucket.endpoint/key` (MinIO needs it).
    #[serde(default)]
    pub path_style: bool,
    pub access_key_id: String,
    /// How long the link the API gets stays valid.
    #[serde(default = "default_expiry")]
    pub link_expiry_secs: u64,
}

fn default_expiry() -> u64 {
    3600
}

/// Environment variables the command line reads a bucket from.
pub const ENV_BUCKET: &str = "WAN_STUDIO_S3_BUCKET";
pub const ENV_PREFIX: &str = "WAN_STUDIO_S3_PREFIX";
pub const ENV_PATH_STYLE: &str = "WAN_STUDIO_S3_PATH_STYLE";
pub const ENV_ENDPOINT: &str = "AWS_ENDPOINT_URL";
pub const ENV_REGION: &str = "AWS_REGION";
pub const ENV_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
pub const ENV_SECRET: &str = "AWS_SECRET_ACCESS_KEY";

impl S3Settings {
    /// A bucket from the environment, if `WAN_STUDIO_S3_BUCKET` is set; with the secret.
    pub fn from_env(
        get: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<(S3Settings, String)>, HostError> {
        let Some(bucket) = get(ENV_BUCKET).filter(|b| !b.trim().is_empty()) else {
            return Ok(None);
        };
        let need = |name: &str| {
            get(name).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                HostError::Config(format!("{ENV_BUCKET} is set, so {name} is needed too"))
            })
        };
        let settings = S3Settings {
            endpoint: get(ENV_ENDPOINT).unwrap_or_else(|| {
                format!(
                    "https://s3.{}.amazonaws.com",
                    get(ENV_REGION).unwrap_or_else(|| "us-east-1".into())
                )
            }),
            region: get(ENV_REGION).unwrap_or_else(|| "us-east-1".to_owned()),
            bucket,
            prefix: get(ENV_PREFIX).unwrap_or_default(),
            path_style: get(ENV_PATH_STYLE).is_some_and(|v| v == "1" || v == "true"),
            access_key_id: need(ENV_KEY_ID)?,
            link_expiry_secs: default_expiry(),
        };
        Ok(Some((settings, need(ENV_SECRET)?)))
    }
}

/// Why a reference could not be hosted, in words that say what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostError {
    #[error("reference hosting is not set up right: {0}")]
    Config(String),
    #[error("the storage at {0} could not be reached: {1}")]
    Unreachable(String, String),
    #[error(
        "the storage refused the access key or secret ({0}); check both in Settings › Reference hosting"
    )]
    BadCredentials(String),
    #[error("the bucket '{0}' does not exist at this endpoint")]
    NoSuchBucket(String),
    #[error(
        "this computer's clock is too far from the storage's ({0}); set the clock right and try again"
    )]
    ClockSkew(String),
    #[error(
        "the upload worked, but the presigned link could not be read back without credentials ({0}); the API could not fetch it either"
    )]
    NotReadable(String),
    #[error("the storage refused the upload: HTTP {status} {code}: {message}")]
    Refused {
        status: u16,
        code: String,
        message: String,
    },
}

impl HostError {
    /// The error in the catalogue's words (the window shows it in its language).
    pub fn message(&self) -> crate::core::text::i18n::Message {
        use crate::msg;
        match self {
            HostError::Config(why) => msg!("host-config", why = why.as_str()),
            HostError::Unreachable(at, why) => {
                msg!("host-unreachable", at = at.as_str(), why = why.as_str())
            }
            HostError::BadCredentials(code) => msg!("host-credentials", code = code.as_str()),
            HostError::NoSuchBucket(bucket) => msg!("host-no-bucket", bucket = bucket.as_str()),
            HostError::ClockSkew(why) => msg!("host-clock", why = why.as_str()),
            HostError::NotReadable(why) => msg!("host-not-readable", why = why.as_str()),
            HostError::Refused {
                status,
                code,
                message,
            } => msg!(
                "host-refused",
                status = *status,
                code = code.as_str(),
                message = message.as_str()
            ),
        }
    }
}

/// Where local references are uploaded.
#[derive(Clone)]
pub enum ReferenceHost {
    /// The sandbox keeps uploads itself (`PUT /uploads/NAME`).
    Sandbox {
        base: url::Url,
    },
    S3(Box<S3Host>),
}

/// A bucket ready to sign for.
#[derive(Clone)]
pub struct S3Host {
    bucket: rusty_s3::Bucket,
    credentials: rusty_s3::Credentials,
    prefix: String,
    expiry: Duration,
}

impl std::fmt::Debug for ReferenceHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReferenceHost::Sandbox { base } => write!(f, "Sandbox({base})"),
            ReferenceHost::S3(s) => write!(f, "S3({})", s.bucket.base_url()),
        }
    }
}

/// How long a signed upload (or check) stays valid: long enough for a slow 20 MB upload.
const SIGN_FOR: Duration = Duration::from_mins(15);

impl S3Host {
    pub fn new(settings: &S3Settings, secret: &str) -> Result<S3Host, HostError> {
        let endpoint = url::Url::parse(settings.endpoint.trim()).map_err(|e| {
            HostError::Config(format!(
                "the endpoint '{}' is not an address: {e}",
                settings.endpoint
            ))
        })?;
        let style = if settings.path_style {
            rusty_s3::UrlStyle::Path
        } else {
            rusty_s3::UrlStyle::VirtualHost
        };
        if settings.bucket.trim().is_empty() {
            return Err(HostError::Config("no bucket is named".to_owned()));
        }
        if settings.access_key_id.trim().is_empty() || secret.trim().is_empty() {
            return Err(HostError::Config(
                "the access key id and secret are both needed".to_owned(),
            ));
        }
        let bucket = rusty_s3::Bucket::new(
            endpoint,
            style,
            settings.bucket.trim().to_owned(),
            settings.region.trim().to_owned(),
        )
        .map_err(|e| {
            HostError::Config(format!(
                "the endpoint and bucket do not make an address ({e:?}); an IP address or 'localhost' endpoint needs path-style addressing"
            ))
        })?;
        let expiry = Duration::from_secs(settings.link_expiry_secs.clamp(60, 7 * 24 * 3600));
        Ok(S3Host {
            bucket,
            credentials: rusty_s3::Credentials::new(settings.access_key_id.trim(), secret.trim()),
            prefix: settings.prefix.trim().trim_start_matches('/').to_owned(),
            expiry,
        })
    }

    fn endpoint(&self) -> String {
        self.bucket
            .base_url()
            .host_str()
            .unwrap_or("the endpoint")
            .to_owned()
    }

    /// The presigned link the API gets for an object.
    fn link(&self, key: &str) -> String {
        use rusty_s3::S3Action as _;
        self.bucket
            .get_object(Some(&self.credentials), key)
            .sign(self.expiry)
            .to_string()
    }

    async fn exists(&self, http: &reqwest::Client, key: &str) -> Result<bool, HostError> {
        use rusty_s3::S3Action as _;
        let url = self
            .bucket
            .head_object(Some(&self.credentials), key)
            .sign(SIGN_FOR);
        let resp = http.head(url).send().await.map_err(|e| {
            HostError::Unreachable(self.endpoint(), crate::core::api::client::describe(&e))
        })?;
        match resp.status() {
            s if s.is_success() => Ok(true),
            // Not there (404), or refused: a HEAD has no body to explain itself, so the PUT that
            // follows says what is wrong.
            _ => Ok(false),
        }
    }

    async fn upload(
        &self,
        http: &reqwest::Client,
        key: &str,
        prepared: &Prepared,
        told: Told,
    ) -> Result<(), HostError> {
        use rusty_s3::S3Action as _;
        let content_type = prepared.content_type();
        let mut put = self.bucket.put_object(Some(&self.credentials), key);
        put.headers_mut()
            .insert("content-type", content_type.to_owned());
        let url = put.sign(SIGN_FOR);
        let (body, len) = counted_body(&prepared.bytes, told);
        let resp = http
            .put(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .header(reqwest::header::CONTENT_LENGTH, len)
            .body(body)
            .send()
            .await
            .map_err(|e| {
                HostError::Unreachable(self.endpoint(), crate::core::api::client::describe(&e))
            })?;
        let status = resp.status();
        if status.is_success() {
            return Ok(());
        }
        let body = resp.text().await.unwrap_or_default();
        Err(s3_error(status, &body, self.bucket.name()))
    }
}

/// Told how far an upload has come (from the sending task, as each piece goes).
pub type Told = std::sync::Arc<dyn Fn(crate::core::api::client::Progress) + Send + Sync>;

/// The bytes as a request body sent in pieces, telling `told` as each goes; the length is set too
/// (a presigned PUT needs it).
fn counted_body(bytes: &[u8], told: Told) -> (reqwest::Body, u64) {
    const PIECE: usize = 256 * 1024;
    let total = bytes.len() as u64;
    let pieces: Vec<Vec<u8>> = bytes.chunks(PIECE).map(<[u8]>::to_vec).collect();
    let mut sent = 0u64;
    let stream = futures_util::stream::iter(pieces.into_iter().map(move |piece| {
        sent += piece.len() as u64;
        told(crate::core::api::client::Progress {
            done: sent,
            total: Some(total),
        });
        Ok::<_, std::io::Error>(piece)
    }));
    (reqwest::Body::wrap_stream(stream), total)
}

/// Reads an S3 error document (`<Code>…</Code><Message>…</Message>`) into words.
fn s3_error(status: StatusCode, body: &str, bucket: &str) -> HostError {
    let tag = |name: &str| {
        let open = format!("<{name}>");
        let close = format!("</{name}>");
        body.find(&open).and_then(|at| {
            let rest = &body[at + open.len()..];
            rest.find(&close).map(|end| rest[..end].trim().to_owned())
        })
    };
    let code = tag("Code").unwrap_or_default();
    let message = tag("Message").unwrap_or_else(|| {
        status
            .canonical_reason()
            .unwrap_or("no explanation")
            .to_owned()
    });
    match code.as_str() {
        "SignatureDoesNotMatch"
        | "InvalidAccessKeyId"
        | "InvalidSecretAccessKey"
        | "AuthorizationHeaderMalformed" => HostError::BadCredentials(code),
        "NoSuchBucket" => HostError::NoSuchBucket(bucket.to_owned()),
        "RequestTimeTooSkewed" | "RequestExpired" => HostError::ClockSkew(message),
        _ => HostError::Refused {
            status: status.as_u16(),
            code: if code.is_empty() {
                "(no code)".to_owned()
            } else {
                code
            },
            message,
        },
    }
}

/// The object name of some bytes: a hash of them, so the same image is stored once.
pub fn object_name(bytes: &[u8], format: image::ImageFormat) -> String {
    let digest = sha2::Sha256::digest(bytes);
    let mut name = String::with_capacity(70);
    for b in digest {
        use std::fmt::Write as _;
        let _ = write!(name, "{b:02x}");
    }
    let ext = format.extensions_str().first().copied().unwrap_or("img");
    format!("{name}.{ext}")
}

/// A reference put where the API can fetch it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hosted {
    /// The link the API gets (presigned for a bucket: it carries a signature, so it is shown
    /// without its query).
    pub link: String,
    /// Whether the bytes were sent now (not when the host already had them).
    pub uploaded: bool,
}

impl ReferenceHost {
    /// Uploads a prepared reference (once: the same bytes are found by name) and returns the link
    /// the API fetches it by.
    pub async fn host(
        &self,
        http: &reqwest::Client,
        prepared: &Prepared,
    ) -> Result<Hosted, HostError> {
        self.host_told(http, prepared, std::sync::Arc::new(|_| {}))
            .await
    }

    /// [`ReferenceHost::host`], telling `told` how far the upload has come.
    pub async fn host_told(
        &self,
        http: &reqwest::Client,
        prepared: &Prepared,
        told: Told,
    ) -> Result<Hosted, HostError> {
        let name = object_name(&prepared.bytes, prepared.format);
        match self {
            ReferenceHost::Sandbox { base } => {
                let url = base
                    .join(&format!("uploads/{name}"))
                    .map_err(|e| HostError::Config(e.to_string()))?;
                let (body, len) = counted_body(&prepared.bytes, told);
                let resp = http
                    .put(url.clone())
                    .header(reqwest::header::CONTENT_TYPE, prepared.content_type())
                    .header(reqwest::header::CONTENT_LENGTH, len)
                    .body(body)
                    .send()
                    .await
                    .map_err(|e| {
                        HostError::Unreachable(
                            base.to_string(),
                            crate::core::api::client::describe(&e),
                        )
                    })?;
                if !resp.status().is_success() {
                    let status = resp.status();
                    let body = resp.text().await.unwrap_or_default();
                    return Err(HostError::Refused {
                        status: status.as_u16(),
                        code: "sandbox".to_owned(),
                        message: body.chars().take(200).collect(),
                    });
                }
                Ok(Hosted {
                    link: url.to_string(),
                    uploaded: true,
                })
            }
            ReferenceHost::S3(s3) => {
                let key = format!("{}{name}", s3.prefix);
                let uploaded = !s3.exists(http, &key).await?;
                if uploaded {
                    s3.upload(http, &key, prepared, told).await?;
                    tracing::info!(object = %key, bytes = prepared.bytes.len(), "reference uploaded");
                } else {
                    tracing::info!(object = %key, "reference already uploaded");
                }
                Ok(Hosted {
                    link: s3.link(&key),
                    uploaded,
                })
            }
        }
    }

    /// Settings' Test button: uploads a tiny image, reads it back through its link without any
    /// credentials, and says what is wrong if anything is.
    pub async fn test(&self, http: &reqwest::Client) -> Result<String, HostError> {
        let probe = test_image();
        let link = self.host(http, &probe).await?.link;
        let fetched = crate::core::api::client::download_media(http, &link, 1 << 20)
            .await
            .map_err(|e| HostError::NotReadable(format!("{e:?}")))?;
        if fetched != probe.bytes {
            return Err(HostError::NotReadable(
                "what came back is not what was uploaded".to_owned(),
            ));
        }
        Ok(link)
    }
}

/// The HTTP client for uploads and for reading links back: no credentials of the API's ever, a
/// connect timeout and an idle timeout (a 20 MB upload on a slow link is not cut).
pub fn upload_client() -> Result<reqwest::Client, HostError> {
    crate::core::api::client::media_client(Duration::from_secs(10), Duration::from_mins(1))
        .map_err(|e| HostError::Config(format!("no HTTP client: {e}")))
}

pub use crate::core::references::links::{file_reference, local_file};

/// Why local references could not be made links. Nothing was sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrepareError {
    #[error("{0}")]
    Unreadable(String),
    #[error(transparent)]
    Refused(#[from] crate::core::references::preflight::Refused),
    #[error("reference {index} ({name}) was not uploaded, so nothing was sent: {error}")]
    Upload {
        index: usize,
        name: String,
        error: HostError,
    },
}

/// What was done with one local reference.
#[derive(Debug, Clone)]
pub struct Done {
    pub index: usize,
    pub name: String,
    pub prepared: Prepared,
    pub hosted: Hosted,
    /// Its boxes before and after mapping into the sent pixels.
    pub boxes: (
        Vec<crate::core::api::request::BBox>,
        Vec<crate::core::api::request::BBox>,
    ),
}

/// Where one local reference is on its way to becoming a link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stage {
    /// Being read and prepared (preflight).
    Preparing,
    /// Being uploaded.
    Uploading(crate::core::api::client::Progress),
    /// A link now; what preflight did (nothing when sent as it is) and whether it was uploaded now.
    Hosted {
        notes: Vec<crate::core::text::i18n::Message>,
        uploaded: bool,
    },
}

/// Told of each reference's stage: its position, its file name, the stage.
pub type StageTold = std::sync::Arc<dyn Fn(usize, &str, Stage) + Send + Sync>;

/// How many references are prepared and uploaded at once.
const AT_ONCE: usize = 3;

/// Turns every `file://` reference of `request` into a link: each file is read, prepared
/// (preflight, off the async threads) and uploaded to `host`, a few at a time, and its boxes are
/// carried into the uploaded pixels. `told` hears each stage (for progress lines and the queue).
/// Nothing is paid here: any failure leaves the request unsent.
pub async fn host_local_references(
    request: &mut crate::core::api::request::GenerationRequest,
    host: &ReferenceHost,
    http: &reqwest::Client,
    options: crate::core::references::preflight::Options,
    told: StageTold,
) -> Result<Vec<Done>, PrepareError> {
    use futures_util::StreamExt as _;
    let local: Vec<(usize, std::path::PathBuf)> = request
        .image_urls
        .iter()
        .enumerate()
        .filter_map(|(i, u)| local_file(u).map(|p| (i, p)))
        .collect();
    let results: Vec<Result<(Prepared, Hosted, usize, String), PrepareError>> =
        futures_util::stream::iter(local)
            .map(|(index, path)| {
                let told = std::sync::Arc::clone(&told);
                async move {
                    let name = path.file_name().map_or_else(
                        || path.display().to_string(),
                        |n| n.to_string_lossy().into_owned(),
                    );
                    told(index, &name, Stage::Preparing);
                    let bytes = crate::core::references::read_source(&path)
                        .await
                        .map_err(PrepareError::Unreadable)?;
                    let file = name.clone();
                    let prepared = tokio::task::spawn_blocking(move || {
                        crate::core::references::preflight::preflight(&file, &bytes, &options)
                    })
                    .await
                    .map_err(|e| PrepareError::Unreadable(format!("{name}: {e}")))??;
                    let progress: Told = {
                        let (told, name) = (std::sync::Arc::clone(&told), name.clone());
                        std::sync::Arc::new(move |p| told(index, &name, Stage::Uploading(p)))
                    };
                    let hosted =
                        host.host_told(http, &prepared, progress)
                            .await
                            .map_err(|error| PrepareError::Upload {
                                index,
                                name: name.clone(),
                                error,
                            })?;
                    told(
                        index,
                        &name,
                        Stage::Hosted {
                            notes: prepared.notes.clone(),
                            uploaded: hosted.uploaded,
                        },
                    );
                    Ok((prepared, hosted, index, name))
                }
            })
            .buffer_unordered(AT_ONCE)
            .collect()
            .await;
    let mut done = Vec::new();
    for r in results {
        let (prepared, hosted, index, name) = r?;
        request.image_urls[index].clone_from(&hosted.link);
        let mut boxes = (Vec::new(), Vec::new());
        if let Some(list) = request.bbox_list.as_mut().and_then(|l| l.get_mut(index)) {
            let mapped = prepared.map_boxes(list);
            boxes = (std::mem::replace(list, mapped.clone()), mapped);
        }
        done.push(Done {
            index,
            name,
            prepared,
            hosted,
            boxes,
        });
    }
    done.sort_by_key(|d| d.index);
    Ok(done)
}

/// A tiny PNG to test a host with (a 2×2 image of the app's colours).
fn test_image() -> Prepared {
    let img = image::RgbImage::from_fn(2, 2, |x, y| {
        image::Rgb([40 + 80 * u8::from(x == 1), 90, 160 + 40 * u8::from(y == 1)])
    });
    let mut bytes = Vec::new();
    let _ = image::DynamicImage::ImageRgb8(img)
        .write_with_encoder(image::codecs::png::PngEncoder::new(&mut bytes));
    Prepared {
        bytes,
        format: image::ImageFormat::Png,
        shown: (2, 2),
        sent: (2, 2),
        notes: Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_errors_read_as_what_to_fix() {
        let body = "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match</Message></Error>";
        assert_eq!(
            s3_error(StatusCode::FORBIDDEN, body, "b"),
            HostError::BadCredentials("SignatureDoesNotMatch".into())
        );
        let body = "<Error><Code>NoSuchBucket</Code><Message>x</Message></Error>";
        assert_eq!(
            s3_error(StatusCode::NOT_FOUND, body, "art"),
            HostError::NoSuchBucket("art".into())
        );
        let body = "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference is too large.</Message></Error>";
        assert!(matches!(
            s3_error(StatusCode::FORBIDDEN, body, "b"),
            HostError::ClockSkew(_)
        ));
        assert!(matches!(
            s3_error(StatusCode::BAD_GATEWAY, "<html>", "b"),
            HostError::Refused { status: 502, .. }
        ));
    }

    #[test]
    fn the_environment_names_a_bucket_and_needs_its_keys() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(S3Settings::from_env(env(&[])).unwrap(), None);
        let err = S3Settings::from_env(env(&[(ENV_BUCKET, "art")])).unwrap_err();
        assert!(err.to_string().contains(ENV_KEY_ID), "{err}");
        let (s, secret) = S3Settings::from_env(env(&[
            (ENV_BUCKET, "art"),
            (ENV_ENDPOINT, "http://127.0.0.1:9000"),
            (ENV_PATH_STYLE, "1"),
            (ENV_KEY_ID, "AKIA"),
            (ENV_SECRET, "shh"),
            (ENV_PREFIX, "refs/"),
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(
            (
                s.bucket.as_str(),
                s.endpoint.as_str(),
                s.path_style,
                s.prefix.as_str(),
                secret.as_str()
            ),
            ("art", "http://127.0.0.1:9000", true, "refs/", "shh")
        );
        assert_eq!(s.link_expiry_secs, 3600);
    }

    #[test]
    fn the_same_bytes_get_the_same_name() {
        let a = object_name(b"abc", image::ImageFormat::Png);
        assert_eq!(
            a,
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad.png"
        );
        assert_ne!(a, object_name(b"abd", image::ImageFormat::Png));
    }
}
