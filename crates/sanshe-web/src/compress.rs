//! Compression of large text answers (gzip) for clients that accept it.
//!
//! JSON, CSV, stylesheets, scripts and SVG are compressed when they are larger than a network
//! packet. HTML is compressed only when the page carries no CSRF token: a page that holds a
//! secret beside text the visitor controls (a search box's echo) must not be compressed, or
//! the compressed length would leak the secret a guess at a time (the BREACH attack). The
//! public portal, which most visitors read without signing in, is therefore compressed;
//! signed-in pages with forms are not. Streamed answers (exports written as they are read)
//! are sent as they are.

use axum::body::{to_bytes, Body};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;
use std::io::Write;

/// Below this, compression saves nothing a packet would not carry anyway.
const MIN_BYTES: u64 = 1400;
/// Answers above this are left alone (exports are streamed or sent as files).
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Whether the request's `Accept-Encoding` admits gzip (`gzip` or `*`, without `q=0`).
pub fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|item| {
            let mut parts = item.split(';').map(str::trim);
            let name = parts.next().unwrap_or("").to_ascii_lowercase();
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q <= 0.0)
            });
            (name == "gzip" || name == "*") && !refused
        })
}

fn compressible(content_type: &str) -> Option<bool> {
    let ct = content_type.to_ascii_lowercase();
    let base = ct.split(';').next().unwrap_or("").trim();
    match base {
        "text/html" => Some(true),
        "application/json"
        | "text/csv"
        | "text/css"
        | "text/plain"
        | "text/javascript"
        | "application/javascript"
        | "image/svg+xml" => Some(false),
        _ if base.ends_with("+json") => Some(false),
        _ => None,
    }
}

/// The answer, gzip-compressed when `gzip` is accepted and the answer qualifies.
pub async fn maybe(res: Response, gzip: bool) -> Response {
    if !gzip || res.headers().contains_key(header::CONTENT_ENCODING) {
        return res;
    }
    let Some(is_html) = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(compressible)
    else {
        return res;
    };
    let size = axum::body::HttpBody::size_hint(res.body()).exact();
    if !size.is_some_and(|n| (MIN_BYTES..=MAX_BYTES).contains(&n)) {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BYTES as usize).await else {
        // A body that fails to read has nothing to send either way (and no length).
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    };
    if is_html && contains(&bytes, b"name=\"csrf\"") {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let mut enc = flate2::write::GzEncoder::new(
        Vec::with_capacity(bytes.len() / 4),
        flate2::Compression::new(4),
    );
    let packed = match enc.write_all(&bytes).and_then(|()| enc.finish()) {
        Ok(p) => p,
        Err(_) => return Response::from_parts(parts, Body::from(bytes)),
    };
    let h = &mut parts.headers;
    h.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    h.append(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(packed))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(v: &str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(v).unwrap_or(HeaderValue::from_static("")),
        );
        m
    }

    #[test]
    fn gzip_is_accepted_as_browsers_and_clients_say_it() {
        assert!(accepts_gzip(&h("gzip, deflate, br")));
        assert!(accepts_gzip(&h("br;q=1.0, GZIP;q=0.5")));
        assert!(accepts_gzip(&h("*")));
        assert!(!accepts_gzip(&h("gzip;q=0")));
        assert!(!accepts_gzip(&h("br, deflate")));
        assert!(!accepts_gzip(&h("identity")));
        assert!(!accepts_gzip(&HeaderMap::new()));
    }

    #[test]
    fn only_text_answers_are_compressed() {
        assert_eq!(compressible("application/json"), Some(false));
        assert_eq!(compressible("text/html; charset=utf-8"), Some(true));
        assert_eq!(compressible("application/geo+json"), Some(false));
        assert_eq!(compressible("image/png"), None);
        assert_eq!(
            compressible("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            None
        );
    }
}
