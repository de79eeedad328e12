"""Build Worlds from scenario specs: `framework-2025`, `current-law`,
`framework-2025+israel-arrangement`, or a user's file `./my-scenario.yaml`.

A spec is `first+second+...`: the first names a regime, a scenario or a file; each
later part is a scenario whose overrides are applied in order. Every override set is
validated whole against the world it applies to before anything is applied, and
applying builds new objects: the base World is never mutated.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

from pydantic import ValidationError

from .errors import TierscopeError, UnknownCountryError, UnknownScenarioError
from .loader import RuleBase, clip, load_scenario
from .models.common import Status, weakest
from .models.country import Country
from .models.parameter import (
    RATIONAL_UNITS,
    DatedValue,
    Parameter,
    Unit,
    format_exact,
    unit_problem,
)
from .models.regime import Regime, RegimeHeader
from .models.scenario import CountriesWhere, CountryOverride, ParameterOverride, Scenario
from .validation import did_you_mean
from .world import World


class ScenarioError(TierscopeError):
    """A scenario that cannot be applied (lists every problem found)."""


T = TypeVar("T")


class Overlay(Mapping[str, T]):
    """A base mapping with some entries replaced; the base is left untouched (and, when
    it loads files on demand, is not forced to load them all)."""

    def __init__(self, base: Mapping[str, T], changed: Mapping[str, T]) -> None:
        if isinstance(base, Overlay):  # one level, however many scenarios are stacked
            changed = {**base._changed, **changed}
            base = base._base
        self._base = base
        self._changed = dict(changed)

    def __getitem__(self, key: str) -> T:
        return self._changed[key] if key in self._changed else self._base[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._base)

    def __len__(self) -> int:
        return len(self._base)


def is_path(spec: str) -> bool:
    return spec.endswith((".yaml", ".yml")) or "/" in spec or "\\" in spec


def resolve_scenario(rb: RuleBase, name: str) -> Scenario:
    if is_path(name):
        path = Path(name).expanduser()
        try:
            found = path.is_file()
        except OSError as exc:  # e.g. a file name longer than the system allows
            raise UnknownScenarioError(
                f"cannot read scenario file {name[:80]!r}: {exc.strerror}"
            ) from None
        if not found and path.exists():
            raise UnknownScenarioError(f"cannot read scenario file {name[:80]}: not a regular file")
        if not found:
            raise UnknownScenarioError(f"scenario file not found: {name[:80]}")
        return load_scenario(path)
    if name in rb.scenarios:
        return rb.scenarios[name]
    known = sorted([*rb.regimes, *rb.scenarios])
    raise UnknownScenarioError(
        f"unknown scenario {name[:80]!r}{did_you_mean(name, known)}; known: {', '.join(known)}"
    )


# How many scenarios one spec may stack, and how long a chain of `base:` may be: far
# beyond any real reform, and a clear error instead of exhausted memory or recursion.
MAX_SPEC_PARTS = 64
MAX_BASE_CHAIN = 64


def build_world(rb: RuleBase, spec: str) -> World:
    parts = [p.strip() for p in spec.split("+")]
    if not all(parts):
        raise UnknownScenarioError(f"malformed scenario spec {spec[:80]!r}: use a, a+b or a+b+c")
    if len(parts) > MAX_SPEC_PARTS:
        raise UnknownScenarioError(
            f"scenario spec of {len(parts)} parts: at most {MAX_SPEC_PARTS} may be combined"
        )
    world = _base_world(rb, parts[0], ())
    for part in parts[1:]:
        scen = resolve_scenario(rb, part)
        if scen.regimes is not None:
            raise ScenarioError(
                f"{scen.id} sets the regimes for each date, so it can only come first in a spec"
            )
        world = apply_scenario(rb, world, scen)
    if len(parts) > 1:
        world = World(
            spec,
            " + ".join(_title(rb, p) for p in parts),
            world.regime,
            world.parameters,
            world.countries,
            world.notes,
        )
    return world


def _title(rb: RuleBase, name: str) -> str:
    if name in rb.regimes:
        return rb.regimes[name].header.title
    if name in rb.scenarios:
        return rb.scenarios[name].title
    return name


def _base_world(rb: RuleBase, name: str, chain: tuple[str, ...]) -> World:
    if name in chain:
        raise ScenarioError(
            f"scenarios are based on each other in a cycle: {' -> '.join((*chain, name))}"
        )
    if len(chain) >= MAX_BASE_CHAIN:
        raise ScenarioError(
            f"scenario {chain[0]} is built on a chain of more than {MAX_BASE_CHAIN} "
            f"scenarios ({' -> '.join(chain[:3])} -> ...); shorten the chain of `base:`"
        )
    if name in rb.regimes:
        r = rb.regimes[name]
        return World(r.id, r.header.title, r, rb.parameters, rb.countries)
    scen = resolve_scenario(rb, name)
    if scen.regimes is not None:
        from .validated_cache import cached_value, origin_key  # loaded with the first file

        # built from validated models only: the keys of the files they were read from (or
        # else their reprs) say all it depends on
        parts = [rb.regimes[w.regime] for w in scen.regimes if w.regime in rb.regimes]
        keys = [origin_key(x) for x in (scen, *parts)]
        content = (
            "files:" + ",".join(k.hex() for k in keys if k is not None)
            if all(keys)
            else repr([scen, *parts])
        )
        regime = cached_value("composite-regime", content, lambda: composite_regime(rb, scen))
        return World(
            scen.id,
            scen.title,
            regime,
            rb.parameters,
            rb.countries,
            tuple(scen.notes),
        )
    assert scen.base is not None
    base = _base_world(rb, scen.base, (*chain, name))
    world = apply_scenario(rb, base, scen)
    return World(scen.id, scen.title, world.regime, world.parameters, world.countries, world.notes)


def composite_regime(rb: RuleBase, scen: Scenario) -> Regime:
    """One regime made of several, each in force over its own window."""
    provisions = []
    key_dates = []
    problems = []
    for w in scen.regimes or []:
        if w.regime not in rb.regimes:
            problems.append(f"regimes: unknown regime {w.regime!r}")
            continue
        r = rb.regimes[w.regime]
        key_dates.extend(r.header.key_dates)
        for p in r.provisions:
            c = clip(p, w.start, w.until)
            if c is not None:
                provisions.append(c)
    if problems:
        raise ScenarioError(f"scenario {scen.id}: " + "; ".join(problems))
    header = RegimeHeader(
        id=scen.id,
        title=scen.title,
        description=scen.description,
        references=scen.references,
        key_dates=sorted(key_dates, key=lambda d: d.date),
    )
    # an included regime may already carry the same provision (e.g. post-rescission includes
    # pre-framework): keep each id once per window, first come first kept
    seen: dict[tuple[str, dt.date], None] = {}
    unique = []
    for p in provisions:
        key = (p.id, p.valid.start)
        if key not in seen:
            seen[key] = None
            unique.append(p)
    return Regime(header=header, provisions=tuple(unique))


def check_overrides(rb: RuleBase, world: World, scen: Scenario) -> list[str]:
    """Every problem with applying `scen` to `world`, found before anything is applied."""
    problems: list[str] = []
    if scen.base is not None and scen.base not in rb.regimes and scen.base not in rb.scenarios:
        known = [*rb.regimes, *rb.scenarios]
        problems.append(
            f"base: unknown regime or scenario {scen.base!r}{did_you_mean(scen.base, known)}"
        )
    for pid, ov in scen.parameters.items():
        param = world.parameters.get(pid)
        if param is None:
            problems.append(
                f"parameters.{pid}: no such parameter{did_you_mean(pid, world.parameters)}"
            )
            continue
        problems.extend(f"parameters[{pid}]{p}" for p in override_problems(param, ov, world))
    for code in scen.countries:
        if code not in world.countries:
            problems.append(f"countries.{code}: unknown country code{_code_hint(code, world)}")
    for i, sel in enumerate(scen.countries_where):
        for pid in sel.add_to:
            param = world.parameters.get(pid)
            if param is None or param.unit is not Unit.countries:
                problems.append(
                    f"countries_where.{i}.add_to: {pid!r} is not a country-list parameter"
                )
    return problems


def override_problems(param: Parameter, ov: ParameterOverride, world: World) -> list[str]:
    """What is wrong with applying `ov` to `param` (each starting with a field suffix)."""
    problems: list[str] = []
    is_list = param.unit is Unit.countries
    if ov.values is not None:
        for d, dv in ov.values.items():
            problem = unit_problem(param.unit, dv.value)
            if problem:
                problems.append(f".values[{d}].value: {problem}")
            for code in dv.value if isinstance(dv.value, list) else []:
                if code not in world.countries:
                    problems.append(f".values[{d}].value: unknown country code {code!r}")
    if ov.kind == "set":
        problem = unit_problem(param.unit, ov.set)
        if problem:
            problems.append(f".set: {problem}")
        for code in ov.set if isinstance(ov.set, list) else []:
            if code not in world.countries:
                problems.append(f".set: unknown country code {code!r}")
    if ov.scale is not None:
        if is_list:
            problems.append(": cannot scale a country list")
        else:
            for d, dv in param.values.items():
                if dv.value is None or isinstance(dv.value, list):
                    continue
                exact = ov.fraction * dv.value
                if exact.denominator != 1 and param.unit not in RATIONAL_UNITS:
                    problems.append(
                        f".scale: {format_exact(dv.value)} x {format_exact(ov.fraction)} = "
                        f"{format_exact(exact)} on {d} is not a whole number of "
                        f"{param.unit.value}; the value would have to be rounded, so the scale "
                        "is rejected: use `set` with the value you mean"
                    )
    if ov.add is not None or ov.remove is not None:
        if not is_list:
            problems.append(": add/remove only apply to country lists")
        for code in [*(ov.add or []), *(ov.remove or [])]:
            if code not in world.countries:
                problems.append(f": unknown country code {code!r}")
    return problems


def _code_hint(code: str, world: World) -> str:
    """' (did you mean 'IL'?)' for a name or alpha-3 code of a known country."""
    from .country_lookup import resolve_country

    try:
        return f" (did you mean {resolve_country(code, world.countries)!r}?)"
    except UnknownCountryError as exc:
        return f" (did you mean {exc.suggestions[0]}?)" if exc.suggestions else ""


def apply_scenario(rb: RuleBase, world: World, scen: Scenario) -> World:
    """A new World: `world` with `scen`'s overrides (validated first; `world` is untouched)."""
    problems = check_overrides(rb, world, scen)
    if problems:
        raise ScenarioError(f"scenario {scen.id} cannot be applied: " + "; ".join(problems))
    try:
        return _apply(world, scen)
    except ValidationError as exc:
        # e.g. a scale that takes a value past 2**62, or a group change before the snapshot
        err = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in err["loc"])
        raise ScenarioError(
            f"scenario {scen.id} cannot be applied: {where + ': ' if where else ''}{err['msg']}"
        ) from None


def _apply(world: World, scen: Scenario) -> World:
    edited = {
        pid: override_parameter(world.parameters[pid], ov) for pid, ov in scen.parameters.items()
    }
    changed: dict[str, Country] = {}
    for i, sel in enumerate(scen.countries_where):
        try:
            codes = selected(world, sel)
        except TierscopeError as exc:
            raise ScenarioError(
                f"scenario {scen.id}: countries_where[{i}]: {exc.message}"
            ) from None
        for pid in sel.add_to:
            edit = ParameterOverride.model_validate(
                {
                    "add": codes,
                    "from": sel.as_of,
                    "status": sel.status,
                    "references": sel.references,
                    "note": sel.note,
                }
            )
            edited[pid] = override_parameter(edited.get(pid, world.parameters[pid]), edit)
        for code in codes:
            changed[code] = _edit_country(changed.get(code, world.countries[code]), sel)
    for code, cov in scen.countries.items():
        changed[code] = _edit_country(changed.get(code, world.countries[code]), cov)
    params = Overlay(world.parameters, edited)
    countries = Overlay(world.countries, changed) if changed else world.countries
    return World(scen.id, scen.title, world.regime, params, countries, (*world.notes, *scen.notes))


def _edit_country(base: Country, cov: CountryOverride | CountriesWhere) -> Country:
    """`base` with dated facts replaced and group changes added (a new Country)."""
    facts = {**base.facts, **cov.facts}
    changes = sorted([*base.changes, *cov.group_changes], key=lambda c: c.date)
    return Country.model_validate(
        {
            **base.model_dump(by_alias=True),
            "facts": {k: [f.model_dump(by_alias=True) for f in v] for k, v in facts.items()},
            "changes": [c.model_dump() for c in changes],
            # deals a route records (a licensed quantity): facts, never rules
            "deals": [d.model_dump() for d in (*base.deals, *getattr(cov, "deals", []))],
        }
    )


def selected(world: World, sel: CountriesWhere) -> list[str]:
    """The countries that meet `sel.where` in `world` on `sel.as_of` (outputs such as the
    tier are those `world` gives on that date)."""
    from .evaluate import evaluate
    from .oracle import holds

    out = []
    for code in world.countries:
        ev = evaluate(world, world.countries[code], sel.as_of)
        if holds(sel.where, ev.facts, world.parameters, sel.as_of):
            out.append(code)
    return out


def _scaled(value: int | Fraction, ov: ParameterOverride) -> int | Fraction:
    """Exact: the product, as an int when whole (check_overrides rejected any product
    that the unit cannot hold)."""
    exact = ov.fraction * value
    return int(exact) if exact.denominator == 1 else exact


def override_parameter(param: Parameter, ov: ParameterOverride) -> Parameter:
    """A new Parameter with `ov` applied; `param` is unchanged."""
    values: dict[dt.date, DatedValue] = dict(param.values)
    refs = list(ov.references)
    if ov.values is not None:
        values.update(ov.values)
    elif ov.kind == "set":
        # every dated value from `from` on (all of them without `from`); repeals stay
        status = ov.status or Status.unverified
        note = "set by scenario" + (f": {ov.note}" if ov.note else "")
        if ov.start is not None:
            values[ov.start] = DatedValue(value=ov.set, status=status, note=note, references=refs)
        for d, dv in param.values.items():
            if dv.value is not None and (ov.start is None or d > ov.start):
                values[d] = DatedValue(value=ov.set, status=status, note=note, references=refs)
    elif ov.scale is not None:
        for d, dv in param.values.items():
            if isinstance(dv.value, (int, Fraction)):
                values[d] = DatedValue(
                    value=_scaled(dv.value, ov),
                    status=weakest([dv.status, ov.status or Status.unverified]),
                    note=f"{format_exact(dv.value)} x {format_exact(ov.fraction)}"
                    + (f": {ov.note}" if ov.note else ""),
                    references=[*dv.references, *refs],
                )
    else:
        assert ov.start is not None
        dates = sorted({ov.start, *(d for d in param.values if d > ov.start)})
        for d in dates:
            entry = param.entry_at(d)
            base_list = entry[1].value if entry and isinstance(entry[1].value, list) else []
            base_status = entry[1].status if entry else Status.unverified
            base_refs = list(entry[1].references) if entry else []
            new = [c for c in base_list if c not in (ov.remove or [])]
            new += [c for c in (ov.add or []) if c not in new]
            values[d] = DatedValue(
                value=new,
                status=weakest([base_status, ov.status or Status.unverified]),
                note=(
                    f"edited by scenario: +{ov.add or []} -{ov.remove or []}"
                    + (f": {ov.note}" if ov.note else "")
                ),
                references=[*base_refs, *refs],
            )
    return Parameter.model_validate({**param.model_dump(exclude={"values"}), "values": values})
