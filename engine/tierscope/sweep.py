"""Sweep: every (scenario, date, country) answer as one line of compact JSON (JSON Lines).

An analyst's world-wide sweep (249 countries x 36 monthly dates x 8 scenarios is 71,712
answers, about 600 MB of JSON) is dominated by building and serialising results, not by
the rules: countries share evaluations (the memo) and the country-independent parts of
a result stay the same between the dates at which a dated input changes (see
service._shared_parts). So each line is spliced from JSON fragments: the shared parts
are serialised once per distinct part, and only the per-answer fields (country, date,
groups, deals) are serialised per line. Lines are UTF-8 bytes, ready to write, and each
is byte-identical to `QueryResult.model_dump_json()` of the same answer
(tests/test_answer_identity.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic_core import to_json

from .errors import TierscopeError
from .evaluate import Evaluation, evaluate
from .models.result import QueryResult
from .service import LawContext, Project, _shared_parts, deal_results, with_law
from .world import World

_PER_ANSWER = (
    *("country", "country_name", "scenario", "scenario_title", "as_of"),
    *("groups", "deals", "item"),
)
_HEAD = ("country", "country_name", "scenario", "scenario_title", "as_of")


def _plan() -> tuple[tuple[bool, tuple[str, ...]], ...]:
    """QueryResult's fields in their JSON order, as runs of per-answer or shared fields."""
    runs: list[tuple[bool, list[str]]] = []
    for name in QueryResult.model_fields:
        shared = name not in _PER_ANSWER
        if runs and runs[-1][0] == shared:
            runs[-1][1].append(name)
        else:
            runs.append((shared, [name]))
    return tuple((shared, tuple(names)) for shared, names in runs)


_PLAN = _plan()


def _field(name: str, value: Any) -> bytes:
    return b'"' + name.encode() + b'":' + to_json(value)


_SLOTS = tuple(names[0] for shared, names in _PLAN if not shared)  # country, groups, deals


def _template(parts: dict[str, Any]) -> tuple[bytes, ...]:
    """The shared text of one result's line, cut where the per-answer runs go:
    line = cuts[0] + slot 0 + cuts[1] + slot 1 + ... + cuts[-1], slots in `_SLOTS` order."""
    cuts = [b"{"]
    for i, (shared, names) in enumerate(_PLAN):
        sep = b"," if i else b""
        if shared:
            cuts[-1] += sep + b",".join(_field(n, parts[n]) for n in names)
        else:
            cuts[-1] += sep
            cuts.append(b"")
    cuts[-1] += b"}"
    return tuple(cuts)


class _Splicer:
    """Builds the lines of one World from cached fragments (bounded)."""

    def __init__(self, project: Project, world: World) -> None:
        self.project = project
        # (id of shared parts, law on the date) -> (the parts, kept alive; their line template)
        self._templates: dict[tuple[int, LawContext], tuple[dict[str, Any], tuple[bytes, ...]]] = {}
        self._items: dict[str, bytes] = {}
        self._groups: dict[frozenset[str], bytes] = {}  # a few dozen distinct group sets
        self._scenario = _field("scenario", world.scenario_id)
        self._title = _field("scenario_title", world.title)

    def template(self, parts: dict[str, Any], law: LawContext) -> tuple[bytes, ...]:
        key = (id(parts), law)
        hit = self._templates.get(key)
        if hit is not None and hit[0] is parts:
            return hit[1]
        if len(self._templates) >= 8192:
            self._templates.clear()
        tmpl = _template(with_law(parts, law))
        self._templates[key] = (parts, tmpl)  # holds `parts`: its id stays unique
        return tmpl

    def line(
        self, ev: Evaluation, law: LawContext, country: bytes, name: bytes, as_of: bytes
    ) -> bytes:
        parts = _shared_parts(ev)
        groups = ev.inputs["groups"]
        groups_json = self._groups.get(groups)
        if groups_json is None:
            groups_json = self._groups[groups] = _field("groups", sorted(groups))
        deals = b'"deals":[]'
        if ev.country.deals:
            has_chips = any(d.chips for d in ev.country.deals)
            chips = self.project.chips if has_chips else None
            deals = _field("deals", deal_results(ev, chips, parts["h100_tpp"].value))
        item = ev.inputs["item"]
        item_json = self._items.get(item)
        if item_json is None:
            item_json = self._items[item] = _field("item", item)
        per = {
            "country": b",".join((country, name, self._scenario, self._title, as_of)),
            "groups": groups_json,
            "deals": deals,
            "item": item_json,
        }
        cuts = self.template(parts, law)
        out = [cuts[0]]
        for slot, cut in zip(_SLOTS, cuts[1:], strict=True):
            out.append(per[slot])
            out.append(cut)
        return b"".join(out)


def _error(country: bytes, scenario: bytes, as_of: bytes, error: bytes) -> bytes:
    return b"{" + b",".join((country, scenario, as_of, error)) + b"}"


def sweep(
    project: Project,
    scenarios: Sequence[str],
    dates: Sequence[dt.date],
    countries: Sequence[str] | None = None,
) -> Iterator[bytes]:
    """One compact JSON line (UTF-8, no newline) per (scenario, date, country), in that
    nesting order.

    A question the rules cannot answer (a scenario not in force on the date, a gap in the
    rules) gives `{"country", "scenario", "as_of", "error"}` instead, so one bad cell
    does not stop a sweep of thousands.
    """
    assert set(_HEAD) <= set(_PER_ANSWER) and _PLAN[0] == (False, _HEAD), "field order"
    rb = project.rulebase
    codes = [project.country_code(c) for c in countries] if countries else list(rb.countries)
    worlds = [project.world(s) for s in scenarios]
    for world in worlds:
        people = [world.countries[c] for c in codes]  # a scenario may change a country's facts
        keys = [_field("country", c.code) for c in people]
        names = [_field("country_name", c.name) for c in people]
        splicer = _Splicer(project, world)
        scenario = _field("scenario", world.scenario_id)
        for day in dates:
            as_of = _field("as_of", day)
            law = project.law_on(world, day)  # the regime in force on the date, one per date
            if people and not world.compiled.in_force(day)[0]:
                # not in force: the same error for every country, raised once
                try:
                    evaluate(world, people[0], day)
                except TierscopeError as exc:
                    error = _field("error", exc.message)
                    for key in keys:
                        yield _error(key, scenario, as_of, error)
                    continue
            for country, key, name in zip(people, keys, names, strict=True):
                try:
                    line = splicer.line(evaluate(world, country, day), law, key, name, as_of)
                except TierscopeError as exc:
                    line = _error(key, scenario, as_of, _field("error", exc.message))
                yield line
