"""Present `pathways` reports and goal searches: rich table, JSON, CSV, Markdown.

The JSON of `pathways` (a PathwaysReport) and of `pathways --target` (a GoalResult) is
a contract documented in README.md; the CSV has one row per route (or per route set).
"""

from __future__ import annotations

import csv
import io
import json

from rich import box
from rich.console import Console
from rich.table import Table

from .goal_search import GoalResult
from .route_report import PathwaysReport, RouteResult

ROUTE_COLUMNS = (
    "country", "scenario", "as_of", "route", "title", "state", "unmet", "entity",
    "gain_tpp", "gain_h100e", "gain_chips", "chip", "gain_text", "licensed_tpp", "effect", "opens",
    "closes", "status", "citations",
)  # fmt: skip


def _gain_cells(r: RouteResult) -> tuple[str, str, str]:
    if r.gain is None:
        return "-", "-", "-"
    g = r.gain
    if g.tpp is None:
        return g.text, "-", "-"
    return f"{g.tpp:+,}", f"{g.h100e:+,.1f}", f"{g.chips:+,}"


def route_rows(rep: PathwaysReport) -> list[dict[str, object]]:
    rows = []
    for r in rep.routes:
        rows.append(
            {
                "country": rep.country,
                "scenario": rep.scenario,
                "as_of": rep.as_of.isoformat(),
                "route": r.id,
                "title": r.title,
                "state": r.state,
                "unmet": "; ".join(r.unmet),
                "entity": r.entity or "",
                "gain_tpp": "" if r.gain is None or r.gain.tpp is None else r.gain.tpp,
                "gain_h100e": "" if r.gain is None or r.gain.h100e is None else r.gain.h100e,
                "gain_chips": "" if r.gain is None or r.gain.chips is None else r.gain.chips,
                "chip": rep.chip,
                "gain_text": "" if r.gain is None else r.gain.text,
                "licensed_tpp": "" if r.licensed_tpp is None else r.licensed_tpp,
                "effect": "; ".join(r.effect),
                "opens": "; ".join(r.opens),
                "closes": "; ".join(r.closes),
                "status": r.status.value,
                "citations": "; ".join(r.citations),
            }
        )
    return rows


def pathways_json(rep: PathwaysReport | GoalResult) -> str:
    return json.dumps(rep.model_dump(mode="json"), indent=2, ensure_ascii=False)


def pathways_csv(rep: PathwaysReport) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(ROUTE_COLUMNS), lineterminator="\n")
    w.writeheader()
    w.writerows(route_rows(rep))
    return buf.getvalue()


def _md_cell(v: object) -> str:
    return str(v).replace("|", "\\|").replace("\n", " ")


def pathways_md(rep: PathwaysReport) -> str:
    head = (
        f"## Routes for {rep.country_name} ({rep.country}), {rep.scenario_title}, "
        f"as of {rep.as_of}\n\n"
        f"Baseline total reachable: {_total_text(rep.baseline_total_tpp, rep.baseline_total_h100e)}\n\n"
    )
    cols = [
        "route", "state", "gain (TPP)", "gain (H100e)", f"gain ({rep.chip})",
        "unmet / opens", "status", "citations",
    ]  # fmt: skip
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rep.routes:
        tpp, h, c = _gain_cells(r)
        what = "; ".join(r.unmet) if r.state == "closed" else "; ".join(r.opens)
        cells = [
            f"{r.id}: {r.title}",
            r.state,
            tpp,
            h,
            c,
            what,
            r.status.value,
            "; ".join(r.citations),
        ]
        lines.append("| " + " | ".join(_md_cell(x) for x in cells) + " |")
    return head + "\n".join(lines) + "\n\n" + "\n".join(f"- {n}" for n in rep.notes)


def _total_text(tpp: int | None, h100e: float | None) -> str:
    return "unbounded" if tpp is None else f"{tpp:,} TPP ≈ {h100e:,.1f} H100e"


def _set_text(s) -> str:
    text = _total_text(s.total_tpp, s.total_h100e)
    if s.up_to_tpp != s.total_tpp:
        more = "unbounded" if s.up_to_tpp is None else f"{s.up_to_tpp:,} TPP"
        text += f" (up to {more} if BIS grants the discretionary increase)"
    return text


def print_pathways(console: Console, rep: PathwaysReport) -> None:
    if rep.banner:
        console.print(f"[bold yellow]{rep.banner}[/bold yellow]", highlight=False)
    console.print(
        f"[bold]{rep.country_name} ({rep.country})[/bold]  |  {rep.scenario_title} "
        f"[dim]({rep.scenario})[/dim]  |  as of {rep.as_of}  |  Tier {rep.tier if rep.tier is not None else '-'}"
    )
    console.print(
        f"  Baseline total reachable: {_total_text(rep.baseline_total_tpp, rep.baseline_total_h100e)} "
        f"[dim]({rep.window})[/dim]",
        highlight=False,
    )
    table = Table(pad_edge=False, box=box.SIMPLE_HEAD)
    table.add_column("Route", max_width=46)
    table.add_column("State", no_wrap=True)
    table.add_column("Gain TPP", justify="right", no_wrap=True)
    table.add_column("≈ H100e", justify="right", no_wrap=True)
    table.add_column(f"≈ {rep.chip}", justify="right", no_wrap=True)
    table.add_column("Needs (unmet) / opens", max_width=60, overflow="fold")
    table.add_column("Status", no_wrap=True)
    cites: list[str] = []
    for r in rep.routes:
        tpp, h, c = _gain_cells(r)
        marks = []
        for cit in r.citations:
            if cit not in cites:
                cites.append(cit)
            marks.append(f"[{cites.index(cit) + 1}]")
        if r.state == "closed":
            what = "\n".join(f"needs: {u}" for u in r.unmet)
        else:
            what = "\n".join(f"opens: {o}" for o in r.opens) or "-"
            if r.gain is not None and r.gain.up_to_h100e is not None:
                what += (
                    f"\nup to {r.gain.up_to_h100e:+,.1f} H100e if BIS grants the "
                    "discretionary increase"
                )
            for lic in r.licensed:
                what += f"\nlicensed: {lic}"
        if r.entity:
            what += f"\nwhose status: {r.entity}"
        what += "".join(f"\neffect: {e}" for e in r.effect)
        table.add_row(
            f"{r.id}\n{r.title} {' '.join(marks)}",
            r.state,
            tpp,
            h,
            c,
            what,
            r.status.value,
        )
    console.print(table, markup=False, highlight=False)
    for i, cit in enumerate(cites, start=1):
        console.print(f"  [{i}] {cit}", markup=False, highlight=False)
    for n in rep.notes:
        console.print(f"  [dim]{n}[/dim]", highlight=False)


def goal_rows(g: GoalResult) -> list[dict[str, object]]:
    sets = g.sets if g.reachable else ([g.best] if g.best else [])
    return [
        {
            "country": g.country,
            "scenario": g.scenario,
            "by": g.by.isoformat(),
            "target_tpp": g.target_tpp,
            "reachable": g.reachable,
            "routes": " + ".join(s.routes) or "(none)",
            "total_tpp": "unbounded" if s.total_tpp is None else s.total_tpp,
            "total_h100e": "unbounded" if s.total_h100e is None else s.total_h100e,
            "up_to_tpp": "unbounded" if s.up_to_tpp is None else s.up_to_tpp,
            "shortfall_tpp": "" if g.shortfall_tpp is None else g.shortfall_tpp,
        }
        for s in sets
    ]


def goal_csv(g: GoalResult) -> str:
    rows = goal_rows(g)
    buf = io.StringIO()
    fields = list(rows[0]) if rows else ["country"]
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue()


def goal_md(g: GoalResult) -> str:
    rows = goal_rows(g)
    out = [
        f"## Goal: {g.target} (= {g.target_tpp:,} TPP ≈ {g.target_h100e:,.1f} H100e) for "
        f"{g.country} by {g.by} under {g.scenario}",
        "",
        f"**{'reachable' if g.reachable else 'unreachable'}**: {g.note}",
        "",
    ]
    if rows:
        out.append("| " + " | ".join(rows[0]) + " |")
        out.append("|" + "---|" * len(rows[0]))
        out.extend("| " + " | ".join(_md_cell(v) for v in r.values()) + " |" for r in rows)
    return "\n".join(out)


def print_goal(console: Console, g: GoalResult) -> None:
    console.print(
        f"[bold]Goal[/bold]: {g.target} = {g.target_tpp:,} TPP ≈ {g.target_h100e:,.1f} H100e "
        f"for {g.country} by {g.by} under {g.scenario}",
        highlight=False,
    )
    console.print(
        f"  Without routes: {_total_text(g.baseline_tpp, g.baseline_h100e)}", highlight=False
    )
    if g.reachable:
        console.print(f"  [bold green]Reachable[/bold green]: {g.note}", highlight=False)
        for s in g.sets:
            console.print(
                f"    {' + '.join(s.routes) or '(no route)'}: {_set_text(s)}",
                highlight=False,
            )
    else:
        console.print(f"  [bold red]Unreachable[/bold red]: {g.note}", highlight=False)
        if g.best is not None:
            console.print(
                f"    best set: {' + '.join(g.best.routes) or '(no route)'}: {_set_text(g.best)}",
                highlight=False,
            )
        if g.shortfall_tpp is not None:
            console.print(
                f"    shortfall: {g.shortfall_tpp:,} TPP ≈ {g.shortfall_h100e:,.1f} H100e",
                highlight=False,
            )
    console.print(
        f"  [dim]Searched {g.sets_evaluated:,} set(s) of up to {g.max_routes} route(s) among: "
        f"{', '.join(g.candidates) or 'none'}"
        + (f"; left out: {', '.join(g.excluded)}" if g.excluded else "")
        + ("; discretionary increases counted as granted" if g.up_to else "")
        + ("; stopped at the limit" if g.stopped_at_limit else "")
        + "[/dim]",
        highlight=False,
    )
