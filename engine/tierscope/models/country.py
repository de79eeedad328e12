"""Country facts: EAR country groups on 15 January 2025, dated changes, dated facts."""

import datetime as dt
from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator

from ..vocabulary import COUNTRY_GROUPS
from .common import Reference, Status, StrictModel


def _known_groups(v: list[str]) -> list[str]:
    bad = [g for g in v if g not in COUNTRY_GROUPS]
    if bad:
        raise ValueError(f"unknown country group(s) {bad}; known: {', '.join(COUNTRY_GROUPS)}")
    if len(set(v)) != len(v):
        raise ValueError("a country group is listed twice")
    return v


class GroupSnapshot(StrictModel):
    as_of: dt.date
    members: list[str]
    status: Status
    note: str | None = None
    references: list[Reference] = Field(min_length=1)

    @field_validator("members")
    @classmethod
    def _check(cls, v: list[str]) -> list[str]:
        return _known_groups(v)


class GroupChange(StrictModel):
    date: dt.date
    add: list[str] = Field(default_factory=list)
    remove: list[str] = Field(default_factory=list)
    status: Status
    note: str | None = None
    references: list[Reference] = Field(min_length=1)

    @field_validator("add", "remove")
    @classmethod
    def _check(cls, v: list[str]) -> list[str]:
        return _known_groups(v)


class DatedFact(StrictModel):
    """A country fact from a date on, e.g. a government-to-government arrangement."""

    start: dt.date = Field(alias="from")
    value: StrictBool
    status: Status
    note: str | None = None
    references: list[Reference] = Field(min_length=1)


class Deal(StrictModel):
    """A bilateral deal, licence grant or announcement: a dated fact, not a rule."""

    date: dt.date
    title: str = Field(min_length=3)
    kind: Literal["licence", "approval", "agreement", "announcement"]
    parties: list[str] = Field(default_factory=list)
    chips: str | None = Field(default=None, description='an order such as "35000 x GB300"')
    per_year: bool = False
    status: Status
    note: str | None = None
    references: list[Reference] = Field(min_length=1)


# Country facts a file may carry (the engine's input facts other than groups).
COUNTRY_FACTS = (
    "g2g_arrangement",
    "leader_channel_decision",
    "regional_settlement",
    "trusted_tech_agreement",
)


class Country(StrictModel):
    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str
    groups: GroupSnapshot
    changes: list[GroupChange] = Field(default_factory=list)
    facts: dict[str, list[DatedFact]] = Field(default_factory=dict)
    deals: list[Deal] = Field(default_factory=list)

    @field_validator("facts")
    @classmethod
    def _known_facts(cls, v: dict[str, list[DatedFact]]) -> dict[str, list[DatedFact]]:
        bad = [k for k in v if k not in COUNTRY_FACTS]
        if bad:
            raise ValueError(f"unknown country fact(s) {bad}; known: {', '.join(COUNTRY_FACTS)}")
        return {k: sorted(items, key=lambda f: f.start) for k, items in v.items()}

    @model_validator(mode="after")
    def _changes_after_snapshot(self) -> "Country":
        for ch in self.changes:
            if ch.date <= self.groups.as_of:
                raise ValueError(f"change dated {ch.date} is not after groups.as_of")
        return self

    def groups_on(self, day: dt.date) -> frozenset[str]:
        """Groups in force on `day`. Before `as_of` the snapshot is assumed (see OPEN_QUESTIONS)."""
        members = set(self.groups.members)
        for ch in sorted(self.changes, key=lambda c: c.date):
            if ch.date > day:
                break
            members |= set(ch.add)
            members -= set(ch.remove)
        return frozenset(members)

    def fact_on(self, name: str, day: dt.date) -> DatedFact | None:
        """The latest dated entry of a fact in force on `day`, if any."""
        current = None
        for item in self.facts.get(name, []):
            if item.start <= day:
                current = item
        return current
