//! The controller's one error type: each variant's text is the sentence the UI shows,
//! and it serialises as that sentence, so the shell's commands return it unchanged.

use switchboard_client::ClientError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Not signed in: sign in first.")]
    NotSignedIn,
    /// Input the user can correct; the sentence says how.
    #[error("{0}")]
    Invalid(String),
    /// The server, the network or the keyring (the client engine says which).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// Hosting the team's backend here failed.
    #[error("{0}")]
    Hosting(String),
    /// The settings file could not be written.
    #[error("{0}")]
    Settings(String),
    /// A sound device could not be listed or opened.
    #[error("{0}")]
    Devices(String),
    /// `join_info` named something that is not a web address.
    #[error(
        "The server's video room address is not a web address ({0}): ask whoever runs the server to check its Jitsi settings."
    )]
    VideoRoom(String),
}

impl AppError {
    pub fn invalid(sentence: impl Into<String>) -> Self {
        AppError::Invalid(sentence.into())
    }
}

impl serde::Serialize for AppError {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}
