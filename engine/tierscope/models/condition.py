"""The condition language of provisions: `all`, `any`, `not`, `always` and fact tests.

Examples (YAML):
    {fact: tier, in: [2]}
    {fact: groups, has: "D:5"}
    {fact: country, in_param: framework_2025.tier1_destinations}
    {all: [{fact: tier, equals: 2}, {not: {fact: g2g_arrangement, equals: true}}]}
"""

from typing import Annotated, Any

from pydantic import Discriminator, Field, StrictBool, StrictInt, Tag, model_validator

from ..vocabulary import COUNTRY_GROUPS, FACTS, OPS_BY_KIND
from .common import StrictModel

Scalar = StrictBool | StrictInt | str


class FactTest(StrictModel):
    """Compare one fact with a literal or with a (list-valued) parameter."""

    fact: str
    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    in_param: str | None = None
    has: str | None = None
    has_any: list[str] | None = None
    has_all: list[str] | None = None
    gte: StrictInt | None = None
    lt: StrictInt | None = None

    @property
    def op(self) -> str:
        for name in ("equals", "in_", "in_param", "has", "has_any", "has_all", "gte", "lt"):
            if getattr(self, name) is not None:
                return name.rstrip("_")
        raise AssertionError("validated FactTest without operator")

    @property
    def operand(self) -> Any:
        return getattr(self, "in_" if self.op == "in" else self.op)

    @model_validator(mode="after")
    def _one_op_that_fits(self) -> "FactTest":
        spec = FACTS.get(self.fact)
        if spec is None:
            raise ValueError(f"unknown fact {self.fact!r}; known facts: {', '.join(FACTS)}")
        ops = [
            n.rstrip("_")
            for n in ("equals", "in_", "in_param", "has", "has_any", "has_all", "gte", "lt")
            if getattr(self, n) is not None
        ]
        if len(ops) != 1:
            raise ValueError(
                f"a fact test needs exactly one operator, got {ops or 'none'}; "
                f"for {self.fact!r} use one of {sorted(OPS_BY_KIND[spec.kind])}"
            )
        if ops[0] not in OPS_BY_KIND[spec.kind]:
            raise ValueError(
                f"operator {ops[0]!r} does not apply to fact {self.fact!r} ({spec.kind}); "
                f"use one of {sorted(OPS_BY_KIND[spec.kind])}"
            )
        expected = {"bool": bool, "int": int, "str": str, "code": str}.get(spec.kind)
        if expected is not None and ops[0] in ("equals", "in"):
            values = [self.equals] if ops[0] == "equals" else list(self.in_ or [])
            wrong = [v for v in values if type(v) is not expected]
            if wrong:
                raise ValueError(
                    f"fact {self.fact!r} holds {expected.__name__} values; got {wrong!r}"
                )
        if spec.kind == "groups":
            labels = [self.has] if self.has is not None else (self.has_any or self.has_all or [])
            bad = [g for g in labels if g not in COUNTRY_GROUPS]
            if bad or not labels:
                raise ValueError(
                    f"unknown country group(s) {bad}; known: {', '.join(COUNTRY_GROUPS)}"
                )
        return self


class All(StrictModel):
    all: list["Condition"] = Field(min_length=1)


class AnyOf(StrictModel):
    any: list["Condition"] = Field(min_length=1)


class Not(StrictModel):
    not_: "Condition" = Field(alias="not")


class Always(StrictModel):
    """Applies unconditionally (within the provision's validity window)."""

    always: bool

    @model_validator(mode="after")
    def _true(self) -> "Always":
        if self.always is not True:
            raise ValueError("'always' may only be true; to disable a provision, remove it")
        return self


def _which(value: Any) -> str | None:
    if isinstance(value, dict):
        for key in ("all", "any", "not", "always", "fact"):
            if key in value:
                return key
        return None
    return (
        "fact"
        if isinstance(value, FactTest)
        else {All: "all", AnyOf: "any", Not: "not", Always: "always"}.get(type(value))
    )


Condition = Annotated[
    (
        Annotated[All, Tag("all")]
        | Annotated[AnyOf, Tag("any")]
        | Annotated[Not, Tag("not")]
        | Annotated[Always, Tag("always")]
        | Annotated[FactTest, Tag("fact")]
    ),
    Discriminator(
        _which,
        custom_error_type="condition",
        custom_error_message="a condition needs one of the keys all, any, not, always, fact",
    ),
]


def walk(cond: Condition):
    """Yield every node of a condition tree (for reference checks and stratification)."""
    yield cond
    if isinstance(cond, All):
        for c in cond.all:
            yield from walk(c)
    elif isinstance(cond, AnyOf):
        for c in cond.any:
            yield from walk(c)
    elif isinstance(cond, Not):
        yield from walk(cond.not_)
