//! Bodies declared larger than `api.max_body_bytes`: refused with 413
//! `too_large`, after reading and throwing away what the client sends, up to
//! [`READ_AT_MOST`].
//!
//! A server that answers before the body is read and then closes the
//! connection makes the kernel reset it while the client is still writing,
//! and many clients then report a broken pipe instead of the answer. Reading
//! the rest first (as Go's `net/http` and nginx's lingering close do) lets
//! the client see why it was refused. A body declared larger than
//! [`READ_AT_MOST`] is refused at once: nobody's data is worth reading that
//! far, and the request timeout bounds a slow client either way.

use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use futures::StreamExt as _;

/// The most of an oversized body that is read (and thrown away) before the
/// refusal is sent.
pub const READ_AT_MOST: u64 = 4 << 20;

/// The middleware: passes every request whose `Content-Length` is within
/// `max_body` (or absent: a chunked body is cut by the body limit as it is
/// read) and refuses the others.
pub async fn refuse_oversized(State(max_body): State<usize>, req: Request, next: Next) -> Response {
    let Some(declared) = declared_length(&req) else {
        return next.run(req).await;
    };
    if declared <= max_body as u64 {
        return next.run(req).await;
    }
    if declared <= READ_AT_MOST {
        let mut body = req.into_body().into_data_stream();
        let mut read = 0_u64;
        while let Some(Ok(chunk)) = body.next().await {
            read += chunk.len() as u64;
            if read >= READ_AT_MOST {
                break;
            }
        }
    }
    // The 413 also says `Connection: close` (see `app::measure_and_explain`).
    crate::json::too_large().into_response()
}

fn declared_length(req: &Request) -> Option<u64> {
    req.headers()
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn with_length(value: &str) -> Request {
        Request::builder()
            .header(header::CONTENT_LENGTH, value)
            .body(Body::empty())
            .expect("a request")
    }

    #[test]
    fn the_declared_length_is_read_from_the_header() {
        assert_eq!(declared_length(&with_length("1048576")), Some(1 << 20));
        assert_eq!(declared_length(&with_length(" 12 ")), Some(12));
        assert_eq!(declared_length(&with_length("twelve")), None);
        assert_eq!(
            declared_length(&Request::new(Body::empty())),
            None,
            "no header, no declared length"
        );
    }
}
