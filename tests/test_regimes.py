"""The three regimes and current-law: facts that need more than a YAML case can state
(hypothetical group sets, warnings, errors, deals). The plain legal facts, with the day
before and the day of each effective date, are cases in tests/cases/regimes.yaml."""

from __future__ import annotations

import datetime as dt

import pytest

from tierscope.errors import RuleConflictError

D = dt.date


def q(project, country, scenario, day):
    return project.query(country, scenario, day)


def test_the_a6_carve_out_is_what_frees_israel(project):
    # Without A:6, Israel's D:4 membership would require a licence before the framework.
    from tierscope.evaluate import evaluate

    world = project.world("pre-framework")
    il = world.countries["IL"]
    no_a6 = il.model_copy(
        update={"groups": il.groups.model_copy(update={"members": ["B", "D:2", "D:3", "D:4"]})}
    )
    assert evaluate(world, no_a6, D(2024, 6, 1)).value("licence_required") is True


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
