"""Result models: what `query` and `explain` return. The JSON keys are a contract."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict

from .common import Status


class ResultModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ParameterUse(ResultModel):
    """One parameter value that a number depends on, with its provenance."""

    id: str
    label: str
    value: int | list[str]
    unit: str
    effective: dt.date
    status: Status
    references: list[str]
    note: str | None = None  # the dated value's note (why its status, which table row)


class PathwayResult(ResultModel):
    id: str
    title: str
    ceiling_tpp: int | None  # None = unbounded (or bounded only by share_limits)
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
