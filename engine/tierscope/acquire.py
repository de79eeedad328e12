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
from .models.condition import FactTest, walk
from .models.provision import Provision, Routing
from .models.result import PathwayResult, ResultModel
from .quantify import parameter_use, to_h100e
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
    # the requirement (licence_required) is not the authorisation: an order under License
    # Exception LPP needs a licence by the rule but no licence application
    authorisation: str
    licence_application: bool
    obligations: list[str]
    regime_in_force: str
    banner: str | None
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
    law = project.law_on(world, day)
    result = build_result(ev, chips, law)
    explanation: list[str] = []
    if undetermined:
        explanation.append(
            f"Classification undetermined for {', '.join(undetermined)} (die area unknown); "
            "they are left out of the controlled total."
        )
    open_pathways = {p.id: p for p in result.pathways}
    licence = result.licence_required and bool(controlled)
    routing = {
        p.id: rt
        for p in result.pathways
        if (rt := world.compiled.provisions[p.provision].then.pathway.routing) is not None  # type: ignore[union-attr]
    }
    alloc = open_pathways.get("country_allocation")
    lpp = open_pathways.get("lpp")
    route: PathwayResult | None = None
    denial: str | None = None  # the review policy an order past a ceiling meets, if any
    past_note = ""
    if not controlled:
        explanation.append("No item in the order is 3A090.a: these rules impose no licence on it.")
    else:
        if veu is not Veu.none and veu.value not in open_pathways:
            why = " or ".join(
                f"({n.requires})" for n in result.not_applied if n.output == f"pathway:{veu.value}"
            )
            explanation.append(
                f"The consignee holds a {veu.value.upper()} authorisation, but that route is not open here"
                + (f": it requires {why}." if why else ".")
            )
        # the routing order is rule data (`routing.rank` in the pathway provisions)
        for pid in sorted(routing, key=lambda i: (routing[i].rank, i)):
            rt, pw = routing[pid], open_pathways[pid]
            if rt.only_for_veu is not None and rt.only_for_veu != veu.value:
                continue
            if not licence and rt.authorisation != "no-licence":
                continue
            used = {"consignee-year": lpp_used, "country-allocation": allocation_used}.get(rt.usage)
            if used is not None and pw.ceiling_tpp is not None and used + tpp > pw.ceiling_tpp:
                what = "LPP" if rt.usage == "consignee-year" else "the country allocation"
                explanation.append(
                    f"Exceeds {what}: {used:,} + {tpp:,} > {pw.ceiling_tpp:,} TPP"
                    + (
                        " for this consignee this calendar year."
                        if rt.usage == "consignee-year"
                        else "."
                    )
                )
                if rt.beyond_ceiling is not None and denial is None:
                    denial = rt.beyond_ceiling
                    past_note = (
                        f"Past the ceiling, applications face a {rt.beyond_ceiling.replace('-', ' ')} "
                        f"({'; '.join(pw.citations)})."
                    )
                continue
            route = pw
            if rt.usage == "consignee-year":
                explanation.append(
                    f"Fits {pw.title}: {used:,} + {tpp:,} <= {pw.ceiling_tpp:,} TPP "
                    "for this consignee this calendar year."
                )
            elif rt.usage == "country-allocation":
                explanation.append("Needs a licence, counted against the country allocation.")
            elif rt.authorisation == "veu":
                explanation.append(
                    f"The consignee is a {veu.value.upper()}: its own authorisation applies."
                )
            elif rt.authorisation == "no-licence":
                explanation.append("No licence is required for 3A090.a items to this destination.")
            elif rt.authorisation == "licence":
                explanation.append(f"Needs a licence: {pw.title}.")
            break
        if route is not None:
            denial = None  # another route took the order: the ceiling passed is not its fate
        elif denial is not None:
            explanation.append(past_note)
        if route is None and licence and not open_pathways:
            explanation.append("No licence exception or VEU route is open: a licence is needed.")
        if route is None and licence:  # say why the routes the rules know are closed here
            explanation.extend(
                f"Not open: {n.title} [{n.citation}]; it requires {n.requires}."
                for n in result.not_applied
                if _closed_route_for(world.compiled.provisions[n.id], result.item)
            )
    rt = routing.get(route.id) if route else None
    obligations = [
        f"{o.text} [{o.citation}]"
        for o in (rt.obligations if rt else [])
        if o.order_tpp_gte is None or tpp >= _tpp_param(world, o.order_tpp_gte, day)
    ]
    authorisation, application = _authorisation(route, rt, licence, denial, result.review_policy)
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
        review_policy=(denial or result.review_policy) if controlled else None,
        route=route.id if route else None,
        route_title=route.title if route else "none: no pathway fits",
        counts_against_country_allocation=counts,
        country_allocation_tpp=alloc_tpp,
        allocation_used_before_tpp=allocation_used,
        share_of_allocation_pct=_pct(tpp, alloc_tpp) if alloc_tpp and controlled else None,
        allocation_remaining_after_tpp=max(0, alloc_tpp - allocation_used - (tpp if counts else 0))
        if alloc_tpp
        else None,
        authorisation=authorisation,
        licence_application=application,
        obligations=obligations,
        regime_in_force=law.regime_in_force,
        banner=law.banner,
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


def _closed_route_for(p: Provision, item: str) -> bool:
    """Whether a provision that did not apply is a route this order could have taken: a
    licence exception or licence for this item (VEU routes are asked for with --veu)."""
    pw = p.then.pathway
    if pw is None or pw.routing is None or p.exception_to is not None:
        return False
    if pw.routing.authorisation in ("no-licence", "veu"):
        return False
    return not any(
        isinstance(n, FactTest) and n.fact == "item" and n.op == "equals" and n.operand != item
        for n in walk(p.when)
    )


def _tpp_param(world, pid: str, day: dt.date) -> int:
    value = parameter_use(world.parameters, pid, day).value
    assert isinstance(value, int)
    return value


def _authorisation(
    route: PathwayResult | None,
    rt: Routing | None,
    licence: bool,
    denial: str | None,
    review: str | None,
) -> tuple[str, bool]:
    """What authorises the order, in words, and whether a licence application is needed."""
    if route is not None and rt is not None:
        if rt.authorisation == "no-licence":
            return "No licence required", False
        if rt.authorisation in ("licence-exception", "veu"):
            return route.title, False
        return f"A licence: {route.title}", True
    if not licence:
        return "No licence required", False
    if denial is not None:
        return f"Licence application under a {denial.replace('-', ' ')}", True
    if review == "presumption-of-denial":
        return "Licence application under a presumption of denial", True
    return f"Licence application ({(review or 'review').replace('-', ' ')})", True
