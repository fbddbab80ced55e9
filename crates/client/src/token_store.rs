//! Sign-in tokens in the OS keyring (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows): one entry per (server, profile), never a plain file.

use crate::error::ClientError;

/// The keyring service name every entry is filed under.
pub const SERVICE: &str = "switchboard";

/// Where tokens live. Calls block on the OS keyring: from async code, call them inside
/// `tokio::task::spawn_blocking`.
#[derive(Clone, Debug)]
pub struct TokenStore {
    service: String,
}

impl Default for TokenStore {
    fn default() -> Self {
        TokenStore {
            service: SERVICE.to_owned(),
        }
    }
}

impl TokenStore {
    /// A store under another service name (tests use their own).
    pub fn with_service(service: &str) -> Self {
        TokenStore {
            service: service.to_owned(),
        }
    }

    /// The keyring account for a server and profile: `profile@server`.
    pub fn account(server: &str, profile: &str) -> String {
        format!("{profile}@{}", server.trim_end_matches('/'))
    }

    fn entry(&self, server: &str, profile: &str) -> Result<keyring::Entry, ClientError> {
        keyring::Entry::new(&self.service, &Self::account(server, profile)).map_err(explain)
    }

    pub fn save(&self, server: &str, profile: &str, token: &str) -> Result<(), ClientError> {
        self.entry(server, profile)?
            .set_password(token)
            .map_err(explain)
    }

    /// The saved token, or `None` when there is none.
    pub fn load(&self, server: &str, profile: &str) -> Result<Option<String>, ClientError> {
        match self.entry(server, profile)?.get_password() {
            Ok(token) => Ok(Some(token)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(explain(e)),
        }
    }

    /// Removes the saved token; nothing saved is fine.
    pub fn forget(&self, server: &str, profile: &str) -> Result<(), ClientError> {
        match self.entry(server, profile)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(explain(e)),
        }
    }
}

fn explain(e: keyring::Error) -> ClientError {
    ClientError::Keyring(match e {
        keyring::Error::PlatformFailure(inner) | keyring::Error::NoStorageAccess(inner) => format!(
            "no usable keyring ({inner}); on Linux a Secret Service (such as gnome-keyring) must be running and unlocked"
        ),
        other => other.to_string(),
    })
}
