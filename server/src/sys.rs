//! The socket operations monoio does not offer (sendfile, a non-consuming peek, the
//! O_NONBLOCK flag) need a `BorrowedFd` of a monoio socket, which only exposes its raw fd.
//! This is the one `unsafe` of the server crate.

use std::os::fd::{AsRawFd, BorrowedFd};

/// Borrows the descriptor of `owner` for as long as `owner` is borrowed.
pub fn borrow_fd<T: AsRawFd>(owner: &T) -> BorrowedFd<'_> {
    // SAFETY: `owner` owns an open descriptor and keeps it open while it is borrowed, which
    // the returned lifetime guarantees; nobody closes it through a `BorrowedFd`.
    unsafe { BorrowedFd::borrow_raw(owner.as_raw_fd()) }
}
