"""Policy invariant: taking a route never lowers the compute a country can reach.

Every route is a lever that opens, raises or records; none may close more than it opens.
Checked for every shipped route and every country on one framework date and one
current-law date, and (hypothesis) on random dates and scenario specs. The route is
applied whether or not its preconditions hold: the invariant is about its effect.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from tierscope.routes import load_routes, result_in, take

from .strategies import budget


def _at_least(after: int | None, before: int | None) -> bool:
    """None is unbounded: nothing is above it, and it is above everything."""
    if after is None:
        return True
    return before is not None and after >= before


def _takeable(project, route_id: str, code: str, day: dt.date) -> bool:
    """Group changes can be dated only after the country-group snapshot (rules/README.md)."""
    route = load_routes(project.rules_dir)[route_id]
    changes = route.effect.country is not None and route.effect.country.group_changes
    return not changes or day > project.rulebase.countries[code].groups.as_of


def _check(project, route_id: str, code: str, scenario: str, day: dt.date) -> None:
    world = project.world(scenario)
    route = load_routes(project.rules_dir)[route_id]
    before = result_in(project, world, code, day).total_reachable.tpp
    after = result_in(project, take(project, world, [route], [code], day), code, day)
    assert _at_least(after.total_reachable.tpp, before), (
        f"{route_id} lowers {code}'s reachable compute under {scenario} on {day}: "
        f"{before} -> {after.total_reachable.tpp}"
    )


@pytest.mark.parametrize(
    ("scenario", "day"),
    [("framework-2025", dt.date(2025, 6, 1)), ("current-law", dt.date(2026, 8, 1))],
)
def test_no_route_lowers_reachable_compute_for_any_country(shipped, scenario, day):
    for route_id in load_routes(shipped.rules_dir):
        for code in shipped.rulebase.countries:
            _check(shipped, route_id, code, scenario, day)


@budget(40)
@given(data=st.data())
def test_no_route_lowers_reachable_compute_on_any_date(shipped, data):
    route_id = data.draw(st.sampled_from(sorted(load_routes(shipped.rules_dir))), label="route")
    code = data.draw(st.sampled_from(sorted(shipped.rulebase.countries)), label="country")
    scenario = data.draw(
        st.sampled_from(
            [
                "framework-2025",
                "current-law",
                "post-rescission",
                "framework-2025+israel-arrangement",
            ]
        ),
        label="scenario",
    )
    day = data.draw(st.dates(dt.date(2025, 1, 13), dt.date(2027, 12, 31)), label="day")
    assume(_takeable(shipped, route_id, code, day))
    assume(scenario != "post-rescission" or day >= dt.date(2025, 5, 13))  # its start
    _check(shipped, route_id, code, scenario, day)
