//! The compiled form of a type descriptor: a tree of `Node`s, built once at startup.
//!
//! The Python side (`fasterapi/_native_schema.py`) turns each `TypeDesc` into nested tuples
//! (the "spec", documented there next to the codes below); this module reads them once into
//! Rust values, so validation and serialization only execute: no dict lookups of options, no
//! attribute reads on descriptors, per request.

use pyo3_ffi as ffi;

use std::cell::OnceCell;

use super::super::object::{self, PyObj};

pub enum Node {
    Any,
    None,
    Bool {
        strict: bool,
    },
    Int(Numeric),
    Float {
        num: Numeric,
        allow_inf_nan: bool,
    },
    Str(StrRules),
    Seq {
        kind: SeqKind,
        item: Box<Node>,
        len: Lengths,
        /// Only this exact container type (Python input); JSON arrays always.
        strict: bool,
    },
    Tuple {
        items: Vec<Node>,
        strict: bool,
    },
    Dict {
        key: Box<Node>,
        value: Box<Node>,
        len: Lengths,
    },
    Nullable(Box<Node>),
    Union {
        members: Vec<(PyObj, Node)>,
    },
    Tagged {
        field: PyObj,
        tags: PyObj,
        members: Vec<(PyObj, Node)>,
        expected: String,
    },
    Choice(Choice),
    Model(ModelRef),
    /// A validator written in Python: `func(value, loc, errors) -> value | FAILED`, and how
    /// to turn the value into JSON types (`to_json(value)`; `None`: it already is).
    Python {
        func: PyObj,
        to_json: Option<PyObj>,
        /// The values' Python type (a union picks this node's serializer for its instances).
        instance: PyObj,
        /// A native parser for the canonical text form, tried first (`fast_leaf.rs`).
        fast: Option<super::fast_leaf::Fast>,
        /// Declared strict: a Python `str` is not this type (the fast path then stands aside).
        strict: bool,
    },
    Validated {
        inner: Box<Node>,
        validators: Vec<FuncValidator>,
    },
}

#[derive(Default)]
pub struct Numeric {
    pub strict: bool,
    pub gt: Option<PyObj>,
    pub ge: Option<PyObj>,
    pub lt: Option<PyObj>,
    pub le: Option<PyObj>,
    pub multiple_of: Option<PyObj>,
}

impl Numeric {
    pub fn constrained(&self) -> bool {
        self.gt.is_some() || self.ge.is_some() || self.lt.is_some() || self.le.is_some() || self.multiple_of.is_some()
    }
}

pub struct StrRules {
    pub strict: bool,
    pub min_length: Option<usize>,
    pub max_length: Option<usize>,
    /// The pattern and its text (for the error message).
    pub pattern: Option<(Pattern, String)>,
    pub strip: bool,
    pub lower: bool,
    pub upper: bool,
}

/// A string constraint's pattern, searched anywhere in the value (`re.search` semantics).
pub enum Pattern {
    Rust(regex::Regex),
    /// `re.compile(pattern).search`.
    Python(PyObj),
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum SeqKind {
    List,
    Set,
    FrozenSet,
    Tuple,
}

impl SeqKind {
    /// `items` (a list) as this kind of container: the list itself, or a new tuple/set/frozenset.
    ///
    /// # Safety
    /// Attached; `items` is a list. `None`: a Python exception is pending.
    pub unsafe fn collect(self, items: PyObj) -> Option<PyObj> {
        match self {
            SeqKind::List => Some(items),
            SeqKind::Tuple => PyObj::from_owned(ffi::PyList_AsTuple(items.as_ptr())),
            SeqKind::Set => PyObj::from_owned(ffi::PySet_New(items.as_ptr())),
            SeqKind::FrozenSet => PyObj::from_owned(ffi::PyFrozenSet_New(items.as_ptr())),
        }
    }
}

#[derive(Default, Clone, Copy)]
pub struct Lengths {
    pub min: Option<usize>,
    pub max: Option<usize>,
}

pub struct Choice {
    /// input value -> result (the value itself for Literal, the member for Enum).
    pub lookup: PyObj,
    pub error_type: PyObj,
    pub msg: PyObj,
    pub expected: PyObj,
    /// For a choice with int values: int -> result, consulted for numeric strings.
    pub ints: Option<PyObj>,
    /// The Enum class (its members pass as they are); `None` for Literal.
    pub enum_cls: Option<PyObj>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Before,
    After,
    Plain,
}

pub struct FuncValidator {
    pub mode: Mode,
    pub func: PyObj,
    pub wants_info: bool,
    /// Called as `func(cls, value[, info])` (a `@field_validator`) rather than `func(value[, info])`.
    pub pass_cls: bool,
}

/// A model, dataclass or TypedDict, shared by every node that refers to it (a capsule
/// object owns it, so self-referencing models are possible: the node holds the capsule).
pub struct ModelRef {
    pub capsule: PyObj,
    pub core: *const ModelCore,
}

impl ModelRef {
    pub fn core(&self) -> Option<&ModelBody> {
        // SAFETY: the capsule we hold owns the ModelCore and outlives this node.
        unsafe { (*self.core).get() }
    }
}

/// Filled in once (`define_model`), after every model it may refer to has a capsule.
pub struct ModelCore(OnceCell<ModelBody>);

impl std::default::Default for ModelCore {
    fn default() -> ModelCore {
        ModelCore::new()
    }
}

impl ModelCore {
    pub fn new() -> ModelCore {
        ModelCore(OnceCell::new())
    }
    pub fn get(&self) -> Option<&ModelBody> {
        self.0.get()
    }
    pub fn set(&self, body: ModelBody) -> Result<(), String> {
        self.0.set(body).map_err(|_| "model defined twice".to_owned())
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Construct {
    Model,
    Dataclass,
    TypedDict,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    Ignore,
    Forbid,
    Allow,
}

pub enum Default {
    Required,
    Value(PyObj),
    /// A mutable default: each instance gets `copy.deepcopy(value)`.
    Copied(PyObj),
    Factory(PyObj),
    /// TypedDict's optional key: absent stays absent.
    Absent,
}

pub struct Field {
    pub name: PyObj,
    /// Key paths to read the value from, in order of preference (`("a",)`, `("a", 0, "b")`).
    pub keys: Vec<Vec<PyObj>>,
    pub node: Node,
    pub default: Default,
    pub validators: Vec<FuncValidator>,
    /// The key when dumping `by_alias`.
    pub serialization_alias: Option<PyObj>,
    pub exclude: bool,
}

pub struct ModelBody {
    pub cls: PyObj,
    pub construct: Construct,
    pub fields: Vec<Field>,
    pub extra: Extra,
    pub from_attributes: bool,
    pub model_validators: Vec<FuncValidator>,
    /// `@computed_field`s: name, how to dump their value, alias.
    pub computed: Vec<(PyObj, Node, Option<PyObj>)>,
    pub title: PyObj,
    /// `ValidationInfo(field_name, data, mode)`, for validators that take `info`.
    pub info_cls: PyObj,
    /// `copy.deepcopy`, for mutable defaults.
    pub deepcopy: PyObj,
    /// Every key a field may be given by (for `extra="forbid"/"allow"`).
    pub known_keys: PyObj,
    /// The frozenset of every field name: the fields set of an instance given every field
    /// (the common case), shared instead of building a set per instance.
    pub all_fields: PyObj,
    /// Where a model instance keeps `__pydantic_fields_set__` and `__pydantic_extra__` (the
    /// `__slots__` of BaseModel), so they are written without an attribute lookup.
    pub slots: Option<Slots>,
    /// Each field's JSON key (by field index), when JSON may be validated while it is parsed
    /// (`direct.rs`): every field read from one plain key, no Python code that must see the
    /// raw input.
    pub direct: Option<Vec<String>>,
    /// How the lazy pass checks and writes this model's JSON (`lazy.rs`), made on first use.
    pub lazy: super::lazy::LazySlot,
}

// ---- reading specs --------------------------------------------------------------------------

type Res<T> = Result<T, String>;

/// # Safety
/// Attached; `t` is a tuple.
unsafe fn item(t: *mut ffi::PyObject, i: isize) -> Res<*mut ffi::PyObject> {
    if i >= ffi::PyTuple_Size(t) {
        return Err(format!("schema spec: missing item {i}"));
    }
    Ok(ffi::PyTuple_GetItem(t, i))
}

/// # Safety
/// Attached; `t` is a tuple.
unsafe fn obj(t: *mut ffi::PyObject, i: isize) -> Res<PyObj> {
    item(t, i).map(|p| PyObj::from_borrowed(p))
}

/// # Safety
/// Attached; `t` is a tuple.
unsafe fn opt(t: *mut ffi::PyObject, i: isize) -> Res<Option<PyObj>> {
    let p = item(t, i)?;
    Ok(if p == ffi::Py_None() { None } else { Some(PyObj::from_borrowed(p)) })
}

/// # Safety
/// Attached; `t` is a tuple.
unsafe fn flag(t: *mut ffi::PyObject, i: isize) -> Res<bool> {
    Ok(ffi::PyObject_IsTrue(item(t, i)?) == 1)
}

/// # Safety
/// Attached; `t` is a tuple.
unsafe fn size(t: *mut ffi::PyObject, i: isize) -> Res<Option<usize>> {
    let p = item(t, i)?;
    if p == ffi::Py_None() {
        return Ok(None);
    }
    let v = ffi::PyLong_AsSsize_t(p);
    if v < 0 {
        ffi::PyErr_Clear();
        return Err("schema spec: a length must be an int >= 0".into());
    }
    Ok(Some(v as usize))
}

/// # Safety
/// Attached; `t` is a tuple.
unsafe fn code(t: *mut ffi::PyObject, i: isize) -> Res<i64> {
    let v = ffi::PyLong_AsLongLong(item(t, i)?);
    if v == -1 && !ffi::PyErr_Occurred().is_null() {
        ffi::PyErr_Clear();
        return Err("schema spec: expected an int code".into());
    }
    Ok(v)
}

/// # Safety
/// Attached; `t` is a tuple.
unsafe fn tuple_at(t: *mut ffi::PyObject, i: isize) -> Res<*mut ffi::PyObject> {
    let p = item(t, i)?;
    if ffi::PyTuple_Check(p) == 0 {
        return Err(format!("schema spec: item {i} must be a tuple"));
    }
    Ok(p)
}

/// # Safety
/// Attached; `t` is a tuple.
unsafe fn text(t: *mut ffi::PyObject, i: isize) -> Res<String> {
    let p = item(t, i)?;
    if ffi::PyUnicode_Check(p) == 0 {
        return Err(format!("schema spec: item {i} must be a str"));
    }
    Ok(String::from_utf8_lossy(object::str_utf8(p).unwrap_or_default()).into_owned())
}

/// Byte offsets of BaseModel's object slots inside an instance.
#[derive(Clone, Copy)]
pub struct Slots {
    fields_set: isize,
    extra: isize,
    /// `__fasterapi_lazy__`: a lazy instance's request bytes and JSON (`lazy.rs`), else None.
    lazy: isize,
}

impl Slots {
    /// Reads the offsets from the class's member descriptors (what `__slots__` made).
    ///
    /// # Safety
    /// Attached; `cls` is a type.
    unsafe fn of(cls: *mut ffi::PyObject) -> Res<Slots> {
        Ok(Slots {
            fields_set: member_offset(cls, c"__pydantic_fields_set__")?,
            extra: member_offset(cls, c"__pydantic_extra__")?,
            lazy: member_offset(cls, c"__fasterapi_lazy__")?,
        })
    }

    /// A lazy instance's `__fasterapi_lazy__` (borrowed), or `None` for a materialised one.
    ///
    /// # Safety
    /// Attached; `obj` is an instance of the class these offsets were read from.
    pub unsafe fn lazy(&self, obj: *mut ffi::PyObject) -> Option<*mut ffi::PyObject> {
        let value = *obj.cast::<u8>().offset(self.lazy).cast::<*mut ffi::PyObject>();
        (!value.is_null() && value != ffi::Py_None()).then_some(value)
    }

    /// Stores `value` in `__fasterapi_lazy__`, returning what was there (the slot's reference).
    ///
    /// # Safety
    /// Attached; `obj` is an instance of the class these offsets were read from.
    pub unsafe fn replace_lazy(&self, obj: *mut ffi::PyObject, value: PyObj) -> Option<PyObj> {
        let slot = obj.cast::<u8>().offset(self.lazy).cast::<*mut ffi::PyObject>();
        let old = *slot;
        *slot = value.into_ptr();
        PyObj::from_owned(old)
    }

    /// Stores new references in the slots of a fresh instance (whose slots are still NULL,
    /// as `tp_alloc` left them), as the member descriptors' setters would.
    ///
    /// # Safety
    /// Attached; `obj` is a new instance of the class these offsets were read from.
    pub unsafe fn init(&self, obj: *mut ffi::PyObject, fields_set: PyObj, extra: PyObj) {
        // SAFETY: the offsets are those of object slots (T_OBJECT_EX members) of `obj`'s type.
        let base = obj.cast::<u8>();
        *base.offset(self.fields_set).cast::<*mut ffi::PyObject>() = fields_set.into_ptr();
        *base.offset(self.extra).cast::<*mut ffi::PyObject>() = extra.into_ptr();
    }

    /// The two slots' current values (borrowed; NULL if never set).
    ///
    /// # Safety
    /// Attached; `obj` is an instance of the class these offsets were read from.
    pub unsafe fn get(&self, obj: *mut ffi::PyObject) -> (*mut ffi::PyObject, *mut ffi::PyObject) {
        let base = obj.cast::<u8>();
        (
            *base.offset(self.fields_set).cast::<*mut ffi::PyObject>(),
            *base.offset(self.extra).cast::<*mut ffi::PyObject>(),
        )
    }
}

/// `obj`'s `__fasterapi_lazy__` slot, found through its class's member descriptor (for callers
/// that only have the instance); `None` with a `TypeError` set if it is not a model instance.
///
/// # Safety
/// Attached; `obj` is a valid object.
pub unsafe fn lazy_slot(obj: *mut ffi::PyObject) -> Option<*mut *mut ffi::PyObject> {
    match member_offset(ffi::Py_TYPE(obj).cast(), c"__fasterapi_lazy__") {
        // SAFETY: the offset of an object slot of `obj`'s own class.
        Ok(offset) => Some(obj.cast::<u8>().offset(offset).cast()),
        Err(message) => {
            object::raise(&super::super::interpreter::Attached::assume(), object::Exc::Type, &message);
            None
        }
    }
}

/// # Safety
/// Attached; `cls` is a type.
unsafe fn member_offset(cls: *mut ffi::PyObject, name: &std::ffi::CStr) -> Res<isize> {
    let descr = PyObj::from_owned(ffi::PyObject_GetAttrString(cls, name.as_ptr())).ok_or_else(|| {
        ffi::PyErr_Clear();
        format!("model class has no {name:?} slot (not a BaseModel?)")
    })?;
    if ffi::Py_TYPE(descr.as_ptr()) != std::ptr::addr_of_mut!(ffi::PyMemberDescr_Type) {
        return Err(format!("{name:?} of a model class must be BaseModel's slot"));
    }
    // SAFETY: a member descriptor; pyo3-ffi types `d_member` as PyGetSetDef, CPython's
    // descrobject.h as PyMemberDef, which is what it points to.
    let member = (*descr.as_ptr().cast::<ffi::PyMemberDescrObject>()).d_member.cast::<ffi::PyMemberDef>();
    Ok((*member).offset)
}

/// Reads a node spec (see `fasterapi/_native_schema.py` for the codes).
///
/// # Safety
/// Attached; `spec` is a valid object.
pub unsafe fn read_node(spec: *mut ffi::PyObject) -> Res<Node> {
    if ffi::PyTuple_Check(spec) == 0 || ffi::PyTuple_Size(spec) == 0 {
        return Err("schema spec: a node must be a non-empty tuple".into());
    }
    let s = spec;
    Ok(match code(s, 0)? {
        0 => Node::Any,
        1 => Node::None,
        2 => Node::Bool { strict: flag(s, 1)? },
        3 => Node::Int(numeric(s)?),
        4 => Node::Float { num: numeric(s)?, allow_inf_nan: flag(s, 7)? },
        5 => {
            let pattern = match opt(s, 4)? {
                Some(search) => {
                    let source = text(s, 5)?;
                    // pydantic's default engine is the regex crate; patterns it cannot compile
                    // (lookaround, backreferences) use Python's re, as regex_engine="python-re".
                    let compiled = match regex::Regex::new(&source) {
                        Ok(re) => Pattern::Rust(re),
                        Err(_) => Pattern::Python(search),
                    };
                    Some((compiled, source))
                }
                None => None,
            };
            Node::Str(StrRules {
                strict: flag(s, 1)?,
                min_length: size(s, 2)?,
                max_length: size(s, 3)?,
                pattern,
                strip: flag(s, 6)?,
                lower: flag(s, 7)?,
                upper: flag(s, 8)?,
            })
        }
        6 => Node::Seq {
            kind: match code(s, 1)? {
                0 => SeqKind::List,
                1 => SeqKind::Set,
                2 => SeqKind::FrozenSet,
                _ => SeqKind::Tuple,
            },
            item: Box::new(read_node(item(s, 2)?)?),
            len: Lengths { min: size(s, 3)?, max: size(s, 4)? },
            strict: flag(s, 5)?,
        },
        7 => {
            let items = tuple_at(s, 1)?;
            let mut nodes = Vec::new();
            for i in 0..ffi::PyTuple_Size(items) {
                nodes.push(read_node(ffi::PyTuple_GetItem(items, i))?);
            }
            Node::Tuple { items: nodes, strict: flag(s, 2)? }
        }
        8 => Node::Dict {
            key: Box::new(read_node(item(s, 1)?)?),
            value: Box::new(read_node(item(s, 2)?)?),
            len: Lengths { min: size(s, 3)?, max: size(s, 4)? },
        },
        9 => Node::Nullable(Box::new(read_node(item(s, 1)?)?)),
        10 => Node::Union { members: labelled(tuple_at(s, 1)?)? },
        11 => Node::Tagged {
            field: obj(s, 1)?,
            tags: obj(s, 2)?,
            members: labelled(tuple_at(s, 3)?)?,
            expected: text(s, 4)?,
        },
        12 => Node::Choice(Choice {
            lookup: obj(s, 1)?,
            error_type: obj(s, 2)?,
            msg: obj(s, 3)?,
            expected: obj(s, 4)?,
            ints: opt(s, 5)?,
            enum_cls: opt(s, 6)?,
        }),
        13 => {
            let capsule = obj(s, 1)?;
            let core = super::model_core_ptr(capsule.as_ptr()).ok_or("schema spec: not a model capsule")?;
            Node::Model(ModelRef { capsule, core })
        }
        14 => {
            let fast = if ffi::PyTuple_Size(s) > 4 && ffi::PyTuple_Check(item(s, 4)?) != 0 {
                super::fast_leaf::Fast::read(item(s, 4)?)
            } else {
                None
            };
            let strict = ffi::PyTuple_Size(s) > 5 && flag(s, 5)?;
            Node::Python { func: obj(s, 1)?, to_json: opt(s, 2)?, instance: obj(s, 3)?, fast, strict }
        }
        15 => Node::Validated { inner: Box::new(read_node(item(s, 1)?)?), validators: validators(tuple_at(s, 2)?)? },
        other => return Err(format!("schema spec: unknown node code {other}")),
    })
}

/// # Safety
/// Attached; `s` is a tuple.
unsafe fn numeric(s: *mut ffi::PyObject) -> Res<Numeric> {
    Ok(Numeric {
        strict: flag(s, 1)?,
        gt: opt(s, 2)?,
        ge: opt(s, 3)?,
        lt: opt(s, 4)?,
        le: opt(s, 5)?,
        multiple_of: opt(s, 6)?,
    })
}

/// `((label, node_spec), ...)`.
///
/// # Safety
/// Attached; `t` is a tuple.
unsafe fn labelled(t: *mut ffi::PyObject) -> Res<Vec<(PyObj, Node)>> {
    let mut out = Vec::new();
    for i in 0..ffi::PyTuple_Size(t) {
        let pair = ffi::PyTuple_GetItem(t, i);
        if ffi::PyTuple_Check(pair) == 0 {
            return Err("schema spec: union members must be (label, node) pairs".into());
        }
        out.push((obj(pair, 0)?, read_node(item(pair, 1)?)?));
    }
    Ok(out)
}

/// `((mode, func, wants_info, pass_cls), ...)`; mode 0 before, 1 after, 2 plain.
///
/// # Safety
/// Attached; `t` is a tuple.
pub unsafe fn validators(t: *mut ffi::PyObject) -> Res<Vec<FuncValidator>> {
    let mut out = Vec::new();
    for i in 0..ffi::PyTuple_Size(t) {
        let v = ffi::PyTuple_GetItem(t, i);
        if ffi::PyTuple_Check(v) == 0 {
            return Err("schema spec: a validator must be (mode, func, wants_info, pass_cls)".into());
        }
        let mode = match code(v, 0)? {
            0 => Mode::Before,
            1 => Mode::After,
            _ => Mode::Plain,
        };
        out.push(FuncValidator { mode, func: obj(v, 1)?, wants_info: flag(v, 2)?, pass_cls: flag(v, 3)? });
    }
    Ok(out)
}

/// Reads a model body spec:
/// `(cls, construct, fields, extra, from_attributes, model_validators, computed, title, info_cls, deepcopy, known_keys)`
/// with fields `(name, keys, node, default_kind, default, validators, serialization_alias, exclude)`.
///
/// # Safety
/// Attached; `spec` is a valid object.
pub unsafe fn read_model(spec: *mut ffi::PyObject) -> Res<ModelBody> {
    if ffi::PyTuple_Check(spec) == 0 {
        return Err("model spec must be a tuple".into());
    }
    let s = spec;
    let fields_spec = tuple_at(s, 2)?;
    let mut fields = Vec::new();
    for i in 0..ffi::PyTuple_Size(fields_spec) {
        let f = ffi::PyTuple_GetItem(fields_spec, i);
        if ffi::PyTuple_Check(f) == 0 {
            return Err("model spec: a field must be a tuple".into());
        }
        let keys_spec = tuple_at(f, 1)?;
        let mut keys = Vec::new();
        for k in 0..ffi::PyTuple_Size(keys_spec) {
            let path = ffi::PyTuple_GetItem(keys_spec, k);
            if ffi::PyTuple_Check(path) == 0 {
                return Err("model spec: a key path must be a tuple".into());
            }
            keys.push(
                (0..ffi::PyTuple_Size(path)).map(|j| PyObj::from_borrowed(ffi::PyTuple_GetItem(path, j))).collect(),
            );
        }
        let default = match code(f, 3)? {
            0 => Default::Required,
            1 => Default::Value(obj(f, 4)?),
            2 => Default::Copied(obj(f, 4)?),
            3 => Default::Factory(obj(f, 4)?),
            _ => Default::Absent,
        };
        fields.push(Field {
            name: obj(f, 0)?,
            keys,
            node: read_node(item(f, 2)?)?,
            default,
            validators: validators(tuple_at(f, 5)?)?,
            serialization_alias: opt(f, 6)?,
            exclude: flag(f, 7)?,
        });
    }
    let computed_spec = tuple_at(s, 6)?;
    let mut computed = Vec::new();
    for i in 0..ffi::PyTuple_Size(computed_spec) {
        let c = ffi::PyTuple_GetItem(computed_spec, i);
        computed.push((obj(c, 0)?, read_node(item(c, 1)?)?, opt(c, 2)?));
    }
    let model_validators = validators(tuple_at(s, 5)?)?;
    let direct = direct_keys(&fields, &model_validators);
    let construct = match code(s, 1)? {
        0 => Construct::Model,
        1 => Construct::Dataclass,
        _ => Construct::TypedDict,
    };
    let cls = obj(s, 0)?;
    let slots = if construct == Construct::Model { Some(Slots::of(cls.as_ptr())?) } else { None };
    let names = PyObj::from_owned(ffi::PyList_New(0)).ok_or("out of memory")?;
    for field in &fields {
        ffi::PyList_Append(names.as_ptr(), field.name.as_ptr());
    }
    let all_fields = PyObj::from_owned(ffi::PyFrozenSet_New(names.as_ptr())).ok_or("out of memory")?;
    Ok(ModelBody {
        lazy: super::lazy::LazySlot::default(),
        all_fields,
        slots,
        direct,
        cls,
        construct,
        fields,
        extra: match code(s, 3)? {
            1 => Extra::Forbid,
            2 => Extra::Allow,
            _ => Extra::Ignore,
        },
        from_attributes: flag(s, 4)?,
        model_validators,
        computed,
        title: obj(s, 7)?,
        info_cls: obj(s, 8)?,
        deepcopy: obj(s, 9)?,
        known_keys: obj(s, 10)?,
    })
}

/// The JSON key -> field index table of a model the direct path can take (see `ModelBody::direct`).
///
/// # Safety
/// Attached.
unsafe fn direct_keys(fields: &[Field], model_validators: &[FuncValidator]) -> Option<Vec<String>> {
    if model_validators.iter().any(|v| v.mode != Mode::After) {
        return None;
    }
    let mut keys = Vec::with_capacity(fields.len());
    for field in fields {
        if !field.validators.is_empty() || field.keys.len() != 1 || field.keys[0].len() != 1 {
            return None;
        }
        let key = field.keys[0][0].as_ptr();
        if ffi::PyUnicode_Check(key) == 0 {
            return None;
        }
        let text = std::str::from_utf8(object::str_utf8(key)?).ok()?.to_owned();
        keys.push(text);
    }
    Some(keys)
}
