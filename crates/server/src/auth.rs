//! Passwords (argon2id) and bearer tokens (HS256 JWTs with a revocable `jti`).

use crate::rules::Clock;
use crate::store::{StorageError, Tx};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Why a password could not be hashed or a token made: not the user's doing, so the
/// text is for logs.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("cannot hash the password: {0}")]
    Hash(String),
    #[error("cannot sign the token: {0}")]
    Sign(String),
    /// Loading or saving the signing secret.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Hashes a password with argon2id and a fresh random salt.
pub fn hash_password(password: &str) -> Result<String, AuthError> {
    let mut salt_bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut salt_bytes);
    let salt = SaltString::encode_b64(&salt_bytes).map_err(|e| AuthError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hash(e.to_string()))
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash that matches no password, verified when a login names an unknown user so that
/// response time does not reveal which usernames exist.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&Uuid::new_v4().to_string()).unwrap_or_default())
}

/// Why a password is refused.
pub fn password_problem(password: &str) -> Option<&'static str> {
    if password.chars().count() < 8 {
        Some("The password must be at least 8 characters long.")
    } else if password.len() > 1024 {
        Some("The password must be at most 1024 bytes long.")
    } else if password.chars().any(char::is_control) {
        Some("The password must not contain control characters such as tabs or line breaks.")
    } else {
        None
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    /// The user id, as a string as RFC 7519 requires.
    sub: String,
    /// Token id, the handle for revocation.
    jti: String,
    iat: i64,
    exp: i64,
    /// The account's token epoch when it was issued; a later epoch refuses it (signed out
    /// everywhere). Tokens from before epochs existed count as epoch 0.
    #[serde(default)]
    ep: i64,
    /// Never issued; read only so that the fast path can leave a token that has one to
    /// `jsonwebtoken`, which refuses an audience it was not told to expect.
    #[serde(default, skip_serializing)]
    aud: Option<serde::de::IgnoredAny>,
}

/// A verified token: whose it is and how to revoke it.
#[derive(Clone, Debug)]
pub struct TokenInfo {
    pub user_id: i64,
    pub jti: String,
    pub expires_at: DateTime<Utc>,
    pub epoch: i64,
}

/// A key for one purpose from the server's secret: HMAC-SHA256(secret, purpose), so a
/// key that leaks (or is misused) does not give away the token secret.
fn derive_key(secret: &[u8], purpose: &[u8]) -> [u8; 32] {
    use hmac::{Hmac, Mac};
    let mut mac = <Hmac<sha2::Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
    mac.update(purpose);
    mac.finalize().into_bytes().into()
}

/// The server's own HS256 tokens, checked without re-keying the HMAC and with one
/// parse of the claims: `jsonwebtoken::decode` derives the HMAC's inner and outer keys
/// from the secret at every call and parses the claims twice (once for its checks,
/// once into the type), which was half of a socket connect's token check. Tokens with
/// any other header go through `jsonwebtoken` as before.
#[derive(Clone)]
struct OwnTokens {
    /// The encoded header every token this server issues starts with.
    header: String,
    /// The HMAC with the secret already keyed in; cloned for each token.
    keyed: hmac::Hmac<sha2::Sha256>,
}

impl OwnTokens {
    fn new(secret: &[u8], encoding: &EncodingKey) -> Result<OwnTokens, AuthError> {
        use hmac::Mac;
        let sample = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &serde_json::json!({}),
            encoding,
        )
        .map_err(|e| AuthError::Sign(e.to_string()))?;
        let header = sample.split('.').next().unwrap_or_default().to_owned();
        let keyed = <hmac::Hmac<sha2::Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        Ok(OwnTokens { header, keyed })
    }

    /// `None`: not in this server's own form (another header, not three parts); the
    /// caller falls back to the general decoder. `Some(Err)`: in the form, but the
    /// signature or the claims are wrong.
    fn verify(&self, token: &str) -> Option<Result<Claims, TokenProblem>> {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use hmac::Mac;
        let (signed, signature) = token.rsplit_once('.')?;
        let (header, payload) = signed.split_once('.')?;
        if header != self.header {
            return None;
        }
        let checked = (|| {
            let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
            let mut mac = self.keyed.clone();
            mac.update(signed.as_bytes());
            mac.verify_slice(&signature).ok()?;
            let claims = URL_SAFE_NO_PAD.decode(payload).ok()?;
            serde_json::from_slice::<Claims>(&claims).ok()
        })();
        match checked {
            // Signed by this server's secret, yet not a claim set it issues.
            Some(claims) if claims.aud.is_some() => None,
            Some(claims) => Some(Ok(claims)),
            None => Some(Err(TokenProblem::Invalid)),
        }
    }
}

/// Issues and verifies bearer tokens with one server-wide secret.
pub struct Tokens {
    /// Signs the Redis bus's messages (see `realtime::redis_bus`): derived from the token
    /// secret, which every instance sharing the database has and Redis does not.
    bus_key: [u8; 32],
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    own: OwnTokens,
    ttl: Duration,
    /// What expiry is checked against: the rules' clock, so a test in simulated time sees
    /// a token lapse without waiting for it.
    clock: Clock,
}

const SECRET_SETTING: &str = "token_secret";

/// What the bus key is derived for (see `derive_key`).
const BUS_KEY_PURPOSE: &[u8] = b"switchboard redis bus v1";

/// 32 random bytes as hex: the token secret.
fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Replaces the token secret: every token signed with the old one fails verification
/// (and the Redis bus key changes with it). Servers load the secret when they start.
pub fn rotate_secret(tx: &mut dyn Tx) -> Result<(), AuthError> {
    tx.set_setting(SECRET_SETTING, &new_secret())?;
    tracing::info!("token secret rotated");
    Ok(())
}

impl Tokens {
    /// The bus key the instances derive from the token secret, read without creating a
    /// secret (for the command line): `None` when no server has started on this
    /// database yet, so no instance can be listening.
    pub fn bus_key_in(tx: &mut dyn Tx) -> Result<Option<[u8; 32]>, AuthError> {
        Ok(tx
            .setting(SECRET_SETTING)?
            .map(|secret| derive_key(secret.as_bytes(), BUS_KEY_PURPOSE)))
    }

    /// Loads the signing secret from the database, creating it on first start, so tokens
    /// survive restarts and every instance sharing the database accepts them.
    pub fn load(tx: &mut dyn Tx, ttl: Duration) -> Result<Tokens, AuthError> {
        let secret = match tx.setting(SECRET_SETTING)? {
            Some(secret) => secret,
            None => {
                let secret = new_secret();
                tx.set_setting(SECRET_SETTING, &secret)?;
                secret
            }
        };
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp", "sub"]);
        // Checked in `verify` against `clock`.
        validation.validate_exp = false;
        let encoding = EncodingKey::from_secret(secret.as_bytes());
        Ok(Tokens {
            bus_key: derive_key(secret.as_bytes(), BUS_KEY_PURPOSE),
            own: OwnTokens::new(secret.as_bytes(), &encoding)?,
            encoding,
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            ttl,
            clock: Clock::System,
        })
    }

    /// The key that authenticates bus messages between instances.
    pub fn bus_key(&self) -> [u8; 32] {
        self.bus_key
    }

    /// Issued tokens expire by `clock` (the server's rules clock).
    pub fn with_clock(self, clock: Clock) -> Tokens {
        Tokens { clock, ..self }
    }

    /// A token for `user_id` in the account's current token `epoch`.
    pub fn issue(&self, user_id: i64, epoch: i64, now: DateTime<Utc>) -> Result<String, AuthError> {
        let claims = Claims {
            sub: user_id.to_string(),
            jti: Uuid::new_v4().simple().to_string(),
            iat: now.timestamp(),
            exp: (now + self.ttl).timestamp(),
            ep: epoch,
            aud: None,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Sign(e.to_string()))
    }

    /// Checks signature and expiry (not revocation, which needs the database).
    pub fn verify(&self, token: &str) -> Result<TokenInfo, TokenProblem> {
        let claims = match self.own.verify(token) {
            Some(checked) => checked?,
            None => {
                jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
                    .map_err(|_| TokenProblem::Invalid)?
                    .claims
            }
        };
        if claims.exp < self.clock.now().timestamp() {
            return Err(TokenProblem::Expired);
        }
        Ok(TokenInfo {
            user_id: claims.sub.parse().map_err(|_| TokenProblem::Invalid)?,
            jti: claims.jti,
            expires_at: DateTime::from_timestamp(claims.exp, 0).unwrap_or_default(),
            epoch: claims.ep,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TokenProblem {
    #[error("Your session has expired; sign in again.")]
    Expired,
    #[error("The access token is not valid; sign in again.")]
    Invalid,
    #[error("You have signed out with this token; sign in again.")]
    Revoked,
    #[error(
        "You were signed out on every device (your password changed, or you chose to sign out everywhere); sign in again."
    )]
    SignedOutEverywhere,
    #[error("An administrator has disabled your account; ask them to enable it again.")]
    Disabled,
    #[error("This account has been deleted.")]
    Deleted,
    #[error(
        "Sign in first: send your token as `Authorization: Token <token>` or `Bearer <token>`."
    )]
    Missing,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{SqliteDatabase, Store};
    use std::sync::Arc;

    #[test]
    fn passwords_verify_only_against_their_own_hash() {
        let hash = hash_password("correct horse").unwrap_or_default();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("correct horsE", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert!(!verify_password("anything", decoy_hash()));
    }

    #[test]
    fn tokens_round_trip_expire_and_reject_tampering() -> Result<(), AuthError> {
        let store = Store::new(Arc::new(SqliteDatabase::in_memory()?));
        let tokens = store.write_blocking(|tx| Tokens::load(tx, Duration::hours(1)))?;
        let now = Utc::now();
        let token = tokens.issue(42, 3, now)?;
        let info = tokens
            .verify(&token)
            .map_err(|e| AuthError::Sign(e.to_string()))?;
        assert_eq!((info.user_id, info.epoch), (42, 3));
        assert_eq!(
            info.expires_at.timestamp(),
            (now + Duration::hours(1)).timestamp()
        );

        let old = tokens.issue(42, 0, now - Duration::hours(2))?;
        assert_eq!(tokens.verify(&old).err(), Some(TokenProblem::Expired));

        let mut tampered = token.clone();
        tampered.push('x');
        assert_eq!(tokens.verify(&tampered).err(), Some(TokenProblem::Invalid));

        // The secret persists: a second load accepts tokens of the first.
        let again = store.write_blocking(|tx| Tokens::load(tx, Duration::hours(1)))?;
        assert_eq!(again.verify(&token).map(|i| i.user_id).ok(), Some(42));
        Ok(())
    }

    /// The fast path accepts and refuses exactly what `jsonwebtoken` does.
    #[test]
    fn own_tokens_are_checked_as_jsonwebtoken_checks_them() -> Result<(), AuthError> {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let store = Store::new(Arc::new(SqliteDatabase::in_memory()?));
        let tokens = store.write_blocking(|tx| Tokens::load(tx, Duration::hours(1)))?;
        let now = Utc::now();
        let token = tokens.issue(7, 1, now)?;
        let parts: Vec<&str> = token.split('.').collect();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[0], tokens.own.header);

        // Claims changed under the old signature.
        let forged_claims = URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"1","jti":"x","iat":0,"exp":{},"ep":9}}"#,
            (now + Duration::hours(1)).timestamp()
        ));
        let forged = format!("{}.{forged_claims}.{}", parts[0], parts[2]);
        let sign = |header: &Header, claims: serde_json::Value, key: &EncodingKey| {
            jsonwebtoken::encode(header, &claims, key).map_err(|e| AuthError::Sign(e.to_string()))
        };
        let hs256 = Header::new(Algorithm::HS256);
        let far = i64::MAX / 2;
        // Signed with another secret.
        let other = sign(
            &hs256,
            serde_json::json!({"sub": "7", "jti": "y", "iat": 0, "exp": far}),
            &EncodingKey::from_secret(b"another secret"),
        )?;
        // The right secret, another header: the general decoder's case.
        let mut kid = Header::new(Algorithm::HS256);
        kid.kid = Some("k1".into());
        let other_header = sign(
            &kid,
            serde_json::json!({"sub": "7", "jti": "z", "iat": 0, "exp": far}),
            &tokens.encoding,
        )?;
        // Signed, but without the claims a token needs.
        let no_subject = sign(
            &hs256,
            serde_json::json!({"jti": "w", "iat": 0, "exp": far}),
            &tokens.encoding,
        )?;
        // Signed, with an audience this server never sets.
        let audience = sign(
            &hs256,
            serde_json::json!({"sub": "7", "jti": "v", "iat": 0, "exp": far, "aud": "x"}),
            &tokens.encoding,
        )?;
        let unsigned = format!("{}.{}.", parts[0], parts[1]);
        let padded = format!("{token}=");
        let cases = [
            (token.as_str(), true),
            (forged.as_str(), false),
            (other.as_str(), false),
            (other_header.as_str(), true),
            (no_subject.as_str(), false),
            (audience.as_str(), false),
            (unsigned.as_str(), false),
            (padded.as_str(), false),
            ("", false),
            ("a.b", false),
            ("a.b.c.d", false),
        ];
        for (case, valid) in cases {
            let reference =
                jsonwebtoken::decode::<Claims>(case, &tokens.decoding, &tokens.validation).is_ok();
            assert_eq!(reference, valid, "jsonwebtoken on {case:?}");
            assert_eq!(tokens.verify(case).is_ok(), valid, "{case:?}");
        }
        // Only the server's own form takes the fast path.
        assert!(tokens.own.verify(&token).is_some());
        assert!(tokens.own.verify(&other_header).is_none());
        Ok(())
    }

    #[test]
    fn short_passwords_are_refused() {
        assert!(password_problem("short").is_some());
        assert!(password_problem("long enough").is_none());
    }
}
