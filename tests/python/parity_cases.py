"""The hand-written parity corpus: models written the way applications write them, with
inputs chosen to hit every branch the issue lists (success, each kind of failure, each dump
option). Every input of every case becomes one test in test_pydantic_parity.py.

JSON inputs are text (or bytes, to test invalid UTF-8); python inputs are values, or an
``Expr`` when they need the case's own classes (a model instance, an attribute object).
"""

from __future__ import annotations

import textwrap

from tests.python.parity_harness import Case, Expr


def case(name: str, source: str, **kw) -> Case:
    return Case(name=name, source=textwrap.dedent(source).strip() + "\n", **kw)


CASES: list[Case] = []
add = CASES.append

# --- basics ------------------------------------------------------------------------------

add(case("basic", """
    class M(BaseModel):
        a: int
        b: str = "x"
        c: float | None = None
    """,
    python=({"a": 1}, {"a": "2", "b": "y", "c": 1}, {"a": 1, "c": None}, {}, {"b": 3},
            {"a": 1, "zzz": 1}, None, [("a", 1)], "a=1", 3, Expr("M(a=5)"),
            {"a": 1.0, "c": "1.5"}, {"a": 1.5}, {"a": None, "b": None}),
    json=('{"a": 1}', '{"a": "2", "b": "y", "c": 1}', '{}', '[]', 'null', '"x"', '{"a": 1, "zzz": [1]}',
          b'{"a": 1}', '{"a": 1.0}', '{"a": 1.5}', '{"a":1,"a":2}', ' \n\t{"a" : 1 } '),
    checks=("m == M(a=m.a, b=m.b, c=m.c)", "m.model_fields_set == set(M.model_fields)", "list(M.model_fields)"),
))

add(case("required-optional", """
    class M(BaseModel):
        required_opt: Optional[int]
        required_union: int | None
        default_none: int | None = None
        default_value: Optional[int] = 5
    """,
    python=({"required_opt": None, "required_union": None}, {}, {"required_opt": 1, "required_union": "2"},
            {"required_opt": None, "required_union": None, "default_value": None},
            {"required_opt": "x", "required_union": [], "default_none": 1.5}),
    json=('{"required_opt": null, "required_union": 3}', '{"required_opt": 1}', '{"required_opt": null, "required_union": null, "default_none": "7"}'),
))

add(case("defaults-and-factories", """
    counter = iter(range(1000))
    class M(BaseModel):
        tags: list[str] = []
        meta: dict[str, int] = Field(default_factory=dict)
        serial: int = Field(default_factory=lambda: 42)
        names: list[str] = Field(default=["a", "b"])
        when: date = date(2020, 1, 1)
    """,
    python=({}, {"tags": ["x"], "serial": "7"}, {"meta": {"a": "1"}, "names": []}, {"tags": None}, {"when": "2021-02-03"}),
    json=('{}', '{"tags": ["a", "b"], "meta": {"k": 2}}', '{"serial": null}'),
    checks=("M().tags is not M().tags", "M().meta is not M().meta", "M.model_fields['serial'].is_required()",
            "M.model_fields['tags'].default"),
))

# --- aliases -----------------------------------------------------------------------------

add(case("alias", """
    class M(BaseModel):
        user_name: str = Field(alias="userName")
        age: int = Field(0, alias="AGE")
    """,
    python=({"userName": "bob"}, {"user_name": "bob"}, {"userName": "bob", "AGE": "3"}, {"userName": "bob", "age": 3}, {}),
    json=('{"userName": "bob", "AGE": 4}', '{"user_name": "bob"}'),
    dumps=({"by_alias": True, "mode": "json"}, {"by_alias": True, "exclude": {"age"}}),
    checks=("M(userName='x').user_name", "M.model_fields['user_name'].alias"),
))

add(case("alias-populate-by-name", """
    class M(BaseModel):
        model_config = ConfigDict(populate_by_name=True)
        user_name: str = Field(alias="userName")
        nick: str | None = Field(None, alias="nickName")
    """,
    python=({"userName": "bob"}, {"user_name": "bob"}, {"user_name": "a", "userName": "b"}, {"user_name": "a", "nick": "n"}, {"nickName": 3}),
    json=('{"user_name": "bob", "nickName": "bo"}', '{"nick": "x"}'),
    checks=("M(user_name='x').user_name",),
))

add(case("validation-serialization-alias", """
    class M(BaseModel):
        a: int = Field(validation_alias="in_a", serialization_alias="out_a")
        b: int = Field(0, serialization_alias="outB")
        c: int = Field(0, alias="c_alias", serialization_alias="c_out")
    """,
    python=({"in_a": 1}, {"a": 1}, {"in_a": 1, "b": 2, "c_alias": 3}, {"in_a": "x", "c": 3}),
    json=('{"in_a": 5, "c_alias": 6}', '{"out_a": 5}'),
    dumps=({"by_alias": True, "exclude_defaults": True},),
))

add(case("alias-choices-path", """
    class M(BaseModel):
        a: int = Field(validation_alias=AliasChoices("a", "alpha", "A"))
        b: str = Field("", validation_alias=AliasPath("names", 1))
    """,
    python=({"alpha": 1}, {"A": 2, "names": ["x", "y"]}, {"a": 1, "alpha": 2}, {"names": ["x"], "a": 1}, {}),
    json=('{"alpha": 3, "names": ["p", "q", "r"]}',),
))

# --- numeric constraints -----------------------------------------------------------------

add(case("int-constraints", """
    class M(BaseModel):
        gt: int = Field(0, gt=0)
        ge: int = Field(0, ge=0)
        lt: int = Field(0, lt=10)
        le: int = Field(0, le=10)
        mult: int = Field(0, multiple_of=3)
        band: int = Field(5, ge=1, le=9)
    """,
    python=({"gt": 1}, {"gt": 0}, {"gt": -5, "ge": -1, "lt": 10, "le": 11, "mult": 4, "band": 0},
            {"gt": 1, "ge": 0, "lt": 9, "le": 10, "mult": -9, "band": 9}, {"gt": "2", "mult": "6"},
            {"gt": 1, "band": 10}, {"gt": 1, "lt": 2**70}),
    json=('{"gt": 1}', '{"gt": 0, "mult": 5}', '{"gt": 1, "band": 1e1}', '{"gt": 1.0, "ge": -0.0}'),
))

add(case("float-constraints", """
    class M(BaseModel):
        price: float = Field(gt=0, le=1000)
        step: float = Field(0.5, multiple_of=0.5)
        ratio: float = Field(0.0, ge=0.0, lt=1.0)
    """,
    python=({"price": 1}, {"price": 0}, {"price": 0.0001, "step": 1.5}, {"price": 1000.0, "step": 0.3},
            {"price": 1000.5, "ratio": 1.0}, {"price": "12.5", "ratio": "-0.1"}, {"price": float("inf")},
            {"price": float("nan")}, {"price": 5, "step": 2}),
    json=('{"price": 10}', '{"price": 0}', '{"price": 1e999}', '{"price": 1, "step": 7.5}', '{"price": "nan"}', '{"price": "inf"}'),
))

add(case("float-inf-nan-allowed", """
    class M(BaseModel):
        x: float
        y: float = Field(0.0, allow_inf_nan=False)
    """,
    python=({"x": float("inf")}, {"x": float("-inf")}, {"x": float("nan")}, {"x": 1, "y": float("inf")},
            {"x": "Infinity"}, {"x": "-inf"}, {"x": "NaN"}, {"x": 10**400}),
    json=('{"x": 1e999}', '{"x": -1e999}', '{"x": NaN}', '{"x": Infinity}', '{"x": "NaN"}', '{"x": 1, "y": 1e999}',
          '{"x": 1e308}', '{"x": 123456789012345678901234567890}'),
))

add(case("decimal-constraints", """
    class M(BaseModel):
        amount: Decimal = Field(max_digits=6, decimal_places=2)
        fee: Decimal = Field(Decimal("0"), ge=0, multiple_of=Decimal("0.25"))
        plain: Decimal = Decimal("1.10")
    """,
    python=({"amount": "12.34"}, {"amount": 12.5}, {"amount": "1234.567"}, {"amount": "12345.67"},
            {"amount": 1, "fee": "0.75"}, {"amount": 1, "fee": "0.3"}, {"amount": 1, "fee": -1},
            {"amount": "abc"}, {"amount": "NaN"}, {"amount": Expr("Decimal('1.50')")}, {"amount": "1e2"}),
    json=('{"amount": 12.34}', '{"amount": "12.340"}', '{"amount": 1.005}', '{"amount": 1e2, "plain": 3}'),
))

# --- string and length constraints ------------------------------------------------------

add(case("str-constraints", """
    class M(BaseModel):
        code: str = Field(min_length=2, max_length=4)
        slug: str = Field("ab", pattern=r"^[a-z]+$")
        phone: str = Field("1", pattern=r"\\d+")
    """,
    python=({"code": "ab"}, {"code": "a"}, {"code": "abcde"}, {"code": "ab", "slug": "AB"},
            {"code": "ab", "phone": "x12y"}, {"code": "ab", "phone": "xy"}, {"code": 12}, {"code": "ab", "slug": ""},
            {"code": "éé"}, {"code": "😀😀😀😀😀"}),
    json=('{"code": "abc"}', '{"code": "", "slug": "a1"}', '{"code": "ab\\u00e9"}'),
))

add(case("collection-length", """
    class M(BaseModel):
        items: list[int] = Field(min_length=1, max_length=3)
        tags: set[str] = Field(set(), max_length=2)
        pair: dict[str, int] = Field({}, max_length=1)
    """,
    python=({"items": [1]}, {"items": []}, {"items": [1, 2, 3, 4]}, {"items": [1], "tags": ["a", "b", "c"]},
            {"items": [1], "pair": {"a": 1, "b": 2}}, {"items": ["x", 2, "y"]}),
    json=('{"items": [1, 2]}', '{"items": []}', '{"items": [1,2,3,4,5]}'),
))

add(case("str-strip-whitespace", """
    class M(BaseModel):
        model_config = ConfigDict(str_strip_whitespace=True)
        name: str = Field(min_length=2)
        names: list[str] = []
    """,
    python=({"name": "  ab  "}, {"name": " a "}, {"name": "\\tab\\n", "names": [" x ", "y "]}),
    json=('{"name": "  cd "}', '{"name": "   "}'),
))

add(case("str-case-config", """
    class M(BaseModel):
        model_config = ConfigDict(str_to_lower=True, str_max_length=5)
        name: str
    """,
    python=({"name": "ABC"}, {"name": "ABCDEF"}),
    json=('{"name": "MiXeD"}',),
))

# --- strict ------------------------------------------------------------------------------

add(case("field-strict", """
    class M(BaseModel):
        n: int = Field(0, strict=True)
        f: float = Field(0.0, strict=True)
        s: str = Field("", strict=True)
        b: bool = Field(False, strict=True)
        lax: int = 0
    """,
    python=({"n": 1}, {"n": "1"}, {"n": 1.0}, {"n": True}, {"f": 1}, {"f": "1.5"}, {"s": b"x"}, {"b": 1},
            {"b": "true"}, {"lax": "3"}),
    json=('{"n": 1, "f": 2, "s": "x", "b": true}', '{"n": "1"}', '{"n": 1.0}', '{"f": "1.5"}', '{"b": 1}'),
))

add(case("config-strict", """
    class Inner(BaseModel):
        x: int
    class M(BaseModel):
        model_config = ConfigDict(strict=True)
        n: int
        d: date | None = None
        inner: Inner | None = None
        tags: list[str] = []
        loose: int = Field(0, strict=False)
    """,
    python=({"n": 1}, {"n": "1"}, {"n": 1, "d": "2020-01-01"}, {"n": 1, "inner": {"x": "2"}},
            {"n": 1, "tags": ("a",)}, {"n": 1, "loose": "5"}, {"n": 1, "d": Expr("date(2020, 1, 1)")}),
    json=('{"n": 1, "d": "2020-01-01", "inner": {"x": 2}}', '{"n": "1"}', '{"n": 1, "loose": "5"}'),
))

add(case("validate-strict-kwarg", """
    class M(BaseModel):
        n: int
        s: str = ""
    """,
    python=({"n": 1}, {"n": "1"}, {"n": 1.0}, {"n": 1, "s": 2}),
    json=('{"n": 1}', '{"n": "1"}'),
    validate_kwargs={"strict": True},
))

# --- exclude -----------------------------------------------------------------------------

add(case("field-exclude", """
    class M(BaseModel):
        name: str
        password: str = Field(exclude=True)
        token: str | None = Field(None, exclude=True)
    """,
    python=({"name": "a", "password": "p"}, {"name": "a"}, {"name": "a", "password": "p", "token": "t"}),
    json=('{"name": "a", "password": "p"}',),
    dumps=({"include": {"name", "password"}},),
))

add(case("include-exclude", """
    class Item(BaseModel):
        name: str
        price: float
        tags: list[str] = []
    class M(BaseModel):
        id: int
        owner: str | None = None
        items: list[Item] = []
        extra: dict[str, int] = {}
    """,
    python=({"id": 1, "owner": "o", "items": [{"name": "a", "price": 1}, {"name": "b", "price": 2, "tags": ["t"]}],
             "extra": {"x": 1, "y": 2}},),
    json=('{"id": 2, "items": [{"name": "c", "price": 3}]}',),
    dumps=({"include": {"id"}}, {"exclude": {"items"}}, {"include": {"id": True, "items": {0: {"name"}}}},
           {"exclude": {"items": {"__all__": {"price"}}}}, {"include": {"items": {"__all__": {"name"}}, "extra": {"x"}}},
           {"exclude": {"extra": {"y"}, "items": {1}}}, {"include": {"id"}, "exclude": {"id"}},
           {"exclude_none": True, "exclude": {"items": {"__all__": {"tags"}}}}),
))

# --- collections -------------------------------------------------------------------------

add(case("collections", """
    class M(BaseModel):
        l: list[int] = []
        s: set[int] = set()
        fs: frozenset[str] = frozenset()
        t: tuple[int, str] = (0, "")
        tv: tuple[int, ...] = ()
        d: dict[str, float] = {}
        dk: dict[int, str] = {}
        nested: list[list[int]] = []
    """,
    python=({"l": [1, "2", 3.0]}, {"l": (1, 2), "s": [1, 1, 2], "fs": ["a", "a"]}, {"s": {1, 2}, "fs": {"x"}},
            {"t": [1, "x"]}, {"t": (1,)}, {"t": (1, "x", 2)}, {"tv": [1, 2, "3"]}, {"tv": (1, "a")},
            {"d": {"a": 1, "b": "2.5"}}, {"dk": {"1": "a", 2: "b"}}, {"dk": {"x": "a"}},
            {"nested": [[1], [2, "3"], []]}, {"nested": [1]}, {"l": "123"}, {"l": {1: 2}}, {"s": [[1]]},
            {"l": Expr("(x for x in [1, 2])")}, {"l": Expr("{1: 'a'}.keys()")}, {"d": [("a", 1)]},
            {"l": [1, "x", 2, "y"]}),
    json=('{"l": [1, "2"], "s": [3, 3], "fs": ["a"], "t": [1, "b"], "tv": [1, 2, 3]}', '{"t": [1, 2]}',
          '{"dk": {"1": "a", "-2": "b"}}', '{"dk": {"1.5": "a"}}', '{"d": {"a": "x"}}', '{"nested": [[1, [2]]]}',
          '{"l": {"0": 1}}', '{"s": [1, "1"]}'),
))

add(case("tuple-shapes", """
    class M(BaseModel):
        empty: tuple[()] = ()
        pair: tuple[int, int] = (0, 0)
        nested: tuple[tuple[int, int], ...] = ()
        bare: tuple = ()
    """,
    python=({"pair": [1, 2]}, {"pair": [1]}, {"empty": [1]}, {"nested": [[1, 2], (3, "4")]}, {"nested": [[1]]}, {"bare": [1, "x"]},
            {"pair": "12"}),
    json=('{"pair": [3, 4], "nested": [[5, 6]], "bare": [null]}', '{"pair": [1, 2, 3]}'),
))

add(case("dict-values", """
    class Point(BaseModel):
        x: int
        y: int
    class M(BaseModel):
        points: dict[str, Point] = {}
        scores: dict[str, list[int]] = {}
        anyd: dict = {}
    """,
    python=({"points": {"a": {"x": 1, "y": 2}}}, {"points": {"a": {"x": 1}}}, {"scores": {"a": [1, "2"], "b": "x"}},
            {"anyd": {1: object}}, {"points": []}, {"points": {"a": Expr("Point(x=1, y=2)")}}),
    json=('{"points": {"p": {"x": 1, "y": 2}, "q": {"x": "a", "y": 1}}}', '{"anyd": {"k": [1, {"z": null}]}}'),
))

# --- nested and self-referencing models ---------------------------------------------------

add(case("nested", """
    class Image(BaseModel):
        url: str
        name: str
    class Item(BaseModel):
        name: str
        price: float
        tags: set[str] = set()
        image: Image | None = None
        images: list[Image] | None = None
    class Offer(BaseModel):
        name: str
        items: list[Item]
    """,
    target="Offer",
    python=({"name": "o", "items": []},
            {"name": "o", "items": [{"name": "i", "price": 1, "tags": ["a", "b", "a"], "image": {"url": "u", "name": "n"}}]},
            {"name": "o", "items": [{"name": "i", "price": "x", "image": {"url": 1}}, {"price": 2}]},
            {"name": "o", "items": [{"name": "i", "price": 1, "images": [{"url": "u", "name": "n"}, {}]}]},
            {"name": "o", "items": {"name": "i", "price": 1}}, {"name": "o", "items": [Expr("Item(name='i', price=2)")]},
            {"name": "o", "items": [None]}),
    json=('{"name": "o", "items": [{"name": "i", "price": 9.5, "images": [{"url": "a", "name": "b"}]}]}',
          '{"name": "o", "items": [{"name": "i", "price": 1, "image": {"url": "u"}}]}', '{"name": "o", "items": [1, "x"]}'),
    copies=({"name": "changed"}, {"items": []}),
))

add(case("self-reference", """
    class Node(BaseModel):
        value: int
        children: list["Node"] = []
        parent: Optional["Node"] = None
    """,
    target="Node",
    python=({"value": 1}, {"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]},
            {"value": 1, "children": [{"value": "x"}, {"children": []}]}, {"value": 1, "parent": {"value": 0, "parent": {"value": -1}}},
            {"value": 1, "children": [{"value": 2, "children": [{"value": 3, "children": [{"value": "deep"}]}]}]}),
    json=('{"value": 1, "children": [{"value": 2}, {"value": 3, "children": [{"value": 4}]}]}',
          '{"value": 1, "parent": {"value": "p"}}'),
))

add(case("mutual-reference-future-annotations", """
    from __future__ import annotations
    class Tree(BaseModel):
        name: str
        branches: list[Branch] = []
    class Branch(BaseModel):
        length: float
        tree: Tree | None = None
    Tree.model_rebuild()
    """,
    target="Tree",
    python=({"name": "t", "branches": [{"length": 1, "tree": {"name": "u"}}]}, {"name": "t", "branches": [{"tree": {}}]}),
    json=('{"name": "t", "branches": [{"length": "2.5"}]}',),
))

# --- unions ------------------------------------------------------------------------------

add(case("smart-union-scalars", """
    class M(BaseModel):
        a: int | str = 0
        b: str | int = 0
        c: float | int = 0
        d: int | float = 0
        e: bool | int = 0
        f: int | bool = 0
        g: list[int] | dict[str, int] | None = None
        h: Decimal | float = Decimal(0)
    """,
    python=({"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1}, {"a": "1", "b": "1", "c": "1", "d": "1", "e": "1", "f": "1"},
            {"a": 1.0, "b": 1.0, "c": 1.0, "d": 1.0}, {"a": 1.5, "d": 1.5}, {"e": True, "f": True, "a": True},
            {"a": None}, {"g": [1, "2"]}, {"g": {"a": "1"}}, {"g": "x"}, {"h": 1.5}, {"h": "1.5"}, {"a": b"x"}),
    json=('{"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1}', '{"a": "1", "b": "1", "c": "1.5", "d": "2"}',
          '{"e": true, "f": true}', '{"a": 1.0, "d": 1.0}', '{"a": null}', '{"g": {"a": 1}}', '{"h": 1.5}'),
))

add(case("smart-union-models", """
    class A(BaseModel):
        x: int
    class B(BaseModel):
        x: int
        y: int
    class C(BaseModel):
        z: str
    class M(BaseModel):
        v: A | B | C
        w: B | A | None = None
    """,
    python=({"v": {"x": 1}}, {"v": {"x": 1, "y": 2}}, {"v": {"z": "s"}}, {"v": {"q": 1}}, {"v": {"x": 1, "y": 2}, "w": {"x": 1}},
            {"v": Expr("B(x=1, y=2)")}, {"v": 1}, {"v": {"x": "1", "y": "2"}}),
    json=('{"v": {"x": 1, "y": 2}}', '{"v": {"z": 1}}', '{"v": []}'),
))

add(case("union-errors-nested", """
    class M(BaseModel):
        v: list[int] | int | None
    """,
    python=({"v": ["a"]}, {"v": "a"}, {"v": {}}, {"v": [1, "2"]}),
    json=('{"v": ["a", 1]}', '{"v": {}}'),
))

add(case("discriminated-union", """
    class Cat(BaseModel):
        pet_type: Literal["cat"]
        meows: int
    class Dog(BaseModel):
        pet_type: Literal["dog"]
        barks: float
    class Lizard(BaseModel):
        pet_type: Literal["reptile", "lizard"]
        scales: bool
    class M(BaseModel):
        pet: Cat | Dog | Lizard = Field(discriminator="pet_type")
        n: int = 0
    """,
    python=({"pet": {"pet_type": "cat", "meows": 3}}, {"pet": {"pet_type": "dog", "barks": "2.5"}},
            {"pet": {"pet_type": "lizard", "scales": True}}, {"pet": {"pet_type": "reptile", "scales": "yes"}},
            {"pet": {"pet_type": "fish"}}, {"pet": {"meows": 3}}, {"pet": {"pet_type": "cat"}}, {"pet": "cat"},
            {"pet": Expr("Dog(pet_type='dog', barks=1)")}, {"pet": {"pet_type": 1}}, {"pet": None}),
    json=('{"pet": {"pet_type": "cat", "meows": 1}}', '{"pet": {"pet_type": "dog"}}', '{"pet": {"pet_type": null}}',
          '{"pet": {"barks": 1, "pet_type": "dog"}}', '{"pet": []}'),
))

add(case("discriminated-union-annotated", """
    class Circle(BaseModel):
        kind: Literal["circle"] = "circle"
        r: float
    class Square(BaseModel):
        kind: Literal["square"] = "square"
        side: float = Field(gt=0)
    Shape = Annotated[Union[Circle, Square], Field(discriminator="kind")]
    class M(BaseModel):
        shapes: list[Shape]
        main: Shape | None = None
    """,
    python=({"shapes": [{"kind": "circle", "r": 1}, {"kind": "square", "side": 2}]}, {"shapes": [{"kind": "square", "side": 0}]},
            {"shapes": [{"r": 1}]}, {"shapes": [], "main": {"kind": "circle", "r": "x"}}, {"shapes": [], "main": None}),
    json=('{"shapes": [{"kind": "circle", "r": 1}, {"kind": "triangle"}]}', '{"shapes": [], "main": {"kind": "square", "side": 3}}'),
))

add(case("discriminated-union-adapter", """
    class Cat(BaseModel):
        kind: Literal["cat"]
        lives: int = 9
    class Dog(BaseModel):
        kind: Literal["dog"]
    Pet = Annotated[Cat | Dog, Field(discriminator="kind")]
    """,
    target="list[Pet]", adapter=True,
    python=([{"kind": "cat"}, {"kind": "dog"}], [{"kind": "cow"}], [{}], [{"kind": "cat", "lives": "x"}]),
    json=('[{"kind": "dog"}, {"kind": "cat", "lives": 3}]', '[{"kind": 5}]'),
))

# --- literal and enum --------------------------------------------------------------------

add(case("literal", """
    class M(BaseModel):
        mode: Literal["r", "w"] = "r"
        level: Literal[1, 2, 3] = 1
        flag: Literal[True] = True
        mixed: Literal["a", 1, None] = None
    """,
    python=({"mode": "w"}, {"mode": "x"}, {"level": "2"}, {"level": 2.0}, {"level": 4}, {"flag": 1}, {"flag": False},
            {"mixed": 1}, {"mixed": "1"}, {"mixed": "a"}, {"mode": "R"}),
    json=('{"mode": "w", "level": 3, "flag": true, "mixed": "a"}', '{"level": "1"}', '{"mode": 1}'),
))

add(case("enum", """
    class Color(str, Enum):
        RED = "red"
        GREEN = "green"
    class Size(IntEnum):
        S = 1
        M = 2
    class Plain(Enum):
        A = "a"
        ONE = 1
    class M(BaseModel):
        color: Color = Color.RED
        size: Size = Size.S
        plain: Plain = Plain.A
        colors: list[Color] = []
    """,
    python=({"color": "green"}, {"color": "GREEN"}, {"color": Expr("Color.GREEN")}, {"size": 2}, {"size": "2"},
            {"size": 3}, {"size": 2.0}, {"plain": 1}, {"plain": "1"}, {"plain": "b"}, {"colors": ["red", "blue"]}),
    json=('{"color": "green", "size": 2, "plain": 1, "colors": ["red"]}', '{"size": "1"}', '{"color": 1}', '{"plain": "A"}'),
    checks=("type(m.color).__name__", "m.color == 'red'"),
))

add(case("enum-values-config", """
    class Color(Enum):
        RED = "red"
        BLUE = "blue"
    class M(BaseModel):
        model_config = ConfigDict(use_enum_values=True)
        color: Color
    """,
    python=({"color": "red"}, {"color": Expr("Color.BLUE")}, {"color": "x"}),
    json=('{"color": "blue"}',),
))

# --- Annotated constraints ----------------------------------------------------------------

add(case("annotated-constraints", """
    PositiveInt = Annotated[int, Field(gt=0)]
    ShortStr = Annotated[str, Field(min_length=1, max_length=3)]
    class M(BaseModel):
        n: PositiveInt = 1
        names: list[ShortStr] = []
        scores: dict[ShortStr, Annotated[float, Field(ge=0, le=1)]] = {}
        q: Annotated[str | None, Field(max_length=5)] = None
        both: Annotated[int, Field(ge=0), Field(le=10)] = 0
    """,
    python=({"n": 0}, {"names": ["a", "", "abcd"]}, {"scores": {"ab": 0.5, "": 2}}, {"q": "toolong"}, {"q": None},
            {"both": 11}, {"both": -1}, {"n": "5", "names": ["x"]}),
    json=('{"n": -1, "names": ["ok", "okay"], "scores": {"a": 1.5}}',),
))

# --- datetimes ---------------------------------------------------------------------------

add(case("datetimes", """
    class M(BaseModel):
        at: datetime | None = None
        day: date | None = None
        clock: time | None = None
        span: timedelta | None = None
    """,
    python=({"at": "2024-01-02T03:04:05"}, {"at": "2024-01-02T03:04:05Z"}, {"at": "2024-01-02T03:04:05.123456+02:00"},
            {"at": "2024-01-02 03:04"}, {"at": "2024-01-02"}, {"at": 1700000000}, {"at": 1700000000123}, {"at": "1700000000"},
            {"at": "2024-13-01T00:00:00"}, {"at": "not a date"}, {"at": Expr("datetime(2020, 1, 1, tzinfo=timezone.utc)")},
            {"at": Expr("date(2020, 1, 1)")}, {"day": "2024-02-29"}, {"day": "2023-02-29"}, {"day": "2024-01-02T00:00:00"},
            {"day": "2024-01-02T03:00:00"}, {"day": 1700000000}, {"day": 0}, {"day": Expr("datetime(2020, 1, 1)")},
            {"clock": "03:04:05"}, {"clock": "03:04:05.5+01:00"}, {"clock": "25:00"}, {"clock": 3600}, {"clock": "3:4"},
            {"span": "P1DT2H3M4.5S"}, {"span": "01:02:03"}, {"span": 90}, {"span": 1.5}, {"span": "-P1D"}, {"span": "1 day"},
            {"span": "1 day, 01:00:00"}, {"span": "PT"}, {"at": "2024-01-02T03:04:05+25:00"}),
    json=('{"at": "2024-01-02T03:04:05Z", "day": "2024-01-02", "clock": "12:30", "span": "PT1H"}', '{"at": 1700000000.5}',
          '{"span": 3600.25, "day": "2024-1-2"}', '{"at": "2024-01-02T03:04:05.1234567Z"}', '{"clock": 1.5}', '{"at": true}'),
))

add(case("datetime-timezones", """
    class M(BaseModel):
        at: datetime
    """,
    python=({"at": "2024-06-01T12:00:00-05:30"}, {"at": "2024-06-01T12:00:00+00:00"}, {"at": "2024-06-01T12:00:00.000001"}),
    json=('{"at": "2024-06-01T12:00:00+14:00"}', '{"at": "2024-06-01T12:00:00.999999-00:00"}',
          # the dump is written natively from the fields (years below 1000, fractions, offsets)
          '{"at": "0999-01-01T00:00:00Z"}', '{"at": "2024-06-01T12:00:00.5+01:00"}', '{"at": "2024-06-01T23:59:59-12:45"}'),
    checks=("m.at.utcoffset()", "m.at.tzinfo is None"),
))

# --- UUID, Decimal, bytes, Any -----------------------------------------------------------

add(case("uuid", """
    class M(BaseModel):
        id: UUID
    """,
    python=({"id": "12345678-1234-5678-1234-567812345678"}, {"id": "12345678123456781234567812345678"},
            {"id": "{12345678-1234-5678-1234-567812345678}"}, {"id": "urn:uuid:12345678-1234-5678-1234-567812345678"},
            {"id": "12345678-1234-5678-1234-56781234567"}, {"id": "xyz"}, {"id": 1}, {"id": Expr("UUID(int=5)")},
            {"id": b"12345678-1234-5678-1234-567812345678"}, {"id": "12345678-1234-5678-1234-567812345678".upper()}),
    json=('{"id": "a8098c1a-f86e-11da-bd1a-00112444be1e"}', '{"id": "a8098c1af86e11dabd1a00112444be1e"}', '{"id": 5}', '{"id": "g8098c1a-f86e-11da-bd1a-00112444be1e"}'),
))

add(case("bytes", """
    class M(BaseModel):
        data: bytes
        short: bytes = Field(b"", max_length=3)
    """,
    python=({"data": b"abc"}, {"data": "abc"}, {"data": "é"}, {"data": bytearray(b"x")}, {"data": 1}, {"data": b"", "short": b"abcd"},
            {"data": b"\\xff\\x00"}),
    json=('{"data": "abc"}', '{"data": "\\u00e9"}', '{"data": 1}', '{"data": "x", "short": "abcd"}'),
))

add(case("any", """
    class M(BaseModel):
        anything: Any
        maybe: Any = None
        obj: object = None
    """,
    python=({"anything": 1}, {"anything": None}, {"anything": {"a": [1, (2, 3)]}}, {}, {"anything": Expr("Decimal('1.5')")},
            {"anything": Expr("{1, 2}")}, {"anything": Expr("datetime(2020, 1, 1)")}, {"anything": Expr("UUID(int=1)")}),
    json=('{"anything": [1, "a", null, true, {"b": 1.5}]}', '{"anything": 123456789012345678901234567890}',
          '{"maybe": 1}', '{"anything": 1e400}'),
))

# --- validators --------------------------------------------------------------------------

add(case("field-validator-after", """
    class M(BaseModel):
        name: str
        email: str = ""
        age: int = 0

        @field_validator("name")
        @classmethod
        def title_case(cls, v):
            return v.title()

        @field_validator("email", "name")
        @classmethod
        def no_spaces(cls, v):
            if " " in v.strip():
                raise ValueError("must not contain spaces")
            return v

        @field_validator("age")
        @classmethod
        def adult(cls, v, info):
            assert v >= 18, f"{info.field_name} must be at least 18"
            return v
    """,
    python=({"name": "bob"}, {"name": "bob smith"}, {"name": "x", "email": "a b"}, {"name": "x", "age": 10},
            {"name": "x", "age": 20}, {"name": 1}, {"name": "x", "age": "x"}),
    json=('{"name": "alice", "age": 30}', '{"name": "al ice", "age": 3}'),
))

add(case("field-validator-before-info", """
    class M(BaseModel):
        password: str
        confirm: str
        tags: list[str] = []

        @field_validator("tags", mode="before")
        @classmethod
        def split(cls, v):
            if isinstance(v, str):
                return v.split(",")
            return v

        @field_validator("confirm")
        @classmethod
        def matches(cls, v, info):
            if "password" in info.data and v != info.data["password"]:
                raise ValueError("passwords do not match")
            return v
    """,
    python=({"password": "a", "confirm": "a", "tags": "x,y"}, {"password": "a", "confirm": "b"},
            {"password": 1, "confirm": "b"}, {"password": "a", "confirm": "a", "tags": 5}),
    json=('{"password": "p", "confirm": "p", "tags": "a,b,c"}', '{"password": "p", "confirm": "q"}'),
))

add(case("field-validator-wildcard-and-types", """
    class M(BaseModel):
        a: int = 0
        b: int = 0

        @field_validator("*", mode="before")
        @classmethod
        def empty_is_zero(cls, v):
            return 0 if v == "" else v

        @field_validator("b")
        @classmethod
        def bad(cls, v):
            if v == 13:
                raise TypeError("unlucky")
            if v == 7:
                raise AssertionError()
            return v
    """,
    python=({"a": "", "b": ""}, {"a": "1", "b": 2}, {"b": 7}),
    json=('{"a": "", "b": "4"}',),
))

add(case("model-validator", """
    class M(BaseModel):
        start: int
        end: int
        label: str = ""

        @model_validator(mode="before")
        @classmethod
        def from_string(cls, data):
            if isinstance(data, str):
                a, b = data.split("-")
                return {"start": a, "end": b}
            return data

        @model_validator(mode="after")
        def ordered(self):
            if self.end < self.start:
                raise ValueError("end must not be before start")
            if not self.label:
                self.label = f"{self.start}-{self.end}"
            return self
    """,
    python=({"start": 1, "end": 2}, "3-4", "5-1", {"start": 2, "end": 1}, {"start": "x", "end": 1}, "nodash", 7),
    json=('{"start": 1, "end": 5}', '"2-3"', '{"start": 9, "end": 1}'),
))

add(case("model-validator-before-mutates", """
    class M(BaseModel):
        a: int
        b: int = 0

        @model_validator(mode="before")
        @classmethod
        def fill_b(cls, data):
            if isinstance(data, dict) and "b" not in data:
                data = dict(data, b=data.get("a", 0))
            return data
    """,
    python=({"a": 1}, {"a": 1, "b": 2}, {"b": 3}, []),
    json=('{"a": 5}',),
))

add(case("computed-field", """
    class M(BaseModel):
        width: float
        height: float

        @computed_field
        @property
        def area(self) -> float:
            return self.width * self.height

        @computed_field(alias="perimeterLength")
        @property
        def perimeter(self) -> float:
            return 2 * (self.width + self.height)
    """,
    python=({"width": 2, "height": 3}, {"width": "1.5", "height": 2}, {"width": 2}, {"width": 1, "height": 1, "area": 99}),
    json=('{"width": 2, "height": 2.5}',),
    dumps=({"exclude": {"area"}}, {"include": {"width", "area"}}, {"by_alias": True, "mode": "json"}),
    checks=("m.area", "list(M.model_computed_fields)"),
))

# --- config ------------------------------------------------------------------------------

add(case("extra-ignore", """
    class M(BaseModel):
        model_config = ConfigDict(extra="ignore")
        a: int
    """,
    python=({"a": 1, "b": 2},), json=('{"a": 1, "b": 2}',),
    checks=("m.model_extra", "hasattr(m, 'b')"),
))

add(case("extra-forbid", """
    class Inner(BaseModel):
        model_config = ConfigDict(extra="forbid")
        x: int
    class M(BaseModel):
        model_config = ConfigDict(extra="forbid")
        a: int = 0
        inner: Inner | None = None
    """,
    python=({"a": 1}, {"a": 1, "b": 2, "c": 3}, {"inner": {"x": 1, "y": 2}}, {"b": None, "a": "x"}),
    json=('{"a": 1, "b": 2}', '{"inner": {"x": 1, "z": [1]}}'),
))

add(case("extra-allow", """
    class M(BaseModel):
        model_config = ConfigDict(extra="allow")
        a: int = 0
    """,
    python=({"a": 1, "b": 2, "c": {"d": [1]}}, {}, {"zzz": None}),
    json=('{"a": 1, "b": "two", "c": [1.5]}',),
    dumps=({"exclude": {"b"}}, {"include": {"a", "b"}}),
    checks=("m.model_extra", "getattr(m, 'b', 'absent')", "m.model_fields_set"),
))

add(case("from-attributes", """
    class Address(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        city: str
    class M(BaseModel):
        model_config = ConfigDict(from_attributes=True)
        id: int
        name: str = "anon"
        address: Address | None = None
    class Row:
        def __init__(self, **kw):
            self.__dict__.update(kw)
    """,
    python=(Expr("Row(id=1, name='a')"), Expr("Row(id='2')"), Expr("Row(name='x')"), Expr("Row(id=1, address=Row(city='c'))"),
            Expr("Row(id=1, address=Row(town='c'))"), {"id": 3}, Expr("Row(id=1, address={'city': 'd'})")),
    json=('{"id": 4}',),
))

add(case("from-attributes-kwarg", """
    class M(BaseModel):
        id: int
        tags: list[str] = []
    @dataclass
    class Rec:
        id: int
        tags: list
    class Obj:
        id = 7
    """,
    python=(Expr("Rec(id=1, tags=['a'])"), Expr("Obj()"), Expr("Rec(id='x', tags=[])")),
    validate_kwargs={"from_attributes": True},
))

add(case("no-from-attributes", """
    class M(BaseModel):
        id: int
    class Obj:
        id = 7
    """,
    python=(Expr("Obj()"),),
))

add(case("frozen", """
    class M(BaseModel):
        model_config = ConfigDict(frozen=True)
        a: int
        tags: tuple[str, ...] = ()
    """,
    python=({"a": 1}, {"a": 1, "tags": ["x"]}),
    json=('{"a": 2}',),
    checks=("setattr(m, 'a', 5)", "hash(m) == hash(M(a=m.a, tags=m.tags))", "m == M(a=m.a, tags=m.tags)",
            "m.model_copy(update={'a': 9}).a", "delattr(m, 'a')"),
))

add(case("frozen-field", """
    class M(BaseModel):
        a: int = Field(frozen=True)
        b: int = 0
    """,
    python=({"a": 1},),
    checks=("setattr(m, 'a', 5)", "(setattr(m, 'b', 5), m.b)[1]"),
))

add(case("validate-assignment", """
    class M(BaseModel):
        model_config = ConfigDict(validate_assignment=True)
        a: int = Field(0, ge=0)
    """,
    python=({"a": 1},),
    checks=("(setattr(m, 'a', '5'), m.a)[1]", "setattr(m, 'a', -1)", "setattr(m, 'a', 'x')"),
))

add(case("assignment-unvalidated", """
    class M(BaseModel):
        a: int = 0
    """,
    python=({"a": 1},),
    checks=("(setattr(m, 'a', 'x'), m.a)[1]", "setattr(m, 'nope', 1)", "m.model_fields_set"),
))

# --- copy and fields set -----------------------------------------------------------------

add(case("model-copy", """
    class Inner(BaseModel):
        v: list[int] = []
    class M(BaseModel):
        a: int = 0
        b: str = "b"
        inner: Inner = Field(default_factory=Inner)
    """,
    python=({}, {"a": 1}, {"inner": {"v": [1]}}),
    copies=({"a": 5}, {"b": 7}, {"nope": 1}, {}),
    checks=("m.model_copy().inner is m.inner", "m.model_copy(deep=True).inner is m.inner",
            "m.model_copy(deep=True) == m", "m.model_copy(update={'a': 'not validated'}).a"),
))

add(case("fields-set-exclude-unset", """
    class Sub(BaseModel):
        x: int = 0
        y: int = 0
    class M(BaseModel):
        a: int = 0
        b: int | None = None
        sub: Sub = Sub()
        subs: list[Sub] = []
    """,
    python=({}, {"a": 0}, {"b": None}, {"sub": {"x": 1}}, {"subs": [{"y": 2}, {}]}, {"a": 1, "b": 2, "sub": {}, "subs": []}),
    json=('{"sub": {"y": 0}, "subs": [{"x": 0}]}',),
    dumps=({"exclude_unset": True, "exclude_defaults": True}, {"exclude_unset": True, "mode": "json"}),
))

# --- dataclasses and TypedDict -----------------------------------------------------------

add(case("dataclass-field", """
    @dataclass
    class Point:
        x: int
        y: int = 0
    class M(BaseModel):
        p: Point
        ps: list[Point] = []
    """,
    python=({"p": {"x": 1}}, {"p": {"x": "2", "y": "3"}}, {"p": {"y": 1}}, {"p": Expr("Point(1, 2)")}, {"p": [1, 2]},
            {"p": {"x": 1}, "ps": [{"x": 2}, {"x": "z"}]}),
    json=('{"p": {"x": 5, "y": 6}}', '{"p": {}}'),
))

add(case("dataclass-adapter", """
    @dataclass
    class Item:
        name: str
        price: float
        tags: list[str] = dataclasses.field(default_factory=list)
    """,
    target="Item", adapter=True,
    python=({"name": "a", "price": 1}, {"name": "a"}, {"name": "a", "price": "x", "tags": [1]}, Expr("Item('b', 2.0)")),
    json=('{"name": "j", "price": 2.5, "tags": ["t"]}', '{"price": 1}'),
))

add(case("typeddict", """
    class Movie(TypedDict):
        title: str
        year: int
    class M(BaseModel):
        movie: Movie
        movies: list[Movie] = []
    """,
    python=({"movie": {"title": "t", "year": "1999"}}, {"movie": {"title": "t"}}, {"movie": {"title": "t", "year": 1, "extra": 1}},
            {"movie": "x"}),
    json=('{"movie": {"title": "t", "year": 2000}, "movies": [{"title": "u", "year": "x"}]}',),
))

add(case("typeddict-adapter", """
    from typing import NotRequired
    class Opts(TypedDict):
        a: int
        b: NotRequired[str]
    """,
    target="Opts", adapter=True,
    python=({"a": 1}, {"a": "1", "b": "x"}, {"b": 1}, []),
    json=('{"a": 2, "b": "y"}', '{"a": 2, "c": 3}'),
))

# --- TypeAdapter -------------------------------------------------------------------------

add(case("adapter-list-int", "\n", target="list[int]", adapter=True,
    python=([1, "2"], [1, "x", None], "123", (1, 2), [], None),
    json=('[1, 2, 3]', '[1, "a"]', '{}', '[1,', '[1e999]', '[1.0, 2.5]'),
))

add(case("adapter-dict", "\n", target="dict[str, float]", adapter=True,
    python=({"a": 1, "b": "2.5"}, {"a": "x"}, {1: 1}, []),
    json=('{"a": 1, "b": 2.5}', '{"a": null}'),
))

add(case("adapter-annotated", "\n", target="Annotated[int, Field(gt=0, lt=100)]", adapter=True,
    python=(5, 0, 100, "50", 5.0, 5.5),
    json=('5', '0', '"7"', '150'),
))

add(case("adapter-tuple-union", "\n", target="tuple[int | str, ...]", adapter=True,
    python=([1, "a", 2.0], [None], ()),
    json=('[1, "a"]', '[true]'),
))

add(case("adapter-model", """
    class M(BaseModel):
        a: int
    """,
    target="list[M]", adapter=True,
    python=([{"a": 1}, {"a": "2"}], [{"a": "x"}, {}], [Expr("M(a=3)")]),
    json=('[{"a": 1}]', '[{"b": 1}]'),
))

add(case("adapter-scalars", "\n", target="dict[str, datetime | UUID | Decimal | None]", adapter=True,
    python=({"a": "2024-01-01T00:00:00", "b": "12345678-1234-5678-1234-567812345678", "c": "1.5", "d": None},),
    json=('{"a": "2024-01-01T00:00:00Z", "b": "12345678-1234-5678-1234-567812345678", "c": 1.5}',),
))

# --- lax coercions, big numbers ----------------------------------------------------------

add(case("lax-coercions", """
    class Color(str, Enum):
        RED = "red"
    class M(BaseModel):
        i: int = 0
        f: float = 0
        s: str = ""
        b: bool = False
    """,
    python=({"i": "3"}, {"i": " 3 "}, {"i": "3.0"}, {"i": 3.0}, {"i": 3.5}, {"i": "3.5"}, {"i": True}, {"i": "1e3"},
            {"i": Expr("Decimal('3')")}, {"i": Expr("Decimal('3.1')")}, {"f": "3"}, {"f": True}, {"s": 3}, {"s": 3.5},
            {"s": b"bytes"}, {"s": Expr("Color.RED")}, {"b": "yes"}, {"b": "off"}, {"b": 1}, {"b": 2}, {"b": "2"},
            {"b": 1.0}, {"b": "TRUE"}, {"b": "t"}, {"b": "y"}, {"i": "+5"}, {"i": "-0"}, {"i": "1_000"}, {"i": "0x1f"},
            {"i": 2**63}, {"i": 2**64 + 1}, {"i": -(2**70)}, {"i": str(2**80)}, {"i": 1e20}, {"i": 1e300}, {"i": float("inf")},
            {"i": float("nan")}),
    json=('{"i": "3"}', '{"i": 3.0}', '{"i": 3.5}', '{"i": 1e3}', '{"i": 1E2}', '{"i": -0.0}', '{"i": 18446744073709551617}',
          '{"i": -170141183460469231731687303715884105728}', '{"i": 1e20}', '{"i": 12345678901234567890123.0}',
          '{"f": 18446744073709551617}', '{"f": "1e400"}', '{"s": 3}', '{"b": "yes"}', '{"b": 0}', '{"b": 0.0}',
          '{"i": true}', '{"i": "3_0"}', '{"f": 1.7976931348623157e308}', '{"f": 5e-324}', '{"f": 0.1}', '{"f": 1e16}',
          '{"f": 123456789.123456789}', '{"f": -0.0}'),
))

add(case("huge-int-dumps", """
    class M(BaseModel):
        n: int
        ns: list[int] = []
    """,
    python=({"n": 10**30, "ns": [2**64, -(2**64)]}, {"n": 2**53 + 1}),
    json=('{"n": 123456789012345678901234567890123456789}', '{"n": 9007199254740993}'),
))

# --- malformed JSON ----------------------------------------------------------------------

add(case("malformed-json", """
    class M(BaseModel):
        a: int = 0
        s: str = ""
    """,
    json=('{"a": 1', '{"a": }', '', '   ', 'nul', '{"a": 1}x', '{"a": 1} {"a": 2}', '[1, 2,]', "{'a': 1}", '{"a": 01}',
          '{"a": 1,}', '{"a" 1}', '{"s": "\\x"}', '{"s": "\\ud800"}', '{"s": "line\nbreak"}', b'{"s": "\xff"}',
          b'\xef\xbb\xbf{"a": 1}', '{"a": .5}', '{"a": 1.}', '{"a": -}', '{"a": +1}', '{"a": 1e}', '{"a": tru}',
          '{"a": [}', '{a: 1}', '/* c */ {"a": 1}', '{"a": 1}\n', '{"s": "\\u00e9\\n\\t\\"\\\\"}', '{"s": "\\uD83D\\uDE00"}',
          '{\n  "a": 1,\n  "s": \n}'),
))

add(case("json-input-types", """
    class M(BaseModel):
        a: int = 0
    """,
    json=(bytearray(b'{"a": 1}'), b'{"a": 2}', '{"a": 3}'),
))

# --- Annotated validator markers, composed in declaration order ------------------------------

add(case("annotated-validator-markers", """
    def strip(v):
        return v.strip() if isinstance(v, str) else v
    def double(v):
        return v * 2
    def zero_on_error(v, handler):
        try:
            return handler(v)
        except ValidationError:
            return 0
    def refuse_bad(v, handler):
        if v == "bad":
            raise ValueError("bad input")
        return handler(v)
    class M(BaseModel):
        a: Annotated[int, BeforeValidator(strip), AfterValidator(double)] = 0
        b: Annotated[int, WrapValidator(zero_on_error), AfterValidator(double)] = 0
        c: Annotated[int, AfterValidator(double), WrapValidator(zero_on_error)] = 0
        d: list[Annotated[int, WrapValidator(refuse_bad)]] = []
        e: Annotated[str, PlainValidator(lambda v: f"<{v}>")] = ""
    """,
    python=({"a": " 3 "}, {"b": "x"}, {"c": "x"}, {"b": "4", "c": "4"}, {"d": [1, "bad", "x"]},
            {"e": 5}, {"a": "x"}),
    json=('{"a": " 3 ", "b": "x", "c": 2}', '{"d": [1, "bad"]}', '{"e": 1.5}'),
))
