"""`tierscope pathways COUNTRY`: every route, open or closed, with what it needs and gives.

The gain of a route is the change in total reachable compute (the same total `query`
reports, over the same window and assumptions) between the answer without the route
and the answer with it, both on the as-of date. Licensed quantities (deal routes) are
reported apart: a licence is granted within what the law allows, so it never adds to a
legal ceiling.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from .models.common import Status
from .models.result import ResultModel
from .models.route import effect_words
from .quantify import to_h100e
from .routes import (
    Gain,
    changes,
    gain_between,
    licensed_after,
    load_routes,
    result_in,
    statuses,
    take,
    unmet_preconditions,
)
from .service import Project

DEFAULT_CHIP = "B200"


class RouteResult(ResultModel):
    id: str
    title: str
    description: str
    state: str  # "open" | "closed"
    unmet: list[str]  # preconditions that do not hold, in words (empty when open)
    entity: str | None  # whose status an entity-level route needs
    regimes: list[str]
    effect: list[str]  # the scenario overrides that taking the route applies, in words
    opens: list[str]
    closes: list[str]
    gain: Gain | None  # None for a closed route
    licensed: list[str]  # licensed quantities the route records (deals), in words
    licensed_tpp: int | None
    licensed_h100e: float | None
    total_after_tpp: int | None
    status: Status
    status_note: str | None
    citations: list[str]
    references: list[str]


class PathwaysReport(ResultModel):
    country: str
    country_name: str
    scenario: str
    scenario_title: str
    as_of: dt.date
    tier: int | None
    chip: str  # the chip gains are also counted in
    chip_tpp: int
    baseline_total_tpp: int | None  # None: unbounded
    baseline_total_h100e: float | None
    window: str
    routes: list[RouteResult]  # open routes by gain (largest first), then closed routes
    notes: list[str]
    banner: str | None = None  # the scenario was not the law on as_of (as `query` says)


def rank_key(r: RouteResult) -> tuple:
    if r.state != "open" or r.gain is None:
        return (2, 0, r.id)
    if r.gain.unbounded:
        return (0, 0, r.id)
    up = r.gain.up_to_tpp if r.gain.up_to_tpp is not None else r.gain.tpp
    return (1, -(r.gain.tpp or 0), -(up or 0), r.id)


def pathways_report(
    project: Project,
    country: str,
    scenario: str,
    day: dt.date,
    assume: Mapping[str, int] | None = None,
    chip: str = DEFAULT_CHIP,
) -> PathwaysReport:
    from .chips import find_chip

    spec = find_chip(chip, project.chips)
    label = spec.aliases[0] if spec.aliases else spec.name
    code = project.country_code(country)
    world = project.world(scenario, assume)
    base = project.query(code, scenario, day, assume)  # raises if the scenario is not in force
    h100 = base.h100_tpp.value
    assert isinstance(h100, int)
    out: list[RouteResult] = []
    for route in load_routes(project.rules_dir).values():
        unmet = unmet_preconditions(project, world, route, world.countries[code], day)
        common = dict(
            id=route.id,
            title=route.title,
            description=route.description,
            entity=route.entity,
            regimes=route.regimes,
            status_note=route.status_note,
            citations=route.citations,
            references=[r.text for r in route.references],
            effect=effect_words(route.effect_for(code, day)),
        )
        if unmet:
            out.append(
                RouteResult(
                    **common,
                    state="closed",
                    unmet=unmet,
                    opens=route.opens,
                    closes=route.closes,
                    gain=None,
                    licensed=[],
                    licensed_tpp=None,
                    licensed_h100e=None,
                    total_after_tpp=None,
                    status=route.status,
                )
            )
            continue
        after = result_in(project, take(project, world, [route], [code], day), code, day)
        opened, closed = changes(base, after)
        deals = licensed_after(base, after)
        ltpp = sum(t for _, t in deals if t is not None) if deals else None
        out.append(
            RouteResult(
                **common,
                state="open",
                unmet=[],
                opens=[*route.opens, *opened],
                closes=[*route.closes, *closed],
                gain=gain_between(base, after, h100, spec.tpp, label),
                licensed=[t for t, _ in deals],
                licensed_tpp=ltpp,
                licensed_h100e=None if ltpp is None else to_h100e(ltpp, h100),
                total_after_tpp=after.total_reachable.tpp,
                status=statuses(route, after.total_reachable.status),
            )
        )
    out.sort(key=rank_key)
    notes = [
        "Gain: change in total reachable compute on the as-of date, with the route taken on "
        "that date, against the same scenario without it (assumptions as in `query`).",
        "Licensed quantities are facts of a deal, not law: shown, never added to a ceiling.",
    ]
    return PathwaysReport(
        country=code,
        country_name=base.country_name,
        scenario=base.scenario,
        scenario_title=base.scenario_title,
        as_of=day,
        tier=base.tier,
        chip=label,
        chip_tpp=spec.tpp,
        baseline_total_tpp=base.total_reachable.tpp,
        baseline_total_h100e=base.total_reachable.h100e,
        window=base.total_reachable.window,
        routes=out,
        notes=notes,
        banner=getattr(base, "banner", None),
    )
