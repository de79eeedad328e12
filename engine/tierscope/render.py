"""Present stage: results as rich tables, JSON, CSV or Markdown.

JSON is the contract analysts pipe (see README); tables are for reading. Every figure
shows its unit, and every value that is not primary-sourced is marked with its status.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from enum import Enum
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .models.parameter import format_exact
from .models.result import Explanation, PathwayResult, QueryResult
from .plain_console import TableSpec, escape

if TYPE_CHECKING:  # rich is imported only where a rich table is built (not for query)
    from rich.console import Console


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"
    md = "md"


def literal(value: Any) -> Any:
    """`value` with every string escaped for rich markup, so user text (a title, a note,
    a citation such as `[/] closing` or `[bold]`) is printed as written, never styled or
    parsed. Models are copied, never changed."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return escape(value)
    if isinstance(value, BaseModel):
        return value.model_copy(
            update={k: literal(getattr(value, k)) for k in type(value).model_fields}
        )
    if isinstance(value, list | tuple):
        return type(value)(literal(v) for v in value)
    if isinstance(value, dict):
        return {literal(k): literal(v) for k, v in value.items()}
    if isinstance(value, frozenset | set):
        return type(value)(literal(v) for v in value)
    return value


def fmt_num(v: float | None, digits: int = 1) -> str:
    return "-" if v is None else f"{v:,.{digits}f}"


def ceiling_text(p: PathwayResult) -> str:
    if p.ceiling_tpp is not None and p.ceiling_up_to_tpp is not None:
        return f"{p.ceiling_tpp:,} TPP (may be raised up to {p.ceiling_up_to_tpp:,})"
    if p.ceiling_tpp is not None:
        return f"{p.ceiling_tpp:,} TPP"
    if p.share_limits:
        return "share of each UVEU's compute: " + ", ".join(
            s.rsplit(": ", 1)[-1] for s in p.share_limits
        )
    return "unbounded"


def query_json(results: Sequence[QueryResult]) -> str:
    data = [r.model_dump(mode="json") for r in results]
    return json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False)


PATHWAY_COLUMNS = (
    "country", "scenario", "as_of", "tier", "licence_required", "review_policy",
    "pathway", "title", "ceiling_state", "ceiling_tpp", "ceiling_h100e", "ceiling_dense_bf16_pflops",
    "per", "counts_against_country_allocation", "share_limits", "status", "citations",
)  # fmt: skip


def _pathway_rows(results: Sequence[QueryResult]) -> list[dict[str, Any]]:
    rows = []
    for r in results:
        base = {
            "country": r.country, "scenario": r.scenario, "as_of": r.as_of.isoformat(),
            "tier": r.tier, "licence_required": r.licence_required,
            "review_policy": r.review_policy,
        }  # fmt: skip
        if not r.pathways:
            rows.append(
                {
                    **base,
                    "pathway": "",
                    "ceiling_state": "no pathway open",
                    "status": r.status.value,
                }
            )
        for p in r.pathways:
            rows.append({
                **base, "pathway": p.id, "title": p.title, "ceiling_state": ceiling_state(p),
                "ceiling_tpp": p.ceiling_tpp,
                "ceiling_h100e": p.ceiling_h100e,
                "ceiling_dense_bf16_pflops": p.ceiling_dense_bf16_pflops, "per": p.per,
                "counts_against_country_allocation": p.counts_against_country_allocation,
                "share_limits": "; ".join(p.share_limits), "status": p.status.value,
                "citations": "; ".join(p.citations),
            })  # fmt: skip
    return rows


def ceiling_state(p: PathwayResult) -> str:
    """Why a ceiling cell is (or is not) a number: never a bare blank in CSV."""
    from .frames import ceiling_state as state

    return state(p)


def query_csv(results: Sequence[QueryResult]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=PATHWAY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in _pathway_rows(results):
        w.writerow(row)
    return buf.getvalue()


def query_md(results: Sequence[QueryResult]) -> str:
    out: list[str] = []
    for r in results:
        out.append(f"### {r.country_name} ({r.country}) - {r.scenario_title}, as of {r.as_of}")
        out.append("")
        out.append(f"- Tier: **{r.tier if r.tier is not None else 'n/a'}**")
        out.append(
            f"- Licence required (3A090.a/4A090.a): **{'yes' if r.licence_required else 'no'}**"
        )
        out.append(
            f"- Review policy: {r.review_policy or '-'}"
            + (f" ({r.review_detail})" if r.review_detail else "")
        )
        out.append(f"- EAR country groups on that date: {', '.join(r.groups) or 'none listed'}")
        out.append("")
        out.append(
            "| Pathway | Ceiling | H100e | Dense BF16 PFLOP/s | Per | Counts against allocation | Status | Citation |"
        )
        out.append("|---|---:|---:|---:|---|---|---|---|")
        for p in r.pathways:
            out.append(
                f"| {p.title} | {ceiling_text(p)} | {fmt_num(p.ceiling_h100e)} | "
                f"{fmt_num(p.ceiling_dense_bf16_pflops)} | {p.per} | "
                f"{'yes' if p.counts_against_country_allocation else 'no'} | {p.status.value} | "
                f"{'; '.join(p.citations)} |"
            )
        if not r.pathways:
            out.append(
                "| (no pathway: exports are not authorised without a licence) | | | | | | | |"
            )
        out.append("")
    return "\n".join(out)


def print_query_table(
    console: Console, results: Sequence[QueryResult], notes: Sequence[str]
) -> None:
    results, notes = literal(list(results)), literal(list(notes))
    for r in results:
        if r.banner:
            console.print(f"[bold yellow]{r.banner}[/bold yellow]", highlight=False)
        console.print(
            f"[bold]{r.country_name} ({r.country})[/bold]  |  {r.scenario_title} "
            f"[dim]({r.scenario})[/dim]  |  as of {r.as_of}"
            + (f"  |  law in force: {r.regime_in_force}" if r.regime_in_force else "")
        )
        console.print(
            f"  Tier [bold]{r.tier if r.tier is not None else 'none (no tiers in this regime)'}[/bold]   "
            f"Licence required for {'3A090.a/4A090.a' if r.item == '3A090.a' else r.item}: "
            f"[bold]{'yes' if r.licence_required else 'no'}[/bold]   "
            f"Review: [bold]{r.review_policy or '-'}[/bold]"
        )
        if r.review_detail:
            console.print(f"  [dim]{r.review_detail}[/dim]")
        console.print(f"  EAR country groups: {', '.join(r.groups) or 'none listed'}")
        cites: list[str] = []
        table = TableSpec()
        table.add_column("Pathway", max_width=44)
        table.add_column("Ceiling", justify="right", max_width=24)
        table.add_column("≈ H100e", justify="right", no_wrap=True)
        table.add_column("Per")
        table.add_column("Counts vs\nallocation")
        table.add_column("Status", no_wrap=True)
        table.add_column("Cite", no_wrap=True)
        for p in r.pathways:
            marks = []
            for c in p.citations:
                if c not in cites:
                    cites.append(c)
                marks.append(f"[{cites.index(c) + 1}]")
            table.add_row(
                p.title,
                ceiling_text(p),
                fmt_num(p.ceiling_h100e),
                p.per,
                "yes" if p.counts_against_country_allocation else "no",
                p.status.value,
                " ".join(marks),
            )
        if r.pathways:
            console.print(table)
            for i, c in enumerate(cites, start=1):
                console.print(f"  \\[{i}] {c}", highlight=False)
        else:
            console.print("  [bold]No pathway[/bold]: no licence exception or VEU route applies.")
        t = r.total_reachable
        if t.tpp is None:
            console.print(
                f"  Total reachable: [bold]unbounded[/bold] (no cap on: {', '.join(t.unbounded_by)})"
            )
        else:
            console.print(
                f"  Total reachable: [bold]{t.tpp:,} TPP[/bold] ≈ {t.h100e:,.1f} H100e ≈ "
                f"{t.dense_bf16_pflops:,.0f} dense BF16 PFLOP/s ({t.status.value}; {t.window})"
            )
        for term in t.terms:
            console.print(f"    {term.pathway}: {term.formula}", highlight=False)
        for ex in t.excluded:
            console.print(f"    not added: {ex}", highlight=False)
        if t.assumptions:
            console.print(
                "    assumptions (change with --assume KEY=N): "
                + ", ".join(f"{a.id.split('.', 1)[1]}={a.value}" for a in t.assumptions),
                highlight=False,
            )
        for d in r.deals:
            amount = f": {d.chips} = {d.tpp:,} TPP ≈ {d.h100e:,.0f} H100e" if d.tpp else ""
            console.print(
                f"  Deal (a fact, not a rule) {d.date} {d.kind}{amount} - {d.title} \\[{d.status.value}]",
                highlight=False,
            )
        for w in r.warnings:
            if w != r.banner:
                console.print(f"  [yellow]Caution:[/yellow] {w}", highlight=False)
        console.print(
            f"  [dim]H100e = TPP / {r.h100_tpp.value:,} (TPP of one H100, {r.h100_tpp.status.value}); "
            f"dense BF16 FLOP/s = TPP/16 x 10^12. Answer status: {r.status.value}"
            + (f" (weakest input: {r.status_reason.split(': ', 1)[1]})" if r.status_reason else "")
            + ". "
            f"`tierscope explain {r.country} --scenario {r.scenario}` shows the rules.[/dim]"
        )
        console.print()
    for n in notes:
        console.print(f"[yellow]Note:[/yellow] {n}")


def print_explain(
    console: Console, r: QueryResult | Explanation, facts: dict[str, Any], group_sources: list[str]
) -> None:
    from rich.table import Table

    r, facts, group_sources = literal(r), literal(facts), literal(group_sources)
    if r.banner:
        console.print(f"[bold yellow]{r.banner}[/bold yellow]", highlight=False)
    console.print(
        f"[bold]Why: {r.country_name} ({r.country}) under {r.scenario_title}, as of {r.as_of}[/bold]"
    )
    console.print("\n[bold]Facts[/bold]")
    for k, v in facts.items():
        shown = ", ".join(sorted(v)) if isinstance(v, (set, frozenset, list)) else v
        console.print(f"  {k} = {shown}")
    for s in group_sources:
        console.print(f"  [dim]groups source: {s}[/dim]")
    console.print(
        "\n[bold]Provisions that applied[/bold] (durable-rules matched; default logic resolved)"
    )
    t = Table(pad_edge=False)
    t.add_column("Provision", overflow="fold", min_width=34)
    for col in ("Output", "Value", "Outcome", "Status", "Citation"):
        t.add_column(col, overflow="fold")
    for f in r.fired:
        t.add_row(
            f"{f.id}\n[dim]{f.title}[/dim]",
            f.output,
            f.value,
            f.outcome,
            f.status.value,
            f.citation,
        )
    console.print(t)
    if r.not_applied:
        console.print("\n[bold]In force but not applicable[/bold] (why not)")
        t3 = Table(pad_edge=False)
        t3.add_column("Provision", overflow="fold", min_width=34)
        t3.add_column("Output", overflow="fold")
        t3.add_column("Requires", overflow="fold")
        t3.add_column("Citation", overflow="fold")
        for n in r.not_applied:
            t3.add_row(f"{n.id}\n[dim]{n.title}[/dim]", n.output, n.requires, n.citation)
        console.print(t3)
    console.print("\n[bold]Parameters used[/bold]")
    t2 = Table(pad_edge=False)
    t2.add_column("Parameter", overflow="fold", min_width=34)
    for col in ("Value", "In force from", "Status", "Source"):
        t2.add_column(col, overflow="fold")
    for p in r.parameters_used:
        value = (
            ", ".join(p.value) if isinstance(p.value, list) else f"{format_exact(p.value)} {p.unit}"
        )
        t2.add_row(
            f"{p.id}\n[dim]{p.label}[/dim]",
            value,
            str(p.effective),
            p.status.value,
            "\n".join(p.references),
        )
    console.print(t2)
    console.print("\n[bold]Citations[/bold]")
    for c in r.citations:
        console.print(f"  - {c}")


def compare_csv(comp, measures: Sequence[str] | None = None) -> str:
    """One tidy row per (country, measure, column): the full values, with a `state`
    column that says "unbounded", "not open" or "not in force" instead of a blank."""
    from .frames import COMPARE_COLUMNS, tidy_rows

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COMPARE_COLUMNS, lineterminator="\n")
    w.writeheader()
    keep = set(measures) if measures else None
    for row in tidy_rows(comp):
        if keep is None or row["measure"] in keep:
            w.writerow(row)
    return buf.getvalue()


def explain_csv(e) -> str:
    """`explain` as tidy CSV: one row per fact, provision, parameter and citation."""
    from .frames import EXPLAIN_COLUMNS, tidy_rows

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=EXPLAIN_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(tidy_rows(e))
    return buf.getvalue()


def _md(text: object) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def explain_md(e) -> str:
    """`explain` as Markdown: full text of every provision, parameter and citation."""
    out = [f"### Why: {_md(e.country_name)} ({e.country}) under {_md(e.scenario_title)}, "
           f"as of {e.as_of}", ""]  # fmt: skip
    if e.banner:
        out += [f"> {_md(e.banner)}", ""]
    out += ["**Facts**", ""]
    for k, v in e.facts.items():
        out.append(f"- {k} = {', '.join(v) if isinstance(v, list) else v}")
    out.extend(f"- groups source: {_md(s)}" for s in e.group_sources)
    out += ["", "**Provisions that applied**", "",
            "| Provision | Title | Output | Value | Outcome | Status | Citation |",
            "|---|---|---|---|---|---|---|"]  # fmt: skip
    for f in e.fired:
        out.append(f"| {f.id} | {_md(f.title)} | {f.output} | {_md(f.value)} | {f.outcome} | "
                   f"{f.status.value} | {_md(f.citation)} |")  # fmt: skip
    if e.not_applied:
        out += ["", "**In force but not applicable** (why not)", "",
                "| Provision | Title | Output | Requires | Citation |",
                "|---|---|---|---|---|"]  # fmt: skip
        for n in e.not_applied:
            out.append(f"| {n.id} | {_md(n.title)} | {n.output} | {_md(n.requires)} | "
                       f"{_md(n.citation)} |")  # fmt: skip
    out += ["", "**Parameters used**", "",
            "| Parameter | Label | Value | In force from | Status | Source |",
            "|---|---|---|---|---|---|"]  # fmt: skip
    for p in e.parameters_used:
        value = (
            ", ".join(p.value) if isinstance(p.value, list) else f"{format_exact(p.value)} {p.unit}"
        )
        out.append(f"| {p.id} | {_md(p.label)} | {_md(value)} | {p.effective} | "
                   f"{p.status.value} | {_md('; '.join(p.references))} |")  # fmt: skip
    out += ["", "**Citations**", ""]
    out.extend(f"- {_md(c)}" for c in e.citations)
    return "\n".join(out)


def print_acquire(console: Console, a) -> None:
    a = literal(a)
    if a.banner:
        console.print(f"[bold yellow]{a.banner}[/bold yellow]", highlight=False)
    console.print(
        f"[bold]{a.country_name} ({a.country})[/bold], consignee headquartered in {a.consignee_hq}  |  "
        f"{a.scenario_title} [dim]({a.scenario})[/dim]  |  as of {a.as_of}"
        f"  |  law in force: {a.regime_in_force}"
    )
    t = TableSpec()
    for col in ("Chips", "TPP each", "TPP total", "ECCN", "Status"):
        t.add_column(col, justify="right" if "TPP" in col else "left")
    for line in a.order:
        t.add_row(
            f"{line.count:,} x {line.chip_name}",
            f"{line.tpp_each:,}",
            f"{line.tpp_total:,}",
            line.eccn,
            line.status.value,
        )
    console.print(t)
    console.print(
        f"  3A090.a total: [bold]{a.order_tpp:,} TPP[/bold] (≈ {a.order_h100e:,.1f} H100e)"
    )
    console.print(
        f"  Tier: {a.tier if a.tier is not None else 'n/a'}   Licence required: "
        f"[bold]{'yes' if a.licence_required else 'no'}[/bold]   Review: {a.review_policy or '-'}"
    )
    console.print(
        f"  Route: [bold]{a.route_title}[/bold]" + (f" [dim]({a.route})[/dim]" if a.route else "")
    )
    console.print(
        f"  Authorisation: [bold]{a.authorisation}[/bold]   Licence application: "
        f"{'yes' if a.licence_application else 'no'}",
        highlight=False,
    )
    if a.country_allocation_tpp:
        counted = "counts" if a.counts_against_country_allocation else "does not count"
        console.print(
            f"  Country allocation: {a.country_allocation_tpp:,} TPP; this order is "
            f"{a.share_of_allocation_pct}% of it and {counted} against it; remaining after: "
            f"{a.allocation_remaining_after_tpp:,} TPP (used before: {a.allocation_used_before_tpp:,})."
        )
    if a.lpp_limit_tpp:
        console.print(
            f"  LPP limit: {a.lpp_limit_tpp:,} TPP per consignee per calendar year "
            f"(used before this order: {a.lpp_used_before_tpp:,})."
        )
    for e in a.explanation:
        console.print(f"  - {e}", highlight=False)
    for o in a.obligations:
        console.print(f"  Condition: {o}", highlight=False)
    for w in a.warnings:
        if w != a.banner:
            console.print(f"  [yellow]Caution:[/yellow] {w}", highlight=False)
    console.print(
        f"  [dim]Status: {a.status.value}. Citations: {'; '.join(a.citations)}[/dim]",
        highlight=False,
    )
