"""Legal facts of the three regimes and of current-law, derived from the shipped rules,
with the day before and the day of each effective date."""

from __future__ import annotations

import datetime as dt

import pytest

from tierscope.errors import RuleConflictError

D = dt.date


def q(project, country, scenario, day):
    return project.query(country, scenario, day)


def test_israel_needs_a_licence_under_the_framework_and_not_before_it_by_its_a6_group(project):
    # Pre-framework: licence to D:1/D:4/D:5 except destinations also in A:5/A:6 (3A090 RS);
    # Israel is D:4 and A:6. Framework: licence worldwide (742.6(a)(6)(iii)(A)).
    before = q(project, "Israel", "pre-framework", D(2024, 6, 1))
    assert before.licence_required is False
    assert "A:6" in before.groups and "D:4" in before.groups
    assert q(project, "Israel", "framework-2025", D(2025, 6, 1)).licence_required is True


def test_the_a6_carve_out_is_what_frees_israel(project):
    # Without A:6, Israel's D:4 membership would require a licence before the framework.
    from tierscope.evaluate import evaluate

    world = project.world("pre-framework")
    il = world.countries["IL"]
    no_a6 = il.model_copy(
        update={"groups": il.groups.model_copy(update={"members": ["B", "D:2", "D:3", "D:4"]})}
    )
    assert evaluate(world, no_a6, D(2024, 6, 1)).value("licence_required") is True


@pytest.mark.parametrize("scenario", ["pre-framework", "framework-2025", "post-rescission"])
def test_china_faces_a_presumption_of_denial_in_all_three_regimes_in_2025(project, scenario):
    assert q(project, "China", scenario, D(2025, 6, 1)).review_policy == "presumption-of-denial"


def test_h200_class_chips_to_china_are_case_by_case_from_15_january_2026(project):
    # 91 FR 1684: case-by-case review for TPP < 21,000 and DRAM < 6,500 GB/s, from 2026-01-15.
    from tierscope.acquire import acquire

    day_before = acquire(project, "China", "100 x H200", "current-law", D(2026, 1, 14))
    day_of = acquire(project, "China", "100 x H200", "current-law", D(2026, 1, 15))
    assert day_before.review_policy == "presumption-of-denial"
    assert day_of.review_policy == "case-by-case"
    assert day_of.route == "h200_class"
    # Blackwell (TPP 36,000) stays above the threshold: presumption of denial.
    b200 = acquire(project, "China", "100 x B200", "current-law", D(2026, 6, 1))
    assert b200.review_policy == "presumption-of-denial" and b200.route is None


def test_macau_needs_a_licence_before_the_framework_though_not_in_d5(project):
    r = q(project, "Macau", "pre-framework", D(2024, 6, 1))
    assert "D:5" not in r.groups
    assert r.licence_required is True and r.review_policy == "presumption-of-denial"


def test_headquarters_rule_requires_a_licence_anywhere_for_a_d5_headquartered_consignee(project):
    # 742.6(a)(6)(iii)(A) / 744.23(a)(3): consignee headquartered in D:5 or Macau.
    from tierscope.acquire import acquire

    local = acquire(project, "Malaysia", "10 x H100", "current-law", D(2026, 3, 1))
    chinese = acquire(
        project, "Malaysia", "10 x H100", "current-law", D(2026, 3, 1), consignee_hq="China"
    )
    assert local.licence_required is False
    assert chinese.licence_required is True and chinese.review_policy == "presumption-of-denial"


def test_cambodia_leaves_tier3_when_it_leaves_d5_on_3_february_2026(project):
    # Cambodia's D:5 removal is a dated country-group change (countries/KH.yaml).
    assert q(project, "Cambodia", "framework-2025", D(2026, 2, 2)).tier == 3
    assert q(project, "Cambodia", "framework-2025", D(2026, 2, 3)).tier == 2
    assert (
        q(project, "Cambodia", "current-law", D(2026, 2, 2)).review_policy
        == "presumption-of-denial"
    )
    assert (
        q(project, "Cambodia", "current-law", D(2026, 2, 3)).review_policy
        == "presumption-of-approval"
    )


def test_uae_needs_a_licence_after_its_move_to_a5_except_approved_entities(project):
    before = q(project, "UAE", "current-law", D(2026, 7, 9))
    after = q(project, "UAE", "current-law", D(2026, 7, 10))
    assert "A:5" not in before.groups and "A:5" in after.groups
    assert after.licence_required is True
    assert "sta_uae_approved" in {p.id for p in after.pathways}
    assert "sta_uae_approved" not in {p.id for p in before.pathways}


def test_current_law_follows_the_regime_in_force_on_each_date(project):
    # Day before / day of the framework's effect (2025-01-13) and of the rescission (2025-05-13).
    assert q(project, "Israel", "current-law", D(2025, 1, 12)).tier is None
    assert q(project, "Israel", "current-law", D(2025, 1, 12)).licence_required is False
    assert q(project, "Israel", "current-law", D(2025, 1, 13)).tier == 2
    assert q(project, "Israel", "current-law", D(2025, 5, 12)).licence_required is True
    after = q(project, "Israel", "current-law", D(2025, 5, 13))
    assert after.tier is None and after.licence_required is False


def test_current_law_cautions_that_framework_compliance_was_not_yet_required(project):
    r = q(project, "Israel", "current-law", D(2025, 3, 1))
    assert any("compliance was not required" in w for w in r.warnings)


def test_huawei_gp10_guidance_applies_from_the_rescission(project):
    assert not any(
        "General Prohibition 10" in w
        for w in q(project, "IL", "current-law", D(2025, 5, 12)).warnings
    )
    assert any(
        "General Prohibition 10" in w
        for w in q(project, "IL", "current-law", D(2025, 5, 13)).warnings
    )


def test_post_rescission_is_not_in_force_before_13_may_2025(project):
    with pytest.raises(RuleConflictError, match="not in force"):
        q(project, "Israel", "post-rescission", D(2025, 5, 12))


def test_pre_framework_has_no_tiers_and_no_caps(project):
    r = q(project, "India", "pre-framework", D(2024, 6, 1))
    assert r.tier is None
    assert all(p.ceiling_tpp is None for p in r.pathways)


def test_deals_are_facts_shown_with_status_not_rules(project):
    r = q(project, "UAE", "current-law", D(2025, 12, 1))
    g42 = next(d for d in r.deals if "G42" in d.title)
    assert g42.kind == "approval" and g42.status.value == "secondary"
    assert g42.tpp == 35_000 * project.chips["b300"].tpp
    # a deal changes no rule output: the UAE's licence picture comes from its groups
    assert r.licence_required is True and r.review_policy == "presumption-of-approval"
    assert (
        not q(project, "UAE", "current-law", D(2025, 11, 18))
        .deals[-1]
        .title.startswith("Commerce approval")
    )
