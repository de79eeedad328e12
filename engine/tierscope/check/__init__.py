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
`references`, `space`, `assignments`, `report_cache` (reports kept by content).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from ..errors import LoadError, TierscopeError
from ..findings import Finding
from .report import Report

__all__ = ["Finding", "Report", "run_check", "scenario_findings"]


def run_check(rules_dir: Path, countries_dir: Path, cache: bool = True) -> Report:
    """Check every rule, parameter, scenario, chip and country file; never raises for bad data.

    With `cache`, a report of exactly the same files by exactly the same engine is reused
    (`report_cache`: keyed by every byte of both folders and by the engine's source files)."""
    from . import report_cache

    start = time.perf_counter()
    rules_dir, countries_dir = Path(rules_dir), Path(countries_dir)
    key = report_cache.report_key(rules_dir, countries_dir) if cache else None
    if key is not None:
        found = report_cache.load(key)
        if found is not None:
            found.seconds = time.perf_counter() - start
            return found
    report = _run(rules_dir, countries_dir, start)
    if key is not None:
        report_cache.store(key, report, rules_dir, countries_dir)
    return report


def _run(rules_dir: Path, countries_dir: Path, start: float) -> Report:
    from .checker import Checker

    checker = Checker(rules_dir, countries_dir)
    checker.run()
    if not checker.unusable:  # routes (rules/pathways/) are checked by their own module
        from ..routes import route_findings

        files, found = route_findings(Path(rules_dir))
        checker.files += files
        checker.findings.extend(Finding(*f) for f in found)  # type: ignore[arg-type]
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
    """`report` plus every problem of one user scenario file applied to the checked rules:
    all schema errors of the file, then every override that cannot apply, each at its
    line with a hint."""
    from pydantic import ValidationError

    from ..findings import Problems
    from ..loader import load_rulebase, read
    from ..models.scenario import Scenario
    from ..scenario import build_world, check_overrides
    from ..validation import key_line, prune, section, validate

    problems = Problems(collect=True, found=list(report.findings))
    path = Path(scenario_file)
    data = read(path, problems)
    scen = validate(Scenario, data, path, problems) if data is not None else None
    if scen is None and data is not None:  # check the rest of the file all the same
        try:
            Scenario.model_validate(data)
        except ValidationError as exc:
            scen = prune(Scenario, data, exc.errors(include_url=False))
    clean = not [f for f in problems.found if f.path == str(path)]
    if scen is not None:
        try:
            rb = load_rulebase(rules_dir, countries_dir)
            # an unknown base is one problem: the others are still checked against a regime
            known = scen.base in rb.regimes or scen.base in rb.scenarios
            anchor = scen.base if known else next(iter(rb.regimes), None)
            base = build_world(rb, anchor) if scen.base and anchor else None
            found = check_overrides(rb, base, scen) if base is not None else []
            if not found and clean:
                build_world(rb, str(path))
                # an override that changes no answer is a warning: never a silent no-op
                from ..scenario_effect import unchanged_overrides

                for line, message in unchanged_overrides(rb, path):
                    problems.add(path, line, "no-effect", message, level="warning")
        except LoadError as err:
            problems.error(err)
            found = []
        except TierscopeError as err:
            problems.add(path, None, "bad-scenario", err.message)
            found = []
        hint = section(Scenario, ("parameters",))
        for text in found:
            head, _, message = text.partition(": ")
            if "[" in head:  # an analyst's path: parameters[id].values[2025-01-13].value
                line = key_line(data, *_path_keys(head))
            else:
                keys = head.split(".", 1)
                line = key_line(data, *keys) if len(keys) == 2 else key_line(data, head)
            problems.add(path, line, "bad-scenario", f"{head}: {message} ({hint})")
    return Report(
        findings=problems.found,
        files=report.files + 1,
        unusable=report.unusable,
        notes=report.notes,
        seconds=report.seconds,
    )


def _path_keys(path: str) -> list[Any]:
    """`parameters[a.b].values[2025-01-13].value` -> the keys as YAML reads them (dates as
    dates), to find the line of the deepest one."""
    import datetime as dt
    import re

    keys: list[Any] = []
    for plain, bracketed in re.findall(r"([^.\[\]]+)|\[([^\]]+)\]", path):
        key = plain or bracketed
        try:
            keys.append(dt.date.fromisoformat(key))
        except ValueError:
            keys.append(key)
    return keys
