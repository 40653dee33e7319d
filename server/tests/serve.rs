//! The server on its own, with a Rust handler: no Python anywhere in this test binary.

use std::future::Future;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use runtime::{monoio, CoreStats, Shutdown};
use server::{
    listener, Body, ChunkStream, FileBody, Handler, Limits, Reply, Request, Response, Router, StreamFailed, Target,
    Upgraded,
};

/// Slow handlers whose future was dropped before it finished (the client left).
static CANCELLED: AtomicUsize = AtomicUsize::new(0);

/// Answers `METHOD path params body-length` as text; other routes exercise each kind of body.
struct Echo;

fn text(body: impl Into<Bytes>) -> Response {
    Response::full(200, b"text/plain", body)
}

/// Counts itself in `CANCELLED` unless disarmed.
struct CancelProbe(bool);
impl Drop for CancelProbe {
    fn drop(&mut self) {
        if self.0 {
            CANCELLED.fetch_add(1, Ordering::SeqCst);
        }
    }
}

/// `count` chunks, one per `every`, then the end (or a failure, when `fail`).
struct Ticker {
    left: usize,
    fail: bool,
    sleep: Option<Pin<Box<monoio::time::Sleep>>>,
}

impl ChunkStream for Ticker {
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, StreamFailed>>> {
        let sleep = self.sleep.get_or_insert_with(|| Box::pin(monoio::time::sleep(Duration::from_millis(20))));
        if sleep.as_mut().poll(cx).is_pending() {
            return Poll::Pending;
        }
        self.sleep = None;
        if self.left == 0 {
            return Poll::Ready(if self.fail { Some(Err(StreamFailed)) } else { None });
        }
        self.left -= 1;
        Poll::Ready(Some(Ok(Bytes::from(format!("tick{}", self.left)))))
    }
}

fn test_file() -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("fasterapi-serve-test-{}.txt", std::process::id()));
    if !path.exists() {
        let content: Vec<u8> = (0..100_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        std::fs::write(&path, content).unwrap();
    }
    path
}

impl Handler for Echo {
    type Route = &'static str;
    type Future<'a> = Pin<Box<dyn Future<Output = Response> + 'a>>;

    fn call<'a>(&'a self, target: Target<'a, &'static str>, request: Request) -> Reply<Self::Future<'a>> {
        if matches!(target, Target::Route(&"soon")) {
            return Reply::Soon(Box::pin(async move {
                monoio::time::sleep(Duration::from_millis(20)).await;
                text(format!("soon {}", request.path()))
            }));
        }
        Reply::Later(Box::pin(async move {
            let route = match target {
                Target::Route(route) => *route,
                Target::Miss(miss) => return miss.response(),
            };
            match route {
                // Larger than a write batch after a few responses: exercises batch flushing.
                "big" => text(vec![b'x'; 100_000]),
                "slow" => {
                    let mut probe = CancelProbe(true);
                    monoio::time::sleep(Duration::from_millis(300)).await;
                    probe.0 = false;
                    text(format!("slow {}", request.path()))
                }
                "stream" => {
                    Response::new(200, vec![], Body::Stream(Box::new(Ticker { left: 3, fail: false, sleep: None })))
                }
                "broken" => {
                    Response::new(200, vec![], Body::Stream(Box::new(Ticker { left: 2, fail: true, sleep: None })))
                }
                "file" => {
                    let file = std::fs::File::open(test_file()).unwrap();
                    let len = file.metadata().unwrap().len();
                    let etag = (Bytes::from_static(b"etag"), Bytes::from_static(b"\"v1\""));
                    Response::new(200, vec![etag], Body::File(FileBody { file, len }))
                }
                "upgrade" => {
                    let mut r = Response::new(
                        101,
                        vec![(Bytes::from_static(b"upgrade"), Bytes::from_static(b"echo"))],
                        Body::Full(Bytes::new()),
                    );
                    r.upgrade = Some(Box::new(|up: Upgraded| Box::pin(echo_protocol(up))));
                    r
                }
                _ => {
                    let params: Vec<String> = request.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
                    text(format!(
                        "{route} {} {} [{}] {}",
                        request.method(),
                        request.path(),
                        params.join(","),
                        request.body.len()
                    ))
                }
            }
        }))
    }
}

/// The "protocol" after an upgrade: sends back what was buffered, then echoes one read.
async fn echo_protocol(up: Upgraded) {
    use monoio::io::{AsyncReadRent, AsyncWriteRentExt};
    let mut stream = up.stream;
    let (_, _) = stream.write_all(up.buffered.to_vec()).await;
    let (n, buf) = stream.read(vec![0u8; 64]).await;
    if let Ok(n) = n {
        let (_, _) = stream.write_all(buf[..n].to_vec()).await;
    }
}

/// Serves `Echo` on a fresh port in a thread of its own; returns the port, a way to stop it,
/// and the thread (which yields the core's stats).
fn start() -> (u16, std::sync::mpsc::Sender<()>, std::thread::JoinHandle<CoreStats>) {
    start_with(Limits { keepalive_timeout: Duration::from_secs(2), ..Limits::default() })
}

fn start_with(limits: Limits) -> (u16, std::sync::mpsc::Sender<()>, std::thread::JoinHandle<CoreStats>) {
    let shard = listener::bind_shards("127.0.0.1:0".parse().unwrap(), 1).unwrap().pop().unwrap();
    let port = shard.local_addr().unwrap().port();
    let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::spawn(move || {
        let mut rt = monoio::RuntimeBuilder::<monoio::LegacyDriver>::new().enable_timer().build().unwrap();
        rt.block_on(async move {
            let mut router = Router::new();
            router.insert("GET", "/users/{id}", "user").unwrap();
            router.insert("POST", "/items", "items").unwrap();
            router.insert("GET", "/big", "big").unwrap();
            for name in ["slow", "stream", "broken", "file", "upgrade", "soon"] {
                router.insert("GET", &format!("/{name}"), name).unwrap();
            }
            let shutdown = Shutdown::new();
            let trigger = shutdown.clone();
            monoio::spawn(async move {
                loop {
                    if stop_rx.try_recv().is_ok() {
                        trigger.trigger(Duration::from_secs(1));
                        return;
                    }
                    monoio::time::sleep(Duration::from_millis(10)).await;
                }
            });
            server::serve_core(shard, router, Echo, server::Layers::default(), limits, None, shutdown).await
        })
    });
    (port, stop_tx, thread)
}

fn read_until_closed(s: &mut TcpStream) -> String {
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

#[test]
fn pipelined_requests_are_answered_in_order_and_errors_never_reach_the_handler() {
    let (port, stop, thread) = start();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(
        b"GET /users/1 HTTP/1.1\r\nHost: x\r\n\r\n\
          POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc\
          POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n\
          DELETE /items HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /nowhere HTTP/1.1\r\nHost: x\r\n\r\n\
          HEAD /users/%32 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    let all = read_until_closed(&mut s);
    // Bodies have no trailing newline, so status lines are found by their prefix.
    let statuses: Vec<&str> = all.match_indices("HTTP/1.1 ").map(|(at, _)| &all[at + 9..at + 12]).collect();
    assert_eq!(statuses, ["200", "200", "200", "405", "404", "200"], "{all}");
    assert!(all.contains("user GET /users/1 [id=1] 0"), "{all}");
    assert!(all.contains("items POST /items [] 3"), "{all}");
    assert!(all.contains("items POST /items [] 2"), "{all}");
    assert!(all.contains("allow: POST\r\n"), "{all}");
    assert!(all.contains("{\"detail\":\"Not Found\"}"), "{all}");
    // HEAD: routed to GET with the decoded path, length announced, no body, then closed.
    let head = &all[all.rfind("HTTP/1.1 200 OK").unwrap()..];
    assert!(head.contains("Content-Length: 27\r\nConnection: close\r\n"), "{head}");
    assert!(head.ends_with("\r\n\r\n"), "{head}");

    stop.send(()).unwrap();
    let stats = thread.join().unwrap();
    assert_eq!(stats.accepted, 1);
    assert_eq!(stats.handled, 6);
}

#[test]
fn a_refused_request_gets_its_status_and_the_connection_closes() {
    let (port, stop, thread) = start();
    for (raw, status) in [
        (&b"BROKEN\r\n\r\n"[..], "400"),
        (b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", "413"),
        (b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: br\r\n\r\n", "501"),
        (b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "400"),
    ] {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.write_all(raw).unwrap();
        let all = read_until_closed(&mut s);
        assert!(all.starts_with(&format!("HTTP/1.1 {status} ")), "{all}");
        assert!(all.contains("Connection: close\r\n"), "{all}");
    }
    stop.send(()).unwrap();
    thread.join().unwrap();
}

#[test]
fn shutdown_closes_idle_keepalive_connections_at_once() {
    let (port, stop, thread) = start();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /users/7 HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut buf = [0u8; 512];
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let n = s.read(&mut buf).unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).contains("[id=7]"));
    let started = std::time::Instant::now();
    stop.send(()).unwrap();
    let rest = read_until_closed(&mut s);
    assert_eq!(rest, "", "an idle connection gets no further bytes, just the close");
    thread.join().unwrap();
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
}

#[test]
fn a_pipeline_whose_answers_exceed_one_write_batch_is_answered_completely() {
    let (port, stop, thread) = start();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // 10 x 100 kB of answers: several write batches, while the client sends nothing more.
    let mut pipeline = Vec::new();
    for _ in 0..9 {
        pipeline.extend_from_slice(b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
    }
    pipeline.extend_from_slice(b"GET /big HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    s.write_all(&pipeline).unwrap();
    let started = std::time::Instant::now();
    let all = read_until_closed(&mut s);
    assert_eq!(all.matches("HTTP/1.1 200 OK").count(), 10);
    assert!(all.len() > 1_000_000);
    assert!(started.elapsed() < Duration::from_secs(2), "stalled for {:?}", started.elapsed());
    stop.send(()).unwrap();
    thread.join().unwrap();
}

#[test]
fn a_client_that_stops_reading_is_disconnected_after_the_write_timeout() {
    let limits = Limits { write_timeout: Duration::from_millis(300), ..Limits::default() };
    let (port, stop, thread) = start_with(limits);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // 20 MB of answers, far more than the socket buffers hold, and nobody reading them.
    let pipeline: Vec<u8> = b"GET /big HTTP/1.1\r\nHost: x\r\n\r\n".repeat(200);
    s.write_all(&pipeline).unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut got = Vec::new();
    // Ends with EOF or a reset once the server gave up; a read timeout means it did not.
    match s.read_to_end(&mut got) {
        Ok(_) => {}
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{e}"),
    }
    assert!(got.len() < 200 * 100_000, "the server wrote everything ({} bytes)", got.len());
    // The core itself is fine.
    let mut fresh = TcpStream::connect(("127.0.0.1", port)).unwrap();
    fresh.write_all(b"GET /users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    assert!(read_until_closed(&mut fresh).contains("[id=1]"));
    stop.send(()).unwrap();
    thread.join().unwrap();
}

#[test]
fn a_pipeline_written_in_random_pieces_is_answered_in_order() {
    let (port, stop, thread) = start();
    let mut pipeline = Vec::new();
    for i in 0..30 {
        match i % 3 {
            0 => pipeline.extend_from_slice(format!("GET /users/{i} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes()),
            1 => pipeline.extend_from_slice(b"POST /items HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd"),
            _ => pipeline.extend_from_slice(
                b"POST /items HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
            ),
        }
    }
    pipeline.extend_from_slice(b"GET /users/end HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let mut x: u64 = 88172645463325252;
    for _round in 0..5 {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_nodelay(true).unwrap();
        let mut pos = 0;
        while pos < pipeline.len() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let take = (1 + (x % 40) as usize).min(pipeline.len() - pos);
            s.write_all(&pipeline[pos..pos + take]).unwrap();
            pos += take;
        }
        let all = read_until_closed(&mut s);
        let bodies: Vec<&str> = all.split("\r\n\r\n").skip(1).map(|b| b.split("HTTP/1.1").next().unwrap()).collect();
        assert_eq!(bodies.len(), 31, "{all}");
        for (i, body) in bodies.iter().take(30).enumerate() {
            let expected = match i % 3 {
                0 => format!("user GET /users/{i} [id={i}] 0"),
                1 => "items POST /items [] 4".to_string(),
                _ => "items POST /items [] 3".to_string(),
            };
            assert_eq!(*body, expected);
        }
        assert_eq!(bodies[30], "user GET /users/end [id=end] 0");
    }
    stop.send(()).unwrap();
    thread.join().unwrap();
}

fn get(port: u16, raw: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    read_until_closed(&mut s)
}

#[test]
fn a_slow_answer_keeps_pipelined_order_and_does_not_hold_other_connections() {
    let (port, stop, thread) = start();
    let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
    slow.write_all(
        b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /users/2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .unwrap();
    // Meanwhile another connection is answered at once.
    let started = std::time::Instant::now();
    let fast = get(port, "GET /users/1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(fast.contains("[id=1]"), "{fast}");
    assert!(started.elapsed() < Duration::from_millis(250), "waited for the slow one: {:?}", started.elapsed());
    let all = read_until_closed(&mut slow);
    let first = all.find("slow /slow").expect(&all);
    let second = all.find("[id=2]").expect(&all);
    assert!(first < second, "{all}");
    stop.send(()).unwrap();
    thread.join().unwrap();
}

#[test]
fn a_client_that_leaves_cancels_its_pending_handler() {
    let (port, stop, thread) = start();
    let before = CANCELLED.load(Ordering::SeqCst);
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /slow HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    drop(s);
    std::thread::sleep(Duration::from_millis(100));
    assert_eq!(CANCELLED.load(Ordering::SeqCst), before + 1, "the handler's future was not dropped");
    stop.send(()).unwrap();
    thread.join().unwrap();
}

#[test]
fn streamed_bodies_are_chunked_on_1_1_and_close_delimited_on_1_0() {
    let (port, stop, thread) = start();
    let all = get(port, "GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(all.contains("Transfer-Encoding: chunked\r\n"), "{all}");
    assert!(!all.contains("Content-Length"), "{all}");
    assert!(all.ends_with("\r\n\r\n5\r\ntick2\r\n5\r\ntick1\r\n5\r\ntick0\r\n0\r\n\r\n"), "{all}");
    let old = get(port, "GET /stream HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert!(old.contains("Connection: close\r\n"), "{old}");
    assert!(old.ends_with("\r\n\r\ntick2tick1tick0"), "{old}");
    // HEAD: the head of a chunked answer, no body.
    let head = get(port, "HEAD /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(head.ends_with("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"), "{head}");
    // A producer failing midway: no final chunk, connection closed.
    let broken = get(port, "GET /broken HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(broken.ends_with("5\r\ntick0\r\n"), "{broken}");
    stop.send(()).unwrap();
    thread.join().unwrap();
}

#[test]
fn file_bodies_honour_range_and_if_range() {
    let (port, stop, thread) = start();
    let content = std::fs::read(test_file()).unwrap();
    let whole = get(port, "GET /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let (head, body) = whole.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("Content-Length: 100000\r\n") && head.contains("accept-ranges: bytes"), "{head}");
    assert_eq!(body.as_bytes(), &content[..]);
    let part = get(port, "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=10-19\r\nConnection: close\r\n\r\n");
    assert!(part.starts_with("HTTP/1.1 206 "), "{part}");
    assert!(part.contains("content-range: bytes 10-19/100000\r\n"), "{part}");
    assert!(part.ends_with(std::str::from_utf8(&content[10..20]).unwrap()), "{part}");
    let tail = get(port, "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=-5\r\nConnection: close\r\n\r\n");
    assert!(tail.ends_with(std::str::from_utf8(&content[99_995..]).unwrap()), "{tail}");
    let stale =
        get(port, "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: \"v0\"\r\nConnection: close\r\n\r\n");
    assert!(stale.starts_with("HTTP/1.1 200 "), "{stale}");
    let fresh =
        get(port, "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=0-1\r\nIf-Range: \"v1\"\r\nConnection: close\r\n\r\n");
    assert!(fresh.starts_with("HTTP/1.1 206 "), "{fresh}");
    let beyond = get(port, "GET /file HTTP/1.1\r\nHost: x\r\nRange: bytes=100000-\r\nConnection: close\r\n\r\n");
    assert!(beyond.starts_with("HTTP/1.1 416 ") && beyond.contains("content-range: bytes */100000"), "{beyond}");
    let head = get(port, "HEAD /file HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert!(head.ends_with("\r\n\r\n") && head.contains("Content-Length: 100000"), "{head}");
    stop.send(()).unwrap();
    thread.join().unwrap();
}

#[test]
fn an_upgrade_hands_over_the_socket_and_the_unread_bytes() {
    let (port, stop, thread) = start();
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.write_all(b"GET /upgrade HTTP/1.1\r\nHost: x\r\n\r\nearly").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    s.write_all(b"later").unwrap();
    let all = read_until_closed(&mut s);
    assert!(all.starts_with("HTTP/1.1 101 Switching Protocols\r\n"), "{all}");
    assert!(all.ends_with("\r\n\r\nearlylater"), "{all}");
    stop.send(()).unwrap();
    thread.join().unwrap();
}

#[test]
fn an_answer_that_comes_soon_is_awaited_in_order() {
    let (port, stop, thread) = start();
    let all =
        get(port, "GET /soon HTTP/1.1\r\nHost: x\r\n\r\nGET /users/3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let first = all.find("soon /soon").expect(&all);
    let second = all.find("[id=3]").expect(&all);
    assert!(first < second, "{all}");
    stop.send(()).unwrap();
    thread.join().unwrap();
}
