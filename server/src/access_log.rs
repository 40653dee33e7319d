//! The access log (`--access-log`): one uvicorn-style line per response,
//! `INFO:     127.0.0.1:51234 - "GET /items?id=1 HTTP/1.1" 200 OK`.
//!
//! A core never writes to stderr itself (a slow terminal or a full pipe would stall it):
//! lines collect in the core's buffer and go in batches, over a channel, to one writer
//! thread per process that does the blocking writes.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use crate::http1::response::reason;

/// A batch goes to the writer past this size, or after `FLUSH_EVERY`.
const BATCH_BYTES: usize = 16 * 1024;
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// The process's writer thread, started with the first core's log.
fn writer() -> mpsc::Sender<Vec<u8>> {
    static SENDER: OnceLock<Mutex<mpsc::Sender<Vec<u8>>>> = OnceLock::new();
    let sender = SENDER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Vec<u8>>();
        std::thread::Builder::new()
            .name("fasterapi-access-log".into())
            .spawn(move || {
                for batch in rx {
                    let _ = std::io::stderr().lock().write_all(&batch);
                }
            })
            .expect("cannot start the access log thread");
        Mutex::new(tx)
    });
    sender.lock().unwrap_or_else(|p| p.into_inner()).clone()
}

/// One core's access log.
pub struct AccessLog {
    buf: RefCell<Vec<u8>>,
    sent: Cell<Instant>,
    to_writer: mpsc::Sender<Vec<u8>>,
}

impl Default for AccessLog {
    fn default() -> Self {
        Self::new()
    }
}

impl AccessLog {
    pub fn new() -> AccessLog {
        AccessLog {
            buf: RefCell::new(Vec::with_capacity(BATCH_BYTES)),
            sent: Cell::new(Instant::now()),
            to_writer: writer(),
        }
    }

    /// Logs one answered request.
    pub fn record(&self, peer: Option<SocketAddr>, request_line: &str, status: u16) {
        let mut buf = self.buf.borrow_mut();
        let _ = match peer {
            Some(p) => writeln!(buf, "INFO:     {p} - \"{request_line}\" {status} {}", reason(status)),
            None => writeln!(buf, "INFO:     - - \"{request_line}\" {status} {}", reason(status)),
        };
        if buf.len() >= BATCH_BYTES {
            drop(buf);
            self.flush();
        }
    }

    /// Hands what is buffered to the writer thread (called by the core's timer too).
    pub fn flush(&self) {
        let mut buf = self.buf.borrow_mut();
        if !buf.is_empty() {
            let batch = std::mem::replace(&mut *buf, Vec::with_capacity(BATCH_BYTES));
            let _ = self.to_writer.send(batch);
        }
        self.sent.set(Instant::now());
    }

    /// Whether lines have waited longer than `FLUSH_EVERY`.
    pub fn due(&self) -> bool {
        !self.buf.borrow().is_empty() && self.sent.get().elapsed() >= FLUSH_EVERY
    }
}
