"""The finite fact space of one regime, enumerated to find overlaps and dead provisions.

A condition compares a fact only with the literals and thresholds it names, so each
input fact is enumerated over one representative of each class of values that every
test of the regime treats alike (`country`: each literal or list member, plus one code
named nowhere; groups: subsets of the labels named; integers: around each threshold;
booleans), and dates over the regime's breakpoints. Outputs are not enumerated: they are
derived from the inputs by the regime's own provisions through the engine's staged
evaluator (oracle back end), so a witness is a situation the engine can actually meet.
The only constraint between inputs is the engine's own: without an order, the order's
figures are 0.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from ..evaluate import Applies, oracle_backend, run_stages
from ..models.condition import FactTest, walk
from ..models.provision import Provision
from ..models.regime import Regime
from ..oracle import holds
from ..precedence import considered, exception_bases
from ..references import parameter_uses
from ..vocabulary import FACTS
from .common import MAX_POINTS, SAMPLE_POINTS, SAMPLE_SEED, facts_read, fmt_value, value_text


class RegimeSpace:
    """The finite fact space of one regime, enumerated to find overlaps and dead provisions."""

    def __init__(
        self,
        checker: Any,
        regime: Regime,
        stages: tuple[tuple[str, ...], ...],
        reported: set[frozenset[str]],
    ) -> None:
        self.c = checker
        self.regime = regime
        self.stages = stages
        self.reported = reported
        self.params = checker.params
        self.provs = list(regime.provisions)
        self.by_id = {p.id: p for p in self.provs}
        self.bases = {p.id: exception_bases(p, self.by_id) for p in self.provs}
        self.reads = {id(p): tuple(sorted(facts_read(p.when))) for p in self.provs}
        self.witness: dict[
            frozenset[str], tuple[Provision, Provision, dict[str, Any], dt.date]
        ] = {}

    # -- domains

    def _tests(self) -> dict[str, list[FactTest]]:
        tests: dict[str, list[FactTest]] = defaultdict(list)
        for p in self.provs:
            for n in walk(p.when):
                if isinstance(n, FactTest):
                    tests[n.fact].append(n)
        return tests

    def _signature(self, fact: str, value: Any, tests: list[FactTest]) -> tuple[bool, ...]:
        sig: list[bool] = []
        for t in tests:
            days = self.params[t.operand].dates if t.op == "in_param" else [dt.date.min]
            sig.extend(holds(t, {fact: value}, self.params, d) for d in days)
        return tuple(sig)

    def _reduce(self, fact: str, candidates: Iterable[Any], tests: list[FactTest]) -> list[Any]:
        """One representative (the first) of each class of values the tests treat alike."""
        reps: dict[tuple[bool, ...], Any] = {}
        for v in candidates:
            reps.setdefault(self._signature(fact, v, tests), v)
        return list(reps.values())

    def domains(self) -> dict[str, list[Any]]:
        tests = self._tests()
        out: dict[str, list[Any]] = {}
        for name, spec in FACTS.items():
            if spec.origin != "input":
                continue
            ts = tests.get(name, [])
            if spec.kind == "code":
                lits: set[str] = set()
                for t in ts:
                    if t.op == "equals":
                        lits.add(t.operand)
                    elif t.op == "in":
                        lits.update(t.operand)
                    elif t.op == "in_param":
                        for dv in self.params[t.operand].values.values():
                            if isinstance(dv.value, list):
                                lits.update(dv.value)
                other = next(
                    (c for c in sorted(self.c.country_files) if c not in lits),
                    next(f"Z{ch}" for ch in "ZYXWVUTSRQ" if f"Z{ch}" not in lits),
                )
                out[name] = self._reduce(name, [*sorted(lits), other], ts) if ts else [other]
            elif spec.kind == "groups":
                labels: set[str] = set()
                for t in ts:
                    labels.update([t.has] if t.has is not None else (t.has_any or t.has_all or []))
                ordered = sorted(labels)
                subsets = (
                    frozenset(s)
                    for k in range(len(ordered) + 1)
                    for s in itertools.combinations(ordered, k)
                )
                out[name] = self._reduce(name, subsets, ts) if ts else [frozenset()]
            elif spec.kind == "bool":
                out[name] = [False, True] if ts else [False]
            elif spec.kind == "int":
                cands = {0}
                for t in ts:
                    vals = t.operand if t.op == "in" else [t.operand]
                    for v in vals:
                        cands.update(x for x in (v - 1, v, v + 1) if x >= 0)
                out[name] = self._reduce(name, sorted(cands), ts) if ts else [0]
            else:  # str
                lits = set()
                for t in ts:
                    lits.update([t.operand] if t.op == "equals" else t.operand)
                out[name] = self._reduce(name, ["", *sorted(lits)], ts) if ts else [""]
        return out

    def days(self) -> list[dt.date]:
        days: set[dt.date] = set()
        for p in self.provs:
            days.add(p.valid.start)
            if p.valid.until:
                days.add(p.valid.until)
            for pid, role in parameter_uses(p):
                if role == "in_param":
                    days.update(self.params[pid].dates)
        return sorted(d for d in days if any(p.valid.contains(d) for p in self.provs))

    # -- enumeration

    @staticmethod
    def _consistent(point: Mapping[str, Any]) -> bool:
        """The engine's own constraint: without an order, its figures are 0 (facts.input_facts)."""
        return bool(point.get("order", True)) or (
            point.get("order_max_tpp", 0) == 0 and point.get("order_max_dram_gb_s", 0) == 0
        )

    def run(self) -> None:
        doms = self.domains()
        days = self.days()
        names = list(doms)
        size = 1
        for n in names:
            size *= len(doms[n])
        total = size * len(days)
        sampled = total > MAX_POINTS
        ids = {p.id for p in self.provs}
        if sampled:
            self.c.notes.append(
                f"regime {self.regime.id}: fact space of {total:,} points is too large to "
                f"enumerate; sampled {SAMPLE_POINTS:,} points per date (seed {SAMPLE_SEED}), so "
                "overlaps may be missed and never-applies is not reported"
            )
            self.c.sampled.update(ids)
        self.c.analysed.update(ids)
        rng = random.Random(SAMPLE_SEED)
        for day in days:
            in_force = [p for p in self.provs if p.valid.contains(day)]
            cache: dict[Any, bool] = {}
            applies = oracle_backend(in_force, self.stages, self.params, day, cache)
            if sampled:
                points: Iterable[tuple[Any, ...]] = (
                    tuple(rng.choice(doms[n]) for n in names) for _ in range(SAMPLE_POINTS)
                )
            else:
                points = itertools.product(*(doms[n] for n in names))
            for values in points:
                point = dict(zip(names, values, strict=True))
                if self._consistent(point):
                    self._derive(point, applies, day)
        self._report()

    def _derive(self, inputs: dict[str, Any], applies: Applies, day: dt.date) -> None:
        """Resolve outputs stage by stage with the engine's own loop (oracle back end),
        recording overlaps and what applied."""

        def conflict(
            out: str, app: list[Provision], exc: Exception, facts: Mapping[str, Any]
        ) -> None:
            self._record_conflicts(app, facts, day)

        derived = run_stages(self.stages, self.by_id, inputs, applies, on_conflict=conflict)
        self.c.holds_in.update(p.id for p in derived.applicable)
        for res in derived.resolutions.values():
            self.c.considered_in.update(p.id for p in (*res.winners, *res.overridden))

    def _record_conflicts(
        self, app: list[Provision], facts: Mapping[str, Any], day: dt.date
    ) -> None:
        """Every pair of disagreeing winners (precedence.resolve names only the first)."""
        kept = considered(app, self.by_id)
        self.c.considered_in.update(p.id for p in kept)
        beaten = {b for p in kept for b in self.bases[p.id]}
        winners = [p for p in kept if p.id not in beaten]
        for i, p in enumerate(winners):
            for q in winners[i + 1 :]:
                key = frozenset((p.id, q.id))
                if (
                    p.then.value != q.then.value
                    and key not in self.witness
                    and key not in self.reported
                ):
                    self.witness[key] = (p, q, dict(facts), day)

    # -- reporting

    def _relevant(self, provs: Iterable[Provision]) -> tuple[list[str], list[str]]:
        """(input facts, output facts) a witness should show for these provisions."""
        direct: set[str] = set()
        for p in provs:
            direct.update(facts_read(p.when))
            for b in self.bases[p.id]:
                if b in self.by_id:
                    direct.update(facts_read(self.by_id[b].when))
        closure, todo = set(direct), list(direct)
        while todo:
            f = todo.pop()
            if FACTS[f].origin == "output":
                for q in self.provs:
                    if q.then.output == f:
                        for g in facts_read(q.when) - closure:
                            closure.add(g)
                            todo.append(g)
        inputs = [f for f in FACTS if f in closure and FACTS[f].origin == "input"]
        outputs = [f for f in FACTS if f in direct and FACTS[f].origin == "output"]
        return inputs, outputs

    def _report(self) -> None:
        order = {p.id: i for i, p in enumerate(self.provs)}
        for key, (p, q, facts, day) in sorted(
            self.witness.items(), key=lambda kv: sorted(order[i] for i in kv[0])
        ):
            self.reported.add(key)
            ip, iq = self.c.provs.get(p.id), self.c.provs.get(q.id)
            if ip and iq and (str(iq.path), iq.line) < (str(ip.path), ip.line):
                p, q, ip, iq = q, p, iq, ip
            inputs, outputs = self._relevant([p, q])
            shown = [f"{f}={fmt_value(facts[f])}" for f in inputs]
            derived = [f"{f}={fmt_value(facts[f])}" for f in outputs]
            when = ", ".join(shown) if shown else "any facts"
            if derived:
                when += f" (so {', '.join(derived)})"
            self.c.add(
                ip.path if ip else self.c.regime_src[self.regime.id].header_path,
                ip.line if ip else None,
                "error",
                "overlap",
                f"{p.id} ({value_text(p.then)}) and {q.id} ({value_text(q.then)}"
                f"{', ' + iq.where if iq else ''}) both apply in regime {self.regime.id}, disagree, "
                f"and neither is an exception to the other: both apply when {when} on {day}",
            )
