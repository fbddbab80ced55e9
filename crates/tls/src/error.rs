use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error(
        "“{0}” is not a certificate fingerprint: expected sha256: and 64 hexadecimal digits, as the host's screen shows it"
    )]
    BadFingerprint(String),
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("cannot write {path}: {reason}")]
    Write { path: PathBuf, reason: String },
    #[error("{path} holds no {what}: give a PEM file")]
    Missing { path: PathBuf, what: &'static str },
    #[error("cannot make a certificate: {0}")]
    Generate(String),
    #[error("the TLS certificate and key cannot be used: {0}")]
    Config(String),
    #[error("cannot reach {addr} for its certificate: {reason}")]
    Probe { addr: String, reason: String },
}
