"""Scenarios are data with an algebra: an empty override is the identity, disjoint
overrides commute, composition `a+b+c` is associative, and applying a scenario never
mutates its base."""

from __future__ import annotations

import datetime as dt
import itertools
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierscope.errors import TierscopeError
from tierscope.evaluate import evaluate
from tierscope.models.parameter import RATIONAL_UNITS, Parameter, Unit
from tierscope.models.scenario import Scenario
from tierscope.scenario import apply_scenario, build_world
from tierscope.service import build_result
from tierscope.vocabulary import COUNTRY_GROUPS
from tierscope.world import World

from .strategies import REF, budget, days, in_force_from, result_key, scenario, touched

# Shipped scenarios that override disjoint things (checked below).
DISJOINT = ["israel-arrangement", "israel-tier1", "lpp-500-chips", "tier2-caps-halved"]
BASES = ["framework-2025", "current-law", "pre-framework", "post-rescission"]
# Countries the shipped rules and scenarios single out, and a few ordinary ones.
WATCH = ["IL", "US", "CN", "MO", "AE", "KH", "FR", "IN", "SG", "BR"]


def outcome(world: World, code: str, day: dt.date) -> Any:
    """A country's whole answer as data (or the error it raises), scenario name aside."""
    try:
        return result_key(build_result(evaluate(world, world.countries[code], day)))
    except TierscopeError as exc:  # a conflict, a repealed ceiling, durable-rules' limit
        return ("error", type(exc).__name__, exc.message)


def same_world(a: World, b: World, codes) -> None:
    assert dict(a.parameters) == dict(b.parameters)
    assert a.regime == b.regime
    for c in codes:
        assert a.countries[c] == b.countries[c], c


# ---------------------------------------------------------------- generated overrides


def exact_scale(param: Parameter, frac: Fraction) -> bool:
    """Whether scaling `param` by `frac` keeps every value in its unit without rounding."""
    return param.unit in RATIONAL_UNITS or all(
        (frac * dv.value).denominator == 1
        for dv in param.values.values()
        if isinstance(dv.value, int)
    )


@st.composite
def overrides(draw, world: World, sid: str) -> Scenario:
    """One generated scenario: a dated value, a scale, a list edit, a country fact or a
    group change, as a scenario file would state it."""
    int_params = sorted(
        pid
        for pid, p in world.parameters.items()
        if p.unit is not Unit.countries and pid != "units.h100_tpp"
    )
    codes = sorted(world.countries)
    start = draw(st.dates(dt.date(2024, 1, 1), dt.date(2026, 12, 31)))
    kind = draw(st.sampled_from(["values", "scale", "list", "fact", "groups"]))
    extra = {"status": "unverified", "references": REF}
    if kind == "values":
        v = draw(st.one_of(st.integers(1, 10**12), st.none()))
        ov = {"values": {start: {"value": v, **extra}}}
        return scenario(sid, parameters={draw(st.sampled_from(int_params)): ov})
    if kind == "scale":
        pid = draw(st.sampled_from(int_params))
        frac = draw(st.sampled_from(["1/2", "2", "3/7", "5"]))
        if not exact_scale(world.parameters[pid], Fraction(frac)):
            frac = "2"  # a scale that would need rounding is rejected (tested elsewhere)
        return scenario(sid, parameters={pid: {"scale": frac, **extra}})
    if kind == "list":
        add = draw(st.lists(st.sampled_from(codes), max_size=3, unique=True))
        remove = draw(st.lists(st.sampled_from(codes), max_size=3, unique=True))
        ov = {"add": add, "remove": remove, "from": start, **extra}
        return scenario(sid, parameters={"framework_2025.tier1_destinations": ov})
    code = draw(st.sampled_from(codes))
    if kind == "fact":
        fact = {"from": start, "value": draw(st.booleans()), **extra}
        return scenario(sid, countries={code: {"facts": {"g2g_arrangement": [fact]}}})
    change = {
        "date": draw(st.dates(dt.date(2025, 1, 16), dt.date(2026, 12, 31))),
        "add": draw(st.lists(st.sampled_from(COUNTRY_GROUPS), max_size=2, unique=True)),
        "remove": draw(st.lists(st.sampled_from(COUNTRY_GROUPS), max_size=2, unique=True)),
        **extra,
    }
    return scenario(sid, countries={code: {"group_changes": [change]}})


def codes_of(*scens: Scenario) -> list[str]:
    out = set(WATCH)
    for s in scens:
        out |= set(s.countries)
        for ov in s.parameters.values():
            out |= set(ov.add or []) | set(ov.remove or [])
    return sorted(out)


# ---------------------------------------------------------------- properties


@budget(25)
@given(data=st.data())
def test_an_empty_override_gives_exactly_its_base(shipped, data):
    base = shipped.world(data.draw(st.sampled_from(shipped.scenario_ids()), label="base"))
    empty = scenario("empty")
    world = apply_scenario(shipped.rulebase, base, empty)
    same_world(world, base, WATCH)
    day = data.draw(
        days(in_force_from(base), dt.date(2027, 12, 31), near=base.compiled.breakpoints)
    )
    for code in data.draw(st.lists(st.sampled_from(sorted(base.countries)), max_size=5)) + WATCH:
        assert outcome(world, code, day) == outcome(base, code, day), code


@budget(30)
@given(data=st.data())
def test_disjoint_overrides_commute(shipped, data):
    base = shipped.world(data.draw(st.sampled_from(BASES), label="base"))
    a = data.draw(overrides(base, "a"), label="a")
    b = data.draw(overrides(base, "b").filter(lambda b: not touched(a) & touched(b)), label="b")
    rb = shipped.rulebase
    ab = apply_scenario(rb, apply_scenario(rb, base, a), b)
    ba = apply_scenario(rb, apply_scenario(rb, base, b), a)
    codes = codes_of(a, b)
    same_world(ab, ba, codes)
    day = data.draw(
        days(in_force_from(base), dt.date(2027, 12, 31), near=base.compiled.breakpoints)
    )
    for code in codes:
        assert outcome(ab, code, day) == outcome(ba, code, day), code


@pytest.fixture(scope="module")
def disjoint(shipped):
    scens = [shipped.rulebase.scenarios[s] for s in DISJOINT]
    for x, y in itertools.combinations(scens, 2):
        assert not touched(x) & touched(y), (x.id, y.id)
    return scens


def merged(x: Scenario, y: Scenario) -> Scenario:
    """x and y (disjoint) as one scenario: the `b+c` of `a+(b+c)`."""
    return Scenario.model_validate(
        {
            "id": f"{x.id}-and-{y.id}",
            "title": f"{x.title} and {y.title}",
            "description": "Two disjoint scenarios as one.",
            "base": x.base,
            "parameters": {**x.parameters, **y.parameters},
            "countries": {**x.countries, **y.countries},
            "references": [*x.references, *y.references],
        }
    )


@budget(20)
@given(data=st.data())
def test_composing_scenarios_is_associative_and_disjoint_ones_commute(shipped, disjoint, data):
    rb = shipped.rulebase
    base_id = data.draw(st.sampled_from(BASES), label="base")
    picked = data.draw(st.permutations(disjoint).map(lambda p: p[:3]), label="scenarios")
    x, y, z = picked
    spec = "+".join([base_id, *(s.id for s in picked)])
    via_spec = build_world(rb, spec)  # ((a+x)+y)+z
    base = build_world(rb, base_id)
    left = apply_scenario(rb, apply_scenario(rb, apply_scenario(rb, base, x), y), z)
    right = apply_scenario(rb, apply_scenario(rb, base, x), merged(y, z))  # (a+x)+(y+z)
    other = build_world(rb, "+".join([base_id, z.id, x.id, y.id]))
    codes = codes_of(*picked)
    for w in (left, right, other):
        same_world(via_spec, w, codes)
    day = data.draw(
        days(in_force_from(base), dt.date(2027, 12, 31), near=base.compiled.breakpoints)
    )
    for code in codes:
        want = outcome(via_spec, code, day)
        for w in (left, right, other):
            assert outcome(w, code, day) == want, code


@pytest.mark.parametrize("sid", DISJOINT)
def test_a_named_scenario_is_its_base_plus_its_overrides(shipped, sid):
    named = shipped.world(sid)
    composed = build_world(shipped.rulebase, f"{shipped.rulebase.scenarios[sid].base}+{sid}")
    same_world(named, composed, WATCH)


@budget(25)
@given(data=st.data())
def test_applying_a_scenario_never_mutates_its_base(shipped, data):
    rb = shipped.rulebase
    base = shipped.world(data.draw(st.sampled_from(shipped.scenario_ids()), label="base"))
    scens = data.draw(st.lists(overrides(base, "g"), min_size=1, max_size=3), label="overrides")
    scens += data.draw(
        st.lists(st.sampled_from(DISJOINT), max_size=2, unique=True).map(
            lambda ids: [rb.scenarios[i] for i in ids]
        )
    )
    codes = codes_of(*scens)
    day = data.draw(
        days(in_force_from(base), dt.date(2027, 12, 31), near=base.compiled.breakpoints)
    )
    mapping = base.parameters
    before = dict(mapping)
    dumps = {k: v.model_dump() for k, v in mapping.items()}
    rb_before = dict(rb.parameters)
    countries = {c: base.countries[c] for c in codes}
    country_dumps = {c: v.model_dump() for c, v in countries.items()}
    answers = {c: outcome(base, c, day) for c in codes}

    world = base
    for s in scens:
        world = apply_scenario(rb, world, s)
    for c in codes:
        outcome(world, c, day)

    assert base.parameters is mapping
    assert dict(mapping) == before and list(mapping) == list(before)
    assert all(mapping[k] is before[k] for k in before)
    assert {k: v.model_dump() for k, v in mapping.items()} == dumps
    assert dict(rb.parameters) == rb_before
    for c in codes:
        assert base.countries[c] is countries[c]
        assert base.countries[c].model_dump() == country_dumps[c]
        assert outcome(base, c, day) == answers[c], c
