//! Request bodies checked without building Python objects: lazy models.
//!
//! A handler that takes a model and returns it (`def create(item: Item) -> Item`) pays for
//! every Python object of the document twice: once to build the model from the JSON, once to
//! write it back out. Most of that work is object creation, not checking. So for the request
//! body of a route, the document is first run through this module: one pass over the bytes
//! that applies the model's rules to the JSON values as they stand and, at the same time,
//! writes the JSON that dumping the validated model would produce (fields in declaration
//! order, defaults filled in, numbers, UUIDs and datetimes in their canonical form). No
//! Python object is made. The handler receives an instance of the model that holds the
//! request bytes and that JSON (`__fasterapi_lazy__`) and no field values yet:
//!
//! - the first look at any field (attribute access, `__dict__`, `model_dump`, `==`, ...)
//!   *materialises* it: the request bytes go through the ordinary validator
//!   (`schema_validate_json`) and the instance takes the result's fields. Validation cannot
//!   fail then: the document was already checked by the same rules.
//! - dumping an untouched instance to JSON with the options it was written for (the response
//!   of a `response_model` route) is a copy of the JSON written in the first pass.
//!
//! Only the subset of types whose rules and dumps are fully known here is taken: strings (with
//! lengths and `regex`-crate patterns), ints and floats (with bounds), bools, `None`,
//! `Optional`, lists, `Literal`/`Enum` choices, canonical UUID and datetime text, and nested
//! models without Python validators or computed fields. Anything else -- another type, a value
//! that only lax mode would take ("3" for an int), an invalid value -- ends the pass, and the
//! caller validates the ordinary way, which also words any errors. So this module can make a
//! valid body cheaper but never changes an answer: the tests run every accepted document both
//! ways and compare.

use pyo3_ffi as ffi;

use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::cell::{Cell, OnceCell};
use std::fmt;
use std::mem::MaybeUninit;

use super::super::json;
use super::super::object::{self, PyObj};
use super::dump;
use super::fast_leaf::{self, Fast};
use super::node::{Choice, Construct, Default, Extra, ModelBody, ModelRef, Node, Pattern, SeqKind, StrRules};

/// A node the lazy pass can take, with its constants read once.
enum Plan {
    /// Points into the model's node tree, which outlives the plan (both belong to one `ModelBody`).
    Str(*const StrRules),
    Int(Bounds<i64>),
    Float(Bounds<f64>),
    Bool,
    Null,
    Nullable(Box<Plan>),
    List {
        item: Box<Plan>,
        min: Option<usize>,
        max: Option<usize>,
    },
    /// `Literal`/`Enum`: each accepted JSON string or integer, with the JSON its value dumps as.
    Choice {
        strs: Vec<(Box<str>, Box<[u8]>)>,
        ints: Vec<(i64, Box<[u8]>)>,
    },
    Uuid,
    DateTime,
    /// Points into the node tree (see `Str`); the nested model's own plan is looked up when used.
    Model(*const ModelRef),
}

struct Bounds<T> {
    gt: Option<T>,
    ge: Option<T>,
    lt: Option<T>,
    le: Option<T>,
    multiple_of: Option<T>,
}

impl<T: PartialOrd + Copy> Bounds<T> {
    fn allow(&self, v: T) -> bool {
        self.gt.is_none_or(|b| v > b)
            && self.ge.is_none_or(|b| v >= b)
            && self.lt.is_none_or(|b| v < b)
            && self.le.is_none_or(|b| v <= b)
    }
}

/// A model's plan: per field, its value's plan, the keys it is written under and the JSON of
/// its default.
pub struct ModelPlan {
    fields: Vec<FieldPlan>,
    forbid_extra: bool,
}

struct FieldPlan {
    plan: Plan,
    /// The JSON key the field is read from.
    input_key: String,
    /// `"key":` as written with `by_alias` (the serialization alias or the name) and without.
    key_by_alias: Box<[u8]>,
    key_by_name: Box<[u8]>,
    /// What a missing field is written as; `None`: required.
    default_json: Option<Box<[u8]>>,
    /// `Field(exclude=True)`: validated, never written.
    excluded: bool,
}

/// A model's lazy state: its plan, made on first use (`None`: the model is not in the lazy
/// subset), and how its lazy instances have been used.
///
/// Laziness pays when handlers pass bodies through (returned, stored as JSON) and costs when
/// they read them: the pass is then done on top of the ordinary validation (about a quarter
/// more). So the instances made are counted against those materialised; when, over a window,
/// most were materialised, bodies of this model are validated the ordinary way for a while,
/// then laziness is tried again (handlers may differ by route and by request).
#[derive(Default)]
pub struct LazySlot {
    plan: OnceCell<Option<ModelPlan>>,
    made: Cell<u32>,
    materialised: Cell<u32>,
    /// Bodies still to validate the ordinary way before trying laziness again.
    paused: Cell<u32>,
}

/// Lazy instances per judgement, and the bodies validated eagerly after a bad one.
const WINDOW: u32 = 256;
const PAUSE: u32 = 16 * WINDOW;

impl LazySlot {
    /// Whether the next body should be tried lazily (counts down a pause).
    pub fn wanted(&self) -> bool {
        match self.paused.get() {
            0 => true,
            n => {
                self.paused.set(n - 1);
                false
            }
        }
    }

    /// A lazy instance was made; at the end of a window, pause if most were materialised.
    pub fn count_made(&self) {
        let made = self.made.get() + 1;
        if made < WINDOW {
            self.made.set(made);
            return;
        }
        if self.materialised.get() * 2 > made {
            self.paused.set(PAUSE);
        }
        self.made.set(0);
        self.materialised.set(0);
    }

    /// `(made, materialised, paused)` in the current window; `reset` starts afresh (tests).
    pub fn stats(&self, reset: bool) -> (u32, u32, u32) {
        let stats = (self.made.get(), self.materialised.get(), self.paused.get());
        if reset {
            self.made.set(0);
            self.materialised.set(0);
            self.paused.set(0);
        }
        stats
    }

    pub fn count_materialised(&self) {
        self.materialised.set(self.materialised.get().saturating_add(1));
    }

    /// # Safety
    /// Attached; `body` is the model this slot belongs to.
    pub unsafe fn plan<'a>(&'a self, body: &'a ModelBody) -> Option<&'a ModelPlan> {
        self.plan
            .get_or_init(|| {
                let plan = model_plan(body);
                if plan.is_none() {
                    ffi::PyErr_Clear(); // a refused constant is "not lazy", never an error
                }
                plan
            })
            .as_ref()
    }
}

// ---- plans ----------------------------------------------------------------------------------

unsafe fn model_plan(body: &ModelBody) -> Option<ModelPlan> {
    if body.construct != Construct::Model
        || !body.model_validators.is_empty()
        || !body.computed.is_empty()
        || body.extra == Extra::Allow
        || body.slots.is_none()
    {
        return None;
    }
    let keys = body.direct.as_ref()?;
    let mut fields = Vec::with_capacity(body.fields.len());
    for (field, input_key) in body.fields.iter().zip(keys) {
        if !field.validators.is_empty() {
            return None;
        }
        let plan = plan(&field.node)?;
        let default_json = match &field.default {
            Default::Required => None,
            // Only defaults of plain types (and None): their dump is fixed JSON, written
            // without the fallback encoder (a model default could hold anything).
            Default::Value(v) if v.as_ptr() == ffi::Py_None() => Some(Box::from(&b"null"[..])),
            Default::Value(v) | Default::Copied(v) if plain(&plan) || empty_container(v.as_ptr()) => {
                Some(dumped(&field.node, v.as_ptr())?)
            }
            Default::Value(_) | Default::Copied(_) => return None,
            // A factory's value is only known once made: only the empty containers qualify.
            Default::Factory(f) if f.as_ptr() == std::ptr::addr_of_mut!(ffi::PyList_Type).cast() => {
                Some(Box::from(&b"[]"[..]))
            }
            Default::Factory(f) if f.as_ptr() == std::ptr::addr_of_mut!(ffi::PyDict_Type).cast() => {
                Some(Box::from(&b"{}"[..]))
            }
            Default::Factory(_) | Default::Absent => return None,
        };
        let alias = field.serialization_alias.as_ref().unwrap_or(&field.name);
        fields.push(FieldPlan {
            plan,
            input_key: input_key.clone(),
            key_by_alias: json_key(alias.as_ptr())?,
            key_by_name: json_key(field.name.as_ptr())?,
            default_json,
            excluded: field.exclude,
        });
    }
    Some(ModelPlan { fields, forbid_extra: body.extra == Extra::Forbid })
}

unsafe fn plan(node: &Node) -> Option<Plan> {
    Some(match node {
        Node::Str(rules) => {
            if rules.strip || rules.lower || rules.upper || matches!(rules.pattern, Some((Pattern::Python(_), _))) {
                return None;
            }
            Plan::Str(rules)
        }
        Node::Int(num) => {
            let int = |b: &Option<PyObj>| -> Option<Option<i64>> {
                match b {
                    None => Some(None),
                    Some(b) if ffi::PyLong_CheckExact(b.as_ptr()) != 0 => {
                        let v = ffi::PyLong_AsLongLong(b.as_ptr());
                        (v != -1 || ffi::PyErr_Occurred().is_null()).then_some(Some(v))
                    }
                    Some(_) => None,
                }
            };
            let multiple_of = int(&num.multiple_of)?;
            if multiple_of == Some(0) {
                return None;
            }
            Plan::Int(Bounds {
                gt: int(&num.gt)?,
                ge: int(&num.ge)?,
                lt: int(&num.lt)?,
                le: int(&num.le)?,
                multiple_of,
            })
        }
        Node::Float { num, .. } => {
            // Python compares an int bound with a float exactly; as f64 that holds up to 2**53.
            let float = |b: &Option<PyObj>| -> Option<Option<f64>> {
                match b {
                    None => Some(None),
                    Some(b) if ffi::PyFloat_CheckExact(b.as_ptr()) != 0 => {
                        Some(Some(ffi::PyFloat_AsDouble(b.as_ptr())))
                    }
                    Some(b) if ffi::PyLong_CheckExact(b.as_ptr()) != 0 => {
                        let v = ffi::PyLong_AsLongLong(b.as_ptr());
                        let exact = (v != -1 || ffi::PyErr_Occurred().is_null()) && v.unsigned_abs() <= 1 << 53;
                        exact.then_some(Some(v as f64))
                    }
                    Some(_) => None,
                }
            };
            if num.multiple_of.is_some() {
                return None; // float multiples: left to the validator's own arithmetic
            }
            Plan::Float(Bounds {
                gt: float(&num.gt)?,
                ge: float(&num.ge)?,
                lt: float(&num.lt)?,
                le: float(&num.le)?,
                multiple_of: None,
            })
        }
        Node::Bool { .. } => Plan::Bool,
        Node::None => Plan::Null,
        Node::Nullable(inner) => Plan::Nullable(Box::new(plan(inner)?)),
        Node::Seq { kind: SeqKind::List, item, len, .. } => {
            Plan::List { item: Box::new(plan(item)?), min: len.min, max: len.max }
        }
        Node::Choice(choice) => choice_plan(node, choice)?,
        Node::Python { fast: Some(fast), to_json: Some(_), strict: false, .. } => match fast {
            Fast::Uuid { .. } => Plan::Uuid,
            Fast::DateTime { .. } => Plan::DateTime,
        },
        Node::Model(m) => Plan::Model(m),
        _ => return None,
    })
}

/// `[]`, `()` or `{}`: a default that dumps the same whatever it could hold.
unsafe fn empty_container(v: *mut ffi::PyObject) -> bool {
    (ffi::PyList_CheckExact(v) != 0 || ffi::PyTuple_CheckExact(v) != 0 || ffi::PyDict_CheckExact(v) != 0)
        && ffi::PyObject_Length(v) == 0
}

/// No model inside: everything a value of this plan can hold dumps without Python fallbacks.
fn plain(plan: &Plan) -> bool {
    match plan {
        Plan::Model(_) => false,
        Plan::Nullable(inner) | Plan::List { item: inner, .. } => plain(inner),
        _ => true,
    }
}

/// The JSON strings and integers a choice accepts as they are, each with the JSON its value
/// dumps as (read from the validator's own lookup table, so both paths agree).
unsafe fn choice_plan(node: &Node, choice: &Choice) -> Option<Plan> {
    let (mut strs, mut ints) = (Vec::new(), Vec::new());
    let (mut pos, mut key, mut value) = (0, std::ptr::null_mut(), std::ptr::null_mut());
    while ffi::PyDict_Next(choice.lookup.as_ptr(), &mut pos, &mut key, &mut value) != 0 {
        if ffi::PyUnicode_CheckExact(key) != 0 {
            let text = std::str::from_utf8(object::str_utf8(key)?).ok()?;
            strs.push((text.into(), dumped(node, value)?));
        } else if ffi::PyLong_CheckExact(key) != 0 {
            let v = ffi::PyLong_AsLongLong(key);
            if v == -1 && !ffi::PyErr_Occurred().is_null() {
                return None;
            }
            ints.push((v, dumped(node, value)?));
        }
    }
    Some(Plan::Choice { strs, ints })
}

/// `value` written as the dump of `node` writes it.
unsafe fn dumped(node: &Node, value: *mut ffi::PyObject) -> Option<Box<[u8]>> {
    let mut out = Vec::new();
    dump::write(node, value, dump::Options::ENCODER, dump::Filter::NONE, &mut out, 0).ok()?;
    Some(out.into_boxed_slice())
}

unsafe fn json_key(name: *mut ffi::PyObject) -> Option<Box<[u8]>> {
    let mut out = Vec::new();
    json::encode(name, &mut out).ok()?;
    out.push(b':');
    Some(out.into_boxed_slice())
}

// ---- the pass -------------------------------------------------------------------------------

/// Checks `input` against the model and returns the JSON its dump would be (`by_alias` keys or
/// field names); `None` when the document is outside the lazy subset or invalid.
///
/// # Safety
/// Attached.
pub unsafe fn check_and_write(body: &ModelBody, input: &[u8], by_alias: bool) -> Option<Vec<u8>> {
    let plan = body.lazy.plan(body)?;
    let mut out = Vec::with_capacity(input.len() + input.len() / 4);
    // UTF-8 checked once for the whole body (a word at a time), rather than string by string.
    let text = std::str::from_utf8(input).ok()?;
    let mut de = serde_json::Deserializer::from_str(text);
    let pass = Pass { out: &mut out, by_alias };
    de.deserialize_map(ModelVisitor { body, plan, pass }).ok()?;
    de.end().ok()?;
    Some(out)
}

/// Whether a model and every model reachable from it are in the lazy subset (checked once at
/// startup, so routes whose bodies could never pass do not try).
///
/// # Safety
/// Attached.
pub unsafe fn eligible(body: &ModelBody) -> bool {
    let mut seen: Vec<*const ModelBody> = Vec::new();
    eligible_model(body, &mut seen)
}

unsafe fn eligible_model(body: &ModelBody, seen: &mut Vec<*const ModelBody>) -> bool {
    if seen.contains(&(body as *const ModelBody)) {
        return true;
    }
    seen.push(body);
    let Some(plan) = body.lazy.plan(body) else { return false };
    plan.fields.iter().all(|f| eligible_plan(&f.plan, seen))
}

unsafe fn eligible_plan(plan: &Plan, seen: &mut Vec<*const ModelBody>) -> bool {
    match plan {
        Plan::Nullable(inner) | Plan::List { item: inner, .. } => eligible_plan(inner, seen),
        Plan::Model(m) => (**m).core().is_some_and(|body| eligible_model(body, seen)),
        _ => true,
    }
}

/// Where the pass writes, through the seeds (serde hands each visitor out by value).
struct Pass {
    out: *mut Vec<u8>,
    by_alias: bool,
}

impl Pass {
    // Serde consumes each visitor by value, so the buffer travels as a pointer; every use is a
    // short borrow that ends before the next visitor runs.
    #[allow(clippy::mut_from_ref)]
    fn out(&self) -> &mut Vec<u8> {
        // SAFETY: `out` points to `check_and_write`'s buffer, alive for the whole pass; the
        // pass is single-threaded and only one visitor writes at a time.
        unsafe { &mut *self.out }
    }
    fn again(&self) -> Pass {
        Pass { out: self.out, by_alias: self.by_alias }
    }
}

fn give_up<E: serde::de::Error>() -> E {
    E::custom("not taken by the lazy pass")
}

struct Seed<'r> {
    plan: &'r Plan,
    pass: Pass,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        match self.plan {
            Plan::Str(_) | Plan::Uuid | Plan::DateTime => d.deserialize_str(self),
            Plan::Bool => d.deserialize_bool(self),
            Plan::Nullable(inner) => d.deserialize_option(NullableVisitor { inner, pass: self.pass }),
            Plan::List { .. } => d.deserialize_seq(self),
            Plan::Model(m) => {
                // SAFETY: attached (the whole pass runs in a native call); the node tree that
                // holds the ModelRef outlives the pass.
                let body = unsafe { (**m).core() }.ok_or_else(give_up)?;
                let plan = unsafe { body.lazy.plan(body) }.ok_or_else(give_up)?;
                d.deserialize_map(ModelVisitor { body, plan, pass: self.pass })
            }
            // Asked for as numbers, serde_json hands them over parsed (correctly rounded: the
            // float_roundtrip feature), not as the text arbitrary_precision gives `deserialize_any`.
            Plan::Int(_) => d.deserialize_i64(self),
            Plan::Float(_) => d.deserialize_f64(self),
            // A choice's numbers come as text (see `visit_map`).
            Plan::Choice { .. } | Plan::Null => d.deserialize_any(self),
        }
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a value of the declared type")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, v: &'de str) -> Result<(), E> {
        // Taken straight from the input: no escapes there (JSON strings hold no raw control
        // characters), so none are needed in the output either -- a copy instead of a scan.
        if let Plan::Str(rules) = self.plan {
            // SAFETY: the node tree outlives the pass.
            check_str(unsafe { &**rules }, v)?;
            let out = self.pass.out();
            out.push(b'"');
            out.extend_from_slice(v.as_bytes());
            out.push(b'"');
            return Ok(());
        }
        self.visit_str(v)
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<(), E> {
        let out = self.pass.out();
        match self.plan {
            Plan::Str(rules) => {
                // SAFETY: the node tree outlives the pass.
                check_str(unsafe { &**rules }, v)?;
                json::write_escaped(v.as_bytes(), out);
            }
            Plan::Uuid | Plan::DateTime => {
                out.push(b'"'); // hex digits, digits and -:.TZ+ need no escapes
                let written = match self.plan {
                    Plan::Uuid => fast_leaf::write_canonical_uuid(v.as_bytes(), out),
                    _ => fast_leaf::write_canonical_datetime(v.as_bytes(), out),
                };
                if !written {
                    return Err(give_up());
                }
                out.push(b'"');
            }
            Plan::Choice { strs, .. } => {
                let (_, json) = strs.iter().find(|(s, _)| &**s == v).ok_or_else(give_up)?;
                out.extend_from_slice(json);
            }
            _ => return Err(give_up()),
        }
        Ok(())
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<(), E> {
        if !matches!(self.plan, Plan::Bool) {
            return Err(give_up());
        }
        self.pass.out().extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
        if !matches!(self.plan, Plan::Null) {
            return Err(give_up());
        }
        self.pass.out().extend_from_slice(b"null");
        Ok(())
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<(), E> {
        let out = self.pass.out();
        match self.plan {
            Plan::Int(bounds) if bounds.allow(v) && bounds.multiple_of.is_none_or(|m| v % m == 0) => {
                out.extend_from_slice(itoa::Buffer::new().format(v).as_bytes());
            }
            // Rust's int -> float conversion rounds to nearest-even, as Python's float(int).
            Plan::Float(_) => return self.visit_f64(v as f64),
            Plan::Choice { ints, .. } => {
                let (_, json) = ints.iter().find(|(i, _)| *i == v).ok_or_else(give_up)?;
                out.extend_from_slice(json);
            }
            _ => return Err(give_up()),
        }
        Ok(())
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<(), E> {
        match (i64::try_from(v), self.plan) {
            (Ok(v), _) => self.visit_i64(v),
            (Err(_), Plan::Float(_)) => self.visit_f64(v as f64),
            (Err(_), _) => Err(give_up()), // beyond i64: the validator's (exact big ints)
        }
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<(), E> {
        // 1.0 for an int is the validator's to judge (lax mode takes it).
        let Plan::Float(bounds) = self.plan else { return Err(give_up()) };
        if !v.is_finite() || !bounds.allow(v) {
            return Err(give_up());
        }
        json::write_float_repr(v, self.pass.out());
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        // serde_json's arbitrary_precision hands a number over as a map of one entry whose
        // value is the number's text; any other object is not a number.
        match map.next_key::<NumberKey>()? {
            Some(NumberKey) => map.next_value_seed(NumberText { plan: self.plan, pass: self.pass }),
            None => Err(give_up()),
        }
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Plan::List { item, min, max } = self.plan else { return Err(give_up()) };
        self.pass.out().push(b'[');
        let mut n = 0;
        loop {
            let at = self.pass.out().len();
            if n > 0 {
                self.pass.out().push(b',');
            }
            if seq.next_element_seed(Seed { plan: item, pass: self.pass.again() })?.is_none() {
                self.pass.out().truncate(at);
                break;
            }
            n += 1;
        }
        if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
            return Err(give_up());
        }
        self.pass.out().push(b']');
        Ok(())
    }
}

/// A string's length and pattern constraints.
fn check_str<E: serde::de::Error>(rules: &StrRules, v: &str) -> Result<(), E> {
    if rules.min_length.is_some() || rules.max_length.is_some() {
        let n = v.chars().count(); // pydantic counts code points
        if rules.min_length.is_some_and(|m| n < m) || rules.max_length.is_some_and(|m| n > m) {
            return Err(give_up());
        }
    }
    if let Some((Pattern::Rust(re), _)) = &rules.pattern {
        if !re.is_match(v) {
            return Err(give_up());
        }
    }
    Ok(())
}

/// The key of serde_json's number map (anything else ends the pass).
struct NumberKey;

impl<'de> serde::Deserialize<'de> for NumberKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<NumberKey, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = NumberKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<NumberKey, E> {
                if v == json::NUMBER_TOKEN {
                    Ok(NumberKey)
                } else {
                    Err(give_up())
                }
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// A number's text (serde_json's arbitrary_precision), for a choice of integers.
struct NumberText<'r> {
    plan: &'r Plan,
    pass: Pass,
}

impl<'de> DeserializeSeed<'de> for NumberText<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for NumberText<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number's text")
    }

    fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<(), E> {
        // Only a choice's integers come this way; 1.0 or 10**30 are the validator's to judge.
        match (self.plan, text.parse::<i64>()) {
            (Plan::Choice { ints, .. }, Ok(v)) => {
                let (_, json) = ints.iter().find(|(i, _)| *i == v).ok_or_else(give_up)?;
                self.pass.out().extend_from_slice(json);
                Ok(())
            }
            _ => Err(give_up()),
        }
    }
}

struct NullableVisitor<'r> {
    inner: &'r Plan,
    pass: Pass,
}

impl<'de> Visitor<'de> for NullableVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or a value")
    }

    fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
        self.pass.out().extend_from_slice(b"null");
        Ok(())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        Seed { plan: self.inner, pass: self.pass }.deserialize(d)
    }
}

/// A key of a model's object: the index of the field it names, or `None`.
struct FieldKey<'r> {
    plan: &'r ModelPlan,
    /// The field expected next: keys usually arrive in declaration order.
    next: usize,
}

impl<'de> DeserializeSeed<'de> for FieldKey<'_> {
    type Value = Option<usize>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for FieldKey<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        let fields = &self.plan.fields;
        let n = fields.len();
        Ok((0..n).map(|step| (self.next + step) % n).find(|&i| fields[i].input_key == v))
    }
}

/// Where each field's pair was written (offsets into the output), on the stack for models of
/// up to 64 fields. Most objects arrive in declaration order and never read it back, so the
/// array is left uninitialised; `given` says which entries were written.
#[allow(clippy::large_enum_variant)] // on the stack on purpose; one per object being read
enum Spans {
    Small { given: u64, at: [MaybeUninit<(u32, u32)>; 64] },
    Large(Vec<Option<(usize, usize)>>),
}

impl Spans {
    fn new(n: usize) -> Spans {
        if n <= 64 {
            Spans::Small { given: 0, at: [MaybeUninit::uninit(); 64] }
        } else {
            Spans::Large(vec![None; n])
        }
    }
    fn get(&self, i: usize) -> Option<(usize, usize)> {
        match self {
            Spans::Small { given, at } => (given & (1 << i) != 0).then(|| {
                // SAFETY: bit i of `given` is only set once `at[i]` has been written.
                let (a, b) = unsafe { at[i].assume_init() };
                (a as usize, b as usize)
            }),
            Spans::Large(v) => v[i],
        }
    }
    /// `false` when the offsets do not fit (a body over 4 GiB: not taken).
    fn set(&mut self, i: usize, span: (usize, usize)) -> bool {
        match self {
            Spans::Small { given, at } => match (u32::try_from(span.0), u32::try_from(span.1)) {
                (Ok(a), Ok(b)) => {
                    at[i] = MaybeUninit::new((a, b));
                    *given |= 1 << i;
                    true
                }
                _ => false,
            },
            Spans::Large(v) => {
                v[i] = Some(span);
                true
            }
        }
    }
}

struct ModelVisitor<'r> {
    body: &'r ModelBody,
    plan: &'r ModelPlan,
    pass: Pass,
}

impl<'de> Visitor<'de> for ModelVisitor<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let fields = &self.plan.fields;
        debug_assert_eq!(fields.len(), self.body.fields.len());
        // Each `"key":value` pair is written as it arrives, and its span remembered. A client
        // that serialised the same model sends every field once, in declaration order: then
        // the object is already what the dump writes. Otherwise it is assembled in declaration
        // order (defaults filled in) after the pairs and moved down over them.
        let start = self.pass.out().len();
        self.pass.out().push(b'{');
        let mut spans = Spans::new(fields.len());
        let (mut next, mut in_order, mut written) = (0, true, 0);
        while let Some(key) = map.next_key_seed(FieldKey { plan: self.plan, next })? {
            let Some(i) = key else {
                if self.plan.forbid_extra {
                    return Err(give_up());
                }
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            in_order &= i == next && !fields[i].excluded;
            next = i + 1;
            let out = self.pass.out();
            if written > 0 {
                out.push(b',');
            }
            written += 1;
            let at = out.len();
            out.extend_from_slice(if self.pass.by_alias { &fields[i].key_by_alias } else { &fields[i].key_by_name });
            map.next_value_seed(Seed { plan: &fields[i].plan, pass: self.pass.again() })?;
            if !spans.set(i, (at, self.pass.out().len())) {
                return Err(give_up()); // a repeated key: the last wins
            }
        }
        let out = self.pass.out();
        if in_order && next == fields.len() && written == fields.len() {
            out.push(b'}');
            return Ok(());
        }
        let object_at = out.len();
        out.push(b'{');
        let mut first = true;
        for (i, field) in fields.iter().enumerate() {
            let span = spans.get(i);
            if field.excluded {
                continue;
            }
            if !first {
                out.push(b',');
            }
            first = false;
            match (span, &field.default_json) {
                (Some((a, b)), _) => out.extend_from_within(a..b),
                (None, Some(default)) => {
                    out.extend_from_slice(if self.pass.by_alias { &field.key_by_alias } else { &field.key_by_name });
                    out.extend_from_slice(default);
                }
                (None, None) => return Err(give_up()), // a required field is missing
            }
        }
        out.push(b'}');
        let len = out.len() - object_at;
        out.copy_within(object_at.., start);
        out.truncate(start + len);
        Ok(())
    }
}
