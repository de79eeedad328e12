"""Routes between tiers (rules/pathways/*.yaml): what a route needs, and what taking it does.

A route is data, like a provision: preconditions in the condition language (evaluated
by the same engine as the rules) and an effect written in the scenario language, so
that taking a route is applying a scenario. Two placeholders make one route file serve
every country and date: `COUNTRY` (the country taking the route, in list edits) and
`TAKEN_ON` (the date it is taken: the as-of date of the question). Entity-level routes (NVEU,
UVEU) raise an assumption count instead of editing the law, since the rule limits each
entity, not their number; deal routes record a licensed quantity, never a rule.
"""

import datetime as dt
from typing import Any, Literal

from pydantic import Field, model_validator

from .common import Reference, Status, StrictModel, Window
from .condition import Condition
from .country import Deal, GroupChange
from .scenario import CountryOverride, ParameterOverride

# What `TAKEN_ON` and `COUNTRY` stand for while a route file is validated on its own.
CHECK_DATE = dt.date(2025, 6, 1)
CHECK_COUNTRY = "ZZ"
ROUTE_ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"


class Precondition(StrictModel):
    """One condition the route needs, with the words shown when it does not hold."""

    when: Condition
    text: str = Field(min_length=10, description="the precondition in an analyst's words")
    fact_hint: str | None = Field(
        default=None, description="how a scenario sets the fact, for political preconditions"
    )


class AssumptionIncrement(StrictModel):
    """Raise an assumption count (e.g. one more NVEU) by `add`, on every dated value."""

    add: int = Field(gt=0, lt=2**40)
    status: Status
    note: str | None = None
    references: list[Reference] = Field(min_length=1)


class RouteEffect(StrictModel):
    """Scenario overrides: `parameters` as in a scenario file (list edits may name
    COUNTRY), `country` as a scenario's `countries.<code>` block for the country taking
    the route, `assumptions` increments, and `licensed` deals (a quantity, never law)."""

    parameters: dict[str, ParameterOverride] = Field(default_factory=dict)
    country: CountryOverride | None = None
    assumptions: dict[str, AssumptionIncrement] = Field(default_factory=dict)
    licensed: list[Deal] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self) -> "RouteEffect":
        if not (self.parameters or self.country or self.assumptions or self.licensed):
            raise ValueError(
                "an effect needs at least one of parameters, country, assumptions, licensed"
            )
        for d in self.licensed:
            if not d.chips:
                raise ValueError("a licensed deal needs 'chips' (e.g. \"35000 x GB300\")")
        return self


def effect_words(effect: RouteEffect) -> list[str]:
    """The effect as a list of scenario overrides in words (shown by `pathways`)."""
    out = []
    for pid, ov in effect.parameters.items():
        if ov.add or ov.remove:
            edits = [
                f"add {', '.join(ov.add)}" if ov.add else "",
                f"remove {', '.join(ov.remove)}" if ov.remove else "",
            ]
            out.append(f"{pid}: {' and '.join(e for e in edits if e)} from {ov.start}")
        elif ov.scale is not None:
            out.append(f"{pid}: scaled by {ov.scale}")
        else:
            out.append(f"{pid}: dated values replaced")
    if effect.country is not None:
        for fact, items in effect.country.facts.items():
            for f in items:
                out.append(f"country fact {fact} = {str(f.value).lower()} from {f.start}")
        for ch in effect.country.group_changes:
            parts = [
                f"add {', '.join(ch.add)}" if ch.add else "",
                f"remove {', '.join(ch.remove)}" if ch.remove else "",
            ]
            out.append(f"country groups: {' and '.join(p for p in parts if p)} on {ch.date}")
    for name, inc in effect.assumptions.items():
        out.append(f"assumptions.{name}: +{inc.add:,}")
    for d in effect.licensed:
        out.append(f"deal recorded on {d.date}: {d.chips} ({d.kind})")
    return out


def substitute(data: Any, country: str, day: dt.date) -> Any:
    """The raw effect with `COUNTRY` and `TAKEN_ON` replaced (plain data in, plain data out)."""
    if isinstance(data, dict):
        return {substitute(k, country, day): substitute(v, country, day) for k, v in data.items()}
    if isinstance(data, list):
        return [substitute(v, country, day) for v in data]
    if data == "COUNTRY":
        return country
    if data == "TAKEN_ON":
        return day
    return data


class Route(StrictModel):
    id: str = Field(pattern=ROUTE_ID_PATTERN)
    title: str = Field(min_length=3)
    description: str = Field(min_length=10)
    regimes: list[str] = Field(min_length=1, description="regimes in which the route exists")
    valid: Window | None = Field(default=None, description="dates the route exists, if narrower")
    status: Status
    status_note: str | None = None
    entity: str | None = Field(default=None, description="whose status an entity-level route needs")
    citations: list[str] = Field(min_length=1)
    references: list[Reference] = Field(min_length=1)
    preconditions: list[Precondition] = Field(default_factory=list)
    opens: list[str] = Field(default_factory=list)
    closes: list[str] = Field(default_factory=list)
    effect: RouteEffect
    # the effect as written, with its placeholders (set from `effect` when validating)
    effect_template: Any = Field(default=None, exclude=True, repr=False)

    @model_validator(mode="before")
    @classmethod
    def _placeholders(cls, data: Any) -> Any:
        """Validate the effect with stand-ins for COUNTRY and TAKEN_ON; keep the template."""
        if isinstance(data, dict) and "effect" in data:
            raw = data["effect"]
            data = dict(data)
            data["effect_template"] = raw
            data["effect"] = substitute(raw, CHECK_COUNTRY, CHECK_DATE)
        return data

    def effect_for(self, country: str, day: dt.date) -> RouteEffect:
        """The effect for `country` taking the route on `day`, validated."""
        return RouteEffect.model_validate(substitute(self.effect_template, country, day))


Kind = Literal["open", "closed"]

__all__ = [
    "CHECK_COUNTRY",
    "CHECK_DATE",
    "AssumptionIncrement",
    "GroupChange",
    "Kind",
    "Precondition",
    "Route",
    "RouteEffect",
    "substitute",
]
