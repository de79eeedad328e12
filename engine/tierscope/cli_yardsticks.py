"""The `yardstick` and `report` commands (registered on the CLI app by cli.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .cli import AsOfOpt, FormatOpt, _project, app, out, parse_assume, parse_date
from .errors import TierscopeError
from .render import OutputFormat
from .service import DEFAULT_SCENARIO


@app.command()
def yardstick(
    cluster: Annotated[
        str,
        typer.Argument(
            help='A cluster or order ("1500 x H100", "1000 x B200, 200 x H100"), a quantity '
            '("49,899 H100e", "790000000 TPP") or a yardstick id (israel-1).',
            show_default=False,
        ),
    ],
    vs: Annotated[
        list[str] | None,
        typer.Option(
            "--vs",
            help="Reference yardstick id (repeatable; default deepseek-v3). `--vs all` compares "
            "with every cluster and run in rules/yardsticks.",
        ),
    ] = None,
    measure: Annotated[
        str,
        typer.Option(
            "--measure",
            "-m",
            help="tpp (default: peak dense TPP, the 3A090 measure), bf16 or fp8 (peak dense "
            "TFLOP/s from the chip catalogue).",
        ),
    ] = "tpp",
    demand_doubling_months: Annotated[
        float | None,
        typer.Option(
            "--demand-doubling-months",
            help="Project year by year against a frontier whose compute doubles every N months "
            "(cited default 6: INSS, Feb 2025). Turns the projection on.",
        ),
    ] = None,
    algorithmic_gain: Annotated[
        float | None,
        typer.Option(
            "--algorithmic-gain",
            help="Yearly algorithmic efficiency gain for the projection (cited default 3: INSS, "
            "Feb 2025). Turns the projection on.",
        ),
    ] = None,
    growth: Annotated[
        bool,
        typer.Option("--growth", help="Project with both cited growth defaults."),
    ] = False,
    years: Annotated[
        int, typer.Option("--years", min=1, max=20, help="Years to project (default 4).")
    ] = 4,
    format: FormatOpt = OutputFormat.table,
) -> None:
    """Compare a cluster or order with reference runs and clusters, both ways.

    Says which measure is used: "1500 x H100" is 73.2% of DeepSeek-V3's 2,048 H800 by peak
    dense TPP, and DeepSeek-V3's run would take 77 days on it. Yardsticks are cited data in
    rules/yardsticks/ (`tierscope yardstick --vs all israel-1` lists them against Israel-1).

    Examples: tierscope yardstick "1500 x H100" --vs deepseek-v3;
    tierscope yardstick "49,899 H100e" --vs deepseek-v3 --measure bf16;
    tierscope yardstick israel-national-built --vs deepseek-fleet --growth
    """
    from .yardstick_compare import compare_yardstick
    from .yardstick_render import comparison_csv, comparison_lines, comparison_md
    from .yardsticks import Measure, growth_inputs, load_yardsticks, parse_cluster

    try:
        m = Measure(measure.lower())
    except ValueError:
        raise TierscopeError(f"--measure {measure!r}: use tpp, bf16 or fp8") from None
    project = _project()
    ys = load_yardsticks(project.rules_dir)
    refs = vs or ["deepseek-v3"]
    if [r.lower() for r in refs] == ["all"]:
        refs = [y for y in ys if ys[y].kind != "rate"]
    g = None
    if growth or demand_doubling_months is not None or algorithmic_gain is not None:
        g = growth_inputs(ys, demand_doubling_months, algorithmic_gain, years)
    from .yardsticks import need

    c = parse_cluster(cluster, project.chips, ys)
    results = [compare_yardstick(c, need(ys, r.lower()), project.chips, m, g) for r in refs]
    if format is OutputFormat.json:
        import json

        data = [r.model_dump(mode="json") for r in results]
        print(json.dumps(data[0] if len(data) == 1 else data, indent=2, ensure_ascii=False))
    elif format is OutputFormat.csv:
        sys.stdout.write(comparison_csv(results))
    elif format is OutputFormat.md:
        print(comparison_md(results))
    else:
        for r in results:
            for i, line in enumerate(comparison_lines(r)):
                out.print(
                    f"[bold]{escape(line)}[/bold]" if i == 0 else line,
                    markup=i == 0,
                    highlight=False,
                )
            out.print()


@app.command()
def report(
    country: Annotated[
        list[str],
        typer.Argument(help="Countries (name, alpha-2 or alpha-3).", show_default=False),
    ],
    scenario: Annotated[
        list[str] | None,
        typer.Option(
            "--scenario", "-s", help=f"Scenario (repeatable; default {DEFAULT_SCENARIO})."
        ),
    ] = None,
    output: Annotated[
        Path,
        typer.Option(
            "--output",
            "-o",
            help="report.html (one self-contained file) or report.md (SVG charts beside it).",
        ),
    ] = Path("report.html"),
    as_of: AsOfOpt = None,
    in_chip: Annotated[
        str | None,
        typer.Option("--in", help="Chip kind the ceilings are also counted in (default H100)."),
    ] = None,
    utilisation: Annotated[
        float | None,
        typer.Option("--utilisation", help="Training utilisation (default: the cited value)."),
    ] = None,
    assume: Annotated[
        list[str] | None,
        typer.Option("--assume", "-a", help="Assumption override KEY=INT (repeatable)."),
    ] = None,
) -> None:
    """Write a report with charts that works offline: summary, reachable compute per pathway
    and scenario, the ceiling over time, yardstick lines, deals, the regime in force and an
    appendix linking every figure to its citation and status.

    Examples: tierscope report IL AE SA IN -s current-law -s framework-2025 -o report.html;
    tierscope report Israel -o report.md
    """
    from .cli import _check_assumptions, _translator
    from .report import build_report, write_report

    suffix = output.suffix.lower()
    if suffix not in (".html", ".htm", ".md"):
        raise TierscopeError(f"--output {output}: use a .html or .md file name")
    project = _project()
    assumptions = parse_assume(assume)
    _check_assumptions(project, assumptions)
    tr = _translator(project, in_chip, utilisation)
    if tr is None:
        raise TierscopeError(
            "the report reads ceilings against yardsticks, and this rules folder has none "
            "(rules/yardsticks/: deepseek-v3, israel-1, training-utilisation)"
        )
    rep = build_report(
        project, country, scenario or [DEFAULT_SCENARIO], parse_date(as_of), tr, assumptions
    )
    written = write_report(rep, output)
    for path in written:
        out.print(f"wrote {path}", highlight=False)
