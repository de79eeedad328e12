"""The January 2025 AI Diffusion Framework (90 FR 4544): facts that need more than a
YAML case can state (pathway attributes, hypothetical countries, conflicts, citations).
The plain legal facts are cases in tests/cases/framework-2025.yaml."""

from __future__ import annotations

import datetime as dt

import pytest

from tierscope.errors import RuleConflictError
from tierscope.evaluate import evaluate
from tierscope.models.common import Reference, Status
from tierscope.models.country import Country, DatedFact

from .conftest import FRAMEWORK_DAY

SCENARIO = "framework-2025"


def tiers(project, day=FRAMEWORK_DAY):
    world = project.world(SCENARIO)
    return {
        code: evaluate(world, world.countries[code], day).value("tier") for code in world.countries
    }


def pathways(result):
    return {p.id: p for p in result.pathways}


def test_tier1_is_the_united_states_plus_the_18_supp5a_destinations(project):
    # Supp. No. 5 to part 740, para. (a) (secondary: three lists agree), plus the US.
    tier1 = {c for c, t in tiers(project).items() if t == 1}
    assert tier1 == {
        "US", "AU", "BE", "CA", "DK", "FI", "FR", "DE", "IE", "IT", "JP", "NL", "NZ",
        "NO", "KR", "ES", "SE", "TW", "GB",
    }  # fmt: skip
    assert len(tier1 - {"US"}) == 18


def test_every_country_lands_in_exactly_one_tier(project):
    # Tiers partition the world: each destination gets one tier, none conflicts.
    result = tiers(project)
    assert len(result) == len(project.rulebase.countries) >= 249
    assert set(result.values()) == {1, 2, 3}


def test_tier3_is_d5_plus_macau_and_nothing_else(project):
    world = project.world(SCENARIO)
    d5 = {c for c in world.countries if "D:5" in world.countries[c].groups_on(FRAMEWORK_DAY)}
    tier3 = {c for c, t in tiers(project).items() if t == 3}
    assert tier3 == d5 | {"MO"}


def test_lpp_is_about_1699_h100e_per_consignee_year_outside_the_allocation(project):
    # 15 CFR 740.29(a): 26,900,000 TPP per ultimate consignee per calendar year.
    lpp = pathways(project.query("Israel", SCENARIO, FRAMEWORK_DAY))["lpp"]
    assert lpp.ceiling_tpp == 26_900_000
    assert lpp.ceiling_h100e == pytest.approx(1_699, abs=1)
    assert lpp.per == "consignee-year"
    assert lpp.counts_against_country_allocation is False


def test_tier2_allocation_is_about_49900_h100e_and_counts(project):
    # 15 CFR 742.6(b)(10)(iii)(B)(1): "a per-country allocation of 790,000,000 TPP for the
    # period from 2025 to 2027" (read in 90 FR 4544; the H100e figure is a conversion).
    alloc = pathways(project.query("Israel", SCENARIO, FRAMEWORK_DAY))["country_allocation"]
    assert alloc.ceiling_tpp == 790_000_000
    assert alloc.ceiling_h100e == pytest.approx(49_900, abs=5)
    assert alloc.counts_against_country_allocation is True
    assert alloc.status is Status.primary


def with_arrangement(country: Country, since: dt.date) -> Country:
    fact = DatedFact.model_validate(
        {
            "from": since,
            "value": True,
            "status": "unverified",
            "references": [Reference(title="test: hypothetical arrangement")],
        }
    )
    return country.model_copy(update={"facts": {"g2g_arrangement": [fact]}})


def test_an_arrangement_opens_nveu_from_its_date_and_leaves_the_allocation(project):
    # Supp. No. 10 to part 748, para. 12: NVEU "if there is a government-to-government
    # arrangement"; only a Supp. No. 5(b) listing may raise the allocation (742.6(b)(10)(iii)(C)).
    from tierscope.service import build_result

    world = project.world(SCENARIO)
    il = with_arrangement(world.countries["IL"], dt.date(2025, 6, 1))
    before = build_result(evaluate(world, il, dt.date(2025, 5, 31)))
    after = build_result(evaluate(world, il, dt.date(2025, 6, 1)))
    assert "nveu" not in pathways(before) and "nveu" in pathways(after)
    for r in (before, after):
        alloc = pathways(r)["country_allocation"]
        assert (alloc.ceiling_tpp, alloc.ceiling_up_to_tpp) == (790_000_000, None)


def test_nveu_is_outside_the_allocation_and_rests_on_the_table(project):
    # 748.15(a)(2)(iii)(B): NVEU allocations "do not count towards or impact country allocations".
    r = project.query("Israel", "israel-arrangement", FRAMEWORK_DAY)
    nveu = pathways(r)["nveu"]
    assert nveu.counts_against_country_allocation is False
    assert all(u.status is Status.primary for u in nveu.parameters)  # Table 1, read


def test_uveu_in_tier2_is_bounded_by_a_7_percent_share(project):
    uveu = pathways(project.query("Israel", SCENARIO, FRAMEWORK_DAY))["uveu"]
    assert uveu.ceiling_tpp is None
    assert any(s.endswith(": 7%") for s in uveu.share_limits)


def test_no_uveu_share_is_shown_as_a_ceiling_in_tier1(project):
    # Supp. No. 10 para. 6 limits compute outside Supp. No. 5(a) (25% in aggregate) and a
    # US-headquartered UVEU's compute outside the US (50%): no ceiling in a 5(a) destination.
    for code in ("US", "FR"):
        uveu = pathways(project.query(code, SCENARIO, FRAMEWORK_DAY))["uveu"]
        assert uveu.ceiling_tpp is None and uveu.share_limits == []


def test_the_framework_is_not_in_force_before_13_january_2025(project):
    with pytest.raises(RuleConflictError, match="not in force"):
        project.query("Israel", SCENARIO, dt.date(2025, 1, 12))
    assert project.query("Israel", SCENARIO, dt.date(2025, 1, 13)).tier == 2


def test_a_tier1_destination_that_joined_d5_would_be_tier3(project):
    # Our reading (OPEN_QUESTIONS.md): D:5 prevails over Supp. No. 5(a).
    world = project.world(SCENARIO)
    fr = world.countries["FR"]
    d5 = fr.model_copy(update={"groups": fr.groups.model_copy(update={"members": ["D:5"]})})
    assert evaluate(world, d5, FRAMEWORK_DAY).value("tier") == 3


def test_macau_added_to_the_tier1_list_would_stay_tier3(project):
    # Found by the deep property run: Macau is Tier 3 by name, not by D:5.
    from tierscope.models.scenario import Scenario
    from tierscope.scenario import apply_scenario

    scen = Scenario.model_validate(
        {
            "id": "mo-tier1",
            "title": "Macau listed",
            "description": "Macau added to Supp. No. 5(a).",
            "base": SCENARIO,
            "references": [{"title": "test"}],
            "parameters": {
                "framework_2025.tier1_destinations": {
                    "add": ["MO"],
                    "from": "2025-01-13",
                    "status": "unverified",
                    "references": [{"title": "test"}],
                }
            },
        }
    )
    world = apply_scenario(project.rulebase, project.world(SCENARIO), scen)
    assert evaluate(world, world.countries["MO"], FRAMEWORK_DAY).value("tier") == 3


def test_unordered_disagreeing_provisions_are_a_conflict_naming_both(project):
    # Default logic: without Tier 3's exception to the Tier 1 label, Tier 1 and Tier 3 would
    # both apply to a listed destination in D:5 and neither is an exception to the other.
    from tierscope.models.regime import Regime
    from tierscope.world import World

    world = project.world(SCENARIO)
    provisions = tuple(
        p.model_copy(update={"exception_to": "framework_2025.tier2_default"})
        if p.id == "framework_2025.tier3_d5_macau"
        else p
        for p in world.regime.provisions
    )
    naive = World(
        "naive",
        "naive",
        Regime(header=world.regime.header, provisions=provisions),
        world.parameters,
        world.countries,
    )
    d5 = _listed_in_d5(world)
    with pytest.raises(RuleConflictError) as err:
        evaluate(naive, d5, FRAMEWORK_DAY)
    assert "framework_2025.tier1_listed" in str(err.value)
    assert "framework_2025.tier3_d5_macau" in str(err.value)


def _listed_in_d5(world):
    fr = world.countries["FR"]  # in Supp. No. 5(a)
    return fr.model_copy(update={"groups": fr.groups.model_copy(update={"members": ["D:5"]})})


def test_tier3_prevails_over_every_tier1_provision_through_their_label(project):
    # Our reading (rules/OPEN_QUESTIONS.md): D:5 and Macau are Tier 3 even if listed in
    # Supp. No. 5(a); the precedence is written once, as an exception to the label
    # framework_2025.tier1 that both Tier 1 provisions carry.
    world = project.world(SCENARIO)
    ev = evaluate(world, _listed_in_d5(world), FRAMEWORK_DAY)
    assert ev.value("tier") == 3
    assert [p.id for p in ev.resolutions["tier"].overridden] == [
        "framework_2025.tier1_listed",
        "framework_2025.tier2_default",
    ]
    us = world.countries["US"]
    us_d5 = us.model_copy(update={"groups": us.groups.model_copy(update={"members": ["D:5"]})})
    assert evaluate(world, us_d5, FRAMEWORK_DAY).value("tier") == 3


def test_every_answer_cites_its_rules(project):
    r = project.query("Israel", SCENARIO, FRAMEWORK_DAY)
    assert all(p.citations and all(c.strip() for c in p.citations) for p in r.pathways)
    assert {f.id for f in r.fired if f.outcome == "defines"} >= {
        "framework_2025.tier2_default",
        "framework_2025.licence_worldwide",
    }
    assert "framework_2025.tier1_listed" not in {f.id for f in r.fired}
