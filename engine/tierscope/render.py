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
from typing import Any

from pydantic import BaseModel
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from .models.result import PathwayResult, QueryResult


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
    "pathway", "title", "ceiling_tpp", "ceiling_h100e", "ceiling_dense_bf16_pflops",
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
            rows.append({**base, "pathway": "", "status": r.status.value})
        for p in r.pathways:
            rows.append({
                **base, "pathway": p.id, "title": p.title, "ceiling_tpp": p.ceiling_tpp,
                "ceiling_h100e": p.ceiling_h100e,
                "ceiling_dense_bf16_pflops": p.ceiling_dense_bf16_pflops, "per": p.per,
                "counts_against_country_allocation": p.counts_against_country_allocation,
                "share_limits": "; ".join(p.share_limits), "status": p.status.value,
                "citations": "; ".join(p.citations),
            })  # fmt: skip
    return rows


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
        table = Table(show_lines=False, pad_edge=False, box=box.SIMPLE_HEAD)
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
                f"  Deal (a fact, not a rule) {d.date} {d.kind}{amount} - {d.title} [{d.status.value}]",
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
    console: Console, r: QueryResult, facts: dict[str, Any], group_sources: list[str]
) -> None:
    r, facts, group_sources = literal(r), literal(facts), literal(group_sources)
    if r.banner:
        console.print(f"[bold yellow]{r.banner}[/bold yellow]", highlight=False)
    console.print(
        f"[bold]Why: {r.country_name} ({r.country}) under {r.scenario_title}, as of {r.as_of}[/bold]"
    )
    console.print("\n[bold]Facts[/bold]")
    for k, v in facts.items():
        shown = ", ".join(sorted(v)) if isinstance(v, (set, frozenset)) else v
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
        value = ", ".join(p.value) if isinstance(p.value, list) else f"{p.value:,} {p.unit}"
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


def _compare_cell_text(cell, is_base: bool) -> str:
    if not cell.available:
        return cell.value
    text = f"{cell.h100e:,.0f}" if cell.h100e is not None else cell.value
    if is_base:
        return text
    if cell.delta_h100e is not None:
        if cell.delta_h100e:
            text += f"\n({cell.delta_h100e:+,.0f})"
    elif cell.changed:
        text += "\n(changed)"
    return text


def _two_lines(name: str) -> str:
    """Break a long scenario id at the hyphen nearest its middle, for narrow columns."""
    if len(name) <= 12 or "-" not in name:
        return name
    cuts = [i for i, ch in enumerate(name) if ch == "-"]
    i = min(cuts, key=lambda c: abs(c - len(name) / 2))
    return name[: i + 1] + "\n" + name[i + 1 :]


def print_compare_table(console: Console, comp) -> None:
    """Rows = measures, columns = scenarios; numbers in H100e with deltas vs the baseline."""
    comp = literal(comp)
    countries = sorted({r.country for r in comp.rows}, key=[r.country for r in comp.rows].index)
    for country in countries:
        table = Table(
            title=f"{country}: ceilings in H100e (TPP / H100 TPP); deltas against {comp.baseline}",
            box=box.SIMPLE_HEAD,
            pad_edge=False,
            title_justify="left",
        )
        table.add_column("Measure", max_width=30)
        for col in comp.columns:
            mark = "\n(baseline)" if col == comp.baseline else ""
            table.add_column(_two_lines(col) + mark, justify="right", overflow="fold")
        for row in (r for r in comp.rows if r.country == country):
            label = row.label.replace(" (TPP)", "")
            table.add_row(
                label,
                *(_compare_cell_text(row.cells[c], c == comp.baseline) for c in comp.columns),
            )
        console.print(table)
    for n in comp.notes:
        console.print(f"[yellow]Note:[/yellow] {n}", highlight=False)
    console.print(
        "[dim]'-' = pathway not open; 'unbounded' = no cap in the rule; exact TPP, statuses and "
        "deltas in TPP: --format csv or json.[/dim]"
    )


def compare_csv(comp) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "country",
            "measure",
            "label",
            "column",
            "value",
            "tpp",
            "h100e",
            "status",
            "delta_tpp",
            "delta_h100e",
            "changed",
            "baseline",
        ]
    )
    for row in comp.rows:
        for col in comp.columns:
            c = row.cells[col]
            w.writerow(
                [
                    row.country,
                    row.measure,
                    row.label,
                    col,
                    c.value,
                    c.tpp,
                    c.h100e,
                    c.status,
                    c.delta_tpp,
                    c.delta_h100e,
                    c.changed,
                    comp.baseline,
                ]
            )
    return buf.getvalue()


def compare_md(comp) -> str:
    out = [f"Deltas against `{comp.baseline}`; ceilings in H100e.", ""]
    for country in sorted({r.country for r in comp.rows}):
        out.append(f"### {country}")
        out.append("")
        out.append("| Measure | " + " | ".join(comp.columns) + " |")
        out.append("|---|" + "---:|" * len(comp.columns))
        for row in (r for r in comp.rows if r.country == country):
            cells = [
                _compare_cell_text(row.cells[c], c == comp.baseline).replace("\n", " ")
                for c in comp.columns
            ]
            out.append(f"| {row.label.replace(' (TPP)', '')} | " + " | ".join(cells) + " |")
        out.append("")
    out.extend(f"- Note: {n}" for n in comp.notes)
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
    t = Table(box=box.SIMPLE_HEAD, pad_edge=False)
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
