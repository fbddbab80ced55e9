//! `?page=&page_size=` on list routes, and the `next`/`previous` links of a page (the
//! seeds' Django pagination): one parser and one link writer for every paged route.

use crate::app::AppState;
use crate::error::ApiError;
use axum::http::{HeaderMap, header};
use std::collections::HashMap;
use switchboard_protocol::api::Page;

pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_PAGE_SIZE: i64 = 100;

/// A requested page: numbered from 1.
#[derive(Clone, Copy, Debug)]
pub struct PageRequest {
    pub page: i64,
    pub page_size: i64,
}

impl PageRequest {
    /// Reads `page` and `page_size`, refusing anything but whole numbers in range.
    pub fn parse(params: &HashMap<String, String>) -> Result<PageRequest, ApiError> {
        let number = |key: &str, default: i64, max: i64| -> Result<i64, ApiError> {
            match params.get(key) {
                None => Ok(default),
                Some(text) => text
                    .parse::<i64>()
                    .ok()
                    .filter(|n| (1..=max).contains(n))
                    .ok_or_else(|| {
                        ApiError::bad_request(format!(
                            "{key} must be a whole number from 1 to {max}"
                        ))
                    }),
            }
        };
        Ok(PageRequest {
            page: number("page", 1, i64::MAX / MAX_PAGE_SIZE)?,
            page_size: number("page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)?,
        })
    }

    pub fn offset(self) -> i64 {
        (self.page - 1) * self.page_size
    }

    /// The page of `results` out of `count`, with absolute links to its neighbours on
    /// `path` (plus `extra` query, `&status=ended`). A page past the end is a 404 that
    /// says so with `what` ("your call history").
    pub fn respond<T>(
        self,
        state: &AppState,
        headers: &HeaderMap,
        path: &str,
        extra: &str,
        (count, results): (i64, Vec<T>),
        what: &str,
    ) -> Result<Page<T>, ApiError> {
        let PageRequest { page, page_size } = self;
        if results.is_empty() && page > 1 {
            return Err(ApiError::not_found(format!(
                "There is no page {page} of {what}."
            )));
        }
        let header = |name| headers.get(name).and_then(|h| h.to_str().ok());
        let host = header(header::HOST).unwrap_or("localhost");
        // Behind a TLS-terminating proxy, the scheme the client used.
        let scheme = header(header::HeaderName::from_static("x-forwarded-proto"))
            .filter(|p| matches!(*p, "http" | "https"))
            .unwrap_or(state.scheme);
        let link =
            |n: i64| format!("{scheme}://{host}{path}?page={n}&page_size={page_size}{extra}");
        Ok(Page {
            count,
            next: (page * page_size < count).then(|| link(page + 1)),
            previous: (page > 1).then(|| link(page - 1)),
            results,
        })
    }
}

/// A query parameter's value, percent-encoded for a link.
pub fn encode_query(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
