"""A regime: a folder of provisions with its own title, dates and sources."""

import datetime as dt

from pydantic import Field, model_validator

from .common import Reference, Status, StrictModel
from .provision import Provision


class KeyDate(StrictModel):
    """A dated event of a regime (publication, effect, compliance, rescission)."""

    date: dt.date
    label: str = Field(min_length=3)
    citation: str = Field(min_length=3)
    status: Status


class RegimeWindow(StrictModel):
    """A regime in force over [from, until): a regime's `includes`, or a timeline scenario's
    `regimes` (e.g. current-law). Its provisions are clipped to the window."""

    regime: str
    start: dt.date | None = Field(default=None, alias="from")
    until: dt.date | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "RegimeWindow":
        if self.start is not None and self.until is not None and self.until <= self.start:
            raise ValueError(f"'until' ({self.until}) must be after 'from' ({self.start})")
        return self


class RegimeHeader(StrictModel):
    """`regime.yaml` in a regime folder."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    title: str = Field(min_length=3)
    description: str = Field(min_length=3)
    references: list[Reference] = Field(min_length=1)
    key_dates: list[KeyDate] = Field(default_factory=list)
    includes: list[RegimeWindow] = Field(default_factory=list)


class Regime(StrictModel):
    header: RegimeHeader
    provisions: tuple[Provision, ...]

    @property
    def id(self) -> str:
        return self.header.id
