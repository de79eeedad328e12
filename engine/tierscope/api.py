"""The public Python API, for notebooks and scripts.

    import tierscope as ts
    r = ts.query("Israel", scenario="framework-2025", as_of="2025-06-01")
    r.tier, r.to_dict(), r.to_frame()
    ts.compare(["Israel", "India"], scenarios=["framework-2025", "israel-arrangement"]).to_frame()

Every function returns the same validated result model the CLI renders: the CLI's
`--format json` is exactly `result.to_dict()` (a test holds the two together). A
`Session` keeps built scenarios between calls (the module functions share one on the
shipped rules); `ts.session(rules=..., countries=...)` answers from your own folders.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import TierscopeError
from .models.result import CountryRow, Explanation, QueryResult
from .service import DEFAULT_SCENARIO, Project
from .vocabulary import DEFAULT_ITEM, ITEMS

if TYPE_CHECKING:
    from .acquire import AcquireResult
    from .compare import Comparison

DateLike = dt.date | str | None

# What `compare` shows when no scenario is named: the regimes and the timeline first.
DEFAULT_COMPARE = ("pre-framework", "framework-2025", "post-rescission", "current-law")


def to_date(value: DateLike) -> dt.date:
    """A date from a `datetime.date`, an ISO string, or None (today)."""
    if value is None:
        return dt.date.today()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise TierscopeError(f"invalid date {value!r}: use YYYY-MM-DD, e.g. 2025-06-01") from None


def _check_item(item: str) -> None:
    if item not in ITEMS:
        raise TierscopeError(f"item {item!r}: use one of {', '.join(ITEMS)}")


def _names(value: str | Iterable[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


class ResultList(list):
    """Several results of one kind: `to_dict()` is the CLI's JSON list, `to_frame()`
    stacks each result's tidy rows."""

    def to_dict(self) -> list[dict[str, Any]]:
        return [r.to_dict() for r in self]

    def to_frame(self) -> Any:
        from .frames import to_frame

        return to_frame(self)


class Session:
    """A rule base (shipped, or your own folders) with its scenarios built once."""

    def __init__(
        self,
        rules: str | Path | None = None,
        countries: str | Path | None = None,
        project: Project | None = None,
    ) -> None:
        if project is not None:
            self.project = project
            return
        shipped = Project.shipped()
        self.project = Project(
            Path(rules) if rules is not None else shipped.rules_dir,
            Path(countries) if countries is not None else shipped.countries_dir,
        )

    def scenarios(self) -> list[str]:
        """Regime and scenario ids, regimes first."""
        return self.project.scenario_ids()

    def query(
        self,
        country: str | Sequence[str],
        scenario: str = DEFAULT_SCENARIO,
        as_of: DateLike = None,
        assume: Mapping[str, int] | None = None,
        item: str = DEFAULT_ITEM,
    ) -> QueryResult | ResultList:
        """Tier, licence, review policy, pathway ceilings and total reachable compute for
        an item (3A090.a chips by default, or 4E091 model weights).
        One country gives a QueryResult; a list gives a ResultList of them."""
        day = to_date(as_of)
        self.check_assumptions(assume)
        _check_item(item)
        results = [self.project.query(c, scenario, day, assume, item=item) for c in _names(country)]
        return results[0] if isinstance(country, str) else ResultList(results)

    def pathways(
        self,
        country: str,
        scenario: str = DEFAULT_SCENARIO,
        as_of: DateLike = None,
        assume: Mapping[str, int] | None = None,
        chip: str = "B200",
        target: str | None = None,
        exclude: Sequence[str] = (),
        up_to: bool = False,
        max_routes: int = 3,
    ):
        """`tierscope pathways`: every route with what it needs and its gain (a
        PathwaysReport); with `target` ("100000" H100e or "20000 x B200"), the goal search
        by the `as_of` date (a GoalResult)."""
        day = to_date(as_of)
        self.check_assumptions(assume)
        if target is not None:
            from .goal_search import goal_search

            return goal_search(
                self.project, country, scenario, day, target, assume,
                max_routes=max_routes, exclude=list(exclude), up_to=up_to,
            )  # fmt: skip
        from .route_report import pathways_report

        return pathways_report(self.project, country, scenario, day, assume, chip)

    def with_routes(
        self,
        routes: Sequence[str],
        countries: str | Sequence[str],
        scenario: str = DEFAULT_SCENARIO,
        as_of: DateLike = None,
        assume: Mapping[str, int] | None = None,
    ) -> str:
        """`--with`: take routes for the countries on the date; returns a scenario name to
        pass to `query`, `compare` or `acquire` of this session."""
        from .routes import with_routes

        return with_routes(
            self.project, scenario, list(routes), _names(countries), to_date(as_of), assume
        )

    def explain(
        self,
        country: str,
        scenario: str = DEFAULT_SCENARIO,
        as_of: DateLike = None,
        item: str = DEFAULT_ITEM,
    ) -> Explanation:
        """The facts, provisions that applied (or were overridden, or did not apply) and
        the parameters used, with their sources."""
        from .service import build_result

        day = to_date(as_of)
        _check_item(item)
        ev = self.project.evaluate(country, scenario, day, item=item)
        r = build_result(ev, law=self.project.law_on(ev.world, day))
        facts = {
            k: sorted(v) if isinstance(v, (set, frozenset)) else v for k, v in ev.inputs.items()
        }
        sources = [ref.title for ref in ev.country.groups.references]
        sources.append(f"status of the group snapshot: {ev.country.groups.status.value}")
        return Explanation(
            country=r.country,
            country_name=r.country_name,
            scenario=r.scenario,
            scenario_title=r.scenario_title,
            as_of=r.as_of,
            facts=facts,
            group_sources=sources,
            groups=r.groups,
            item=r.item,
            banner=r.banner,
            status=r.status,
            status_reason=r.status_reason,
            fired=r.fired,
            not_applied=r.not_applied,
            parameters_used=r.parameters_used,
            citations=r.citations,
        )

    def compare(
        self,
        countries: str | Sequence[str],
        scenarios: str | Sequence[str] | None = None,
        as_of: DateLike | Sequence[DateLike] = None,
        baseline: str | None = None,
        assume: Mapping[str, int] | None = None,
    ) -> Comparison:
        """Countries x scenarios (x dates), with deltas against a baseline scenario.
        Default scenarios: the regimes, `current-law`, then every shipped scenario."""
        from .compare import compare

        self.check_assumptions(assume)
        if as_of is None or isinstance(as_of, (str, dt.date)):
            dates = [to_date(as_of)]
        else:
            dates = [to_date(d) for d in as_of] or [dt.date.today()]
        names = _names(scenarios) if scenarios is not None else self.default_compare()
        return compare(self.project, _names(countries), names, dates, baseline, assume)

    def default_compare(self) -> list[str]:
        ids = self.project.scenario_ids()
        return [
            *(s for s in DEFAULT_COMPARE if s in ids),
            *(s for s in ids if s not in DEFAULT_COMPARE),
        ]

    def acquire(
        self,
        country: str,
        chips: str,
        scenario: str = DEFAULT_SCENARIO,
        as_of: DateLike = None,
        consignee_hq: str | None = None,
        lpp_used: int = 0,
        allocation_used: int = 0,
        veu: str = "none",
    ) -> AcquireResult:
        """Can this order ship? Licence, route, share of the country allocation."""
        from .acquire import Veu, acquire

        try:
            veu_kind = Veu(veu.lower())
        except ValueError:
            raise TierscopeError(f"veu {veu!r}: use none, nveu or uveu") from None
        if not (0 <= lpp_used < 2**62 and 0 <= allocation_used < 2**62):
            raise TierscopeError("lpp_used/allocation_used must be between 0 and 2**62 TPP")
        return acquire(
            self.project,
            country,
            chips,
            scenario,
            to_date(as_of),
            consignee_hq,
            lpp_used,
            allocation_used,
            veu_kind,
        )

    def countries(
        self, tier: int | None = None, scenario: str = DEFAULT_SCENARIO, as_of: DateLike = None
    ) -> ResultList:
        """Every country (or those of one tier) with its tier, licence requirement and EAR
        country groups on the date: `tierscope countries`."""
        from .evaluate import evaluate

        day = to_date(as_of)
        world = self.project.world(scenario)
        rows = ResultList()
        for code in world.countries:
            ev = evaluate(world, world.countries[code], day)
            t = ev.value("tier")
            if tier is None or t == tier:
                rows.append(
                    CountryRow(
                        as_of=day,
                        country=code,
                        name=ev.country.name,
                        tier=t,
                        licence_required=bool(ev.value("licence_required")),
                        groups=sorted(ev.inputs["groups"]),
                    )
                )
        return rows

    def check_assumptions(self, assume: Mapping[str, int] | None) -> None:
        """Unknown assumption names are an error (they would otherwise be ignored)."""
        known = sorted(
            p.split(".", 1)[1]
            for p in self.project.rulebase.parameters
            if p.startswith("assumptions.")
        )
        bad = [k for k in (assume or {}) if k not in known]
        if bad:
            raise TierscopeError(
                f"unknown assumption(s) {', '.join(bad)}; known: {', '.join(known)}"
            )


_DEFAULT: list[Session] = []


def session(rules: str | Path | None = None, countries: str | Path | None = None) -> Session:
    """A Session on your own rules/countries folders; with no argument, the shared
    session on the shipped files (built once per process)."""
    if rules is None and countries is None:
        if not _DEFAULT:
            _DEFAULT.append(Session())
        return _DEFAULT[0]
    return Session(rules, countries)


def query(
    country: str | Sequence[str],
    scenario: str = DEFAULT_SCENARIO,
    as_of: DateLike = None,
    assume: Mapping[str, int] | None = None,
    item: str = DEFAULT_ITEM,
) -> QueryResult | ResultList:
    """`tierscope query` as a result model; see `Session.query`."""
    return session().query(country, scenario, as_of, assume, item)


def pathways(
    country: str,
    scenario: str = DEFAULT_SCENARIO,
    as_of: DateLike = None,
    assume: Mapping[str, int] | None = None,
    chip: str = "B200",
    target: str | None = None,
    exclude: Sequence[str] = (),
    up_to: bool = False,
    max_routes: int = 3,
):
    """`tierscope pathways` as a result model; see `Session.pathways`."""
    return session().pathways(
        country, scenario, as_of, assume, chip, target, exclude, up_to, max_routes
    )


def explain(
    country: str,
    scenario: str = DEFAULT_SCENARIO,
    as_of: DateLike = None,
    item: str = DEFAULT_ITEM,
) -> Explanation:
    """`tierscope explain` as a result model; see `Session.explain`."""
    return session().explain(country, scenario, as_of, item)


def compare(
    countries: str | Sequence[str],
    scenarios: str | Sequence[str] | None = None,
    as_of: DateLike | Sequence[DateLike] = None,
    baseline: str | None = None,
    assume: Mapping[str, int] | None = None,
) -> Comparison:
    """`tierscope compare` as a result model; see `Session.compare`."""
    return session().compare(countries, scenarios, as_of, baseline, assume)


def acquire(
    country: str,
    chips: str,
    scenario: str = DEFAULT_SCENARIO,
    as_of: DateLike = None,
    consignee_hq: str | None = None,
    lpp_used: int = 0,
    allocation_used: int = 0,
    veu: str = "none",
) -> AcquireResult:
    """`tierscope acquire` as a result model; see `Session.acquire`."""
    return session().acquire(
        country, chips, scenario, as_of, consignee_hq, lpp_used, allocation_used, veu
    )


def countries(
    tier: int | None = None, scenario: str = DEFAULT_SCENARIO, as_of: DateLike = None
) -> ResultList:
    """`tierscope countries` as result models; see `Session.countries`."""
    return session().countries(tier, scenario, as_of)


def scenarios() -> list[str]:
    """Shipped regime and scenario ids."""
    return session().scenarios()
