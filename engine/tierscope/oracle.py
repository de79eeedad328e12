"""A pure-Python evaluator of the condition language (no durable-rules).

It is the oracle the property tests compare the durable-rules path against, and the
reference semantics of the rule language: `rules/README.md` describes exactly this.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .models.condition import All, Always, AnyOf, Condition, FactTest, Not
from .models.parameter import Parameter


def holds(
    cond: Condition, facts: Mapping[str, Any], params: Mapping[str, Parameter], day: dt.date
) -> bool:
    """Whether `cond` holds for `facts` on `day` (list parameters read on that day)."""
    if isinstance(cond, All):
        return all(holds(c, facts, params, day) for c in cond.all)
    if isinstance(cond, AnyOf):
        return any(holds(c, facts, params, day) for c in cond.any)
    if isinstance(cond, Not):
        return not holds(cond.not_, facts, params, day)
    if isinstance(cond, Always):
        return True
    assert isinstance(cond, FactTest)
    value = facts[cond.fact]
    op, operand = cond.op, cond.operand
    if op == "equals":
        return value == operand and type(value) is type(operand)
    if op == "in":
        return any(value == o and type(value) is type(o) for o in operand)
    if op == "in_param":
        members = params[operand].value_at(day)
        return isinstance(members, list) and value in members
    if op == "has":
        return operand in value
    if op == "has_any":
        return any(g in value for g in operand)
    if op == "has_all":
        return all(g in value for g in operand)
    if op == "gte":
        return value >= operand
    if op == "lt":
        return value < operand
    raise AssertionError(f"unhandled operator {op}")
