"""Compare countries across scenarios and dates, with deltas against a baseline.

One row per (country, measure): the tier, the licence requirement, the review policy,
each pathway's ceiling and the total reachable compute; one column per (scenario,
date). Any column can be the baseline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import Field

from .errors import NotInForceError, TierscopeError
from .models.result import QueryResult, ResultModel
from .quantify import to_h100e
from .service import Project

DEFAULT_BASELINE = "current-law"


# What a cell holds, so that "no cap" and "not open" never look alike in any format.
CELL_STATES = ("value", "unbounded", "share-limited", "not open", "none", "not in force")


class Cell(ResultModel):
    value: str  # display value: "790,000,000", "unbounded", "-" (not available), "2"
    state: str = "value"  # one of CELL_STATES
    tpp: int | None = None  # for ceilings and totals
    h100e: float | None = None
    unbounded: bool = False
    available: bool = True
    status: str | None = None
    delta_tpp: int | None = None  # against the baseline column, when both are numbers
    delta_h100e: float | None = None
    changed: bool = False  # differs from the baseline


class Row(ResultModel):
    country: str
    measure: str  # tier | licence_required | review_policy | pathway:<id> | total_reachable
    label: str
    cells: dict[str, Cell]  # column id -> cell


class Comparison(ResultModel):
    columns: list[str]  # "scenario" or "scenario@date"
    column_titles: dict[str, str]
    column_scenarios: dict[str, str] = Field(default_factory=dict)  # column id -> scenario
    column_dates: dict[str, dt.date] = Field(default_factory=dict)  # column id -> as-of date
    baseline: str
    rows: list[Row]
    notes: list[str]


CellData = dict[str, Any]  # Cell fields, before the comparison with the baseline


def _numeric_cell(tpp: int | None, h100e: float | None, status: str, unbounded: bool) -> CellData:
    if unbounded:
        return {"value": "unbounded", "state": "unbounded", "unbounded": True, "status": status}
    return {"value": f"{tpp:,}", "tpp": tpp, "h100e": h100e, "status": status}


def _cells_for(r: QueryResult, pathway_ids: Sequence[str]) -> dict[str, CellData]:
    cells: dict[str, CellData] = {
        "tier": {"value": "-", "state": "none", "available": False}
        if r.tier is None
        else {"value": str(r.tier)},
        "licence_required": {"value": "yes" if r.licence_required else "no"},
        "review_policy": {"value": r.review_policy}
        if r.review_policy
        else {"value": "-", "state": "none"},
    }
    by_id = {p.id: p for p in r.pathways}
    for pid in pathway_ids:
        p = by_id.get(pid)
        if p is None:
            cells[f"pathway:{pid}"] = {"value": "-", "state": "not open", "available": False}
        elif p.ceiling_tpp is None and p.share_limits:
            shares = ", ".join(s.rsplit(": ", 1)[-1] for s in p.share_limits)
            cells[f"pathway:{pid}"] = {
                "value": f"share: {shares}",
                "state": "share-limited",
                "status": p.status.value,
            }
        else:
            cells[f"pathway:{pid}"] = _numeric_cell(
                p.ceiling_tpp, p.ceiling_h100e, p.status.value, p.ceiling_tpp is None
            )
    t = r.total_reachable
    cells["total_reachable"] = _numeric_cell(t.tpp, t.h100e, t.status.value, t.tpp is None)
    return cells


def compare(
    project: Project,
    countries: Sequence[str],
    scenarios: Sequence[str],
    dates: Sequence[dt.date],
    baseline: str | None = None,
    assume: Mapping[str, int] | None = None,
) -> Comparison:
    """Query every (country, scenario, date) and line the answers up against a baseline."""
    multi_date = len(dates) > 1
    columns: list[tuple[str, str, dt.date]] = []
    for s in scenarios:
        for d in dates:
            columns.append((f"{s}@{d}" if multi_date else s, s, d))
    col_ids = [c[0] for c in columns]
    base = baseline or (DEFAULT_BASELINE if DEFAULT_BASELINE in scenarios else scenarios[0])
    base_col = (
        base
        if base in col_ids
        else (f"{base}@{dates[0]}" if multi_date and f"{base}@{dates[0]}" in col_ids else None)
    )
    if base_col is None:
        raise TierscopeError(
            f"baseline {base!r} is not among the compared scenarios: {', '.join(scenarios)}"
        )
    notes: dict[str, None] = {}  # in order, each once (many countries share one)
    rows: list[Row] = []
    titles: dict[str, str] = {}
    answers: list[tuple[str, dict[str, QueryResult | None]]] = []
    for country in countries:
        results: dict[str, QueryResult | None] = {}
        for col, s, d in columns:
            titles[col] = project.world(s, assume).title
            try:
                results[col] = project.query(country, s, d, assume)
            except NotInForceError as exc:  # a conflict or a gap is an error (exit 3)
                results[col] = None
                notes[f"{col}: {exc.message}"] = None
        answers.append((country, results))
    # every country gets the same measures, so that one grid (or frame) lines them up and
    # a pathway open for one country reads "not open" for the others
    pathway_ids: list[str] = []
    labels = {
        "tier": "Tier",
        "licence_required": "Licence required",
        "review_policy": "Review policy",
        "total_reachable": "Total reachable (TPP)",
    }
    for _, results in answers:
        for r in results.values():
            for p in r.pathways if r else []:
                if p.id not in pathway_ids:
                    pathway_ids.append(p.id)
                labels.setdefault(f"pathway:{p.id}", f"{p.title.split(' (')[0]} (TPP)")
    measures = [
        "tier",
        "licence_required",
        "review_policy",
        *(f"pathway:{p}" for p in pathway_ids),
        "total_reachable",
    ]
    for country, results in answers:
        per_col = {col: (_cells_for(r, pathway_ids) if r else None) for col, r in results.items()}
        code = next((r.country for r in results.values() if r), country)
        for m in measures:
            base_cell = per_col[base_col][m] if per_col[base_col] else None
            cells: dict[str, Cell] = {}
            for col in col_ids:
                data = (
                    dict(per_col[col][m])
                    if per_col[col]
                    else {"value": "not in force", "state": "not in force", "available": False}
                )
                if base_cell is not None:
                    data["changed"] = data["value"] != base_cell["value"]
                    tpp, base_tpp = data.get("tpp"), base_cell.get("tpp")
                    if tpp is not None and base_tpp is not None:
                        data["delta_tpp"] = tpp - base_tpp
                        # from the exact TPP difference, so a delta never carries the
                        # rounding of the two figures it compares
                        h100 = results[col].h100_tpp.value  # type: ignore[union-attr]
                        d = tpp - base_tpp  # rounded like the figures: half-even, symmetric
                        data["delta_h100e"] = to_h100e(d, h100) if d >= 0 else -to_h100e(-d, h100)
                cells[col] = Cell(**data)
            rows.append(Row(country=code, measure=m, label=labels[m], cells=cells))
    return Comparison(
        columns=col_ids,
        column_titles=titles,
        column_scenarios={c[0]: c[1] for c in columns},
        column_dates={c[0]: c[2] for c in columns},
        baseline=base_col,
        rows=rows,
        notes=list(notes),
    )
