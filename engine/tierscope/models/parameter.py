"""Dated, cited parameters (OpenFisca style): one file per parameter, path = id."""

from __future__ import annotations

import bisect
import datetime as dt
from enum import Enum

from pydantic import Field, StrictInt, field_validator, model_validator

from .common import Reference, Status, StrictModel

# Integers beyond 2**63 compare wrongly inside durable-rules; TPP is bounded well below.
MAX_INT = 2**62


class Unit(str, Enum):
    tpp = "TPP"
    percent = "percent"
    multiplier = "multiplier"
    count = "count"
    countries = "countries"  # a list of ISO 3166-1 alpha-2 codes
    gb_per_s = "GB/s"
    # Thousandths of a performance density unit (TPP per mm2 of applicable die area):
    # values must be integers, so the 3A090 threshold 5.92 is stored as 5920.
    pd_milli = "PD/1000"


ParamValue = StrictInt | list[str] | None


class DatedValue(StrictModel):
    """One value and the date it takes effect; `value: null` records a repeal."""

    value: ParamValue
    status: Status
    note: str | None = None
    references: list[Reference] = Field(min_length=1)

    @field_validator("value")
    @classmethod
    def _bounded(cls, v: ParamValue) -> ParamValue:
        if isinstance(v, int) and not -MAX_INT < v < MAX_INT:
            raise ValueError(f"integer {v} is out of range (|v| < 2**62)")
        return v


class Parameter(StrictModel):
    """A legal figure over time. `values` maps effective date -> value."""

    id: str = ""  # filled in from the file path by the loader
    label: str = Field(min_length=3)
    description: str = Field(min_length=3)
    unit: Unit
    period: str | None = None
    values: dict[dt.date, DatedValue] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _sorted(cls, v: dict[dt.date, DatedValue]) -> dict[dt.date, DatedValue]:
        return dict(sorted(v.items()))

    @model_validator(mode="after")
    def _kind_fits_unit(self) -> Parameter:
        for day, dv in self.values.items():
            if dv.value is None:
                continue
            if self.unit is Unit.countries:
                if not isinstance(dv.value, list):
                    raise ValueError(
                        f"values.{day}: a '{self.unit.value}' parameter needs a list of codes"
                    )
            elif not isinstance(dv.value, int):
                raise ValueError(f"values.{day}: a '{self.unit.value}' parameter needs an integer")
            elif dv.value < 0:
                raise ValueError(
                    f"values.{day}: {dv.value} is negative; a {self.unit.value} value cannot be"
                )
        return self

    @property
    def dates(self) -> list[dt.date]:
        return list(self.values)

    def entry_at(self, day: dt.date) -> tuple[dt.date, DatedValue] | None:
        """The entry in force on `day` (the latest on or before it), or None before the first."""
        dates = self.dates
        i = bisect.bisect_right(dates, day)
        if i == 0:
            return None
        return dates[i - 1], self.values[dates[i - 1]]

    def value_at(self, day: dt.date) -> ParamValue:
        """The value in force on `day`; None if not yet in force or repealed."""
        entry = self.entry_at(day)
        return None if entry is None else entry[1].value
