"""What `compare` adds beside its grid: the totals translated into yardsticks, and the
bilateral deals (facts, not law) beside the allocation ceilings they exceed.

Kept apart from compare.py/render.py so the grid's own layout stays theirs: every
function here reads a finished Comparison.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console

from .compare import Comparison
from .errors import TierscopeError
from .models.result import DealResult
from .service import Project
from .yardstick_render import (
    _dump,
    _headers,
    compare_translation_lines,
    deal_rows,
    md_table,
    print_compare_translation,
    print_deals,
)
from .yardsticks import Translator

ALLOCATION = "pathway:country_allocation"


def _column_key(col: str) -> tuple[str, dt.date | None]:
    scenario, _, day = col.partition("@")
    return scenario, (dt.date.fromisoformat(day) if day else None)


def allocation_ceilings(comp: Comparison) -> dict[str, dict[str, int | None]]:
    """Per country, per column: the country allocation in TPP (None where closed/unbounded)."""
    out: dict[str, dict[str, int | None]] = {}
    for row in comp.rows:
        if row.measure == ALLOCATION:
            out[row.country] = {c: row.cells[c].tpp for c in comp.columns}
    for row in comp.rows:
        out.setdefault(row.country, dict.fromkeys(comp.columns))
    return out


def country_deals(
    project: Project, comp: Comparison, assume: Mapping[str, int] | None
) -> dict[str, list[DealResult]]:
    """Deals on or before the latest compared date, read through the baseline scenario."""
    scenario, day = _column_key(comp.baseline)
    days = [d for _, d in map(_column_key, comp.columns) if d is not None]
    day = max(days) if days else (day or dt.date.today())
    out: dict[str, list[DealResult]] = {}
    for country in dict.fromkeys(r.country for r in comp.rows):
        try:
            out[country] = project.query(country, scenario, day, assume).deals
        except TierscopeError:
            out[country] = []
    return out


def all_deal_rows(
    project: Project, comp: Comparison, tr: Translator, assume: Mapping[str, int] | None
) -> list[dict[str, Any]]:
    ceilings = allocation_ceilings(comp)
    rows: list[dict[str, Any]] = []
    for country, deals in country_deals(project, comp, assume).items():
        rows += deal_rows(country, deals, ceilings[country], tr)
    return rows


def print_compare_extras(
    console: Console,
    project: Project,
    comp: Comparison,
    tr: Translator,
    assume: Mapping[str, int] | None,
) -> None:
    print_compare_translation(console, comp, tr)
    print_deals(console, all_deal_rows(project, comp, tr, assume), comp.columns)


def compare_extras_json(
    text: str,
    project: Project,
    comp: Comparison,
    tr: Translator,
    assume: Mapping[str, int] | None,
) -> str:
    """The compare JSON with `translation` (per country, per column) and `deals` added."""
    data = json.loads(text)
    per: dict[str, dict[str, Any]] = {}
    for row in comp.rows:
        if row.measure == "total_reachable":
            per[row.country] = {
                c: _dump(tr(row.cells[c].tpp)) if row.cells[c].tpp is not None else None
                for c in comp.columns
            }
    data["translation"] = {"basis": _dump(tr.basis), "total_reachable": per}
    data["deals"] = all_deal_rows(project, comp, tr, assume)
    return json.dumps(data, indent=2, ensure_ascii=False)


def compare_extras_csv(
    project: Project, comp: Comparison, tr: Translator, assume: Mapping[str, int] | None
) -> str:
    """Rows in compare_csv's own columns: measure `translation:<what>` and `deal:<date>`."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    headers = _headers(tr)[1:6]
    for country, lines in compare_translation_lines(comp, tr).items():
        for line in lines:
            col, values, status = line[0], line[1:6], line[6]
            for head, v in zip(headers, values, strict=True):
                w.writerow([country, f"translation:{head}", f"Total reachable, {head}", col,
                            v, "", "", status, "", "", "", comp.baseline])  # fmt: skip
    for d in all_deal_rows(project, comp, tr, assume):
        chips = f" [{d['chips']}]" if d["chips"] else ""
        label = f"{d['title']}{chips} (fact, not law)"
        for col, x in d["times_allocation"].items():
            value = "" if x is None else f"{x}x allocation"
            w.writerow([d["country"], f"deal:{d['date']}", label, col, value, d["tpp"],
                        d["h100e"], d["status"], "", "", "", comp.baseline])  # fmt: skip
    return buf.getvalue()


def compare_extras_md(
    project: Project, comp: Comparison, tr: Translator, assume: Mapping[str, int] | None
) -> str:
    out: list[str] = []
    headers = _headers(tr)
    headers[0] = "Total reachable under"
    for country, lines in compare_translation_lines(comp, tr).items():
        out += ["", f"#### {country}: what the total reachable means", ""]
        out += md_table(headers, lines)
    out += ["", f"_{tr.basis.text()}_", ""]
    rows = all_deal_rows(project, comp, tr, assume)
    if rows:
        out += ["#### Deals and approvals: facts, not law", ""]
        head = ["Country", "Date", "Deal", "H100e", *(f"x allocation, {c}" for c in comp.columns),
                "Status"]  # fmt: skip
        lines = [
            [r["country"], r["date"], r["title"] + (f" [{r['chips']}]" if r["chips"] else ""),
             "-" if r["h100e"] is None else f"{r['h100e']:,.0f}",
             *("-" if (x := r["times_allocation"][c]) is None else f"{x:,.2f}x" for c in comp.columns),
             r["status"]]
            for r in rows
        ]  # fmt: skip
        out += md_table(head, lines)
    return "\n".join(out)
