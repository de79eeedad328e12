"""Quantify stage: pathway ceilings from dated parameters, in TPP and derived units.

TPP is the legal unit and stays an exact integer. H100-equivalents divide by the cited
TPP of one H100 (parameter `units.h100_tpp`) and are rounded half-even to one decimal
place; dense BF16 FLOP/s follow from the 3A090 definition TPP = 2 x MacTOPS x bit length,
so a 16-bit TPP of T means T/16 dense TFLOP/s.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from fractions import Fraction

from .errors import RuleConflictError
from .models.common import Status, weakest
from .models.parameter import Parameter, format_exact
from .models.provision import ParamRef, Provision
from .models.result import ParameterUse, PathwayResult, ReachTerm, TotalReachable

H100_PARAM = "units.h100_tpp"
WINDOW_PARAM = "assumptions.window_years"
BF16_BITS = 16


def parameter_use(params: Mapping[str, Parameter], pid: str, day: dt.date) -> ParameterUse:
    """The value of `pid` on `day` with its provenance; a gap or repeal is an error."""
    param = params[pid]
    entry = param.entry_at(day)
    if entry is None or entry[1].value is None:
        state = "not yet in force" if entry is None else f"repealed on {entry[0]}"
        raise RuleConflictError(f"parameter {pid} is {state} on {day}, but a provision uses it")
    effective, dv = entry
    return ParameterUse(
        id=pid,
        label=param.label,
        value=dv.value,
        unit=param.unit.value,
        effective=effective,
        status=dv.status,
        references=[r.text for r in dv.references],
        note=dv.note,
    )


def to_h100e(tpp: int, h100_tpp: int) -> float:
    """TPP -> H100-equivalents, rounded half-even to 0.1 (exact integer arithmetic, so
    no size of order or product of assumptions exceeds a decimal context)."""
    tenths, rest = divmod(tpp * 10, h100_tpp)
    if 2 * rest > h100_tpp or (2 * rest == h100_tpp and tenths % 2):
        tenths += 1
    return float(Fraction(tenths, 10))


def to_bf16_pflops(tpp: int) -> float:
    """TPP -> dense 16-bit PFLOP/s (TPP/16 TFLOP/s)."""
    return float(Fraction(tpp, BF16_BITS * 1000))


def ceiling_tpp(
    ref: ParamRef, params: Mapping[str, Parameter], day: dt.date
) -> tuple[int, list[ParameterUse]]:
    uses = [parameter_use(params, ref.param, day)]
    if ref.times is not None:
        uses.append(parameter_use(params, ref.times, day))
    value: int | Fraction = 1
    for u in uses:
        if isinstance(u.value, list):
            raise RuleConflictError(f"parameter {u.id} is a list; a ceiling needs a number")
        value *= u.value
    if isinstance(value, Fraction) and value.denominator != 1:
        # the law counts TPP in whole units: an exact answer or an error, never a rounding
        raise RuleConflictError(
            f"a ceiling of {' x '.join(format_exact(u.value) for u in uses)} "  # type: ignore[arg-type]
            f"({' x '.join(u.id for u in uses)}) = {format_exact(value)} TPP on {day} is not a "
            "whole number of TPP; choose values whose product is whole"
        )
    return int(value), uses


def pathway_result(
    winners: Sequence[Provision],
    params: Mapping[str, Parameter],
    day: dt.date,
    h100: ParameterUse,
) -> PathwayResult:
    """One pathway from the provisions that define it (they agree: precedence checked)."""
    prov = winners[0]
    pw = prov.then.pathway
    assert pw is not None
    uses: list[ParameterUse] = []
    tpp: int | None = None
    up_to: int | None = None
    if pw.ceiling != "unbounded":
        tpp, uses = ceiling_tpp(pw.ceiling, params, day)
        if pw.ceiling.up_to_increase is not None:
            inc = parameter_use(params, pw.ceiling.up_to_increase, day)
            assert isinstance(inc.value, (int, Fraction))
            uses.append(inc)
            exact = tpp + Fraction(tpp) * inc.value / 100
            if exact.denominator != 1:  # never rounded: whole TPP or an error
                raise RuleConflictError(
                    f"raising {tpp:,} TPP by up to {format_exact(inc.value)}% ({inc.id}) gives "
                    f"{format_exact(exact)} TPP on {day}, not a whole number of TPP; choose a "
                    "percentage that gives whole TPP"
                )
            up_to = int(exact)
    share_uses = [parameter_use(params, s, day) for s in pw.share_limits]
    uses.extend(share_uses)
    # the row's status is the legal figure's (TPP); the H100e conversion's status is shown
    # beside the conversion and counted in the answer's status (service._shared_parts)
    statuses = [*(w.status for w in winners), *(u.status for u in uses)]
    assert isinstance(h100.value, int)
    return PathwayResult(
        id=pw.id,
        title=pw.title,
        ceiling_tpp=tpp,
        unbounded=tpp is None and not share_uses,
        ceiling_h100e=None if tpp is None else to_h100e(tpp, h100.value),
        ceiling_dense_bf16_pflops=None if tpp is None else to_bf16_pflops(tpp),
        ceiling_up_to_tpp=up_to,
        per=pw.per,
        counts_against_country_allocation=pw.counts_against_country_allocation,
        status=weakest(statuses),
        citations=[w.citation for w in winners],
        share_limits=[f"{u.label}: {format_exact(u.value)}%" for u in share_uses],  # type: ignore[arg-type]
        note=pw.note,
        provision=prov.id,
        parameters=uses,
    )


def total_reachable(
    pathways: list[PathwayResult],
    provisions: Mapping[str, Provision],
    params: Mapping[str, Parameter],
    day: dt.date,
    h100: ParameterUse,
) -> TotalReachable:
    """Add up the pathways the rules make additive; every multiplier is a cited assumption."""
    assert isinstance(h100.value, int)
    terms: list[ReachTerm] = []
    excluded: list[str] = []
    unbounded: list[str] = []
    assumptions: dict[str, ParameterUse] = {}
    window = parameter_use(params, WINDOW_PARAM, day)
    statuses = [h100.status]
    total = 0
    for pr in pathways:
        pw = provisions[pr.provision].then.pathway
        assert pw is not None
        reach = pw.reach
        statuses.append(pr.status)
        if reach is not None and reach.not_additive is not None:
            excluded.append(f"{pr.id}: {reach.not_additive}")
            continue
        if reach is not None and reach.fleet_share_of is not None:
            fleet = parameter_use(params, reach.fleet_share_of, day)
            share = parameter_use(params, pw.share_limits[0], day)
            assumptions[fleet.id] = fleet
            assert isinstance(fleet.value, int) and isinstance(share.value, (int, Fraction))
            exact = Fraction(fleet.value * h100.value) * share.value / 100
            tpp = exact.numerator // exact.denominator
            statuses.append(fleet.status)
            formula = (
                f"{format_exact(share.value)}% x {fleet.value:,} H100e fleet x "
                f"{h100.value:,} TPP/H100e"
            )
            if tpp != exact:  # an estimate of reach, said openly rather than rounded silently
                formula += f" = {format_exact(exact)}, rounded down to whole TPP"
            terms.append(ReachTerm(pathway=pr.id, tpp=tpp, formula=formula))
            total += tpp
            continue
        if pr.ceiling_tpp is None:
            unbounded.append(pr.id)
            terms.append(ReachTerm(pathway=pr.id, tpp=None, formula="no cap"))
            continue
        tpp, parts = pr.ceiling_tpp, [f"{pr.ceiling_tpp:,} TPP per {pr.per}"]
        for pid in reach.times if reach is not None and reach.times else []:
            use = parameter_use(params, pid, day)
            assumptions[use.id] = use
            statuses.append(use.status)
            assert isinstance(use.value, int)
            tpp *= use.value
            parts.append(f"{use.value:,} {use.id.rsplit('.', 1)[-1]}")
        terms.append(ReachTerm(pathway=pr.id, tpp=tpp, formula=" x ".join(parts)))
        total += tpp
    assert isinstance(window.value, int)
    final = None if unbounded else total
    return TotalReachable(
        tpp=final,
        unbounded=final is None,
        h100e=None if final is None else to_h100e(final, h100.value),
        dense_bf16_pflops=None if final is None else to_bf16_pflops(final),
        window=f"{window.value} years for annual pathways; cumulative ceilings once",
        unbounded_by=unbounded,
        terms=terms,
        excluded=excluded,
        assumptions=list(assumptions.values()),
        status=weakest(statuses),
    )


__all__ = ["H100_PARAM", "Status", "parameter_use", "pathway_result", "to_bf16_pflops", "to_h100e"]
