//! The layers against Starlette's documented behaviour (the differential tests in
//! tests/integration/test_middleware.py compare them with Starlette itself, over sockets).

use std::io::Read;
use std::task::{Context, Poll};

use bytes::Bytes;

use super::*;
use crate::config::Limits;
use crate::response::{Body, ChunkStream, StreamFailed};

fn request(raw: &str) -> Request {
    let raw = raw.replace('\n', "\r\n") + "\r\n";
    let mut request = crate::http1::head::parse(raw.as_bytes(), &Limits::default()).unwrap().unwrap().request;
    // As the connection does: the request's offsets point into the head it keeps.
    request.head = Bytes::from(raw);
    request
}

fn json(body: &'static [u8]) -> Response {
    Response::full(200, b"application/json", Bytes::from_static(body))
}

fn header<'a>(response: &'a Response, name: &str) -> Option<&'a str> {
    response.header(name).map(|v| std::str::from_utf8(v).unwrap())
}

fn body(response: &Response) -> &[u8] {
    match &response.body {
        Body::Full(b) => b,
        _ => panic!("not a full body"),
    }
}

fn layers(specs: Vec<LayerSpec>) -> Layers {
    Layers::compile(&specs).unwrap()
}

fn cors(origins: &[&str], credentials: bool) -> LayerSpec {
    LayerSpec::Cors(CorsSpec {
        allow_origins: origins.iter().map(|s| s.to_string()).collect(),
        allow_methods: vec!["GET".into(), "POST".into()],
        allow_headers: vec!["X-Token".into()],
        allow_credentials: credentials,
        allow_origin_regex: Some(r"https://.*\.example\.org".into()),
        max_age: 600,
        ..CorsSpec::default()
    })
}

fn gzip(minimum_size: usize) -> LayerSpec {
    LayerSpec::GZip(GZipSpec { minimum_size, compresslevel: 9, exclude_content_types: vec!["image/*".into()] })
}

/// Through the layers with `answer` as the application's response.
fn run(layers: &Layers, raw: &str, answer: impl FnOnce() -> Response) -> Response {
    match layers.enter(&request(raw)) {
        Entry::Answer(response) => response,
        Entry::Pass(exits) => layers.leave(exits, answer()),
    }
}

#[test]
fn no_layers_by_default() {
    assert!(Layers::default().is_empty());
    // allowed_hosts=["*"] needs no layer at all
    let any =
        layers(vec![LayerSpec::TrustedHost(TrustedHostSpec { allowed_hosts: vec!["*".into()], www_redirect: true })]);
    assert!(any.is_empty());
}

#[test]
fn cors_simple_requests() {
    let l = layers(vec![cors(&["http://localhost"], false)]);
    let plain = run(&l, "GET / HTTP/1.1\nHost: a\n", || json(b"{}"));
    assert_eq!(header(&plain, "vary"), Some("Origin"));
    assert_eq!(header(&plain, "access-control-allow-origin"), None);

    let allowed = run(&l, "GET / HTTP/1.1\nHost: a\nOrigin: http://localhost\n", || {
        let mut r = json(b"{}");
        r.headers.push((Bytes::from_static(b"vary"), Bytes::from_static(b"Accept-Encoding")));
        r
    });
    assert_eq!(header(&allowed, "access-control-allow-origin"), Some("http://localhost"));
    assert_eq!(header(&allowed, "vary"), Some("Accept-Encoding, Origin"));

    let regex = run(&l, "GET / HTTP/1.1\nHost: a\nOrigin: https://x.example.org\n", || json(b"{}"));
    assert_eq!(header(&regex, "access-control-allow-origin"), Some("https://x.example.org"));
    // fullmatch: no prefix match
    let evil = run(&l, "GET / HTTP/1.1\nHost: a\nOrigin: https://x.example.org.evil\n", || json(b"{}"));
    assert_eq!(header(&evil, "access-control-allow-origin"), None);
    assert_eq!(header(&evil, "vary"), Some("Origin"));
}

#[test]
fn cors_any_origin_with_credentials_mirrors_the_origin() {
    let l = layers(vec![cors(&["*"], true)]);
    let r = run(&l, "GET / HTTP/1.1\nHost: a\nOrigin: http://x.com\n", || json(b"{}"));
    assert_eq!(header(&r, "access-control-allow-origin"), Some("http://x.com"));
    assert_eq!(header(&r, "access-control-allow-credentials"), Some("true"));
    let l = layers(vec![cors(&["*"], false)]);
    let r = run(&l, "GET / HTTP/1.1\nHost: a\nOrigin: http://x.com\n", || json(b"{}"));
    assert_eq!(header(&r, "access-control-allow-origin"), Some("*"));
    assert_eq!(header(&r, "vary"), Some("Origin"));
}

#[test]
fn cors_preflights() {
    let l = layers(vec![cors(&["http://localhost"], true)]);
    let ok = run(
        &l,
        "OPTIONS /x HTTP/1.1\nHost: a\nOrigin: http://localhost\nAccess-Control-Request-Method: POST\n\
         Access-Control-Request-Headers: x-token, Content-Type\n",
        || panic!("a preflight never reaches the application"),
    );
    assert_eq!(ok.status, 200);
    assert_eq!(body(&ok), b"OK");
    assert_eq!(header(&ok, "content-type"), Some("text/plain; charset=utf-8"));
    assert_eq!(header(&ok, "access-control-allow-origin"), Some("http://localhost"));
    assert_eq!(header(&ok, "access-control-allow-methods"), Some("GET, POST"));
    assert_eq!(
        header(&ok, "access-control-allow-headers"),
        Some("Accept, Accept-Language, Content-Language, Content-Type, X-Token")
    );
    assert_eq!(header(&ok, "access-control-allow-credentials"), Some("true"));
    assert_eq!(header(&ok, "access-control-max-age"), Some("600"));

    let bad = run(
        &l,
        "OPTIONS /x HTTP/1.1\nHost: a\nOrigin: http://evil.com\nAccess-Control-Request-Method: PUT\n\
         Access-Control-Request-Headers: x-other\n",
        || panic!("refused preflights are answered by the layer"),
    );
    assert_eq!(bad.status, 400);
    assert_eq!(body(&bad), b"Disallowed CORS origin, method, headers");
    assert_eq!(header(&bad, "access-control-allow-origin"), None);
}

#[test]
fn gzip_whole_bodies() {
    let l = layers(vec![gzip(100)]);
    let small = run(&l, "GET / HTTP/1.1\nHost: a\nAccept-Encoding: gzip\n", || json(b"{}"));
    assert_eq!(header(&small, "vary"), None);
    assert_eq!(header(&small, "content-encoding"), None);

    let big_body = "x".repeat(1000);
    let big = run(&l, "GET / HTTP/1.1\nHost: a\nAccept-Encoding: deflate, gzip\n", || {
        Response::full(200, b"text/plain", Bytes::from(big_body.clone()))
    });
    assert_eq!(header(&big, "content-encoding"), Some("gzip"));
    assert_eq!(header(&big, "vary"), Some("Accept-Encoding"));
    let mut plain = String::new();
    flate2::read::GzDecoder::new(body(&big)).read_to_string(&mut plain).unwrap();
    assert_eq!(plain, big_body);

    // Not accepted: same body, but Vary (a cache must keep both forms apart).
    let identity =
        run(&l, "GET / HTTP/1.1\nHost: a\n", || Response::full(200, b"text/plain", Bytes::from(big_body.clone())));
    assert_eq!(body(&identity), big_body.as_bytes());
    assert_eq!(header(&identity, "vary"), Some("Accept-Encoding"));

    let image = run(&l, "GET / HTTP/1.1\nHost: a\nAccept-Encoding: gzip\n", || {
        Response::full(200, b"image/png", Bytes::from(big_body.clone()))
    });
    assert_eq!(header(&image, "content-encoding"), None);
    assert_eq!(header(&image, "vary"), None);
}

struct Chunks(Vec<&'static [u8]>);

impl ChunkStream for Chunks {
    fn poll_chunk(&mut self, _: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFailed>>> {
        Poll::Ready(if self.0.is_empty() { None } else { Some(Ok(Bytes::from_static(self.0.remove(0)))) })
    }
}

#[test]
fn gzip_streams_chunk_by_chunk() {
    let l = layers(vec![gzip(100_000)]);
    let mut response = run(&l, "GET / HTTP/1.1\nHost: a\nAccept-Encoding: gzip\n", || {
        Response::new(200, Vec::new(), Body::Stream(Box::new(Chunks(vec![b"hello ", b"world"]))))
    });
    assert_eq!(header(&response, "content-encoding"), Some("gzip"));
    let Body::Stream(stream) = &mut response.body else { panic!("still a stream") };
    let mut cx = Context::from_waker(std::task::Waker::noop());
    let mut out = Vec::new();
    let mut decoded_so_far = Vec::new();
    while let Poll::Ready(Some(chunk)) = stream.poll_chunk(&mut cx) {
        let chunk = chunk.unwrap();
        assert!(!chunk.is_empty(), "an empty chunk would end a chunked body");
        out.extend_from_slice(&chunk);
        // Every chunk is flushed: what arrived so far decodes to what was sent so far.
        let mut partial = Vec::new();
        let _ = flate2::read::GzDecoder::new(&out[..]).read_to_end(&mut partial);
        decoded_so_far.push(partial);
    }
    assert_eq!(decoded_so_far[0], b"hello ");
    let mut all = Vec::new();
    flate2::read::GzDecoder::new(&out[..]).read_to_end(&mut all).unwrap();
    assert_eq!(all, b"hello world");
}

#[test]
fn trusted_hosts() {
    let l = layers(vec![LayerSpec::TrustedHost(TrustedHostSpec {
        allowed_hosts: vec!["www.example.com".into(), "*.example.org".into()],
        www_redirect: true,
    })]);
    let ok = run(&l, "GET / HTTP/1.1\nHost: api.example.org:8000\n", || json(b"{}"));
    assert_eq!(ok.status, 200);
    let redirect = run(&l, "GET /a?b=1 HTTP/1.1\nHost: example.com\n", || json(b"{}"));
    assert_eq!(redirect.status, 307);
    assert_eq!(header(&redirect, "location"), Some("http://www.example.com/a?b=1"));
    let bad = run(&l, "GET / HTTP/1.1\nHost: evil.com\n", || json(b"{}"));
    assert_eq!((bad.status, body(&bad)), (400, &b"Invalid host header"[..]));
    assert!(Layers::compile(&[LayerSpec::TrustedHost(TrustedHostSpec {
        allowed_hosts: vec!["*example.com".into()],
        www_redirect: true
    })])
    .is_err());
}

#[test]
fn https_redirects() {
    let l = layers(vec![LayerSpec::HttpsRedirect]);
    let r = run(&l, "GET /p?q=1 HTTP/1.1\nHost: example.com:80\n", || json(b"{}"));
    assert_eq!((r.status, header(&r, "location")), (307, Some("https://example.com/p?q=1")));
    let r = run(&l, "GET / HTTP/1.1\nHost: example.com:8443\n", || json(b"{}"));
    assert_eq!(header(&r, "location"), Some("https://example.com:8443/"));
    assert_eq!(header(&r, "content-type"), None);
}

#[test]
fn an_inner_answer_goes_out_through_the_outer_layers() {
    // CORS outside HTTPSRedirect: the redirect gets Vary: Origin.
    let l = layers(vec![cors(&["http://localhost"], false), LayerSpec::HttpsRedirect]);
    let r = run(&l, "GET / HTTP/1.1\nHost: a\nOrigin: http://localhost\n", || panic!("redirected before"));
    assert_eq!(r.status, 307);
    assert_eq!(header(&r, "access-control-allow-origin"), Some("http://localhost"));
    assert_eq!(header(&r, "vary"), Some("Origin"));
}

#[test]
fn vary_follows_the_order_of_the_layers() {
    let big = || Response::full(200, b"text/plain", Bytes::from("x".repeat(600)));
    let gzip_outside = layers(vec![gzip(500), cors(&["*"], false)]);
    let r = run(&gzip_outside, "GET / HTTP/1.1\nHost: a\nAccept-Encoding: gzip\n", big);
    assert_eq!(header(&r, "vary"), Some("Origin, Accept-Encoding"));
    let cors_outside = layers(vec![cors(&["*"], false), gzip(500)]);
    let r = run(&cors_outside, "GET / HTTP/1.1\nHost: a\nAccept-Encoding: gzip\n", big);
    assert_eq!(header(&r, "vary"), Some("Accept-Encoding, Origin"));
}
