//! Native validation and serialization of models and annotated types (`fasterapi._native.schema_*`).
//!
//! pydantic-core cannot load in own-GIL sub-interpreters, so this is our own: the Python type
//! layer (`fasterapi/_types.py`) describes each type once; `fasterapi/_native_schema.py`
//! compiles the description into a spec of nested tuples; `node.rs` reads the spec into a
//! tree of `Node`s held by a capsule; `validate.rs` and `dump.rs` execute it. Models live in
//! their own capsules (`schema_model_core`), defined after creation, so models may refer to
//! themselves and to each other in any order.

pub mod direct;
pub mod dump;
pub mod errors;
pub mod fast_leaf;
pub mod lazy;
pub mod node;
pub mod validate;

use pyo3_ffi as ffi;

use std::ffi::{c_void, CStr};
use std::ptr;

use super::interpreter::Attached;
use super::json;
use super::module::ModuleState;
use super::object::{self, Exc, PyObj};
use errors::{Run, Stop};
use node::{ModelCore, Node};

const SCHEMA_CAPSULE: &CStr = c"fasterapi.schema";
const MODEL_CAPSULE: &CStr = c"fasterapi.model";

/// A compiled type: its node tree and the title of its validation errors.
struct Schema {
    node: Node,
    title: PyObj,
}

unsafe extern "C" fn drop_schema(capsule: *mut ffi::PyObject) {
    // SAFETY: the capsule's destructor, attached; the pointer came from Box::into_raw.
    let p = ffi::PyCapsule_GetPointer(capsule, SCHEMA_CAPSULE.as_ptr()) as *mut Schema;
    if !p.is_null() {
        drop(Box::from_raw(p));
    }
}

unsafe extern "C" fn drop_model(capsule: *mut ffi::PyObject) {
    // SAFETY: the capsule's destructor, attached; the pointer came from Box::into_raw.
    let p = ffi::PyCapsule_GetPointer(capsule, MODEL_CAPSULE.as_ptr()) as *mut ModelCore;
    if !p.is_null() {
        drop(Box::from_raw(p));
    }
}

/// The ModelCore inside a model capsule.
///
/// # Safety
/// Attached; `capsule` is a valid object.
pub unsafe fn model_core_ptr(capsule: *mut ffi::PyObject) -> Option<*const ModelCore> {
    if ffi::PyCapsule_IsValid(capsule, MODEL_CAPSULE.as_ptr()) == 0 {
        return None;
    }
    Some(ffi::PyCapsule_GetPointer(capsule, MODEL_CAPSULE.as_ptr()) as *const ModelCore)
}

unsafe fn schema<'a>(capsule: *mut ffi::PyObject) -> Option<&'a Schema> {
    let found = schema_if_valid(capsule);
    if found.is_none() {
        object::raise(&Attached::assume(), Exc::Type, "expected a compiled schema");
    }
    found
}

/// A schema capsule's contents, or `None` (no exception) for any other object.
unsafe fn schema_if_valid<'a>(capsule: *mut ffi::PyObject) -> Option<&'a Schema> {
    if ffi::PyCapsule_IsValid(capsule, SCHEMA_CAPSULE.as_ptr()) == 0 {
        return None;
    }
    Some(&*(ffi::PyCapsule_GetPointer(capsule, SCHEMA_CAPSULE.as_ptr()) as *const Schema))
}

/// The node of a schema capsule (a model class's `__fasterapi_schema__`).
///
/// # Safety
/// Attached; `capsule` is a valid object.
pub unsafe fn schema_node<'a>(capsule: *mut ffi::PyObject) -> Option<&'a Node> {
    schema(capsule).map(|s| &s.node)
}

/// `(ValidationError, FAILED, to_jsonable)`, registered once per interpreter by `schema_setup`.
unsafe fn support(module: *mut ffi::PyObject) -> Option<*mut ffi::PyObject> {
    let state = ffi::PyModule_GetState(module) as *mut ModuleState;
    if state.is_null() || (*state).schema_support.is_null() {
        object::raise(&Attached::assume(), Exc::Runtime, "fasterapi._native.schema_setup() was not called");
        return None;
    }
    Some((*state).schema_support)
}

unsafe fn arg_count(name: &str, nargs: ffi::Py_ssize_t, expected: ffi::Py_ssize_t) -> Option<()> {
    arg_range(name, nargs, expected, expected)
}

/// `Some(())` if `min <= nargs <= max`, else a `TypeError` naming the function.
unsafe fn arg_range(name: &str, nargs: ffi::Py_ssize_t, min: ffi::Py_ssize_t, max: ffi::Py_ssize_t) -> Option<()> {
    if (min..=max).contains(&nargs) {
        return Some(());
    }
    let takes = if min == max { format!("{min}") } else { format!("{min} to {max}") };
    object::raise(&Attached::assume(), Exc::Type, &format!("{name}() takes {takes} arguments ({nargs} given)"));
    None
}

/// `schema_setup(ValidationError, FAILED, to_jsonable)`.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_setup(
    m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached; `args` holds `nargs` borrowed objects.
    if arg_count("schema_setup", nargs, 3).is_none() {
        return ptr::null_mut();
    }
    let tuple = ffi::PyTuple_Pack(3, *args, *args.add(1), *args.add(2));
    if tuple.is_null() {
        return ptr::null_mut();
    }
    let state = ffi::PyModule_GetState(m) as *mut ModuleState;
    let old = std::mem::replace(&mut (*state).schema_support, tuple);
    if !old.is_null() {
        ffi::Py_DECREF(old);
    }
    none()
}

unsafe fn none() -> *mut ffi::PyObject {
    ffi::Py_INCREF(ffi::Py_None());
    ffi::Py_None()
}

/// `schema_model_core() -> capsule`: a model to be defined later (see `schema_define_model`).
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_model_core(_m: *mut ffi::PyObject, _unused: *mut ffi::PyObject) -> *mut ffi::PyObject {
    // SAFETY: METH_NOARGS function, attached.
    let core = Box::into_raw(Box::new(ModelCore::new()));
    let capsule = ffi::PyCapsule_New(core as *mut c_void, MODEL_CAPSULE.as_ptr(), Some(drop_model));
    if capsule.is_null() {
        drop(Box::from_raw(core));
    }
    capsule
}

/// `schema_define_model(core, spec)`.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_define_model(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached.
    let a = &Attached::assume();
    if arg_count("schema_define_model", nargs, 2).is_none() {
        return ptr::null_mut();
    }
    let Some(core) = model_core_ptr(*args) else {
        object::raise(a, Exc::Type, "expected a model core");
        return ptr::null_mut();
    };
    match node::read_model(*args.add(1)).and_then(|body| (*core).set(body)) {
        Ok(()) => none(),
        Err(e) => {
            if ffi::PyErr_Occurred().is_null() {
                object::raise(a, Exc::Value, &e);
            }
            ptr::null_mut()
        }
    }
}

/// `schema_compile(spec, title) -> capsule`.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_compile(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached.
    let a = &Attached::assume();
    if arg_count("schema_compile", nargs, 2).is_none() {
        return ptr::null_mut();
    }
    let node = match node::read_node(*args) {
        Ok(node) => node,
        Err(e) => {
            if ffi::PyErr_Occurred().is_null() {
                object::raise(a, Exc::Value, &e);
            }
            return ptr::null_mut();
        }
    };
    let raw = Box::into_raw(Box::new(Schema { node, title: PyObj::from_borrowed(*args.add(1)) }));
    let capsule = ffi::PyCapsule_New(raw as *mut c_void, SCHEMA_CAPSULE.as_ptr(), Some(drop_schema));
    if capsule.is_null() {
        drop(Box::from_raw(raw));
    }
    capsule
}

/// Raises `ValidationError(title, errors)`.
unsafe fn raise_validation_error(support: *mut ffi::PyObject, title: &PyObj, errors: &PyObj) {
    let cls = ffi::PyTuple_GetItem(support, 0);
    let args = [title.as_ptr(), errors.as_ptr()];
    let exc = ffi::PyObject_Vectorcall(cls, args.as_ptr(), 2, ptr::null_mut());
    if !exc.is_null() {
        ffi::PyErr_SetRaisedException(exc);
    }
}

/// Runs a validation and turns its outcome into a return value or a raised error.
unsafe fn finish(
    support: *mut ffi::PyObject,
    s: &Schema,
    run: &Run,
    outcome: Result<PyObj, Stop>,
) -> *mut ffi::PyObject {
    match outcome {
        Ok(value) => value.into_ptr(),
        Err(Stop::Raised) => ptr::null_mut(),
        Err(Stop::Invalid) => {
            raise_validation_error(support, &s.title, &run.errors);
            ptr::null_mut()
        }
    }
}

unsafe fn prefix_arg(obj: *mut ffi::PyObject) -> Option<PyObj> {
    (obj != ffi::Py_None() && ffi::PyTuple_Check(obj) != 0).then(|| PyObj::from_borrowed(obj))
}

/// `schema_validate(schema, value, from_json, loc_prefix[, strict[, from_attributes]]) -> value`;
/// raises ValidationError.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_validate(
    m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached.
    if arg_range("schema_validate", nargs, 4, 6).is_none() {
        return ptr::null_mut();
    }
    let (Some(s), Some(support)) = (schema(*args), support(m)) else { return ptr::null_mut() };
    let json = ffi::PyObject_IsTrue(*args.add(2)) == 1;
    let Some(mut run) = Run::new(json, prefix_arg(*args.add(3)), ffi::PyTuple_GetItem(support, 1)) else {
        return ptr::null_mut();
    };
    run.strict = nargs > 4 && ffi::PyObject_IsTrue(*args.add(4)) == 1;
    run.from_attributes = nargs > 5 && ffi::PyObject_IsTrue(*args.add(5)) == 1;
    let outcome = validate::validate(&s.node, *args.add(1), &mut run);
    finish(support, s, &run, outcome)
}

/// `schema_validate_json(schema, data, loc_prefix[, strict]) -> value`: parse, then validate in
/// JSON mode; invalid JSON is a `json_invalid` validation error, as in pydantic.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_validate_json(
    m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached; `input` borrows from `data`, alive for the call.
    if arg_range("schema_validate_json", nargs, 3, 4).is_none() {
        return ptr::null_mut();
    }
    let (Some(s), Some(support)) = (schema(*args), support(m)) else { return ptr::null_mut() };
    let data = *args.add(1);
    let input = match object::text_bytes(data) {
        object::TextInput::Bytes(input) => input,
        object::TextInput::WrongType => {
            object::raise(&Attached::assume(), Exc::Type, "JSON input should be string, bytes or bytearray");
            return ptr::null_mut();
        }
        object::TextInput::Raised => return ptr::null_mut(),
    };
    let Some(mut run) = Run::new(true, prefix_arg(*args.add(2)), ffi::PyTuple_GetItem(support, 1)) else {
        return ptr::null_mut();
    };
    run.strict = nargs > 3 && ffi::PyObject_IsTrue(*args.add(3)) == 1;
    if let Some(value) = direct::validate_json(&s.node, input, &mut run) {
        return value.into_ptr();
    }
    if !ffi::PyErr_Occurred().is_null() {
        return ptr::null_mut();
    }
    let parsed = match json::decode(input) {
        Ok(value) => value,
        Err(Err(())) => return ptr::null_mut(),
        Err(Ok(e)) => {
            // pydantic's parser also takes NaN, Infinity and -Infinity, as Python's json does:
            // a document only the stdlib accepts is validated from the stdlib's values.
            let special = |t: &[u8]| input.windows(t.len()).any(|w| w == t);
            let value = if special(b"NaN") || special(b"Infinity") { stdlib_loads(data) } else { None };
            if let Some(value) = value {
                let outcome = validate::validate(&s.node, value.as_ptr(), &mut run);
                return finish(support, s, &run, outcome);
            }
            let detail = format!("{} at line {} column {}", e.message, e.line, e.column);
            let ctx = match errors::str_obj(&detail) {
                Some(c) => c,
                None => return ptr::null_mut(),
            };
            let stop = run.fail("json_invalid", &format!("Invalid JSON: {detail}"), data, &[(c"error", ctx)]);
            return finish(support, s, &run, Err(stop));
        }
    };
    let outcome = validate::validate(&s.node, parsed.as_ptr(), &mut run);
    finish(support, s, &run, outcome)
}

/// `schema_validate_json_lazy(schema, data, by_alias) -> instance | None`: a model instance
/// whose fields are made on first use (`lazy.rs`), or `None` when the document is outside the
/// lazy subset or invalid (the caller then runs `schema_validate_json`, which words errors).
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_validate_json_lazy(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached; `input` borrows from `data`, alive for the call.
    if arg_count("schema_validate_json_lazy", nargs, 3).is_none() {
        return ptr::null_mut();
    }
    let Some(s) = schema(*args) else { return ptr::null_mut() };
    let none = || PyObj::from_borrowed(ffi::Py_None()).into_ptr();
    let Node::Model(model) = &s.node else { return none() };
    let Some(body) = model.core() else { return none() };
    let Some(slots) = body.slots else { return none() };
    let data = *args.add(1);
    let object::TextInput::Bytes(input) = object::text_bytes(data) else {
        ffi::PyErr_Clear();
        return none();
    };
    let by_alias = ffi::PyObject_IsTrue(*args.add(2)) == 1;
    if !body.lazy.wanted() {
        return none();
    }
    let Some(written) = lazy::check_and_write(body, input, by_alias) else {
        ffi::PyErr_Clear();
        return none();
    };
    let a = &Attached::assume();
    let Some(written) = object::new_bytes(a, &written) else { return ptr::null_mut() };
    let flag = PyObj::from_borrowed(if by_alias { ffi::Py_True() } else { ffi::Py_False() });
    let Some(state) = PyObj::from_owned(ffi::PyTuple_Pack(4, *args, data, written.as_ptr(), flag.as_ptr())) else {
        return ptr::null_mut();
    };
    // Made as `validate::construct` makes an instance (no `__init__`), without field values:
    // `__pydantic_fields_set__` and `__pydantic_extra__` stay unset, so reading them, like any
    // field, reaches `BaseModel.__getattr__`, which materialises the instance.
    let Some(new) = (*ptr::addr_of!(ffi::PyBaseObject_Type)).tp_new else { return ptr::null_mut() };
    let Some(empty) = PyObj::from_owned(ffi::PyTuple_New(0)) else { return ptr::null_mut() };
    let Some(instance) = PyObj::from_owned(new(body.cls.as_ptr().cast(), empty.as_ptr(), ptr::null_mut())) else {
        return ptr::null_mut();
    };
    drop(slots.replace_lazy(instance.as_ptr(), state)); // the slot was NULL
    body.lazy.count_made();
    instance.into_ptr()
}

/// `schema_lazy_eligible(schema) -> bool`: whether bodies of this model can take the lazy pass.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_lazy_eligible(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached.
    if arg_count("schema_lazy_eligible", nargs, 1).is_none() {
        return ptr::null_mut();
    }
    let Some(s) = schema(*args) else { return ptr::null_mut() };
    let eligible = match &s.node {
        Node::Model(model) => model.core().is_some_and(|body| lazy::eligible(body)),
        _ => false,
    };
    ffi::PyErr_Clear();
    PyObj::from_borrowed(if eligible { ffi::Py_True() } else { ffi::Py_False() }).into_ptr()
}

/// `schema_lazy_stats(schema[, reset]) -> (made, materialised, paused)`: how the model's lazy
/// instances are being used (`lazy::LazySlot`); `reset=True` starts a new window, unpaused.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_lazy_stats(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached.
    if arg_range("schema_lazy_stats", nargs, 1, 2).is_none() {
        return ptr::null_mut();
    }
    let Some(s) = schema(*args) else { return ptr::null_mut() };
    let reset = nargs > 1 && ffi::PyObject_IsTrue(*args.add(1)) == 1;
    let Node::Model(model) = &s.node else {
        object::raise(&Attached::assume(), Exc::Type, "schema_lazy_stats() needs a model's schema");
        return ptr::null_mut();
    };
    let (made, materialised, paused) = model.core().map_or((0, 0, 0), |body| body.lazy.stats(reset));
    let item = |v: u32| ffi::PyLong_FromUnsignedLong(v.into());
    ffi::Py_BuildValue(c"(NNN)".as_ptr(), item(made), item(materialised), item(paused))
}

/// `schema_take_lazy(instance) -> state | None`: a lazy model instance's
/// `(schema, data, json, by_alias)`, cleared from the instance (which the caller then fills);
/// `None` for an instance that has its fields.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_take_lazy(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached; the offsets are read from the instance's own class.
    if arg_count("schema_take_lazy", nargs, 1).is_none() {
        return ptr::null_mut();
    }
    let Some(slot) = node::lazy_slot(*args) else { return ptr::null_mut() };
    let state = *slot;
    if state.is_null() || state == ffi::Py_None() {
        return PyObj::from_borrowed(ffi::Py_None()).into_ptr();
    }
    // The slot's reference passes to the caller; the slot keeps a new one to None.
    *slot = PyObj::from_borrowed(ffi::Py_None()).into_ptr();
    // Counted against the model's lazy instances (`lazy::LazySlot`). The state was made by
    // `schema_validate_json_lazy`: a tuple whose first item is the model's schema.
    if ffi::PyTuple_Check(state) != 0 && ffi::PyTuple_Size(state) == 4 {
        if let Some(Node::Model(model)) = schema_if_valid(ffi::PyTuple_GetItem(state, 0)).map(|s| &s.node) {
            if let Some(body) = model.core() {
                body.lazy.count_materialised();
            }
        }
    }
    state
}

/// `schema_instance_dict(obj) -> dict`: the instance's own `__dict__`, read as `object` reads
/// it (BaseModel subclasses define a `__dict__` property that materialises lazy instances first).
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_instance_dict(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached; GenericGetDict checks the object has a dict.
    if arg_count("schema_instance_dict", nargs, 1).is_none() {
        return ptr::null_mut();
    }
    ffi::PyObject_GenericGetDict(*args, ptr::null_mut())
}

/// `schema_set_instance_dict(obj, dict)`: replaces the instance's own `__dict__` (see above).
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_set_instance_dict(
    _m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached; GenericSetDict checks both objects.
    if arg_count("schema_set_instance_dict", nargs, 2).is_none() {
        return ptr::null_mut();
    }
    if ffi::PyObject_GenericSetDict(*args, *args.add(1), ptr::null_mut()) != 0 {
        return ptr::null_mut();
    }
    PyObj::from_borrowed(ffi::Py_None()).into_ptr()
}

/// Reads `(schema, value, json, by_alias, exclude_unset, exclude_defaults, exclude_none, include, exclude)`.
unsafe fn dump_args<'a>(
    m: *mut ffi::PyObject,
    name: &str,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> Option<(&'a Schema, *mut ffi::PyObject, dump::Options, dump::Filter)> {
    arg_count(name, nargs, 9)?;
    let s = schema(*args)?;
    let support = support(m)?;
    let truth = |i: usize| ffi::PyObject_IsTrue(*args.add(i)) == 1;
    let options = dump::Options {
        json: truth(2),
        by_alias: truth(3),
        exclude_unset: truth(4),
        exclude_defaults: truth(5),
        exclude_none: truth(6),
        fallback: ffi::PyTuple_GetItem(support, 2),
    };
    let filter_arg = |i: usize| if *args.add(i) == ffi::Py_None() { ptr::null_mut() } else { *args.add(i) };
    Some((s, *args.add(1), options, dump::Filter { include: filter_arg(7), exclude: filter_arg(8) }))
}

/// `schema_dump(schema, value, json, by_alias, exclude_unset, exclude_defaults, exclude_none, include, exclude)`.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_dump(
    m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached.
    let Some((s, value, options, filter)) = dump_args(m, "schema_dump", args, nargs) else { return ptr::null_mut() };
    dump::dump(&s.node, value, options, filter, 0).map_or(ptr::null_mut(), PyObj::into_ptr)
}

/// `schema_dump_json(...)` with `schema_dump`'s arguments -> `bytes`.
///
/// # Safety
/// Called by CPython (METH_FASTCALL/METH_NOARGS), attached; `args` holds `nargs` objects.
pub unsafe extern "C" fn schema_dump_json(
    m: *mut ffi::PyObject,
    args: *const *mut ffi::PyObject,
    nargs: ffi::Py_ssize_t,
) -> *mut ffi::PyObject {
    // SAFETY: METH_FASTCALL function, attached.
    let Some((s, value, options, filter)) = dump_args(m, "schema_dump_json", args, nargs) else {
        return ptr::null_mut();
    };
    let mut out = Vec::with_capacity(256);
    match dump::write(&s.node, value, dump::Options { json: true, ..options }, filter, &mut out, 0) {
        Ok(()) => object::new_bytes(&Attached::assume(), &out).map_or(ptr::null_mut(), PyObj::into_ptr),
        Err(()) => ptr::null_mut(),
    }
}

/// `json.loads(data)`, or `None` (no exception left pending) if the stdlib refuses it too.
unsafe fn stdlib_loads(data: *mut ffi::PyObject) -> Option<PyObj> {
    let a = &Attached::assume();
    let module = object::import(a, c"json");
    let loads = module.and_then(|m| object::getattr(m.as_ptr(), c"loads"));
    let value = loads.and_then(|f| PyObj::from_owned(ffi::PyObject_CallOneArg(f.as_ptr(), data)));
    if value.is_none() {
        ffi::PyErr_Clear();
    }
    value
}
