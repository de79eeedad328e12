"""Problems found in data files, and where the loader puts them.

The loader has two modes (`Problems`): a query stops at the first problem (it becomes
a `LoadError`, exit 2); `tierscope check` collects every problem of every file. Both
modes produce the same text for the same problem, so `check` names the file:line a
query would report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from .errors import LoadError

Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Finding:
    """One problem, located at `path:line` (line None when no line applies)."""

    path: str
    line: int | None
    level: Level
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.level}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Problems:
    """Stop at the first error (`collect=False`, queries) or collect all (`check`)."""

    collect: bool = False
    found: list[Finding] = field(default_factory=list)

    def add(
        self,
        path: Path | str,
        line: int | None,
        code: str,
        message: str,
        level: Level = "error",
        field: str | None = None,
    ) -> None:
        text = f"{field}: {message}" if field else message
        if not self.collect and level == "error":
            raise LoadError(path, message, line=line, field=field)
        self.found.append(Finding(str(path), line, level, code, text))

    def error(self, err: LoadError, code: str = "invalid") -> None:
        """Record a LoadError raised by a lower layer (e.g. the YAML reader)."""
        if not self.collect:
            raise err
        self.found.append(Finding(err.path, err.line, "error", code, err.detail))
