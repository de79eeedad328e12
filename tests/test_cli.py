"""The command line: the JSON contract, formats, and clear errors with documented exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest

from .cli_run import run

CONTRACT = {
    "country": str, "scenario": str, "as_of": str, "tier": int,
    "licence_required": bool, "review_policy": str, "pathways": list,
}  # fmt: skip
PATHWAY_CONTRACT = {
    "id": str, "title": str, "per": str, "counts_against_country_allocation": bool,
    "status": str, "citations": list,
}  # fmt: skip


def test_query_json_follows_the_contract(capsys):
    code, out, _ = run(
        capsys, "query", "Israel", "--scenario", "framework-2025", "--as-of", "2025-06-01",
        "--format", "json",
    )  # fmt: skip
    assert code == 0
    data = json.loads(out)
    for key, typ in CONTRACT.items():
        assert isinstance(data[key], typ), key
    assert data["country"] == "IL" and data["as_of"] == "2025-06-01"
    assert data["scenario"] == "framework-2025"
    for p in data["pathways"]:
        for key, typ in PATHWAY_CONTRACT.items():
            assert isinstance(p[key], typ), (p["id"], key)
        assert p["ceiling_tpp"] is None or isinstance(p["ceiling_tpp"], int)
        assert p["ceiling_h100e"] is None or isinstance(p["ceiling_h100e"], float)
        assert p["status"] in {"primary", "secondary", "unverified"}
        assert p["citations"]


@pytest.mark.parametrize("spelling", ["Israel", "israel", "IL", "il", "ISR", "isr"])
def test_country_spellings(capsys, spelling):
    code, out, _ = run(capsys, "query", spelling, "--as-of", "2025-06-01", "--format", "json")
    assert code == 0 and json.loads(out)["country"] == "IL"


def test_unknown_country_exits_2_with_suggestions_and_no_traceback(capsys):
    code, out, err = run(capsys, "query", "Isreal")
    assert code == 2
    assert "Israel (IL)" in err and "Traceback" not in err + out


@pytest.mark.parametrize("bad", ["2025-02-30", "yesterday", "2025-13-01"])
def test_bad_date_exits_2(capsys, bad):
    code, _, err = run(capsys, "query", "IL", "--as-of", bad)
    assert code == 2 and "YYYY-MM-DD" in err


def test_unknown_scenario_exits_2_listing_shipped_ones(capsys):
    code, _, err = run(capsys, "query", "IL", "--scenario", "nope")
    assert code == 2 and "framework-2025" in err


def test_before_the_regime_exists_exits_3(capsys):
    code, _, err = run(
        capsys, "query", "IL", "--scenario", "framework-2025", "--as-of", "2024-06-01"
    )
    assert code == 3 and "not in force" in err


def test_csv_has_one_row_per_pathway(capsys):
    code, out, _ = run(
        capsys,
        "query",
        "IL",
        "--scenario",
        "framework-2025",
        "--as-of",
        "2025-06-01",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["pathway"] for r in rows} == {
        "country_allocation",
        "lpp",
        "uveu",
    }  # no NVEU without a government-to-government arrangement (Supp. No. 10 to part 748, para. 12)


def test_table_shows_units_status_and_citations(capsys):
    code, out, _ = run(
        capsys, "query", "Israel", "--scenario", "framework-2025", "--as-of", "2025-06-01"
    )
    assert code == 0
    assert "790,000,000 TPP" in out and "26,900,000 TPP" in out
    assert "unverified" in out and "15 CFR 740.29(a)" in out


def test_md_format(capsys):
    code, out, _ = run(
        capsys,
        "query",
        "IL",
        "--scenario",
        "framework-2025",
        "--as-of",
        "2025-06-01",
        "--format",
        "md",
    )
    assert code == 0 and "| Pathway |" in out and "Tier: **2**" in out


def test_explain_lists_fired_and_overridden_rules_and_parameters(capsys):
    code, out, _ = run(
        capsys,
        "explain",
        "US",
        "--scenario",
        "framework-2025",
        "--as-of",
        "2025-06-01",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    outcomes = {f["id"]: f["outcome"] for f in data["fired"]}
    assert outcomes["framework_2025.tier1_listed"] == "defines"  # the US is in Supp. No. 5(a)
    assert outcomes["framework_2025.tier2_default"].startswith("overridden")
    assert {p["id"] for p in data["parameters_used"]} >= {"units.h100_tpp"}


def test_explain_table_names_the_tier1_list_parameter(capsys):
    code, out, _ = run(
        capsys, "explain", "France", "--scenario", "framework-2025", "--as-of", "2025-06-01"
    )
    assert code == 0 and "framework_2025.tier1_destinations" in out


def test_countries_tier_filter(capsys):
    code, out, _ = run(
        capsys,
        "countries",
        "--scenario",
        "framework-2025",
        "--tier",
        "1",
        "--as-of",
        "2025-06-01",
        "--format",
        "json",
    )
    assert code == 0 and len(json.loads(out)) == 19


def test_help_documents_exit_codes(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "Exit codes" in out and "tierscope query Israel" in out


def test_check_shipped_rules_is_clean(capsys):
    code, out, _ = run(capsys, "check")
    assert code == 0 and out.strip().endswith("files") and "0 errors, 0 warnings" in out


def test_check_pinpoints_a_planted_fault_in_a_users_folder(capsys, tmp_path):
    import shutil
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "rules", tmp_path / "rules")
    lpp = tmp_path / "rules" / "parameters" / "framework_2025" / "lpp_tpp_per_consignee_year.yaml"
    lpp.write_text(
        lpp.read_text().replace("period: calendar year", "period: calendar year\nperiod_typo: x")
    )
    code, out, _ = run(capsys, "check", str(tmp_path))
    assert code == 1
    assert f"{lpp}:" in out and "error" in out and "period_typo" in out


def test_check_unusable_input_exits_2(capsys, tmp_path):
    code, _, err = run(capsys, "check", str(tmp_path / "nothing-here"))
    assert code == 2 and "nothing to check" in err


def test_check_json(capsys):
    code, out, _ = run(capsys, "check", "--format", "json")
    assert code == 0 and json.loads(out)["exit_code"] == 0


def test_explain_says_why_not_israel_needs_no_licence_before_the_framework(capsys):
    # Israel is D:4 but also A:6: the D:1/D:4/D:5 licence provision is in force and does not apply.
    code, out, _ = run(
        capsys,
        "explain",
        "Israel",
        "-s",
        "pre-framework",
        "--as-of",
        "2024-06-01",
        "--format",
        "json",
    )
    assert code == 0
    why_not = {n["id"]: n["requires"] for n in json.loads(out)["not_applied"]}
    assert "A:5, A:6" in why_not["pre_framework.licence_d1_d4_d5"]


def test_rules_option_uses_an_analysts_own_folder(capsys, tmp_path):
    import shutil
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "rules", tmp_path / "rules")
    alloc = tmp_path / "rules" / "parameters" / "framework_2025" / "country_allocation_tpp.yaml"
    alloc.write_text(alloc.read_text().replace("value: 790_000_000", "value: 900_000_000"))
    code, out, _ = run(
        capsys,
        "--rules",
        str(tmp_path / "rules"),
        "query",
        "IL",
        "--scenario",
        "framework-2025",
        "--as-of",
        "2025-06-01",
        "--format",
        "json",
    )
    assert code == 0
    assert {p["id"]: p["ceiling_tpp"] for p in json.loads(out)["pathways"]}[
        "country_allocation"
    ] == 900_000_000
