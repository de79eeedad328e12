"""Results as tidy tables: one observation per row, every value in its own column.

`tidy_rows` needs nothing beyond the standard library (the CSV writers use it);
`to_frame` turns the rows into a pandas DataFrame. pandas is an optional extra
(`pip install 'tierscope[pandas]'`): the engine never imports it.

A ceiling that is not a number always says why in a `*_state` column ("unbounded",
"share-limited", "not open", "not in force"), so a blank is never ambiguous.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Columns that hold whole TPP: pandas' nullable Int64 keeps them exact (never float).
_INT_COLUMNS = (
    "ceiling_tpp", "total_reachable_tpp", "tpp", "delta_tpp", "tier", "order_tpp",
    "tpp_each", "tpp_total", "count", "country_allocation_tpp",
    "allocation_remaining_after_tpp", "lpp_limit_tpp",
)  # fmt: skip


def ceiling_state(p: Any) -> str:
    """Why a pathway's ceiling is (or is not) a number."""
    if p.ceiling_tpp is not None:
        return "value"
    return "unbounded" if p.unbounded else "share-limited"


def _query_rows(r: Any) -> list[dict[str, Any]]:
    t = r.total_reachable
    base = {
        "country": r.country, "country_name": r.country_name, "scenario": r.scenario,
        "as_of": r.as_of, "tier": r.tier, "licence_required": r.licence_required,
        "review_policy": r.review_policy,
    }  # fmt: skip
    tail = {
        "answer_status": r.status.value,
        "total_reachable_tpp": t.tpp,
        "total_reachable_state": "unbounded" if t.unbounded else "value",
    }
    if not r.pathways:
        return [{**base, "pathway": None, "ceiling_state": "no pathway open", **tail}]
    return [
        {
            **base,
            "pathway": p.id,
            "title": p.title,
            "ceiling_state": ceiling_state(p),
            "ceiling_tpp": p.ceiling_tpp,
            "ceiling_h100e": p.ceiling_h100e,
            "ceiling_dense_bf16_pflops": p.ceiling_dense_bf16_pflops,
            "per": p.per,
            "counts_against_country_allocation": p.counts_against_country_allocation,
            "share_limits": "; ".join(p.share_limits),
            "status": p.status.value,
            "citations": "; ".join(p.citations),
            **tail,
        }
        for p in r.pathways
    ]


COMPARE_COLUMNS = (
    "country", "measure", "label", "column", "scenario", "as_of", "value", "state", "tpp",
    "h100e", "status", "delta_tpp", "delta_h100e", "changed", "is_baseline",
)  # fmt: skip


def _compare_rows(c: Any) -> list[dict[str, Any]]:
    rows = []
    for row in c.rows:
        for col in c.columns:
            cell = row.cells[col]
            rows.append(
                {
                    "country": row.country,
                    "measure": row.measure,
                    "label": row.label,
                    "column": col,
                    "scenario": c.column_scenarios.get(col, col),
                    "as_of": c.column_dates.get(col),
                    "value": cell.value,
                    "state": cell.state,
                    "tpp": cell.tpp,
                    "h100e": cell.h100e,
                    "status": cell.status,
                    "delta_tpp": cell.delta_tpp,
                    "delta_h100e": cell.delta_h100e,
                    "changed": cell.changed,
                    "is_baseline": col == c.baseline,
                }
            )
    return rows


def _acquire_rows(a: Any) -> list[dict[str, Any]]:
    head = {"country": a.country, "consignee_hq": a.consignee_hq, "scenario": a.scenario,
            "as_of": a.as_of}  # fmt: skip
    tail = {
        "order_tpp": a.order_tpp, "tier": a.tier, "licence_required": a.licence_required,
        "review_policy": a.review_policy, "route": a.route,
        "route_state": "value" if a.route else "no pathway fits",
        "authorisation": a.authorisation, "licence_application": a.licence_application,
        "counts_against_country_allocation": a.counts_against_country_allocation,
        "country_allocation_tpp": a.country_allocation_tpp,
        "share_of_allocation_pct": a.share_of_allocation_pct,
        "allocation_remaining_after_tpp": a.allocation_remaining_after_tpp,
        "lpp_limit_tpp": a.lpp_limit_tpp, "status": a.status.value,
    }  # fmt: skip
    return [
        {
            **head,
            "count": line.count,
            "chip": line.chip,
            "tpp_each": line.tpp_each,
            "tpp_total": line.tpp_total,
            "eccn": line.eccn,
            **tail,
        }
        for line in a.order
    ]


EXPLAIN_COLUMNS = (
    "country", "scenario", "as_of", "section", "id", "title", "output", "value", "outcome",
    "status", "citation", "requires", "effective", "references",
)  # fmt: skip


def _explain_rows(e: Any) -> list[dict[str, Any]]:
    head = {"country": e.country, "scenario": e.scenario, "as_of": e.as_of}
    rows: list[dict[str, Any]] = []
    for k, v in e.facts.items():
        rows.append({**head, "section": "fact", "id": k,
                     "value": ", ".join(v) if isinstance(v, list) else str(v)})  # fmt: skip
    for f in e.fired:
        rows.append({**head, "section": "applied", "id": f.id, "title": f.title,
                     "output": f.output, "value": f.value, "outcome": f.outcome,
                     "status": f.status.value, "citation": f.citation})  # fmt: skip
    for n in e.not_applied:
        rows.append({**head, "section": "not applicable", "id": n.id, "title": n.title,
                     "output": n.output, "citation": n.citation,
                     "requires": n.requires})  # fmt: skip
    for p in e.parameters_used:
        from .models.parameter import format_exact

        value = (
            ", ".join(p.value) if isinstance(p.value, list) else f"{format_exact(p.value)} {p.unit}"
        )
        rows.append({**head, "section": "parameter", "id": p.id, "title": p.label,
                     "value": value, "status": p.status.value, "effective": p.effective,
                     "references": "; ".join(p.references)})  # fmt: skip
    for c in e.citations:
        rows.append({**head, "section": "citation", "citation": c})
    return rows


def tidy_rows(result: Any) -> list[dict[str, Any]]:
    """The tidy rows of any result model (or a list of them)."""
    from .acquire import AcquireResult
    from .compare import Comparison
    from .models.result import CountryRow, Explanation, QueryResult

    if isinstance(result, list):
        return [row for r in result for row in tidy_rows(r)]
    if isinstance(result, CountryRow):
        return [{**result.to_dict(), "groups": ", ".join(result.groups)}]
    for kind, rows in (
        (QueryResult, _query_rows), (Comparison, _compare_rows),
        (AcquireResult, _acquire_rows), (Explanation, _explain_rows),
    ):  # fmt: skip
        if isinstance(result, kind):
            return rows(result)
    raise TypeError(f"no tidy form for {type(result).__name__}")


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        raise ImportError(
            "to_frame() needs pandas, an optional extra: pip install 'tierscope[pandas]'"
        ) from None
    return pandas


def to_frame(result: Any, columns: Iterable[str] | None = None) -> Any:
    """A pandas DataFrame of `tidy_rows(result)`; whole-TPP columns stay exact (Int64)."""
    pd = _pandas()
    from .compare import Comparison

    rows = tidy_rows(result)
    from .models.result import Explanation

    if columns is None and isinstance(result, Comparison):
        columns = COMPARE_COLUMNS
    if columns is None and isinstance(result, Explanation):
        columns = EXPLAIN_COLUMNS
    df = pd.DataFrame(rows, columns=list(columns) if columns is not None else None)
    for col in _INT_COLUMNS:
        if col in df.columns:
            df[col] = df[col].astype("Int64")
    if "as_of" in df.columns:
        df["as_of"] = pd.to_datetime(df["as_of"])
    if isinstance(result, Comparison):
        df.attrs["tierscope"] = {
            "columns": list(result.columns),
            "column_titles": dict(result.column_titles),
            "baseline": result.baseline,
            "notes": list(result.notes),
        }
    return df


def comparison_from_frame(df: Any) -> Any:
    """The Comparison a `Comparison.to_frame()` came from (the frame's rows and attrs)."""
    from .compare import Cell, Comparison, Row

    pd = _pandas()
    meta = df.attrs.get("tierscope", {})

    def clean(v: Any) -> Any:
        if v is None or v is pd.NA or (isinstance(v, float) and v != v):
            return None
        return v.item() if hasattr(v, "item") else v

    rows: dict[tuple[str, str], dict[str, Any]] = {}
    scen: dict[str, str] = {}
    dates: dict[str, Any] = {}
    for rec in df.to_dict("records"):
        key = (rec["country"], rec["measure"])
        row = rows.setdefault(key, {"label": rec["label"], "cells": {}})
        col = rec["column"]
        scen[col] = rec["scenario"]
        dates[col] = pd.Timestamp(rec["as_of"]).date()
        row["cells"][col] = Cell(
            value=rec["value"], state=rec["state"], tpp=clean(rec["tpp"]),
            h100e=clean(rec["h100e"]), unbounded=rec["state"] == "unbounded",
            available=rec["state"] not in ("not open", "none", "not in force"),
            status=clean(rec["status"]), delta_tpp=clean(rec["delta_tpp"]),
            delta_h100e=clean(rec["delta_h100e"]), changed=bool(rec["changed"]),
        )  # fmt: skip
    columns = meta.get("columns") or list(dict.fromkeys(df["column"]))
    baseline = meta.get("baseline") or next(
        c for c, b in zip(df["column"], df["is_baseline"], strict=True) if b
    )
    return Comparison(
        columns=columns,
        column_titles=meta.get("column_titles", {c: c for c in columns}),
        column_scenarios=scen,
        column_dates=dates,
        baseline=baseline,
        rows=[Row(country=k[0], measure=k[1], **v) for k, v in rows.items()],
        notes=meta.get("notes", []),
    )
