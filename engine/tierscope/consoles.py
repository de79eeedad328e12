"""The console `query` prints its table on, in a module that needs neither typer nor click,
so that the fast path of `tierscope query` (entry.py) and the typer command share it.

rich is imported only when the console is first asked for, so importing this module is free.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


@functools.cache
def console_type() -> type[Console]:
    """rich's Console, except that a closed pipe ends quietly (see `_Console`)."""
    import errno

    from rich.console import Console

    class _Console(Console):
        """rich exits with 1 on a closed pipe (1 is `check`'s findings code): end quietly."""

        def on_broken_pipe(self) -> None:
            from .query_command import _output_failed

            _output_failed(BrokenPipeError(errno.EPIPE, "Broken pipe"))

    return _Console


def make_console(**options: Any) -> Console:
    """A new console of the quiet-on-closed-pipe kind, with rich's `options`."""
    return console_type()(**options)


@functools.cache
def query_console() -> Console:
    """The one console of the process for `query` (and the other commands' `cli.out`):
    piped or redirected tables get a readable width (120) instead of rich's 80 columns.
    Created on first use (stdout may be closed, `>&-`: then the callers have already
    reported it before asking)."""
    import sys

    return make_console(
        width=None if sys.stdout is not None and sys.stdout.isatty() else 120,
        emoji=False,
        highlight=False,
    )


def table_console() -> Any:
    """Where `query` prints its table: output that rich would print without any style (a
    file or a pipe) goes through `PlainConsole`, which writes rich's bytes without
    importing rich (a tenth of a cold query); a terminal gets `query_console()`."""
    import sys

    from .plain_console import plain_console_for

    return plain_console_for(sys.stdout, 120, query_console)
