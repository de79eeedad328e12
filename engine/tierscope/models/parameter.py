"""Dated, cited parameters (OpenFisca style): one file per parameter, path = id."""

import bisect
import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from enum import Enum
from fractions import Fraction
from typing import Annotated, Any

from pydantic import (
    BeforeValidator,
    Field,
    InstanceOf,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

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


# Units whose values may be exact rationals (a multiplier of 120/79, a share of 7.5%);
# every other unit counts whole things (TPP, chips, GB/s) and takes integers only.
RATIONAL_UNITS = frozenset({Unit.multiplier, Unit.percent})

NUMBER_RE = re.compile(r"^\s*-?\d[\d_]*(\.\d+)?\s*$")
RATIO_RE = re.compile(r"^\s*-?\d[\d_]*(\.\d+)?\s*/\s*\d[\d_]*(\.\d+)?\s*$")


class WholeOnly(float):
    """A float written where the unit counts whole things (marked by Parameter before
    validation, so the error points at the value's own line)."""

    unit = ""


def exact_number(v: Any) -> Any:
    """A number as written, exactly: `2`, `1.519` (decimal), `"120/79"` (rational).

    YAML reads `1.519` as a float; up to 15 significant digits its shortest repr is the
    text that was written, so it becomes that Decimal exactly (longer floats may not be
    what was written and are refused). A Decimal is accepted only where the unit allows
    fractions (see `unit_problem`), so `15832.0` stays an error for TPP. Quoted numbers
    and fractions (`"120/79"`) become exact Fractions, whole ones ints."""
    if isinstance(v, bool):
        return v
    if isinstance(v, WholeOnly):
        raise ValueError(
            f"{float(v)!r} is not a valid integer: a '{v.unit}' value is written as a whole "
            "number, without a decimal point or exponent (1_000_000)"
        )
    if isinstance(v, float):
        if v != v or v in (float("inf"), float("-inf")):
            return v
        d = Decimal(repr(v))
        if len(d.as_tuple().digits) > 15:
            raise ValueError(
                f"{v!r} has more digits than a YAML number keeps exactly; quote it "
                "(value: '1.2345678901234567') or write a fraction (value: 120/79)"
            )
        return d
    if isinstance(v, str) and (NUMBER_RE.match(v) or RATIO_RE.match(v)):
        try:
            num, _, den = v.replace("_", "").partition("/")
            v = Fraction(Decimal(num.strip())) / Fraction(Decimal(den.strip() or "1"))
        except (InvalidOperation, ZeroDivisionError):
            return v
    if isinstance(v, Fraction) and v.denominator == 1:
        return int(v)
    return v


def format_exact(v: int | Fraction) -> str:
    """`1,200,000,000`, `3/2`, or `120/79 (~1.518987)`: exact first, decimals as a guide."""
    if isinstance(v, int):
        return f"{v:,}"
    d = Decimal(v.numerator) / Decimal(v.denominator)
    if d * v.denominator == v.numerator:  # terminates
        return f"{d.normalize():f}"
    return f"{v.numerator}/{v.denominator} (~{d:.6f})"


def unit_problem(unit: Unit, value: Any) -> str | None:
    """Why `value` cannot be a value of `unit` (None when it can)."""
    if value is None:
        return None
    if unit is Unit.countries:
        return None if isinstance(value, list) else "needs a list of country codes"
    if isinstance(value, list):
        return f"a '{unit.value}' parameter needs a number, not a list"
    if isinstance(value, Decimal) and unit not in RATIONAL_UNITS:
        return (
            f"{value} is not a valid integer: a '{unit.value}' value is written as a whole "
            "number, without a decimal point or exponent (1_000_000)"
        )
    if isinstance(value, Decimal):
        value = Fraction(value)
    if isinstance(value, Fraction) and unit not in RATIONAL_UNITS:
        return (
            f"{format_exact(value)} is not a whole number; a '{unit.value}' parameter counts "
            "whole units (only multiplier and percent take fractions)"
        )
    if not isinstance(value, (int, Fraction)) or isinstance(value, bool):
        return f"a '{unit.value}' parameter needs a number"
    if value < 0:
        return f"{format_exact(value)} is negative; a {unit.value} value cannot be"
    return None


ParamValue = Annotated[
    StrictInt | InstanceOf[Fraction] | InstanceOf[Decimal] | list[str] | None,
    BeforeValidator(exact_number),
]


class DatedValue(StrictModel):
    """One value and the date it takes effect; `value: null` records a repeal."""

    value: ParamValue
    status: Status
    note: str | None = None
    references: list[Reference] = Field(min_length=1)

    @field_validator("value")
    @classmethod
    def _bounded(cls, v: ParamValue) -> ParamValue:
        if isinstance(v, Fraction) and v.denominator == 1:
            v = int(v)
        if isinstance(v, (int, Fraction, Decimal)) and not -MAX_INT < v < MAX_INT:
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

    @model_validator(mode="before")
    @classmethod
    def _mark_whole_only(cls, data: Any) -> Any:
        """Floats in a unit that counts whole things are errors at their own line."""
        if not isinstance(data, dict) or not isinstance(data.get("values"), dict):
            return data
        unit = data.get("unit")
        if unit in {u.value for u in RATIONAL_UNITS} or not isinstance(unit, str):
            return data
        values = {}
        for day, entry in data["values"].items():
            if isinstance(entry, dict) and type(entry.get("value")) is float:
                marked = WholeOnly(entry["value"])
                marked.unit = unit
                entry = {**entry, "value": marked}
            values[day] = entry
        return {**data, "values": values}

    @field_validator("values")
    @classmethod
    def _sorted(
        cls, v: dict[dt.date, DatedValue], info: ValidationInfo
    ) -> dict[dt.date, DatedValue]:
        """Sorted by date; decimals written in a rational unit become exact Fractions."""
        unit = info.data.get("unit")
        out = {}
        for day, dv in sorted(v.items()):
            if isinstance(dv.value, Decimal) and unit in RATIONAL_UNITS:
                exact = exact_number(Fraction(dv.value))
                dv = dv.model_copy(update={"value": exact})
            out[day] = dv
        return out

    @model_validator(mode="after")
    def _kind_fits_unit(self) -> "Parameter":
        for day, dv in self.values.items():
            problem = unit_problem(self.unit, dv.value)
            if problem:
                raise ValueError(f"values.{day}: {problem}")
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
