//! What can go wrong talking to a Switchboard (or seed-compatible CRM) server, each said
//! in a sentence a person can act on.

use reqwest::StatusCode;
use switchboard_tls::{CertificateProblem, certificate_problem};

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "The server is unreachable at {url}: {reason}. Check the address and that the server is running."
    )]
    Unreachable { url: String, reason: String },
    #[error("Wrong username or password.")]
    WrongPassword,
    #[error("Your session has ended ({0}); sign in again.")]
    SignedOut(String),
    #[error("Not signed in: sign in first.")]
    NoToken,
    /// The server refused the request; `message` is its sentence (e.g. "bob is busy.").
    #[error("{message}")]
    Refused {
        status: StatusCode,
        message: String,
        /// The server's machine-readable reason (`busy`, `offline`, ...), when it gave one.
        code: Option<String>,
    },
    #[error(
        "The server answered something unexpected ({0}); is this a Switchboard or CRM calling server?"
    )]
    Protocol(String),
    #[error("The system keyring failed: {0}")]
    Keyring(String),
    /// This user cannot place or take a call now (already in one).
    #[error("{0}")]
    Busy(String),
    #[error("{0} is not a valid server address; use a URL such as https://192.168.1.20:8443")]
    BadUrl(String),
    /// The server's certificate was refused (changed since it was pinned, or signed by
    /// no authority this computer trusts).
    #[error("Not connecting to {url}: {problem}.")]
    Certificate {
        url: String,
        problem: CertificateProblem,
    },
    #[error(
        "{0} is plain http, but this server's certificate is pinned: its address starts with https://"
    )]
    PinnedPlainHttp(String),
    /// What was asked for would be refused (checked before sending): why, in words.
    #[error("{0}")]
    Invalid(String),
}

impl ClientError {
    /// The refusal in a failed connection's error chain, when it failed for the
    /// server's certificate.
    pub fn from_connect(
        url: &str,
        error: &(dyn std::error::Error + 'static),
    ) -> Option<ClientError> {
        certificate_problem(error).map(|problem| ClientError::Certificate {
            url: url.to_owned(),
            problem,
        })
    }
}

impl ClientError {
    /// The server's reason code, for refusals that have one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Refused { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}
