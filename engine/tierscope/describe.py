"""Conditions in words, for `explain`: what a provision requires, as an analyst reads it."""

from __future__ import annotations

from .models.condition import All, Always, AnyOf, Condition, FactTest, Not

_OPS = {
    "equals": "is",
    "in": "is one of",
    "in_param": "is listed in",
    "has": "includes group",
    "has_any": "includes any of",
    "has_all": "includes all of",
    "gte": ">=",
    "lt": "<",
}


def _operand(value: object) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def describe(cond: Condition) -> str:
    """`{all: [{fact: tier, equals: 2}, {not: ...}]}` -> "tier is 2 and not (...)"."""
    if isinstance(cond, Always):
        return "always"
    if isinstance(cond, All):
        return " and ".join(_wrap(c) for c in cond.all)
    if isinstance(cond, AnyOf):
        return " or ".join(_wrap(c) for c in cond.any)
    if isinstance(cond, Not):
        return f"not {_wrap(cond.not_)}"
    assert isinstance(cond, FactTest)
    return f"{cond.fact} {_OPS[cond.op]} {_operand(cond.operand)}"


def _wrap(cond: Condition) -> str:
    text = describe(cond)
    return f"({text})" if isinstance(cond, (All, AnyOf)) else text
