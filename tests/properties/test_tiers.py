"""Tiers partition the world: every shipped country has exactly one tier on every date
on which a regime that defines tiers is in force, and none outside it."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tierscope.errors import RuleConflictError
from tierscope.evaluate import evaluate

from .strategies import budget, days, in_force_from

LAST_DAY = dt.date(2028, 12, 31)


def tier_window(world) -> tuple[dt.date, dt.date]:
    """[first, last] day on which some provision assigning a tier is in force."""
    tiers = [p for p in world.regime.provisions if p.then.tier is not None]
    start = min(p.valid.start for p in tiers)
    ends = [p.valid.until for p in tiers]
    end = LAST_DAY if None in ends else max(ends) - dt.timedelta(1)
    return start, end


@pytest.fixture(scope="module")
def tier_specs(shipped):
    """Every shipped regime and scenario with provisions that assign tiers."""
    out = []
    for spec in shipped.scenario_ids():
        if any(p.then.tier is not None for p in shipped.world(spec).regime.provisions):
            out.append(spec)
    return out


def test_the_regimes_that_define_tiers_are_framework_2025_and_current_law(tier_specs, shipped):
    assert {"framework-2025", "current-law"} <= set(tier_specs)
    assert tier_window(shipped.world("framework-2025"))[0] == dt.date(2025, 1, 13)
    assert tier_window(shipped.world("current-law")) == (
        dt.date(2025, 1, 13),
        dt.date(2025, 5, 12),
    )


@budget(25)
@given(data=st.data())
def test_every_country_has_exactly_one_tier_on_every_date_in_every_regime(
    shipped, tier_specs, data
):
    spec = data.draw(st.sampled_from(tier_specs), label="scenario")
    world = shipped.world(spec)
    start, end = tier_window(world)
    day = data.draw(days(start, end, near=[start, end, *world.compiled.breakpoints]), label="day")
    for code in world.countries:
        ev = evaluate(world, world.countries[code], day)  # raises on a conflict or a gap
        res = ev.resolutions["tier"]
        assert res.value in (1, 2, 3), code
        assert len({p.then.tier for p in res.winners}) == 1, code


def tierless_days(world) -> list[st.SearchStrategy[dt.date]]:
    """Strategies for the days a world is in force but assigns no tier (may be none)."""
    start, end = tier_window(world)
    first = in_force_from(world)
    outside = [st.dates(first, start - dt.timedelta(1))] if first < start else []
    if end < LAST_DAY:
        outside.append(st.dates(end + dt.timedelta(1), LAST_DAY))
    return outside


@pytest.fixture(scope="module")
def specs_with_tierless_days(shipped, tier_specs):
    out = [s for s in tier_specs if tierless_days(shipped.world(s))]
    # current-law assigns tiers only until the rescission took effect (2025-05-13)
    assert "current-law" in out
    return out


@budget(15)
@given(data=st.data())
def test_no_country_has_a_tier_on_a_date_when_no_tier_rule_is_in_force(
    shipped, specs_with_tierless_days, data
):
    spec = data.draw(st.sampled_from(specs_with_tierless_days), label="scenario")
    world = shipped.world(spec)
    day = data.draw(st.one_of(*tierless_days(world)), label="day")
    for code in world.countries:
        assert evaluate(world, world.countries[code], day).value("tier") is None, code


@budget(25)
@given(data=st.data())
def test_no_shipped_country_meets_conflicting_provisions_on_any_date_in_any_scenario(shipped, data):
    spec = data.draw(st.sampled_from(shipped.scenario_ids()), label="scenario")
    world = shipped.world(spec)
    first = in_force_from(world)
    day = data.draw(days(first, LAST_DAY, near=world.compiled.breakpoints), label="day")
    for code in world.countries:
        try:
            ev = evaluate(world, world.countries[code], day)
        except RuleConflictError as exc:  # pragma: no cover - the failure being tested
            raise AssertionError(f"{spec} {code} {day}: {exc}") from exc
        assert "licence_required" in ev.resolutions, code
