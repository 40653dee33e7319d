//! Handing a connection to another protocol (WebSocket, h2c) after a `101` answer.

use bytes::Bytes;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;

/// The connection as the new protocol receives it: the socket, and the bytes the client
/// already sent past the request that asked for the upgrade.
pub struct Upgraded {
    pub stream: monoio::net::TcpStream,
    pub buffered: Bytes,
    pub peer: Option<SocketAddr>,
}

/// Runs the new protocol on the connection's task, on the same core.
pub type OnUpgrade = Box<dyn FnOnce(Upgraded) -> Pin<Box<dyn Future<Output = ()>>>>;
