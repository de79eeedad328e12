"""Sweep: every (scenario, date, country) answer as one line of compact JSON (JSON Lines).

An analyst's world-wide sweep (249 countries x 36 monthly dates x 8 scenarios is 71,712
answers, about 600 MB of JSON) is dominated by building and serialising results, not by
the rules: countries share evaluations (the memo) and the country-independent parts of
a result stay the same between the dates at which a dated input changes (see
service._shared_parts). So each line is spliced from JSON fragments: the shared parts
are serialised once per distinct part, and only the per-answer fields (country, date,
groups, deals) are serialised per line. Each line is byte-identical to
`QueryResult.model_dump_json()` of the same answer (tests/test_answer_identity.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from pydantic_core import to_json

from .errors import TierscopeError
from .evaluate import evaluate
from .models.result import QueryResult
from .service import Project, _shared_parts, deal_results

_PER_ANSWER = ("country", "country_name", "scenario", "scenario_title", "as_of", "groups", "deals")
_FIELDS = tuple(QueryResult.model_fields)


def _plan() -> tuple[tuple[bool, tuple[str, ...]], ...]:
    """QueryResult's fields in their JSON order, as runs of per-answer or shared fields."""
    runs: list[tuple[bool, list[str]]] = []
    for name in _FIELDS:
        shared = name not in _PER_ANSWER
        if runs and runs[-1][0] == shared:
            runs[-1][1].append(name)
        else:
            runs.append((shared, [name]))
    return tuple((shared, tuple(names)) for shared, names in runs)


_PLAN = _plan()


def _field(name: str, value: Any) -> str:
    return f'"{name}":{to_json(value).decode()}'


def _shared_fragments(parts: dict[str, Any]) -> list[str]:
    """The shared runs of one result, serialised (one string per run of shared fields)."""
    return [",".join(_field(n, parts[n]) for n in names) for shared, names in _PLAN if shared]


class _Splicer:
    """Builds result lines from cached fragments (bounded with the parts they belong to)."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self._fragments: dict[int, tuple[dict[str, Any], list[str]]] = {}
        self._chips: Any = None
        self._groups: dict[frozenset[str], str] = {}  # a few dozen distinct group sets

    def fragments(self, parts: dict[str, Any]) -> list[str]:
        hit = self._fragments.get(id(parts))
        if hit is not None and hit[0] is parts:
            return hit[1]
        if len(self._fragments) >= 8192:
            self._fragments.clear()
        frags = _shared_fragments(parts)
        self._fragments[id(parts)] = (parts, frags)  # holds `parts`: its id stays unique
        return frags

    def line(self, ev: Any, head: str) -> str:
        parts = _shared_parts(ev)
        shared = iter(self.fragments(parts))
        country = ev.country
        deals = "[]"
        if country.deals:
            if self._chips is None and any(d.chips for d in country.deals):
                self._chips = self.project.chips
            chips = self._chips if any(d.chips for d in country.deals) else None
            deals = to_json(deal_results(ev, chips, parts["h100_tpp"].value)).decode()
        groups = ev.inputs["groups"]
        groups_json = self._groups.get(groups)
        if groups_json is None:
            groups_json = self._groups[groups] = to_json(sorted(groups)).decode()
        values = {"groups": groups_json, "deals": deals}
        out: list[str] = []
        for is_shared, names in _PLAN:
            if is_shared:
                out.append(next(shared))
            elif names[0] == "country":
                out.append(head)
            else:
                out.append(",".join(f'"{n}":{values[n]}' for n in names))
        return "{" + ",".join(out) + "}"


def sweep(
    project: Project,
    scenarios: Sequence[str],
    dates: Sequence[dt.date],
    countries: Sequence[str] | None = None,
) -> Iterator[str]:
    """One compact JSON line per (scenario, date, country), in that nesting order.

    A question the rules cannot answer (a scenario not in force on the date, a gap in the
    rules) gives `{"country", "scenario", "as_of", "error"}` instead, so one bad cell
    does not stop a sweep of thousands.
    """
    rb = project.rulebase
    codes = [project.country_code(c) for c in countries] if countries else list(rb.countries)
    worlds = [project.world(s) for s in scenarios]
    for world in worlds:
        people = [world.countries[c] for c in codes]  # a scenario may change a country's facts
        names = {c.code: to_json(c.name).decode() for c in people}
        splicer = _Splicer(project)
        title = to_json(world.title).decode()
        scenario = to_json(world.scenario_id).decode()
        for day in dates:
            as_of = to_json(day).decode()
            if people and not world.compiled.in_force(day)[0]:
                # not in force: the same error for every country, raised once
                try:
                    evaluate(world, people[0], day)
                except TierscopeError as exc:
                    error = to_json(exc.message).decode()
                    for country in people:
                        code = to_json(country.code).decode()
                        yield (
                            f'{{"country":{code},"scenario":{scenario},"as_of":{as_of},'
                            f'"error":{error}}}'
                        )
                    continue
            for country in people:
                code = to_json(country.code).decode()
                head = (
                    f'"country":{code},"country_name":{names[country.code]},'
                    f'"scenario":{scenario},"scenario_title":{title},"as_of":{as_of}'
                )
                try:
                    line = splicer.line(evaluate(world, country, day), head)
                except TierscopeError as exc:
                    line = (
                        f'{{"country":{code},"scenario":{scenario},"as_of":{as_of},'
                        f'"error":{to_json(exc.message).decode()}}}'
                    )
                yield line
