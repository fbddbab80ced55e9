//! What can go wrong talking to a Switchboard (or seed-compatible CRM) server, each said
//! in a sentence a person can act on.

use reqwest::StatusCode;

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
    #[error("{0} is not a valid server address; use a URL such as http://127.0.0.1:8000")]
    BadUrl(String),
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
