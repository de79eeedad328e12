"""Shared building blocks: strict models, status words, references, validity windows."""

import datetime as dt
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, model_validator


class StrictModel(BaseModel):
    """Unknown keys are errors and loaded data is immutable."""

    # defer_build: a model builds its validator on first use, so start-up does not pay for
    # models a command never validates directly (most are only nested in others)
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, defer_build=True)


class Status(str, Enum):
    """How firmly a value is sourced (`primary`: read in the primary text; see rules/README.md)."""

    primary = "primary"
    secondary = "secondary"
    unverified = "unverified"

    @property
    def rank(self) -> int:
        return {"primary": 0, "secondary": 1, "unverified": 2}[self.value]


def weakest(statuses: list[Status]) -> Status:
    """A derived value keeps the weakest status of its inputs."""
    return max(statuses, key=lambda s: s.rank, default=Status.primary)


class Reference(StrictModel):
    """A citation: what it is and, where one exists, where to read it."""

    title: str = Field(min_length=3)
    href: str | None = None

    @property
    def text(self) -> str:
        """The citation as one line: title, then the address in angle brackets."""
        return self.title + (f" <{self.href}>" if self.href else "")


class Window(StrictModel):
    """Dates a provision is in force: `from` inclusive, `until` exclusive (None = open)."""

    start: dt.date = Field(alias="from")
    until: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.until is not None and self.until <= self.start:
            raise ValueError(f"'until' ({self.until}) must be after 'from' ({self.start})")
        return self

    def contains(self, day: dt.date) -> bool:
        return self.start <= day and (self.until is None or day < self.until)
