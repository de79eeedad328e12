"""The `tierscope` command line (typer). Every user error exits with a documented code
and a one-line message, never a traceback (set TIERSCOPE_DEBUG=1 to see one)."""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from .errors import EXIT_CODES_HELP, EXIT_INTERNAL, TierscopeError
from .render import (
    OutputFormat,
    print_explain,
    print_query_table,
    query_csv,
    query_json,
    query_md,
)
from .service import DEFAULT_SCENARIO, Project

app = typer.Typer(
    name="tierscope",
    help=(
        "Answer what a country can acquire in advanced AI chips (ECCN 3A090.a/4A090.a) under "
        "US export-control regimes: its tier, licence picture and the ceiling of every pathway, "
        "each traced to the rule and citation behind it.\n\n"
        "Examples:\n\n"
        "  tierscope query Israel\n\n"
        "  tierscope query il --as-of 2025-06-01 --format json\n\n"
        "  tierscope explain ISR\n\n"
        "  tierscope countries --tier 1\n\n" + EXIT_CODES_HELP
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

# Piped or redirected tables get a readable width instead of rich's 80 columns.
out = Console(width=None if sys.stdout.isatty() else 140)
err = Console(stderr=True)

CountryArg = Annotated[
    list[str],
    typer.Argument(
        help="Country as name, alpha-2 or alpha-3 code, any case (e.g. Israel, IL, ISR).",
        show_default=False,
    ),
]
ScenarioOpt = Annotated[
    str, typer.Option("--scenario", "-s", help="Regime or scenario id (see `tierscope scenarios`).")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Date the law is read on, YYYY-MM-DD (default: today)."),
]
FormatOpt = Annotated[
    OutputFormat, typer.Option("--format", "-f", help="table (default), json, csv or md.")
]


def parse_date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise TierscopeError(f"invalid date {text!r}: use YYYY-MM-DD, e.g. 2025-06-01") from None


def _project() -> Project:
    return Project.shipped()


@app.command()
def query(
    country: CountryArg,
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
) -> None:
    """Tier, licence picture and pathway ceilings for one or more countries.

    Example: tierscope query Israel --scenario framework-2025 --as-of 2025-06-01
    """
    day = parse_date(as_of)
    project = _project()
    results = [project.query(c, scenario, day) for c in country]
    if format is OutputFormat.json:
        print(query_json(results))
    elif format is OutputFormat.csv:
        sys.stdout.write(query_csv(results))
    elif format is OutputFormat.md:
        print(query_md(results))
    else:
        notes = []
        world = project.world(scenario)
        for d in world.regime.header.key_dates:
            if "compliance" in d.label.lower() and day < d.date:
                notes.append(
                    f"{d.label}: {d.date} ({d.citation}); on {day} compliance was not yet required."
                )
        print_query_table(out, results, notes)


@app.command()
def explain(
    country: Annotated[str, typer.Argument(help="Country as name, alpha-2 or alpha-3 code.")],
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
) -> None:
    """Why: the facts, the provisions that applied (and which were overridden),
    the parameters used with their sources, and the citations.

    Example: tierscope explain Israel --as-of 2025-06-01
    """
    day = parse_date(as_of)
    project = _project()
    ev = project.evaluate(country, scenario, day)
    from .service import build_result

    r = build_result(ev)
    if format is OutputFormat.json:
        print(
            r.model_dump_json(
                indent=2,
                include={
                    "country",
                    "scenario",
                    "as_of",
                    "fired",
                    "parameters_used",
                    "citations",
                    "groups",
                    "status",
                },
            )
        )
        return
    src = [ref.title for ref in ev.country.groups.references]
    src.append(f"status of the group snapshot: {ev.country.groups.status.value}")
    print_explain(out, r, ev.inputs, src)


@app.command()
def countries(
    tier: Annotated[
        int | None, typer.Option("--tier", "-t", min=1, max=3, help="Only this tier.")
    ] = None,
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
) -> None:
    """List countries with their tier and EAR country groups on a date.

    Example: tierscope countries --tier 1
    """
    day = parse_date(as_of)
    project = _project()
    world = project.world(scenario)
    from .evaluate import evaluate

    rows = []
    for code in world.countries:
        ev = evaluate(world, world.countries[code], day)
        t = ev.value("tier")
        if tier is None or t == tier:
            rows.append(
                {
                    "country": code,
                    "name": ev.country.name,
                    "tier": t,
                    "licence_required": bool(ev.value("licence_required")),
                    "groups": sorted(ev.inputs["groups"]),
                }
            )
    _print_rows(rows, format, title=f"{world.title}, as of {day}")


@app.command()
def scenarios() -> None:
    """List the shipped regimes and scenarios."""
    project = _project()
    for sid in project.scenario_ids():
        w = project.world(sid)
        out.print(f"[bold]{sid}[/bold]  {w.title}")


def _print_rows(rows: list[dict], format: OutputFormat, title: str) -> None:
    import csv
    import json

    if format is OutputFormat.json:
        print(json.dumps(rows, indent=2))
    elif format is OutputFormat.csv:
        w = csv.DictWriter(
            sys.stdout, fieldnames=list(rows[0]) if rows else ["country"], lineterminator="\n"
        )
        w.writeheader()
        for r in rows:
            w.writerow({k: (" ".join(v) if isinstance(v, list) else v) for k, v in r.items()})
    elif format is OutputFormat.md:
        if rows:
            print("| " + " | ".join(rows[0]) + " |")
            print("|" + "---|" * len(rows[0]))
            for r in rows:
                print(
                    "| "
                    + " | ".join(
                        ", ".join(v) if isinstance(v, list) else str(v) for v in r.values()
                    )
                    + " |"
                )
    else:
        from rich.table import Table

        t = Table(title=title, pad_edge=False)
        for col in rows[0] if rows else ["country"]:
            t.add_column(col)
        for r in rows:
            t.add_row(*(", ".join(v) if isinstance(v, list) else str(v) for v in r.values()))
        out.print(t)
        out.print(f"{len(rows)} countries")


def _fail(message: str, code: int) -> NoReturn:
    err.print(f"tierscope: error: {message}", markup=False, highlight=False)
    raise SystemExit(code)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors -> one line + exit code; bugs -> exit 70."""
    try:
        app(args=argv, prog_name="tierscope")
    except TierscopeError as exc:
        _fail(exc.message, exc.exit_code)
    except (SystemExit, KeyboardInterrupt):
        raise
    except Exception as exc:  # a bug: say so plainly, keep the traceback for debugging
        if os.environ.get("TIERSCOPE_DEBUG"):
            raise
        _fail(
            f"internal error ({type(exc).__name__}: {exc}); rerun with TIERSCOPE_DEBUG=1 and report it",
            EXIT_INTERNAL,
        )
