"""Routes between tiers (rules/pathways/): legal facts the engine must derive from the files.

Framework facts are from the primary text of 90 FR 4544: Supp. No. 5(b) to part 740 and
15 CFR 742.6(b)(10)(iii)(C) (allocations of listed destinations "may be increased up to
100%"), Supp. No. 10 to part 748 para. 12 (NVEU outside Supp. 5(a), D:5 and Macau only
with a government-to-government arrangement).
"""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tierscope.errors import TierscopeError
from tierscope.goal_search import goal_search
from tierscope.route_report import pathways_report
from tierscope.routes import check_set, get_routes, load_routes, result_in, take, with_routes
from tierscope.service import Project

from .conftest import FRAMEWORK_DAY

CURRENT_DAY = dt.date(2026, 8, 1)  # after the H200-class rule and the UAE's move to A:5
TIER2_SAMPLE = ("IL", "SA", "AE", "IN", "PL", "SG", "MX", "CH")


def _route(report, rid):
    return next(r for r in report.routes if r.id == rid)


def _allocation(project, code, scenario="framework-2025", day=FRAMEWORK_DAY):
    r = project.query(code, scenario, day)
    return next(p for p in r.pathways if p.id == "country_allocation").ceiling_tpp


def test_every_shipped_route_is_cited_with_a_status(project):
    routes = load_routes(project.rules_dir)
    assert len(routes) >= 11
    for route in routes.values():
        assert route.citations and route.references, route.id
        assert route.status.value in ("primary", "secondary", "unverified")
        assert set(route.regimes) <= set(project.rulebase.regimes), route.id


@pytest.mark.parametrize(
    ("code", "scenario", "day"),
    [
        ("IL", "framework-2025", FRAMEWORK_DAY),
        ("FR", "framework-2025", FRAMEWORK_DAY),
        ("CN", "framework-2025", FRAMEWORK_DAY),
        ("IL", "current-law", CURRENT_DAY),
        ("SA", "current-law", CURRENT_DAY),
        ("CN", "current-law", CURRENT_DAY),
        ("SA", "framework-2025", dt.date(2025, 1, 14)),  # before the country-group snapshot
        ("SA", "current-law", dt.date(2024, 6, 1)),  # pre-framework: no route exists
    ],
)
def test_a_closed_route_names_an_unmet_precondition(project, code, scenario, day):
    rep = pathways_report(project, code, scenario, day)
    assert {r.id for r in rep.routes} == set(load_routes(project.rules_dir))
    for r in rep.routes:
        if r.state == "closed":
            assert r.unmet and all(len(u) > 10 for u in r.unmet), r.id
            assert r.gain is None
        else:
            assert r.unmet == [] and r.gain is not None


@pytest.mark.parametrize("code", TIER2_SAMPLE)
def test_tier2_arrangement_adds_at_most_one_allocation_and_opens_nveu(project, code):
    """742.6(b)(10)(iii)(C): up to 100% more; Supp. 10 para. 12: NVEU needs the arrangement."""
    rep = pathways_report(project, code, "framework-2025", FRAMEWORK_DAY)
    assert rep.tier == 2
    g2g = _route(rep, "g2g-arrangement")
    assert g2g.state == "open"
    assert g2g.gain is not None and g2g.gain.tpp is not None and g2g.gain.tpp >= 0
    # "may be increased up to 100%": the most it can add is one allocation
    most = g2g.gain.up_to_tpp if g2g.gain.up_to_tpp is not None else g2g.gain.tpp
    assert 0 < most <= _allocation(project, code)
    assert _route(rep, "nveu").state == "closed"  # no arrangement yet
    world = project.world("framework-2025")
    routes = get_routes(project, ["g2g-arrangement", "nveu"])
    unmet = check_set(project, world, routes, code, FRAMEWORK_DAY)
    assert unmet == {"g2g-arrangement": [], "nveu": []}


def test_israel_without_an_arrangement_has_no_nveu_route(project):
    rep = pathways_report(project, "Israel", "framework-2025", FRAMEWORK_DAY)
    nveu = _route(rep, "nveu")
    assert nveu.state == "closed"
    assert any("government-to-government arrangement" in u for u in nveu.unmet)
    assert nveu.entity and "NVEU" in nveu.entity  # whose status the route needs
    with pytest.raises(TierscopeError, match="arrangement"):
        with_routes(project, "framework-2025", ["nveu"], ["IL"], FRAMEWORK_DAY)


def test_tier1_countries_gain_nothing_from_the_arrangement(project):
    world = project.world("framework-2025")
    g2g = get_routes(project, ["g2g-arrangement"])
    tier1 = [*world.parameters["framework_2025.tier1_destinations"].value_at(FRAMEWORK_DAY), "US"]
    for code in tier1:
        rep = pathways_report(project, code, "framework-2025", FRAMEWORK_DAY)
        assert rep.tier == 1, code
        assert _route(rep, "g2g-arrangement").state == "closed", code
        # and taken regardless of its precondition, it changes nothing
        before = result_in(project, world, code, FRAMEWORK_DAY).total_reachable.tpp
        after = result_in(
            project, take(project, world, g2g, [code], FRAMEWORK_DAY), code, FRAMEWORK_DAY
        )
        assert after.total_reachable.tpp == before, code


def test_tier3_has_no_open_route_under_the_framework(project):
    world = project.world("framework-2025")
    for code in project.rulebase.countries:
        if "D:5" in world.countries[code].groups_on(FRAMEWORK_DAY) or code == "MO":
            rep = pathways_report(project, code, "framework-2025", FRAMEWORK_DAY)
            assert rep.tier == 3, code
            assert [r.id for r in rep.routes if r.state == "open"] == [], code


def test_under_current_law_china_has_only_the_route_of_91_fr_1684(project):
    """The H200-class case-by-case review (91 FR 1684, from 2026-01-15) is the rule's own
    route for China and Macau; nothing else opens for a D:5 destination."""
    rep = pathways_report(project, "CN", "current-law", CURRENT_DAY)
    assert [r.id for r in rep.routes if r.state == "open"] == ["h200-case-by-case"]
    h200 = _route(rep, "h200-case-by-case")
    assert h200.licensed and h200.licensed_tpp and h200.licensed_tpp > 0
    before = pathways_report(project, "CN", "current-law", dt.date(2025, 12, 1))
    assert _route(before, "h200-case-by-case").state == "closed"
    world = project.world("current-law")
    for code in ("IR", "RU", "KP"):
        rep = pathways_report(project, code, "current-law", CURRENT_DAY)
        assert [r.id for r in rep.routes if r.state == "open"] == [], code
    assert "D:5" in world.countries["IR"].groups_on(CURRENT_DAY)


def test_a_deal_is_a_licensed_quantity_never_a_change_in_law(project):
    rep = pathways_report(project, "SA", "current-law", CURRENT_DAY)
    deal = _route(rep, "bilateral-deal")
    assert deal.state == "open"
    assert deal.licensed_tpp and deal.licensed_tpp > 0
    assert deal.gain is not None and deal.gain.unbounded is False
    with_deal = project.query(
        "SA",
        with_routes(project, "current-law", ["bilateral-deal"], ["SA"], CURRENT_DAY),
        CURRENT_DAY,
    )
    base = project.query("SA", "current-law", CURRENT_DAY)
    assert [p.model_dump() for p in with_deal.pathways] == [p.model_dump() for p in base.pathways]
    assert len(with_deal.deals) == len(base.deals) + 1
    # Israel needs no licence under current law: nothing to license
    il = _route(pathways_report(project, "IL", "current-law", CURRENT_DAY), "bilateral-deal")
    assert il.state == "closed" and any("licence is required" in u for u in il.unmet)


def test_inss_routes_wait_for_their_political_facts(project):
    rep = pathways_report(project, "IL", "framework-2025", FRAMEWORK_DAY)
    for rid in ("inss-leader-channel", "inss-regional-settlement", "inss-trusted-tech"):
        r = _route(rep, rid)
        assert r.state == "closed" and any(u.startswith("political:") for u in r.unmet), rid
    rep = pathways_report(project, "IL", "framework-2025+israel-inss-politics", FRAMEWORK_DAY)
    opened = {r.id: r for r in rep.routes if r.state == "open"}
    assert opened["inss-leader-channel"].gain.unbounded  # Tier 1: no allocation
    assert opened["inss-regional-settlement"].gain.unbounded
    g2g = _route(rep, "g2g-arrangement")
    assert opened["inss-trusted-tech"].gain.tpp == g2g.gain.tpp  # the same lever
    # the routes are Israel's: closed for Saudi Arabia whatever the facts
    sa = pathways_report(project, "SA", "framework-2025", FRAMEWORK_DAY)
    assert _route(sa, "inss-leader-channel").state == "closed"


def test_open_routes_are_ranked_by_gain(project):
    rep = pathways_report(project, "IL", "framework-2025", FRAMEWORK_DAY)
    open_ = [r for r in rep.routes if r.state == "open"]
    assert rep.routes[: len(open_)] == open_
    gains = [(-1 if r.gain.unbounded else r.gain.tpp) for r in open_]
    unbounded = [g for g in gains if g == -1]
    bounded = [g for g in gains if g != -1]
    assert gains == unbounded + sorted(bounded, reverse=True)


# ----------------------------------------------------------------------------- goal search


@pytest.fixture(scope="module")
def three_routes(tmp_path_factory, project):
    """The shipped rules with only three routes: g2g-arrangement, nveu, uveu-hosting."""
    root = tmp_path_factory.mktemp("routes3")
    shutil.copytree(project.rules_dir, root / "rules")
    for path in (root / "rules" / "pathways").glob("*.yaml"):
        if path.stem not in ("g2g-arrangement", "nveu", "uveu-hosting"):
            path.unlink()
    return Project(root / "rules", project.countries_dir)


def test_goal_search_finds_the_hand_checked_minimal_set(three_routes):
    """Israel by 2027-12-31 under the framework (hand-checked): allocation 790,000,000 TPP
    (742.6(b)(10)(iii)(B)(1)); LPP 26,900,000 x 1 consignee x 3 years; the arrangement may
    add up to one allocation (742.6(b)(10)(iii)(C)); an NVEU, which needs the arrangement
    (Supp. 10 para. 12), adds 5,064,000,000 (Table 1 to 748.15(a)(2)(iii)(B), 2027); a UVEU
    adds 7% of 500,000 H100e (35,000 H100e). 350,000 H100e = 5,541,200,000 TPP: no single
    route reaches it (the best, the arrangement, gives at most 1,660,700,000 TPP), and of
    the pairs only arrangement + NVEU does (at least 5,934,700,000 TPP)."""
    g = goal_search(three_routes, "Israel", "framework-2025", dt.date(2027, 12, 31), "350000")
    assert g.reachable
    assert [s.routes for s in g.sets] == [["g2g-arrangement", "nveu"]]
    with_both = three_routes.query(
        "IL",
        with_routes(
            three_routes,
            "framework-2025",
            ["g2g-arrangement", "nveu"],
            ["IL"],
            dt.date(2027, 12, 31),
        ),
        dt.date(2027, 12, 31),
    )
    assert g.sets[0].total_tpp == with_both.total_reachable.tpp >= g.target_tpp


def test_goal_search_reports_unreachable_with_the_shortfall(three_routes):
    g = goal_search(three_routes, "Israel", "framework-2025", dt.date(2027, 12, 31), "1000000")
    assert not g.reachable and g.sets == []
    assert g.best is not None and g.best.routes == ["g2g-arrangement", "nveu", "uveu-hosting"]
    assert g.shortfall_tpp == g.target_tpp - g.best.total_tpp > 0
    assert g.sets_evaluated == 7  # 3 singles, 3 pairs, 1 triple: never past its limit


def test_goal_search_stops_at_its_limit(project):
    g = goal_search(
        project, "Israel", "framework-2025", dt.date(2027, 12, 31), "10000000000", max_sets=5
    )
    assert g.sets_evaluated == 5 and g.stopped_at_limit


def test_goal_search_in_chips_and_already_reached(project):
    g = goal_search(project, "Israel", "framework-2025", dt.date(2027, 12, 31), "20000 x B200")
    assert g.target_tpp == 20000 * project.chips["b200"].tpp
    assert g.reachable and g.sets[0].routes == []  # the allocation alone covers it


def test_goal_search_answers_the_israel_question(project):
    """How does Israel reach 100,000 H100e by end-2027 under the framework? In one route, by
    a listing in Supp. No. 5(a) (no allocation under AIA and presumption of approval)."""
    g = goal_search(project, "Israel", "framework-2025", dt.date(2027, 12, 31), "100000")
    assert g.reachable and {len(s.routes) for s in g.sets} == {1}
    assert ["tier1-listing"] in [s.routes for s in g.sets]


def test_goal_search_can_leave_routes_out(project):
    """Without a Tier 1 listing, Israel's way to 100,000 H100e by end-2027 runs through the
    government-to-government arrangement (742.6(b)(10)(iii)(C); Supp. 10 para. 12)."""
    g = goal_search(
        project,
        "Israel",
        "framework-2025",
        dt.date(2027, 12, 31),
        "100000",
        exclude=["tier1-listing"],
    )
    assert g.reachable and g.excluded == ["tier1-listing"]
    assert "tier1-listing" not in g.candidates
    assert all("g2g-arrangement" in s.routes for s in g.sets)


@pytest.mark.parametrize("code", ["IL", "SA", "FR", "CN"])
def test_route_worlds_share_compiled_rules_without_changing_answers(project, code):
    """take() reuses the base world's compiled rules (a route never edits provisions); the
    answers must equal those of a world compiled afresh."""
    from tierscope.world import World

    world = project.world("framework-2025")
    for route in load_routes(project.rules_dir).values():
        shared = take(project, world, [route], [code], FRAMEWORK_DAY)
        fresh = World("x", "x", shared.regime, shared.parameters, shared.countries)
        a = result_in(project, shared, code, FRAMEWORK_DAY)
        b = result_in(project, fresh, code, FRAMEWORK_DAY)
        assert a.total_reachable == b.total_reachable and a.pathways == b.pathways, route.id


def test_an_entity_route_taken_by_two_countries_counts_one_entity_each(project):
    """NVEU status is per entity per country (748.15(a)(2)(iii)(A)): two countries taking
    the route in one query each get one NVEU, not two."""
    alone = project.query(
        "IL",
        with_routes(project, "framework-2025", ["g2g-arrangement", "nveu"], ["IL"], FRAMEWORK_DAY),
        FRAMEWORK_DAY,
    )
    both = with_routes(
        project, "framework-2025", ["g2g-arrangement", "nveu"], ["IL", "SA"], FRAMEWORK_DAY
    )
    assert project.query("IL", both, FRAMEWORK_DAY).total_reachable == alone.total_reachable
    sa = project.query("SA", both, FRAMEWORK_DAY)
    nveu = next(a for a in sa.total_reachable.assumptions if a.id == "assumptions.nveu_count")
    assert nveu.value == 1


def test_goal_search_counts_the_discretionary_increase_only_when_asked(project):
    """742.6(b)(10)(iii)(C): a Supp. No. 5(b) allocation "may be increased up to 100%". The
    certain allocation stays 790,000,000 TPP, so the arrangement alone reaches 100,000 H100e
    only if the increase is granted in full (--up-to)."""
    args = (project, "Israel", "framework-2025", dt.date(2027, 12, 31), "100000")
    certain = goal_search(*args, exclude=["tier1-listing"])
    assert ["g2g-arrangement"] not in [s.routes for s in certain.sets]
    granted = goal_search(*args, exclude=["tier1-listing"], up_to=True)
    assert granted.up_to and ["g2g-arrangement"] in [s.routes for s in granted.sets]
    s = next(s for s in granted.sets if s.routes == ["g2g-arrangement"])
    assert s.up_to_tpp is not None and s.total_tpp is not None
    assert s.total_tpp < granted.target_tpp <= s.up_to_tpp


def test_the_python_api_answers_pathways_and_takes_routes():
    import tierscope as ts

    rep = ts.pathways("Israel", scenario="framework-2025", as_of="2025-06-01")
    assert {r.id for r in rep.routes} >= {"g2g-arrangement", "nveu"}
    assert rep.to_dict()["country"] == "IL"
    goal = ts.pathways(
        "Israel", scenario="framework-2025", as_of="2027-12-31", target="100000",
        exclude=["tier1-listing"],
    )  # fmt: skip
    assert goal.reachable and all("g2g-arrangement" in s.routes for s in goal.sets)
    s = ts.session()
    name = s.with_routes(["g2g-arrangement", "nveu"], "Israel", "framework-2025", "2025-06-01")
    assert s.query("Israel", name, "2025-06-01").total_reachable.tpp > (
        s.query("Israel", "framework-2025", "2025-06-01").total_reachable.tpp
    )
