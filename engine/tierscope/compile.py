"""Compile stage: a regime's provisions -> one durable-rules ruleset, plus evaluation stages.

Forward chaining is staged: provisions are grouped by the output they define, and an
output's stage is one more than the latest stage of any output its provisions read.
The engine asserts one fact per stage (all facts known so far, with `stage: k`), lets
durable-rules decide which provisions of that stage apply, resolves precedence in
Python, and adds the resolved outputs to the next stage's fact. Derived facts such as
`tier: 2` therefore trigger further provisions, but only after exceptions have been
settled, so an overridden value never leaks into a later stage.

How a condition is written for durable-rules (its syntax, date encoding and limits) is
in `durable_dialect`; this module plans the stages and keeps what the memo needs.
Provisions with identical compiled conditions share one durable rule, so durable-rules'
limit of rules per condition node is only reached by the rare rule set `check_limits`
refuses.
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

from .durable_dialect import (
    _CODE_FACTS,
    _and,
    check_limits,
    compile_condition,
    date_window,
    group_attr,
    membership_attr,
    memberships_on,
    message,
    split_rules,
)
from .errors import LoadError
from .findings import Problems
from .graphs import chain_text, find_cycles, graph_order
from .models.condition import Condition, FactTest, walk
from .models.parameter import Parameter
from .models.provision import Provision
from .models.regime import Regime
from .references import check_world
from .vocabulary import FACTS

__all__ = [
    "CompiledRegime",
    "compile_condition",
    "compile_regime",
    "group_attr",
    "membership_attr",
    "membership_refs",
    "memberships_on",
    "message",
    "plan_stages",
    "ruleset_name",
    "split_rules",
]


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
    by_rule: dict[str, tuple[Provision, ...]]  # durable rule name -> provisions it decides
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
    for out, deps in sorted(reads.items()):
        for d in sorted(deps):
            if d not in reads:
                raise LoadError(where, f"output {out!r} reads {d!r}, which no provision defines")
    cycles = find_cycles(reads, lambda o: sorted(reads.get(o, ())))
    if cycles:
        raise LoadError(
            where, f"provisions read their own outputs in a cycle: {chain_text(cycles[0])}"
        )
    stage: dict[str, int] = {}
    for out in graph_order(reads):
        stage[out] = 1 + max((stage[d] for d in reads[out]), default=0)
    n = max(stage.values(), default=0)
    return tuple(tuple(sorted(o for o, k in stage.items() if k == i)) for i in range(1, n + 1))


def compile_regime(regime: Regime, params: Mapping[str, Parameter]) -> CompiledRegime:
    """Compile every provision of `regime` into a durable-rules condition, one rule each.

    First the same reference checks `tierscope check` runs (exceptions, labels,
    parameters), stopping at the first problem: the engine never silently drops a
    provision that check would reject."""
    provisions = list(regime.provisions)
    check_world(provisions, params, Problems())
    stages = plan_stages(provisions, f"regime {regime.id}")
    stage_of = {o: k for k, outs in enumerate(stages, start=1) for o in outs}
    rules: dict[str, dict[str, Any]] = {}
    owners: dict[str, list[Provision]] = {}
    same: dict[str, str] = {}  # compiled condition -> the rule that already carries it
    for i, p in enumerate(provisions):
        cond = _and(
            [
                {"stage": stage_of[p.then.output]},
                date_window(p.valid.start, p.valid.until),
                compile_condition(p.when, params),
            ]
        )
        for name, rule in split_rules(f"p{i}", cond, p.id).items():
            key = json.dumps(rule, sort_keys=True)
            if key in same:  # one durable rule per distinct condition
                owners[same[key]].append(p)
                continue
            same[key] = name
            rules[name] = rule
            owners[name] = [p]
    by_rule = {name: tuple(ps) for name, ps in owners.items()}
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
    check_limits(rules, by_rule, len(refs))
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
        memo_key=_content_key(regime, provisions, rules),
        inputs_read=tuple(sorted(read)),
        groups_read=tuple((f, tuple(sorted(g))) for f, g in sorted(tested.items())),
    )


def _content_key(regime: Regime, provisions: list[Provision], rules: dict[str, Any]) -> str:
    """Identifies what an evaluation's outcome depends on: the rules and every provision
    in full (consequences and exceptions too), so equal keys give equal answers.

    A regime read from (or built through) the validated cache is named by the content
    key of its files (validated_cache.origin_key). Any other is hashed through the repr
    of its provisions, which spells out every field (strings quoted, so unambiguous) and
    needs no pydantic serialiser (building one for `model_dump` costs a cold start about
    20 ms); the repr costs a cold start ~2 ms, hence the file keys where they exist."""
    from .validated_cache import origin_key

    origin = origin_key(regime)
    described = "files:" + origin.hex() if origin is not None else repr(list(provisions))
    text = json.dumps(rules, sort_keys=True) + "\0" + described
    return hashlib.sha1(text.encode()).hexdigest()
