"""The transaction view: can this order of chips go to a consignee in this country?

The rules (durable-rules, with the order's facts) decide the licence requirement, the
review policy and which pathways are open; this module does the arithmetic on them:
which open pathway the order fits (a licence exception first, then the country
allocation), what share of the allocation it uses, and what remains.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from enum import Enum

from .chips import classify, order_tpp, parse_order
from .evaluate import evaluate
from .facts import OrderFacts
from .models.common import Status, weakest
from .models.result import PathwayResult, ResultModel
from .quantify import to_h100e
from .service import Project, build_result


class Veu(str, Enum):
    none = "none"
    nveu = "nveu"
    uveu = "uveu"


class OrderLineResult(ResultModel):
    count: int
    chip: str
    chip_name: str
    tpp_each: int
    tpp_total: int
    eccn: str
    classification_rule: str
    status: Status


class AcquireResult(ResultModel):
    country: str
    country_name: str
    consignee_hq: str
    scenario: str
    scenario_title: str
    as_of: dt.date
    order: list[OrderLineResult]
    order_tpp: int  # TPP of the 3A090.a lines (the items these rules control)
    order_h100e: float
    tier: int | None
    licence_required: bool
    review_policy: str | None
    route: str | None  # pathway id the order fits, or None
    route_title: str
    counts_against_country_allocation: bool
    country_allocation_tpp: int | None
    allocation_used_before_tpp: int
    share_of_allocation_pct: float | None
    allocation_remaining_after_tpp: int | None
    lpp_limit_tpp: int | None
    lpp_used_before_tpp: int
    explanation: list[str]
    warnings: list[str]
    status: Status
    citations: list[str]


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 2)


def acquire(
    project: Project,
    country: str,
    chips_text: str,
    scenario: str,
    day: dt.date,
    consignee_hq: str | None = None,
    lpp_used: int = 0,
    allocation_used: int = 0,
    veu: Veu = Veu.none,
    assume: Mapping[str, int] | None = None,
) -> AcquireResult:
    world = project.world(scenario, assume)
    code = project.country_code(country)
    hq_code = project.country_code(consignee_hq) if consignee_hq is not None else code
    chips = project.chips
    lines = parse_order(chips_text, chips)
    classes = [classify(chip, world.parameters, day) for _, chip in lines]
    order_lines = [
        OrderLineResult(count=n, chip=c.id, chip_name=c.name, tpp_each=c.tpp, tpp_total=n * c.tpp,
                        eccn=k.eccn, classification_rule=k.rule, status=k.status)
        for (n, c), k in zip(lines, classes, strict=True)
    ]  # fmt: skip
    controlled = [(n, c) for (n, c), k in zip(lines, classes, strict=True) if k.eccn == "3A090.a"]
    undetermined = [
        c.name for (_, c), k in zip(lines, classes, strict=True) if k.eccn == "undetermined"
    ]
    tpp = order_tpp(controlled)
    facts = None
    if controlled:
        facts = OrderFacts(
            max_tpp=max(c.tpp for _, c in controlled),
            max_dram_gb_s=max(c.memory_bandwidth_gb_s for _, c in controlled),
        )
    ev = evaluate(world, world.countries[code], day, hq=world.countries[hq_code], order=facts)
    result = build_result(ev, chips)
    explanation: list[str] = []
    if undetermined:
        explanation.append(
            f"Classification undetermined for {', '.join(undetermined)} (die area unknown); "
            "they are left out of the controlled total."
        )
    open_pathways = {p.id: p for p in result.pathways}
    licence = result.licence_required and bool(controlled)
    route: PathwayResult | None = None
    alloc = open_pathways.get("country_allocation")
    lpp = open_pathways.get("lpp")
    if not controlled:
        explanation.append("No item in the order is 3A090.a: these rules impose no licence on it.")
    elif not result.licence_required:
        route = next(iter(open_pathways.values()), None)
        explanation.append("No licence is required for 3A090.a items to this destination.")
    else:
        if veu is not Veu.none and veu.value in open_pathways:
            route = open_pathways[veu.value]
            explanation.append(
                f"The consignee is a {veu.value.upper()}: its own authorisation applies."
            )
        elif (
            "aia" in open_pathways
            and hq_code != code
            and not _same_tier1(project, world, hq_code, day)
        ):
            explanation.append("AIA needs a consignee headquartered in Tier 1; this one is not.")
        elif "aia" in open_pathways:
            route = open_pathways["aia"]
        if route is None and lpp is not None and lpp.ceiling_tpp is not None:
            if lpp_used + tpp <= lpp.ceiling_tpp:
                route = lpp
                explanation.append(
                    f"Fits License Exception LPP: {lpp_used:,} + {tpp:,} <= {lpp.ceiling_tpp:,} TPP "
                    "for this consignee this calendar year."
                )
            else:
                explanation.append(
                    f"Exceeds LPP: {lpp_used:,} + {tpp:,} > {lpp.ceiling_tpp:,} TPP for this consignee this year."
                )
        if route is None and alloc is not None and alloc.ceiling_tpp is not None:
            if allocation_used + tpp <= alloc.ceiling_tpp:
                route = alloc
                explanation.append("Needs a licence, counted against the country allocation.")
            else:
                explanation.append(
                    f"Exceeds the country allocation: {allocation_used:,} + {tpp:,} > {alloc.ceiling_tpp:,} TPP."
                )
        if route is None:
            other = [
                p
                for p in open_pathways.values()
                if p.ceiling_tpp is None and p.id not in ("aia", "nveu", "uveu")
            ]
            if other:
                route = other[0]
                explanation.append(f"Needs a licence: {route.title}.")
            elif not open_pathways:
                explanation.append(
                    "No licence exception or VEU route is open: a licence is needed."
                )
    alloc_tpp = alloc.ceiling_tpp if alloc else None
    counts = bool(route and route.counts_against_country_allocation)
    statuses = [result.status, *(ol.status for ol in order_lines)]
    return AcquireResult(
        country=code,
        country_name=result.country_name,
        consignee_hq=hq_code,
        scenario=world.scenario_id,
        scenario_title=world.title,
        as_of=day,
        order=order_lines,
        order_tpp=tpp,
        order_h100e=to_h100e(tpp, result.h100_tpp.value),  # type: ignore[arg-type]
        tier=result.tier,
        licence_required=licence,
        review_policy=result.review_policy if controlled else None,
        route=route.id if route else None,
        route_title=route.title if route else "none: no pathway fits",
        counts_against_country_allocation=counts,
        country_allocation_tpp=alloc_tpp,
        allocation_used_before_tpp=allocation_used,
        share_of_allocation_pct=_pct(tpp, alloc_tpp) if alloc_tpp and controlled else None,
        allocation_remaining_after_tpp=(alloc_tpp - allocation_used - (tpp if counts else 0))
        if alloc_tpp
        else None,
        lpp_limit_tpp=lpp.ceiling_tpp if lpp else None,
        lpp_used_before_tpp=lpp_used,
        explanation=explanation,
        warnings=result.warnings,
        status=weakest(statuses),
        citations=sorted(
            {
                *(c for p in ([route] if route else []) for c in p.citations),
                *(
                    f.citation
                    for f in result.fired
                    if f.outcome == "defines"
                    and f.output in ("tier", "licence_required", "review_policy")
                ),
            }
        ),
    )


def _same_tier1(project: Project, world, hq_code: str, day: dt.date) -> bool:
    """Whether the consignee's headquarters country is itself Tier 1 in this world."""
    ev = evaluate(world, world.countries[hq_code], day)
    return ev.value("tier") == 1
