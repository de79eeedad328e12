"""Yardsticks (rules/yardsticks/<id>.yaml): reference workloads, clusters and rates, each cited.

Yardsticks are facts about the world, not law: they never enter durable-rules. They exist
so that a ceiling in TPP can be read as "so many B200", "so many DeepSeek-V3 runs a year"
or "so many Israel-1s". Every figure carries its status and sources like a parameter; a
figure computed for tierscope (derived) is `unverified` and names its inputs.
"""

import datetime as dt
from typing import Literal

from pydantic import Field, model_validator

from .common import Reference, Status, StrictModel

Kind = Literal["workload", "cluster", "rate"]
Number = float | int


class Bound(StrictModel):
    """One end of a range, sourced on its own (the ends of a range often have different sources)."""

    value: Number | str  # a number, or a chip list such as "2000 x H800"
    status: Status
    note: str | None = None
    references: list[Reference] = Field(min_length=1)


class Figure(StrictModel):
    """One cited figure: a number (GPU-hours, FLOP, a rate) or a chip list ("2048 x H800")."""

    value: Number | str
    unit: str = Field(min_length=1)
    status: Status
    estimate: bool = False  # an estimate by someone outside the organisation it describes
    low: Bound | None = None
    high: Bound | None = None
    derived_from: list[str] = Field(default_factory=list)  # inputs of a derived figure
    note: str | None = None
    references: list[Reference] = Field(min_length=1)

    @model_validator(mode="after")
    def _derived_is_unverified(self) -> "Figure":
        if self.derived_from and self.status is not Status.unverified:
            raise ValueError(
                "a derived figure (derived_from) keeps the status 'unverified' (reason: derived)"
            )
        for end in (self.low, self.high):
            if end is not None and isinstance(end.value, str) != isinstance(self.value, str):
                raise ValueError("low/high must be of the same kind as value (number or chip list)")
        return self


class Yardstick(StrictModel):
    """A reference workload (a training run), a reference cluster, or a cited rate."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]*$")
    title: str = Field(min_length=3)
    short: str = Field(min_length=2, max_length=40)  # label on charts and in columns
    kind: Kind
    description: str = Field(min_length=3)
    date: dt.date | None = None  # when the run finished or the cluster went live
    chart: bool = False  # drawn as a reference line on the report's charts
    hardware: Figure | None = None  # chip list of a cluster, or the cluster a run used
    gpu_hours: Figure | None = None  # a run's accelerator-hours, in chips of `gpu_hours_chip`
    gpu_hours_chip: str | None = None
    training_flop: Figure | None = None
    rate: Figure | None = None  # for kind 'rate': utilisation, doubling time, yearly gain

    @model_validator(mode="after")
    def _fields_fit_kind(self) -> "Yardstick":
        if self.kind == "rate":
            if self.rate is None or not isinstance(self.rate.value, (int, float)):
                raise ValueError("a 'rate' yardstick needs 'rate' with a numeric value")
            if self.hardware or self.gpu_hours:
                raise ValueError("a 'rate' yardstick has no hardware or gpu_hours")
            return self
        if self.hardware is None or not isinstance(self.hardware.value, str):
            raise ValueError(f"a '{self.kind}' yardstick needs 'hardware' as a chip list")
        if self.kind == "workload":
            if self.gpu_hours is None or not isinstance(self.gpu_hours.value, (int, float)):
                raise ValueError("a 'workload' yardstick needs numeric 'gpu_hours'")
            if not self.gpu_hours_chip:
                raise ValueError("'gpu_hours' needs 'gpu_hours_chip': the chip the hours ran on")
        elif self.gpu_hours is not None:
            raise ValueError("only a 'workload' has gpu_hours")
        return self

    def figures(self) -> dict[str, Figure]:
        """Every figure of the yardstick by field name (for the appendix and status)."""
        names = ("hardware", "gpu_hours", "training_flop", "rate")
        return {n: f for n in names if (f := getattr(self, n)) is not None}
