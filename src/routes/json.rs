//! `ApiJson<T>`: a JSON body extractor whose errors are problem+json: 415 without a JSON
//! content type, 413 over the size limit, 400 for malformed JSON, 422 naming the field
//! for a missing, unknown or mistyped one.

use actix_web::{FromRequest, HttpMessage, HttpRequest, dev::Payload, http::StatusCode, web};
use futures_util::StreamExt;
use futures_util::future::LocalBoxFuture;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::problem::ApiError;

/// The size limit, set once as app data.
#[derive(Debug, Clone, Copy)]
pub struct JsonLimit(pub usize);

pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for ApiJson<T> {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let limit = req
            .app_data::<web::Data<JsonLimit>>()
            .map(|l| l.0)
            .unwrap_or(16 * 1024);
        let is_json = req
            .mime_type()
            .ok()
            .flatten()
            .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
        let declared = declared_length(req);
        let payload = payload.take();
        Box::pin(async move {
            if !is_json {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    "unsupported-media-type",
                    "the body must be JSON (Content-Type: application/json)",
                ));
            }
            let body = read_limited(payload, limit, declared).await?;
            parse(&body).map(ApiJson)
        })
    }
}

/// Reads a whole body, refusing (413) past `limit` bytes.
pub async fn read_limited(
    mut payload: Payload,
    limit: usize,
    declared: Option<usize>,
) -> Result<web::BytesMut, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload-too-large",
            format!("the body must be at most {limit} bytes"),
        )
    };
    if declared.is_some_and(|n| n > limit) {
        return Err(too_large());
    }
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::bad_request(format!("the body could not be read: {e}")))?;
        if body.len() + chunk.len() > limit {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The Content-Length a request declares, if any.
pub fn declared_length(req: &HttpRequest) -> Option<usize> {
    req.headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok())
}

/// Parses JSON, telling syntax errors (400) from data errors (422 naming the field).
pub fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, ApiError> {
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error::deserialize::<_, T>(&mut de) {
        Ok(v) => {
            de.end()
                .map_err(|e| ApiError::bad_request(format!("the body is not valid JSON: {e}")))?;
            Ok(v)
        }
        Err(e) => {
            let path = e.path().to_string();
            let inner = e.into_inner();
            match inner.classify() {
                serde_json::error::Category::Data => {
                    let message = inner.to_string();
                    let message = message
                        .split(" at line ")
                        .next()
                        .unwrap_or(&message)
                        .to_owned();
                    let field = field_name(&path, &message);
                    Err(ApiError::invalid(field, message))
                }
                _ => Err(ApiError::bad_request(format!(
                    "the body is not valid JSON: {inner}"
                ))),
            }
        }
    }
}

/// A whole number as JSON writes it: `31` or `31.0` (JSON Schema's `integer` takes both,
/// and so does the API); a fraction, or a number past `i64`, is refused naming the field.
pub fn whole_number<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let n = serde_json::Number::deserialize(deserializer)?;
    if let Some(i) = n.as_i64() {
        return Ok(i);
    }
    match n.as_f64() {
        #[allow(clippy::cast_possible_truncation)]
        Some(f) if f.fract() == 0.0 && f >= i64::MIN as f64 && f < i64::MAX as f64 => Ok(f as i64),
        _ => Err(serde::de::Error::custom(format!(
            "invalid value: {n}, expected a whole number"
        ))),
    }
}

/// [`whole_number`] for an optional field (absent or null: `None`); past `u32` is
/// refused like a fraction.
pub fn optional_whole_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    #[derive(Deserialize)]
    struct Whole(#[serde(deserialize_with = "whole_number")] i64);
    match Option::<Whole>::deserialize(deserializer)? {
        None => Ok(None),
        Some(Whole(n)) => u32::try_from(n).map(Some).map_err(|_| {
            serde::de::Error::custom(format!("invalid value: {n}, expected a whole number"))
        }),
    }
}

/// The field a data error is about: the path, or the name in "unknown field `x`" /
/// "missing field `x`" (a missing field is reported against the enclosing object).
fn field_name(path: &str, message: &str) -> String {
    let named = ["unknown field `", "missing field `"]
        .iter()
        .find_map(|p| message.strip_prefix(p))
        .and_then(|rest| rest.split('`').next());
    let prefix = if path == "." { "" } else { path };
    match named {
        Some(name) if prefix == name || prefix.ends_with(&format!(".{name}")) => prefix.to_owned(),
        Some(name) if prefix.is_empty() => name.to_owned(),
        Some(name) => format!("{prefix}.{name}"),
        None if prefix.is_empty() => "body".to_owned(),
        None => prefix.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        email: String,
        age: u32,
    }

    fn field_of(body: &str) -> (u16, serde_json::Value) {
        let err = parse::<Body>(body.as_bytes()).expect_err("fails");
        let body = err.body();
        (body["status"].as_u64().unwrap_or_default() as u16, body)
    }

    #[test]
    fn an_unknown_field_is_named() {
        let (status, body) = field_of(r#"{"email":"a","age":1,"admin":true}"#);
        assert_eq!(status, 422);
        assert_eq!(body["errors"][0]["field"], "admin");
    }

    #[test]
    fn a_missing_or_mistyped_field_is_named() {
        assert_eq!(field_of(r#"{"email":"a"}"#).1["errors"][0]["field"], "age");
        assert_eq!(
            field_of(r#"{"email":"a","age":"x"}"#).1["errors"][0]["field"],
            "age"
        );
    }

    #[derive(Debug, Deserialize)]
    struct Count {
        #[serde(deserialize_with = "whole_number")]
        n: i64,
    }

    #[test]
    fn a_whole_number_may_be_written_with_a_zero_fraction_but_not_with_another() {
        assert_eq!(parse::<Count>(br#"{"n":31.0}"#).expect("whole").n, 31);
        assert_eq!(parse::<Count>(br#"{"n":-4}"#).expect("whole").n, -4);
        for bad in [r#"{"n":31.5}"#, r#"{"n":1e30}"#, r#"{"n":"3"}"#] {
            let err = parse::<Count>(bad.as_bytes()).expect_err("refused");
            assert_eq!(err.body()["errors"][0]["field"], "n", "{bad}");
        }
    }

    #[test]
    fn malformed_json_is_a_bad_request() {
        assert_eq!(field_of(r#"{"email":"#).0, 400);
        assert_eq!(field_of(r#"{"email":"a","age":1} trailing"#).0, 400);
    }
}
