"""Legal cases as YAML (the OpenFisca test style): a fact of the law, stated with its
source, that the engine must derive from the rule files.

    - name: Israel is Tier 2 under the framework
      country: Israel
      scenario: framework-2025
      as_of: 2025-06-01
      expect:
        tier: 2
        licence: true
        review: allocation
        pathways: {country_allocation: 790_000_000, aia: not open}
      source: "15 CFR 742.6(b)(10)(iii)(B)(1) (90 FR 4544); Supp. No. 5 to part 740"

`tierscope test FILE...` runs an analyst's own files; the test suite collects
`tests/cases/*.yaml` the same way (see tests/conftest.py). A wrong expectation, an
unknown country, scenario or field is reported as `file:line: ...`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import Field, StrictBool, StrictInt, ValidationError, model_validator

from .errors import LoadError, TierscopeError
from .models.common import StrictModel
from .yamlio import LineDict, LineList, line_of, read_yaml

# What a pathway can be expected to be, besides a ceiling in TPP.
PATHWAY_WORDS = ("unbounded", "not open", "share-limited", "open")


class Order(StrictModel):
    """An order for `acquire`: the chips and who receives them."""

    chips: str = Field(min_length=1)
    consignee_hq: str | None = None
    lpp_used: StrictInt = Field(default=0, ge=0)
    allocation_used: StrictInt = Field(default=0, ge=0)
    veu: str = "none"


class PathwayExpect(StrictModel):
    """A pathway's certain ceiling and, where the law lets it be raised, its "up to" figure."""

    ceiling: StrictInt | str | None = None
    up_to: StrictInt | None = None


class Expect(StrictModel):
    """What the law says the answer is. Only the keys given are checked."""

    tier: StrictInt | None = Field(default=None, ge=1, le=3)  # null: a regime without tiers
    licence: StrictBool | None = None
    review: str | None = None
    pathways: dict[str, StrictInt | str | PathwayExpect] = Field(default_factory=dict)
    total: StrictInt | str | None = None  # total reachable TPP, or "unbounded"
    route: str | None = None  # with an order: the pathway it goes through, or "none"

    @model_validator(mode="after")
    def _known_words(self) -> Expect:
        if not self.model_fields_set:
            raise ValueError("expect needs at least one of tier, licence, review, pathways, "
                             "total, route")  # fmt: skip
        for pid, v in self.pathways.items():
            v = v.ceiling if isinstance(v, PathwayExpect) else v
            if isinstance(v, str) and v not in PATHWAY_WORDS:
                raise ValueError(
                    f"pathways.{pid}: {v!r} is not a ceiling; use a TPP integer or one of "
                    f"{', '.join(PATHWAY_WORDS)}"
                )
        if isinstance(self.total, str) and self.total != "unbounded":
            raise ValueError(f"total: {self.total!r}: use a TPP integer or 'unbounded'")
        return self


class Case(StrictModel):
    name: str = Field(min_length=3)
    country: str = Field(min_length=1)
    scenario: str = Field(min_length=1)
    as_of: dt.date
    item: str | None = None  # 3A090.a (chips, the default) or 4E091 (model weights)
    order: str | Order | None = None
    with_: list[str] | None = Field(default=None, alias="with")
    expect: Expect
    source: str = Field(min_length=3, description="the legal source of the expectation")
    note: str | None = None

    @model_validator(mode="after")
    def _route_needs_order(self) -> Case:
        if self.item is not None and self.order is not None:
            raise ValueError("an order is of chips (3A090.a): drop 'item' or 'order'")
        if "route" in self.expect.model_fields_set and self.order is None:
            raise ValueError('expect.route needs an order (order: "1000 x B200")')
        return self


@dataclass
class Outcome:
    """One case run: where it is, and what did not match (empty = passed)."""

    path: str
    line: int
    name: str
    problems: list[tuple[int, str]] = field(default_factory=list)  # (line, message)
    source: str = ""

    @property
    def passed(self) -> bool:
        return not self.problems

    def lines(self) -> list[str]:
        return [f"{self.path}:{line}: {self.name}: {msg}" for line, msg in self.problems]


def read_cases(path: Path) -> list[tuple[int, Any]]:
    """(line, raw mapping) of each case in a file; a malformed file is a LoadError."""
    data = read_yaml(path)
    if data is None:
        raise LoadError(path, "empty file: expected a list of cases (each starting '- name:')")
    if not isinstance(data, LineList):
        raise LoadError(path, "expected a list of cases (each starting '- name:')",
                        line=getattr(data, "line", None))  # fmt: skip
    return list(zip(data.item_lines, data, strict=True))


def _field_line(raw: Any, *keys: Any) -> int | None:
    return line_of(raw, tuple(keys), strict=True)


def parse_case(raw: Any, line: int) -> tuple[Case | None, list[tuple[int, str]]]:
    """The validated case, or every schema problem with its line."""
    if not isinstance(raw, LineDict):
        return None, [(line, "a case is a mapping with name, country, scenario, as_of, "
                             "expect and source")]  # fmt: skip
    try:
        return Case.model_validate(raw), []
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(err["loc"])
            where = ".".join(str(p) for p in loc if not str(p)[:1].isupper())
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = f"unknown field {loc[-1]!r}" + _hint(loc)
            problems.append((_field_line(raw, *loc) or line, f"{where}: {msg}" if where else msg))
        return None, problems


def _hint(loc: tuple[Any, ...]) -> str:
    import difflib

    fields = {
        1: [*Case.model_fields, "with"],
        2: list(Expect.model_fields) if loc[:1] == ("expect",) else list(Order.model_fields),
    }.get(len(loc), [])
    near = difflib.get_close_matches(str(loc[-1]), fields, n=1)
    return f"; did you mean {near[0]!r}?" if near else ""


def _with_routes(session: Any, case: Case) -> str:
    """The scenario with the case's routes taken (`with: [g2g-arrangement]`), as
    `tierscope query --with` does; an error if this version has no routes."""
    try:
        from .routes import with_routes  # type: ignore[import-not-found]
    except ImportError:
        raise TierscopeError(
            "with: routes are not supported by this version of tierscope"
        ) from None
    return with_routes(session.project, case.scenario, case.with_ or [], [case.country], case.as_of)


def _blame(exc: TierscopeError) -> str:
    """The field of a case that an engine error is about (for its line)."""
    from .errors import OrderParseError, UnknownChipError, UnknownCountryError

    if isinstance(exc, UnknownCountryError):
        return "country"
    if isinstance(exc, (UnknownChipError, OrderParseError)):
        return "order"
    if exc.message.startswith("item "):
        return "item"
    if "route" in exc.message or exc.message.startswith("with:"):
        return "with"
    return "scenario" if "scenario" in exc.message or "in force" in exc.message else "as_of"


def _pathway_word(p: Any) -> str:
    if p is None:
        return "not open"
    if p.ceiling_tpp is not None:
        return f"{p.ceiling_tpp:,} TPP"
    return "unbounded" if p.unbounded else "share-limited"


def _matches(expected: int | str, p: Any) -> bool:
    if expected == "open":
        return p is not None
    if isinstance(expected, int):
        return p is not None and p.ceiling_tpp == expected
    return _pathway_word(p) == expected


def _show(v: Any) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}"
    return "null" if v is None else str(v)


def run_case(case: Case, raw: LineDict, line: int, session: Any) -> list[tuple[int, str]]:
    """The mismatches between `case.expect` and the engine's answer (each with a line)."""
    at = lambda *keys: _field_line(raw, *keys) or line  # noqa: E731
    scenario = case.scenario
    try:
        if case.with_:
            scenario = _with_routes(session, case)
        if case.order is not None:
            order = Order(chips=case.order) if isinstance(case.order, str) else case.order
            result: Any = session.acquire(
                case.country, order.chips, scenario, case.as_of, order.consignee_hq,
                order.lpp_used, order.allocation_used, order.veu,
            )  # fmt: skip
            query = session.query(case.country, scenario, case.as_of)
        elif case.item is not None:
            result = query = session.query(case.country, scenario, case.as_of, item=case.item)
        else:
            result = query = session.query(case.country, scenario, case.as_of)
    except TierscopeError as exc:
        return [(at(_blame(exc)), exc.message)]
    e = case.expect
    problems: list[tuple[int, str]] = []

    def compare(key: str, expected: Any, actual: Any) -> None:
        if expected != actual:
            problems.append(
                (
                    at("expect", key),
                    f"expect.{key}: expected {_show(expected)}, got {_show(actual)}",
                )
            )

    given = e.model_fields_set
    if "tier" in given:
        compare("tier", e.tier, result.tier)
    if "licence" in given:
        compare("licence", e.licence, result.licence_required)
    if "review" in given:
        compare("review", e.review, result.review_policy)
    if "route" in given:
        compare("route", e.route, result.route or "none")
    if "total" in given:
        t = query.total_reachable
        compare("total", e.total, "unbounded" if t.unbounded else t.tpp)
    by_id = {p.id: p for p in query.pathways}
    for pid, expected in e.pathways.items():
        p = by_id.get(pid)
        if isinstance(expected, PathwayExpect):
            if "up_to" in expected.model_fields_set:
                got = getattr(p, "ceiling_up_to_tpp", None) if p is not None else None
                if got != expected.up_to:
                    problems.append(
                        (at("expect", "pathways", pid, "up_to"),
                         f"expect.pathways.{pid}.up_to: expected {_show(expected.up_to)}, "
                         f"got {_show(got)}")
                    )  # fmt: skip
            if expected.ceiling is None:
                continue
            expected = expected.ceiling
        if not _matches(expected, p):
            want = f"{expected:,} TPP" if isinstance(expected, int) else expected
            problems.append(
                (at("expect", "pathways", pid),
                 f"expect.pathways.{pid}: expected {want}, got {_pathway_word(p)}")
            )  # fmt: skip
    return problems


def run_file(path: Path, session: Any) -> list[Outcome]:
    """Every case of one file, run (a malformed file raises LoadError)."""
    out = []
    for line, raw in read_cases(path):
        case, problems = parse_case(raw, line)
        if case is None:
            name = str(raw.get("name", "(unnamed case)")) if isinstance(raw, dict) else "(not a case)"
            out.append(Outcome(str(path), line, name, problems))
            continue
        problems = run_case(case, raw, line, session)
        out.append(Outcome(str(path), line, case.name, problems, case.source))
    return out
