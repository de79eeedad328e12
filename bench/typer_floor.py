"""A context floor for cold start: the smallest typer program with `query`'s signature.

It parses the same arguments and options as `tierscope query` and prints them; it loads
no rules and has no models. typer converts parameters through pydantic, which pays for
pydantic's model machinery on the first command, so this shows how much of a cold
`tierscope query` any typer command pays before doing anything.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import typer


class Fmt(str, Enum):
    table = "table"
    json = "json"


app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None)


@app.command()
def query(
    country: Annotated[list[str], typer.Argument()],
    scenario: Annotated[str, typer.Option("--scenario", "-s")] = "framework-2025",
    as_of: Annotated[str | None, typer.Option("--as-of")] = None,
    format: Annotated[Fmt, typer.Option("--format", "-f")] = Fmt.table,
) -> None:
    print(country, scenario, as_of, format.value)


@app.command()
def other() -> None:
    """A second command, so that `query` is a subcommand as in tierscope."""


if __name__ == "__main__":
    app()
