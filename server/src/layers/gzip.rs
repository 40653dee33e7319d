//! `GZipMiddleware`, answering like Starlette's: a whole body of at least `minimum_size`
//! bytes, or any streamed body, gets `Vary: Accept-Encoding`, and is gzip-compressed when the
//! request's `Accept-Encoding` mentions gzip. Answers that already have a
//! `Content-Encoding`, partial (206) answers and the excluded media types pass untouched.
//! A stream is compressed as a stream: each chunk is flushed (`Z_SYNC_FLUSH`) so that the
//! client can decode it as soon as it arrives.
//!
//! File bodies are left alone (they keep `sendfile` and `Range` requests).

use std::io::Write;
use std::task::{Context, Poll};

use bytes::Bytes;
use flate2::write::GzEncoder;
use flate2::Compression;

use super::{headers, Exit};
use crate::http1::request::Request;
use crate::response::{Body, ChunkStream, Response, StreamFailed};

/// Starlette's `GZipMiddleware` options.
#[derive(Debug, Clone)]
pub struct GZipSpec {
    pub minimum_size: usize,
    pub compresslevel: u32,
    /// Media types (`type/subtype` or `type/*`), lower-case, without parameters.
    pub exclude_content_types: Vec<String>,
}

pub struct GZip {
    minimum_size: usize,
    level: Compression,
    excluded: Vec<String>,
}

impl GZip {
    pub fn compile(spec: &GZipSpec) -> Result<GZip, String> {
        if spec.compresslevel > 9 {
            return Err(format!("GZipMiddleware compresslevel must be 0..9, not {}", spec.compresslevel));
        }
        Ok(GZip {
            minimum_size: spec.minimum_size,
            level: Compression::new(spec.compresslevel),
            excluded: spec.exclude_content_types.clone(),
        })
    }

    /// Starlette's test: `"gzip" in headers.get("Accept-Encoding", "")`.
    pub fn enter(&self, request: &Request) -> Exit {
        let accepts_gzip =
            request.header("accept-encoding").is_some_and(|v| memchr::memmem::find(v, b"gzip").is_some());
        Exit::GZip { accepts_gzip }
    }

    pub fn leave(&self, accepts_gzip: bool, mut response: Response) -> Response {
        // Cheapest first: most answers are small whole bodies, which pass untouched.
        let passes = match &response.body {
            Body::Full(body) => body.len() < self.minimum_size,
            Body::Stream(_) => false,
            Body::File(_) => true,
        };
        if passes || response.status == 206 || headers::has(&response, b"content-encoding") || self.excluded(&response)
        {
            return response;
        }
        headers::add_vary(&mut response, b"Accept-Encoding");
        if !accepts_gzip {
            return response;
        }
        headers::set(&mut response, b"content-encoding", Bytes::from_static(b"gzip"));
        // The writer frames the new length.
        headers::remove(&mut response, b"content-length");
        response.body = match std::mem::replace(&mut response.body, Body::Full(Bytes::new())) {
            Body::Full(body) => Body::Full(self.compress(&body)),
            Body::Stream(stream) => Body::Stream(Box::new(GzipStream { inner: stream, encoder: Some(self.encoder()) })),
            file => file,
        };
        response
    }

    fn encoder(&self) -> GzEncoder<Vec<u8>> {
        GzEncoder::new(Vec::new(), self.level)
    }

    fn compress(&self, body: &[u8]) -> Bytes {
        let mut encoder = GzEncoder::new(Vec::with_capacity(body.len() / 2 + 64), self.level);
        // Writing into a Vec cannot fail.
        let _ = encoder.write_all(body);
        Bytes::from(encoder.finish().unwrap_or_default())
    }

    /// Starlette's rule: the media type, its `type/*` form, and `application/grpc` for
    /// `application/grpc+...` (compared without allocating).
    fn excluded(&self, response: &Response) -> bool {
        let content_type = response.header("content-type").unwrap_or_default();
        let media = content_type.split(|&b| b == b';').next().unwrap_or_default().trim_ascii();
        let family = media.split(|&b| b == b'/').next().unwrap_or_default();
        let grpc = media.len() > 17 && media[..17].eq_ignore_ascii_case(b"application/grpc+");
        self.excluded.iter().any(|e| {
            let e = e.as_bytes();
            e.eq_ignore_ascii_case(media)
                || e.strip_suffix(b"/*").is_some_and(|f| f.eq_ignore_ascii_case(family))
                || (grpc && e == b"application/grpc")
        })
    }
}

/// A streamed body compressed chunk by chunk.
struct GzipStream {
    inner: Box<dyn ChunkStream>,
    /// `None` once the gzip trailer has been produced.
    encoder: Option<GzEncoder<Vec<u8>>>,
}

impl ChunkStream for GzipStream {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFailed>>> {
        let Some(encoder) = self.encoder.as_mut() else { return Poll::Ready(None) };
        match self.inner.poll_chunk(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Err(failed))) => Poll::Ready(Some(Err(failed))),
            Poll::Ready(Some(Ok(chunk))) => {
                // A sync flush never yields nothing, so no empty chunk (which would end a
                // chunked body) is produced.
                let _ = encoder.write_all(&chunk);
                let _ = encoder.flush();
                Poll::Ready(Some(Ok(Bytes::from(std::mem::take(encoder.get_mut())))))
            }
            Poll::Ready(None) => {
                let trailer = self.encoder.take().map(|e| e.finish().unwrap_or_default()).unwrap_or_default();
                Poll::Ready(Some(Ok(Bytes::from(trailer))))
            }
        }
    }
}
