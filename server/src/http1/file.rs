//! Sending a file region with `sendfile(2)`: the kernel copies from the page cache to the
//! socket, nothing passes through user space. io_uring has no sendfile, and monoio's splice
//! needs a registered source fd (regular files cannot be), so we call it directly on a
//! socket set to non-blocking for the transfer and wait for writability on the reactor.

use monoio::net::TcpStream;
use nix::errno::Errno;
use nix::fcntl::{fcntl, FcntlArg, OFlag};
use std::io;
use std::time::Duration;

use crate::sys::borrow_fd;

/// Most bytes handed to one sendfile call, so that other connections of the core get a turn.
const SLICE: usize = 1 << 20;

/// Writes bytes `start..start + len` of `file` to `stream`. Each wait for the socket to
/// drain is bounded by `write_timeout`.
pub async fn send_file(
    stream: &TcpStream,
    file: &std::fs::File,
    start: u64,
    len: u64,
    write_timeout: Duration,
) -> io::Result<()> {
    let fd = borrow_fd(stream);
    let flags = OFlag::from_bits_truncate(fcntl(fd, FcntlArg::F_GETFL)?);
    // io_uring sockets are blocking (the ring does the waiting); the epoll driver's are not.
    let restore = !flags.contains(OFlag::O_NONBLOCK);
    if restore {
        fcntl(fd, FcntlArg::F_SETFL(flags | OFlag::O_NONBLOCK))?;
    }
    let result = send_region(stream, file, start, len, write_timeout).await;
    if restore {
        fcntl(fd, FcntlArg::F_SETFL(flags))?;
    }
    result
}

async fn send_region(
    stream: &TcpStream,
    file: &std::fs::File,
    start: u64,
    len: u64,
    write_timeout: Duration,
) -> io::Result<()> {
    let end = start + len;
    let mut offset = start as i64;
    while (offset as u64) < end {
        let count = ((end - offset as u64) as usize).min(SLICE);
        match nix::sys::sendfile::sendfile(borrow_fd(stream), file, Some(&mut offset), count) {
            // The file is shorter than when the response was made: the body cannot be completed.
            Ok(0) => return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "file truncated while sending")),
            Ok(_) => {}
            Err(Errno::EAGAIN) => match monoio::time::timeout(write_timeout, stream.writable(false)).await {
                Ok(ready) => ready?,
                Err(_) => return Err(io::ErrorKind::TimedOut.into()),
            },
            Err(Errno::EINTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Whether the peer has closed its side (or reset), checked without consuming input:
/// waits until the socket is readable, then peeks. `false` means the client sent more
/// bytes (a pipelined request), which stay in the socket for the next read.
pub async fn peer_gone(stream: &TcpStream) -> bool {
    use nix::sys::socket::{recv, MsgFlags};
    use std::os::fd::AsRawFd;
    if stream.readable(false).await.is_err() {
        return true;
    }
    let mut probe = [0u8; 1];
    match recv(stream.as_raw_fd(), &mut probe, MsgFlags::MSG_PEEK | MsgFlags::MSG_DONTWAIT) {
        Ok(0) => true,
        Ok(_) => false,
        Err(Errno::EAGAIN) | Err(Errno::EINTR) => false,
        Err(_) => true,
    }
}
