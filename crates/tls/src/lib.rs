//! TLS for Switchboard. A team's server needs no certificate authority: the host makes
//! its own certificate on first start (or takes the admin's PEM files), shows its SHA-256
//! fingerprint, and clients trust exactly that certificate (pinning). Someone on the
//! office network can then neither read passwords and tokens nor stand in for the server.
//! Servers with a certificate from a public authority are trusted the usual way.

mod client;
mod error;
mod fingerprint;
mod server;

pub use client::{
    CertificateProblem, Trust, authority_config, certificate_problem, client_config,
    encryption_only_config, probe,
};
pub use error::TlsError;
pub use fingerprint::Fingerprint;
pub use server::ServerIdentity;

/// The crypto provider: ring, which the WebRTC stack builds anyway.
fn provider() -> std::sync::Arc<rustls::crypto::CryptoProvider> {
    std::sync::Arc::new(rustls::crypto::ring::default_provider())
}

/// Makes ring this process's default TLS provider, for HTTP clients built without a
/// configuration of ours (reqwest refuses to build one otherwise). Idempotent.
pub fn install_default_provider() {
    // Err means a default is installed already, which is all we need.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// The rustls types clients hand to their HTTP and WebSocket libraries.
pub use rustls::ClientConfig;
