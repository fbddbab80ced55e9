//! Who a request or socket belongs to: the [`AuthUser`] extractor every protected route
//! uses, and the token lookup sockets share with it.

use crate::auth::{TokenInfo, TokenProblem, Tokens};
use crate::error::ApiError;
use crate::store::{AccountState, Store, TokenStanding};
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
    /// Verifies signature, expiry, revocation and the account's standing.
    pub async fn from_token(
        tokens: &Tokens,
        store: &Store,
        token: &str,
    ) -> Result<AuthUser, ApiError> {
        let info = tokens.verify(token)?;
        let standing = match store.standing_in_memory(&info.jti, info.user_id) {
            Some(standing) => standing,
            None => {
                let (jti, user_id) = (info.jti.clone(), info.user_id);
                store
                    .read(move |tx| tx.token_standing(&jti, user_id))
                    .await?
            }
        };
        if let Some(problem) = refusal(standing, info.epoch) {
            return Err(problem.into());
        }
        Ok(AuthUser {
            id: info.user_id,
            token: info,
        })
    }
}

/// Why a validly signed, unexpired token of `epoch` is refused, if it is.
fn refusal(standing: TokenStanding, epoch: i64) -> Option<TokenProblem> {
    if standing.revoked {
        return Some(TokenProblem::Revoked);
    }
    match standing.account {
        None => Some(TokenProblem::Invalid),
        Some((AccountState::Disabled, _)) => Some(TokenProblem::Disabled),
        Some((AccountState::Deleted, _)) => Some(TokenProblem::Deleted),
        Some((AccountState::Active, current)) if epoch < current => {
            Some(TokenProblem::SignedOutEverywhere)
        }
        Some((AccountState::Active, _)) => None,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn standing(revoked: bool, account: Option<(AccountState, i64)>) -> TokenStanding {
        TokenStanding { revoked, account }
    }

    #[test]
    fn a_token_stands_while_its_account_is_active_in_its_epoch() {
        use AccountState::*;
        assert_eq!(refusal(standing(false, Some((Active, 2))), 2), None);
        // A later epoch than the account's cannot be minted without the secret; it is
        // not refused for being new.
        assert_eq!(refusal(standing(false, Some((Active, 2))), 3), None);
        assert_eq!(
            refusal(standing(false, Some((Active, 2))), 1),
            Some(TokenProblem::SignedOutEverywhere)
        );
        assert_eq!(
            refusal(standing(true, Some((Active, 0))), 0),
            Some(TokenProblem::Revoked)
        );
        for epoch in [0, 5] {
            assert_eq!(
                refusal(standing(false, Some((Disabled, 0))), epoch),
                Some(TokenProblem::Disabled)
            );
            assert_eq!(
                refusal(standing(false, Some((Deleted, 0))), epoch),
                Some(TokenProblem::Deleted)
            );
        }
        assert_eq!(
            refusal(standing(false, None), 0),
            Some(TokenProblem::Invalid)
        );
    }
}
