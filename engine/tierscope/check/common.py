"""Helpers shared by the check modules: citations, lines, value texts, parameter gaps."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..models.condition import FactTest, walk
from ..models.parameter import Parameter
from ..models.provision import Pathway, Provision, ReviewPolicy, Then, Warning_
from ..models.scenario import Scenario
from ..references import _find_line as find_line  # noqa: F401  (re-exported)
from ..validation import key_line  # noqa: F401  (re-exported)

# Above this many points (facts x dates) a regime's fact space is sampled, not enumerated.
MAX_POINTS = 200_000
SAMPLE_POINTS = 20_000
SAMPLE_SEED = 20250113

_PLACEHOLDERS = frozenset(
    {
        "todo", "tbd", "tba", "fixme", "xxx", "n/a", "na", "none", "null", "nil",
        "citation", "citation needed", "source", "reference", "unknown", "missing",
    }
)  # fmt: skip


def blankish(text: str | None) -> bool:
    """No usable citation: empty, too short, no letters or digits, or a placeholder."""
    if text is None:
        return True
    s = text.strip()
    return (
        len(s) < 3
        or not re.search(r"[A-Za-z0-9]", s)
        or s.casefold().strip(" .:!?") in _PLACEHOLDERS
    )


def fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, frozenset | set):
        return "{" + ", ".join(sorted(v)) + "}"
    return str(v)


def value_text(then: Then) -> str:
    v = then.value
    if isinstance(v, ReviewPolicy):
        return f"review_policy {v.policy}"
    if isinstance(v, Pathway):
        ceiling = (
            v.ceiling
            if isinstance(v.ceiling, str)
            else v.ceiling.param + (f" x {v.ceiling.times}" if v.ceiling.times else "")
        )
        return f"pathway {v.id} ({ceiling}, per {v.per})"
    if isinstance(v, Warning_):
        return f"warning {v.id}"
    return f"{then.output} {fmt_value(v)}"


def facts_read(cond: Any) -> set[str]:
    return {n.fact for n in walk(cond) if isinstance(n, FactTest)}


def out_of_force(
    param: Parameter, start: dt.date, until: dt.date | None
) -> tuple[dt.date, str] | None:
    """The first day of [start, until) on which `param` has no value, and why."""
    dates = param.dates
    if start < dates[0]:
        return start, f"not yet in force on {start} (its first value takes effect on {dates[0]})"
    for i, d in enumerate(dates):
        nxt = dates[i + 1] if i + 1 < len(dates) else None
        if param.values[d].value is not None:
            continue
        # repealed over [d, nxt)
        lo = max(d, start)
        if (until is None or lo < until) and (nxt is None or lo < nxt):
            return lo, f"repealed (value: null) from {d}"
    return None


@dataclass
class Prov:
    """A provision as defined in its own file."""

    prov: Provision
    regime: str
    path: Path
    line: int
    raw: Any

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class ScenarioSrc:
    scen: Scenario
    path: Path
    data: Any
