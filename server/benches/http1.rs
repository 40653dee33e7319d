//! What our head parsing costs on top of bare httparse (the framing and limit checks that
//! keep requests from being smuggled), and chunked decoding. `cargo bench -p fasterapi-server`.

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion};
use server::http1::body::ChunkedDecoder;
use server::http1::head;
use server::Limits;
use std::hint::black_box;

const WRK_GET: &[u8] = b"GET /users/123?q=abc HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n";
const BROWSER_GET: &[u8] = b"GET /users/123?q=abc HTTP/1.1\r\nHost: example.com\r\n\
User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: en-US,en;q=0.9\r\nAccept-Encoding: gzip, deflate, br\r\nConnection: keep-alive\r\n\
Cookie: session=abcdef0123456789; theme=dark\r\nCache-Control: max-age=0\r\n\r\n";

fn heads(c: &mut Criterion) {
    let limits = Limits::default();
    for (name, raw) in [("wrk GET", WRK_GET), ("browser GET", BROWSER_GET)] {
        c.bench_function(&format!("httparse alone: {name}"), |b| {
            b.iter(|| {
                let mut headers = [httparse::EMPTY_HEADER; 64];
                let mut req = httparse::Request::new(&mut headers);
                black_box(req.parse(black_box(raw)).unwrap());
            })
        });
        c.bench_function(&format!("head::parse: {name}"), |b| {
            b.iter(|| black_box(head::parse(black_box(raw), &limits).unwrap()))
        });
    }
}

fn chunked(c: &mut Criterion) {
    let mut raw = Vec::new();
    for _ in 0..64 {
        raw.extend_from_slice(b"400\r\n");
        raw.extend_from_slice(&[b'x'; 0x400]);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    c.bench_function("chunked: 64 x 1 KiB", |b| {
        b.iter(|| {
            let mut input = BytesMut::from(&raw[..]);
            let mut out = BytesMut::with_capacity(64 * 1024);
            assert!(ChunkedDecoder::new().decode(&mut input, &mut out, 1 << 20).unwrap());
            black_box(out);
        })
    });
}

criterion_group!(benches, heads, chunked);
criterion_main!(benches);
