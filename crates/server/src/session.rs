//! Who a request or socket belongs to: the [`AuthUser`] extractor every protected route
//! uses, and the token lookup sockets share with it.

use crate::auth::{TokenInfo, TokenProblem, Tokens};
use crate::error::ApiError;
use crate::store::Store;
use axum::extract::{FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::sync::Arc;

/// The signed-in user of a request: `Authorization: Token <t>` or `Bearer <t>`.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: i64,
    pub token: TokenInfo,
}

/// The credential in an `Authorization` header, under either scheme.
pub fn header_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    (scheme.eq_ignore_ascii_case("token") || scheme.eq_ignore_ascii_case("bearer"))
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl AuthUser {
    /// Verifies signature, expiry and revocation.
    pub async fn from_token(
        tokens: &Tokens,
        store: &Store,
        token: &str,
    ) -> Result<AuthUser, ApiError> {
        let info = tokens.verify(token)?;
        let revoked = match store.revoked_in_memory(&info.jti) {
            Some(revoked) => revoked,
            None => {
                let jti = info.jti.clone();
                store.read(move |tx| tx.is_token_revoked(&jti)).await?
            }
        };
        if revoked {
            return Err(TokenProblem::Revoked.into());
        }
        Ok(AuthUser {
            id: info.user_id,
            token: info,
        })
    }
}

impl<S> FromRequestParts<S> for AuthUser
where
    S: Send + Sync,
    Arc<Tokens>: FromRef<S>,
    Store: FromRef<S>,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let token = header_token(&parts.headers).ok_or(TokenProblem::Missing)?;
        let tokens = Arc::<Tokens>::from_ref(state);
        AuthUser::from_token(&tokens, &Store::from_ref(state), token).await
    }
}
