"""Assemble the input facts of one evaluation from a country, a date and overrides.

Facts are plain values keyed by the names in `vocabulary.FACTS`. The same dict feeds
the durable-rules compiler's messages and the pure-Python oracle, so both paths see
exactly the same inputs.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .models.country import COUNTRY_FACTS, Country
from .vocabulary import DEFAULT_ITEM, FACTS

Facts = dict[str, Any]


@dataclass(frozen=True)
class OrderFacts:
    """What the rules may read about a specific order (see `acquire`)."""

    max_tpp: int
    max_dram_gb_s: int


def input_facts(
    country: Country,
    day: dt.date,
    hq: Country | None = None,
    order: OrderFacts | None = None,
    item: str = DEFAULT_ITEM,
) -> Facts:
    """The facts in force on `day`: destination, its groups and dated facts, the
    consignee's headquarters (the destination itself unless given), and the order."""
    groups = country.groups_on(day)
    hq = hq or country
    facts: Facts = {
        "country": country.code,
        "groups": groups,
        "hq_country": hq.code,
        "hq_groups": groups if hq is country else hq.groups_on(day),
        "item": item,
        "order": order is not None,
        "order_max_tpp": order.max_tpp if order else 0,
        "order_max_dram_gb_s": order.max_dram_gb_s if order else 0,
    }
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
