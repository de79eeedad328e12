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
# 15 CFR 742.6(b)(10)(iii)(C) (90 FR 4544): a Supp. No. 5(b) destination's allocation "may
# be increased up to 100%" (a percent parameter: it takes exact fractions)
INCREASE = "framework_2025.supp5b_max_increase_pct"
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


def up_to(world, code: str, day: dt.date = DAY) -> int | None:
    """The most Israel's allocation may be raised to (Supp. No. 5(b) destinations)."""
    r = build_result(evaluate(world, world.countries[code], day))
    return next(p.ceiling_up_to_tpp for p in r.pathways if p.id == "country_allocation")


@pytest.fixture(scope="module")
def framework(project):
    return project.world("framework-2025")


@pytest.fixture(scope="module")
def arrangement(project):
    return project.world("israel-arrangement")


# ------------------------------------------------------------------ exact values


def test_a_decimal_percentage_is_kept_exactly(project, arrangement):
    # `value: 51.9` is the exact decimal 519/10, never a float
    w = apply_scenario(project.rulebase, arrangement, scenario(
        "israel-arrangement", parameters={INCREASE: {"values": {
            dt.date(2025, 1, 13): {"value": 51.9, "status": "unverified", "references": REF}}}},
    ))  # fmt: skip
    assert w.parameters[INCREASE].value_at(DAY) == Fraction(519, 10)
    # 790,000,000 + 790,000,000 x 51.9% = 1,200,010,000 exactly
    assert up_to(w, "IL") == 1_200_010_000


def test_a_fraction_where_tpp_is_counted_is_rejected(project, framework):
    with pytest.raises(ScenarioError, match="not a whole number"):
        apply_scenario(project.rulebase, framework,
                       scenario(parameters={ALLOCATION: override(set="1/3")}))  # fmt: skip
    with pytest.raises(ScenarioError, match="not a valid integer"):
        apply_scenario(project.rulebase, framework, scenario(parameters={ALLOCATION: {"values": {
            DAY: {"value": 1.5e9, "status": "unverified", "references": REF}}}}))  # fmt: skip


def test_a_fractional_scale_is_kept_exactly_not_rounded_back(project, arrangement):
    # the bug of issue 11: `scale: 60/79` on an integer parameter was rounded half-even back
    # to its old value and nothing changed; now 100% x 41/79 stays 4100/79 %
    w = apply_scenario(project.rulebase, arrangement, scenario(
        "israel-arrangement", parameters={INCREASE: override(scale="41/79")}))  # fmt: skip
    assert w.parameters[INCREASE].value_at(DAY) == Fraction(4100, 79)
    assert up_to(w, "IL") == 1_200_000_000  # 790,000,000 x (1 + 41/79)


def test_a_figure_that_is_not_whole_tpp_is_an_error_not_a_rounding(project, arrangement):
    w = apply_scenario(project.rulebase, arrangement, scenario(
        "israel-arrangement", parameters={INCREASE: override(set="1/3")}))  # fmt: skip
    with pytest.raises(RuleConflictError, match="not a whole number of TPP"):
        up_to(w, "IL")


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
    project, arrangement, pid, frac
):
    framework = arrangement  # Israel with an arrangement: NVEU open too (Supp. 10 para. 12)
    base = ceiling(framework, "IL", TPP_PARAMS[pid])
    scen = scenario("israel-arrangement",
                    parameters={pid: override(scale=f"{frac.numerator}/{frac.denominator}")})  # fmt: skip
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
def test_a_set_gives_exactly_the_value(project, arrangement, pid, value):
    w = apply_scenario(project.rulebase, arrangement,
                       scenario("israel-arrangement", parameters={pid: override(set=value)}))  # fmt: skip
    assert ceiling(w, "IL", TPP_PARAMS[pid]) == value


@given(frac=fractions, how=st.sampled_from(["set", "scale"]))
def test_a_rational_percentage_is_exact_or_the_figure_is_an_error(project, arrangement, frac, how):
    text = f"{frac.numerator}/{frac.denominator}"
    w = apply_scenario(project.rulebase, arrangement,
                       scenario("israel-arrangement", parameters={INCREASE: override(**{how: text})}))  # fmt: skip
    pct = frac if how == "set" else 100 * frac
    exact = 790_000_000 + 790_000_000 * pct / 100
    if exact.denominator != 1:
        with pytest.raises(RuleConflictError, match="not a whole number"):
            up_to(w, "IL")
    else:
        assert up_to(w, "IL") == exact


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
    # 790,000,000 TPP (15 CFR 742.6(b)(10)(iii)(B)(1), 90 FR 4544) raised by up to 4100/79 %
    # (the reform, in place of 742.6(b)(10)(iii)(C)'s 100%) = 1,200,000,000 TPP
    w = project.world(str(REFORM))
    signed, before = dt.date(2025, 7, 1), dt.date(2025, 5, 31)
    assert up_to(w, "PL", signed) == 1_200_000_000
    assert ceiling(w, "PL", "country_allocation", signed) == 790_000_000  # certain part
    assert up_to(w, "PL", before) is None  # not yet signed
    assert up_to(w, "IL", signed) is None  # not in A:1


# ------------------------------------------------------------------ check warnings


def run(capsys, *argv: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    return exc.value.code or 0, capsys.readouterr().out


NOOP = """\
id: noop
title: The increase raised, but nobody is listed in Supp. No. 5(b)
description: Nothing changes, and check must say so.
base: framework-2025
parameters:
  framework_2025.supp5b_max_increase_pct:
    set: 50
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
    assert f"{f}:6: warning: parameters.{INCREASE}: changes no answer" in out
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
