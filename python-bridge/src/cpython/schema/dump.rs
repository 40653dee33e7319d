//! Serialization: a validated value turned back into Python objects (`model_dump`, mode
//! "python" or "json") or written straight to JSON bytes (`model_dump_json`, response
//! bodies), guided by the same compiled `Node` that validated it.
//!
//! Every function returns `None`/`Err(())` with a Python exception set on failure.

use pyo3_ffi as ffi;

use std::ptr;

use super::super::json;
use super::super::object::PyObj;
use super::node::{Construct, Default, Field, ModelBody, Node, SeqKind};

#[derive(Clone, Copy)]
pub struct Options {
    /// Produce JSON types (mode="json"); always true for bytes output.
    pub json: bool,
    pub by_alias: bool,
    pub exclude_unset: bool,
    pub exclude_defaults: bool,
    pub exclude_none: bool,
    /// `to_jsonable(value)` in Python, for values of no declared type that JSON cannot hold
    /// as they are (datetimes, UUIDs... inside an `Any`); borrowed for the call.
    pub fallback: *mut ffi::PyObject,
}

impl Options {
    /// What FastAPI's encoder uses for a model: JSON, by alias, nothing left out -- and no
    /// Python fallback (values that need it end the dump with an error; callers fall back).
    pub const ENCODER: Options = Options {
        json: true,
        by_alias: true,
        exclude_unset: false,
        exclude_defaults: false,
        exclude_none: false,
        fallback: ptr::null_mut(),
    };
}

/// `include`/`exclude` arguments: a set of names or a dict of name -> True | nested filter.
#[derive(Clone, Copy)]
pub struct Filter {
    pub include: *mut ffi::PyObject,
    pub exclude: *mut ffi::PyObject,
}

impl Filter {
    pub const NONE: Filter = Filter { include: ptr::null_mut(), exclude: ptr::null_mut() };

    /// Whether the item at `index` of a list is dumped, and the filter for it (int keys and
    /// `"__all__"` in a dict filter, as pydantic).
    unsafe fn index(&self, index: isize) -> Result<Option<Filter>, ()> {
        if self.include.is_null() && self.exclude.is_null() {
            return Ok(Some(Filter::NONE));
        }
        let key = PyObj::from_owned(ffi::PyLong_FromSsize_t(index)).ok_or(())?;
        let all = PyObj::from_owned(ffi::PyUnicode_FromString(c"__all__".as_ptr())).ok_or(())?;
        let mut next = Filter::NONE;
        if !self.include.is_null() {
            match lookup(self.include, key.as_ptr())?.or(lookup(self.include, all.as_ptr())?) {
                None => return Ok(None),
                Some(sub) => next.include = sub,
            }
        }
        if !self.exclude.is_null() {
            if let Some(sub) = lookup(self.exclude, key.as_ptr())?.or(lookup(self.exclude, all.as_ptr())?) {
                if sub.is_null() {
                    return Ok(None);
                }
                next.exclude = sub;
            }
        }
        Ok(Some(next))
    }

    /// Whether `name` is dumped, and the filter for its value.
    unsafe fn child(&self, name: *mut ffi::PyObject) -> Result<Option<Filter>, ()> {
        let mut next = Filter::NONE;
        if !self.include.is_null() {
            match lookup(self.include, name)? {
                None => return Ok(None),
                Some(sub) => next.include = sub,
            }
        }
        if !self.exclude.is_null() {
            if let Some(sub) = lookup(self.exclude, name)? {
                if sub.is_null() {
                    return Ok(None); // excluded entirely
                }
                next.exclude = sub;
            }
        }
        Ok(Some(next))
    }
}

/// In a set/dict filter: `None` absent; `Some(null)` present as a whole (`True` or a set
/// member); `Some(nested)` present with a nested filter.
unsafe fn lookup(filter: *mut ffi::PyObject, name: *mut ffi::PyObject) -> Result<Option<*mut ffi::PyObject>, ()> {
    if ffi::PyDict_Check(filter) != 0 {
        let found = ffi::PyDict_GetItemWithError(filter, name);
        if found.is_null() {
            return if ffi::PyErr_Occurred().is_null() { Ok(None) } else { Err(()) };
        }
        if found == ffi::Py_True() || found == ffi::Py_Ellipsis() {
            return Ok(Some(ptr::null_mut()));
        }
        return Ok(Some(found));
    }
    match ffi::PySequence_Contains(filter, name) {
        1 => Ok(Some(ptr::null_mut())),
        0 => Ok(None),
        _ => Err(()),
    }
}

const MAX_DEPTH: usize = 256;

unsafe fn depth_error() -> Option<PyObj> {
    ffi::PyErr_SetString(ffi::PyExc_ValueError, c"maximum nesting depth exceeded while serializing".as_ptr());
    None
}

// ---- to Python objects ----------------------------------------------------------------------

/// # Safety
/// Attached; `v` is a valid object.
pub unsafe fn dump(node: &Node, v: *mut ffi::PyObject, o: Options, f: Filter, depth: usize) -> Option<PyObj> {
    if depth > MAX_DEPTH {
        return depth_error();
    }
    match node {
        Node::None | Node::Bool { .. } | Node::Int(_) | Node::Str(_) => Some(PyObj::from_borrowed(v)),
        Node::Float { .. } => {
            // A float field holding an int (an unvalidated default): a float in JSON mode.
            if o.json && ffi::PyLong_Check(v) != 0 && ffi::PyBool_Check(v) == 0 {
                return PyObj::from_owned(ffi::PyNumber_Float(v));
            }
            Some(PyObj::from_borrowed(v))
        }
        Node::Any => dump_any(v, o, depth),
        Node::Nullable(inner) => {
            if v == ffi::Py_None() {
                Some(PyObj::from_borrowed(v))
            } else {
                dump(inner, v, o, f, depth)
            }
        }
        Node::Seq { kind, item, .. } => {
            let list = PyObj::from_owned(ffi::PySequence_List(v))?;
            let out = PyObj::from_owned(ffi::PyList_New(0))?;
            for i in 0..ffi::PyList_Size(list.as_ptr()) {
                let Some(child) = f.index(i).ok()? else { continue };
                let element = dump(item, ffi::PyList_GetItem(list.as_ptr(), i), o, child, depth + 1)?;
                ffi::PyList_Append(out.as_ptr(), element.as_ptr());
            }
            if o.json {
                return Some(out);
            }
            kind.collect(out)
        }
        Node::Tuple { items, .. } => {
            let list = PyObj::from_owned(ffi::PySequence_List(v))?;
            let out = PyObj::from_owned(ffi::PyList_New(0))?;
            for i in 0..ffi::PyList_Size(list.as_ptr()) {
                let element = ffi::PyList_GetItem(list.as_ptr(), i);
                let dumped = match items.get(i as usize) {
                    Some(n) => dump(n, element, o, Filter::NONE, depth + 1)?,
                    None => dump_any(element, o, depth + 1)?,
                };
                ffi::PyList_Append(out.as_ptr(), dumped.as_ptr());
            }
            if o.json {
                Some(out)
            } else {
                PyObj::from_owned(ffi::PyList_AsTuple(out.as_ptr()))
            }
        }
        Node::Dict { key, value, .. } => {
            if ffi::PyDict_Check(v) == 0 {
                return dump_any(v, o, depth);
            }
            let out = PyObj::from_owned(ffi::PyDict_New())?;
            let (mut pos, mut k, mut val) = (0, ptr::null_mut(), ptr::null_mut());
            while ffi::PyDict_Next(v, &mut pos, &mut k, &mut val) != 0 {
                let (k, val) = (PyObj::from_borrowed(k), PyObj::from_borrowed(val));
                let mut dk = dump(key, k.as_ptr(), o, Filter::NONE, depth + 1)?;
                if o.json && ffi::PyUnicode_Check(dk.as_ptr()) == 0 {
                    dk = json_key(dk.as_ptr())?;
                }
                let Some(child) = f.child(k.as_ptr()).ok()? else { continue };
                let dv = dump(value, val.as_ptr(), o, child, depth + 1)?;
                if ffi::PyDict_SetItem(out.as_ptr(), dk.as_ptr(), dv.as_ptr()) != 0 {
                    return None;
                }
            }
            Some(out)
        }
        Node::Union { members } | Node::Tagged { members, .. } => match members.iter().find(|(_, n)| accepts(n, v)) {
            Some((_, n)) => dump(n, v, o, f, depth),
            None => dump_any(v, o, depth),
        },
        Node::Choice(c) => {
            if o.json
                && c.enum_cls.is_some()
                && ffi::PyObject_TypeCheck(v, c.enum_cls.as_ref().unwrap().as_ptr().cast()) != 0
            {
                let value = PyObj::from_owned(ffi::PyObject_GetAttrString(v, c"value".as_ptr()))?;
                return dump_any(value.as_ptr(), o, depth);
            }
            Some(PyObj::from_borrowed(v))
        }
        Node::Model(m) => match m.core() {
            Some(body) if is_instance_for(body, v) => dump_model(body, v, o, f, depth),
            _ => dump_any(v, o, depth),
        },
        Node::Python { to_json, fast, instance, .. } => match (o.json, to_json) {
            (true, Some(convert)) => {
                if let Some(fast) = fast {
                    if ffi::Py_TYPE(v).cast() == instance.as_ptr() {
                        if let Some(text) = fast.to_json(v) {
                            return super::errors::str_obj(&text);
                        }
                    }
                }
                PyObj::from_owned(ffi::PyObject_CallOneArg(convert.as_ptr(), v))
            }
            _ => Some(PyObj::from_borrowed(v)),
        },
        Node::Validated { inner, .. } => dump(inner, v, o, f, depth),
    }
}

/// `str(key)` for JSON object keys that are not strings (ints, enums, UUIDs...).
unsafe fn json_key(k: *mut ffi::PyObject) -> Option<PyObj> {
    if k == ffi::Py_True() || k == ffi::Py_False() {
        return PyObj::from_owned(ffi::PyUnicode_FromString(
            if k == ffi::Py_True() { c"true" } else { c"false" }.as_ptr(),
        ));
    }
    if k == ffi::Py_None() {
        return PyObj::from_owned(ffi::PyUnicode_FromString(c"None".as_ptr()));
    }
    PyObj::from_owned(ffi::PyObject_Str(k))
}

/// Whether a union member's serializer applies to `v` (the first that does is used).
unsafe fn accepts(node: &Node, v: *mut ffi::PyObject) -> bool {
    match node {
        Node::Any => true,
        Node::Python { instance, .. } => ffi::PyObject_IsInstance(v, instance.as_ptr()) == 1,
        Node::None => v == ffi::Py_None(),
        Node::Bool { .. } => v == ffi::Py_True() || v == ffi::Py_False(),
        Node::Int(_) => ffi::PyLong_Check(v) != 0 && ffi::PyBool_Check(v) == 0,
        Node::Float { .. } => ffi::PyFloat_Check(v) != 0,
        Node::Str(_) => ffi::PyUnicode_Check(v) != 0,
        Node::Seq { kind: SeqKind::List, .. } => ffi::PyList_Check(v) != 0,
        Node::Seq { kind: SeqKind::Tuple, .. } | Node::Tuple { .. } => ffi::PyTuple_Check(v) != 0,
        Node::Seq { .. } => ffi::PyAnySet_Check(v) != 0,
        Node::Dict { .. } => ffi::PyDict_Check(v) != 0,
        Node::Nullable(inner) => v == ffi::Py_None() || accepts(inner, v),
        Node::Union { members } | Node::Tagged { members, .. } => members.iter().any(|(_, n)| accepts(n, v)),
        Node::Choice(c) => match &c.enum_cls {
            Some(cls) => ffi::PyObject_TypeCheck(v, cls.as_ptr().cast()) != 0,
            None => {
                let found = if ffi::PyObject_Hash(v) == -1 {
                    ptr::null_mut()
                } else {
                    ffi::PyDict_GetItemWithError(c.lookup.as_ptr(), v)
                };
                ffi::PyErr_Clear();
                !found.is_null()
            }
        },
        Node::Model(m) => m.core().is_some_and(|b| is_instance_for(b, v)),
        Node::Validated { inner, .. } => accepts(inner, v),
    }
}

unsafe fn is_instance_for(body: &ModelBody, v: *mut ffi::PyObject) -> bool {
    match body.construct {
        Construct::TypedDict => ffi::PyDict_Check(v) != 0,
        _ => ffi::PyObject_TypeCheck(v, body.cls.as_ptr().cast()) != 0,
    }
}

/// A value without a declared type: models and dataclasses are dumped by their own schema
/// (found on their class), containers item by item, other values as they are -- or, for
/// JSON, through the Python fallback encoder (`__fasterapi_to_json__` on the schema module).
unsafe fn dump_any(v: *mut ffi::PyObject, o: Options, depth: usize) -> Option<PyObj> {
    if depth > MAX_DEPTH {
        return depth_error();
    }
    if ffi::PyUnicode_CheckExact(v) != 0
        || ffi::PyLong_CheckExact(v) != 0
        || v == ffi::Py_None()
        || ffi::PyBool_Check(v) != 0
    {
        return Some(PyObj::from_borrowed(v));
    }
    if ffi::PyFloat_CheckExact(v) != 0 {
        if o.json && !ffi::PyFloat_AsDouble(v).is_finite() {
            return Some(PyObj::from_borrowed(ffi::Py_None())); // ser_json_inf_nan="null"
        }
        return Some(PyObj::from_borrowed(v));
    }
    if let Some(fields) = dataclass_fields(v)? {
        // A dataclass of no declared type: a dict of its fields (pydantic infers it).
        let out = PyObj::from_owned(ffi::PyDict_New())?;
        let (mut pos, mut k, mut val) = (0, ptr::null_mut(), ptr::null_mut());
        while ffi::PyDict_Next(fields.as_ptr(), &mut pos, &mut k, &mut val) != 0 {
            let value = PyObj::from_owned(ffi::PyObject_GetAttr(v, k))?;
            let dumped = dump_any(value.as_ptr(), o, depth + 1)?;
            ffi::PyDict_SetItem(out.as_ptr(), k, dumped.as_ptr());
        }
        return Some(out);
    }
    if let Some(schema) = class_schema(v)? {
        let node = super::schema_node(schema.as_ptr())?;
        return dump(node, v, o, Filter::NONE, depth + 1);
    }
    if ffi::PyList_Check(v) != 0 || ffi::PyTuple_Check(v) != 0 || (o.json && ffi::PyAnySet_Check(v) != 0) {
        let list = PyObj::from_owned(ffi::PySequence_List(v))?;
        let out = PyObj::from_owned(ffi::PyList_New(0))?;
        for i in 0..ffi::PyList_Size(list.as_ptr()) {
            let element = dump_any(ffi::PyList_GetItem(list.as_ptr(), i), o, depth + 1)?;
            ffi::PyList_Append(out.as_ptr(), element.as_ptr());
        }
        if !o.json && ffi::PyTuple_Check(v) != 0 {
            return PyObj::from_owned(ffi::PyList_AsTuple(out.as_ptr()));
        }
        return Some(out);
    }
    if ffi::PyDict_Check(v) != 0 {
        let out = PyObj::from_owned(ffi::PyDict_New())?;
        let (mut pos, mut k, mut val) = (0, ptr::null_mut(), ptr::null_mut());
        while ffi::PyDict_Next(v, &mut pos, &mut k, &mut val) != 0 {
            let (k, val) = (PyObj::from_borrowed(k), PyObj::from_borrowed(val));
            let mut dk = if o.json { dump_any(k.as_ptr(), o, depth + 1)? } else { PyObj::from_borrowed(k.as_ptr()) };
            if o.json && ffi::PyUnicode_Check(dk.as_ptr()) == 0 {
                dk = json_key(dk.as_ptr())?;
            }
            let dv = dump_any(val.as_ptr(), o, depth + 1)?;
            if ffi::PyDict_SetItem(out.as_ptr(), dk.as_ptr(), dv.as_ptr()) != 0 {
                return None;
            }
        }
        return Some(out);
    }
    if o.json {
        if o.fallback.is_null() {
            // `write_by_class` runs without the Python encoder; its caller falls back to it.
            ffi::PyErr_SetString(ffi::PyExc_TypeError, c"value needs the Python JSON encoder".as_ptr());
            return None;
        }
        return PyObj::from_owned(ffi::PyObject_CallOneArg(o.fallback, v));
    }
    Some(PyObj::from_borrowed(v))
}

/// A dataclass instance's `__dataclass_fields__` (name -> Field), if it is one.
unsafe fn dataclass_fields(v: *mut ffi::PyObject) -> Option<Option<PyObj>> {
    if ffi::PyType_Check(v) != 0 {
        return Some(None);
    }
    let ty = ffi::Py_TYPE(v) as *mut ffi::PyObject;
    let found = ffi::PyObject_GetAttrString(ty, c"__dataclass_fields__".as_ptr());
    if found.is_null() {
        ffi::PyErr_Clear();
        return Some(None);
    }
    let found = PyObj::from_owned(found)?;
    Some((ffi::PyDict_Check(found.as_ptr()) != 0).then_some(found))
}

/// The schema capsule a model or dataclass class carries (`__fasterapi_schema__`), if any.
unsafe fn class_schema(v: *mut ffi::PyObject) -> Option<Option<PyObj>> {
    let ty = ffi::Py_TYPE(v) as *mut ffi::PyObject;
    let found = ffi::PyObject_GetAttrString(ty, c"__fasterapi_schema__".as_ptr());
    if found.is_null() {
        if ffi::PyErr_ExceptionMatches(ffi::PyExc_AttributeError) != 0 {
            ffi::PyErr_Clear();
            return Some(None);
        }
        return None;
    }
    let found = PyObj::from_owned(found)?;
    if found.as_ptr() == ffi::Py_None() {
        return Some(None);
    }
    Some(Some(found))
}

/// The values of a model's fields, in order, with the keys they are dumped under.
struct ModelView {
    dict: PyObj,
    fields_set: Option<PyObj>,
    extra: Option<PyObj>,
}

unsafe fn view(body: &ModelBody, v: *mut ffi::PyObject) -> Option<ModelView> {
    match body.construct {
        Construct::TypedDict => Some(ModelView { dict: PyObj::from_borrowed(v), fields_set: None, extra: None }),
        Construct::Dataclass => {
            let dict = PyObj::from_owned(ffi::PyDict_New())?;
            for field in &body.fields {
                let value = PyObj::from_owned(ffi::PyObject_GetAttr(v, field.name.as_ptr()))?;
                ffi::PyDict_SetItem(dict.as_ptr(), field.name.as_ptr(), value.as_ptr());
            }
            Some(ModelView { dict, fields_set: None, extra: None })
        }
        Construct::Model => {
            materialize_if_lazy(body, v)?;
            let dict = PyObj::from_owned(ffi::PyObject_GenericGetDict(v, ptr::null_mut()))?;
            let (set, extra) = match &body.slots {
                Some(slots) => slots.get(v),
                None => (ptr::null_mut(), ptr::null_mut()),
            };
            let fields_set = (!set.is_null()).then(|| PyObj::from_borrowed(set));
            let extra = (!extra.is_null() && extra != ffi::Py_None()).then(|| PyObj::from_borrowed(extra));
            Some(ModelView { dict, fields_set, extra })
        }
    }
}

/// The JSON of an untouched lazy instance (`lazy.rs`), when it is what this dump would write:
/// the instance is exactly of the class (a parent's schema would write fewer fields), and the
/// options are the ones it was written with.
unsafe fn lazy_json<'a>(body: &ModelBody, v: *mut ffi::PyObject, o: Options, f: Filter) -> Option<&'a [u8]> {
    let state = body.slots.as_ref()?.lazy(v)?;
    let plain =
        f.include.is_null() && f.exclude.is_null() && !o.exclude_unset && !o.exclude_defaults && !o.exclude_none;
    let same_class = ffi::Py_TYPE(v).cast() == body.cls.as_ptr();
    let by_alias = ffi::PyTuple_GetItem(state, 3) == ffi::Py_True();
    if !(plain && same_class && by_alias == o.by_alias) {
        return None;
    }
    // SAFETY: the state tuple (held by the instance) holds the bytes; the caller copies them
    // before anything can release the instance.
    let json = ffi::PyTuple_GetItem(state, 2);
    let len = ffi::PyBytes_Size(json) as usize;
    Some(std::slice::from_raw_parts(ffi::PyBytes_AsString(json).cast::<u8>(), len))
}

/// Gives a lazy instance its fields (`BaseModel.__fasterapi_materialize__`) before they are read.
unsafe fn materialize_if_lazy(body: &ModelBody, v: *mut ffi::PyObject) -> Option<()> {
    let slots = body.slots.as_ref()?;
    if slots.lazy(v).is_some() {
        let name =
            super::super::object::intern(&super::super::interpreter::Attached::assume(), c"__fasterapi_materialize__")?;
        PyObj::from_owned(ffi::PyObject_CallMethodNoArgs(v, name.as_ptr()))?;
    }
    Some(())
}

/// Whether `field` is left out of the dump by the exclude_* options.
unsafe fn skipped(field: &Field, value: *mut ffi::PyObject, view: &ModelView, o: Options) -> Result<bool, ()> {
    if o.exclude_none && value == ffi::Py_None() {
        return Ok(true);
    }
    if o.exclude_unset {
        if let Some(set) = &view.fields_set {
            if ffi::PySet_Contains(set.as_ptr(), field.name.as_ptr()) == 0 {
                return Ok(true);
            }
        }
    }
    if o.exclude_defaults {
        let default = match &field.default {
            Default::Value(d) | Default::Copied(d) => Some(PyObj::from_borrowed(d.as_ptr())),
            Default::Factory(factory) => PyObj::from_owned(ffi::PyObject_CallNoArgs(factory.as_ptr())),
            _ => None,
        };
        if let Some(d) = default {
            match ffi::PyObject_RichCompareBool(value, d.as_ptr(), ffi::Py_EQ) {
                1 => return Ok(true),
                0 => {}
                _ => return Err(()),
            }
        }
    }
    Ok(false)
}

unsafe fn dump_model(body: &ModelBody, v: *mut ffi::PyObject, o: Options, f: Filter, depth: usize) -> Option<PyObj> {
    let view = view(body, v)?;
    let out = PyObj::from_owned(ffi::PyDict_New())?;
    for field in &body.fields {
        if field.exclude {
            continue;
        }
        let Some(child) = f.child(field.name.as_ptr()).ok()? else { continue };
        let value = ffi::PyDict_GetItemWithError(view.dict.as_ptr(), field.name.as_ptr());
        if value.is_null() {
            if !ffi::PyErr_Occurred().is_null() {
                return None;
            }
            continue; // an absent TypedDict key
        }
        let value = PyObj::from_borrowed(value);
        if skipped(field, value.as_ptr(), &view, o).ok()? {
            continue;
        }
        let dumped = dump(&field.node, value.as_ptr(), o, child, depth + 1)?;
        let key = match (&field.serialization_alias, o.by_alias) {
            (Some(alias), true) => alias.as_ptr(),
            _ => field.name.as_ptr(),
        };
        if ffi::PyDict_SetItem(out.as_ptr(), key, dumped.as_ptr()) != 0 {
            return None;
        }
    }
    if let Some(extra) = &view.extra {
        let (mut pos, mut k, mut val) = (0, ptr::null_mut(), ptr::null_mut());
        while ffi::PyDict_Next(extra.as_ptr(), &mut pos, &mut k, &mut val) != 0 {
            if f.child(k).ok()?.is_none() || (o.exclude_none && val == ffi::Py_None()) {
                continue;
            }
            let dv = dump_any(val, o, depth + 1)?;
            ffi::PyDict_SetItem(out.as_ptr(), k, dv.as_ptr());
        }
    }
    for (name, node, alias) in &body.computed {
        let Some(child) = f.child(name.as_ptr()).ok()? else { continue };
        let value = PyObj::from_owned(ffi::PyObject_GetAttr(v, name.as_ptr()))?;
        if o.exclude_none && value.as_ptr() == ffi::Py_None() {
            continue;
        }
        let dumped = dump(node, value.as_ptr(), o, child, depth + 1)?;
        let key = match (alias, o.by_alias) {
            (Some(alias), true) => alias.as_ptr(),
            _ => name.as_ptr(),
        };
        ffi::PyDict_SetItem(out.as_ptr(), key, dumped.as_ptr());
    }
    Some(out)
}

// ---- to JSON bytes --------------------------------------------------------------------------

/// A model (or dataclass) instance written as JSON by its own class's schema, with the options
/// FastAPI's encoder uses for a returned model (by alias, nothing excluded): `Ok(false)` when
/// the value has no schema. Values inside it that only the Python encoder can write end it
/// with an error (the caller then uses that encoder).
///
/// # Safety
/// Attached; `v` is a valid object.
#[allow(clippy::result_unit_err)]
pub unsafe fn write_by_class(v: *mut ffi::PyObject, out: &mut Vec<u8>) -> Result<bool, ()> {
    let Some(schema) = class_schema(v).ok_or(())? else { return Ok(false) };
    let node = super::schema_node(schema.as_ptr()).ok_or(())?;
    write(node, v, Options::ENCODER, Filter::NONE, out, 0).map(|()| true)
}

/// `Err(())`: a Python exception is pending (the caller returns NULL to CPython).
///
/// # Safety
/// Attached; `v` is a valid object.
#[allow(clippy::result_unit_err)]
pub unsafe fn write(
    node: &Node,
    v: *mut ffi::PyObject,
    o: Options,
    f: Filter,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), ()> {
    if depth > MAX_DEPTH {
        depth_error();
        return Err(());
    }
    match node {
        Node::Model(m) => match m.core() {
            Some(body) if is_instance_for(body, v) => {
                if let Some(json) = lazy_json(body, v, o, f) {
                    out.extend_from_slice(json);
                    return Ok(());
                }
                write_model(body, v, o, f, out, depth)
            }
            _ => write_any(v, o, out, depth),
        },
        Node::Nullable(inner) => {
            if v == ffi::Py_None() {
                out.extend_from_slice(b"null");
                Ok(())
            } else {
                write(inner, v, o, f, out, depth)
            }
        }
        Node::Seq { item, .. } => {
            let list = PyObj::from_owned(ffi::PySequence_List(v)).ok_or(())?;
            out.push(b'[');
            let mut first = true;
            for i in 0..ffi::PyList_Size(list.as_ptr()) {
                let Some(child) = f.index(i)? else { continue };
                if !first {
                    out.push(b',');
                }
                first = false;
                write(item, ffi::PyList_GetItem(list.as_ptr(), i), o, child, out, depth + 1)?;
            }
            out.push(b']');
            Ok(())
        }
        Node::Union { members } | Node::Tagged { members, .. } => match members.iter().find(|(_, n)| accepts(n, v)) {
            Some((_, n)) => write(n, v, o, f, out, depth),
            None => write_any(v, o, out, depth),
        },
        Node::Validated { inner, .. } => write(inner, v, o, f, out, depth),
        Node::Str(_) | Node::Int(_) | Node::Bool { .. } | Node::None
            if ffi::PyUnicode_CheckExact(v) != 0
                || ffi::PyLong_CheckExact(v) != 0
                || ffi::PyBool_Check(v) != 0
                || v == ffi::Py_None() =>
        {
            encode(v, out)
        }
        Node::Float { .. }
            if ffi::PyFloat_Check(v) != 0 || (ffi::PyLong_Check(v) != 0 && ffi::PyBool_Check(v) == 0) =>
        {
            let f = ffi::PyFloat_AsDouble(v);
            if f.is_finite() {
                json::write_float_repr(f, out);
                Ok(())
            } else {
                // pydantic's default (ser_json_inf_nan="null").
                out.extend_from_slice(b"null");
                Ok(())
            }
        }
        Node::Any => write_any(v, o, out, depth),
        Node::Python { fast: Some(fast), instance, .. } if ffi::Py_TYPE(v).cast() == instance.as_ptr() => {
            match fast.to_json(v) {
                Some(text) => {
                    out.push(b'"');
                    out.extend_from_slice(text.as_bytes()); // hex digits, dashes, ISO 8601: no escapes
                    out.push(b'"');
                    Ok(())
                }
                None => {
                    let dumped = dump(node, v, Options { json: true, ..o }, f, depth).ok_or(())?;
                    encode(dumped.as_ptr(), out)
                }
            }
        }
        _ => {
            let dumped = dump(node, v, Options { json: true, ..o }, f, depth).ok_or(())?;
            encode(dumped.as_ptr(), out)
        }
    }
}

unsafe fn encode(v: *mut ffi::PyObject, out: &mut Vec<u8>) -> Result<(), ()> {
    json::encode(v, out).map_err(|e| json::raise_encode_error(e))
}

unsafe fn write_any(v: *mut ffi::PyObject, o: Options, out: &mut Vec<u8>, depth: usize) -> Result<(), ()> {
    if ffi::PyFloat_CheckExact(v) != 0 && !ffi::PyFloat_AsDouble(v).is_finite() {
        out.extend_from_slice(b"null");
        return Ok(());
    }
    if ffi::PyUnicode_CheckExact(v) != 0
        || ffi::PyLong_CheckExact(v) != 0
        || ffi::PyBool_Check(v) != 0
        || v == ffi::Py_None()
    {
        return encode(v, out);
    }
    if let Some(schema) = class_schema(v).ok_or(())? {
        let node = super::schema_node(schema.as_ptr()).ok_or(())?;
        return write(node, v, o, Filter::NONE, out, depth + 1);
    }
    let dumped = dump_any(v, Options { json: true, ..o }, depth).ok_or(())?;
    encode(dumped.as_ptr(), out)
}

unsafe fn write_model(
    body: &ModelBody,
    v: *mut ffi::PyObject,
    o: Options,
    f: Filter,
    out: &mut Vec<u8>,
    depth: usize,
) -> Result<(), ()> {
    let view = view(body, v).ok_or(())?;
    out.push(b'{');
    let mut first = true;
    let mut key = |out: &mut Vec<u8>, k: *mut ffi::PyObject| -> Result<(), ()> {
        if !first {
            out.push(b',');
        }
        first = false;
        encode(k, out)?;
        out.push(b':');
        Ok(())
    };
    for field in &body.fields {
        if field.exclude {
            continue;
        }
        let Some(child) = f.child(field.name.as_ptr())? else { continue };
        let value = ffi::PyDict_GetItemWithError(view.dict.as_ptr(), field.name.as_ptr());
        if value.is_null() {
            if !ffi::PyErr_Occurred().is_null() {
                return Err(());
            }
            continue;
        }
        let value = PyObj::from_borrowed(value);
        if skipped(field, value.as_ptr(), &view, o)? {
            continue;
        }
        let k = match (&field.serialization_alias, o.by_alias) {
            (Some(alias), true) => alias.as_ptr(),
            _ => field.name.as_ptr(),
        };
        key(out, k)?;
        write(&field.node, value.as_ptr(), o, child, out, depth + 1)?;
    }
    if let Some(extra) = &view.extra {
        let (mut pos, mut k, mut val) = (0, ptr::null_mut(), ptr::null_mut());
        while ffi::PyDict_Next(extra.as_ptr(), &mut pos, &mut k, &mut val) != 0 {
            if f.child(k)?.is_none() || (o.exclude_none && val == ffi::Py_None()) {
                continue;
            }
            key(out, k)?;
            write_any(val, o, out, depth + 1)?;
        }
    }
    for (name, node, alias) in &body.computed {
        let Some(child) = f.child(name.as_ptr())? else { continue };
        let value = PyObj::from_owned(ffi::PyObject_GetAttr(v, name.as_ptr())).ok_or(())?;
        if o.exclude_none && value.as_ptr() == ffi::Py_None() {
            continue;
        }
        let k = match (alias, o.by_alias) {
            (Some(alias), true) => alias.as_ptr(),
            _ => name.as_ptr(),
        };
        key(out, k)?;
        write(node, value.as_ptr(), o, child, out, depth + 1)?;
    }
    out.push(b'}');
    Ok(())
}
