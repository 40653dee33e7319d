//! The Python bridge: embeds CPython in the server.
//!
//! * [`cpython`] is the only module with raw CPython calls and `unsafe`: interpreters, the
//!   native module `fasterapi._native` (request object, JSON), and calling the app.
//! * [`serve`] wires the runtime, the server and one interpreter per core together.
//! * [`handler`] is the server's `Handler` implemented by calling into Python.
//!
//! The bridge knows nothing of sockets: it gets parsed requests and writes responses through
//! the server's `ResponseWriter`.

pub mod config;
pub mod cpython;
pub mod handler;
pub mod serve;

/// Entry point CPython looks up when importing `fasterapi._native`.
///
/// # Safety
/// Called by the import machinery with the GIL of the importing interpreter held.
#[no_mangle]
pub unsafe extern "C" fn PyInit__native() -> *mut pyo3_ffi::PyObject {
    cpython::module::init()
}
