"""The scenario language never loses a value silently: exact numbers where the unit
allows them, `set` of any parameter, a `scale` that is exact or rejected (never rounded
back), overrides for groups of countries, and `check` warnings for overrides that change
no answer. The 1.2-billion reform is one file with its hand-computed figure."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from tierscope.cli import main
from tierscope.errors import RuleConflictError
from tierscope.evaluate import evaluate
from tierscope.models.scenario import Scenario
from tierscope.scenario import ScenarioError, apply_scenario
from tierscope.service import build_result

DAY = dt.date(2025, 6, 1)
ROOT = Path(__file__).resolve().parents[1]
REFORM = ROOT / "docs" / "examples" / "allies-arrangement-1-2-billion.yaml"
REF = [{"title": "test assumption"}]
ALLOCATION = "framework_2025.country_allocation_tpp"
MULTIPLIER = "framework_2025.g2g_allocation_multiplier"
TPP_PARAMS = {
    ALLOCATION: "country_allocation",
    "framework_2025.lpp_tpp_per_consignee_year": "lpp",
    "framework_2025.nveu_installed_base_tpp": "nveu",
}


def scenario(base: str = "framework-2025", **parts) -> Scenario:
    return Scenario.model_validate(
        {
            "id": "t",
            "title": "test",
            "description": "test",
            "base": base,
            "references": REF,
            **parts,
        }
    )


def override(**kw) -> dict:
    return {**kw, "status": "unverified", "references": REF}


def ceiling(world, code: str, pathway: str, day: dt.date = DAY) -> int | None:
    r = build_result(evaluate(world, world.countries[code], day))
    return next((p.ceiling_tpp for p in r.pathways if p.id == pathway), None)


@pytest.fixture(scope="module")
def framework(project):
    return project.world("framework-2025")


@pytest.fixture(scope="module")
def arrangement(project):
    return project.world("israel-arrangement")


# ------------------------------------------------------------------ exact values


def test_a_decimal_multiplier_is_kept_exactly(project, arrangement):
    # `value: 1.519` was rejected; now it is the exact decimal 1519/1000
    w = apply_scenario(project.rulebase, arrangement, scenario(
        "israel-arrangement", parameters={MULTIPLIER: {"values": {
            dt.date(2025, 1, 13): {"value": 1.519, "status": "unverified", "references": REF}}}},
    ))  # fmt: skip
    assert w.parameters[MULTIPLIER].value_at(DAY) == Fraction(1519, 1000)
    # 790,000,000 x 1.519 = 1,200,010,000 exactly (no float on the way)
    assert ceiling(w, "IL", "country_allocation") == 1_200_010_000


def test_a_fraction_where_tpp_is_counted_is_rejected(project, framework):
    with pytest.raises(ScenarioError, match="not a whole number"):
        apply_scenario(project.rulebase, framework,
                       scenario(parameters={ALLOCATION: override(set="1/3")}))  # fmt: skip
    with pytest.raises(ScenarioError, match="not a valid integer"):
        apply_scenario(project.rulebase, framework, scenario(parameters={ALLOCATION: {"values": {
            DAY: {"value": 1.5e9, "status": "unverified", "references": REF}}}}))  # fmt: skip


def test_scale_60_79_on_the_multiplier_is_no_longer_rounded_back_to_2(project, arrangement):
    # the bug of issue 11: 2 x 60/79 was rounded half-even back to 2 and nothing changed
    w = apply_scenario(project.rulebase, arrangement, scenario(
        "israel-arrangement", parameters={MULTIPLIER: override(scale="60/79")}))  # fmt: skip
    assert w.parameters[MULTIPLIER].value_at(DAY) == Fraction(120, 79)
    assert ceiling(w, "IL", "country_allocation") == 1_200_000_000


def test_a_ceiling_that_is_not_whole_tpp_is_an_error_not_a_rounding(project, arrangement):
    w = apply_scenario(project.rulebase, arrangement, scenario(
        "israel-arrangement", parameters={MULTIPLIER: override(set="4/3")}))  # fmt: skip
    with pytest.raises(RuleConflictError, match="not a whole number of TPP"):
        ceiling(w, "IL", "country_allocation")


def test_set_from_a_date_keeps_earlier_values(project, framework):
    w = apply_scenario(project.rulebase, framework, scenario(
        parameters={ALLOCATION: override(set=1_000_000_000, **{"from": "2026-01-01"})}))  # fmt: skip
    assert ceiling(w, "IL", "country_allocation", DAY) == 790_000_000
    assert ceiling(w, "IL", "country_allocation", dt.date(2026, 1, 1)) == 1_000_000_000


def test_set_of_a_country_list(project, framework):
    w = apply_scenario(project.rulebase, framework, scenario(
        parameters={"framework_2025.tier1_destinations": override(set=["IL"])}))  # fmt: skip
    assert evaluate(w, w.countries["IL"], DAY).value("tier") == 1
    assert evaluate(w, w.countries["FR"], DAY).value("tier") == 2


def test_one_kind_of_override_at_a_time():
    with pytest.raises(ValidationError, match="exactly one of"):
        scenario(parameters={ALLOCATION: override(set=1, scale="2")})


# ------------------------------------------------------------------ properties

fractions = st.builds(Fraction, st.integers(1, 400), st.integers(1, 400))


@given(pid=st.sampled_from(sorted(TPP_PARAMS)), frac=fractions)
def test_a_scale_changes_the_answer_as_the_arithmetic_says_or_is_rejected(
    project, framework, pid, frac
):
    base = ceiling(framework, "IL", TPP_PARAMS[pid])
    scen = scenario(parameters={pid: override(scale=f"{frac.numerator}/{frac.denominator}")})
    whole = all((frac * dv.value).denominator == 1
                for dv in framework.parameters[pid].values.values() if dv.value is not None)  # fmt: skip
    if not whole:
        with pytest.raises(ScenarioError, match="not a whole number"):
            apply_scenario(project.rulebase, framework, scen)
        return
    got = ceiling(apply_scenario(project.rulebase, framework, scen), "IL", TPP_PARAMS[pid])
    assert got == base * frac
    assert (got != base) == (frac != 1)  # never a silent no-op


@given(pid=st.sampled_from(sorted(TPP_PARAMS)), value=st.integers(0, 10**13))
def test_a_set_gives_exactly_the_value(project, framework, pid, value):
    w = apply_scenario(project.rulebase, framework, scenario(parameters={pid: override(set=value)}))
    assert ceiling(w, "IL", TPP_PARAMS[pid]) == value


@given(frac=fractions, how=st.sampled_from(["set", "scale"]))
def test_a_rational_multiplier_is_exact_or_the_ceiling_is_an_error(project, arrangement, frac, how):
    text = f"{frac.numerator}/{frac.denominator}"
    w = apply_scenario(project.rulebase, arrangement,
                       scenario("israel-arrangement", parameters={MULTIPLIER: override(**{how: text})}))  # fmt: skip
    factor = frac if how == "set" else 2 * frac
    exact = 790_000_000 * factor
    if exact.denominator != 1:
        with pytest.raises(RuleConflictError, match="not a whole number"):
            ceiling(w, "IL", "country_allocation")
    else:
        assert ceiling(w, "IL", "country_allocation") == exact


# ------------------------------------------------------------------ groups of countries


def test_countries_where_selects_by_tier_and_group(project, framework):
    sel = {"where": {"all": [{"fact": "tier", "equals": 2}, {"fact": "groups", "has": "A:1"}]},
           "as_of": "2025-06-01",
           "facts": {"g2g_arrangement": [{"from": "2025-06-01", "value": True,
                                          "status": "unverified", "references": REF}]}}  # fmt: skip
    w = apply_scenario(project.rulebase, framework, scenario(countries_where=[sel]))
    changed = {c for c in framework.countries if w.countries[c] is not framework.countries[c]}
    expected = {
        c for c in framework.countries
        if evaluate(framework, framework.countries[c], DAY).value("tier") == 2
        and "A:1" in framework.countries[c].groups_on(DAY)
    }  # fmt: skip
    assert changed == expected and "PL" in changed and "IL" not in changed


def test_the_1_2_billion_reform_is_one_file_with_the_hand_computed_figure(project):
    # 790,000,000 TPP (15 CFR 742.6(b)(10)(iii)(B)(1), 90 FR 4544) x 120/79 = 1,200,000,000 TPP
    w = project.world(str(REFORM))
    assert ceiling(w, "PL", "country_allocation", dt.date(2025, 7, 1)) == 1_200_000_000
    assert ceiling(w, "PL", "country_allocation", dt.date(2025, 5, 31)) == 790_000_000  # unsigned
    assert ceiling(w, "IL", "country_allocation", dt.date(2025, 7, 1)) == 790_000_000  # not A:1


# ------------------------------------------------------------------ check warnings


def run(capsys, *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    return exc.value.code or 0, capsys.readouterr().out


NOOP = """\
id: noop
title: The multiplier raised, but nobody signs
description: Nothing changes, and check must say so.
base: framework-2025
parameters:
  framework_2025.g2g_allocation_multiplier:
    set: 3
    status: unverified
    references: [{title: "assumption"}]
  framework_2025.lpp_tpp_per_consignee_year:
    set: 26_900_000
    status: unverified
    references: [{title: "assumption"}]
references: [{title: "test"}]
"""


def test_check_warns_when_an_override_changes_no_answer(capsys, tmp_path):
    f = tmp_path / "noop.yaml"
    f.write_text(NOOP, encoding="utf-8")
    code, out = run(capsys, "check", str(f))
    assert code == 1
    assert f"{f}:6: warning: parameters.{MULTIPLIER}: changes no answer" in out
    assert (
        f"{f}:10: warning: parameters.framework_2025.lpp_tpp_per_consignee_year: leaves every value as it was"
        in out
    )


def test_check_accepts_the_reform(capsys):
    code, out = run(capsys, "check", str(REFORM))
    assert code == 0, out


def test_countries_where_can_add_the_selected_countries_to_a_list(project, framework):
    # "every Tier 2 member of A:1 joins Supp. No. 5(a)" as one override
    sel = {
        "where": {"all": [{"fact": "tier", "equals": 2}, {"fact": "groups", "has": "A:1"}]},
        "as_of": "2025-06-01",
        "add_to": ["framework_2025.tier1_destinations"],
        "status": "unverified",
        "references": REF,
    }
    w = apply_scenario(project.rulebase, framework, scenario(countries_where=[sel]))
    assert evaluate(w, w.countries["PL"], DAY).value("tier") == 1
    assert evaluate(w, w.countries["PL"], dt.date(2025, 5, 31)).value("tier") == 2  # from as_of
    assert evaluate(w, w.countries["IL"], DAY).value("tier") == 2  # not in A:1
    with pytest.raises(ScenarioError, match="not a country-list parameter"):
        apply_scenario(project.rulebase, framework, scenario(
            countries_where=[{**sel, "add_to": [ALLOCATION]}]))  # fmt: skip
