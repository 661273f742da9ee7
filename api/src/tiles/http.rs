//! The HTTP side of a tile: ETag, 304 on `If-None-Match`, Cache-Control,
//! gzip when the client accepts it.

use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use forsyning_tiles::MVT_MEDIA_TYPE;
use sha2::{Digest, Sha256};

use super::cache::CachedTile;

/// A cached tile of `raw`, with its gzip and strong ETag.
pub(crate) fn cached(raw: Vec<u8>, uids: Vec<uuid::Uuid>) -> CachedTile {
    use std::io::Write;
    let digest = Sha256::digest(&raw);
    let etag = format!("\"{}\"", hex(&digest[..16]));
    let mut g = flate2::write::GzEncoder::new(
        Vec::with_capacity(raw.len() / 2 + 32),
        flate2::Compression::fast(),
    );
    let gzip = g
        .write_all(&raw)
        .and_then(|_| g.finish())
        .unwrap_or_default();
    CachedTile {
        raw,
        gzip,
        etag,
        uids,
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Whether `If-None-Match` names `etag` (or is `*`); weak tags compare by
/// their opaque part, as RFC 9110 says for this header.
pub(crate) fn not_modified(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t.trim_start_matches("W/") == etag
        })
}

fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|e| {
            let mut parts = e.split(';');
            let name = parts.next().unwrap_or("").trim();
            let q_zero = parts.any(|p| matches!(p.trim(), "q=0" | "q=0.0" | "q=0.00" | "q=0.000"));
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !q_zero
        })
}

/// The answer for `tile`: 304 when the client has it, else the bytes.
pub(crate) fn respond(
    headers: &HeaderMap,
    tile: &CachedTile,
    cache_control: &'static str,
) -> Response {
    let mut b = Response::builder()
        .header(ETAG, &tile.etag)
        .header(CACHE_CONTROL, cache_control)
        .header(VARY, "Authorization, Accept-Encoding");
    if not_modified(headers, &tile.etag) {
        return b
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_default();
    }
    b = b
        .status(StatusCode::OK)
        .header(CONTENT_TYPE, HeaderValue::from_static(MVT_MEDIA_TYPE));
    let body = if accepts_gzip(headers) && !tile.raw.is_empty() {
        b = b.header(CONTENT_ENCODING, "gzip");
        tile.gzip.clone()
    } else {
        tile.raw.clone()
    };
    b.body(Body::from(body)).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_lists_and_weak_tags_match() {
        let mut h = HeaderMap::new();
        h.insert(IF_NONE_MATCH, HeaderValue::from_static("\"a\", W/\"b\""));
        assert!(
            not_modified(&h, "\"b\"") && not_modified(&h, "\"a\"") && !not_modified(&h, "\"c\"")
        );
        let mut g = HeaderMap::new();
        g.insert(
            ACCEPT_ENCODING,
            HeaderValue::from_static("br;q=1.0, gzip;q=0"),
        );
        assert!(!accepts_gzip(&g));
        g.insert(ACCEPT_ENCODING, HeaderValue::from_static("deflate, gzip"));
        assert!(accepts_gzip(&g));
    }
}
