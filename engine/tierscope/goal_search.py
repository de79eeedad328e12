"""Goal search: the smallest sets of routes whose combined effect reaches a target.

Sets are tried by increasing size (0, 1, 2, ... up to `max_routes`); the search stops
after the first size at which some set reaches the target and returns every set of
that size that does, largest total first. Only routes that exist under the law in force
on the date are candidates. A set counts only if each of its routes is open in the
world where the others are taken (so an arrangement can open NVEU). The search never
evaluates more than `max_sets` sets: past that it stops and says so, rather than
enumerating blindly. If no set reaches the target it reports the best set found and the
shortfall.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from itertools import combinations

from .errors import TierscopeError
from .models.result import ResultModel
from .quantify import to_h100e
from .routes import (
    get_routes,
    load_routes,
    regimes_in_force,
    result_in,
    unmet_preconditions,
    up_to_total,
    world_with,
)
from .service import Project

DEFAULT_MAX_ROUTES = 3  # routes in one set
MAX_MAX_ROUTES = 5
DEFAULT_MAX_SETS = 1000  # sets evaluated, at most


class RouteSet(ResultModel):
    routes: list[str]
    total_tpp: int | None  # None: unbounded
    total_h100e: float | None
    up_to_tpp: int | None  # with discretionary increases granted in full (None: unbounded)
    reaches: bool


class GoalResult(ResultModel):
    country: str
    scenario: str
    by: dt.date
    target: str  # as asked: "100000" (H100e) or "20000 x B200"
    target_tpp: int
    target_h100e: float
    baseline_tpp: int | None
    baseline_h100e: float | None
    reachable: bool
    sets: list[RouteSet]  # the smallest sets that reach the target (empty if none)
    best: RouteSet | None  # the best set found when none reaches it
    shortfall_tpp: int | None
    shortfall_h100e: float | None
    candidates: list[str]  # routes that exist under the law in force on the date
    excluded: list[str]  # routes left out of the search (--exclude)
    up_to: bool  # the target was compared with totals whose discretionary increases are granted
    max_routes: int
    sets_evaluated: int
    stopped_at_limit: bool
    note: str


def parse_target(text: str, project: Project, h100_tpp: int) -> int:
    """'100000' (H100e, commas allowed) or '20000 x B200' (a chip order) -> TPP."""
    raw = text.strip().replace(",", "").replace("_", "")
    try:
        value = float(raw)
    except ValueError:
        from .chips import order_tpp, parse_order

        return order_tpp(parse_order(text, project.chips))
    if not value > 0 or value > 1e12:
        raise TierscopeError(f"--target {text!r}: must be a positive number of H100e")
    return round(value * h100_tpp)


def _route_set(project: Project, world, code: str, day: dt.date, routes, h100, target, up_to):
    result = result_in(project, world, code, day)
    total, upper = result.total_reachable.tpp, up_to_total(result)
    return RouteSet(
        routes=sorted(r.id for r in routes),
        total_tpp=total,
        total_h100e=None if total is None else to_h100e(total, h100),
        up_to_tpp=upper,
        reaches=_reaches(upper if up_to else total, target),
    )


def _reaches(total: int | None, target: int) -> bool:
    return total is None or total >= target


def _better(a: int | None, b: int | None) -> bool:
    return (a is None and b is not None) or (a is not None and b is not None and a > b)


def goal_search(
    project: Project,
    country: str,
    scenario: str,
    by: dt.date,
    target: str,
    assume: Mapping[str, int] | None = None,
    max_routes: int = DEFAULT_MAX_ROUTES,
    max_sets: int = DEFAULT_MAX_SETS,
    exclude: Sequence[str] = (),
    up_to: bool = False,
) -> GoalResult:
    if not 1 <= max_routes <= MAX_MAX_ROUTES:
        raise TierscopeError(f"--max-routes must be between 1 and {MAX_MAX_ROUTES}")
    code = project.country_code(country)
    base = project.query(code, scenario, by, assume)
    h100 = base.h100_tpp.value
    assert isinstance(h100, int)
    target_tpp = parse_target(target, project, h100)
    world = project.world(scenario, assume)
    in_force = regimes_in_force(project, world, by)
    left_out = {r.id for r in get_routes(project, list(exclude))}
    candidates = [
        r
        for r in load_routes(project.rules_dir).values()
        if in_force.intersection(r.regimes) and r.id not in left_out
    ]
    cache: dict = {frozenset(): world}
    evaluated = 0
    stopped = False
    best = _route_set(project, world, code, by, [], h100, target_tpp, up_to)
    found: list[RouteSet] = [best] if best.reaches else []
    size = 0
    while not found and size < max_routes and not stopped:
        size += 1
        for combo in combinations(candidates, size):
            if evaluated >= max_sets:
                stopped = True
                break
            evaluated += 1
            valid = True
            for r in combo:
                others = [o for o in combo if o.id != r.id]
                w = world_with(project, world, others, code, by, cache)
                if unmet_preconditions(project, w, r, w.countries[code], by):
                    valid = False
                    break
            if not valid:
                continue
            w = world_with(project, world, combo, code, by, cache)
            rs = _route_set(project, w, code, by, combo, h100, target_tpp, up_to)
            if rs.reaches:
                found.append(rs)
            elif _better(
                rs.up_to_tpp if up_to else rs.total_tpp, best.up_to_tpp if up_to else best.total_tpp
            ):
                best = rs
    found.sort(key=lambda s: (s.total_tpp is not None, -(s.total_tpp or 0), s.routes))
    if up_to:
        found.sort(key=lambda s: (s.up_to_tpp is not None, -(s.up_to_tpp or 0), s.routes))
    reachable = bool(found)
    best_total = best.up_to_tpp if up_to else best.total_tpp
    shortfall = None if reachable or best_total is None else target_tpp - best_total
    if reachable and size == 0:
        note = "the target is reached without any route"
    elif reachable:
        note = f"smallest sets: {size} route(s)"
    elif stopped:
        note = f"stopped at the limit of {max_sets:,} sets: no set evaluated reaches the target"
    else:
        note = f"unreachable with up to {max_routes} route(s) among {len(candidates)} candidates"
    return GoalResult(
        country=code,
        scenario=base.scenario,
        by=by,
        target=target,
        target_tpp=target_tpp,
        target_h100e=to_h100e(target_tpp, h100),
        baseline_tpp=base.total_reachable.tpp,
        baseline_h100e=base.total_reachable.h100e,
        reachable=reachable,
        sets=found,
        best=None if reachable else best,
        shortfall_tpp=shortfall,
        shortfall_h100e=None if shortfall is None else to_h100e(shortfall, h100),
        candidates=[r.id for r in candidates],
        excluded=sorted(left_out),
        up_to=up_to,
        max_routes=max_routes,
        sets_evaluated=evaluated,
        stopped_at_limit=stopped,
        note=note,
    )
