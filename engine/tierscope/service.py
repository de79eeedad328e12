"""The application layer: rule base + scenario + country + date -> validated results.

The CLI, the benchmark and the tests all go through `Project`, so there is one path
from files to answers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .country_lookup import resolve_country
from .evaluate import Evaluation, evaluate
from .loader import RuleBase, load_rulebase
from .models.common import weakest
from .models.condition import FactTest, walk
from .models.provision import Provision, ReviewPolicy
from .models.result import Firing, ParameterUse, QueryResult
from .paths import data_dirs
from .precedence import Resolution
from .quantify import H100_PARAM, parameter_use, pathway_result
from .scenario import build_world
from .world import World

DEFAULT_SCENARIO = "framework-2025"


@dataclass
class Project:
    rules_dir: Path
    countries_dir: Path
    _worlds: dict[str, World] = field(default_factory=dict)

    @classmethod
    def shipped(cls) -> Project:
        rules, countries = data_dirs()
        return cls(rules, countries)

    @cached_property
    def rulebase(self) -> RuleBase:
        return load_rulebase(self.rules_dir, self.countries_dir)

    def scenario_ids(self) -> list[str]:
        """Regimes first (each is a scenario too), then the shipped scenarios."""
        return [*sorted(self.rulebase.regimes), *sorted(self.rulebase.scenarios)]

    def world(self, scenario: str) -> World:
        """The World of a scenario spec (cached: each is built and compiled once)."""
        if scenario not in self._worlds:
            self._worlds[scenario] = build_world(self.rulebase, scenario)
        return self._worlds[scenario]

    def country_code(self, query: str) -> str:
        return resolve_country(query, self.rulebase.countries)

    def evaluate(self, country: str, scenario: str, day: dt.date) -> Evaluation:
        world = self.world(scenario)
        return evaluate(world, world.countries[self.country_code(country)], day)

    def query(
        self, country: str, scenario: str = DEFAULT_SCENARIO, day: dt.date | None = None
    ) -> QueryResult:
        day = day or dt.date.today()
        return build_result(self.evaluate(country, scenario, day))


def _value_text(value: object) -> str:
    if isinstance(value, ReviewPolicy):
        return value.policy
    if hasattr(value, "id") and hasattr(value, "ceiling"):
        return f"pathway {value.id}"  # type: ignore[attr-defined]
    if hasattr(value, "text"):
        return f"warning {value.id}"  # type: ignore[attr-defined]
    return str(value).lower() if isinstance(value, bool) else str(value)


def _firings(ev: Evaluation) -> list[Firing]:
    out: list[Firing] = []
    for res in ev.resolutions.values():
        for p, outcome in _outcomes(res):
            out.append(
                Firing(
                    id=p.id,
                    title=p.title,
                    citation=p.citation,
                    status=p.status,
                    output=p.then.output,
                    value=_value_text(p.then.value),
                    outcome=outcome,
                )
            )
    return out


def _outcomes(res: Resolution) -> list[tuple[Provision, str]]:
    return (
        [(p, "defines") for p in res.winners]
        + [(p, "overridden by an exception") for p in res.overridden]
        + [(p, "ignored: its base does not apply") for p in res.ignored]
    )


def build_result(ev: Evaluation) -> QueryResult:
    world, day = ev.world, ev.day
    h100 = parameter_use(world.parameters, H100_PARAM, day)
    pathways = [
        pathway_result(res.winners[0], world.parameters, day, h100)
        for out, res in sorted(ev.resolutions.items())
        if out.startswith("pathway:")
    ]
    used: dict[str, ParameterUse] = {}
    for res in ev.resolutions.values():
        for p in res.winners:
            for node in walk(p.when):
                if isinstance(node, FactTest) and node.op == "in_param":
                    used.setdefault(
                        node.operand, parameter_use(world.parameters, node.operand, day)
                    )
    for pw in pathways:
        for u in pw.parameters:
            used.setdefault(u.id, u)
    used.setdefault(h100.id, h100)
    review = ev.value("review_policy")
    winners = [p for r in ev.resolutions.values() for p in r.winners]
    citations = sorted({p.citation for p in winners})
    status = weakest([p.status for p in winners] + [pw.status for pw in pathways])
    return QueryResult(
        country=ev.country.code,
        country_name=ev.country.name,
        scenario=world.scenario_id,
        scenario_title=world.title,
        as_of=day,
        tier=ev.value("tier"),
        licence_required=bool(ev.value("licence_required")),
        review_policy=review.policy if review else None,
        review_detail=review.detail if review else None,
        pathways=pathways,
        status=status,
        citations=citations,
        fired=_firings(ev),
        groups=sorted(ev.inputs["groups"]),
        h100_tpp=h100,
        warnings=[
            f"{res.value.text} [{res.winners[0].citation}; {res.winners[0].status.value}]"
            for out, res in sorted(ev.resolutions.items())
            if out.startswith("warning:")
        ],
        parameters_used=list(used.values()),
        key_dates=[f"{d.date}: {d.label} ({d.citation})" for d in world.regime.header.key_dates],
    )
