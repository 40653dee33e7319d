//! Every raw CPython call of the project lives under this module.
//!
//! Conventions, so each `unsafe` block can state its assumption in one line:
//! * "attached" — the calling thread holds the GIL of the interpreter that owns the objects
//!   touched (for a core: its own sub-interpreter; see `interpreter::Attached`).
//! * A `PyObj` is a strong reference; it must be dropped while attached to its interpreter.

pub mod app;
pub mod core;
pub mod interpreter;
pub mod json;
pub mod module;
pub mod native_plan;
pub mod object;
pub mod request;
pub mod schema;
pub mod shared;
pub mod testing;
