"""What `check` reports, and how: findings, the report, its text and JSON forms."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from ..findings import Finding

__all__ = ["Finding", "Report"]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class Report:
    """What `run_check` found. `notes` say what was skipped or sampled (not findings)."""

    findings: list[Finding]
    files: int
    unusable: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return sum(f.level == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.level == "warning" for f in self.findings)

    @property
    def counts(self) -> dict[str, int]:
        return {"errors": self.errors, "warnings": self.warnings, "files": self.files}

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings (errors or warnings), 2 unusable input."""
        if self.unusable:
            return 2
        return 1 if self.findings else 0

    def summary(self) -> str:
        text = (
            f"{_plural(self.errors, 'error')}, {_plural(self.warnings, 'warning')} "
            f"in {_plural(self.files, 'file')}"
        )
        return text + (" (input unusable)" if self.unusable else "")

    def to_text(self) -> str:
        """One line per finding, then notes (prefixed `note:`), then the summary line."""
        lines = [str(f) for f in self.findings]
        lines += [f"note: {n}" for n in self.notes]
        lines.append(self.summary())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "counts": self.counts,
            "exit_code": self.exit_code,
            "notes": list(self.notes),
            "summary": self.summary(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)
