"""Compile stage: a regime's provisions -> one durable-rules ruleset, plus evaluation stages.

Forward chaining is staged: provisions are grouped by the output they define, and an
output's stage is one more than the latest stage of any output its provisions read.
The engine asserts one fact per stage (all facts known so far, with `stage: k`), lets
durable-rules decide which provisions of that stage apply, resolves precedence in
Python, and adds the resolved outputs to the next stage's fact. Derived facts such as
`tier: 2` therefore trigger further provisions, but only after exceptions have been
settled, so an overridden value never leaks into a later stage.

Conditions are compiled with negation pushed down to the leaves (durable-rules has no
general `not`): every fact is always present in every message, so `not (x == v)` is
exactly `x != v`. Country groups travel as one boolean per group (`groups_D_5`), which
avoids durable-rules' array operators (`$iall` is false on an empty list). Membership of
a code in a dated list parameter (`in_param`, e.g. the Tier 1 list) is likewise a boolean
fact computed for the date (`country__in__framework_2025__tier1_destinations`), exactly as
a country's groups are.

durable-rules rejects a rule of 32 or more expressions (error code 113), so each
provision's condition is put in disjunctive normal form and every conjunction becomes
its own rule; a provision applies when any of its rules fires. A conjunction that is
still too large, or a condition with too many branches, is a rule-file error.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import LoadError
from .facts import date_int
from .models.condition import All, Always, AnyOf, Condition, FactTest, Not, walk
from .models.parameter import Parameter
from .models.provision import Provision
from .models.regime import Regime
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


def _date_window(start: dt.date | None, until: dt.date | None) -> dict[str, Any]:
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


def membership_refs(cond: Condition) -> set[tuple[str, str]]:
    """(code fact, list parameter) pairs a condition reads through `in_param`."""
    return {
        (n.fact, n.operand) for n in walk(cond) if isinstance(n, FactTest) and n.op == "in_param"
    }


def facts_read(cond: Condition) -> set[str]:
    return {n.fact for n in walk(cond) if isinstance(n, FactTest)}


@dataclass(frozen=True)
class CompiledRegime:
    """A regime ready to evaluate: its ruleset rules and the stage plan."""

    regime: Regime
    rules: dict[str, dict[str, Any]]  # durable rule name -> condition
    by_rule: dict[str, Provision]  # durable rule name -> provision
    stages: tuple[tuple[str, ...], ...]  # outputs resolved after each stage, stage 1 first
    provisions: dict[str, Provision]  # id -> provision
    country_literals: frozenset[str]  # every country code a condition can compare with
    breakpoints: tuple[dt.date, ...]  # every date a condition compares `as_of` with
    memberships: tuple[tuple[str, str], ...]  # (code fact, list parameter) pairs read
    parameters: Mapping[str, Parameter]  # where those list parameters are read
    ruleset_key: str  # content hash of `rules`, the durable-rules ruleset name
    memo_key: str  # content hash of the provisions and rules (see evaluate's memo)
    inputs_read: tuple[str, ...] = ()  # input facts (not groups) some condition reads
    groups_read: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (groups fact, groups tested)
    _epochs: dict[int, tuple[bool, frozenset[str]]] = field(default_factory=dict, repr=False)

    def memberships_on(self, facts: Mapping[str, Any], day: dt.date) -> dict[str, bool]:
        return memberships_on(self.memberships, facts, self.parameters, day)

    def signature(
        self, facts: Mapping[str, Any], day: dt.date, members: Mapping[str, bool]
    ) -> tuple[Any, ...]:
        """What the compiled conditions can distinguish about one evaluation.

        Conditions compare codes only with `country_literals`, `as_of` only with
        `breakpoints`, lists only through membership facts, and read only the input
        facts in `inputs_read` and the groups in `groups_read`, so two evaluations with
        equal signatures fire the same provisions at every stage (the outputs of one
        stage are functions of the earlier ones). This is what makes memoising
        evaluations sound; keying on nothing more lets countries share entries.
        """
        epoch = bisect.bisect_right(self.breakpoints, day)
        lits = self.country_literals
        return (
            epoch,
            *(
                (facts[n] if facts[n] in lits else "*") if n in _CODE_FACTS else facts[n]
                for n in self.inputs_read
            ),
            *(g in facts[fact] for fact, groups in self.groups_read for g in groups),
            # memberships_on always builds the same keys in the same order
            *members.values(),
        )

    def in_force(self, day: dt.date) -> tuple[bool, frozenset[str]]:
        """(any provision in force on `day`, the outputs those provisions define); constant
        between breakpoints, so computed once per epoch."""
        epoch = bisect.bisect_right(self.breakpoints, day)
        hit = self._epochs.get(epoch)
        if hit is None:
            live = [p for p in self.regime.provisions if p.valid.contains(day)]
            hit = self._epochs[epoch] = (bool(live), frozenset(p.then.output for p in live))
        return hit


def ruleset_name(rules: dict[str, Any]) -> str:
    """A content-derived name, so equal rules register once per process."""
    digest = hashlib.sha1(json.dumps(rules, sort_keys=True).encode()).hexdigest()
    return f"ts_{digest[:20]}"


def plan_stages(provisions: list[Provision], where: str) -> tuple[tuple[str, ...], ...]:
    """Order outputs so that each is resolved after every output its provisions read."""
    reads: dict[str, set[str]] = defaultdict(set)
    for p in provisions:
        reads[p.then.output] |= {f for f in facts_read(p.when) if FACTS[f].origin == "output"}
    stage: dict[str, int] = {}
    visiting: set[str] = set()

    def visit(out: str, chain: tuple[str, ...]) -> int:
        if out in stage:
            return stage[out]
        if out in visiting:
            raise LoadError(
                where,
                f"provisions read their own outputs in a cycle: {' -> '.join((*chain, out))}",
            )
        visiting.add(out)
        deps = reads.get(out, set())
        for d in deps:
            if d not in reads:
                raise LoadError(where, f"output {out!r} reads {d!r}, which no provision defines")
        k = 1 + max((visit(d, (*chain, out)) for d in deps), default=0)
        visiting.discard(out)
        stage[out] = k
        return k

    for out in sorted(reads):
        visit(out, ())
    n = max(stage.values(), default=0)
    return tuple(tuple(sorted(o for o, k in stage.items() if k == i)) for i in range(1, n + 1))


def compile_regime(regime: Regime, params: Mapping[str, Parameter]) -> CompiledRegime:
    """Compile every provision of `regime` into a durable-rules condition, one rule each."""
    provisions = list(regime.provisions)
    stages = plan_stages(provisions, f"regime {regime.id}")
    stage_of = {o: k for k, outs in enumerate(stages, start=1) for o in outs}
    rules: dict[str, dict[str, Any]] = {}
    by_rule: dict[str, Provision] = {}
    for i, p in enumerate(provisions):
        cond = _and(
            [
                {"stage": stage_of[p.then.output]},
                _date_window(p.valid.start, p.valid.until),
                compile_condition(p.when, params),
            ]
        )
        for name, rule in split_rules(f"p{i}", cond, p.id).items():
            rules[name] = rule
            by_rule[name] = p
    literals: set[str] = set()
    breakpoints: set[dt.date] = set()
    refs: set[tuple[str, str]] = set()
    for p in provisions:
        refs |= membership_refs(p.when)
        breakpoints.add(p.valid.start)
        if p.valid.until is not None:
            breakpoints.add(p.valid.until)
        for node in walk(p.when):
            if not isinstance(node, FactTest) or FACTS[node.fact].kind != "code":
                continue
            if node.op == "equals":
                literals.add(node.operand)
            elif node.op == "in":
                literals.update(node.operand)
    read: set[str] = set()
    tested: dict[str, set[str]] = defaultdict(set)
    for p in provisions:
        for node in walk(p.when):
            if not isinstance(node, FactTest) or FACTS[node.fact].origin != "input":
                continue
            if FACTS[node.fact].kind != "groups":
                read.add(node.fact)
            elif node.op == "has":
                tested[node.fact].add(node.operand)
            else:  # has_any / has_all: the only other operators on groups
                tested[node.fact].update(node.operand)
    return CompiledRegime(
        regime=regime,
        rules=rules,
        by_rule=by_rule,
        stages=stages,
        provisions={p.id: p for p in provisions},
        country_literals=frozenset(literals),
        breakpoints=tuple(sorted(breakpoints)),
        memberships=tuple(sorted(refs)),
        parameters=params,
        ruleset_key=ruleset_name(rules),
        memo_key=_content_key(provisions, rules),
        inputs_read=tuple(sorted(read)),
        groups_read=tuple((f, tuple(sorted(g))) for f, g in sorted(tested.items())),
    )


def _content_key(provisions: list[Provision], rules: dict[str, Any]) -> str:
    """Identifies what an evaluation's outcome depends on: the rules and every provision
    in full (consequences and exceptions too), so equal keys give equal answers.

    Provisions are hashed through their repr, which spells out every field (strings
    quoted, so unambiguous) and needs no pydantic serialiser: building one for
    `model_dump` costs a cold start about 20 ms. The repr is the same whether a
    provision was read from YAML or from the validated cache."""
    text = json.dumps(rules, sort_keys=True) + "\0" + repr(list(provisions))
    return hashlib.sha1(text.encode()).hexdigest()


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
