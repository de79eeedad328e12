"""Evaluate stage: one (country, world, date), stage by stage, with either back end.

The stage loop and "a resolved output becomes a fact of the next stage" exist only
here (`run_stages`). Which provisions of a stage apply is asked of a back end:

- `durable_backend`: durable-rules matches the stage's fact against the compiled rules
  (the production path);
- `oracle_backend`: the pure-Python reading of the same condition language
  (`tierscope.oracle.holds`), used by `check` and by the property suite as the
  reference the durable-rules path must agree with.

`precedence` decides which applicable provision defines each output; the resolved
outputs join the facts of the next stage (forward chaining).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, NoReturn

from .compile import CompiledRegime, message
from .durable_adapter import DurableAdapter, default_adapter
from .errors import NotInForceError, RuleConflictError
from .facts import OrderFacts, input_facts, output_defaults
from .models.condition import FactTest, walk
from .models.country import Country
from .models.parameter import Parameter
from .models.provision import Provision
from .oracle import holds
from .precedence import Resolution, resolve
from .vocabulary import DEFAULT_ITEM, FACTS, REQUIRED_OUTPUTS
from .world import World

# A back end answers: at stage k, with these facts, which provisions apply?
Applies = Callable[[int, Mapping[str, Any]], Sequence[Provision]]
# Called on a conflict instead of raising: (output, applicable provisions, error, facts).
OnConflict = Callable[[str, list[Provision], RuleConflictError, Mapping[str, Any]], None]


@dataclass(frozen=True)
class Evaluation:
    world: World
    country: Country
    day: dt.date
    inputs: dict[str, Any]
    facts: dict[str, Any]  # inputs plus resolved outputs
    resolutions: dict[str, Resolution]
    applicable: tuple[Provision, ...]  # every provision the back end found applicable

    def value(self, output: str) -> Any:
        r = self.resolutions.get(output)
        return None if r is None else r.value


@dataclass(frozen=True)
class Derived:
    facts: dict[str, Any]  # resolved outputs (and their defaults)
    resolutions: dict[str, Resolution]
    applicable: tuple[Provision, ...]
    conflict: bool = False  # stopped after a stage with a conflict (only with on_conflict)


def fact_value(value: Any) -> Any:
    """The value a resolved output contributes to later stages' facts."""
    return value.policy if hasattr(value, "policy") else value


def run_stages(
    stages: Sequence[Sequence[str]],
    provisions: Mapping[str, Provision],
    inputs: Mapping[str, Any],
    applies: Applies,
    on_conflict: OnConflict | None = None,
) -> Derived:
    """The staged forward chaining shared by the engine, `check` and the property suite.

    Each output is resolved (exceptions settled) before any provision that reads it is
    asked about, so an overridden value never triggers a later provision. A conflict
    raises, or with `on_conflict` is reported and the loop stops after that stage (as
    the engine would stop)."""
    facts: dict[str, Any] = {**inputs, **output_defaults()}
    resolutions: dict[str, Resolution] = {}
    applicable: list[Provision] = []
    for k, outputs in enumerate(stages, start=1):
        # a provision counts once; order by id so nothing depends on firing order
        fired = sorted({p.id: p for p in applies(k, facts)}.values(), key=lambda p: p.id)
        applicable.extend(fired)
        conflict = False
        for out in outputs:
            app = [p for p in fired if p.then.output == out]
            try:
                res = resolve(out, app, provisions)
            except RuleConflictError as exc:
                if on_conflict is None:
                    raise
                on_conflict(out, app, exc, facts)
                conflict = True
                continue
            if res is None:
                continue
            resolutions[out] = res
            if out in FACTS:
                facts[out] = fact_value(res.value)
        if conflict:
            return Derived(_outputs(facts, inputs), resolutions, tuple(applicable), True)
    return Derived(_outputs(facts, inputs), resolutions, tuple(applicable))


def _outputs(facts: Mapping[str, Any], inputs: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in facts.items() if k not in inputs}


def oracle_backend(
    provisions: Sequence[Provision],
    stages: Sequence[Sequence[str]],
    params: Mapping[str, Parameter],
    day: dt.date,
    cache: dict[Any, bool] | None = None,
) -> Applies:
    """Applicability by the pure-Python reading of the rule language. `cache` (keyed by
    the provision and the values of the facts it reads) lets `check` enumerate a fact
    space without re-evaluating equal cases."""
    stage_of = {o: k for k, outs in enumerate(stages, start=1) for o in outs}
    by_stage: dict[int, list[Provision]] = {}
    for p in provisions:
        if p.valid.contains(day) and p.then.output in stage_of:
            by_stage.setdefault(stage_of[p.then.output], []).append(p)
    reads = {id(p): tuple(sorted(_facts_read(p))) for ps in by_stage.values() for p in ps}

    def applies(k: int, facts: Mapping[str, Any]) -> list[Provision]:
        out = []
        for p in by_stage.get(k, ()):
            if cache is None:
                ok = holds(p.when, facts, params, day)
            else:
                key = (id(p), tuple(facts[f] for f in reads[id(p)]))
                ok = cache.get(key)  # type: ignore[assignment]
                if ok is None:
                    ok = cache[key] = holds(p.when, facts, params, day)
            if ok:
                out.append(p)
        return out

    return applies


def _facts_read(p: Provision) -> set[str]:
    from .models.condition import FactTest, walk

    return {n.fact for n in walk(p.when) if isinstance(n, FactTest)}


@contextmanager
def durable_backend(
    compiled: CompiledRegime,
    day: dt.date,
    members: Mapping[str, bool],
    adapter: DurableAdapter | None = None,
) -> Iterator[Applies]:
    """Applicability by durable-rules: one short-lived session per evaluation."""
    adapter = adapter or default_adapter()
    ruleset = adapter.register(compiled.ruleset_key, compiled.rules)
    with adapter.session(ruleset) as session:

        def applies(k: int, facts: Mapping[str, Any]) -> list[Provision]:
            fired = session.assert_fact(message(facts, k, day, members))
            return [p for r in fired for p in compiled.by_rule[r]]

        yield applies
        session.check_state()


# (content key, adapter, signature) -> derived outputs; see CompiledRegime.signature for
# why sound. The adapter is part of the key: another adapter (a test double, a future
# engine) must not be answered from this one's runs. Bounded by _MEMO_LIMIT.
_MEMO: dict[tuple[str, DurableAdapter, tuple[Any, ...]], Derived] = {}
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
    backend: str = "durable",
) -> Evaluation:
    """Evaluate one (world, country, day). `memo=False` forces a run of the back end;
    `backend="oracle"` uses the pure-Python reading instead of durable-rules."""
    compiled = world.compiled
    any_in_force, defined = compiled.in_force(day)
    if not any_in_force:
        _not_in_force(world, day)
    if item != DEFAULT_ITEM and not _reads_item(world, day):
        raise NotInForceError(
            f"{world.scenario_id} has no provisions for {item} in force on {day}: its rules "
            f"there are about {DEFAULT_ITEM} items only; try --scenario framework-2025"
        )
    inputs = input_facts(country, day, hq=hq, order=order, item=item)
    members = compiled.memberships_on(inputs, day)
    derived = None
    if backend == "oracle":
        applies = oracle_backend(world.regime.provisions, compiled.stages, world.parameters, day)
        derived = run_stages(compiled.stages, compiled.provisions, inputs, applies)
    else:
        adapter = adapter or default_adapter()
        key = (compiled.memo_key, adapter, compiled.signature(inputs, day, members))
        derived = _MEMO.get(key) if memo else None
        if derived is None:
            with durable_backend(compiled, day, members, adapter) as applies:
                derived = run_stages(compiled.stages, compiled.provisions, inputs, applies)
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


def _not_in_force(world: World, day: dt.date) -> NoReturn:
    """A world with no provision in force on `day` has no answer: say so plainly."""
    starts = sorted(p.valid.start for p in world.regime.provisions)
    hint = (
        f"its provisions apply from {starts[0]}"
        if starts and day < starts[0]
        else "no provision is in force then"
    )
    raise NotInForceError(
        f"{world.scenario_id} is not in force on {day}: {hint}; use another --as-of or scenario"
    )
