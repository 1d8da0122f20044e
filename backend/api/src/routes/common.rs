//! What more than one capability uses, and nothing else: the description of the `{slug}` path parameter,
//! pagination (`?limit=&cursor=` and the page bodies made by [`list_body!`]), coordinates given as degrees or
//! text (sites, targets, satellite checks and plans), and request bodies that are bytes streamed to storage (data
//! files and upload parts). A type used by one capability lives in that capability's `types.rs`, even when
//! another capability borrows it.

use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, web};
use futures::StreamExt as _;
use meridian_domain::PageRequest;
use meridian_http::problem::ApiError;
use meridian_service::equipment::Coordinate;
use meridian_storage::ByteStream;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

/// The description of every route's `{slug}` path parameter.
pub(crate) const SLUG: &str = "The workspace's slug";

// ---- Pagination ------------------------------------------------------------------------------------------------

/// `?limit=&cursor=` on every list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn to_request(&self) -> Result<PageRequest, meridian_domain::ValidationError> {
        PageRequest::parse(self.limit, self.cursor.as_deref())
    }
}

/// A page of `$item`s named `$name`, made from a `meridian_domain::Page` of anything that converts into `$item`.
macro_rules! list_body {
    ($name:ident, $item:ty) => {
        /// A page of results.
        #[derive(Debug, serde::Serialize, utoipa::ToSchema)]
        pub struct $name {
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; absent on the last page.
            pub next_cursor: Option<String>,
        }

        impl<T: Into<$item>> From<meridian_domain::Page<T>> for $name {
            fn from(p: meridian_domain::Page<T>) -> Self {
                Self {
                    next_cursor: p.next_cursor.map(|c| c.as_str().to_owned()),
                    items: p.items.into_iter().map(Into::into).collect(),
                }
            }
        }
    };
}

pub(crate) use list_body;

// ---- Coordinates -----------------------------------------------------------------------------------------------

/// An angle: a number of degrees, or text (`28:45:38`, `-05 23 28`; for RA `05:35:17.3` is hours).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum CoordinateInput {
    /// Decimal degrees.
    Degrees(f64),
    /// Decimal or sexagesimal text.
    Text(String),
}

impl From<CoordinateInput> for Coordinate {
    fn from(c: CoordinateInput) -> Self {
        match c {
            CoordinateInput::Degrees(v) => Coordinate::Degrees(v),
            CoordinateInput::Text(s) => Coordinate::Text(s),
        }
    }
}

// ---- Streamed bodies -------------------------------------------------------------------------------------------

/// The request's `Content-Length` (411 without one: sizes are checked before any byte is stored).
pub(crate) fn content_length(req: &HttpRequest) -> Result<u64, ApiError> {
    req.headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::LENGTH_REQUIRED,
                "length_required",
                "send Content-Length: sizes and the quota are checked before any byte is stored",
            )
        })
}

/// Bridges the request body (tied to this worker's thread) into a stream the storage can take elsewhere, with
/// a small bounded buffer so a slow store slows the client instead of filling memory.
pub(crate) fn body_stream(mut payload: web::Payload) -> ByteStream {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<bytes::Bytes>>(4);
    actix_web::rt::spawn(async move {
        while let Some(chunk) = payload.next().await {
            let item = chunk.map_err(|e| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, e.to_string()));
            let stop = item.is_err();
            if tx.send(item).await.is_err() || stop {
                break;
            }
        }
    });
    Box::pin(futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }))
}
