"""Scenarios as data (PolicyEngine-style reforms): a base plus validated overrides.

A scenario never contains code and never mutates its base: applying it builds a new
World. Overrides are validated whole (schema here, references in `scenario.py`)
before anything is applied.
"""

import datetime as dt
from fractions import Fraction
from typing import Any

from pydantic import Field, field_validator, model_validator

from .common import Reference, Status, StrictModel
from .condition import Condition
from .country import DatedFact, Deal, GroupChange
from .parameter import DatedValue, ParamValue, exact_number
from .regime import RegimeWindow


class ParameterOverride(StrictModel):
    """One of: dated `values` merged into the base; `set` one value (on every dated
    entry, or from a date on); an exact `scale` of every value; or list edits
    (`add`/`remove` from a date on) of a country-list parameter."""

    values: dict[dt.date, DatedValue] | None = None
    set: ParamValue = Field(default=None, description="the value, e.g. 1_200_000_000 or 120/79")
    scale: Any = Field(default=None, description="an exact factor: 1/2, 60/79, 0.75 or 2")
    add: list[str] | None = None
    remove: list[str] | None = None
    start: dt.date | None = Field(default=None, alias="from")
    status: Status | None = None
    note: str | None = None
    references: list[Reference] = Field(default_factory=list)

    @field_validator("scale", mode="before")
    @classmethod
    def _exact_factor(cls, v: Any) -> Any:
        if v is None:
            return v
        f = exact_number(v)
        if isinstance(f, bool) or not isinstance(f, (int, Fraction)) or f <= 0:
            raise ValueError(
                f"scale must be a positive exact number such as 1/2, 60/79, 0.75 or 2, not {v!r}"
            )
        return Fraction(f)

    @property
    def fraction(self) -> Fraction:
        assert self.scale is not None
        return Fraction(self.scale)

    @property
    def kind(self) -> str:
        return next(
            k for k, on in (
                ("values", self.values is not None), ("set", "set" in self.model_fields_set),
                ("scale", self.scale is not None),
                ("add/remove", self.add is not None or self.remove is not None),
            ) if on
        )  # fmt: skip

    @model_validator(mode="after")
    def _one_kind(self) -> "ParameterOverride":
        kinds = [
            k for k, on in (
                ("values", self.values is not None),
                ("set", "set" in self.model_fields_set),
                ("scale", self.scale is not None),
                ("add/remove", self.add is not None or self.remove is not None),
            ) if on
        ]  # fmt: skip
        if len(kinds) != 1:
            raise ValueError(
                "an override needs exactly one of values, set, scale, add/remove; "
                f"got {kinds or 'none'}"
            )
        if kinds[0] != "values" and (self.status is None or not self.references):
            raise ValueError(f"a {kinds[0]} override needs its own status and references")
        if kinds[0] == "add/remove" and self.start is None:
            raise ValueError("a list edit needs 'from': the date it takes effect")
        if kinds[0] == "scale" and self.start is not None:
            raise ValueError("'from' goes with set or add/remove; a scale applies to every date")
        return self


class CountryOverride(StrictModel):
    facts: dict[str, list[DatedFact]] = Field(default_factory=dict)
    group_changes: list[GroupChange] = Field(default_factory=list)
    deals: list[Deal] = Field(
        default_factory=list
    )  # added to the country's deals (facts, not rules)


class CountriesWhere(StrictModel):
    """Overrides for every country that meets a condition on a date: "every Tier 2
    country signs an arrangement". `where` is a condition of the rule language, read in
    the world the scenario is applied to (before its own country overrides) on `as_of`."""

    where: Condition
    as_of: dt.date  # the date `where` is read on
    facts: dict[str, list[DatedFact]] = Field(default_factory=dict)
    group_changes: list[GroupChange] = Field(default_factory=list)
    # country-list parameters the selected countries join, from `as_of` on
    add_to: list[str] = Field(default_factory=list)
    status: Status | None = None  # of the list edits (`add_to`)
    references: list[Reference] = Field(default_factory=list)
    note: str | None = None

    @model_validator(mode="after")
    def _something(self) -> "CountriesWhere":
        if not self.facts and not self.group_changes and not self.add_to:
            raise ValueError("countries_where needs facts, group_changes or add_to to apply")
        if self.add_to and (self.status is None or not self.references):
            raise ValueError("add_to edits country lists: give its status and references")
        return self


class Scenario(StrictModel):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=3)
    description: str = Field(min_length=3)
    base: str | None = None
    regimes: list[RegimeWindow] | None = Field(default=None, min_length=1)
    parameters: dict[str, ParameterOverride] = Field(default_factory=dict)
    countries: dict[str, CountryOverride] = Field(default_factory=dict)
    countries_where: list[CountriesWhere] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    references: list[Reference] = Field(min_length=1)

    @model_validator(mode="after")
    def _base_or_regimes(self) -> "Scenario":
        if (self.base is None) == (self.regimes is None):
            raise ValueError(
                "a scenario needs exactly one of 'base' (a regime or scenario) or 'regimes'"
            )
        if self.regimes is not None and (self.parameters or self.countries or self.countries_where):
            raise ValueError(
                "a composite ('regimes') scenario cannot also override; compose instead: a+b"
            )
        return self
