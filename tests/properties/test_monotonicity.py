"""A favourable change never lowers what a country can reach.

Written over scenarios: each entry of FAVOURABLE builds, for one country on one date, a
scenario (a `Scenario` model, as a file would hold it) that can only favour that
country. Applying it to any shipped world must not lower the country's total reachable
compute (None = unbounded = +infinity) nor the ceiling of any pathway it keeps.
Pathways that become scenarios later plug in by appending a generator to FAVOURABLE.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from tierscope.evaluate import evaluate
from tierscope.models.parameter import RATIONAL_UNITS, Unit
from tierscope.models.result import QueryResult
from tierscope.models.scenario import Scenario
from tierscope.scenario import apply_scenario
from tierscope.service import build_result
from tierscope.world import World

from .strategies import REF, budget, days, in_force_from, scenario

INF = float("inf")
Draw = Callable[[st.SearchStrategy], object]


def at_least(new: int | None, old: int | None) -> bool:
    return (INF if new is None else new) >= (INF if old is None else old)


def query(world: World, code: str, day: dt.date) -> QueryResult:
    return build_result(evaluate(world, world.countries[code], day))


def ceiling_parameters(world: World) -> list[str]:
    """Integer parameters a pathway's ceiling or reach multiplies by."""
    out: set[str] = set()
    for p in world.regime.provisions:
        pw = p.then.pathway
        if pw is None:
            continue
        if pw.ceiling != "unbounded":
            out.add(pw.ceiling.param)
            if pw.ceiling.times:
                out.add(pw.ceiling.times)
        if pw.reach is not None:
            out.update(pw.reach.times or [])
            if pw.reach.fleet_share_of:
                out.add(pw.reach.fleet_share_of)
    return sorted(pid for pid in out if world.parameters[pid].unit is not Unit.countries)


@dataclass(frozen=True)
class Favourable:
    """A kind of change that can only favour `code`; `build` returns None where it does
    not apply (e.g. leaving D:5 for a country that is not in it)."""

    name: str
    build: Callable[[Draw, World, str, dt.date, QueryResult], Scenario | None]


def _join_tier1(draw: Draw, world: World, code: str, day: dt.date, base: QueryResult):
    # Tier 2 -> Tier 1 (a D:5 destination on the list stays Tier 3: D:5 prevails).
    start = draw(st.dates(min(dt.date(2024, 1, 1), day), day))
    return scenario(
        "join-tier1",
        parameters={
            "framework_2025.tier1_destinations": {
                "add": [code],
                "from": start,
                "status": "unverified",
                "references": REF,
            }
        },
    )


def _leave_d5(draw: Draw, world: World, code: str, day: dt.date, base: QueryResult):
    # Tier 3 -> Tier 2 (as Cambodia on 2026-02-03).
    country = world.countries[code]
    first = country.groups.as_of + dt.timedelta(1)
    if "D:5" not in country.groups_on(day) or day < first:
        return None
    change = {
        "date": draw(st.dates(first, day)),
        "remove": ["D:5"],
        "status": "unverified",
        "references": REF,
    }
    return scenario("leave-d5", countries={code: {"group_changes": [change]}})


def _g2g(draw: Draw, world: World, code: str, day: dt.date, base: QueryResult):
    fact = {
        "from": draw(st.dates(dt.date(2023, 1, 1), day)),
        "value": True,
        "status": "unverified",
        "references": REF,
    }
    return scenario("g2g", countries={code: {"facts": {"g2g_arrangement": [fact]}}})


SCALES = st.sampled_from(["2", "3/2", "10", "1001/1000", "7/3", "1000"])


def _raise_ceiling(draw: Draw, world: World, code: str, day: dt.date, base: QueryResult):
    pids = ceiling_parameters(world)
    if not pids:
        return None
    pid = draw(st.sampled_from(pids))
    frac = Fraction(draw(SCALES))
    param = world.parameters[pid]
    whole = all(
        (frac * dv.value).denominator == 1
        for dv in param.values.values()
        if isinstance(dv.value, (int, Fraction))
    )
    if not whole or (param.unit in RATIONAL_UNITS and frac.denominator != 1):
        # a scale that would need rounding is rejected, and a fractional multiplier can make
        # a ceiling that is not whole TPP (an error): both are tested in
        # test_scenario_language.py; here the scale must be a plain raise
        frac = Fraction(2)
    ov = {"scale": str(frac), "status": "unverified", "references": REF}
    return scenario("raise-ceiling", parameters={pid: ov})


FAVOURABLE: list[Favourable] = [
    Favourable("join the Tier 1 list", _join_tier1),
    Favourable("leave Country Group D:5", _leave_d5),
    Favourable("sign a government-to-government arrangement", _g2g),
    Favourable("raise a ceiling parameter", _raise_ceiling),
]

ASSUME = st.fixed_dictionaries(
    {},
    optional={
        "lpp_consignees_per_year": st.sampled_from([0, 1, 5]),
        "nveu_count": st.sampled_from([0, 1, 3]),
        "uveu_fleet_h100e": st.sampled_from([0, 100_000]),
    },
)


@budget(40)
@given(data=st.data())
def test_a_favourable_scenario_never_lowers_a_countrys_reachable_compute_or_any_ceiling(
    shipped, data
):
    spec = data.draw(st.sampled_from(shipped.scenario_ids()), label="scenario")
    assume = data.draw(ASSUME, label="assume")
    base_world = shipped.world(spec, assume)
    code = data.draw(st.sampled_from(sorted(base_world.countries)), label="country")
    day = data.draw(
        days(
            in_force_from(base_world), dt.date(2027, 12, 31), near=base_world.compiled.breakpoints
        ),
        label="day",
    )
    base = query(base_world, code, day)
    applied = 0
    for fav in FAVOURABLE:
        scen = fav.build(data.draw, base_world, code, day, base)
        if scen is None:
            continue
        applied += 1
        new = query(apply_scenario(shipped.rulebase, base_world, scen), code, day)
        why = f"{fav.name}: {scen.model_dump(exclude_defaults=True)}"
        assert at_least(new.total_reachable.tpp, base.total_reachable.tpp), why
        kept = {p.id: p for p in new.pathways}
        for p in base.pathways:
            if p.id in kept:
                assert at_least(kept[p.id].ceiling_tpp, p.ceiling_tpp), (p.id, why)
    assert applied >= 1  # the arrangement applies everywhere


@budget(5)
@given(data=st.data())
def test_the_favourable_changes_are_not_vacuous(shipped, data):
    # Israel (Tier 2) and China (Tier 3) on a framework date: each change raises or opens
    # something, so the property above compares real differences.
    world = shipped.world("framework-2025")
    day = dt.date(2025, 6, 1)
    il, cn = query(world, "IL", day), query(world, "CN", day)
    by_name = {f.name: f for f in FAVOURABLE}

    def after(name, code, base):
        scen = by_name[name].build(data.draw, world, code, day, base)
        return query(apply_scenario(shipped.rulebase, world, scen), code, day)

    assert il.tier == 2 and il.total_reachable.tpp is not None
    assert after("join the Tier 1 list", "IL", il).total_reachable.tpp is None
    assert after("join the Tier 1 list", "CN", cn).tier == 3  # D:5 prevails
    g2g = after("sign a government-to-government arrangement", "IL", il)
    # the arrangement opens NVEU in Tier 2 (Supp. No. 10 to part 748, para. 12); with the
    # default assumption of no NVEU it adds no compute, so compare the pathways
    assert "nveu" in {p.id for p in g2g.pathways} - {p.id for p in il.pathways}
    assert cn.tier == 3 and after("leave Country Group D:5", "CN", cn).tier == 2
    assert "framework_2025.country_allocation_tpp" in ceiling_parameters(world)
