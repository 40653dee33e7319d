//! Listener shards: one SO_REUSEPORT socket per core on the same address, so the kernel
//! spreads incoming connections over the cores and no accept queue is shared.

use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener, ToSocketAddrs};

/// Connections the kernel queues per shard before the core accepts them.
const BACKLOG: i32 = 4096;

/// Resolves `host:port` to one address (the first), with an error that names it.
pub fn resolve(host: &str, port: u16) -> io::Result<SocketAddr> {
    (host, port)
        .to_socket_addrs()
        .map_err(|e| io::Error::new(e.kind(), format!("cannot resolve {host}:{port}: {e}")))?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::AddrNotAvailable, format!("{host}:{port} resolves to nothing")))
}

/// Binds `n` shards on `addr`.
///
/// SO_REUSEPORT would also let us bind next to *another* process's reuse-port listener and
/// silently share its traffic, so the address is first probed with a plain socket: if
/// anything at all listens there, that bind fails and we report the port as in use.
pub fn bind_shards(addr: SocketAddr, n: usize) -> io::Result<Vec<TcpListener>> {
    let in_use = |e: io::Error| {
        if e.kind() == io::ErrorKind::AddrInUse {
            io::Error::new(e.kind(), format!("address {addr} is already in use (port {} is taken)", addr.port()))
        } else {
            io::Error::new(e.kind(), format!("cannot listen on {addr}: {e}"))
        }
    };
    let probe = new_socket(addr)?;
    probe.bind(&addr.into()).map_err(in_use)?;
    // Keep the probe until our shards exist, so the real binds below see the address
    // as ours: binding a reuse-port socket next to the (non-reuse-port) probe would fail,
    // hence the probe is closed first; the window between is a few microseconds.
    let addr = probe.local_addr()?.as_socket().unwrap_or(addr);
    drop(probe);

    (0..n)
        .map(|_| {
            let s = new_socket(addr)?;
            s.set_reuse_port(true)?;
            s.bind(&addr.into()).map_err(in_use)?;
            s.listen(BACKLOG).map_err(in_use)?;
            s.set_nonblocking(true)?;
            Ok(s.into())
        })
        .collect()
}

fn new_socket(addr: SocketAddr) -> io::Result<Socket> {
    let s = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    s.set_reuse_address(true)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_share_a_port_and_a_taken_port_is_named() {
        let shards = bind_shards("127.0.0.1:0".parse().unwrap(), 1).unwrap();
        let addr = shards[0].local_addr().unwrap();
        drop(shards);
        let two = bind_shards(addr, 2).unwrap();
        assert_eq!(two.len(), 2);
        assert_eq!(two[0].local_addr().unwrap(), two[1].local_addr().unwrap());
        let err = bind_shards(addr, 1).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AddrInUse);
        assert!(err.to_string().contains(&addr.port().to_string()), "{err}");
        let plain = TcpListener::bind("127.0.0.1:0").unwrap();
        let err = bind_shards(plain.local_addr().unwrap(), 1).unwrap_err();
        assert!(err.to_string().contains("already in use"), "{err}");
    }
}
