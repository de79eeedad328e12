"""The application layer: rule base + scenario + country + date -> validated results.

The CLI, the benchmark and the tests all go through `Project`, so there is one path
from files to answers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .country_lookup import resolve_country
from .describe import describe
from .errors import RuleConflictError
from .evaluate import Evaluation, evaluate
from .findings import Problems
from .loader import RuleBase, load_rulebase
from .models.common import Status, weakest
from .models.condition import FactTest, walk
from .models.parameter import Parameter
from .models.provision import Provision, ReviewPolicy
from .models.result import (
    DealResult,
    Firing,
    NotApplied,
    ParameterUse,
    PathwayResult,
    QueryResult,
)
from .models.scenario import Scenario
from .paths import data_dirs
from .precedence import Resolution
from .quantify import H100_PARAM, parameter_use, pathway_result, to_h100e, total_reachable
from .references import check_required
from .scenario import apply_scenario, build_world
from .vocabulary import DEFAULT_ITEM
from .world import World

if TYPE_CHECKING:
    from .models.chip import ChipSpec

# With no --scenario every command answers the law in force on the date asked.
DEFAULT_SCENARIO = "current-law"
# The timeline scenario whose windows say which regime was the law on a date.
LAW_TIMELINE = "current-law"
WORLDS_LIMIT = 64  # Worlds kept per Project (each --assume combination is one)


@dataclass(frozen=True)
class LawContext:
    """Which regime was the law on a date, and a banner when the answer is another one."""

    regime_in_force: str
    regime_in_force_title: str
    banner: str | None


def _world_key(scenario: str, assume: Mapping[str, int] | None) -> str:
    """Worlds are cached by scenario spec and assumption overrides."""
    return scenario + "".join(f"|{k}={v}" for k, v in sorted((assume or {}).items()))


@dataclass
class Project:
    rules_dir: Path
    countries_dir: Path
    _worlds: dict[str, World] = field(default_factory=dict)

    @classmethod
    def shipped(cls) -> Project:
        rules, countries = data_dirs()
        return cls(rules, countries)

    @cached_property
    def rulebase(self) -> RuleBase:
        return load_rulebase(self.rules_dir, self.countries_dir)

    @cached_property
    def chips(self) -> dict[str, ChipSpec]:
        from .chips import load_chips  # imported on demand: `query` rarely needs chips
        from .validated_cache import cached

        def files(rules_dir: Path) -> list[Path]:
            return sorted((rules_dir / "chips").glob("*.yaml"))

        return cached("chips", load_chips, files)(self.rules_dir)

    def scenario_ids(self) -> list[str]:
        """Regimes first (each is a scenario too), then the shipped scenarios."""
        return [*sorted(self.rulebase.regimes), *sorted(self.rulebase.scenarios)]

    def world(self, scenario: str, assume: Mapping[str, int] | None = None) -> World:
        """The World of a scenario spec (cached: each is built and compiled once).

        `assume` overrides assumption parameters (`--assume lpp_consignees_per_year=20`).
        """
        key = _world_key(scenario, assume)
        if key not in self._worlds:
            world = build_world(self.rulebase, scenario)
            check_required(world.parameters, self.rules_dir, Problems())
            if assume:
                world = apply_scenario(
                    self.rulebase, world, assumption_scenario(assume, world.parameters)
                )
                world = World(
                    scenario,
                    world.title,
                    world.regime,
                    world.parameters,
                    world.countries,
                    world.notes,
                )
            self._remember(key, world)
        return self._worlds[key]

    def register_world(
        self, name: str, world: World, assume: Mapping[str, int] | None = None
    ) -> None:
        """Make a world built elsewhere (routes taken with --with) answerable by its name."""
        self._remember(_world_key(name, assume), world)

    def _remember(self, key: str, world: World) -> None:
        if len(self._worlds) >= WORLDS_LIMIT:  # bounded: forget the oldest
            del self._worlds[next(iter(self._worlds))]
        self._worlds[key] = world

    def country_code(self, query: str) -> str:
        return resolve_country(query, self.rulebase.countries)

    def law_on(self, world: World, day: dt.date) -> LawContext:
        """The regime in force on `day` (from the windows of `current-law`), and a banner
        when `world` answers as a regime that was not the law on that day."""
        rb = self.rulebase
        timeline = rb.scenarios.get(LAW_TIMELINE)
        root = world.regime.header.id
        if root not in rb.regimes and root in rb.scenarios and rb.scenarios[root].regimes:
            timeline = rb.scenarios[root]
        windows = (timeline.regimes or []) if timeline is not None else []
        current = next(
            (
                w
                for w in windows
                if (w.start is None or w.start <= day) and (w.until is None or day < w.until)
            ),
            None,
        )
        if current is None or current.regime not in rb.regimes:
            return LawContext(root, world.regime.header.title, None)
        law_title = rb.regimes[current.regime].header.title
        banner = None
        if root in rb.regimes and root != current.regime:
            own = [w for w in windows if w.regime == root]
            spans = "; ".join(
                f"{w.start or 'earlier'} to {w.until or 'today'}"
                + (f" ({w.note})" if w.note else "")
                for w in own
            )
            banner = (
                f"Not the law on {day}: {world.title} answers as {root}, which was the law "
                f"{spans or 'on no date'}. The law in force was {current.regime} "
                f"({law_title}): use --scenario {LAW_TIMELINE}."
            )
        return LawContext(current.regime, law_title, banner)

    def evaluate(
        self,
        country: str,
        scenario: str,
        day: dt.date,
        assume: Mapping[str, int] | None = None,
        item: str = DEFAULT_ITEM,
    ) -> Evaluation:
        world = self.world(scenario, assume)
        return evaluate(world, world.countries[self.country_code(country)], day, item=item)

    def query(
        self,
        country: str,
        scenario: str = DEFAULT_SCENARIO,
        day: dt.date | None = None,
        assume: Mapping[str, int] | None = None,
        item: str = DEFAULT_ITEM,
    ) -> QueryResult:
        day = day or dt.date.today()
        ev = self.evaluate(country, scenario, day, assume, item)
        # the chip catalogue is only read when a deal needs pricing (keeps `query` start-up fast)
        chips = self.chips if any(d.chips for d in ev.country.deals) else None
        return build_result(ev, chips, self.law_on(ev.world, day))


def _value_text(value: object) -> str:
    if isinstance(value, ReviewPolicy):
        return value.policy
    if hasattr(value, "id") and hasattr(value, "ceiling"):
        return f"pathway {value.id}"  # type: ignore[attr-defined]
    if hasattr(value, "text"):
        return f"warning {value.id}"  # type: ignore[attr-defined]
    return str(value).lower() if isinstance(value, bool) else str(value)


def _firings(ev: Evaluation) -> list[Firing]:
    out: list[Firing] = []
    for res in ev.resolutions.values():
        for p, outcome in _outcomes(res):
            out.append(
                Firing(
                    id=p.id,
                    title=p.title,
                    citation=p.citation,
                    status=p.status,
                    output=p.then.output,
                    value=_value_text(p.then.value),
                    outcome=outcome,
                )
            )
    return out


def _outcomes(res: Resolution) -> list[tuple[Provision, str]]:
    return (
        [(p, "defines") for p in res.winners]
        + [(p, "overridden by an exception") for p in res.overridden]
        + [(p, "ignored: its base does not apply") for p in res.ignored]
    )


def deal_results(
    ev: Evaluation, chips: Mapping[str, ChipSpec] | None, h100: int
) -> list[DealResult]:
    """Deals dated on or before the as-of date, with their chips in TPP where known."""
    out = []
    for d in ev.country.deals:
        if d.date > ev.day:
            continue
        tpp = None
        if d.chips and chips:
            from .chips import order_tpp, parse_order

            tpp = order_tpp(parse_order(d.chips, chips))
        out.append(
            DealResult(
                date=d.date,
                title=d.title,
                kind=d.kind,
                chips=d.chips,
                tpp=tpp,
                h100e=None if tpp is None else to_h100e(tpp, h100),
                status=d.status,
                citations=[r.text for r in d.references],
            )
        )
    return out


def assumption_scenario(assume: Mapping[str, int], params: Mapping[str, Parameter]) -> Scenario:
    """`--assume k=v` as a scenario setting `assumptions.k` to v on every dated entry."""
    ref = {"title": "user assumption given on the command line (--assume)"}
    entry = {"value": None, "status": "unverified", "note": "user assumption", "references": [ref]}
    overrides = {}
    for k, v in assume.items():
        pid = f"assumptions.{k}"
        dates = list(params[pid].values) if pid in params else [dt.date(1900, 1, 1)]
        overrides[pid] = {"values": {d: {**entry, "value": v} for d in dates}}
    return Scenario.model_validate(
        {
            "id": "assume",
            "title": "Command-line assumptions",
            "description": "Overrides of assumption parameters given with --assume.",
            "base": "framework-2025",
            "parameters": overrides,
            "references": [ref],
        }
    )


class _ReadRecorder(Mapping[str, Parameter]):
    """The world's parameters, noting which ones are read (see `_shared_parts`)."""

    def __init__(self, params: Mapping[str, Parameter]) -> None:
        self._params = params
        self.read: dict[str, Parameter] = {}

    def __getitem__(self, key: str) -> Parameter:
        param = self._params[key]
        self.read[key] = param
        return param

    def __iter__(self) -> Iterator[str]:
        return iter(self._params)

    def __len__(self) -> int:
        return len(self._params)


_FAR = (dt.date.min, dt.date.max)
PARTS_CACHE_LIMIT = 4096  # entries per World; ~250 are enough for every shipped scenario


def _validity(ev: Evaluation, read: Mapping[str, Parameter]) -> tuple[dt.date, dt.date]:
    """[lo, hi): the dates around `ev.day` on which every dated input of the shared parts
    is the same - the provision epoch (which provisions are in force, hence `not_applied`)
    and the entry in force of every parameter that was read."""
    lo, hi = _FAR
    points = list(ev.world.compiled.breakpoints)
    for param in read.values():
        points.extend(param.values)
    for d in points:
        if d <= ev.day:
            lo = max(lo, d)
        else:
            hi = min(hi, d)
    return lo, hi


def _shared_parts(ev: Evaluation, cache: bool = True) -> dict[str, Any]:
    """The parts of a result that depend only on what fired and the dated inputs, not on
    the country or the exact date.

    Many countries share an evaluation (see CompiledRegime.signature), and the parts stay
    the same between two dates at which a dated input changes (a provision window, a
    parameter entry), so they are cached per World by (evaluation, validity interval):
    a world-wide sweep over monthly dates builds each distinct part once. The interval
    is measured from the parameters actually read while building, so a parameter added
    to a formula can never be missed. `cache=False` builds afresh (the reference path of
    tests/test_answer_identity.py).
    """
    world, day = ev.world, ev.day
    entries = world.result_cache.get(id(ev.resolutions)) if cache else None
    if entries:
        for lo, hi, resolutions, parts in entries:
            if lo <= day < hi and resolutions is ev.resolutions:
                return parts
    recorder = _ReadRecorder(world.parameters)
    parts = _build_parts(ev, recorder)
    if cache:
        if sum(len(v) for v in world.result_cache.values()) >= PARTS_CACHE_LIMIT:
            world.result_cache.clear()  # bounded: start again rather than grow
        lo, hi = _validity(ev, recorder.read)
        # the entry keeps `ev.resolutions` alive, so its id cannot be reused meanwhile
        world.result_cache.setdefault(id(ev.resolutions), []).append(
            (lo, hi, ev.resolutions, parts)
        )
    return parts


def _build_parts(ev: Evaluation, params: Mapping[str, Parameter]) -> dict[str, Any]:
    world, day = ev.world, ev.day
    h100 = parameter_use(params, H100_PARAM, day)
    if not isinstance(h100.value, int) or h100.value <= 0:
        raise RuleConflictError(f"{H100_PARAM} must be a positive TPP on {day}, not {h100.value!r}")
    pathways = [
        pathway_result(res.winners, params, day, h100)
        for out, res in sorted(ev.resolutions.items())
        if out.startswith("pathway:")
    ]
    used: dict[str, ParameterUse] = {}
    for res in ev.resolutions.values():
        for p in res.winners:
            for node in walk(p.when):
                if isinstance(node, FactTest) and node.op == "in_param":
                    used.setdefault(node.operand, parameter_use(params, node.operand, day))
    lists = list(used.values())  # country lists the deciding provisions read (Supp. No. 5 ...)
    for pw in pathways:
        for u in pw.parameters:
            used.setdefault(u.id, u)
    used.setdefault(h100.id, h100)
    review = ev.value("review_policy")
    winners = [p for r in ev.resolutions.values() for p in r.winners]
    applicable = {a.id for a in ev.applicable}
    return {
        "tier": ev.value("tier"),
        "licence_required": bool(ev.value("licence_required")),
        "review_policy": review.policy if review else None,
        "review_detail": review.detail if review else None,
        "pathways": pathways,
        "status": weakest(
            [p.status for p in winners]
            + [u.status for u in lists]
            + [pw.status for pw in pathways]
            # the H100e figures rest on the conversion as soon as any ceiling is a number
            + ([h100.status] if any(pw.ceiling_tpp is not None for pw in pathways) else [])
        ),
        "status_reason": _weakest_input(winners, lists, pathways, h100),
        "citations": sorted({p.citation for p in winners}),
        "fired": _firings(ev),
        "not_applied": [
            NotApplied(
                id=p.id,
                title=p.title,
                citation=p.citation,
                output=p.then.output,
                requires=describe(p.when),
            )
            for p in sorted(world.regime.provisions, key=lambda p: p.id)
            if p.valid.contains(day) and p.id not in applicable
        ],
        "h100_tpp": h100,
        "total_reachable": total_reachable(pathways, world.compiled.provisions, params, day, h100),
        "warnings": [
            f"{res.value.text} [{res.winners[0].citation}; {res.winners[0].status.value}]"
            for out, res in sorted(ev.resolutions.items())
            if out.startswith("warning:")
        ],
        "parameters_used": list(used.values()),
        "key_dates": [f"{d.date}: {d.label} ({d.citation})" for d in world.regime.header.key_dates],
    }


def _weakest_input(
    winners: list[Provision],
    lists: list[ParameterUse],
    pathways: list[PathwayResult],
    h100: ParameterUse,
) -> str:
    """Name the input that sets the answer's status: the first of the weakest among the
    provisions that defined an output and the parameters the pathways read."""
    inputs: list[tuple[Status, str]] = [
        (p.status, f"provision {p.id} ({p.citation})") for p in sorted(winners, key=lambda p: p.id)
    ]
    inputs.extend(
        (u.status, f"parameter {u.id} from {u.effective}" + (f" ({u.note})" if u.note else ""))
        for u in lists
        if u.status is not Status.primary
    )
    for pw in pathways:
        for u in pw.parameters:
            note = f" ({u.note})" if u.note and u.status is not Status.primary else ""
            inputs.append(
                (u.status, f"parameter {u.id} = {_shown(u.value)} from {u.effective}{note}")
            )
        if pw.ceiling_tpp is not None:
            inputs.append((h100.status, f"parameter {h100.id} = {h100.value:,} (H100e conversion)"))
    if not inputs:
        return ""
    status, what = max(inputs, key=lambda i: i[0].rank)  # max keeps the first of equals
    return f"{status.value}: {what}"


def _shown(value: object) -> str:
    return f"{value:,}" if isinstance(value, int) else str(value)


def with_law(parts: dict[str, Any], law: LawContext | None) -> dict[str, Any]:
    """The shared parts of a result with the law in force on its date (see `law_on`)."""
    if law is None:
        return parts
    return {
        **parts,
        "regime_in_force": law.regime_in_force,
        "regime_in_force_title": law.regime_in_force_title,
        "banner": law.banner,
        "warnings": ([law.banner] if law.banner else []) + parts["warnings"],
    }


def build_result(
    ev: Evaluation,
    chips: Mapping[str, ChipSpec] | None = None,
    law: LawContext | None = None,
    cache: bool = True,
) -> QueryResult:
    """Quantify one evaluation into a validated, cited QueryResult."""
    parts = with_law(_shared_parts(ev, cache), law)
    h100 = parts["h100_tpp"].value
    return QueryResult(
        country=ev.country.code,
        country_name=ev.country.name,
        scenario=ev.world.scenario_id,
        scenario_title=ev.world.title,
        as_of=ev.day,
        groups=sorted(ev.inputs["groups"]),
        item=ev.inputs["item"],
        deals=deal_results(ev, chips, h100),
        **parts,
    )
