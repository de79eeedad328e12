"""`tierscope pathways`, `--with` and the goal search on the command line: the JSON
contract (README.md), the other formats, and one-line errors with documented exit codes."""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest

from tierscope.service import Project

from .cli_run import run

FW = ("-s", "framework-2025", "--as-of", "2025-06-01")

REPORT_CONTRACT = {
    "country": str, "scenario": str, "as_of": str, "chip": str, "chip_tpp": int,
    "baseline_total_tpp": (int, type(None)), "window": str, "routes": list, "notes": list,
}  # fmt: skip
ROUTE_CONTRACT = {
    "id": str, "title": str, "state": str, "unmet": list, "regimes": list, "effect": list,
    "opens": list,
    "closes": list, "licensed": list, "status": str, "citations": list, "references": list,
}  # fmt: skip
GAIN_CONTRACT = {
    "tpp": (int, type(None)), "h100e": (float, type(None)), "unbounded": bool, "text": str,
    "up_to_tpp": (int, type(None)), "up_to_h100e": (float, type(None)),
}  # fmt: skip
GOAL_CONTRACT = {
    "country": str, "scenario": str, "by": str, "target_tpp": int, "reachable": bool,
    "sets": list, "shortfall_tpp": (int, type(None)), "candidates": list, "max_routes": int,
    "excluded": list, "up_to": bool,
    "sets_evaluated": int, "stopped_at_limit": bool, "note": str,
}  # fmt: skip


def test_pathways_json_follows_the_contract(capsys):
    code, out, _ = run(capsys, "pathways", "Israel", *FW, "-f", "json")
    assert code == 0
    data = json.loads(out)
    for key, typ in REPORT_CONTRACT.items():
        assert isinstance(data[key], typ), key
    assert data["country"] == "IL" and data["as_of"] == "2025-06-01"
    for r in data["routes"]:
        for key, typ in ROUTE_CONTRACT.items():
            assert isinstance(r[key], typ), (r["id"], key)
        assert r["state"] in ("open", "closed")
        if r["state"] == "open":
            for key, typ in GAIN_CONTRACT.items():
                assert isinstance(r["gain"][key], typ), (r["id"], key)
        else:
            assert r["gain"] is None and r["unmet"]


def test_pathways_table_csv_md(capsys):
    code, out, _ = run(capsys, "pathways", "Israel", *FW)
    assert code == 0 and "g2g-arrangement" in out and "needs:" in out
    code, out, _ = run(capsys, "pathways", "Israel", *FW, "-f", "csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and {r["state"] for r in rows} == {"open", "closed"}
    g2g = next(r for r in rows if r["route"] == "g2g-arrangement")
    assert int(g2g["gain_tpp"]) >= 0 and g2g["chip"] == "B200"
    tier1 = next(r for r in rows if r["route"] == "tier1-listing")
    assert tier1["gain_text"] == "removes the cap" and tier1["gain_tpp"] == ""
    code, out, _ = run(capsys, "pathways", "Israel", *FW, "-f", "md")
    assert code == 0 and out.startswith("## Routes for Israel") and "| nveu:" in out


def test_pathways_goal_search_formats(capsys):
    args = (
        "pathways",
        "Israel",
        "-s",
        "framework-2025",
        "--target",
        "100000",
        "--by",
        "2027-12-31",
    )
    code, out, _ = run(capsys, *args, "-f", "json")
    assert code == 0
    data = json.loads(out)
    for key, typ in GOAL_CONTRACT.items():
        assert isinstance(data[key], typ), key
    assert data["reachable"] and ["tier1-listing"] in [s["routes"] for s in data["sets"]]
    code, out, _ = run(capsys, *args)
    assert code == 0 and "Reachable" in out and "tier1-listing" in out
    code, out, _ = run(capsys, *args, "-f", "csv")
    assert code == 0 and out.startswith("country,")
    code, out, _ = run(capsys, *args, "-f", "md")
    assert code == 0 and "**reachable**" in out


def test_help_explains_the_search_and_its_limit(capsys):
    code, out, _ = run(capsys, "pathways", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "increasing size" in text and "1,000 sets" in text and "--max-routes" in text


def test_with_on_query_compare_acquire(capsys):
    code, out, _ = run(
        capsys, "query", "Israel", *FW, "--with", "g2g-arrangement", "--with", "nveu", "-f", "json"
    )
    assert code == 0
    data = json.loads(out)
    base = json.loads(run(capsys, "query", "Israel", *FW, "-f", "json")[1])
    assert data["total_reachable"]["tpp"] > base["total_reachable"]["tpp"]
    code, out, _ = run(
        capsys,
        "compare",
        "Israel",
        "--as-of",
        "2025-06-01",
        "--with",
        "g2g-arrangement",
        "--with",
        "nveu",
        "-f",
        "json",
    )
    assert code == 0
    comp = json.loads(out)
    assert comp["baseline"] == "framework-2025" and len(comp["columns"]) == 2
    total = next(r for r in comp["rows"] if r["measure"] == "total_reachable")
    assert total["cells"][comp["columns"][1]]["delta_tpp"] > 0
    code, out, _ = run(
        capsys, "acquire", "Israel", "--chips", "20000 x B200", *FW, "--with", "g2g-arrangement",
        "--with", "nveu", "--veu", "nveu", "-f", "json",
    )  # fmt: skip
    assert code == 0 and json.loads(out)["route"] == "nveu"  # open only with the arrangement


def test_a_closed_or_unknown_route_is_a_one_line_error(capsys):
    code, _, err = run(capsys, "query", "Israel", *FW, "--with", "nveu")
    assert code == 2 and err.count("\n") == 1 and "arrangement" in err
    code, _, err = run(capsys, "query", "Israel", *FW, "--with", "g2g-arrangment")
    assert code == 2 and "Did you mean: g2g-arrangement" in err
    code, _, err = run(capsys, "pathways", "Israel", *FW, "--by", "2027-12-31")
    assert code == 2 and "--target" in err
    code, _, err = run(capsys, "pathways", "Israel", *FW, "--target", "-5")
    assert code == 2 and err.count("\n") == 1


def test_check_reports_a_broken_route_file(capsys, tmp_path):
    root = tmp_path / "rules"
    shutil.copytree(Project.shipped().rules_dir, root)
    nveu = root / "pathways" / "nveu.yaml"
    nveu.write_text(
        nveu.read_text().replace("regimes: [framework-2025]", "regimes: [framework-2026]")
    )
    g2g = root / "pathways" / "g2g-arrangement.yaml"
    g2g.write_text(g2g.read_text().replace("id: g2g-arrangement", "id: g2g"))
    t1 = root / "pathways" / "tier1-listing.yaml"
    t1.write_text(
        t1.read_text().replace(
            "    framework_2025.tier1_destinations:", "    framework_2025.country_allocation_tpp:"
        )
    )
    code, out, _ = run(capsys, "check", str(root))
    assert code == 1
    assert "add/remove only apply to country lists" in out
    assert "nveu.yaml: error: regimes: unknown regime 'framework-2026'" in out
    assert "g2g-arrangement.yaml:3: error: id: route id 'g2g' must equal the file name" in out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("pathways", "Isreal"), "Did you mean"),
        (("pathways", "Israel", "--chip", "B2000"), "unknown chip"),
        (("pathways", "Israel", "--target", "lots of chips"), "chip order"),
        (("pathways", "Israel", "--target", "0"), "positive"),
        (("pathways", "Israel", "--target", "1000", "--max-routes", "9"), "between 1 and 5"),
        (("pathways", "Israel", "--target", "1000", "--exclude", "nope"), "unknown route"),
        (("pathways", "Israel", "--as-of", "2025-02-30"), "invalid date"),
        (("pathways", "Israel", "-s", "no-such-scenario"), "unknown scenario"),
        (("acquire", "Israel", "--chips", "10 x B200", "--with", "nveu", *FW), "arrangement"),
    ],
)
def test_bad_pathways_input_is_a_one_line_error(capsys, args, needle):
    code, _, err = run(capsys, *args)
    assert code == 2, err
    assert err.startswith("tierscope: error: ") and err.count("\n") == 1
    assert needle in err
