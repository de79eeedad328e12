"""Scenarios as data (PolicyEngine-style reforms): a base plus validated overrides.

A scenario never contains code and never mutates its base: applying it builds a new
World. Overrides are validated whole (schema here, references in `scenario.py`)
before anything is applied.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

from pydantic import Field, field_validator, model_validator

from .common import Reference, Status, StrictModel
from .country import DatedFact, Deal, GroupChange
from .parameter import DatedValue
from .regime import RegimeWindow

FRACTION_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$|^\s*(\d+)\s*$")


class ParameterOverride(StrictModel):
    """One of: dated `values` merged into the base; a `scale` of every value; or list
    edits (`add`/`remove` from a date on) of a country-list parameter."""

    values: dict[dt.date, DatedValue] | None = None
    scale: str | None = Field(default=None, description="a fraction such as 1/2 or 2")
    add: list[str] | None = None
    remove: list[str] | None = None
    start: dt.date | None = Field(default=None, alias="from")
    status: Status | None = None
    note: str | None = None
    references: list[Reference] = Field(default_factory=list)

    @field_validator("scale")
    @classmethod
    def _fraction(cls, v: str | None) -> str | None:
        if v is not None:
            m = FRACTION_RE.match(str(v))
            ok = bool(m) and not (m.group(2) is not None and int(m.group(2)) == 0)
            if not ok or Fraction(str(v).replace(" ", "")) <= 0:
                raise ValueError("scale must be a positive fraction such as 1/2 or 2")
        return v

    @property
    def fraction(self) -> Fraction:
        assert self.scale is not None
        return Fraction(self.scale.replace(" ", ""))

    @model_validator(mode="after")
    def _one_kind(self) -> ParameterOverride:
        kinds = [
            k for k, on in (
                ("values", self.values is not None),
                ("scale", self.scale is not None),
                ("add/remove", self.add is not None or self.remove is not None),
            ) if on
        ]  # fmt: skip
        if len(kinds) != 1:
            raise ValueError(
                f"an override needs exactly one of values, scale, add/remove; got {kinds or 'none'}"
            )
        if kinds[0] != "values" and (self.status is None or not self.references):
            raise ValueError("a scale or list edit needs its own status and references")
        if kinds[0] == "add/remove" and self.start is None:
            raise ValueError("a list edit needs 'from': the date it takes effect")
        return self


class CountryOverride(StrictModel):
    facts: dict[str, list[DatedFact]] = Field(default_factory=dict)
    group_changes: list[GroupChange] = Field(default_factory=list)
    deals: list[Deal] = Field(
        default_factory=list
    )  # added to the country's deals (facts, not rules)


class Scenario(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=3)
    description: str = Field(min_length=3)
    base: str | None = None
    regimes: list[RegimeWindow] | None = Field(default=None, min_length=1)
    parameters: dict[str, ParameterOverride] = Field(default_factory=dict)
    countries: dict[str, CountryOverride] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)
    references: list[Reference] = Field(min_length=1)

    @model_validator(mode="after")
    def _base_or_regimes(self) -> Scenario:
        if (self.base is None) == (self.regimes is None):
            raise ValueError(
                "a scenario needs exactly one of 'base' (a regime or scenario) or 'regimes'"
            )
        if self.regimes is not None and (self.parameters or self.countries):
            raise ValueError(
                "a composite ('regimes') scenario cannot also override; compose instead: a+b"
            )
        return self
