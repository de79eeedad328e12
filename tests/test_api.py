"""The public Python API: the CLI's JSON is exactly `result.to_dict()`, frames are tidy
and round-trip, "unbounded" and "not open" never look alike, and `import tierscope`
stays cheap."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

import tierscope as ts
from tierscope.cli import main
from tierscope.compare import Comparison
from tierscope.frames import comparison_from_frame

DAY = "2025-06-01"
SIX = ["Israel", "India", "Saudi Arabia", "Germany", "China", "UAE"]
TWO = ["framework-2025", "tier2-caps-halved"]


# What the CLI adds beside the answer: the yardstick translations and, for `compare`, the
# deals (issue 10). Everything else in the CLI's JSON is the API result's to_dict().
EXTRAS = {"translation"}
COMPARE_EXTRAS = {"translation", "deals"}


def cli_json(capsys, *argv: str):
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out = capsys.readouterr().out
    assert (exc.value.code or 0) == 0, out
    return answer_part(json.loads(out))


def answer_part(data):
    """The CLI's JSON without the translation extras (kept apart, never mixed into keys)."""
    if isinstance(data, list):
        return [answer_part(d) for d in data]
    extras = COMPARE_EXTRAS if "columns" in data else EXTRAS
    return {k: v for k, v in data.items() if k not in extras}


def test_query_json_is_the_api_result(capsys):
    assert cli_json(capsys, "query", "Israel", "-s", "framework-2025", "--as-of", DAY,
                    "-f", "json") == ts.query("Israel", "framework-2025", DAY).to_dict()  # fmt: skip


def test_query_of_several_countries_is_a_list(capsys):
    api = ts.query(["IL", "FR"], "framework-2025", DAY)
    assert cli_json(capsys, "query", "IL", "FR", "-s", "framework-2025", "--as-of", DAY,
                    "-f", "json") == api.to_dict()  # fmt: skip
    assert [r.country for r in api] == ["IL", "FR"]


def test_query_with_assumptions(capsys):
    api = ts.query("IL", "framework-2025", DAY, assume={"lpp_consignees_per_year": 20})
    assert cli_json(capsys, "query", "IL", "-s", "framework-2025", "--as-of", DAY,
                    "--assume", "lpp_consignees_per_year=20", "-f", "json") == api.to_dict()  # fmt: skip


def test_explain_json_is_the_api_result(capsys):
    api = ts.explain("Israel", "framework-2025", DAY)
    assert cli_json(capsys, "explain", "Israel", "-s", "framework-2025", "--as-of", DAY,
                    "-f", "json") == api.to_dict()  # fmt: skip
    assert api.facts["groups"] == sorted(api.groups)


def test_compare_json_is_the_api_result(capsys):
    api = ts.compare(SIX, TWO, as_of=[DAY, "2026-06-01"], baseline="framework-2025")
    argv = ["compare", *SIX, "-s", TWO[0], "-s", TWO[1], "--as-of", DAY, "--as-of",
            "2026-06-01", "--baseline", "framework-2025", "-f", "json"]  # fmt: skip
    assert cli_json(capsys, *argv) == api.to_dict()


def test_compare_defaults_match(capsys):
    api = ts.compare("Israel", as_of=DAY)
    assert cli_json(capsys, "compare", "Israel", "--as-of", DAY, "-f", "json") == api.to_dict()


def test_acquire_json_is_the_api_result(capsys):
    api = ts.acquire("Malaysia", "10 x H100", "current-law", "2026-03-01", consignee_hq="China")
    argv = ["acquire", "Malaysia", "--chips", "10 x H100", "-s", "current-law", "--as-of",
            "2026-03-01", "--consignee-hq", "China", "-f", "json"]  # fmt: skip
    assert cli_json(capsys, *argv) == api.to_dict()


def test_countries_json_is_the_api_result(capsys):
    api = ts.countries(1, "framework-2025", DAY)
    argv = ["countries", "--tier", "1", "-s", "framework-2025", "--as-of", DAY, "-f", "json"]
    assert cli_json(capsys, *argv) == api.to_dict()
    assert set(api.to_frame()["country"]) >= {"US", "FR", "JP"}


def test_compare_frame_round_trips_six_countries_by_two_scenarios():
    comp = ts.compare(SIX, TWO, as_of=DAY, baseline="framework-2025")
    df = comp.to_frame()
    assert set(df["country"]) == {"IL", "IN", "SA", "DE", "CN", "AE"}
    assert set(df["scenario"]) == set(TWO)
    # tidy: one row per (country, measure, column)
    assert not df.duplicated(["country", "measure", "column"]).any()
    assert len(df) == sum(len(r.cells) for r in comp.rows)
    back = comparison_from_frame(df)
    assert isinstance(back, Comparison) and back == comp


def test_compare_frame_round_trips_several_dates():
    comp = ts.compare(["IL", "FR"], ["current-law", "framework-2025"],
                      as_of=["2024-06-01", DAY], baseline="current-law")  # fmt: skip
    assert comparison_from_frame(comp.to_frame()) == comp


def test_a_notebook_table_of_totals():
    # the README's example: six countries x two scenarios as one DataFrame
    df = ts.compare(SIX, TWO, as_of=DAY, baseline="framework-2025").to_frame()
    totals = df[df.measure == "total_reachable"].pivot(
        index="country", columns="scenario", values="tpp"
    )
    assert totals.shape == (6, 2)
    # halving the 790,000,000 TPP allocation (15 CFR 742.6(b)(10)(iii)(B)(1)) takes
    # 395,000,000 TPP off each Tier 2 total; Tier 3 and Tier 1 are untouched
    for code in ("IL", "IN", "SA", "AE"):
        assert totals.loc[code, "framework-2025"] - totals.loc[code, "tier2-caps-halved"] == (
            395_000_000
        )
    assert totals.loc["CN", "framework-2025"] == totals.loc["CN", "tier2-caps-halved"]
    assert str(totals.dtypes.iloc[0]) == "Int64"  # whole TPP, never float


def test_unbounded_and_not_open_are_distinct_in_every_format(capsys):
    comp = ts.compare(["France", "Israel"], ["framework-2025"], as_of=DAY)
    df = comp.to_frame()
    aia = df[df.measure == "pathway:aia"].set_index("country")
    assert aia.loc["FR", "state"] == "unbounded" and aia.loc["IL", "state"] == "not open"
    uveu = df[df.measure == "pathway:uveu"].set_index("country")
    assert uveu.loc["IL", "state"] == "share-limited"
    # JSON: null plus an explicit flag
    fr = ts.query("France", "framework-2025", DAY).to_dict()
    aia_json = next(p for p in fr["pathways"] if p["id"] == "aia")
    assert aia_json["ceiling_tpp"] is None and aia_json["unbounded"] is True
    il = ts.query("Israel", "framework-2025", DAY).to_dict()
    uveu_json = next(p for p in il["pathways"] if p["id"] == "uveu")
    assert uveu_json["ceiling_tpp"] is None and uveu_json["unbounded"] is False
    # CSV: a state column, never a bare blank
    with pytest.raises(SystemExit):
        main(["query", "France", "-s", "framework-2025", "--as-of", DAY, "-f", "csv"])
    import csv
    import io

    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["pathway"]: r["ceiling_state"] for r in rows}["aia"] == "unbounded"
    with pytest.raises(SystemExit):
        main(["compare", "France", "Israel", "-s", "framework-2025", "--as-of", DAY, "-f", "csv"])
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    states = {(r["country"], r["measure"]): r["state"] for r in rows}
    assert states[("FR", "pathway:aia")] == "unbounded"
    assert states[("IL", "pathway:aia")] == "not open"


def test_query_frame_has_one_row_per_pathway():
    r = ts.query("Israel", "framework-2025", DAY)
    df = r.to_frame()
    assert list(df["pathway"]) == [p.id for p in r.pathways]
    assert df.set_index("pathway").loc["country_allocation", "ceiling_tpp"] == 790_000_000


def test_explain_and_acquire_frames():
    e = ts.explain("Israel", "framework-2025", DAY).to_frame()
    assert {"fact", "applied", "parameter", "citation"} <= set(e["section"])
    a = ts.acquire("Israel", "1000 x B200", "framework-2025", DAY).to_frame()
    assert a.loc[0, "route"] == "country_allocation"


def test_dates_are_accepted_as_dates_or_text():
    assert ts.query("IL", "framework-2025", dt.date(2025, 6, 1)) == ts.query(
        "IL", "framework-2025", DAY
    )


def test_bad_input_is_a_tierscope_error():
    from tierscope.errors import TierscopeError

    with pytest.raises(TierscopeError, match="invalid date"):
        ts.query("IL", as_of="2025-02-30")
    with pytest.raises(TierscopeError, match="unknown assumption"):
        ts.query("IL", assume={"nope": 1})


def test_ts_compare_is_the_function_even_after_its_module_is_imported():
    import tierscope.compare  # noqa: F401  (binds the module on the package)

    assert callable(ts.compare) and ts.compare.__module__ == "tierscope.api"
    assert ts.acquire.__module__ == "tierscope.api"


def test_import_tierscope_loads_neither_pydantic_nor_pandas():
    engine = Path(__file__).resolve().parents[1] / "engine"
    code = "import sys, tierscope; print(sorted(m for m in ('pydantic', 'pandas', 'rich') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(engine), "PATH": ""}).stdout  # fmt: skip
    assert out.strip() == "[]"
