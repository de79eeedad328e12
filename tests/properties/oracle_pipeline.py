"""The evaluation pipeline with the pure-Python oracle in place of durable-rules.

It stages outputs exactly as `tierscope.evaluate` does (the compiled stage plan),
decides applicability with `tierscope.oracle.holds` and the provision's validity
window, and settles precedence with `tierscope.precedence.resolve`. Comparing its
outcome with `evaluate(..., memo=False)` checks the compiler, durable-rules and the
staging against an independent reading of the rule language.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from tierscope import oracle
from tierscope.errors import RuleConflictError
from tierscope.evaluate import evaluate
from tierscope.facts import OrderFacts, input_facts, output_defaults
from tierscope.models.country import Country
from tierscope.precedence import Resolution, resolve
from tierscope.vocabulary import FACTS, REQUIRED_OUTPUTS
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
    """('ok', facts, resolutions, applicable) or ('error', kind, output)."""
    compiled = world.compiled
    params = world.parameters
    inputs = input_facts(country, day, hq=hq, order=order)
    facts = {**inputs, **output_defaults()}
    resolutions: dict[str, tuple[Any, ...]] = {}
    applicable: list = []
    try:
        for outputs in compiled.stages:
            fired = [
                p
                for p in world.regime.provisions
                if p.then.output in outputs
                and p.valid.contains(day)
                and oracle.holds(p.when, facts, params, day)
            ]
            applicable.extend(fired)
            for out in outputs:
                res = resolve(out, [p for p in fired if p.then.output == out], compiled.provisions)
                if res is None:
                    continue
                resolutions[out] = norm_resolution(res)
                if out in FACTS:
                    v = res.value
                    facts[out] = v.policy if hasattr(v, "policy") else v
    except RuleConflictError as exc:
        return ("error", *_error(exc))
    # An output some provision in force defines must be defined (nothing applicable is
    # an error), and a world with nothing in force on the day answers nothing.
    in_force = [p for p in world.regime.provisions if p.valid.contains(day)]
    defined = {p.then.output for p in in_force}
    if not in_force or any(o in defined and o not in resolutions for o in REQUIRED_OUTPUTS):
        return ("error", "undefined", "")
    return ("ok", facts, resolutions, Counter(map(pkey, applicable)))


def engine_evaluate(
    world: World,
    country: Country,
    day: dt.date,
    hq: Country | None = None,
    order: OrderFacts | None = None,
) -> tuple[Any, ...]:
    """The same outcome shape from the durable-rules path, without the memo."""
    try:
        ev = evaluate(world, country, day, memo=False, hq=hq, order=order)
    except RuleConflictError as exc:
        return ("error", *_error(exc))
    resolutions = {k: norm_resolution(r) for k, r in ev.resolutions.items()}
    facts = {**ev.inputs, **output_defaults(), **ev.facts}
    return ("ok", facts, resolutions, Counter(map(pkey, ev.applicable)))
