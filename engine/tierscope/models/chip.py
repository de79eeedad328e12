"""Chip catalogue entries (rules/chips/<id>.yaml) and their ECCN 3A090 classification."""

import datetime as dt
from typing import Literal

from pydantic import Field, PositiveFloat, StrictInt, field_validator, model_validator

from .common import Reference, Status, StrictModel, weakest
from .result import ParameterUse, ResultModel

# Bit length of each datasheet precision, for TPP = 2 x MacTOPS x bit length (3A090 TN 1).
PRECISION_BITS: dict[str, int] = {"fp4": 4, "fp8": 8, "int8": 8, "fp16": 16, "bf16": 16}

Eccn = Literal["3A090.a", "3A090.b", "not 3A090", "undetermined"]


class DenseTflops(StrictModel):
    """Dense (not sparse) datasheet throughput, TFLOPS (TOPS for int8), as the sources give it."""

    fp4: PositiveFloat | None = None
    fp8: PositiveFloat | None = None
    int8: PositiveFloat | None = None
    fp16: PositiveFloat | None = None
    bf16: PositiveFloat | None = None

    def tpp_by_precision(self) -> dict[str, float]:
        """TPP each stated precision implies (throughput x bit length)."""
        return {
            name: value * PRECISION_BITS[name]
            for name in PRECISION_BITS
            if (value := getattr(self, name)) is not None
        }


class FigureStatus(StrictModel):
    """How firmly each figure is sourced; `die_area` is null when the die area is unknown."""

    tpp: Status
    die_area: Status | None = None
    memory_bandwidth: Status


class ChipSpec(StrictModel):
    """One accelerator: the figures 3A090 classification and allowances need, each cited."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    name: str = Field(min_length=2)
    vendor: str = Field(min_length=2)
    aliases: list[str] = Field(default_factory=list)
    datacenter: bool  # "designed or marketed for use in datacenters" (3A090 Note)
    tpp: StrictInt = Field(gt=0)  # the value tierscope uses
    tpp_range: tuple[StrictInt, StrictInt] | None = None  # [low, high] where sources disagree
    dense_tflops: DenseTflops | None = None
    die_area_mm2: StrictInt | None = Field(
        default=None, gt=0
    )  # applicable die area; null = unknown
    die_area_estimate: bool = False
    memory_bandwidth_gb_s: StrictInt = Field(gt=0)  # total DRAM bandwidth
    figure_status: FigureStatus
    status: Status  # weakest of figure_status
    status_note: str | None = None
    references: list[Reference] = Field(min_length=1)

    @field_validator("aliases")
    @classmethod
    def _distinct_aliases(cls, v: list[str]) -> list[str]:
        seen: set[str] = set()
        for alias in v:
            key = alias.strip().casefold()
            if not key:
                raise ValueError("an alias must not be empty")
            if key in seen:
                raise ValueError(f"duplicate alias {alias!r} (aliases are case-insensitive)")
            seen.add(key)
        return v

    @model_validator(mode="after")
    def _consistent(self) -> "ChipSpec":
        if self.tpp_range is not None:
            low, high = self.tpp_range
            if not low < high:
                raise ValueError(f"tpp_range [{low}, {high}] must have low < high")
            if not low <= self.tpp <= high:
                raise ValueError(f"tpp {self.tpp} must lie within tpp_range [{low}, {high}]")
            if self.status_note is None:
                raise ValueError("a tpp_range needs a status_note saying why sources disagree")
        if self.die_area_mm2 is None:
            if self.die_area_estimate:
                raise ValueError("die_area_estimate is set but die_area_mm2 is null")
            if self.figure_status.die_area is not None:
                raise ValueError("figure_status.die_area must be null when die_area_mm2 is null")
        elif self.figure_status.die_area is None:
            raise ValueError("figure_status.die_area is required when die_area_mm2 is given")
        figures = [self.figure_status.tpp, self.figure_status.memory_bandwidth]
        if self.figure_status.die_area is not None:
            figures.append(self.figure_status.die_area)
        if self.status != weakest(figures):
            raise ValueError(
                f"status must be the weakest of figure_status ({weakest(figures).value}), "
                f"not {self.status.value}"
            )
        if self.status is Status.unverified and not self.status_note:
            raise ValueError("an unverified chip needs a status_note saying why")
        return self


class Classification(ResultModel):
    """ECCN 3A090 classification of one chip on one date, with what it rests on."""

    chip: str
    chip_name: str
    as_of: dt.date
    eccn: Eccn
    paragraphs: list[str]  # every 3A090 paragraph met, e.g. ["3A090.a.1", "3A090.a.2"]
    possible: list[str]  # outcomes the figures allow; more than one only when undetermined
    rule: str  # one line: the rule that decided, with the figures
    tpp: int
    performance_density: float | None  # TPP / applicable die area; None when area unknown
    die_area_mm2: int | None
    datacenter: bool
    used_die_area: bool  # False when TPP (and the datacenter note) decided alone
    range_sensitive: bool  # True when the ends of tpp_range would classify differently
    notes: list[str]
    status: Status
    citations: list[str]
    parameters: list[ParameterUse]
