//! Interpreters and the threads attached to them.
//!
//! Own-GIL mode (the default): each core thread creates a sub-interpreter with its own GIL
//! (PEP 684) and is the only thread that ever attaches to it, so attaching never waits.
//! Shared-GIL mode (`FASTERAPI_SHARED_GIL=1`, a diagnostic): each core gets a thread state
//! of the *main* interpreter, and all cores take turns on its one GIL.

use pyo3_ffi as ffi;
use std::cell::Cell;
use std::sync::Mutex;

use super::object::{self, PyObj};

/// Interpreter creation and teardown run one at a time, process-wide: CPython's own
/// bookkeeping for them is not meant for concurrent creation. Never on the request path.
static LIFECYCLE: Mutex<()> = Mutex::new(());

/// How a core runs Python.
pub struct CoreInterpreter {
    /// This core thread's state in the interpreter it serves.
    tstate: *mut ffi::PyThreadState,
    /// Own-GIL mode only: this thread's state in the main interpreter, used to create and to
    /// end the sub-interpreter.
    main_tstate: Option<*mut ffi::PyThreadState>,
    id: i64,
    ended: Cell<bool>,
}

/// Proof that the calling thread is attached (holds the GIL of the interpreter whose objects
/// it touches). [`CoreInterpreter::with`] makes one for the length of a synchronous closure:
/// no `.await` can happen while it exists, so an attachment is never held across one.
/// [`MainInterpreter::attached`] makes one on the serving thread, and code that CPython calls
/// (module functions, getters, callbacks) makes one with [`Attached::assume`]. Helpers that
/// need the GIL take it, and are safe functions.
pub struct Attached<'a> {
    _scope: std::marker::PhantomData<&'a ()>,
    /// Not `Send`: the proof is only good on the thread that attached.
    _here: std::marker::PhantomData<*mut ()>,
}

thread_local! {
    /// Whether this thread is inside `CoreInterpreter::with` (attaching twice would deadlock).
    static ATTACHED: Cell<bool> = const { Cell::new(false) };
}

/// Whether the calling thread is attached through [`CoreInterpreter::with`].
pub fn is_attached() -> bool {
    ATTACHED.try_with(Cell::get).unwrap_or(false)
}

impl CoreInterpreter {
    /// Creates a sub-interpreter with its own GIL on the calling (core) thread and leaves the
    /// thread attached to it. The main interpreter must be initialised and its GIL free.
    pub fn new_own_gil() -> Result<CoreInterpreter, String> {
        let _guard = LIFECYCLE.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: this thread has no thread state yet. We make one for the main interpreter
        // and attach it (taking the main GIL, which the serving thread released), because
        // Py_NewInterpreterFromConfig must be called attached. On success it swaps us to the
        // new interpreter's thread state with its own GIL held, and leaves the main GIL released.
        unsafe {
            let main_tstate = ffi::PyThreadState_New(ffi::PyInterpreterState_Main());
            if main_tstate.is_null() {
                return Err("cannot create a thread state for the main interpreter".into());
            }
            ffi::PyEval_RestoreThread(main_tstate);
            let config = ffi::PyInterpreterConfig {
                use_main_obmalloc: 0,
                allow_fork: 0,
                allow_exec: 0,
                allow_threads: 1,
                allow_daemon_threads: 0,
                check_multi_interp_extensions: 1,
                gil: ffi::PyInterpreterConfig_OWN_GIL,
            };
            let mut tstate: *mut ffi::PyThreadState = std::ptr::null_mut();
            let status = ffi::Py_NewInterpreterFromConfig(&mut tstate, &config);
            if ffi::PyStatus_Exception(status) != 0 || tstate.is_null() {
                let why = if status.err_msg.is_null() {
                    "unknown error".to_owned()
                } else {
                    std::ffi::CStr::from_ptr(status.err_msg).to_string_lossy().into_owned()
                };
                // Still attached to the main interpreter: clean up our thread state there.
                ffi::PyThreadState_Clear(main_tstate);
                ffi::PyThreadState_DeleteCurrent();
                return Err(format!("cannot create a sub-interpreter: {why}"));
            }
            let id = ffi::PyInterpreterState_GetID(ffi::PyInterpreterState_Get());
            Ok(CoreInterpreter { tstate, main_tstate: Some(main_tstate), id, ended: Cell::new(false) })
        }
    }

    /// Shared-GIL mode: a thread state of the main interpreter for this core thread, attached.
    pub fn new_shared_main() -> Result<CoreInterpreter, String> {
        // SAFETY: the main interpreter exists; this thread has no thread state yet. Attaching
        // takes the one shared GIL (the serving thread released it).
        unsafe {
            let tstate = ffi::PyThreadState_New(ffi::PyInterpreterState_Main());
            if tstate.is_null() {
                return Err("cannot create a thread state for the main interpreter".into());
            }
            ffi::PyEval_RestoreThread(tstate);
            let id = ffi::PyInterpreterState_GetID(ffi::PyInterpreterState_Main());
            Ok(CoreInterpreter { tstate, main_tstate: None, id, ended: Cell::new(false) })
        }
    }

    /// The interpreter's id, as Python's `interpreters` module reports it (0 = main).
    pub fn id(&self) -> i64 {
        self.id
    }

    pub fn owns_gil(&self) -> bool {
        self.main_tstate.is_some()
    }

    /// Runs `f` attached to this interpreter on the calling (core) thread, then detaches.
    /// Between two calls the GIL is free, so other Python threads of the interpreter (the
    /// blocking pool, threads the app started) run while the core waits for I/O.
    ///
    /// # Panics
    /// If the thread is already attached (a nested call would deadlock on the GIL).
    pub fn with<R>(&self, f: impl FnOnce(&Attached<'_>) -> R) -> R {
        assert!(!is_attached(), "fasterapi: nested attach to the core's interpreter");
        // SAFETY: `tstate` belongs to this thread and is not current: every attachment goes
        // through here and ends below, and creation ends with `detach_after_setup`.
        unsafe { ffi::PyEval_RestoreThread(self.tstate) };
        ATTACHED.with(|a| a.set(true));
        let attached = Attached { _scope: std::marker::PhantomData, _here: std::marker::PhantomData };
        // Detach even if `f` panics.
        struct Detach;
        impl Drop for Detach {
            fn drop(&mut self) {
                ATTACHED.with(|a| a.set(false));
                // SAFETY: attached by `with` on this thread; this releases that GIL.
                unsafe { ffi::PyEval_SaveThread() };
            }
        }
        let _detach = Detach;
        f(&attached)
    }

    /// Marks the end of setup, which runs attached: from now on each request attaches itself.
    pub fn detach_after_setup(&self) {
        // SAFETY: called once, right after creation/setup, while attached with `tstate`.
        let saved = unsafe { ffi::PyEval_SaveThread() };
        debug_assert_eq!(saved, self.tstate);
    }

    /// Ends the interpreter (own-GIL) or deletes this core's thread state (shared), on the
    /// core thread at shutdown. Objects still referenced from Rust die with the interpreter.
    pub fn end(&self) {
        if self.ended.replace(true) {
            return;
        }
        let _guard = LIFECYCLE.lock().unwrap_or_else(|p| p.into_inner());
        // SAFETY: runs on the core thread, detached. Own-GIL: attach the sub-interpreter, end
        // it (which leaves no current thread state), then attach our main-interpreter thread
        // state and delete it. Shared: attach and delete our main-interpreter thread state.
        unsafe {
            ffi::PyEval_RestoreThread(self.tstate);
            match self.main_tstate {
                Some(main_tstate) => {
                    ffi::Py_EndInterpreter(self.tstate);
                    ffi::PyEval_RestoreThread(main_tstate);
                    ffi::PyThreadState_Clear(main_tstate);
                    ffi::PyThreadState_DeleteCurrent();
                }
                None => {
                    ffi::PyThreadState_Clear(self.tstate);
                    ffi::PyThreadState_DeleteCurrent();
                }
            }
        }
    }
}

impl<'a> Attached<'a> {
    /// The proof for code that CPython itself calls (a native function, a getter, a
    /// callback): the caller holds the GIL by definition.
    ///
    /// # Safety
    /// The calling thread is attached (it is running Python code), for as long as the proof
    /// is used.
    pub unsafe fn assume() -> Attached<'a> {
        Attached { _scope: std::marker::PhantomData, _here: std::marker::PhantomData }
    }

    /// Replaces `sys.path` with `paths` (the main interpreter's), so the app and its
    /// dependencies import in the sub-interpreter exactly as they did in the main one.
    pub fn set_sys_path(&self, paths: &[String]) -> Result<(), String> {
        let a = self;
        // SAFETY: attached (self).
        unsafe {
            let list = PyObj::from_owned(ffi::PyList_New(0)).ok_or_else(|| object::take_error_line(a))?;
            for p in paths {
                let s = object::new_str(a, p).ok_or_else(|| object::take_error_line(a))?;
                if ffi::PyList_Append(list.as_ptr(), s.as_ptr()) != 0 {
                    return Err(object::take_error_line(a));
                }
            }
            if ffi::PySys_SetObject(crate::cstr!("path").as_ptr(), list.as_ptr()) != 0 {
                return Err(object::take_error_line(a));
            }
            Ok(())
        }
    }
}

/// Proof that the calling thread is attached to the main interpreter (the thread that
/// called `_native.serve`). Not `Send`: the proof is only good on that thread.
pub struct MainInterpreter {
    _on_this_thread: std::marker::PhantomData<*mut ()>,
}

impl MainInterpreter {
    /// # Safety
    /// The calling thread is attached to the main interpreter, and stays so while the value
    /// lives (except inside `detached`).
    pub unsafe fn assume_attached() -> MainInterpreter {
        MainInterpreter { _on_this_thread: std::marker::PhantomData }
    }

    /// The proof of attachment on this thread (the main interpreter's).
    pub fn attached(&self) -> Attached<'_> {
        Attached { _scope: std::marker::PhantomData, _here: std::marker::PhantomData }
    }

    /// Imports modules the sub-interpreters would otherwise initialise concurrently for the
    /// first time (their static state is shared process-wide in CPython 3.12/3.13).
    pub fn preload(&self) -> Result<(), String> {
        let a = &self.attached();
        for name in [crate::cstr!("decimal"), crate::cstr!("_datetime"), crate::cstr!("asyncio")] {
            if object::import(a, name).is_none() {
                return Err(object::take_error_line(a));
            }
        }
        Ok(())
    }

    /// The main interpreter's `sys.path`.
    pub fn sys_path(&self) -> Vec<String> {
        // SAFETY: attached to the main interpreter (self); `list` and its items are borrowed
        // references that stay alive while we hold the GIL and call nothing that runs Python.
        unsafe {
            let list = ffi::PySys_GetObject(crate::cstr!("path").as_ptr());
            if list.is_null() || ffi::PyList_Check(list) == 0 {
                return Vec::new();
            }
            (0..ffi::PyList_Size(list))
                .filter_map(|i| {
                    let item = ffi::PyList_GetItem(list, i);
                    if ffi::PyUnicode_Check(item) != 0 {
                        object::str_utf8(item).map(|b| String::from_utf8_lossy(b).into_owned())
                    } else {
                        None
                    }
                })
                .collect()
        }
    }

    /// Runs `f` with the main GIL released, so the core threads can create their
    /// interpreters (and, in shared-GIL mode, take turns on it).
    pub fn detached<R>(&self, f: impl FnOnce() -> R) -> R {
        // SAFETY: attached (self); the thread state saved here is restored on this same
        // thread before returning, even if `f` panics.
        struct Reattach(*mut ffi::PyThreadState);
        impl Drop for Reattach {
            fn drop(&mut self) {
                // SAFETY: `self.0` came from PyEval_SaveThread on this thread.
                unsafe { ffi::PyEval_RestoreThread(self.0) }
            }
        }
        let _reattach = Reattach(unsafe { ffi::PyEval_SaveThread() });
        f()
    }
}
