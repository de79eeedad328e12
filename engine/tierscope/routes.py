"""Routes between tiers: load them, check their preconditions, take them, measure the gain.

Taking a route is applying a scenario: each route's effect (rules/pathways/*.yaml) becomes
a Scenario for the country taking it on the as-of date, applied with the same
`apply_scenario` as any scenario file, so routes compose with scenarios and with each
other. Preconditions are conditions of the rule language; they are evaluated by the same
staged durable-rules engine, as extra provisions (one `warning` output per precondition)
added to a copy of the world's regime, so a precondition may read derived outputs such as
`tier` after exceptions are settled, exactly as a provision does.

A route's precondition is checked in the world where the *other* routes of a set are
taken: `--with g2g-arrangement --with nveu` is valid because the arrangement opens NVEU.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from .errors import LoadError, TierscopeError
from .evaluate import evaluate
from .loader import validate_one
from .models.common import Status, weakest
from .models.condition import FactTest, walk
from .models.country import Country
from .models.provision import Provision
from .models.regime import Regime
from .models.result import QueryResult, ResultModel
from .models.route import Route
from .models.scenario import Scenario
from .quantify import to_h100e
from .scenario import apply_scenario
from .service import Project, build_result
from .world import World
from .yamlio import LineDict, read_yaml

ROUTES_FOLDER = "pathways"
PROBE_NS = "route_pre"


class RouteError(TierscopeError):
    """A route that does not exist, or cannot be taken (names the unmet preconditions)."""


# ----------------------------------------------------------------------------- loading


def route_paths(rules_dir: Path) -> list[Path]:
    folder = rules_dir / ROUTES_FOLDER
    return sorted(p for p in folder.glob("*.yaml") if p.is_file()) if folder.is_dir() else []


def load_route_file(path: Path) -> Route:
    """One route file; errors carry file:line:field, and its id must equal its file name."""
    data = read_yaml(path)
    route = validate_one(Route, data, path)
    if route.id != path.stem:
        raise LoadError(
            path,
            f"route id {route.id!r} must equal the file name {path.stem!r}",
            data.key_lines.get("id") if isinstance(data, LineDict) else None,
            "id",
        )
    return route


@lru_cache(maxsize=8)
def load_routes(rules_dir: Path) -> dict[str, Route]:
    """Every route under rules/pathways/, by id (= file name, so ids are unique)."""
    return {p.stem: load_route_file(p) for p in route_paths(rules_dir)}


def check_route_references(
    route: Route, regimes: Iterable[str], parameters: Mapping[str, Any]
) -> list[str]:
    """Problems a route file cannot show on its own: unknown regimes and parameters."""
    problems = []
    known = set(regimes)
    for r in route.regimes:
        if r not in known:
            problems.append(f"regimes: unknown regime {r!r}; known: {', '.join(sorted(known))}")
    eff = route.effect
    for pid in [*eff.parameters, *(f"assumptions.{k}" for k in eff.assumptions)]:
        if pid not in parameters:
            problems.append(f"effect: no such parameter {pid!r}")
            continue
        unit = getattr(parameters[pid], "unit", None)
        if unit is None:  # only the id is known (the file could not be read)
            continue
        is_list = unit.value == "countries"
        ov = eff.parameters.get(pid)
        if ov is not None and (ov.add is not None or ov.remove is not None) and not is_list:
            problems.append(f"effect.parameters.{pid}: add/remove only apply to country lists")
        if ov is not None and ov.scale is not None and is_list:
            problems.append(f"effect.parameters.{pid}: cannot scale a country list")
        if ov is None and unit.value != "count":
            problems.append(f"effect.assumptions: {pid} is not a count ({unit.value})")
    return problems


def route_findings(rules_dir: Path) -> tuple[int, list[tuple[str, int | None, str, str, str]]]:
    """For `tierscope check`: (files read, findings as (path, line, level, code, message))
    for every route file; never raises for bad data."""
    from .loader import NON_REGIME_DIRS

    params_root = rules_dir / "parameters"
    param_paths = (
        {
            ".".join(p.relative_to(params_root).with_suffix("").parts): p
            for p in params_root.rglob("*.yaml")
        }
        if params_root.is_dir()
        else {}
    )
    params = set(param_paths)
    loaded: dict[str, Any] = {}

    def referenced(route: Route) -> dict[str, Any]:
        """The parameters a route's effect names, read (None where a file is unreadable)."""
        from .loader import load_parameter

        eff = route.effect
        for pid in [*eff.parameters, *(f"assumptions.{k}" for k in eff.assumptions)]:
            if pid in param_paths and pid not in loaded:
                try:
                    loaded[pid] = load_parameter(param_paths[pid], params_root)[0]
                except LoadError:
                    loaded[pid] = None  # check reports the parameter file itself
        return {pid: loaded.get(pid) for pid in params}

    regimes = [
        p.name
        for p in rules_dir.iterdir()
        if p.is_dir() and p.name not in NON_REGIME_DIRS and (p / "regime.yaml").is_file()
    ]
    found: list[tuple[str, int | None, str, str, str]] = []
    paths = route_paths(rules_dir)
    for path in paths:
        try:
            route = load_route_file(path)
        except LoadError as err:
            found.append((str(path), err.line, "error", "route", err.detail))
            continue
        for problem in check_route_references(route, regimes, referenced(route)):
            found.append((str(path), None, "error", "route", problem))
        for pre in route.preconditions:
            for node in walk(pre.when):
                if (
                    isinstance(node, FactTest)
                    and node.op == "in_param"
                    and node.operand not in params
                ):
                    found.append(
                        (
                            str(path),
                            None,
                            "error",
                            "route",
                            f"preconditions: no such parameter {node.operand!r}",
                        )
                    )
    folder = rules_dir / ROUTES_FOLDER
    if folder.is_dir():
        for path in sorted(folder.rglob("*.y*ml")):
            if path.suffix == ".yml" or path.parent != folder:
                found.append(
                    (
                        str(path),
                        None,
                        "warning",
                        "ignored-file",
                        "not read: routes are rules/pathways/*.yaml",
                    )
                )
    return len(paths), found


def get_routes(project: Project, ids: Sequence[str]) -> list[Route]:
    routes = load_routes(project.rules_dir)
    out = []
    for rid in ids:
        if rid not in routes:
            import difflib

            near = difflib.get_close_matches(rid, list(routes), n=3)
            hint = f" Did you mean: {', '.join(near)}?" if near else ""
            raise RouteError(f"unknown route {rid!r}.{hint} Routes: {', '.join(sorted(routes))}")
        out.append(routes[rid])
    if len(set(ids)) != len(ids):
        raise RouteError(f"a route is named twice: {', '.join(ids)}")
    return out


# ----------------------------------------------------------------------------- taking


def route_scenario(
    project: Project,
    world: World,
    route: Route,
    code: str,
    day: dt.date,
    assumptions: bool = True,
) -> Scenario:
    """The scenario that taking `route` is, for `code` on `day` (validated whole).

    Assumption counts (NVEUs, UVEU fleet) are read for whichever country is asked about,
    so when several countries take a route together they are raised once, not once per
    country (`assumptions=False` for the others)."""
    eff = route.effect_for(code, day)
    refs = [r.model_dump() for r in route.references]
    countries: dict[str, Any] = {}
    if eff.country is not None or eff.licensed:
        block = eff.country.model_dump(by_alias=True) if eff.country else {}
        block["deals"] = [*block.get("deals", []), *(d.model_dump() for d in eff.licensed)]
        countries[code] = block
    parameters: dict[str, Any] = {
        pid: ov.model_dump(by_alias=True, exclude_none=True) for pid, ov in eff.parameters.items()
    }
    for name, inc in eff.assumptions.items() if assumptions else ():
        pid = f"assumptions.{name}"
        param = world.parameters[pid]
        values = {}
        for d, dv in param.values.items():
            base = dv.value if isinstance(dv.value, int) else 0
            values[d] = {
                "value": base + inc.add,
                "status": weakest([dv.status, inc.status]).value,
                "note": f"{base:,} + {inc.add:,} (route {route.id})"
                + (f": {inc.note}" if inc.note else ""),
                "references": [r.model_dump() for r in (*dv.references, *inc.references)],
            }
        parameters[pid] = {"values": values}
    rb = project.rulebase
    return Scenario.model_validate(
        {
            "id": f"route-{route.id}",
            "title": route.title,
            "description": route.description,
            "base": next(iter(rb.regimes)),  # not used: the scenario is applied to a world
            "parameters": parameters,
            "countries": countries,
            "references": refs,
        }
    )


def take(
    project: Project, world: World, routes: Sequence[Route], codes: Sequence[str], day: dt.date
) -> World:
    """`world` with every route taken by every country in `codes` on `day` (no checks)."""
    start = world
    for route in routes:
        for i, code in enumerate(codes):
            try:
                scen = route_scenario(project, world, route, code, day, assumptions=i == 0)
                if not (scen.parameters or scen.countries):
                    continue  # nothing left for this country (an assumption already raised)
                world = apply_scenario(project.rulebase, world, scen)
            except TierscopeError as exc:
                raise RouteError(f"route {route.id} cannot be applied: {exc.message}") from None
            except ValidationError as exc:
                err = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in err["loc"])
                raise RouteError(
                    f"route {route.id} cannot be applied for {code} on {day}: {where}: {err['msg']}"
                ) from None
    return sharing_rules(world, start)


def sharing_rules(world: World, like: World) -> World:
    """`world` as a fresh World that reuses `like`'s compiled rules when both have the same
    regime: a route edits parameter values and country facts, never provisions, and the
    compiled rules read parameters only through the mapping they are given (compiling
    again for every route set would dominate the goal search)."""
    compiled = []
    if world.regime is like.regime:
        compiled = [replace(like.compiled, parameters=world.parameters, _epochs={})]
    return World(
        world.scenario_id,
        world.title,
        world.regime,
        world.parameters,
        world.countries,
        world.notes,
        _compiled=compiled,
    )


# ----------------------------------------------------------------------------- preconditions


def regimes_in_force(project: Project, world: World, day: dt.date) -> set[str]:
    """Regimes with a provision in force on `day` in `world` (provision ids are
    namespaced by regime: framework_2025.* belongs to framework-2025)."""
    spaces = {p.id.split(".", 1)[0] for p in world.regime.provisions if p.valid.contains(day)}
    return {rid for rid in project.rulebase.regimes if rid.replace("-", "_") in spaces}


def _snake(route_id: str) -> str:
    return route_id.replace("-", "_")


def probe_id(route: Route, i: int) -> str:
    return f"{PROBE_NS}_{_snake(route.id)}_{i}"


_PROBES: dict[int, tuple[Regime, Regime]] = {}


def probe_regime(regime: Regime, routes: Iterable[Route]) -> Regime:
    """`regime` plus one provision per route precondition, each defining its own warning
    output, so that one evaluation tells which preconditions hold (cached per regime)."""
    hit = _PROBES.get(id(regime))
    if hit is not None and hit[0] is regime:
        return hit[1]
    start = min((p.valid.start for p in regime.provisions), default=dt.date(1900, 1, 1))
    probes = []
    for route in routes:
        for i, pre in enumerate(route.preconditions):
            probes.append(
                Provision.model_validate(
                    {
                        "id": f"{PROBE_NS}.{_snake(route.id)}_{i}",
                        "title": pre.text,
                        "citation": route.citations[0],
                        "status": route.status,
                        "valid": {"from": start},
                        "when": pre.when,
                        "then": {"warning": {"id": probe_id(route, i), "text": pre.text}},
                    }
                )
            )
    probed = Regime(header=regime.header, provisions=(*regime.provisions, *probes))
    _PROBES[id(regime)] = (regime, probed)
    return probed


_PROBE_WORLDS: dict[int, tuple[Regime, World]] = {}


def probe_world(project: Project, world: World) -> World:
    """`world` with the precondition probes of every route; compiled once per regime."""
    probed = probe_regime(world.regime, load_routes(project.rules_dir).values())
    hit = _PROBE_WORLDS.get(id(probed))
    if hit is None or hit[0] is not probed:
        first = World(world.scenario_id, world.title, probed, world.parameters, world.countries)
        hit = (probed, first)
        _PROBE_WORLDS[id(probed)] = hit
    like = hit[1]
    if like.parameters is world.parameters and like.countries is world.countries:
        return like
    probe = World(world.scenario_id, world.title, probed, world.parameters, world.countries)
    return sharing_rules(probe, like)


def unmet_preconditions(
    project: Project, world: World, route: Route, country: Country, day: dt.date
) -> list[str]:
    """The route's preconditions that do not hold in `world` for `country` on `day`, in
    words; the first is the regime when the route does not exist in the law in force."""
    if route.valid is not None and not route.valid.contains(day):
        until = f" until {route.valid.until}" if route.valid.until else ""
        return [f"the route exists from {route.valid.start}{until} ({route.citations[0]})"]
    changes_groups = route.effect.country is not None and route.effect.country.group_changes
    if changes_groups and day <= country.groups.as_of:
        return [
            f"the route changes country groups, which can be dated only after the group "
            f"snapshot of {country.groups.as_of} the rules start from"
        ]
    in_force = regimes_in_force(project, world, day)
    if not in_force.intersection(route.regimes):
        now = ", ".join(sorted(in_force)) or "no regime"
        return [
            f"the route exists under {', '.join(route.regimes)}; on {day} the law in "
            f"{world.scenario_id} is {now}"
        ]
    if not route.preconditions:
        return []
    ev = evaluate(probe_world(project, world), country, day)
    out = []
    for i, pre in enumerate(route.preconditions):
        if f"warning:{probe_id(route, i)}" not in ev.resolutions:
            out.append(pre.text + (f" [{pre.fact_hint}]" if pre.fact_hint else ""))
    return out


def check_set(
    project: Project,
    world: World,
    routes: Sequence[Route],
    code: str,
    day: dt.date,
    cache: dict[frozenset[str], World] | None = None,
) -> dict[str, list[str]]:
    """Unmet preconditions of each route of a set, each checked with the others taken."""
    cache = {} if cache is None else cache
    out = {}
    for r in routes:
        others = [o for o in routes if o.id != r.id]
        w = world_with(project, world, others, code, day, cache)
        out[r.id] = unmet_preconditions(project, w, r, w.countries[code], day)
    return out


def world_with(
    project: Project,
    world: World,
    routes: Sequence[Route],
    code: str,
    day: dt.date,
    cache: dict[frozenset[str], World],
) -> World:
    key = frozenset(r.id for r in routes)
    if key not in cache:
        ordered = sorted(routes, key=lambda r: r.id)  # effects commute; one order for caching
        cache[key] = take(project, world, ordered, [code], day)
    return cache[key]


def with_routes(
    project: Project,
    scenario: str,
    route_ids: Sequence[str],
    countries: Sequence[str],
    day: dt.date,
    assume: Mapping[str, int] | None = None,
) -> str:
    """Take routes for the countries on `day` on top of `scenario`; returns a scenario
    name under which `project.query/compare/acquire` answer in that world. A route whose
    preconditions fail for a country raises RouteError naming them."""
    if not route_ids:
        return scenario
    routes = get_routes(project, route_ids)
    base = project.world(scenario, assume)
    codes = [project.country_code(c) for c in countries]
    for code in dict.fromkeys(codes):
        unmet = check_set(project, base, routes, code, day)
        closed = {rid: u for rid, u in unmet.items() if u}
        if closed:
            rid, why = next(iter(closed.items()))
            raise RouteError(
                f"route {rid} cannot be taken by {code} on {day} under {scenario}: "
                + "; ".join(why)
            )
    world = take(project, base, routes, list(dict.fromkeys(codes)), day)
    name = f"{scenario}+with:{'+'.join(route_ids)}"
    title = f"{base.title} + " + " + ".join(r.title for r in routes)
    world = World(name, title, world.regime, world.parameters, world.countries, world.notes)
    project.register_world(name, world, assume)
    return name


# ----------------------------------------------------------------------------- gains


class Gain(ResultModel):
    """A change in total reachable compute over the allocation window."""

    tpp: int | None  # None: unbounded, or no cap before and after (see `text`)
    h100e: float | None
    chips: int | None  # whole chips of the report's chip, rounded toward zero
    unbounded: bool  # the route removes the last cap
    # where a ceiling "may be increased" at the government's discretion: the gain if it is
    up_to_tpp: int | None = None
    up_to_h100e: float | None = None
    text: str


def up_to_total(result: QueryResult) -> int | None:
    """Total reachable with every discretionary increase ("may be increased up to")
    granted in full; None when unbounded. Equal to the total where there is none."""
    total = result.total_reachable.tpp
    if total is None:
        return None
    terms = {t.pathway: t.tpp for t in result.total_reachable.terms}
    for p in result.pathways:
        up = getattr(p, "ceiling_up_to_tpp", None)
        if up is not None and p.ceiling_tpp is not None and terms.get(p.id) == p.ceiling_tpp:
            total += up - p.ceiling_tpp
    return total


def _chips(d: int, chip_tpp: int) -> int:
    return d // chip_tpp if d >= 0 else -((-d) // chip_tpp)


def gain_between(
    before: QueryResult, after: QueryResult, h100: int, chip_tpp: int, chip: str
) -> Gain:
    b, a = before.total_reachable.tpp, after.total_reachable.tpp
    if b is None:
        return Gain(
            tpp=None, h100e=None, chips=None, unbounded=False, text="no cap before or after"
        )
    if a is None:
        return Gain(tpp=None, h100e=None, chips=None, unbounded=True, text="removes the cap")
    d = a - b
    h = to_h100e(d, h100)
    text = f"{d:+,} TPP ≈ {h:+,.1f} H100e ≈ {_chips(d, chip_tpp):+,} {chip}"
    up_b, up_a = up_to_total(before), up_to_total(after)
    up = None if up_b is None or up_a is None or up_a - up_b == d else up_a - up_b
    if up is not None:
        text += (
            f" (up to {up:+,} TPP ≈ {to_h100e(up, h100):+,.1f} H100e if BIS grants the increase)"
        )
    return Gain(
        tpp=d,
        h100e=h,
        chips=_chips(d, chip_tpp),
        unbounded=False,
        up_to_tpp=up,
        up_to_h100e=None if up is None else to_h100e(up, h100),
        text=text,
    )


def result_in(project: Project, world: World, code: str, day: dt.date) -> QueryResult:
    ev = evaluate(world, world.countries[code], day)
    return build_result(ev, project.chips if any(d.chips for d in ev.country.deals) else None)


def changes(before: QueryResult, after: QueryResult) -> tuple[list[str], list[str]]:
    """What taking a route opened and closed, read off the two answers."""
    opened, closed = [], []
    if before.tier != after.tier:
        opened.append(f"Tier {after.tier} (was {before.tier})")
    if before.licence_required and not after.licence_required:
        opened.append("no licence required for 3A090.a/4A090.a")
    if after.licence_required and not before.licence_required:
        closed.append("licence-free exports (a licence is now required)")
    if before.review_policy != after.review_policy:
        opened.append(f"review: {after.review_policy} (was {before.review_policy})")
    b = {p.id: p for p in before.pathways}
    a = {p.id: p for p in after.pathways}
    for pid in a.keys() - b.keys():
        opened.append(f"pathway {a[pid].title}")
    for pid in b.keys() - a.keys():
        closed.append(f"pathway {b[pid].title}")
    for pid in a.keys() & b.keys():
        if a[pid].ceiling_tpp != b[pid].ceiling_tpp:
            old = "unbounded" if b[pid].ceiling_tpp is None else f"{b[pid].ceiling_tpp:,}"
            new = "unbounded" if a[pid].ceiling_tpp is None else f"{a[pid].ceiling_tpp:,}"
            opened.append(f"{a[pid].title}: ceiling {old} -> {new} TPP")
    return opened, closed


def licensed_after(before: QueryResult, after: QueryResult) -> list[tuple[str, int | None]]:
    """Deals the route added (a licensed quantity), as (title, TPP)."""
    seen = {(d.date, d.title) for d in before.deals}
    return [(d.title, d.tpp) for d in after.deals if (d.date, d.title) not in seen]


def statuses(route: Route, *more: Status) -> Status:
    return weakest([route.status, *more])
