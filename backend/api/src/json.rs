//! The JSON body extractor of `/api/v1`: `web::Json`'s limits and errors (400 malformed, 413, 415, 422), plus two
//! rules of the document that serde alone does not keep (both found by Schemathesis):
//! - the body is an object: serde would also fill a struct from an array (`[null, null]`), which the document
//!   does not allow;
//! - an integer may be written with a zero fraction (`3.0`): JSON Schema counts it as an integer, and so the
//!   document's `"type": "integer"` promises that it is one.

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, web};
use futures::future::LocalBoxFuture;
use meridian_http::problem::ApiError;
use serde::de::DeserializeOwned;

/// A request body read as JSON into `T` (see the module).
#[derive(Debug)]
pub struct Json<T>(pub T);

impl<T> Json<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Json<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let value = web::Json::<serde_json::Value>::from_request(req, payload);
        Box::pin(async move {
            let mut value = value.await?.into_inner();
            if !value.is_object() {
                return Err(invalid("the body must be a JSON object").into());
            }
            whole_numbers(&mut value);
            serde_json::from_value(value).map(Json).map_err(|e| invalid(e.to_string()).into())
        })
    }
}

fn invalid(detail: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", detail)
}

/// Writes every number with a zero fraction that an integer type can hold as that integer (`3.0` → `3`). Fields
/// of a floating-point type read either form alike.
fn whole_numbers(v: &mut serde_json::Value) {
    /// 2^63: above it an `f64` cannot hold an `i64`'s range exactly, and `u64` beyond is too large for any field.
    const LIMIT: f64 = 9_223_372_036_854_775_808.0;
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < LIMIT) {
                // In range and whole, so the conversion is exact.
                #[expect(clippy::cast_possible_truncation, reason = "whole and within i64's range")]
                let i = f as i64;
                *v = serde_json::Value::from(i);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        n: Option<u32>,
        x: Option<f64>,
        items: Option<Vec<u64>>,
    }

    async fn read(body: &str) -> Result<Body, String> {
        let (req, mut payload) = TestRequest::post()
            .insert_header(("content-type", "application/json"))
            .app_data(crate::error::json_config())
            .set_payload(body.to_owned())
            .to_http_parts();
        Json::<Body>::from_request(&req, &mut payload)
            .await
            .map(Json::into_inner)
            .map_err(|e| e.error_response().status().as_u16().to_string())
    }

    #[actix_web::test]
    async fn objects_only_and_whole_numbers_as_integers() {
        // Found by Schemathesis: an array filled the struct, and `3.0` was refused for an integer.
        assert_eq!(read("[null, null, null]").await, Err("422".to_owned()));
        assert_eq!(read("null").await, Err("422".to_owned()));
        assert_eq!(
            read("{\"n\": 3.0, \"x\": 2, \"items\": [1.0, 2]}").await,
            Ok(Body { n: Some(3), x: Some(2.0), items: Some(vec![1, 2]) })
        );
        assert_eq!(read("{\"n\": 3.5}").await, Err("422".to_owned()));
        assert_eq!(read("{\"n\": -1.0}").await, Err("422".to_owned()));
        assert_eq!(read("{\"x\": 2.5}").await, Ok(Body { n: None, x: Some(2.5), items: None }));
        assert_eq!(read("{\"n\": ").await, Err("400".to_owned()));
    }
}
