use crate::{Fingerprint, TlsError, provider};
use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use std::path::Path;
use std::sync::Arc;

/// The host's own certificate and key, in its data directory.
const CERT_FILE: &str = "tls-cert.pem";
const KEY_FILE: &str = "tls-key.pem";

/// A server's certificate chain and private key.
pub struct ServerIdentity {
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl std::fmt::Debug for ServerIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerIdentity")
            .field("fingerprint", &self.fingerprint())
            .finish_non_exhaustive()
    }
}

impl ServerIdentity {
    /// The admin's certificate chain and key, as PEM files (what a certificate authority
    /// or `certbot` hands out).
    pub fn from_pem_files(cert: &Path, key: &Path) -> Result<ServerIdentity, TlsError> {
        let read = |path: &Path| {
            std::fs::read(path).map_err(|e| TlsError::Read {
                path: path.to_owned(),
                reason: e.to_string(),
            })
        };
        let (cert_pem, key_pem) = (read(cert)?, read(key)?);
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<_, _>>()
            .map_err(|e| TlsError::Read {
                path: cert.to_owned(),
                reason: e.to_string(),
            })?;
        if chain.is_empty() {
            return Err(TlsError::Missing {
                path: cert.to_owned(),
                what: "certificate",
            });
        }
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| match e {
            rustls_pki_types::pem::Error::NoItemsFound => TlsError::Missing {
                path: key.to_owned(),
                what: "private key",
            },
            e => TlsError::Read {
                path: key.to_owned(),
                reason: e.to_string(),
            },
        })?;
        let identity = ServerIdentity { chain, key };
        // A key that does not go with the certificate fails here, not at the first client.
        identity.server_config()?;
        Ok(identity)
    }

    /// The host's own certificate in `dir`, made on first use and kept (so its
    /// fingerprint, which teammates pinned, stays the same): `tls-cert.pem`, and
    /// `tls-key.pem` readable by this user only. `names` are the addresses it is known by
    /// (for tools that check them; Switchboard's clients check the fingerprint).
    pub fn self_signed_in(dir: &Path, names: &[String]) -> Result<ServerIdentity, TlsError> {
        let (cert, key) = (dir.join(CERT_FILE), dir.join(KEY_FILE));
        if cert.exists() && key.exists() {
            return ServerIdentity::from_pem_files(&cert, &key);
        }
        let mut all = vec!["localhost".to_owned(), "127.0.0.1".into(), "::1".into()];
        all.extend(names.iter().filter(|n| !n.is_empty()).cloned());
        all.dedup();
        let made = rcgen::generate_simple_self_signed(all)
            .map_err(|e| TlsError::Generate(e.to_string()))?;
        write_private(&key, made.key_pair.serialize_pem().as_bytes())?;
        std::fs::write(&cert, made.cert.pem()).map_err(|e| TlsError::Write {
            path: cert.clone(),
            reason: e.to_string(),
        })?;
        tracing::info!(certificate = %cert.display(), "made this server's TLS certificate");
        ServerIdentity::from_pem_files(&cert, &key)
    }

    /// The SHA-256 of the certificate clients see first: what they pin.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of(self.chain[0].as_ref())
    }

    /// The rustls configuration: HTTP/1.1 (WebSocket upgrades need it), TLS 1.2 and 1.3.
    pub fn server_config(&self) -> Result<Arc<ServerConfig>, TlsError> {
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsError::Config(e.to_string()))?
            .with_no_client_auth()
            .with_single_cert(self.chain.clone(), self.key.clone_key())
            .map_err(|e| TlsError::Config(e.to_string()))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Arc::new(config))
    }

    pub fn acceptor(&self) -> Result<tokio_rustls::TlsAcceptor, TlsError> {
        Ok(tokio_rustls::TlsAcceptor::from(self.server_config()?))
    }
}

/// Writes a file only this user can read (created so, never widened after).
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), TlsError> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let failed = |e: std::io::Error| TlsError::Write {
        path: path.to_owned(),
        reason: e.to_string(),
    };
    let mut file = options.open(path).map_err(failed)?;
    file.write_all(bytes).map_err(failed)?;
    file.sync_all().map_err(failed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hosts_certificate_is_made_once_and_its_key_kept_private() {
        let dir = tempfile::tempdir().unwrap();
        let first = ServerIdentity::self_signed_in(dir.path(), &["10.0.0.5".into()]).unwrap();
        let again = ServerIdentity::self_signed_in(dir.path(), &[]).unwrap();
        assert_eq!(
            first.fingerprint(),
            again.fingerprint(),
            "kept across starts"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[test]
    fn unusable_pem_files_are_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let made = ServerIdentity::self_signed_in(dir.path(), &[]).unwrap();
        let (cert, key) = (dir.path().join(CERT_FILE), dir.path().join(KEY_FILE));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "").unwrap();
        let e = ServerIdentity::from_pem_files(&empty, &key)
            .unwrap_err()
            .to_string();
        assert!(e.contains("empty.pem holds no certificate"), "{e}");
        let e = ServerIdentity::from_pem_files(&cert, &empty)
            .unwrap_err()
            .to_string();
        assert!(e.contains("empty.pem holds no private key"), "{e}");
        let e = ServerIdentity::from_pem_files(&dir.path().join("nope.pem"), &key)
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot read") && e.contains("nope.pem"), "{e}");
        // Another certificate's key does not go with this one.
        let other = tempfile::tempdir().unwrap();
        ServerIdentity::self_signed_in(other.path(), &[]).unwrap();
        let e = ServerIdentity::from_pem_files(&cert, &other.path().join(KEY_FILE))
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot be used"), "{e}");
        drop(made);
    }
}
