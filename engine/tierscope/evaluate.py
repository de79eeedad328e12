"""Evaluate stage: one (country, world, date) through durable-rules, stage by stage.

durable-rules decides which provisions apply to each stage's fact; `precedence`
decides which applicable provision defines each output; the resolved outputs join the
facts of the next stage (forward chaining).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, NoReturn

from .compile import message
from .durable_adapter import DurableAdapter, default_adapter
from .errors import RuleConflictError
from .facts import OrderFacts, input_facts, output_defaults
from .models.condition import FactTest, walk
from .models.country import Country
from .models.provision import Provision
from .precedence import Resolution, resolve
from .vocabulary import DEFAULT_ITEM, FACTS, REQUIRED_OUTPUTS
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


@dataclass(frozen=True)
class _Derived:
    facts: dict[str, Any]
    resolutions: dict[str, Resolution]
    applicable: tuple[Provision, ...]


# (ruleset key, signature) -> derived outputs; see CompiledRegime.signature for why sound.
_MEMO: dict[tuple[str, tuple[Any, ...]], _Derived] = {}
_MEMO_LIMIT = 100_000


def evaluate(
    world: World,
    country: Country,
    day: dt.date,
    adapter: DurableAdapter | None = None,
    memo: bool = True,
    hq: Country | None = None,
    order: OrderFacts | None = None,
    item: str = DEFAULT_ITEM,
) -> Evaluation:
    """Evaluate one (world, country, day). `memo=False` forces a durable-rules run."""
    compiled = world.compiled
    any_in_force, defined = compiled.in_force(day)
    if not any_in_force:
        _not_in_force(world, day)
    if item != DEFAULT_ITEM and not _reads_item(world, day):
        raise RuleConflictError(
            f"{world.scenario_id} has no provisions for {item} in force on {day}: its rules "
            f"there are about {DEFAULT_ITEM} items only; try --scenario framework-2025"
        )
    inputs = input_facts(country, day, hq=hq, order=order, item=item)
    members = compiled.memberships_on(inputs, day)
    key = (compiled.memo_key, compiled.signature(inputs, day, members))
    derived = _MEMO.get(key) if memo else None
    if derived is None:
        derived = _derive(world, inputs, members, day, adapter or default_adapter())
        if memo and len(_MEMO) < _MEMO_LIMIT:
            _MEMO[key] = derived
    missing = [o for o in REQUIRED_OUTPUTS if o in defined and o not in derived.resolutions]
    if missing:  # nothing applicable for a required output is an error, not a silent default
        raise RuleConflictError(
            f"no provision of {world.scenario_id} defines {', '.join(missing)} for "
            f"{country.code} on {day}: the rules leave a gap"
        )
    return Evaluation(
        world,
        country,
        day,
        inputs,
        {**inputs, **derived.facts},
        derived.resolutions,
        derived.applicable,
    )


def _reads_item(world: World, day: dt.date) -> bool:
    """Whether a provision in force on `day` distinguishes items (only then does an item
    other than 3A090.a have an answer; other regimes' rules are about chips only)."""
    return any(
        isinstance(n, FactTest) and n.fact == "item"
        for p in world.regime.provisions
        if p.valid.contains(day)
        for n in walk(p.when)
    )


def _derive(
    world: World,
    inputs: dict[str, Any],
    members: dict[str, bool],
    day: dt.date,
    adapter: DurableAdapter,
) -> _Derived:
    """Run durable-rules stage by stage and resolve each stage's outputs."""
    compiled = world.compiled
    ruleset = adapter.register(compiled.ruleset_key, compiled.rules)
    facts: dict[str, Any] = {**inputs, **output_defaults()}
    resolutions: dict[str, Resolution] = {}
    applicable: list[Provision] = []
    with adapter.session(ruleset) as session:
        for k, outputs in enumerate(compiled.stages, start=1):
            rules_fired = session.assert_fact(message(facts, k, day, members))
            # a provision compiled to several rules (one per DNF branch) counts once; order by
            # id so that nothing downstream depends on durable-rules' firing order
            fired = sorted(
                {compiled.by_rule[r].id: compiled.by_rule[r] for r in rules_fired}.values(),
                key=lambda p: p.id,
            )
            applicable.extend(fired)
            for out in outputs:
                res = resolve(out, [p for p in fired if p.then.output == out], compiled.provisions)
                if res is None:
                    continue
                resolutions[out] = res
                if out in FACTS:
                    facts[out] = _fact_value(res)
        session.check_state()
    outputs = {k: v for k, v in facts.items() if k not in inputs}
    return _Derived(outputs, resolutions, tuple(applicable))


def _not_in_force(world: World, day: dt.date) -> NoReturn:
    """A world with no provision in force on `day` has no answer: say so plainly."""
    starts = sorted(p.valid.start for p in world.regime.provisions)
    hint = (
        f"its provisions apply from {starts[0]}"
        if starts and day < starts[0]
        else "no provision is in force then"
    )
    raise RuleConflictError(
        f"{world.scenario_id} is not in force on {day}: {hint}; use another --as-of or scenario"
    )


def _fact_value(res: Resolution) -> Any:
    """The value a resolved output contributes to later stages' facts."""
    v = res.value
    return v.policy if hasattr(v, "policy") else v
