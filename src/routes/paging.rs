//! Paging of lists: the `limit` and `cursor` query parameters in, and out a JSON array of
//! the page's items with, when there is more, a `Link: <…>; rel="next"` header to the
//! next page (as GitHub's API does). A client follows that link until there is none.

use std::fmt::Write;

use actix_web::http::header::LINK;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::app::paging::Page;
use crate::routes::problem::ApiError;

/// How many items a page holds when the client does not say.
pub const DEFAULT_LIMIT: u64 = 50;

/// The paging parameters of a list. Both are read as text so that a bad value is a 422
/// naming the parameter, not a generic 400.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// At most this many items (1 to 100, default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// Where the page starts: the `cursor` in the previous page's `Link` header.
    #[param(value_type = Option<uuid::Uuid>)]
    pub cursor: Option<String>,
}

/// Where a page starts (after the row `cursor`) and how many items it holds at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub cursor: Option<Uuid>,
    pub limit: u64,
}

/// Parses the paging parameters of a list: `limit` 1 to 100 (default 50) and a cursor.
pub fn paging(query: &ListQuery) -> Result<Paging, ApiError> {
    paging_or(query, DEFAULT_LIMIT)
}

/// `paging` for a list whose page holds `default` items unless the client says.
pub fn paging_or(query: &ListQuery, default: u64) -> Result<Paging, ApiError> {
    let limit = match query.limit.as_deref().map(str::parse::<u64>) {
        None => default,
        Some(Ok(n @ 1..=100)) => n,
        Some(_) => return Err(ApiError::invalid("limit", "must be between 1 and 100")),
    };
    let cursor = match &query.cursor {
        None => None,
        Some(raw) => Some(
            raw.parse()
                .map_err(|_| ApiError::invalid("cursor", "is not a cursor this list gave"))?,
        ),
    };
    Ok(Paging { cursor, limit })
}

/// 200 with the page's items as a JSON array and, when there is a next page, a `Link`
/// header to it.
pub fn respond<T: Serialize>(req: &HttpRequest, paging: &Paging, page: Page<T>) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    if let Some(next) = page.next {
        response.insert_header((
            LINK,
            next_link(req.path(), req.query_string(), paging.limit, next),
        ));
    }
    response.json(page.items)
}

/// The `Link` header value for the page after `cursor`: the same path and query, the other
/// parameters kept (`status=`, `email=`, …), with `limit` and `cursor` set.
pub fn next_link(path: &str, query: &str, limit: u64, cursor: Uuid) -> String {
    let mut pairs = web::Query::<Vec<(String, String)>>::from_query(query)
        .map(web::Query::into_inner)
        .unwrap_or_default();
    pairs.retain(|(name, _)| name != "limit" && name != "cursor");
    pairs.push(("limit".to_owned(), limit.to_string()));
    pairs.push(("cursor".to_owned(), cursor.to_string()));
    let query = pairs
        .iter()
        .map(|(name, value)| format!("{}={}", encode(name), encode(value)))
        .collect::<Vec<_>>()
        .join("&");
    format!("<{path}?{query}>; rel=\"next\"")
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(limit: Option<&str>, cursor: Option<&str>) -> ListQuery {
        ListQuery {
            limit: limit.map(str::to_owned),
            cursor: cursor.map(str::to_owned),
        }
    }

    fn rejected_field(query: &ListQuery) -> String {
        let error = paging(query).expect_err("rejected");
        error.body()["errors"][0]["field"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    #[test]
    fn without_parameters_a_page_starts_at_the_beginning_with_the_default_limit() {
        let p = paging(&query(None, None)).expect("accepted");
        assert_eq!(
            p,
            Paging {
                cursor: None,
                limit: DEFAULT_LIMIT
            }
        );
        assert_eq!(
            paging_or(&query(None, None), 20).expect("accepted").limit,
            20
        );
    }

    #[test]
    fn a_limit_from_1_to_100_and_a_cursor_given_are_taken() {
        let id = Uuid::now_v7();
        let p = paging(&query(Some("100"), Some(&id.to_string()))).expect("accepted");
        assert_eq!((p.cursor, p.limit), (Some(id), 100));
        assert_eq!(paging(&query(Some("1"), None)).expect("accepted").limit, 1);
    }

    #[test]
    fn a_limit_out_of_range_or_not_a_number_is_rejected_naming_the_limit() {
        for bad in ["0", "101", "-1", "ten", ""] {
            assert_eq!(rejected_field(&query(Some(bad), None)), "limit", "{bad}");
        }
    }

    #[test]
    fn a_cursor_this_list_did_not_give_is_rejected_naming_the_cursor() {
        for bad in ["nope", "", "123"] {
            assert_eq!(rejected_field(&query(None, Some(bad))), "cursor", "{bad}");
        }
    }

    #[test]
    fn the_next_link_keeps_the_other_parameters_and_sets_limit_and_cursor() {
        let cursor = Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001);
        let link = next_link(
            "/api/v1/admin/evidence",
            "status=approved&limit=2&cursor=old",
            2,
            cursor,
        );
        assert_eq!(
            link,
            format!(
                "</api/v1/admin/evidence?status=approved&limit=2&cursor={cursor}>; rel=\"next\""
            )
        );
    }

    #[test]
    fn the_next_link_encodes_the_values_it_carries_over() {
        let cursor = Uuid::nil();
        let link = next_link(
            "/api/v1/register",
            "family_name=O%27Brien+%C5%81&x=a%26b",
            5,
            cursor,
        );
        assert_eq!(
            link,
            format!(
                "</api/v1/register?family_name=O%27Brien%20%C5%81&x=a%26b&limit=5&cursor={cursor}>; rel=\"next\""
            )
        );
    }

    #[test]
    fn without_other_parameters_the_next_link_has_only_limit_and_cursor() {
        let cursor = Uuid::nil();
        assert_eq!(
            next_link("/api/v1/me/evidence", "", 50, cursor),
            format!("</api/v1/me/evidence?limit=50&cursor={cursor}>; rel=\"next\"")
        );
    }
}
