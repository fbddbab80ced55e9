use crate::{Fingerprint, TlsError, provider};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use std::sync::{Arc, Mutex};

/// Which server certificate a client accepts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Trust {
    /// One signed by an authority this computer trusts (a server with a public
    /// certificate, or a company's own authority installed on the machine).
    #[default]
    System,
    /// Exactly this certificate, whoever signed it and whatever name it carries: the
    /// host's own, as its invite link or screen gives it.
    Pinned(Fingerprint),
}

/// Why a server's certificate was refused, when it was: for a sentence the user can act
/// on, instead of a TLS library's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateProblem {
    /// The server showed another certificate than the pinned one: someone may be
    /// standing in for it, or the host made a new one.
    Changed {
        pinned: Fingerprint,
        shown: Fingerprint,
    },
    /// No authority this computer trusts signed it (a host's own certificate reached
    /// without its fingerprint).
    Unknown,
    /// Any other reason (expired, wrong name ...), as rustls says it.
    Other(String),
}

impl std::fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertificateProblem::Changed { pinned, shown } => write!(
                f,
                "the server's certificate is not the one this computer trusts for it \
                 (trusted {pinned}, shown {shown}): someone on the network may be \
                 standing in for the server; ask the host whether they made a new one \
                 before trusting it"
            ),
            CertificateProblem::Unknown => write!(
                f,
                "the server's certificate is not signed by an authority this computer \
                 trusts; use the host's invite link, or check the fingerprint the host \
                 shows and trust it"
            ),
            CertificateProblem::Other(reason) => {
                write!(f, "the server's certificate was refused: {reason}")
            }
        }
    }
}

/// What a pinned verifier found, for [`certificate_problem`] to read back.
#[derive(Debug)]
struct PinMismatch {
    pinned: Fingerprint,
    shown: Fingerprint,
}

impl std::fmt::Display for PinMismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "certificate {} is not the pinned {}",
            self.shown, self.pinned
        )
    }
}

impl std::error::Error for PinMismatch {}

/// The certificate problem somewhere in `error`'s chain (a reqwest or tungstenite error
/// wraps rustls's inside I/O errors), if the connection failed for one.
pub fn certificate_problem(
    error: &(dyn std::error::Error + 'static),
) -> Option<CertificateProblem> {
    let mut next = Some(error);
    while let Some(e) = next {
        if let Some(problem) = e.downcast_ref::<rustls::Error>().and_then(problem_of) {
            return Some(problem);
        }
        // io::Error's `source` skips the error it wraps (often another io::Error
        // around rustls's): go inside instead.
        next = match e.downcast_ref::<std::io::Error>() {
            Some(io) => io
                .get_ref()
                .map(|inner| inner as &(dyn std::error::Error + 'static)),
            None => e.source(),
        };
    }
    None
}

fn problem_of(error: &rustls::Error) -> Option<CertificateProblem> {
    let rustls::Error::InvalidCertificate(cert) = error else {
        return None;
    };
    Some(match cert {
        CertificateError::Other(other) => match other.0.downcast_ref::<PinMismatch>() {
            Some(m) => CertificateProblem::Changed {
                pinned: m.pinned,
                shown: m.shown,
            },
            None => CertificateProblem::Other(other.to_string()),
        },
        CertificateError::UnknownIssuer => CertificateProblem::Unknown,
        other => CertificateProblem::Other(format!("{other:?}")),
    })
}

/// The rustls client configuration for `trust` (HTTP/1.1: WebSocket upgrades need it).
pub fn client_config(trust: &Trust) -> Result<Arc<ClientConfig>, TlsError> {
    crate::install_default_provider();
    let provider = provider();
    let verifier: Arc<dyn ServerCertVerifier> = match trust {
        Trust::Pinned(pinned) => Arc::new(ByFingerprint {
            accept: Accept::Exactly(*pinned),
            provider: provider.clone(),
            shown: None,
        }),
        Trust::System => {
            let mut roots = RootCertStore::empty();
            let found = rustls_native_certs::load_native_certs();
            for error in &found.errors {
                tracing::debug!(%error, "a system certificate authority was not loaded");
            }
            let (added, _ignored) = roots.add_parsable_certificates(found.certs);
            tracing::debug!(added, "system certificate authorities");
            WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
                .build()
                .map_err(|e| TlsError::Config(e.to_string()))?
        }
    };
    config_with(provider, verifier)
}

/// Certificates signed by the system's authorities or by the one in `extra_roots` (a PEM
/// file, e.g. a database's own authority: libpq's `sslrootcert`), names checked. No
/// protocol named: for PostgreSQL.
pub fn authority_config(extra_roots: Option<&std::path::Path>) -> Result<ClientConfig, TlsError> {
    crate::install_default_provider();
    let provider = provider();
    let mut roots = RootCertStore::empty();
    roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
    if let Some(path) = extra_roots {
        use rustls_pki_types::pem::PemObject;
        let read = |reason: String| TlsError::Read {
            path: path.to_owned(),
            reason,
        };
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
            .map_err(|e| read(e.to_string()))?
            .collect::<Result<_, _>>()
            .map_err(|e| read(e.to_string()))?;
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(TlsError::Missing {
                path: path.to_owned(),
                what: "certificate",
            });
        }
    }
    let verifier = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
        .build()
        .map_err(|e| TlsError::Config(e.to_string()))?;
    bare_config(provider, verifier)
}

/// Encrypted, whoever's certificate it is: what PostgreSQL's `sslmode=require` means
/// (a passive listener learns nothing; one who can stand in for the server could). The
/// handshake's signatures are still checked. No protocol named: for PostgreSQL.
pub fn encryption_only_config() -> Result<ClientConfig, TlsError> {
    crate::install_default_provider();
    let provider = provider();
    let verifier = Arc::new(ByFingerprint {
        accept: Accept::Any,
        provider: provider.clone(),
        shown: None,
    });
    bare_config(provider, verifier)
}

/// A configuration for our HTTP and WebSocket clients: HTTP/1.1 (WebSocket upgrades
/// need it).
fn config_with(
    provider: Arc<CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
) -> Result<Arc<ClientConfig>, TlsError> {
    let mut config = bare_config(provider, verifier)?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// No protocol named (ALPN): for PostgreSQL, which would refuse HTTP's.
fn bare_config(
    provider: Arc<CryptoProvider>,
    verifier: Arc<dyn ServerCertVerifier>,
) -> Result<ClientConfig, TlsError> {
    Ok(ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

/// The fingerprint of the certificate the server at `host:port` shows, trusting nothing
/// (only a handshake; no request is sent): for "trust on first use", shown to the user
/// to compare with the host's screen before it is pinned.
pub async fn probe(host: &str, port: u16) -> Result<Fingerprint, TlsError> {
    let addr = format!("{host}:{port}");
    let failed = |reason: String| TlsError::Probe {
        addr: addr.clone(),
        reason,
    };
    let shown = Arc::new(Mutex::new(None));
    let provider = provider();
    let verifier = Arc::new(ByFingerprint {
        accept: Accept::Nothing,
        provider: provider.clone(),
        shown: Some(shown.clone()),
    });
    let connector = tokio_rustls::TlsConnector::from(config_with(provider, verifier)?);
    let name = ServerName::try_from(host.trim_matches(['[', ']']).to_owned())
        .map_err(|e| failed(e.to_string()))?;
    let tcp = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        tokio::net::TcpStream::connect(&addr),
    )
    .await
    .map_err(|_| failed("no answer within 5 s".into()))?
    .map_err(|e| failed(e.to_string()))?;
    // The handshake fails (nothing is trusted) once the certificate has been seen.
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        connector.connect(name, tcp),
    )
    .await;
    let seen = shown.lock().ok().and_then(|s| *s);
    seen.ok_or_else(|| failed("it did not show a certificate (is it serving https?)".into()))
}

/// Which certificates a [`ByFingerprint`] verifier accepts.
#[derive(Debug)]
enum Accept {
    /// Exactly one, by its SHA-256 (a pinned host).
    Exactly(Fingerprint),
    /// Any (PostgreSQL's `sslmode=require`: encrypted, whoever's certificate it is).
    Any,
    /// None: every certificate is recorded and refused ([`probe`]).
    Nothing,
}

/// Judges a certificate by its SHA-256 alone: names and issuers do not matter, the
/// handshake's signatures still do (the server must hold the certificate's key).
#[derive(Debug)]
struct ByFingerprint {
    accept: Accept,
    provider: Arc<CryptoProvider>,
    /// Where the certificate shown is recorded, for [`probe`].
    shown: Option<Arc<Mutex<Option<Fingerprint>>>>,
}

impl ServerCertVerifier for ByFingerprint {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let shown = Fingerprint::of(end_entity.as_ref());
        if let Some(slot) = &self.shown
            && let Ok(mut slot) = slot.lock()
        {
            *slot = Some(shown);
        }
        let refused = |pinned| {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(PinMismatch { pinned, shown })),
            )))
        };
        match self.accept {
            Accept::Exactly(pinned) if pinned == shown => Ok(ServerCertVerified::assertion()),
            Accept::Exactly(pinned) => refused(pinned),
            Accept::Any => Ok(ServerCertVerified::assertion()),
            Accept::Nothing => refused(Fingerprint::of(b"")),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}
