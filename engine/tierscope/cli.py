"""The `tierscope` command line (typer). Every user error exits with a documented code
and a one-line message, never a traceback (set TIERSCOPE_DEBUG=1 to see one)."""

import datetime as dt
import errno
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from .consoles import make_console, query_console
from .errors import EXIT_CODES_HELP, EXIT_OUTPUT, EXIT_USAGE, TierscopeError
from .query_command import (  # noqa: F401  (re-exported: cli_yardsticks and tests use them)
    _CONTROL,
    _FOLDERS,
    _OUTPUT_ERRNOS,
    _check_assumptions,
    _fail,
    _internal,
    _output_failed,
    _prepare_streams,
    _project,
    _recursion_failed,
    _translator,
    parse_assume,
    parse_date,
    run_query,
)
from .render import OutputFormat, literal, print_explain
from .service import DEFAULT_SCENARIO
from .vocabulary import DEFAULT_ITEM

app = typer.Typer(
    name="tierscope",
    help=(
        "Answer what a country can acquire in advanced AI chips (ECCN 3A090.a/4A090.a) under "
        "US export-control regimes: its tier, licence picture and the ceiling of every pathway, "
        "each traced to the rule and citation behind it. Without --scenario every command "
        "answers current-law: the law in force on the date asked.\n\n"
        "Examples:\n\n"
        "  tierscope query Israel\n\n"
        "  tierscope query il --scenario framework-2025 --as-of 2025-03-01 --format json\n\n"
        "  tierscope explain ISR --scenario framework-2025 --as-of 2025-03-01\n\n"
        "  tierscope countries --scenario framework-2025 --as-of 2025-03-01 --tier 1\n\n"
        "  tierscope compare Israel\n\n"
        '  tierscope acquire Israel --chips "1000 x B200" --scenario framework-2025 --as-of 2025-03-01\n\n'
        "  tierscope pathways Israel -s framework-2025 --target 100000 --by 2027-12-31\n\n"
        "  tierscope check\n\n"
        "  tierscope sweep --monthly 2024-01-01..2026-12-01 > world.jsonl\n\n" + EXIT_CODES_HELP
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


# Piped or redirected tables get a readable width instead of rich's 80 columns: the one
# console of the process, which `query` prints on too (consoles.py).
out = query_console()

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

ItemOpt = Annotated[
    str,
    typer.Option(
        "--item",
        help="What is exported: 3A090.a (AI chips, default) or 4E091 (model weights; framework only).",
    ),
]

AssumeOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--assume",
        "-a",
        help=(
            "Override an assumption of total reachable compute, KEY=INT (repeatable): "
            "lpp_consignees_per_year, window_years, nveu_count, uveu_fleet_h100e."
        ),
    ),
]


WithOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--with",
        "-w",
        help=(
            "Take a route (repeatable; see `tierscope pathways COUNTRY`), on the as-of date, "
            "on top of the scenario: --with g2g-arrangement --with nveu. A route whose "
            "preconditions fail is an error naming them."
        ),
    ),
]
InChipOpt = Annotated[
    str | None,
    typer.Option(
        "--in",
        help="Chip kind the ceilings are also counted in (any catalogue name, e.g. B200, GB300; "
        "default H100).",
        show_default=False,
    ),
]
UtilisationOpt = Annotated[
    float | None,
    typer.Option(
        "--utilisation",
        help="Share of peak dense BF16 throughput a training run achieves, for training FLOP "
        "(default: the cited value in rules/yardsticks/training-utilisation.yaml).",
    ),
]


@app.callback()
def _options(
    rules: Annotated[
        Path | None,
        typer.Option(
            "--rules",
            help="Use this rules folder instead of the shipped one (your own regimes, "
            "parameters and scenarios; validate it first with `tierscope check DIR`).",
            file_okay=False,
        ),
    ] = None,
    countries: Annotated[
        Path | None,
        typer.Option(
            "--countries",
            help="Use this countries folder instead of the shipped one.",
            file_okay=False,
        ),
    ] = None,
) -> None:
    """Options that apply to every command."""
    _FOLDERS.clear()
    for key, value in (("rules", rules), ("countries", countries)):
        if value is not None:
            try:
                found = value.is_dir()
            except OSError as exc:  # e.g. a name longer than the system allows
                raise TierscopeError(f"--{key} {str(value)[:80]!r}: {exc.strerror}") from None
            if not found:
                raise TierscopeError(f"--{key} {str(value)[:80]!r}: not a folder")
            _FOLDERS[key] = value


@app.command()
def query(
    country: CountryArg,
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
    assume: AssumeOpt = None,
    with_: WithOpt = None,
    item: ItemOpt = DEFAULT_ITEM,
    in_chip: InChipOpt = None,
    utilisation: UtilisationOpt = None,
) -> None:
    """Tier, licence picture, pathway ceilings and total reachable compute, under the law in
    force on the date unless --scenario names another regime or scenario, and what they
    mean: chips of a chosen kind, dense BF16 FLOP/s, training FLOP, DeepSeek-V3 runs a year
    and Israel-1s.

    Examples: tierscope query Israel; tierscope query IL --scenario framework-2025 --as-of 2025-03-01;
    tierscope query IL --scenario framework-2025+israel-arrangement --assume nveu_count=1;
    tierscope query Israel --scenario framework-2025 --as-of 2025-03-01 --item 4E091;
    tierscope query Israel -s framework-2025 --as-of 2025-06-01 --with g2g-arrangement --with nveu;
    tierscope query IL --scenario framework-2025 --in B200 --utilisation 0.35
    """
    run_query(
        country,
        scenario,
        as_of,
        format,
        assume,
        with_,
        item,
        in_chip,
        utilisation,
        make_project=_project,  # looked up here: tests replace cli._project
    )


@app.command()
def explain(
    country: Annotated[str, typer.Argument(help="Country as name, alpha-2 or alpha-3 code.")],
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
    item: ItemOpt = DEFAULT_ITEM,
) -> None:
    """Why: the facts, the provisions that applied (and which were overridden), those in
    force whose conditions did not hold (why not), the parameters used with their sources,
    and the citations.

    Example: tierscope explain Israel --scenario framework-2025 --as-of 2025-03-01
    """
    from .api import Session

    e = Session(project=_project()).explain(country, scenario, parse_date(as_of), item)
    if format is OutputFormat.json:
        print(json.dumps(e.to_dict(), indent=2, ensure_ascii=False))
    elif format is OutputFormat.csv:
        from .render import explain_csv

        sys.stdout.write(explain_csv(e))
    elif format is OutputFormat.md:
        from .render import explain_md

        print(explain_md(e))
    else:
        # redirected: as wide as the text, so no citation or source is folded or cropped
        print_explain(_unfolded(), e, e.facts, e.group_sources)


@app.command()
def countries(
    tier: Annotated[
        int | None, typer.Option("--tier", "-t", min=1, max=3, help="Only this tier.")
    ] = None,
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
) -> None:
    """List countries with their tier and EAR country groups on a date (default: today).

    Example: tierscope countries --scenario framework-2025 --as-of 2025-03-01 --tier 1
    """
    from .api import Session

    day = parse_date(as_of)
    session = Session(project=_project())
    rows = session.countries(tier, scenario, day).to_dict()
    world = session.project.world(scenario)
    banner = session.project.law_on(world, day).banner
    if banner and format is OutputFormat.table:
        out.print(f"[bold yellow]{banner}[/bold yellow]", highlight=False)
    _print_rows(rows, format, title=f"{world.title}, as of {day}")


@app.command()
def scenarios() -> None:
    """List the shipped regimes and scenarios. Combine them with '+'
    (framework-2025+israel-arrangement) or pass your own file (./my-scenario.yaml)."""
    project = _project()
    rb = project.rulebase
    for sid in project.scenario_ids():
        if sid in rb.regimes:
            out.print(
                f"[bold]{literal(sid)}[/bold]  (regime)  {literal(rb.regimes[sid].header.title)}"
            )
        else:
            sc = rb.scenarios[sid]
            base = f"base {sc.base}" if sc.base else "regimes by date"
            out.print(f"[bold]{literal(sid)}[/bold]  ({literal(base)})  {literal(sc.title)}")


@app.command()
def compare(
    country: CountryArg,
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario", "-s", help="Scenario to compare (repeatable; default: all shipped)."
        ),
    ] = None,
    as_of: Annotated[
        list[str] | None,
        typer.Option("--as-of", help="Date, YYYY-MM-DD (repeatable; default today)."),
    ] = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            "--baseline", "-b", help="Scenario the deltas are against (default current-law)."
        ),
    ] = None,
    format: FormatOpt = OutputFormat.table,
    assume: AssumeOpt = None,
    with_: WithOpt = None,
    measure: Annotated[
        list[str] | None,
        typer.Option(
            "--measure",
            "-m",
            help="Only these measures (repeatable): tier, licence, review, total, or a "
            "pathway id such as country_allocation or lpp. Default: all.",
        ),
    ] = None,
    in_chip: InChipOpt = None,
    utilisation: UtilisationOpt = None,
) -> None:
    """Countries x scenarios (x dates) in one grid, with deltas against a baseline, what
    the totals mean (chips, DeepSeek-V3 runs, Israel-1s) and the deals beside the ceilings.

    Examples: tierscope compare Israel; tierscope compare Israel India Germany -s framework-2025
    -s israel-arrangement --baseline framework-2025 --measure total; tierscope compare IL
    --as-of 2024-06-01 --as-of 2025-03-01 --as-of 2026-06-01 -s current-law;
    tierscope compare Israel --with g2g-arrangement
    --with nveu (each scenario next to itself with the routes taken on the earliest date;
    default scenario: the regime the first route exists in)
    """
    from .api import Session
    from .grid import compare_markdown, compare_text, measure_ids

    assumptions = parse_assume(assume)
    dates = [parse_date(d) for d in as_of] if as_of else None
    project = _project()
    names = scenario
    if with_:
        from .routes import get_routes, with_routes

        _check_assumptions(project, assumptions)
        first = min(dates) if dates else dt.date.today()
        names = [
            col
            for s in (scenario or [get_routes(project, with_)[0].regimes[0]])
            for col in (s, with_routes(project, s, with_, country, first, assumptions))
        ]
        baseline = baseline or names[0]
    comp = Session(project=project).compare(country, names, dates, baseline, assumptions)
    from .compare_extras import compare_extras_csv, compare_extras_json, compare_extras_md

    tr = _translator(project, in_chip, utilisation)  # None: no yardsticks, no extras
    if format is OutputFormat.json:
        text = json.dumps(comp.to_dict(), indent=2, ensure_ascii=False)
        print(compare_extras_json(text, project, comp, tr, assumptions) if tr else text)
    elif format is OutputFormat.csv:
        from .render import compare_csv

        sys.stdout.write(compare_csv(comp, measure_ids(comp, measure)))
        if tr:
            sys.stdout.write(compare_extras_csv(project, comp, tr, assumptions))
    elif format is OutputFormat.md:
        sys.stdout.write(compare_markdown(comp, measure))
        if tr:
            print(compare_extras_md(project, comp, tr, assumptions))
    else:
        import shutil

        from .compare_extras import print_compare_extras

        width = shutil.get_terminal_size().columns if sys.stdout.isatty() else None
        sys.stdout.write(compare_text(comp, measure, width))
        if tr:  # redirected: as wide as the text, never cropped
            wide = _unfolded()
            print_compare_extras(wide, project, comp, tr, assumptions)


def monthly(span: str) -> list[dt.date]:
    """`2024-01-01..2026-12-01` -> that day of every month from the first date to the last."""
    first, sep, last = span.partition("..")
    if not sep:
        raise TierscopeError(f"--monthly {span!r}: use FROM..TO, e.g. 2024-01-01..2026-12-01")
    start, end = parse_date(first), parse_date(last)
    if start.day > 28:
        raise TierscopeError(f"--monthly {span!r}: start on day 1 to 28, so every month has it")
    if end < start:
        raise TierscopeError(f"--monthly {span!r}: the last date is before the first")
    days = []
    y, m = start.year, start.month
    while (y, m, start.day) <= (end.year, end.month, end.day):
        days.append(dt.date(y, m, start.day))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return days


@app.command()
def sweep(
    country: Annotated[
        list[str] | None,
        typer.Argument(help="Countries (default: every country).", show_default=False),
    ] = None,
    scenario: Annotated[
        list[str] | None,
        typer.Option("--scenario", "-s", help="Scenario (repeatable; default: all shipped)."),
    ] = None,
    as_of: Annotated[
        list[str] | None,
        typer.Option("--as-of", help="Date, YYYY-MM-DD (repeatable)."),
    ] = None,
    monthly_span: Annotated[
        str | None,
        typer.Option("--monthly", help="Every month from..to, e.g. 2024-01-01..2026-12-01."),
    ] = None,
) -> None:
    """Every (scenario, date, country) answer as JSON Lines: one compact `query` JSON object
    per line, scenarios outermost, then dates, then countries. A question the rules cannot
    answer (a scenario not yet in force) is a line with an "error" key instead.

    Example: tierscope sweep --monthly 2024-01-01..2026-12-01 > world.jsonl
    """
    from .sweep import sweep as run_sweep

    project = _project()
    dates = [parse_date(d) for d in as_of or []]
    if monthly_span:
        dates.extend(monthly(monthly_span))
    if not dates:
        dates = [dt.date.today()]
    names = scenario or project.scenario_ids()
    sys.stdout.flush()
    write = sys.stdout.buffer.write  # the lines are UTF-8 bytes already
    batch: list[bytes] = []
    for line in run_sweep(project, names, dates, country or None):
        batch.append(line)
        if len(batch) >= 512:
            batch.append(b"")
            write(b"\n".join(batch))
            batch.clear()
    if batch:
        batch.append(b"")
        write(b"\n".join(batch))
    sys.stdout.buffer.flush()


@app.command()
def acquire(
    country: Annotated[str, typer.Argument(help="Destination country (name, alpha-2 or alpha-3).")],
    chips: Annotated[
        str,
        typer.Option(
            "--chips", "-c", help='The order, e.g. "1000 x B200" or "500 x H100, 200 x MI300X".'
        ),
    ],
    consignee_hq: Annotated[
        str | None,
        typer.Option(
            "--consignee-hq",
            help="Where the consignee (or its parent) is headquartered (default: the destination).",
        ),
    ] = None,
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    lpp_used: Annotated[
        int,
        typer.Option(
            "--lpp-used",
            min=0,
            help="TPP this consignee already received under LPP this calendar year.",
        ),
    ] = 0,
    allocation_used: Annotated[
        int,
        typer.Option(
            "--allocation-used", min=0, help="TPP of the country allocation already licensed."
        ),
    ] = 0,
    veu: Annotated[
        str,
        typer.Option("--veu", help="The consignee holds a VEU authorisation: none, nveu or uveu."),
    ] = "none",
    format: FormatOpt = OutputFormat.table,
    with_: WithOpt = None,
    in_chip: InChipOpt = None,
    utilisation: UtilisationOpt = None,
) -> None:
    """Can this order ship? Licence, route (exception, allocation, VEU), share of the allocation.

    Example: tierscope acquire Israel --chips "1000 x B200" --as-of 2025-06-01 --scenario framework-2025
    """
    from .acquire import Veu
    from .acquire import acquire as run_acquire
    from .render import print_acquire

    try:
        veu_kind = Veu(veu.lower())
    except ValueError:
        raise TierscopeError(f"--veu {veu!r}: use none, nveu or uveu") from None
    if lpp_used >= 2**62 or allocation_used >= 2**62:
        raise TierscopeError("--lpp-used/--allocation-used must be below 2**62 TPP")
    project = _project()
    day = parse_date(as_of)
    if with_:
        from .routes import with_routes

        scenario = with_routes(project, scenario, with_, [country], day)
    result = run_acquire(
        project,
        country,
        chips,
        scenario,
        day,
        consignee_hq,
        lpp_used,
        allocation_used,
        veu_kind,
    )
    from .yardstick_render import _dump, translation_fields

    tr = _translator(project, in_chip, utilisation)
    order_tx = tr(result.order_tpp, result.status) if tr else None
    if format is OutputFormat.json:
        import json

        data = json.loads(result.model_dump_json())
        if tr:
            data["translation"] = {"basis": _dump(tr.basis), "order": _dump(order_tx)}
        print(json.dumps(data, indent=2, ensure_ascii=False))
    elif format in (OutputFormat.csv, OutputFormat.md):
        # one tidy row per order line; `route_state` says "no pathway fits" instead of a blank
        from .frames import tidy_rows

        rows = [
            {**row, **{f"order_{k}": v for k, v in translation_fields(order_tx).items()}}
            for row in tidy_rows(result)
        ]
        if format is OutputFormat.csv:
            import csv

            w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]), lineterminator="\n")
            w.writeheader()
            w.writerows(rows)
        else:
            print("| " + " | ".join(rows[0]) + " |")
            print("|" + "---|" * len(rows[0]))
            for r in rows:
                print("| " + " | ".join("" if v is None else str(v) for v in r.values()) + " |")
    else:
        from .yardstick_render import print_order_translation

        print_acquire(out, result)
        if tr:
            print_order_translation(out, order_tx, tr)


@app.command()
def pathways(
    country: Annotated[str, typer.Argument(help="Country as name, alpha-2 or alpha-3 code.")],
    scenario: ScenarioOpt = DEFAULT_SCENARIO,
    as_of: AsOfOpt = None,
    format: FormatOpt = OutputFormat.table,
    assume: AssumeOpt = None,
    chip: Annotated[
        str, typer.Option("--chip", help="Also count gains in this chip (default B200).")
    ] = "B200",
    target: Annotated[
        str | None,
        typer.Option(
            "--target",
            help='Goal search: H100e to reach ("100000") or a chip order ("20000 x B200").',
        ),
    ] = None,
    by: Annotated[
        str | None,
        typer.Option(
            "--by", help="Goal search: the date to reach the target by (default --as-of)."
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            help="Goal search: leave this route out (repeatable), e.g. --exclude tier1-listing.",
        ),
    ] = None,
    up_to: Annotated[
        bool,
        typer.Option(
            "--up-to",
            help="Goal search: count increases the rule allows at the government's discretion "
            '("may be increased up to 100%") as granted in full.',
        ),
    ] = False,
    max_routes: Annotated[
        int,
        typer.Option(
            "--max-routes", help="Goal search: at most this many routes in one set (1-5)."
        ),
    ] = 3,
) -> None:
    """Routes between tiers: every route, open or closed, what it needs (unmet preconditions
    in words), what it opens or closes, its gain in total reachable compute (TPP, H100e,
    chips) on the date against the scenario without it, its status and citations; open
    routes ranked by gain. Routes are data in rules/pathways/ (see rules/README.md).

    Goal search (--target, --by): tries sets of routes by increasing size, 1, 2, ... up to
    --max-routes (default 3, at most 5), and returns every set of the smallest size whose
    total reachable compute on the --by date reaches the target (largest total first); a
    set counts only if each of its routes is open once the others are taken (an arrangement
    opens NVEU). Candidates are the routes that exist under the law in force on that date.
    The search evaluates at most 1,000 sets and says so if it stops there; if no set
    reaches the target it answers "unreachable" with the best set found and the shortfall.
    Totals are the certain ceilings unless --up-to; --exclude leaves routes out.

    Examples: tierscope pathways Israel -s framework-2025 --as-of 2025-06-01;
    tierscope pathways Israel -s framework-2025+israel-inss-politics;
    tierscope pathways Israel -s framework-2025 --target 100000 --by 2027-12-31;
    tierscope pathways Israel -s framework-2025 --target 100000 --by 2027-12-31 --exclude tier1-listing;
    tierscope pathways Israel -s framework-2025 --target "20000 x B200" --by 2027-12-31 -f json
    """
    from .route_render import (
        goal_csv,
        goal_md,
        pathways_csv,
        pathways_json,
        pathways_md,
        print_goal,
        print_pathways,
    )

    assumptions = parse_assume(assume)
    project = _project()
    _check_assumptions(project, assumptions)
    if target is not None:
        from .goal_search import goal_search

        g = goal_search(
            project,
            country,
            scenario,
            parse_date(by or as_of),
            target,
            assumptions,
            max_routes=max_routes,
            exclude=exclude or [],
            up_to=up_to,
        )
        _emit(format, g, pathways_json, goal_csv, goal_md, print_goal)
        return
    if by is not None:
        raise TierscopeError("--by goes with --target (the goal search); use --as-of otherwise")
    from .route_report import pathways_report

    rep = pathways_report(project, country, scenario, parse_date(as_of), assumptions, chip)
    _emit(format, rep, pathways_json, pathways_csv, pathways_md, print_pathways)


def _unfolded() -> Console:
    """The terminal console, or, when redirected, one as wide as the text: nothing folded or cropped."""
    return out if sys.stdout.isatty() else make_console(width=100_000, emoji=False, highlight=False)


def _emit(format: OutputFormat, result, as_json, as_csv, as_md, print_table) -> None:
    """Print one result in the chosen format (csv text already ends with its newline)."""
    if format is OutputFormat.json:
        print(as_json(result))
    elif format is OutputFormat.csv:
        sys.stdout.write(as_csv(result))
    elif format is OutputFormat.md:
        print(as_md(result))
    else:
        print_table(out, result)


@app.command()
def check(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help=(
                "Folders to check: a project folder holding rules/ and countries/, a rules "
                "folder (checked with the shipped countries), or a countries folder (checked "
                "with the shipped rules), or a scenario file. Default: the shipped files."
            ),
            show_default=False,
        ),
    ] = None,
    format: Annotated[
        OutputFormat, typer.Option("--format", "-f", help="table/md (text, default) or json.")
    ] = OutputFormat.table,
) -> None:
    """Check rule, parameter, scenario and country files for consistency.

    Finds unknown or duplicate keys, bad dates, missing citations, dangling references,
    exception cycles, provisions that conflict (with a witness: the facts under which both
    apply), provisions that can never apply, and tier gaps or overlaps. One line per finding
    as file:line: level: message, then a summary. Exit 0 clean, 1 findings, 2 unusable input.

    Examples: tierscope check; tierscope check ./my-rules; tierscope check ./my-scenario.yaml
    """
    from .check import Report, run_check, scenario_findings

    # `tierscope --rules DIR --countries DIR check` checks those folders, not the shipped ones
    default = _project()
    shipped_rules, shipped_countries = default.rules_dir, default.countries_dir
    targets: list[tuple[Path, Path, Path | None]] = []
    for raw in paths or []:
        p = Path(raw).expanduser()
        try:
            p.is_file()
        except OSError as exc:
            raise TierscopeError(f"cannot read {raw[:80]!r}: {exc.strerror}") from None
        if p.is_file():
            targets.append((shipped_rules, shipped_countries, p))
        elif (p / "rules").is_dir():
            countries_dir = p / "countries" if (p / "countries").is_dir() else shipped_countries
            targets.append((p / "rules", countries_dir, None))
        elif p.is_dir() and p.name == "countries":
            targets.append((shipped_rules, p, None))
        elif p.is_dir():
            targets.append((p, shipped_countries, None))
        else:
            raise TierscopeError(f"nothing to check at {raw[:80]}: not a file or folder")
    if not targets:
        targets.append((shipped_rules, shipped_countries, None))
    reports: list[Report] = []
    for rules_dir, countries_dir, scenario_file in targets:
        report = run_check(rules_dir, countries_dir)
        if scenario_file is not None:
            report = scenario_findings(report, scenario_file, rules_dir, countries_dir)
        reports.append(report)
    code = max(r.exit_code for r in reports)
    if format is OutputFormat.json:
        import json

        print(
            json.dumps(
                [r.to_dict() for r in reports] if len(reports) > 1 else reports[0].to_dict(),
                indent=2,
            )
        )
    else:
        for r in reports:
            print(r.to_text())
    raise typer.Exit(code)


@app.command("test")
def test_cases(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="YAML files of legal cases (see tests/cases/ for examples).", show_default=False
        ),
    ],
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List passing cases too.")
    ] = False,
) -> None:
    """Run legal cases: each states a country, scenario, date, what the law says the
    answer is, and its source. Prints file:line for every expectation not met.
    Exit 0 all pass, 1 some fail, 2 a file cannot be read.

    Example: tierscope test my-cases.yaml
    """
    from .api import Session
    from .cases import run_file

    session = Session(project=_project())
    outcomes = []
    for f in files:
        outcomes.extend(run_file(f, session))
    for o in outcomes:
        if not o.passed:
            for line in o.lines():
                print(line)
            if o.source:
                print(f"  source of the expectation: {o.source}")
        elif verbose:
            print(f"{o.path}:{o.line}: ok: {o.name}")
    failed = sum(not o.passed for o in outcomes)
    print(f"{len(outcomes)} cases: {len(outcomes) - failed} passed, {failed} failed")
    raise typer.Exit(1 if failed else 0)


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

        t = Table(title=literal(title), pad_edge=False)
        for col in rows[0] if rows else ["country"]:
            t.add_column(col)
        for r in rows:
            t.add_row(
                *(literal(", ".join(v) if isinstance(v, list) else str(v)) for v in r.values())
            )
        out.print(t)
        out.print(f"{len(rows)} countries")


def main(argv: list[str] | None = None) -> None:
    """Console entry point: user errors -> one line + exit code; bugs -> exit 70."""
    if sys.stdout is None:
        _fail("standard output is closed: nothing can be printed", EXIT_OUTPUT)
    _prepare_streams()
    try:
        code = _run(argv)
        sys.stdout.flush()
    except OSError as exc:
        if exc.errno in _OUTPUT_ERRNOS:
            _output_failed(exc)
        code = _internal(exc)
    raise SystemExit(code)


def _run(argv: list[str] | None) -> int:
    try:
        rv = app(args=argv, prog_name="tierscope", standalone_mode=False)
    except typer.Abort:
        _fail("aborted", EXIT_USAGE)
    except TierscopeError as exc:
        _fail(exc.message, exc.exit_code)
    except SystemExit as exc:
        if type(sys.stdout).__name__ == "PacifyFlushWrapper":
            # typer's answer to a closed pipe (it exits 1, which is `check`'s findings code)
            _output_failed(BrokenPipeError(errno.EPIPE, "Broken pipe"))
        raise exc
    except KeyboardInterrupt:
        raise
    except RecursionError:
        _recursion_failed()
    except OSError:
        raise
    except Exception as exc:
        # click's usage errors (typer may vendor click, so match by shape, not by class)
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            if type(exc).__name__ == "NoArgsIsHelpError":
                app(args=["--help"], prog_name="tierscope")  # prints help and exits 0
            ctx = getattr(exc, "ctx", None)
            command = f"{ctx.command_path} --help" if ctx is not None else "tierscope --help"
            _fail(f"{exc.format_message()} (see {command})", EXIT_USAGE)
        _internal(exc)  # a bug: say so plainly, keep the traceback for debugging
    return rv if isinstance(rv, int) else 0


from . import cli_yardsticks  # noqa: E402, F401  (registers `yardstick` and `report`)
