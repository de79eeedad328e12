"""Result models: what `query` and `explain` return. The JSON keys are a contract."""

import datetime as dt
from fractions import Fraction
from typing import Any

from pydantic import BaseModel, ConfigDict

from .common import Status


class ResultModel(BaseModel):
    """A validated, immutable answer. `to_dict()` is exactly what the CLI prints as JSON;
    `to_frame()` is the same answer as a tidy pandas DataFrame (pandas is optional)."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (dates as ISO strings): the CLI's `--format json`."""
        return self.model_dump(mode="json")

    def to_frame(self) -> Any:
        """A tidy pandas DataFrame, one observation per row (see `tierscope.frames`)."""
        from ..frames import to_frame

        return to_frame(self)


class ParameterUse(ResultModel):
    """One parameter value that a number depends on, with its provenance."""

    id: str
    label: str
    value: int | Fraction | list[str]  # Fraction only for multiplier/percent (JSON "120/79")
    unit: str
    effective: dt.date
    status: Status
    references: list[str]
    note: str | None = None  # the dated value's note (why its status, which table row)


class PathwayResult(ResultModel):
    id: str
    title: str
    ceiling_tpp: int | None  # None = unbounded, or bounded only by share_limits
    # true only when nothing caps the pathway (no TPP figure and no share limit), so that
    # "open without a cap" never reads like "not open" (a pathway not open is absent)
    unbounded: bool = False
    ceiling_h100e: float | None
    ceiling_dense_bf16_pflops: float | None
    # the most the ceiling may be raised to at the government's discretion ("up to"), if any
    ceiling_up_to_tpp: int | None = None
    per: str
    counts_against_country_allocation: bool
    status: Status
    citations: list[str]
    share_limits: list[str] = []
    note: str | None = None
    provision: str
    parameters: list[ParameterUse] = []


class ReachTerm(ResultModel):
    """One pathway's contribution to the total, with its arithmetic spelled out."""

    pathway: str
    tpp: int | None  # None = unbounded
    formula: str


class TotalReachable(ResultModel):
    """Sum of the pathways the rules make additive, under explicit assumptions."""

    tpp: int | None  # None = unbounded (some additive pathway has no cap)
    unbounded: bool = False  # true exactly when tpp is None
    h100e: float | None
    dense_bf16_pflops: float | None
    window: str
    unbounded_by: list[str]
    terms: list[ReachTerm]
    excluded: list[str]  # "pathway: why it is not added"
    assumptions: list[ParameterUse]
    status: Status


class DealResult(ResultModel):
    """A bilateral deal or announcement in force on the date: a fact, not a rule."""

    date: dt.date
    title: str
    kind: str
    chips: str | None
    tpp: int | None
    h100e: float | None
    status: Status
    citations: list[str]


class Firing(ResultModel):
    """A provision that applied, and what became of it."""

    id: str
    title: str
    citation: str
    status: Status
    output: str
    value: str
    outcome: str  # "defines" | "overridden" | "ignored (base not applicable)"


class NotApplied(ResultModel):
    """A provision in force on the date whose condition did not hold: the 'why not'."""

    id: str
    title: str
    citation: str
    output: str
    requires: str  # the condition in words


class QueryResult(ResultModel):
    country: str
    country_name: str
    scenario: str
    scenario_title: str
    as_of: dt.date
    tier: int | None
    licence_required: bool
    review_policy: str | None
    review_detail: str | None
    pathways: list[PathwayResult]
    status: Status  # weakest status of everything the answer rests on
    citations: list[str]
    fired: list[Firing]
    not_applied: list[NotApplied] = []
    groups: list[str]
    h100_tpp: ParameterUse
    total_reachable: TotalReachable
    deals: list[DealResult] = []
    warnings: list[str] = []  # guidance and cautions that apply, each with its citation
    parameters_used: list[ParameterUse]  # every parameter the answer read, with provenance
    key_dates: list[str] = []  # the regime's dated events, for context
    item: str = "3A090.a"  # what the question is about: 3A090.a (chips) or 4E091 (weights)
    regime_in_force: str = ""  # the regime that was the law on as_of (from current-law)
    regime_in_force_title: str = ""
    banner: str | None = None  # set when the answer is a regime that was not the law on as_of
    status_reason: str = ""  # the weakest input behind `status`, e.g. "unverified: ..."


class Explanation(ResultModel):
    """Why an answer is what it is: `tierscope explain` (and `tierscope.explain`)."""

    country: str
    country_name: str
    scenario: str
    scenario_title: str
    as_of: dt.date
    facts: dict[str, Any]  # the input facts on the date (groups as a sorted list)
    group_sources: list[str]
    groups: list[str]
    item: str = "3A090.a"
    banner: str | None = None  # set when the scenario was not the law on as_of
    status: Status
    status_reason: str = ""
    fired: list[Firing]
    not_applied: list[NotApplied] = []
    parameters_used: list[ParameterUse]
    citations: list[str]


class CountryRow(ResultModel):
    """One line of `tierscope countries`."""

    as_of: dt.date
    country: str
    name: str
    tier: int | None
    licence_required: bool
    groups: list[str]
