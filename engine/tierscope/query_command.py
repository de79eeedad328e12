"""`tierscope query` without typer: the command's body, the helpers every command shares
(dates, assumptions, the --rules/--countries folders, one-line errors and exit codes), and
`main_query`, which runs a query already parsed by entry.py's fast path inside the same
error handling as `cli.main`.

Nothing here imports typer or click: importing typer and having it build the click group of
every command costs more than a sixth of a cold `tierscope query` (issue 12). cli.py
re-exports these names, and its `query` command calls `run_query`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from .consoles import table_console
from .errors import EXIT_INTERNAL, EXIT_OUTPUT, EXIT_USAGE, TierscopeError
from .render import (
    OutputFormat,
    literal,
    print_query_table,
    query_csv,
    query_json,
    query_md,
)
from .service import DEFAULT_SCENARIO, Project
from .vocabulary import DEFAULT_ITEM, ITEMS

if TYPE_CHECKING:
    from .yardsticks import Translator


def _translator(project: Project, chip: str | None, utilisation: float | None) -> Translator | None:
    """The yardstick translation basis for this answer (rules/yardsticks)."""
    from .yardsticks import translator_for

    return translator_for(project, chip, utilisation)


def parse_assume(items: list[str] | None) -> dict[str, int]:
    out: dict[str, int] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise TierscopeError(f"--assume {item!r}: use KEY=INT, e.g. lpp_consignees_per_year=20")
        try:
            number = int(value.replace("_", "").replace(",", ""))
        except ValueError:
            raise TierscopeError(f"--assume {item!r}: {value!r} is not an integer") from None
        if number < 0 or number >= 2**62:
            raise TierscopeError(f"--assume {item!r}: must be between 0 and 2**62")
        out[key] = number
    return out


def parse_date(text: str | None) -> dt.date:
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise TierscopeError(f"invalid date {text!r}: use YYYY-MM-DD, e.g. 2025-06-01") from None


_FOLDERS: dict[str, Path] = {}  # set by --rules / --countries before any command runs


def _project() -> Project:
    shipped = Project.shipped()
    if not _FOLDERS:
        return shipped
    return Project(
        _FOLDERS.get("rules", shipped.rules_dir), _FOLDERS.get("countries", shipped.countries_dir)
    )


def _check_assumptions(project: Project, assumptions: dict[str, int]) -> None:
    known = sorted(
        p.split(".", 1)[1] for p in project.rulebase.parameters if p.startswith("assumptions.")
    )
    bad = [k for k in assumptions if k not in known]
    if bad:
        raise TierscopeError(f"unknown assumption(s) {', '.join(bad)}; known: {', '.join(known)}")


def run_query(
    country: list[str],
    scenario: str = DEFAULT_SCENARIO,
    as_of: str | None = None,
    format: OutputFormat = OutputFormat.table,
    assume: list[str] | None = None,
    with_: list[str] | None = None,
    item: str = DEFAULT_ITEM,
    in_chip: str | None = None,
    utilisation: float | None = None,
    *,
    make_project: Callable[[], Project] = _project,
) -> None:
    """The body of `tierscope query` (see its help in cli.py); the defaults are the typer
    command's (tests/test_fast_query.py checks). `make_project` lets cli.py pass its own
    `_project`, which tests replace."""
    from .yardstick_render import (
        csv_with,
        print_query_translation,
        query_json_with,
        query_md_translation,
    )

    day = parse_date(as_of)
    assumptions = parse_assume(assume)
    if item not in ITEMS:
        raise TierscopeError(f"--item {item!r}: use one of {', '.join(ITEMS)}")
    project = make_project()
    _check_assumptions(project, assumptions)
    if with_:
        from .routes import with_routes

        scenario = with_routes(project, scenario, with_, country, day, assumptions)
    results = [project.query(c, scenario, day, assumptions, item=item) for c in country]
    tr = _translator(project, in_chip, utilisation)
    # tr is None for a rules folder without yardsticks: the answer comes alone
    if format is OutputFormat.json:
        text = query_json(results)
        print(query_json_with(text, results, tr) if tr else text)
    elif format is OutputFormat.csv:
        text = query_csv(results)
        sys.stdout.write(csv_with(text, results, tr) if tr else text)
    elif format is OutputFormat.md:
        print(query_md(results))
        if tr:
            print(query_md_translation(results, tr))
    else:
        out = table_console()
        notes = []
        world = project.world(scenario, assumptions)
        notes.extend(world.notes)
        for d in world.regime.header.key_dates:
            if "compliance" in d.label.lower() and day < d.date:
                notes.append(
                    f"{d.label}: {d.date} ({d.citation}); on {day} compliance was not yet required."
                )
        for r in results:
            print_query_table(out, [r], [])
            if tr:
                print_query_translation(out, r, tr)
        for n in literal(notes):
            out.print(f"[yellow]Note:[/yellow] {n}")


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _fail(message: str, code: int) -> NoReturn:
    """One line on stderr, whatever the message holds (newlines, control characters)."""
    line = _CONTROL.sub(
        lambda m: "\\n" if m.group() == "\n" else f"\\x{ord(m.group()):02x}", message
    )
    sys.stderr.write(f"tierscope: error: {line}\n")
    sys.stderr.flush()
    raise SystemExit(code)


def _prepare_streams() -> None:
    """Output never fails on encoding: characters the terminal's encoding (e.g.
    PYTHONIOENCODING=ascii) cannot show become '?', and user text in errors is escaped."""
    for stream, errors in ((sys.stdout, "replace"), (sys.stderr, "backslashreplace")):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):  # a stream that cannot change
                reconfigure(errors=errors)


def _output_failed(exc: OSError) -> NoReturn:
    """stdout went away: a closed pipe (`| head -1`) ends quietly with 0, as the reader
    chose to stop; any other failure (a full disk) is one line and EXIT_OUTPUT."""
    try:  # nothing more may reach the broken stream, not even at interpreter exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    if isinstance(exc, BrokenPipeError):
        raise SystemExit(0)
    _fail(f"cannot write the output: {exc.strerror or exc}", EXIT_OUTPUT)


_OUTPUT_ERRNOS = frozenset({errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO})


def _internal(exc: BaseException) -> NoReturn:
    if os.environ.get("TIERSCOPE_DEBUG"):
        raise exc
    _fail(
        f"internal error ({type(exc).__name__}: {exc}); rerun with TIERSCOPE_DEBUG=1 and report it",
        EXIT_INTERNAL,
    )


def _recursion_failed() -> NoReturn:
    _fail("input nested too deeply to process (see the limits in rules/README.md)", EXIT_USAGE)


def main_query(country: list[str], **options: object) -> NoReturn:
    """`tierscope query COUNTRY... [options]` already parsed (entry.py's fast path): the
    outcomes of `cli.main` running the typer command, exit code and messages alike."""
    if sys.stdout is None:
        _fail("standard output is closed: nothing can be printed", EXIT_OUTPUT)
    _prepare_streams()
    if "format" in options:  # entry.py checked it is one of the formats
        options["format"] = OutputFormat(options["format"])
    try:
        code = _run_query(country, options)
        sys.stdout.flush()
    except OSError as exc:
        if exc.errno in _OUTPUT_ERRNOS:
            _output_failed(exc)
        code = _internal(exc)
    raise SystemExit(code)


def _run_query(country: list[str], options: dict[str, object]) -> int:
    """`cli._run` around typer's `_main` (typer/core.py), for the outcomes a parsed query can
    have: an interrupt is 130, end of input "aborted", a closed pipe ends quietly."""
    try:
        run_query(country, **options)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        return 130  # typer: Exit(130), returned as the code
    except EOFError:
        sys.stderr.write("\n")  # typer: an empty line, then Abort
        sys.stderr.flush()
        _fail("aborted", EXIT_USAGE)
    except TierscopeError as exc:
        _fail(exc.message, exc.exit_code)
    except RecursionError:
        _recursion_failed()
    except OSError as exc:
        if exc.errno == errno.EPIPE:  # typer: PacifyFlushWrapper and exit 1, which cli._run reads
            _output_failed(BrokenPipeError(errno.EPIPE, "Broken pipe"))
        raise
    except Exception as exc:
        _internal(exc)  # a bug: say so plainly, keep the traceback for debugging
    return 0
