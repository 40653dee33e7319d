//! The plain Rust baseline of scripts/bench-exec's file row: one thread, blocking sockets,
//! `sendfile(2)` of the whole file for every request. No framework, nothing else.
//!
//!     sendfile_baseline PORT FILE

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().and_then(|p| p.parse().ok()).expect("usage: sendfile_baseline PORT FILE");
    let path = args.next().expect("usage: sendfile_baseline PORT FILE");
    let listener = TcpListener::bind(("127.0.0.1", port))?;
    for stream in listener.incoming() {
        let stream = stream?;
        let mut reader = BufReader::new(stream.try_clone()?);
        let mut out = stream;
        loop {
            // Read one request head (no bodies in this benchmark).
            let mut line = String::new();
            let mut got_any = false;
            while reader.read_line(&mut line)? > 0 {
                got_any = true;
                if line == "\r\n" {
                    break;
                }
                line.clear();
            }
            if !got_any {
                break;
            }
            let file = std::fs::File::open(&path)?;
            let len = file.metadata()?.len();
            write!(out, "HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n")?;
            let mut offset: i64 = 0;
            while (offset as u64) < len {
                let count = (len - offset as u64) as usize;
                let n = nix::sys::sendfile::sendfile(&out, &file, Some(&mut offset), count)?;
                if n == 0 {
                    break;
                }
            }
        }
    }
    Ok(())
}
