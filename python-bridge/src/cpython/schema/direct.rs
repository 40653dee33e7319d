//! JSON straight into models: validation while parsing (`model_validate_json`, request bodies).
//!
//! The generic path parses a document into Python dicts and lists, then validates them.
//! For a model (and lists of models) that allocation is wasted: here the parser is driven by
//! the schema, so an object's keys are matched to fields as they are read, field values are
//! validated where they stand, and only the model instances are built. Scalars and types
//! with Python behaviour are parsed into their Python value and checked by `validate`, so
//! the rules are the same code.
//!
//! This path only ever *succeeds*. On the first problem -- a validation error, a type the
//! direct path does not take, bad JSON -- it gives up, and the caller re-runs the generic
//! path, which produces pydantic's exact errors (with their `input`s, which need the Python
//! values anyway). Errors are the slow path; valid documents are the fast one.

use pyo3_ffi as ffi;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::fmt;
use std::ptr;

use super::super::json::PyValueSeed;
use super::super::object::PyObj;
use super::errors::Run;
use super::node::{Default, Extra, Mode, ModelBody, Node, SeqKind};
use super::validate;

/// A node of the schema as a serde seed.
pub struct Direct<'r> {
    pub node: &'r Node,
    pub run: *mut Run,
}

fn give_up<E: serde::de::Error>() -> E {
    E::custom("direct validation gave up")
}

impl<'de> DeserializeSeed<'de> for Direct<'_> {
    type Value = PyObj;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<PyObj, D::Error> {
        match self.node {
            Node::Model(m) => match m.core() {
                Some(body) if body.direct.is_some() => d.deserialize_map(ModelVisitor { body, run: self.run }),
                _ => self.generic(d),
            },
            Node::Seq { kind, item, len, .. } if len.min.is_none() && len.max.is_none() => {
                d.deserialize_seq(SeqVisitor { kind: *kind, item, run: self.run })
            }
            Node::Nullable(inner) => d.deserialize_option(NullableVisitor { inner, run: self.run }),
            _ => self.generic(d),
        }
    }
}

impl Direct<'_> {
    /// Parse into Python objects, then validate them as the generic path does.
    fn generic<'de, D: Deserializer<'de>>(self, d: D) -> Result<PyObj, D::Error> {
        let value = PyValueSeed.deserialize(d)?;
        // SAFETY: attached (the whole parse runs inside a native call); the run outlives the parse.
        unsafe { validate::validate(self.node, value.as_ptr(), &mut *self.run).map_err(|_| give_up()) }
    }
}

struct NullableVisitor<'r> {
    inner: &'r Node,
    run: *mut Run,
}

impl<'de> Visitor<'de> for NullableVisitor<'_> {
    type Value = PyObj;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a value")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<PyObj, E> {
        // SAFETY: attached.
        unsafe { Ok(PyObj::from_borrowed(ffi::Py_None())) }
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<PyObj, E> {
        self.visit_none()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<PyObj, D::Error> {
        Direct { node: self.inner, run: self.run }.deserialize(d)
    }
}

struct SeqVisitor<'r> {
    kind: SeqKind,
    item: &'r Node,
    run: *mut Run,
}

impl<'de> Visitor<'de> for SeqVisitor<'_> {
    type Value = PyObj;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PyObj, A::Error> {
        // SAFETY: attached; objects are new references we own.
        unsafe {
            let list = PyObj::from_owned(ffi::PyList_New(0)).ok_or_else(give_up)?;
            while let Some(item) = seq.next_element_seed(Direct { node: self.item, run: self.run })? {
                if ffi::PyList_Append(list.as_ptr(), item.as_ptr()) != 0 {
                    return Err(give_up());
                }
            }
            self.kind.collect(list).ok_or_else(give_up)
        }
    }
}

/// An object key: the index of the field it names, or another key.
enum Key {
    Field(usize),
    Other(PyObj),
}

struct KeySeed<'r> {
    body: &'r ModelBody,
    /// The field expected next: keys usually arrive in declaration order.
    next: usize,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Key;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Key, E> {
        if let Some(keys) = self.body.direct.as_ref() {
            let n = keys.len();
            for step in 0..n {
                let i = (self.next + step) % n;
                if keys[i].as_bytes() == v.as_bytes() {
                    return Ok(Key::Field(i));
                }
            }
        }
        // SAFETY: attached; a new reference we own.
        unsafe {
            PyObj::from_owned(ffi::PyUnicode_FromStringAndSize(v.as_ptr().cast(), v.len() as ffi::Py_ssize_t))
                .map(Key::Other)
                .ok_or_else(give_up)
        }
    }
}

struct ModelVisitor<'r> {
    body: &'r ModelBody,
    run: *mut Run,
}

impl<'de> Visitor<'de> for ModelVisitor<'_> {
    type Value = PyObj;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PyObj, A::Error> {
        let body = self.body;
        let mut values: Vec<Option<PyObj>> = (0..body.fields.len()).map(|_| None).collect();
        let mut extra: Option<PyObj> = None;
        let mut next = 0;
        while let Some(key) = map.next_key_seed(KeySeed { body, next })? {
            match key {
                Key::Field(i) => {
                    next = i + 1;
                    let value = map.next_value_seed(Direct { node: &body.fields[i].node, run: self.run })?;
                    values[i] = Some(value);
                }
                Key::Other(name) => match body.extra {
                    Extra::Ignore => {
                        map.next_value::<IgnoredAny>()?;
                    }
                    Extra::Forbid => return Err(give_up()),
                    Extra::Allow => {
                        let value = map.next_value_seed(PyValueSeed)?;
                        // SAFETY: attached; objects are new references we own.
                        unsafe {
                            if extra.is_none() {
                                extra = PyObj::from_owned(ffi::PyDict_New());
                            }
                            let dict = extra.as_ref().ok_or_else(give_up)?;
                            ffi::PyDict_SetItem(dict.as_ptr(), name.as_ptr(), value.as_ptr());
                        }
                    }
                },
            }
        }
        // SAFETY: attached; the run outlives the parse.
        unsafe { finish_model(body, values, extra, &mut *self.run).ok_or_else(give_up) }
    }
}

/// Defaults for the fields not given, then the instance and its "after" validators.
unsafe fn finish_model(
    body: &ModelBody,
    values: Vec<Option<PyObj>>,
    extra: Option<PyObj>,
    run: &mut Run,
) -> Option<PyObj> {
    let data = PyObj::from_owned(ffi::PyDict_New())?;
    let given: Vec<bool> = values.iter().map(Option::is_some).collect();
    for (field, value) in body.fields.iter().zip(values) {
        let value = match value {
            Some(value) => value,
            None => match &field.default {
                Default::Required => return None,
                Default::Absent => continue,
                Default::Value(v) => PyObj::from_borrowed(v.as_ptr()),
                Default::Copied(v) => PyObj::from_owned(ffi::PyObject_CallOneArg(body.deepcopy.as_ptr(), v.as_ptr()))?,
                Default::Factory(f) => PyObj::from_owned(ffi::PyObject_CallNoArgs(f.as_ptr()))?,
            },
        };
        if ffi::PyDict_SetItem(data.as_ptr(), field.name.as_ptr(), value.as_ptr()) != 0 {
            return None;
        }
    }
    let fields_set = validate::fields_set(body, &given, extra.as_ref())?;
    let input = ffi::Py_None();
    let mut instance = validate::construct(body, data, fields_set, extra, input, run).ok()?;
    let mode = run.mode_name();
    for f in body.model_validators.iter().filter(|f| f.mode == Mode::After) {
        let info = || validate::make_info(body, ptr::null_mut(), None, mode);
        let result = validate::call_user(f, None, instance.as_ptr(), ffi::Py_None(), info, run).ok()?;
        if result.as_ptr() != ffi::Py_None() {
            instance = result;
        }
    }
    Some(instance)
}

/// Parses and validates `input` in one pass; `None` means "use the generic path" (also when
/// a Python exception is pending: the caller checks).
///
/// # Safety
/// Attached.
pub unsafe fn validate_json(node: &Node, input: &[u8], run: &mut Run) -> Option<PyObj> {
    let mut de = serde_json::Deserializer::from_slice(input);
    let before = run.error_count();
    let value = Direct { node, run: run as *mut Run }.deserialize(&mut de).and_then(|v| de.end().map(|_| v));
    run.truncate(before);
    value.ok()
}
