//! Local references as links: a file on this computer is carried in the compose form as a
//! `file://` link until it is hosted.

/// The file a `file://` reference names (the compose form's local references), if it is one.
pub fn local_file(reference: &str) -> Option<std::path::PathBuf> {
    let url = url::Url::parse(reference.trim()).ok()?;
    (url.scheme() == "file").then(|| url.to_file_path().ok())?
}

/// The `file://` reference of a path on this computer.
pub fn file_reference(path: &std::path::Path) -> Option<String> {
    let absolute = std::path::absolute(path).ok()?;
    url::Url::from_file_path(absolute).ok().map(String::from)
}
