"""The evaluation pipeline with the pure-Python oracle in place of durable-rules.

Both go through the one staged evaluator (`tierscope.evaluate.run_stages`); only the
back end differs: durable-rules on the compiled rules, or `tierscope.oracle.holds` on
the provisions as written. Comparing the two checks the compiler, the durable-rules
dialect and durable-rules itself against an independent reading of the rule language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from tierscope.errors import RuleConflictError
from tierscope.evaluate import evaluate
from tierscope.facts import OrderFacts, output_defaults
from tierscope.models.country import Country
from tierscope.precedence import Resolution
from tierscope.world import World


def pkey(p) -> tuple[str, dt.date, dt.date | None]:
    """A provision's identity: composite regimes may hold one id over two windows."""
    return (p.id, p.valid.start, p.valid.until)


def norm_resolution(r: Resolution) -> tuple[Any, ...]:
    return (
        r.value,
        frozenset(map(pkey, r.winners)),
        frozenset(map(pkey, r.overridden)),
        frozenset(map(pkey, r.ignored)),
    )


def _error(exc: RuleConflictError) -> tuple[str, str]:
    m = re.match(r"conflict on '([^']+)'", exc.message)
    return ("conflict", m.group(1)) if m else ("undefined", "")


def oracle_evaluate(
    world: World,
    country: Country,
    day: dt.date,
    hq: Country | None = None,
    order: OrderFacts | None = None,
) -> tuple[Any, ...]:
    """('ok', facts, resolutions, applicable) or ('error', kind, output), from the one
    staged evaluator with the pure-Python back end (`tierscope.oracle.holds`)."""
    return _outcome(world, country, day, hq, order, "oracle")


def _outcome(
    world: World,
    country: Country,
    day: dt.date,
    hq: Country | None,
    order: OrderFacts | None,
    backend: str,
) -> tuple[Any, ...]:
    try:
        ev = evaluate(world, country, day, memo=False, hq=hq, order=order, backend=backend)
    except RuleConflictError as exc:
        return ("error", *_error(exc))
    resolutions = {k: norm_resolution(r) for k, r in ev.resolutions.items()}
    facts = {**ev.inputs, **output_defaults(), **ev.facts}
    return ("ok", facts, resolutions, Counter(map(pkey, ev.applicable)))


def engine_evaluate(
    world: World,
    country: Country,
    day: dt.date,
    hq: Country | None = None,
    order: OrderFacts | None = None,
) -> tuple[Any, ...]:
    """The same outcome shape from the durable-rules path, without the memo."""
    return _outcome(world, country, day, hq, order, "durable")
