"""The process entry point (`tierscope` and `python -m tierscope`): start-up and exit costs.

A one-shot command spends a large share of its time in the interpreter rather than in
tierscope: the garbage collector scanning the objects that imports create, and the
interpreter tearing the whole heap down at exit. So `run` keeps the collector off while
modules load (then freezes what they built, so later collections skip it), and leaves
with `os._exit` after flushing output. `cli.main` itself stays an ordinary function
(the tests call it in-process).

pydantic looks for plugins in every installed package's metadata the first time a model
is used; a command-line run has no use for them, so unless the user set
PYDANTIC_DISABLE_PLUGINS themselves, the scan is skipped. pydantic reads that variable
only after importing its plugin loader, which imports `importlib.metadata` (and with it
`email`, `zipfile`, ...: ~14 ms of a ~280 ms query) just to be able to scan; when every
plugin is disabled, the loader is replaced by one that answers "no plugins", which is what
pydantic's own would answer.

The plain `tierscope query` (issue 12) skips typer and click altogether: importing typer
and having it build the click group of every command is a sixth of a cold query. When the
arguments are `query` followed only by what `fast_query`'s small, strict parser
understands (countries, and the options in `FAST_OPTIONS`, each once, with a value that
does not start with '-'), `run` calls `query_command.main_query`, which has the same
outcomes as `cli.main` running the typer command: the same output, messages and exit code.
Anything else (--help, --with, a misspelt or bundled option, a missing value, `--`, ...)
goes to typer, whose messages are click's. `TIERSCOPE_FAST=off` turns the fast path off,
to compare the two (tests/test_fast_query.py) or to debug.
"""

from __future__ import annotations

import gc
import os
import re
import sys
from typing import Any


def run() -> None:
    gc.disable()
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    skip_plugin_loader()
    parsed = fast_query(sys.argv[1:]) if fast_path_enabled() else None
    if parsed is not None:
        from .query_command import main_query

        countries, options = parsed

        def main() -> None:
            main_query(countries, **options)

    else:
        from .cli import main

    gc.freeze()
    gc.enable()
    code: int | str | None = 0
    try:
        main()
    except SystemExit as exc:
        code = exc.code
    except KeyboardInterrupt:
        code = 130
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:  # None when the stream was closed at start (`>&-`)
                stream.flush()
        except (OSError, ValueError):
            pass  # the reader went away (`| head`): cli.main has said what it had to
    if isinstance(code, str):
        sys.stderr.write(code + "\n")
        code = 1
    os._exit(code or 0)


_LOADER = "pydantic.plugin._loader"


def skip_plugin_loader() -> bool:
    """When every pydantic plugin is disabled, stand in for pydantic's plugin loader (the
    one function pydantic calls, `get_plugins`, answering none) so that importing it does
    not import `importlib.metadata`. Returns whether the stand-in is in place."""
    if os.environ.get("PYDANTIC_DISABLE_PLUGINS") not in ("__all__", "1", "true"):
        return False
    if _LOADER not in sys.modules:
        import types

        loader = types.ModuleType(_LOADER, "tierscope: every pydantic plugin is disabled")
        loader.get_plugins = lambda: ()  # type: ignore[attr-defined]
        sys.modules[_LOADER] = loader
    return True


# option spelling -> the parameter of query_command.run_query (and of the typer command
# `query`, which tests/test_fast_query.py checks); --with, --help and anything else go to typer
FAST_OPTIONS: dict[str, str] = {
    "--scenario": "scenario",
    "-s": "scenario",
    "--as-of": "as_of",
    "--format": "format",
    "-f": "format",
    "--item": "item",
    "--in": "in_chip",
    "--utilisation": "utilisation",
    "--assume": "assume",
    "-a": "assume",
}
REPEATABLE = frozenset({"assume"})
FORMATS = ("table", "json", "csv", "md")  # typer's choices for OutputFormat: case-sensitive
_NUMBER = re.compile(r"[0-9]{1,9}(\.[0-9]{1,9})?")  # a float every parser reads alike


def fast_path_enabled() -> bool:
    """Off with TIERSCOPE_FAST=off (or 0/no/false), and while a shell asks typer to
    complete a command line (its completion variable is set)."""
    if os.environ.get("TIERSCOPE_FAST", "").strip().lower() in ("0", "off", "no", "false"):
        return False
    return not os.environ.get("_TIERSCOPE_COMPLETE")


def fast_query(args: list[str]) -> tuple[list[str], dict[str, Any]] | None:
    """`query COUNTRY... [options]` -> (countries, run_query's keyword arguments), or None
    for anything this parser is not sure to read as click would: typer then answers.

    Like click: options and countries may be interleaved, a long option may be written
    `--opt=VALUE`, and the value is the next argument whatever it is (here: only when it
    does not start with '-', else typer decides)."""
    if len(args) < 2 or args[0] != "query":
        return None
    try:
        "".join(args).encode("utf-8")
    except UnicodeEncodeError:  # undecodable bytes in argv: typer's validation decides
        return None
    countries: list[str] = []
    options: dict[str, Any] = {}
    rest = iter(args[1:])
    for arg in rest:
        if not arg.startswith("-"):
            countries.append(arg)
            continue
        name, eq, value = arg.partition("=")
        if eq and not name.startswith("--"):
            return None  # click reads `-s=x` as `-s` with the value "=x"
        param = FAST_OPTIONS.get(name)
        if param is None:
            return None
        if not eq:
            value = next(rest, None)  # type: ignore[assignment]
            if value is None:
                return None
        if value.startswith("-"):
            return None
        if param in REPEATABLE:
            options.setdefault(param, []).append(value)
            continue
        if param in options:
            return None  # click keeps the last; typer's answer is the reference
        if param == "format" and value not in FORMATS:
            return None
        if param == "utilisation":
            if not _NUMBER.fullmatch(value):
                return None
            options[param] = float(value)
        else:
            options[param] = value
    return (countries, options) if countries else None
