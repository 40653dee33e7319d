"""Representative models whose ``model_json_schema()`` (validation and serialization mode)
must equal pydantic's exactly: these schemas are what FastAPI puts in /openapi.json."""

from __future__ import annotations

from tests.python.parity_cases import case

SCHEMA_CASES = [
    case("schema-basic", """
        class M(BaseModel):
            name: str
            price: float
            count: int = 0
            flag: bool = False
            note: str | None = None
        """),
    case("schema-field-docs", """
        class M(BaseModel):
            \"\"\"An item in the shop.\"\"\"
            name: str = Field(title="Item name", description="What it is called", examples=["hammer"])
            old: int = Field(0, deprecated=True)
            tags: list[str] = Field(default_factory=list, description="Labels")
        """),
    case("schema-constraints", """
        class M(BaseModel):
            a: int = Field(gt=0, lt=10)
            b: float = Field(ge=0.5, le=1.5, multiple_of=0.5)
            c: str = Field(min_length=1, max_length=5, pattern=r"^[a-z]+$")
            d: list[int] = Field([], min_length=1, max_length=3)
            e: Decimal = Field(Decimal("1"), max_digits=5, decimal_places=2)
        """),
    case("schema-aliases", """
        class M(BaseModel):
            user_name: str = Field(alias="userName")
            b: int = Field(0, validation_alias="bIn", serialization_alias="bOut")
        """),
    case("schema-nested", """
        class Image(BaseModel):
            url: str
            name: str
        class Item(BaseModel):
            name: str
            images: list[Image] | None = None
            main: Image | None = None
        class M(BaseModel):
            items: list[Item]
            by_name: dict[str, Item] = {}
        """),
    case("schema-self-reference", """
        class M(BaseModel):
            value: int
            children: list["M"] = []
            parent: Optional["M"] = None
        """),
    case("schema-enum-literal", """
        class Color(str, Enum):
            RED = "red"
            GREEN = "green"
        class Size(IntEnum):
            S = 1
            L = 3
        class M(BaseModel):
            color: Color
            size: Size = Size.S
            mode: Literal["r", "w"] = "r"
            one: Literal[1] = 1
        """),
    case("schema-collections", """
        class M(BaseModel):
            s: set[int] = set()
            fs: frozenset[str] = frozenset()
            t: tuple[int, str]
            tv: tuple[float, ...] = ()
            d: dict[str, list[int]] = {}
            anything: Any = None
        """),
    case("schema-scalars", """
        class M(BaseModel):
            at: datetime
            day: date
            clock: time
            span: timedelta
            id: UUID
            amount: Decimal
            data: bytes
        """),
    case("schema-unions", """
        class A(BaseModel):
            x: int
        class B(BaseModel):
            y: str
        class M(BaseModel):
            v: int | str
            w: A | B | None = None
            n: float | None
        """),
    case("schema-discriminated", """
        class Cat(BaseModel):
            pet_type: Literal["cat"]
            meows: int
        class Dog(BaseModel):
            pet_type: Literal["dog"]
            barks: float
        class M(BaseModel):
            pet: Cat | Dog = Field(discriminator="pet_type")
        """),
    case("schema-annotated", """
        class M(BaseModel):
            n: Annotated[int, Field(gt=0, description="positive")]
            names: list[Annotated[str, Field(max_length=3)]] = []
        """),
    case("schema-computed", """
        class M(BaseModel):
            w: float
            h: float
            @computed_field
            @property
            def area(self) -> float:
                return self.w * self.h
        """),
    case("schema-extra-forbid", """
        class M(BaseModel):
            model_config = ConfigDict(extra="forbid", title="Strict thing")
            a: int
        """),
    case("schema-extra-allow", """
        class M(BaseModel):
            model_config = ConfigDict(extra="allow")
            a: int = 1
        """),
    case("schema-dataclass-typeddict", """
        @dataclass
        class Point:
            x: int
            y: int = 0
        class Movie(TypedDict):
            title: str
            year: int
        class M(BaseModel):
            p: Point
            movies: list[Movie] = []
        """),
    case("schema-defaults", """
        class Sub(BaseModel):
            k: int = 1
        class Color(Enum):
            RED = "red"
        class M(BaseModel):
            when: date = date(2020, 1, 2)
            sub: Sub = Sub()
            color: Color = Color.RED
            ratio: float = 0.5
            items: list[str] = ["a"]
            nothing: None = None
        """),
    case("schema-tutorial-item", """
        class Item(BaseModel):
            name: str
            description: str | None = Field(default=None, title="The description of the item", max_length=300)
            price: float = Field(gt=0, description="The price must be greater than zero")
            tax: float | None = None
        class M(BaseModel):
            item: Item
            importance: int = Field(gt=0)
        """),
    case("schema-frozen-strict", """
        class M(BaseModel):
            model_config = ConfigDict(frozen=True, strict=True)
            a: int
            b: str = Field("x", strict=False)
        """),
    case("schema-excluded-field", """
        class M(BaseModel):
            name: str
            password: str = Field(exclude=True)
        """),
]
