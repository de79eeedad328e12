"""`compare`: countries x scenarios x dates with deltas against any baseline."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tierscope.cli import main
from tierscope.compare import compare

DAY = dt.date(2025, 6, 1)


def row(comp, country, measure):
    return next(r for r in comp.rows if r.country == country and r.measure == measure)


def test_deltas_against_any_baseline(project):
    comp = compare(
        project,
        ["Israel"],
        ["framework-2025", "israel-arrangement"],
        [DAY],
        baseline="framework-2025",
    )
    # the arrangement opens NVEU (Supp. No. 10 to part 748, para. 12); the allocation's raise
    # is only "up to" (742.6(b)(10)(iii)(C)), so its certain ceiling does not change
    cell = row(comp, "IL", "pathway:nveu").cells["israel-arrangement"]
    assert cell.available and cell.changed
    assert not row(comp, "IL", "pathway:country_allocation").cells["israel-arrangement"].changed
    comp2 = compare(
        project,
        ["Israel"],
        ["framework-2025", "israel-arrangement"],
        [DAY],
        baseline="israel-arrangement",
    )
    assert not row(comp2, "IL", "pathway:nveu").cells["framework-2025"].available


def test_dates_become_columns(project):
    dates = [dt.date(2024, 6, 1), dt.date(2025, 3, 1), dt.date(2026, 6, 1)]
    comp = compare(project, ["IL"], ["current-law"], dates, baseline="current-law")
    assert comp.columns == [f"current-law@{d}" for d in dates]
    tiers = [row(comp, "IL", "tier").cells[c].value for c in comp.columns]
    assert tiers == ["-", "2", "-"]


def test_a_scenario_not_in_force_is_shown_not_fatal(project):
    comp = compare(
        project,
        ["IL"],
        ["framework-2025", "pre-framework"],
        [dt.date(2024, 6, 1)],
        baseline="pre-framework",
    )
    assert row(comp, "IL", "tier").cells["framework-2025"].value == "not in force"
    assert comp.notes


def test_compare_israel_defaults_show_regimes_and_israel_scenarios(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare", "Israel", "--format", "json"])
    assert exc.value.code in (0, None)
    data = json.loads(capsys.readouterr().out)
    assert {
        "pre-framework",
        "framework-2025",
        "post-rescission",
        "current-law",
        "israel-arrangement",
        "israel-tier1",
    } <= set(data["columns"])
    assert data["baseline"] == "current-law"


def test_unknown_baseline_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["compare", "Israel", "-s", "framework-2025", "--baseline", "nope"])
    assert exc.value.code == 2 and "baseline" in capsys.readouterr().err
