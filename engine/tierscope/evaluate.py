"""Evaluate stage: one (country, world, date) through durable-rules, stage by stage.

durable-rules decides which provisions apply to each stage's fact; `precedence`
decides which applicable provision defines each output; the resolved outputs join the
facts of the next stage (forward chaining).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .compile import message
from .durable_adapter import DurableAdapter, default_adapter
from .errors import RuleConflictError
from .facts import input_facts, output_defaults
from .models.country import Country
from .models.provision import Provision
from .precedence import Resolution, resolve
from .vocabulary import FACTS, REQUIRED_OUTPUTS
from .world import World


@dataclass(frozen=True)
class Evaluation:
    world: World
    country: Country
    day: dt.date
    inputs: dict[str, Any]
    facts: dict[str, Any]  # inputs plus resolved outputs
    resolutions: dict[str, Resolution]
    applicable: tuple[Provision, ...]  # every provision durable-rules found applicable

    def value(self, output: str) -> Any:
        r = self.resolutions.get(output)
        return None if r is None else r.value


def evaluate(
    world: World, country: Country, day: dt.date, adapter: DurableAdapter | None = None
) -> Evaluation:
    adapter = adapter or default_adapter()
    compiled = world.compiled
    ruleset = adapter.register(compiled.rules)
    inputs = input_facts(country, day)
    facts: dict[str, Any] = {**inputs, **output_defaults()}
    resolutions: dict[str, Resolution] = {}
    applicable: list[Provision] = []
    with adapter.session(ruleset) as session:
        for k, outputs in enumerate(compiled.stages, start=1):
            fired = [compiled.by_rule[r] for r in session.assert_fact(message(facts, k, day))]
            applicable.extend(fired)
            for out in outputs:
                res = resolve(out, [p for p in fired if p.then.output == out], compiled.provisions)
                if res is None:
                    continue
                resolutions[out] = res
                if out in FACTS:
                    facts[out] = _fact_value(res)
        session.check_state()
    missing = [o for o in REQUIRED_OUTPUTS if o in _defined_outputs(compiled) and o not in resolutions]
    if missing:
        raise RuleConflictError(
            f"no provision of {world.scenario_id} defines {', '.join(missing)} for "
            f"{country.code} on {day}: the rules leave a gap"
        )
    return Evaluation(world, country, day, inputs, facts, resolutions, tuple(applicable))


def _defined_outputs(compiled: Any) -> set[str]:
    return {o for outs in compiled.stages for o in outs}


def _fact_value(res: Resolution) -> Any:
    v = res.value
    return v.policy if hasattr(v, "policy") else v
