"""Does each override of a scenario change an answer? (`tierscope check FILE`)

An override that changes nothing is almost always a mistake the analyst cannot see:
a multiplier set for countries none of which has an arrangement, a value equal to the
one it replaces, a fact that no provision reads on those dates. For each override,
the whole scenario is compared with the scenario without that override (so overrides
that only act together, such as a multiplier and the countries that sign, both
count): the answers of every country it can touch, on the dates the override names
and the day after each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .errors import TierscopeError
from .loader import RuleBase
from .models.scenario import Scenario
from .world import World

MAX_DATES = 8


def answer_key(world: World, code: str, day: dt.date) -> Any:
    """What an analyst reads in an answer (figures and words), or the error it raises."""
    from .evaluate import evaluate
    from .service import build_result

    try:
        r = build_result(evaluate(world, world.countries[code], day))
    except TierscopeError as exc:
        return ("error", exc.message)
    return (
        r.tier,
        r.licence_required,
        r.review_policy,
        r.review_detail,
        tuple(
            (p.id, p.ceiling_tpp, getattr(p, "ceiling_up_to_tpp", None), tuple(p.share_limits))
            for p in r.pathways
        ),
        r.total_reachable.tpp,
        tuple(r.warnings),
    )


def _dates(scen: Scenario, part: str, base: World) -> list[dt.date]:
    """The dates an override names, each with the day after (where the base is in force)."""
    days: set[dt.date] = set()
    kind, _, key = part.partition(":")
    if kind == "parameter":
        ov = scen.parameters[key]
        days |= set(ov.values or {})
        days |= set(base.parameters[key].values) if key in base.parameters else set()
        if ov.start:
            days.add(ov.start)
    elif kind == "country":
        cov = scen.countries[key]
        days |= {f.start for facts in cov.facts.values() for f in facts}
        days |= {c.date for c in cov.group_changes}
    else:
        sel = scen.countries_where[int(key)]
        days |= {sel.as_of} | {f.start for facts in sel.facts.values() for f in facts}
        days |= {c.date for c in sel.group_changes}
    out = sorted(d for x in days for d in (x, x + dt.timedelta(days=1)))
    return [d for d in out if base.compiled.in_force(d)[0]]


def _spread(days: list[dt.date]) -> list[dt.date]:
    """At most MAX_DATES of `days`: the first and the last, the rest spread between."""
    if len(days) <= MAX_DATES:
        return days
    step = len(days) / MAX_DATES
    return [days[int(i * step)] for i in range(MAX_DATES - 1)] + [days[-1]]


def _without(scen: Scenario, part: str) -> Scenario:
    """`scen` without one of its overrides."""
    kind, _, key = part.partition(":")
    data = scen.model_dump(by_alias=True, exclude_unset=True)
    if kind == "parameter":
        data["parameters"] = {k: v for k, v in data["parameters"].items() if k != key}
    elif kind == "country":
        data["countries"] = {k: v for k, v in data["countries"].items() if k != key}
    else:
        data["countries_where"] = [
            v for i, v in enumerate(data["countries_where"]) if i != int(key)
        ]
    return Scenario.model_validate(data)


def _values(world: World, pid: str) -> dict[dt.date, Any]:
    return {d: dv.value for d, dv in world.parameters[pid].values.items()}


def _parts(scen: Scenario) -> Iterable[str]:
    yield from (f"parameter:{p}" for p in scen.parameters)
    yield from (f"country:{c}" for c in scen.countries)
    yield from (f"where:{i}" for i in range(len(scen.countries_where)))


def _line(data: Any, part: str) -> int | None:
    kind, _, key = part.partition(":")
    section = {"parameter": "parameters", "country": "countries", "where": "countries_where"}
    node = data.get(section[kind]) if isinstance(data, dict) else None
    if kind == "where":
        lines = getattr(node, "item_lines", [])
        return lines[int(key)] if int(key) < len(lines) else None
    return getattr(node, "key_lines", {}).get(key)


def _label(part: str) -> str:
    kind, _, key = part.partition(":")
    return {"parameter": "parameters.", "country": "countries.", "where": "countries_where."}[
        kind
    ] + key


def unchanged_overrides(rb: RuleBase, path: Path) -> list[tuple[int | None, str]]:
    """(line, message) for each override of the scenario file at `path` that changes no
    answer. The file is assumed to apply cleanly (errors are reported elsewhere)."""
    from .loader import load_scenario
    from .scenario import apply_scenario, build_world
    from .yamlio import read_yaml

    scen = load_scenario(path)
    if scen.base is None:
        return []  # a timeline of regimes: nothing is overridden
    data = read_yaml(path)
    base = build_world(rb, scen.base)
    whole = apply_scenario(rb, base, scen)
    # overrides act together (a multiplier from January, signatures from June): every
    # override is tried on the dates of all of them
    days = _spread(sorted({d for part in _parts(scen) for d in _dates(scen, part, base)}))
    out: list[tuple[int | None, str]] = []
    cache: dict[tuple[str, dt.date], Any] = {}

    def whole_key(code: str, day: dt.date) -> Any:  # the whole scenario's answers, once each
        if (code, day) not in cache:
            cache[code, day] = answer_key(whole, code, day)
        return cache[code, day]

    for part in _parts(scen):
        kind, _, key = part.partition(":")
        if kind == "parameter" and _values(whole, key) == _values(base, key):
            out.append((_line(data, part), f"{_label(part)}: leaves every value as it was"))
            continue
        rest = apply_scenario(rb, base, _without(scen, part))
        codes = [key] if kind == "country" else sorted(base.countries)
        if any(whole_key(c, d) != answer_key(rest, c, d) for d in days for c in codes):
            continue
        shown = ", ".join(str(d) for d in days) or "no date on which the base is in force"
        out.append(
            (
                _line(data, part),
                f"{_label(part)}: changes no answer of this scenario "
                f"({len(codes)} {'country' if len(codes) == 1 else 'countries'}; {shown}); "
                "check that the provisions reading it apply (e.g. a multiplier needs countries "
                "with an arrangement) and that its dates are the ones you mean",
            )
        )
    return out
