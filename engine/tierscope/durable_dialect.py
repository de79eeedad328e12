"""durable-rules' dialect: how the rule language is written for durable-rules.

Everything that depends on durable-rules' condition syntax, its date encoding and its
limits lives here, beside `durable_adapter` (the only module importing durable-rules):

- conditions become its JSON form with negation pushed to the leaves (durable-rules has
  no general `not`): every fact is always present in every message, so `not (x == v)`
  is exactly `x != v`;
- country groups and list memberships travel as one boolean per group or list
  (`groups_D_5`, `country__in__framework_2025__tier1_destinations`), avoiding its array
  operators (`$iall` is false on an empty list);
- dates travel as yyyymmdd integers;
- each provision's condition is put in disjunctive normal form and every conjunction
  becomes its own rule (durable-rules rejects a rule of 32 or more expressions, error
  113);
- `check_limits` guards the limits that durable-rules reaches from rule files, at
  compile time, with the file:line of the provision that reaches them (see LIMITS).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from .errors import LoadError
from .facts import date_int
from .models.condition import All, Always, AnyOf, Condition, FactTest, Not
from .models.parameter import Parameter
from .models.provision import Provision
from .vocabulary import COUNTRY_GROUPS, FACTS

_CODE_FACTS = frozenset(n for n, f in FACTS.items() if f.kind == "code")
TRUE: dict[str, Any] = {"$gte": {"stage": 0}}
FALSE: dict[str, Any] = {"$lt": {"stage": 0}}


def group_attr(group: str, fact: str = "groups") -> str:
    """(`D:5`, `groups`) -> `groups_D_5`: the boolean attribute carrying one country group."""
    return f"{fact}_" + group.replace(":", "_")


def _and(parts: list[dict[str, Any]]) -> dict[str, Any]:
    parts = [p for p in parts if p != TRUE]
    if any(p == FALSE for p in parts):
        return FALSE
    if not parts:
        return TRUE
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts: list[dict[str, Any]]) -> dict[str, Any]:
    parts = [p for p in parts if p != FALSE]
    if any(p == TRUE for p in parts):
        return TRUE
    if not parts:
        return FALSE
    return parts[0] if len(parts) == 1 else {"$or": parts}


def _eq(attr: str, value: Any, negate: bool) -> dict[str, Any]:
    return {"$neq": {attr: value}} if negate else {attr: value}


def date_window(start: dt.date | None, until: dt.date | None) -> dict[str, Any]:
    parts = []
    if start is not None:
        parts.append({"$gte": {"as_of": date_int(start)}})
    if until is not None:
        parts.append({"$lt": {"as_of": date_int(until)}})
    return _and(parts)


def membership_attr(fact: str, param_id: str) -> str:
    """The boolean attribute saying that code fact `fact` is in list parameter `param_id`."""
    return f"{fact}__in__{param_id.replace('.', '__')}"


def memberships_on(
    refs: tuple[tuple[str, str], ...],
    facts: Mapping[str, Any],
    params: Mapping[str, Parameter],
    day: dt.date,
) -> dict[str, bool]:
    """Membership facts for `day`: is facts[fact] in the list parameter, as in force then?"""
    out = {}
    for fact, pid in refs:
        members = params[pid].value_at(day)
        out[membership_attr(fact, pid)] = isinstance(members, list) and facts[fact] in members
    return out


def _fact_test(t: FactTest, params: Mapping[str, Parameter], negate: bool) -> dict[str, Any]:
    op, operand = t.op, t.operand
    # "any of" becomes "none of" under negation, and "all of" becomes "not all of"
    combine_pos, combine_neg = (_or, _and) if not negate else (_and, _or)
    if op == "equals":
        return _eq(t.fact, operand, negate)
    if op == "in":
        return combine_pos([_eq(t.fact, v, negate) for v in operand])
    if op == "has":
        return {group_attr(operand, t.fact): not negate}
    if op == "has_any":
        return combine_pos([{group_attr(g, t.fact): not negate} for g in operand])
    if op == "has_all":
        return combine_neg([{group_attr(g, t.fact): not negate} for g in operand])
    if op == "gte":
        return {"$lt" if negate else "$gte": {t.fact: operand}}
    if op == "lt":
        return {"$gte" if negate else "$lt": {t.fact: operand}}
    if op == "in_param":
        if operand not in params:
            raise LoadError(operand, f"condition names unknown parameter {operand!r}")
        return {membership_attr(t.fact, operand): not negate}
    raise AssertionError(f"unhandled operator {op}")


def compile_condition(
    cond: Condition, params: Mapping[str, Parameter], negate: bool = False
) -> dict[str, Any]:
    """The durable-rules JSON form of `cond` (negation pushed to the leaves)."""
    if isinstance(cond, All):
        parts = [compile_condition(c, params, negate) for c in cond.all]
        return _or(parts) if negate else _and(parts)
    if isinstance(cond, AnyOf):
        parts = [compile_condition(c, params, negate) for c in cond.any]
        return _and(parts) if negate else _or(parts)
    if isinstance(cond, Not):
        return compile_condition(cond.not_, params, not negate)
    if isinstance(cond, Always):
        return FALSE if negate else TRUE
    assert isinstance(cond, FactTest)
    return _fact_test(cond, params, negate)


MAX_EXPRESSIONS = 30  # per durable-rules rule (it rejects 32 or more)
MAX_BRANCHES = 64  # conjunctions per provision


def dnf(expr: dict[str, Any]) -> list[list[dict[str, Any]]]:
    """Disjunctive normal form of a compiled condition: a list of conjunctions of leaves."""
    if "$and" in expr and len(expr) == 1:
        result: list[list[dict[str, Any]]] = [[]]
        for part in expr["$and"]:
            result = [a + b for a in result for b in dnf(part)]
            if len(result) > MAX_BRANCHES:
                raise OverflowError
        return result
    if "$or" in expr and len(expr) == 1:
        branches = [b for part in expr["$or"] for b in dnf(part)]
        if len(branches) > MAX_BRANCHES:
            raise OverflowError
        return branches
    return [[expr]]


def split_rules(name: str, cond: dict[str, Any], owner: str) -> dict[str, dict[str, Any]]:
    """durable-rules rules for one compiled condition: one per DNF branch, each small
    enough for durable-rules; named `name` or `name_j`. `owner` names the provision in
    errors. A condition that can never hold gives no rule."""
    if cond == FALSE:
        return {}
    try:
        branches = dnf(cond)
    except OverflowError:
        raise LoadError(
            owner,
            f"the condition of {owner} has more than {MAX_BRANCHES} alternatives "
            "once expanded; split the provision or use a list parameter",
        ) from None
    rules = {}
    for j, conj in enumerate(branches):
        if len(conj) > MAX_EXPRESSIONS:
            raise LoadError(
                owner,
                f"the condition of {owner} needs {len(conj)} tests in one branch "
                f"(at most {MAX_EXPRESSIONS}); use a list parameter (in_param) instead of "
                "a long literal list",
            )
        rules[name if len(branches) == 1 else f"{name}_{j}"] = {"all": [{"m": _and(conj)}]}
    return rules


# Limits of durable-rules 2.0.28 measured with this adapter (tests/test_durable_adapter.py
# reaches each). A rule set beyond one fails with an opaque error code or hangs, so
# `check_limits` refuses it first, naming the limit and the provision.
# more than 256 rules on one condition node fail (error 108): never reached, since
# provisions with equal compiled conditions share one durable rule (compile_regime)
MAX_RULES_PER_NODE = 256
MAX_MESSAGE_PROPERTIES = 250  # a message of more than 255 properties: error 302
MAX_COMPARISONS = 60  # comparisons ($lt, $gte, $neq) in one rule set: a fact meeting ~64 of
# them fails (error 303) and ~600 on one fact hang in create_ruleset


def _where(p: Provision) -> str:
    return getattr(p, "origin", None) or p.id


def _limit_error(p: Provision, what: str) -> LoadError:
    origin = getattr(p, "origin", None)
    path, _, line = (origin or "").rpartition(":")
    if origin and line.isdigit():
        return LoadError(path, f"{p.id}: {what}", line=int(line))
    return LoadError(p.id, what)


def check_limits(
    rules: Mapping[str, dict[str, Any]],
    owners: Mapping[str, Sequence[Provision]],
    memberships: int,
) -> None:
    """Refuse a rule set that durable-rules cannot run (see the MAX_* limits)."""
    props = 3 + memberships  # stage, as_of, sid
    for spec in FACTS.values():
        props += len(COUNTRY_GROUPS) if spec.kind == "groups" else 1
    if props > MAX_MESSAGE_PROPERTIES:
        first = next(iter(p for ps in owners.values() for p in ps), None)
        what = (
            f"the rules read {memberships} list memberships, so a message to durable-rules "
            f"has {props} properties (limit: {MAX_MESSAGE_PROPERTIES} message properties); "
            "use fewer list parameters in in_param"
        )
        raise _limit_error(first, what) if first else LoadError("rules", what)
    seen: set[str] = set()
    for name, rule in rules.items():
        cond = rule["all"][0]["m"]
        for leaf in cond.get("$and", [cond]):
            op = next(iter(leaf))
            if op.startswith("$"):
                seen.add(json.dumps(leaf, sort_keys=True))
        if len(seen) > MAX_COMPARISONS:
            raise _limit_error(
                owners[name][0],
                f"the rules need more than {MAX_COMPARISONS} distinct comparison tests "
                f"(limit: {MAX_COMPARISONS} comparison tests in one rule set, which "
                "durable-rules cannot match beyond); test facts for equality or use a list "
                "parameter (in_param) instead",
            )


def message(
    facts: Mapping[str, Any],
    stage: int,
    day: dt.date,
    memberships: Mapping[str, bool] | None = None,
) -> dict[str, Any]:
    """The durable-rules message for one stage: every fact present, groups and list
    memberships as booleans."""
    msg: dict[str, Any] = {"stage": stage, "as_of": date_int(day), **(memberships or {})}
    for name, value in facts.items():
        if FACTS[name].kind == "groups":
            for g in COUNTRY_GROUPS:
                msg[group_attr(g, name)] = g in value
        else:
            msg[name] = value
    return msg
