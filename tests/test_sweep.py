"""`tierscope sweep`: every (scenario, date, country) as JSON Lines, the same answers as
`query`, with unanswerable cells as error lines rather than a stopped sweep."""

from __future__ import annotations

import json

import pytest

from tierscope.cli import monthly
from tierscope.errors import TierscopeError

from .cli_run import run


def test_a_sweep_line_is_the_query_answer(capsys):
    args = ("IL", "--scenario", "current-law", "--as-of", "2025-06-01")
    code, out, _ = run(capsys, "sweep", *args)
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 1
    _, query_out, _ = run(capsys, "query", *args, "--format", "json")
    answer = json.loads(query_out)
    answer.pop("translation")  # query adds what the numbers mean; a sweep line is the answer
    assert json.loads(lines[0]) == answer


def test_order_is_scenario_then_date_then_country(capsys):
    code, out, _ = run(
        capsys, "sweep", "IL", "IN", "-s", "framework-2025", "-s", "current-law",
        "--monthly", "2025-03-01..2025-04-01",
    )  # fmt: skip
    assert code == 0
    keys = [(d["scenario"], d["as_of"], d["country"]) for d in map(json.loads, out.splitlines())]
    assert keys == [
        (s, d, c)
        for s in ("framework-2025", "current-law")
        for d in ("2025-03-01", "2025-04-01")
        for c in ("IL", "IN")
    ]


def test_a_scenario_not_in_force_is_an_error_line_not_a_failure(capsys):
    code, out, _ = run(
        capsys, "sweep", "IL", "-s", "framework-2025", "--as-of", "2024-06-01",
        "--as-of", "2025-06-01",
    )  # fmt: skip
    assert code == 0
    first, second = map(json.loads, out.splitlines())
    assert "not in force" in first["error"] and "tier" not in first
    assert "error" not in second and second["tier"] in (1, 2, 3)


def test_monthly_spans_every_month_inclusive():
    days = monthly("2024-11-15..2025-02-15")
    assert [d.isoformat() for d in days] == ["2024-11-15", "2024-12-15", "2025-01-15", "2025-02-15"]


@pytest.mark.parametrize(
    "span", ["2024-01-01", "2024-01-31..2024-05-01", "x..2024-01-01", "2024-05-01..2024-01-01"]
)
def test_a_bad_monthly_span_is_a_clear_error(span):
    with pytest.raises(TierscopeError):
        monthly(span)


def test_bad_monthly_option_exits_with_one_line(capsys):
    code, out, err = run(capsys, "sweep", "IL", "--monthly", "2024-01-01")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "FROM..TO" in err
