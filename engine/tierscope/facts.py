"""Assemble the input facts of one evaluation from a country, a date and overrides.

Facts are plain values keyed by the names in `vocabulary.FACTS`. The same dict feeds
the durable-rules compiler's messages and the pure-Python oracle, so both paths see
exactly the same inputs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .models.country import COUNTRY_FACTS, Country
from .vocabulary import FACTS

Facts = dict[str, Any]


def input_facts(country: Country, day: dt.date) -> Facts:
    """The country's facts in force on `day`: code, groups, and dated boolean facts."""
    facts: Facts = {"country": country.code, "groups": country.groups_on(day)}
    for name in COUNTRY_FACTS:
        entry = country.fact_on(name, day)
        facts[name] = bool(entry.value) if entry is not None else False
    return facts


def output_defaults() -> Facts:
    """Values of outputs before they are resolved (every fact is always present)."""
    defaults: dict[str, Any] = {"int": 0, "bool": False, "str": ""}
    return {n: defaults[s.kind] for n, s in FACTS.items() if s.origin == "output"}


def date_int(day: dt.date) -> int:
    """Dates travel through durable-rules as yyyymmdd integers."""
    return day.year * 10000 + day.month * 100 + day.day
