"""Errors a user can act on, each with the exit code the CLI documents.

Every error that reaches the CLI is one of these; anything else is a bug and is
reported as such (exit 70) rather than as a bare traceback.
"""

from __future__ import annotations

from pathlib import Path

EXIT_USAGE = 2  # bad input: unknown country/scenario, malformed file, bad date
EXIT_RULE_CONFLICT = 3  # the rules themselves disagree (conflict, nothing applicable)
EXIT_INTERNAL = 70  # a bug in tierscope (EX_SOFTWARE)
EXIT_OUTPUT = 74  # the output could not be written, e.g. a full disk (EX_IOERR)

EXIT_CODES_HELP = (
    "Exit codes: 0 success; 1 findings (check); 2 bad input (unknown country or "
    "scenario, malformed rule file, bad date); 3 the rules conflict or leave an "
    "output undefined; 70 internal error (please report); 74 the output could not be "
    "written (closed stdout, full disk). A closed pipe (| head) ends quietly with 0."
)


class TierscopeError(Exception):
    """Base class: a message for the user and the process exit code."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class LoadError(TierscopeError):
    """A data file is malformed; names the file, the line and the field."""

    def __init__(
        self, path: Path | str, message: str, line: int | None = None, field: str | None = None
    ) -> None:
        self.path = str(path)
        self.line = line
        self.field = field
        where = f"{self.path}:{line}" if line else self.path
        what = f"{field}: {message}" if field else message
        self.detail = what  # the message without its `file:line: ` prefix
        super().__init__(f"{where}: {what}")


class UnknownCountryError(TierscopeError):
    """A country name or code that matches nothing; carries suggestions."""

    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown country {query!r}.{hint}")


class UnknownScenarioError(TierscopeError):
    """A scenario id that is neither shipped nor a readable file."""


class RuleConflictError(TierscopeError):
    """Two unordered applicable provisions disagree, or nothing defines a required output."""

    exit_code = EXIT_RULE_CONFLICT


class NotInForceError(RuleConflictError):
    """A world with no provision in force on the date asked: no answer (compare shows
    the column as "not in force"; a conflict is never mistaken for it)."""


class EngineError(TierscopeError):
    """The inference core reported an error (e.g. raised inside a durable-rules action)."""

    exit_code = EXIT_INTERNAL


class UnknownChipError(TierscopeError):
    """A chip name or alias that matches no catalogue entry; carries suggestions."""

    def __init__(self, query: str, suggestions: list[str]) -> None:
        self.query = query
        self.suggestions = suggestions
        hint = f" Did you mean: {', '.join(suggestions)}?" if suggestions else ""
        super().__init__(f"unknown chip {query!r}.{hint}")


class OrderParseError(TierscopeError, ValueError):
    """A chip order such as "1000 x B200, 200 x H100" that cannot be read."""
