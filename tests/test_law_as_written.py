"""Legal facts read in the regulatory text of 90 FR 4544 (FR Doc. 2025-00636), each with its
paragraph, checked against what the engine derives from the rule files. The plain facts
(a figure, a tier, a route) are YAML cases in tests/cases/law-as-written.yaml; what stays
here needs Python: statuses, obligations, banners, explanations, mechanics.

The text read: public repository vedant-thakur0/explore-agora-public, file fulltext/1820.txt,
commit 7830b95b8f1cdf8324d6fd8e36ba6405477b28ae (amendatory text of parts 732-772).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tierscope.acquire import Veu, acquire
from tierscope.cli import main
from tierscope.models.common import Status

FW = "framework-2025"
ARR = "israel-arrangement"  # Israel with an arrangement and listed in Supp. No. 5(b)
DAY = dt.date(2025, 6, 1)


def pathways(r) -> dict:
    return {p.id: p for p in r.pathways}


def run(capsys, *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    return exc.value.code or 0, capsys.readouterr().out


# -- 15 CFR 748.15(a)(2)(iii)(B), Table 1: the NVEU schedule ---------------------------------


def test_the_nveu_table_values_are_primary(project):
    # the figures of each quarter are YAML cases (tests/cases/law-as-written.yaml); here:
    # every step rests on Table 1 as read, so each is `primary`
    for day in (dt.date(2025, 3, 1), dt.date(2026, 4, 1), dt.date(2027, 6, 1)):
        nveu = pathways(project.query("Israel", ARR, day))["nveu"]
        assert [u.status for u in nveu.parameters] == [Status.primary]


def test_nveu_does_not_count_against_the_country_allocation(project):
    # 748.15(a)(2)(iii)(B): "do not count towards or impact country allocations".
    nveu = pathways(project.query("Israel", ARR, DAY))["nveu"]
    assert nveu.counts_against_country_allocation is False


# -- Supp. No. 10 to part 748, para. 12: NVEU in Tier 2 needs an arrangement -----------------


def test_israels_nveu_is_closed_without_an_arrangement_and_open_with_one(project):
    bare = project.query("Israel", FW, DAY)
    assert "nveu" not in pathways(bare)
    why = {n.id: n.requires for n in bare.not_applied}
    assert "g2g_arrangement" in why["framework_2025.nveu"]  # explain says why not
    assert "nveu" in pathways(project.query("Israel", ARR, DAY))


def test_an_nveu_consignee_without_an_arrangement_is_told_why(project):
    r = acquire(project, "Israel", "100 x H100", FW, DAY, veu=Veu.nveu)
    assert r.route != "nveu"
    assert any("g2g_arrangement" in e for e in r.explanation)


# -- 742.6(b)(10)(iii)(B)(2): past the allocation, a policy of denial ------------------------


def test_an_order_past_the_allocation_meets_a_policy_of_denial(project):
    r = acquire(project, "Israel", "2000 x H100", FW, DAY, allocation_used=800_000_000)  # > LPP
    assert r.route is None and r.review_policy == "policy-of-denial"
    assert r.licence_application and "policy of denial" in r.authorisation
    assert r.allocation_remaining_after_tpp == 0  # never a negative remainder


# -- 740.29: LPP mechanics and what authorises the order --------------------------------------


def test_an_lpp_order_needs_a_licence_by_the_rule_but_no_licence_application(project):
    r = acquire(project, "Israel", "100 x H100", FW, DAY)
    assert r.route == "lpp" and r.licence_required and not r.licence_application
    assert "LPP" in r.authorisation
    assert any("ultimate parent" in o for o in r.obligations)  # 740.29(h)(1)
    assert any("740.29(a)" in o and "in-country" in o for o in r.obligations)


def test_lpp_prior_notice_from_3_200_000_tpp(project):
    # 740.29(g)(3): prior notice of any shipment with an aggregate TPP of 3,200,000.
    h100 = project.chips["h100_sxm"].tpp
    small = acquire(project, "Israel", f"{3_200_000 // h100} x H100", FW, DAY)
    large = acquire(project, "Israel", f"{3_200_000 // h100 + 1} x H100", FW, DAY)
    assert small.order_tpp < 3_200_000 <= large.order_tpp
    assert not any("740.29(g)(3)" in o for o in small.obligations)
    assert any("740.29(g)(3)" in o for o in large.obligations)


# -- Supp. No. 5(a) to part 740 and Supp. No. 10 para. 6 --------------------------------------


def test_supp5a_lists_19_destinations_including_the_united_states(project):
    listed = project.world(FW).parameters["framework_2025.tier1_destinations"].value_at(DAY)
    assert len(listed) == 19 and "US" in listed and "IL" not in listed
    assert {f.id for f in project.query("US", FW, DAY).fired if f.outcome == "defines"} >= {
        "framework_2025.tier1_listed"
    }


@pytest.mark.parametrize("code", ["US", "FR", "IL", "IN", "SA", "MY"])
def test_the_75_percent_tier1_floor_is_never_shown_as_a_ceiling(project, code):
    for p in project.query(code, FW, DAY).pathways:
        assert not any(s.endswith(": 75%") for s in p.share_limits), (code, p.id)
    uveu = pathways(project.query(code, FW, DAY)).get("uveu")
    if uveu is not None and project.query(code, FW, DAY).tier == 2:
        assert [s.rsplit(": ", 1)[1] for s in uveu.share_limits] == ["7%"]


# -- the framework answer rests on the text ---------------------------------------------------


def test_israels_framework_answer_rests_on_primary_rules(project):
    r = project.query("Israel", FW, DAY)
    deciding = [f for f in r.fired if f.outcome == "defines"]
    assert all(f.status is Status.primary for f in deciding), [
        f.id for f in deciding if f.status is not Status.primary
    ]
    # the one gap left is the H100e conversion (a unit, not law): the status names it
    assert r.status is Status.secondary and "units.h100_tpp" in r.status_reason


# -- today's law by default, and the banner ---------------------------------------------------


def test_the_default_scenario_of_query_is_current_law(capsys):
    code, out = run(capsys, "query", "Israel", "--as-of", "2026-06-01", "--format", "json")
    data = json.loads(out)
    assert code == 0 and data["scenario"] == "current-law"
    assert data["regime_in_force"] == "post-rescission" and data["banner"] is None
    code, out = run(capsys, "query", "Israel", "--as-of", "2026-06-01")
    assert "law in force: post-rescission" in out.splitlines()[0]


def test_a_framework_answer_after_13_may_2025_carries_the_banner(capsys):
    code, out = run(
        capsys, "query", "Israel", "-s", FW, "--as-of", "2025-05-13", "--format", "json"
    )
    data = json.loads(out)
    assert (
        data["banner"].startswith("Not the law on 2025-05-13")
        and data["banner"] in data["warnings"]
    )
    code, out = run(capsys, "query", "Israel", "-s", FW, "--as-of", "2025-05-13")
    assert out.splitlines()[0].startswith("Not the law on 2025-05-13")
    code, out = run(
        capsys, "query", "Israel", "-s", FW, "--as-of", "2025-05-12", "--format", "json"
    )
    assert code == 0
    assert json.loads(out)["banner"] is None  # the framework was the law that day


def test_countries_says_which_date_it_answered_for(capsys):
    code, out = run(
        capsys, "countries", "-s", FW, "--tier", "1", "--as-of", "2025-03-01", "--format", "json"
    )
    assert code == 0 and {r["as_of"] for r in json.loads(out)} == {"2025-03-01"}


# -- after the framework: the headquarters rule's paragraph -----------------------------------


def test_the_headquarters_licence_moves_from_744_23_to_742_6(project):
    # 90 FR 4544 amendment 13 narrows 744.23(a)(3)(i) to .b/.c items; 3A090.a items fall
    # under 742.6(a)(6)(iii)(A), which stayed codified after the rescission.
    before = acquire(project, "Malaysia", "10 x H100", "current-law", dt.date(2024, 6, 1), "China")
    after = acquire(project, "Malaysia", "10 x H100", "current-law", dt.date(2026, 6, 1), "China")
    assert before.licence_required and after.licence_required
    assert any("744.23(a)(3)" in c for c in before.citations)
    assert any("742.6(a)(6)(iii)(A)" in c for c in after.citations)
    assert not any("744.23(a)(3)" in c for c in after.citations)


# -- model weights (4E091): 742.6(a)(13), (b)(14); 740.27(a)(3) --------------------------------


def test_model_weights_have_no_answer_where_no_rule_speaks_of_them(project):
    from tierscope.errors import RuleConflictError

    with pytest.raises(RuleConflictError, match="no provisions for 4E091"):
        project.query("Israel", "current-law", dt.date(2026, 6, 1), item="4E091")
    assert project.query(
        "Israel", "current-law", dt.date(2025, 3, 1), item="4E091"
    ).licence_required


# -- status that means something ---------------------------------------------------------------


def test_the_answer_names_the_nveu_step_held_after_the_table_as_its_weakest_input(project):
    # Table 1 ends with "2027 Q1-4"; the engine holds that step from 2028 as an assumption.
    from tests.test_framework_2025 import with_arrangement
    from tierscope.evaluate import evaluate
    from tierscope.service import build_result

    world = project.world(FW)
    il = with_arrangement(world.countries["IL"], dt.date(2025, 1, 13))
    in_table = build_result(evaluate(world, il, dt.date(2027, 6, 1)))
    held = build_result(evaluate(world, il, dt.date(2028, 6, 1)))
    assert pathways(in_table)["nveu"].status is Status.primary
    assert held.status is Status.unverified
    assert held.status_reason.startswith(
        "unverified: parameter framework_2025.nveu_installed_base_tpp = 5,064,000,000 from 2028-01-01"
    )


def test_a_uveu_route_needs_a_consignee_headquartered_in_supp5a(project):
    # 748.15(b)(2)(i): "UVEU must be headquartered in ... paragraph (a) of Supplement No. 5".
    local = acquire(project, "Israel", "100 x H100", FW, DAY, veu=Veu.uveu)
    assert local.route != "uveu" and any("hq_country" in e for e in local.explanation)
    us = acquire(project, "Israel", "100 x H100", FW, DAY, consignee_hq="US", veu=Veu.uveu)
    assert us.route == "uveu" and not us.licence_application
