//! HTTP/1.1: head parsing (httparse, zero-copy), body framing, responses, and the
//! connection state machine that ties them together.

pub mod body;
pub mod connection;
pub mod file;
pub mod head;
pub mod request;
pub mod response;
