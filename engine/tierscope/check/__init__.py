"""`tierscope check`: validate rule, parameter, scenario, chip and country files.

The check reports as many problems as it can in one run. Every file is read by the
engine's own loader in its collect-all mode (a broken file never hides the problems of
the next one; every schema error of a file is reported, not only the first). Semantic
checks then run on whatever loaded:

1. references (`references`): parameters named by provisions and scenarios and their
   units, `exception_to` targets (which must define the same output), scenario bases and
   regimes, included regimes, country codes; the engine runs the same checks before it
   compiles a world, so what `check` accepts the engine runs;
2. cycles of exceptions, includes and scenario bases (one cycle finder, `graphs`);
3. parameters a provision uses that are not in force during part of its validity;
4. overlaps: two provisions of one regime that define the same output, are not ordered
   by `exception_to`, disagree, and can both win for some facts, with a witness
   (`space`: the finite fact space, enumerated);
5. provisions that can never apply over that same space;
6. tier assignments of the shipped countries on every epoch of every regime and
   scenario: a gap (no tier) or an overlap (a conflict) (`assignments`);
7. missing or placeholder citations.

Modules: `report` (findings and the report), `checker` (state and reading),
`references`, `space`, `assignments`.
"""

from __future__ import annotations

import time
from pathlib import Path

from ..errors import LoadError, TierscopeError
from ..findings import Finding
from .checker import Checker
from .report import Report

__all__ = ["Finding", "Report", "run_check", "scenario_findings"]


def run_check(rules_dir: Path, countries_dir: Path) -> Report:
    """Check every rule, parameter, scenario, chip and country file; never raises for bad data."""
    start = time.perf_counter()
    checker = Checker(Path(rules_dir), Path(countries_dir))
    checker.run()
    findings = sorted(
        set(checker.findings),
        key=lambda f: (f.path, f.line or 0, f.level, f.code, f.message),
    )
    return Report(
        findings=findings,
        files=checker.files,
        unusable=checker.unusable,
        notes=checker.notes,
        seconds=time.perf_counter() - start,
    )


def scenario_findings(
    report: Report, scenario_file: Path, rules_dir: Path, countries_dir: Path
) -> Report:
    """`report` plus the problems of one user scenario file applied to the checked rules."""
    from ..loader import load_rulebase, load_scenario
    from ..scenario import build_world

    findings = list(report.findings)
    path = str(scenario_file)
    try:
        load_scenario(Path(scenario_file))
        build_world(load_rulebase(rules_dir, countries_dir), path)
    except LoadError as err:
        findings.append(Finding(err.path, err.line, "error", "invalid", err.detail))
    except TierscopeError as err:
        findings.append(Finding(path, None, "error", "bad-scenario", err.message))
    return Report(
        findings=findings,
        files=report.files + 1,
        unusable=report.unusable,
        notes=report.notes,
        seconds=report.seconds,
    )
