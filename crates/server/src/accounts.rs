//! Accounts: the one way they are made and changed, whoever asks: the admin's API call,
//! the server's command line, the desktop host's first run, tests and benchmarks.
//!
//! Reach it from a running server with [`crate::Server::accounts`] (the desktop host
//! must: a second store on the database a server is serving would be a second writer
//! with caches of its own), or over `server::open_store` when no server runs (the CLI).

use crate::auth::{hash_password, password_problem};
use crate::domain::DomainError;
use crate::domain::{invites, users};
use crate::store::{NewUser, StorageError, Store};
use sha2::Digest;
use switchboard_protocol::api::{IssuedInviteCode, UserInfo};

/// A fresh invite code: 128 random bits as 32 lowercase hex digits.
fn new_invite_code() -> String {
    let bytes: [u8; 16] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What the store keeps of a code. Codes are read case-insensitively and without the
/// spaces or dashes a person may add when reading one out.
pub fn invite_code_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect();
    sha2::Sha256::digest(normal.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Runs blocking work (password hashing) off the async threads.
async fn worker<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T, DomainError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| {
        DomainError::from(StorageError::backend(format!(
            "account worker stopped: {e}"
        )))
    })
}

/// A new account, with its password in clear (hashed here, never stored).
#[derive(Clone, Debug, Default)]
pub struct NewAccount {
    pub username: String,
    pub email: String,
    pub full_name: String,
    pub password: String,
    pub is_admin: bool,
}

/// An account signed out everywhere: tokens of an epoch before `token_epoch` are
/// refused, and the sockets opened with them are to be closed.
#[derive(Clone, Copy, Debug)]
pub struct SignedOut {
    pub user_id: i64,
    pub token_epoch: i64,
}

/// Account administration over one store.
#[derive(Clone)]
pub struct Accounts {
    store: Store,
}

impl Accounts {
    pub fn new(store: Store) -> Self {
        Accounts { store }
    }

    /// Checks and stores a new account. `Invalid` for a bad username, email, name or
    /// password; `Conflict` when the username or email is taken. Blocks for the password
    /// hash (tens of milliseconds): async callers use [`Accounts::create`].
    pub fn create_blocking(&self, account: NewAccount) -> Result<UserInfo, DomainError> {
        if let Some(problem) = password_problem(&account.password) {
            return Err(DomainError::Invalid(problem.into()));
        }
        // Cheap checks before the expensive hash.
        if let Some(problem) = users::username_problem(&account.username)
            .or_else(|| users::email_problem(&account.email))
            .or_else(|| users::full_name_problem(&account.full_name))
        {
            return Err(DomainError::Invalid(problem));
        }
        let user = NewUser {
            password_hash: hash_password(&account.password)?,
            username: account.username,
            email: account.email,
            full_name: account.full_name,
            is_admin: account.is_admin,
        };
        let info = self
            .store
            .write_blocking(|tx| users::create(tx, user, crate::now()))?;
        tracing::info!(user_id = info.id, admin = info.is_admin, "account created");
        Ok(info)
    }

    /// [`Accounts::create_blocking`] off the async threads.
    pub async fn create(&self, account: NewAccount) -> Result<UserInfo, DomainError> {
        let accounts = self.clone();
        tokio::task::spawn_blocking(move || accounts.create_blocking(account))
            .await
            .map_err(|e| {
                DomainError::from(StorageError::backend(format!(
                    "account worker stopped: {e}"
                )))
            })?
    }

    /// Replaces the password of the user with this username (or email) and refuses
    /// every token issued so far (a server that is running on SQLite notices at its next
    /// start; change passwords through the API to sign people out at once).
    pub fn set_password_blocking(
        &self,
        login: &str,
        password: &str,
    ) -> Result<SignedOut, DomainError> {
        if let Some(problem) = password_problem(password) {
            return Err(DomainError::Invalid(problem.into()));
        }
        let hash = hash_password(password)?;
        let signed_out = self.store.write_blocking(|tx| {
            let user = tx
                .user_by_login(login)?
                .ok_or_else(|| DomainError::NotFound(format!("There is no user {login}.")))?;
            tx.set_password_hash(user.info.id, &hash)?;
            let token_epoch = tx
                .bump_token_epoch(user.info.id)?
                .ok_or_else(|| DomainError::NotFound(format!("There is no user {login}.")))?;
            Ok::<_, DomainError>(SignedOut {
                user_id: user.info.id,
                token_epoch,
            })
        })?;
        tracing::info!(login, "password changed");
        Ok(signed_out)
    }

    /// Gives `user_id` the password `new_password` and signs them out everywhere; returns
    /// the new token epoch, for the one token the caller issues next. The caller has
    /// checked the current password.
    pub async fn change_password(
        &self,
        user_id: i64,
        new_password: String,
    ) -> Result<i64, DomainError> {
        if let Some(problem) = password_problem(&new_password) {
            return Err(DomainError::Invalid(problem.into()));
        }
        let hash = worker(move || hash_password(&new_password)).await??;
        let epoch = self
            .store
            .write(move |tx| {
                tx.set_password_hash(user_id, &hash)?;
                tx.bump_token_epoch(user_id)?.ok_or_else(|| {
                    DomainError::NotFound(format!("There is no user with id {user_id}."))
                })
            })
            .await?;
        tracing::info!(user_id, "password changed; signed out everywhere");
        Ok(epoch)
    }

    /// A new invite by `admin_id` lasting `hours`; the code is returned once and only its
    /// hash is stored.
    pub async fn invite(&self, admin_id: i64, hours: u32) -> Result<IssuedInviteCode, DomainError> {
        let code = new_invite_code();
        let hash = invite_code_hash(&code);
        let invite = self
            .store
            .write(move |tx| invites::create(tx, admin_id, &hash, hours, crate::now()))
            .await?;
        tracing::info!(invite = invite.id, by = admin_id, hours, "invite made");
        Ok(IssuedInviteCode { code, invite })
    }

    /// Makes `account` (never an admin) with invite `code`, which is used up. The code is
    /// checked before the password is hashed, so wrong codes cost no hashing.
    pub async fn redeem(&self, code: &str, account: NewAccount) -> Result<UserInfo, DomainError> {
        if let Some(problem) = password_problem(&account.password)
            .map(str::to_owned)
            .or_else(|| users::username_problem(&account.username))
            .or_else(|| users::email_problem(&account.email))
            .or_else(|| users::full_name_problem(&account.full_name))
        {
            return Err(DomainError::Invalid(problem));
        }
        let hash = invite_code_hash(code);
        let checked = hash.clone();
        self.store
            .read(move |tx| invites::open_invite(tx, &checked, crate::now()))
            .await?;
        let password = account.password;
        let password_hash = worker(move || hash_password(&password)).await??;
        let user = NewUser {
            password_hash,
            username: account.username,
            email: account.email,
            full_name: account.full_name,
            is_admin: false,
        };
        let info = self
            .store
            .write(move |tx| invites::redeem(tx, &hash, user, crate::now()))
            .await?;
        tracing::info!(user_id = info.id, "account made with an invite");
        Ok(info)
    }

    /// [`Accounts::set_password_blocking`] off the async threads.
    pub async fn set_password(
        &self,
        login: &str,
        password: &str,
    ) -> Result<SignedOut, DomainError> {
        let accounts = self.clone();
        let (login, password) = (login.to_owned(), password.to_owned());
        tokio::task::spawn_blocking(move || accounts.set_password_blocking(&login, &password))
            .await
            .map_err(|e| {
                DomainError::from(StorageError::backend(format!(
                    "account worker stopped: {e}"
                )))
            })?
    }

    /// Creates `prefix1..prefixN` (skipping names that exist) sharing one password, like
    /// the seeds' management command; returns how many were new.
    pub fn create_test_users_blocking(
        &self,
        prefix: &str,
        count: u32,
        password: &str,
    ) -> Result<u32, DomainError> {
        if let Some(problem) = password_problem(password) {
            return Err(DomainError::Invalid(problem.into()));
        }
        if let Some(problem) = users::username_problem(&format!("{prefix}{count}")) {
            return Err(DomainError::Invalid(format!(
                "The prefix makes invalid usernames: {problem}"
            )));
        }
        // One hash for all: hashing thousands of passwords one by one takes minutes.
        let hash = hash_password(password)?;
        self.store
            .write_blocking(|tx| users::create_test_users(tx, prefix, count, &hash, crate::now()))
    }

    /// Accounts `name` (email `name@example.com`, full name "Name Example") sharing one
    /// password; the first is an admin. For tests, demos and benchmarks.
    pub fn seed_blocking(&self, names: &[&str], password: &str) -> Result<(), DomainError> {
        let hash = hash_password(password)?;
        self.store.write_blocking(|tx| {
            for (n, name) in names.iter().enumerate() {
                let user = NewUser {
                    username: (*name).to_owned(),
                    email: format!("{name}@example.com"),
                    full_name: format!("{} Example", crate::error::sentence(name)),
                    password_hash: hash.clone(),
                    is_admin: n == 0,
                };
                users::create(tx, user, crate::now())?;
            }
            Ok(())
        })
    }

    /// [`Accounts::seed_blocking`] off the async threads.
    pub async fn seed(&self, names: &[&str], password: &str) -> Result<(), DomainError> {
        let accounts = self.clone();
        let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            accounts.seed_blocking(&names, &password)
        })
        .await
        .map_err(|e| {
            DomainError::from(StorageError::backend(format!(
                "account worker stopped: {e}"
            )))
        })?
    }
}
