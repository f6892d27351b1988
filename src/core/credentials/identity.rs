//! Who signs: a per-install identity made on first use (a local root certificate and, under it,
//! an ES256 signing certificate with the C2PA profile's key usages), or the artist's own
//! certificate chain and key.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use super::CredentialsError;

/// The name the per-install certificates carry.
pub const LOCAL_SIGNER_NAME: &str = "Wan Studio (this computer)";

/// A certificate chain (signing certificate first) and its private key, both PEM.
#[derive(Clone)]
pub struct Identity {
    pub chain_pem: Vec<u8>,
    key_pem: Vec<u8>,
    /// Made on this computer (on no trust list), not the artist's own from a CA.
    pub local: bool,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("local", &self.local)
            .finish_non_exhaustive()
    }
}

/// Where the per-install identity is kept.
pub fn local_dir(home: &Path) -> PathBuf {
    home.join("credentials")
}

const CHAIN_FILE: &str = "signer-chain.pem";
const KEY_FILE: &str = "signer-key.pem";
/// Larger than any certificate chain or key file anyone uses.
const MAX_PEM: u64 = 256 * 1024;

fn read_pem(path: &Path) -> Result<Vec<u8>, CredentialsError> {
    super::read_bounded(path, MAX_PEM).map_err(|e| CredentialsError::io(path, e))
}

/// Writes a secret file readable only by this user: a temporary file (created 0600), synced,
/// renamed into place.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), CredentialsError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| CredentialsError::io(dir, e))?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| CredentialsError::io(dir, e))?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| CredentialsError::io(path, e))?;
    tmp.persist(path)
        .map_err(|e| CredentialsError::io(path, e.error))?;
    Ok(())
}

impl Identity {
    /// The artist's own chain and key (PEM files; the chain's first certificate signs).
    pub fn from_files(chain: &Path, key: &Path) -> Result<Identity, CredentialsError> {
        let chain_pem = read_pem(chain)?;
        let key_pem = read_pem(key)?;
        if !chain_pem.windows(11).any(|w| w == b"CERTIFICATE") {
            return Err(CredentialsError::Identity(format!(
                "{} holds no PEM certificate",
                chain.display()
            )));
        }
        Ok(Identity {
            chain_pem,
            key_pem,
            local: false,
        })
    }

    /// The per-install identity in `dir`, made (and kept, 0600) the first time.
    pub fn local(dir: &Path) -> Result<Identity, CredentialsError> {
        let chain = dir.join(CHAIN_FILE);
        let key = dir.join(KEY_FILE);
        if chain.exists() && key.exists() {
            let mut id = Identity::from_files(&chain, &key)?;
            id.local = true;
            return Ok(id);
        }
        let (chain_pem, key_pem) = make_local()?;
        // The key first: a chain without its key is never left behind.
        write_private(&key, key_pem.as_bytes())?;
        write_private(&chain, chain_pem.as_bytes())?;
        Ok(Identity {
            chain_pem: chain_pem.into_bytes(),
            key_pem: key_pem.into_bytes(),
            local: true,
        })
    }

    /// A signer for C2PA manifests.
    pub fn signer(&self) -> Result<c2pa::BoxedSigner, CredentialsError> {
        c2pa::create_signer::from_keys(
            &self.chain_pem,
            &self.key_pem,
            c2pa::SigningAlg::Es256,
            None,
        )
        .map_err(|e| CredentialsError::Identity(format!("the signing key cannot be used: {e}")))
    }
}

/// A fresh root and, under it, an ES256 signing certificate (key usage `digitalSignature`,
/// critical; extended key usage `emailProtection`), as C2PA's certificate profile asks.
fn make_local() -> Result<(String, String), CredentialsError> {
    use rcgen::{
        BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
        IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256,
    };
    let fail =
        |e: rcgen::Error| CredentialsError::Identity(format!("making the signing identity: {e}"));
    let secs = crate::core::job::now_ms() / 1000;
    let now =
        rcgen::date_time_ymd(1970, 1, 1) + std::time::Duration::from_secs(secs.unsigned_abs());
    let name = |cn: &str| {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, cn);
        dn.push(DnType::OrganizationName, "Wan Studio");
        dn
    };

    let root_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(fail)?;
    let mut root = CertificateParams::default();
    root.distinguished_name = name("Wan Studio local root");
    root.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    root.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    root.not_before = now - std::time::Duration::from_hours(24);
    root.not_after = now + std::time::Duration::from_hours(24 * 365 * 20);
    let root_cert = root.self_signed(&root_key).map_err(fail)?;
    let issuer = Issuer::new(root, root_key);

    let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(fail)?;
    let mut leaf = CertificateParams::default();
    leaf.distinguished_name = name(LOCAL_SIGNER_NAME);
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::EmailProtection];
    leaf.use_authority_key_identifier_extension = true;
    leaf.not_before = now - std::time::Duration::from_hours(24);
    leaf.not_after = now + std::time::Duration::from_hours(24 * 365 * 10);
    let leaf_cert = leaf.signed_by(&leaf_key, &issuer).map_err(fail)?;

    Ok((
        format!("{}{}", leaf_cert.pem(), root_cert.pem()),
        leaf_key.serialize_pem(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_local_identity_is_made_once_and_kept_private() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let first = Identity::local(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        let again = Identity::local(dir.path()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(first.chain_pem, again.chain_pem);
        assert!(again.local);
        assert!(first.signer().is_ok());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            for f in [CHAIN_FILE, KEY_FILE] {
                let mode = std::fs::metadata(dir.path().join(f))
                    .map(|m| m.permissions().mode() & 0o777)
                    .unwrap_or_default();
                assert_eq!(mode, 0o600, "{f}");
            }
        }
    }
}
