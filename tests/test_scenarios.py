"""Scenarios as data: shipped scenarios, composition, user files, and validation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import yaml

from tierscope.cli import main
from tierscope.errors import TierscopeError
from tierscope.scenario import build_world

DAY = dt.date(2025, 6, 1)


def pathways(r):
    return {p.id: p for p in r.pathways}


def test_israel_arrangement_may_raise_israels_allocation_only(project):
    # 15 CFR 742.6(b)(10)(iii)(C): a Supp. No. 5(b) allocation "may be increased up to 100%"
    alloc = pathways(project.query("Israel", "israel-arrangement", DAY))["country_allocation"]
    assert (alloc.ceiling_tpp, alloc.ceiling_up_to_tpp) == (790_000_000, 2 * 790_000_000)
    india = pathways(project.query("India", "israel-arrangement", DAY))["country_allocation"]
    assert (india.ceiling_tpp, india.ceiling_up_to_tpp) == (790_000_000, None)


def test_israel_tier1_moves_israel_and_only_israel(project):
    assert project.query("Israel", "israel-tier1", DAY).tier == 1
    assert "aia" in pathways(project.query("Israel", "israel-tier1", DAY))
    assert project.query("India", "israel-tier1", DAY).tier == 2


def test_tier2_caps_halved_and_lpp_500(project):
    assert (
        pathways(project.query("IL", "tier2-caps-halved", DAY))["country_allocation"].ceiling_tpp
        == 395_000_000
    )
    lpp = pathways(project.query("IL", "lpp-500-chips", DAY))["lpp"]
    assert lpp.ceiling_tpp == 500 * 15_832 and lpp.status.value == "unverified"


def test_scenarios_compose_with_plus(project):
    r = project.query("Israel", "framework-2025+israel-arrangement+tier2-caps-halved", DAY)
    alloc = pathways(r)["country_allocation"]
    # halved, then "up to 100%" more for a Supp. No. 5(b) destination
    assert (alloc.ceiling_tpp, alloc.ceiling_up_to_tpp) == (395_000_000, 790_000_000)
    assert r.scenario == "framework-2025+israel-arrangement+tier2-caps-halved"


def test_applying_a_scenario_never_mutates_its_base(project):
    base = project.world("framework-2025")
    before = base.parameters["framework_2025.country_allocation_tpp"].model_dump()
    project.world("tier2-caps-halved")
    project.query("IL", "tier2-caps-halved", DAY)
    assert base.parameters["framework_2025.country_allocation_tpp"].model_dump() == before
    assert project.query("IL", "framework-2025", DAY).pathways[0].ceiling_tpp == 790_000_000


def test_a_user_scenario_file_outside_the_repo_works(tmp_path, capsys):
    f = tmp_path / "my-scenario.yaml"
    f.write_text(
        yaml.safe_dump(
            {
                "id": "my-scenario",
                "title": "Allocation of 1,000,000,000 TPP",
                "description": "A user's own scenario.",
                "base": "framework-2025",
                "parameters": {
                    "framework_2025.country_allocation_tpp": {
                        "values": {
                            "2025-01-13": {
                                "value": 1_000_000_000,
                                "status": "unverified",
                                "references": [{"title": "my assumption"}],
                            }
                        }
                    }
                },
                "references": [{"title": "my notes"}],
            }
        )
    )
    with pytest.raises(SystemExit) as exc:
        main(["query", "Israel", "--scenario", str(f), "--as-of", "2025-06-01", "--format", "json"])
    assert exc.value.code in (0, None)
    data = json.loads(capsys.readouterr().out)
    assert {p["id"]: p["ceiling_tpp"] for p in data["pathways"]}[
        "country_allocation"
    ] == 1_000_000_000


def test_a_scenario_overriding_a_missing_parameter_is_rejected_before_anything_applies(
    project, tmp_path
):
    f = tmp_path / "bad.yaml"
    f.write_text(
        yaml.safe_dump(
            {
                "id": "bad",
                "title": "Bad one",
                "description": "Overrides a parameter that does not exist.",
                "base": "framework-2025",
                "parameters": {
                    "framework_2025.no_such_thing": {
                        "scale": "2",
                        "status": "unverified",
                        "references": [{"title": "x y z"}],
                    },
                    "framework_2025.country_allocation_tpp": {
                        "scale": "2",
                        "status": "unverified",
                        "references": [{"title": "x y z"}],
                    },
                },
                "countries": {"ZZ": {}},
                "references": [{"title": "x y z"}],
            }
        )
    )
    with pytest.raises(TierscopeError) as err:
        build_world(project.rulebase, str(f))
    assert (
        "no_such_thing" in err.value.message and "ZZ" in err.value.message
    )  # all problems at once


def test_current_law_can_only_come_first(project):
    with pytest.raises(TierscopeError, match="only come first"):
        build_world(project.rulebase, "framework-2025+current-law")


@pytest.mark.parametrize(
    "spec", ["framework-2025+", "+israel-arrangement", "nope", "framework-2025+nope"]
)
def test_malformed_or_unknown_specs_are_clear_errors(project, spec):
    with pytest.raises(TierscopeError):
        build_world(project.rulebase, spec)


def test_assumptions_change_the_total_and_are_listed(project):
    plain = project.query("Israel", "framework-2025", DAY).total_reachable
    more = project.query(
        "Israel",
        "framework-2025",
        DAY,
        assume={"lpp_consignees_per_year": 20, "uveu_fleet_h100e": 500_000},
    ).total_reachable
    assert more.tpp == plain.tpp + 19 * 3 * 26_900_000 + 500_000 * 15_832 * 7 // 100
    assert {a.id for a in more.assumptions} >= {
        "assumptions.lpp_consignees_per_year",
        "assumptions.uveu_fleet_h100e",
    }


def test_total_reachable_is_unbounded_where_a_pathway_has_no_cap(project):
    t = project.query("Israel", "current-law", dt.date(2026, 6, 1)).total_reachable
    assert t.tpp is None and t.unbounded_by == ["no_licence"]
