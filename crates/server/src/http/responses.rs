//! Error answers many operations share, named once for their `#[utoipa::path]`
//! attributes (the variants are never built: `ApiError` makes the real bodies).

use switchboard_protocol::api::ErrorBody;
use utoipa::IntoResponses;

/// What every signed-in route may answer besides its own statuses.
#[derive(IntoResponses)]
#[allow(dead_code)] // Only its responses are read, by the document.
pub enum SignedIn {
    /// No token, or one that expired, was revoked on sign-out or is not valid: sign in again.
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// The server failed (its database, most likely); try again.
    #[response(status = 500)]
    Internal(ErrorBody),
}

/// What every route that reads a JSON body may answer about the body itself.
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum BadBody {
    /// The body is not a JSON object, or a field is missing, of the wrong type or too long.
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// The body is over the 1 MiB limit.
    #[response(status = 413)]
    TooLarge(ErrorBody),
}

/// Why a call is not started (`initiate_call/` and seed 004's `invite`).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum CallRefused {
    /// A field is wrong, or the caller called themselves (`code`: `self`).
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No such recipient.
    #[response(status = 404)]
    NoSuchUser(ErrorBody),
    /// Refused: `code` says why (`caller_busy`, `offline`, `busy`, `unavailable`).
    #[response(status = 409)]
    Refused(ErrorBody),
    /// The body is over the 1 MiB limit.
    #[response(status = 413)]
    TooLarge(ErrorBody),
    /// This account started ten calls in a short time: wait the `Retry-After` seconds
    /// (one more call every 6 s).
    #[response(status = 429)]
    TooManyCalls(ErrorBody),
}

/// Why a sign-in did not succeed (both sign-in routes).
#[derive(IntoResponses)]
#[allow(dead_code)]
pub enum SignInRefused {
    /// Wrong username or password.
    #[response(status = 401)]
    WrongPassword(ErrorBody),
    /// The body was not sent as `Content-Type: application/json`.
    #[response(status = 415)]
    NotJson(ErrorBody),
    /// Too many wrong passwords for this name from this address: wait the `Retry-After`
    /// seconds.
    #[response(status = 429)]
    TooManyTries(ErrorBody),
    /// The server failed; try again.
    #[response(status = 500)]
    Internal(ErrorBody),
}
