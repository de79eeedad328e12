"""Translations and yardstick comparisons as tables, JSON, CSV and Markdown.

Additive to render.py: every function here takes finished results (QueryResult,
Comparison, Acquisition) and adds the "what it means" columns beside them, so the
formats of query, compare and acquire stay owned by render.py.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .models.common import Status
from .models.result import DealResult, QueryResult
from .plain_console import TableSpec, escape
from .yardsticks import Translation, Translator, sci

if TYPE_CHECKING:
    from rich.console import Console

    from .yardstick_compare import YardstickComparison

TRANSLATION_COLUMNS = (
    "in_chip", "chips", "dense_bf16_flops", "utilisation", "training_flop_per_year",
    "training_flop_window", "deepseek_v3_runs_per_year", "deepseek_v3_run_days", "x_israel_1",
    "translation_status",
)  # fmt: skip


def translation_fields(t: Translation | None) -> dict[str, Any]:
    """Flat CSV/JSON fields of one translation (empty values when unbounded)."""
    if t is None:
        return dict.fromkeys(TRANSLATION_COLUMNS, "")
    return {
        "in_chip": t.chip,
        "chips": round(t.chips, 1),
        "dense_bf16_flops": f"{t.dense_bf16_flops:.4g}",
        "utilisation": t.utilisation,
        "training_flop_per_year": f"{t.training_flop_per_year:.4g}",
        "training_flop_window": f"{t.training_flop_window:.4g}",
        "deepseek_v3_runs_per_year": round(t.runs_per_year, 2),
        "deepseek_v3_run_days": round(t.run_days, 2) if t.tpp else "",
        "x_israel_1": round(t.clusters, 2),
        "translation_status": t.status.value,
    }


def query_translations(r: QueryResult, tr: Translator) -> dict[str, Any]:
    """Every ceiling of one answer translated, keyed by pathway id (+ total, + deals)."""
    return {
        "basis": tr.basis,
        "pathways": {p.id: tr(p.ceiling_tpp, p.status) for p in r.pathways},
        "total_reachable": tr(r.total_reachable.tpp, r.total_reachable.status),
        "deals": [tr(d.tpp, d.status) for d in r.deals],
    }


def _dump(obj: Any) -> Any:
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json")
    if isinstance(obj, dict):
        return {k: _dump(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_dump(v) for v in obj]
    return obj


def query_json_with(text: str, results: Sequence[QueryResult], tr: Translator) -> str:
    """The query JSON (render.query_json) with a `translation` object added to each answer."""
    data = json.loads(text)
    items = data if isinstance(data, list) else [data]
    for item, r in zip(items, results, strict=True):
        item["translation"] = _dump(query_translations(r, tr))
    return json.dumps(data, indent=2, ensure_ascii=False)


def csv_with(text: str, results: Sequence[QueryResult], tr: Translator) -> str:
    """The query CSV (render.query_csv) with the translation columns appended to each row."""
    rows = list(csv.DictReader(io.StringIO(text)))
    by_key = {
        (r.country, r.scenario, p.id): tr(p.ceiling_tpp, p.status)
        for r in results
        for p in r.pathways
    }
    buf = io.StringIO()
    fields = [*(rows[0].keys() if rows else []), *TRANSLATION_COLUMNS]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for row in rows:
        t = by_key.get((row.get("country"), row.get("scenario"), row.get("pathway")))
        w.writerow({**row, **translation_fields(t)})
    return buf.getvalue()


def _line(label: str, t: Translation | None) -> list[str]:
    if t is None:
        return [label, "unbounded", "-", "-", "-", "-", "-"]
    return [
        label,
        f"{t.chips:,.0f}",
        f"{t.dense_bf16_flops / 1e15:,.0f}",
        sci(t.training_flop_per_year),
        f"{t.runs_per_year:,.1f}",
        f"{t.clusters:,.2f}",
        t.status.value,
    ]


def _headers(tr: Translator) -> list[str]:
    b = tr.basis
    return [
        "Ceiling",
        f"{b.chip_name.split(' (')[0].replace('Nvidia ', '')} chips",
        "Dense BF16 PFLOP/s",
        f"Training FLOP/yr @{b.utilisation:.0%}",
        f"{b.run_title} runs/yr",
        f"x {b.cluster_title}",
        "Status",
    ]


def translation_lines(r: QueryResult, tr: Translator) -> list[list[str]]:
    tx = query_translations(r, tr)
    lines = [_line(p.title.split(" (")[0], tx["pathways"][p.id]) for p in r.pathways]
    if r.pathways:
        lines.append(_line("Total reachable", tx["total_reachable"]))
    for d, t in zip(r.deals, tx["deals"], strict=True):
        if t is not None:
            lines.append(_line(f"Deal {d.date} (fact, not law)", t))
    return lines


def print_query_translation(console: Console, r: QueryResult, tr: Translator) -> None:
    lines = translation_lines(r, tr)
    if not lines:
        return
    table = TableSpec(title="  What the ceilings mean",
                  title_justify="left")  # fmt: skip
    for i, h in enumerate(_headers(tr)):
        table.add_column(
            h.replace(" ", "\n", 1) if i in (2, 3, 4) else h,
            justify="left" if i in (0, 6) else "right",
            min_width=22 if i == 0 else None,
            no_wrap=i == 6,
        )
    for line in lines:
        table.add_row(*map(escape, line))
    console.print(table)
    if all(line[1] == "unbounded" for line in lines):
        console.print(
            "  No ceiling to translate: the rules set no cap on this date. Ask a capped regime "
            "(e.g. --scenario framework-2025) or compare yardsticks with `tierscope yardstick`.",
            highlight=False,
        )
    console.print(f"  [dim]{escape(tr.basis.text())}[/dim]", highlight=False)
    console.print()


def print_order_translation(console: Console, t: Translation | None, tr: Translator) -> None:
    """What an order amounts to: chips of the chosen kind, the reference run, the cluster."""
    if t is None or not t.tpp:
        return
    b = tr.basis
    console.print(
        f"  What it means: {t.chips:,.0f} {b.chip_name} by TPP; {t.dense_bf16_flops / 1e15:,.0f} "
        f"dense BF16 PFLOP/s; {sci(t.training_flop_per_year)} training FLOP a year at "
        f"{b.utilisation:.0%}; {b.run_title}'s run would take {t.run_days:,.1f} days on it "
        f"({t.runs_per_year:,.1f} runs a year); {t.clusters:,.2f} x {b.cluster_title} "
        f"[{t.status.value}]",
        highlight=False,
        markup=False,
    )


def md_table(headers: Sequence[str], lines: Sequence[Sequence[str]]) -> list[str]:
    out = ["| " + " | ".join(headers) + " |", "|---|" + "---:|" * (len(headers) - 2) + "---|"]
    out += ["| " + " | ".join(str(c) for c in line) + " |" for line in lines]
    return out


def query_md_translation(results: Sequence[QueryResult], tr: Translator) -> str:
    out: list[str] = []
    for r in results:
        lines = translation_lines(r, tr)
        if not lines:
            continue
        out += [f"#### What the ceilings mean: {r.country_name} ({r.country}), {r.scenario}", ""]
        out += md_table(_headers(tr), lines)
        out += ["", f"_{tr.basis.text()}_", ""]
    return "\n".join(out)


# --------------------------------------------------------------------------- deals in compare


def deal_rows(
    country: str, deals: Sequence[DealResult], ceilings: dict[str, int | None], tr: Translator
) -> list[dict[str, Any]]:
    """Each deal beside the allocation ceilings it exceeds, per compared column."""
    rows = []
    for d in deals:
        exceeds = {
            col: (None if d.tpp is None or cap is None else round(d.tpp / cap, 2))
            for col, cap in ceilings.items()
        }
        t = tr(d.tpp, d.status)
        rows.append({
            "country": country, "date": d.date.isoformat(), "title": d.title, "kind": d.kind,
            "chips": d.chips, "tpp": d.tpp, "h100e": d.h100e, "status": d.status.value,
            "fact_not_law": True, "times_allocation": exceeds,
            "in_chips": None if t is None else round(t.chips, 1),
            "deepseek_v3_runs_per_year": None if t is None else round(t.runs_per_year, 1),
            "x_israel_1": None if t is None else round(t.clusters, 2),
            "citations": d.citations,
        })  # fmt: skip
    return rows


def print_deals(console: Console, rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> None:
    if not rows:
        return
    table = TableSpec(title_justify="left",
        title="Deals and approvals: facts, not law (x = deal TPP / the country allocation)",
    )  # fmt: skip
    table.add_column("Country")
    table.add_column("Date")
    table.add_column("Deal", max_width=46)
    table.add_column("H100e", justify="right")
    for col in columns:
        table.add_column(f"x alloc.\n{col}", justify="right")
    table.add_column("Status")
    for row in rows:
        table.add_row(
            row["country"], row["date"],
            escape(f"{row['title']}" + (f" [{row['chips']}]" if row["chips"] else "")),
            "-" if row["h100e"] is None else f"{row['h100e']:,.0f}",
            *(("-" if (x := row["times_allocation"][c]) is None else f"{x:,.2f}x") for c in columns),
            row["status"],
        )  # fmt: skip
    console.print(table)


def compare_translation_lines(comp, tr: Translator) -> dict[str, list[list[str]]]:
    """Per country: one row per compared column, the total reachable translated."""
    out: dict[str, list[list[str]]] = {}
    for row in comp.rows:
        if row.measure != "total_reachable":
            continue
        lines = out.setdefault(row.country, [])
        for col in comp.columns:
            cell = row.cells[col]
            if not cell.available:
                lines.append([col, cell.value, "-", "-", "-", "-", "-"])
                continue
            st = Status(cell.status) if cell.status else Status.unverified
            lines.append(_line(col, tr(cell.tpp, st) if not cell.unbounded else None))
    return out


def print_compare_translation(console: Console, comp, tr: Translator) -> None:
    headers = _headers(tr)
    headers[0] = "Total reachable under"
    for country, lines in compare_translation_lines(comp, tr).items():
        table = TableSpec(title_justify="left",
                      title=f"{country}: what the total reachable means")  # fmt: skip
        for i, h in enumerate(headers):
            table.add_column(h, justify="left" if i in (0, 6) else "right")
        for line in lines:
            table.add_row(*map(escape, line))
        console.print(table)
    console.print(f"[dim]{escape(tr.basis.text())}[/dim]", highlight=False)


# --------------------------------------------------------------------------- yardstick command


def comparison_lines(c: YardstickComparison) -> list[str]:
    pct = f"{c.ratio:.1%}"
    out = [
        f"{c.cluster} ({c.cluster_chips})  vs  {c.reference_title} ({c.reference_chips})",
        f"Measure: {c.measure_label}",
        f"  This cluster:   {c.cluster_value:,.1f} {c.unit}",
        f"  Reference:      {c.reference_value:,.1f} {c.unit}",
        f"  Ratio:          {pct} of the reference (the reference is {c.inverse:,.2f}x this cluster)",
    ]
    if c.reference_range is not None:
        lo, hi = c.reference_range
        out.append(f"  Against the reference's published range: {lo:.1%} to {hi:.1%}")
    if c.run is not None:
        r = c.run
        own = (
            f" (on its own cluster: {r.on_own_cluster_days:,.1f} days)"
            if r.on_own_cluster_days
            else ""
        )
        out.append(
            f"  {r.workload_title}: {r.gpu_hours:,.0f} {r.gpu_hours_chip} GPU-hours would take "
            f"{r.hours:,.1f} hours = {r.days:,.2f} days on this cluster{own}, at the run's own "
            f"efficiency; {c.runs_per_year:,.1f} such runs a year"
        )
    if c.growth is not None:
        g = c.growth
        out.append(
            f"  Growth: frontier demand doubles every {g.demand_doubling_months:g} months "
            f"[{g.demand_source}]; algorithmic gain {g.algorithmic_gain:g}x a year [{g.algorithmic_source}]"
        )
        for y in g.years:
            runs = (
                ""
                if y.runs_equivalent is None
                else f"; {y.runs_equivalent:,.1f} run-equivalents a year"
            )
            out.append(
                f"    year +{y.year}: {y.share_of_reference:.2%} of a reference that grows with demand{runs}"
            )
    out.append(f"  Status: {c.status.value}")
    out += [f"  [{i}] {t}" for i, t in enumerate(c.citations, start=1)]
    return out


def comparison_md(cs: Sequence[YardstickComparison]) -> str:
    out = []
    for c in cs:
        lines = comparison_lines(c)
        out += [f"### {lines[0]}", ""] + [f"- {line.strip()}" for line in lines[1:]] + [""]
    return "\n".join(out)


COMPARISON_COLUMNS = (
    "cluster", "cluster_chips", "reference", "reference_chips", "measure", "unit",
    "cluster_value", "reference_value", "ratio", "inverse", "run_days", "runs_per_year", "status",
)  # fmt: skip


def comparison_csv(cs: Sequence[YardstickComparison]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COMPARISON_COLUMNS, lineterminator="\n")
    w.writeheader()
    for c in cs:
        d = c.model_dump(mode="json")
        w.writerow({
            **{k: d[k] for k in COMPARISON_COLUMNS if k in d},
            "run_days": None if c.run is None else round(c.run.days, 3),
        })  # fmt: skip
    return buf.getvalue()


# --------------------------------------------------------------------------- routes (pathways)


def route_translations(routes: Sequence[Any], tr: Translator) -> dict[str, Translation | None]:
    """Each open route's gain (TPP) read as chips, FLOP, runs and clusters, by route id.
    Duck-typed on `tierscope pathways` results: `.id`, `.gain.tpp`, `.status`."""
    out: dict[str, Translation | None] = {}
    for r in routes:
        gain = getattr(r, "gain", None)
        tpp = getattr(gain, "tpp", None)
        out[r.id] = tr(tpp, r.status) if tpp and tpp > 0 else None
    return out


def pathways_json_with(text: str, routes: Sequence[Any], tr: Translator) -> str:
    """The pathways JSON with `translation` (basis, and per route id) added."""
    data = json.loads(text)
    data["translation"] = {
        "basis": _dump(tr.basis),
        "routes": _dump(route_translations(routes, tr)),
    }
    return json.dumps(data, indent=2, ensure_ascii=False)


def print_route_translation(console: Console, routes: Sequence[Any], tr: Translator) -> None:
    """What each open route's gain means, as a small table after the routes."""
    lines = [
        _line(r.title.split(" (")[0], t)
        for r in routes
        if (t := route_translations([r], tr)[r.id]) is not None
    ]
    if not lines:
        return
    table = TableSpec(title="What the gains mean",
                  title_justify="left")  # fmt: skip
    for i, h in enumerate(["Route (gain)", *_headers(tr)[1:]]):
        table.add_column(h, justify="left" if i in (0, 6) else "right", no_wrap=i == 6)
    for line in lines:
        table.add_row(*map(escape, line))
    console.print(table)
    console.print(f"[dim]{escape(tr.basis.text())}[/dim]", highlight=False)
