"""The evaluation memo: keyed on what the rules can see, and on the engine that answered."""

from __future__ import annotations

import pytest

from tierscope.evaluate import evaluate
from tierscope.service import Project
from tierscope.vocabulary import COUNTRY_GROUPS

from .conftest import FRAMEWORK_DAY


class Refuses:
    """An adapter that refuses to run: any question it is really asked raises."""

    def register(self, *args: object) -> str:
        raise RuntimeError("asked")

    def session(self, *args: object) -> object:
        raise RuntimeError("asked")


def test_another_adapter_is_not_answered_from_the_default_adapters_memo(project: Project):
    world = project.world("framework-2025")
    country = world.countries["IL"]
    evaluate(world, country, FRAMEWORK_DAY)  # the default adapter fills the memo
    with pytest.raises(RuntimeError, match="asked"):
        evaluate(world, country, FRAMEWORK_DAY, adapter=Refuses())  # type: ignore[arg-type]


def test_a_group_no_rule_tests_does_not_split_the_memo(project: Project):
    """Two countries that differ only in a group no condition reads share one entry."""
    world = project.world("framework-2025")
    tested = {g for _, groups in world.compiled.groups_read for g in groups}
    untested = sorted(set(COUNTRY_GROUPS) - tested)
    assert untested, "every group is tested: nothing to check"
    base = world.countries["IN"]
    extra = next(g for g in untested if g not in base.groups.members)
    twin = base.model_copy(
        update={"groups": base.groups.model_copy(update={"members": [*base.groups.members, extra]})}
    )
    assert twin.groups_on(FRAMEWORK_DAY) != base.groups_on(FRAMEWORK_DAY)
    first = evaluate(world, base, FRAMEWORK_DAY)
    second = evaluate(world, twin, FRAMEWORK_DAY)
    assert second.resolutions is first.resolutions


def test_a_group_a_rule_tests_does_split_the_memo(project: Project):
    world = project.world("framework-2025")
    tested = sorted(g for _, groups in world.compiled.groups_read for g in groups)
    base = world.countries["IN"]
    g = next(g for g in tested if g not in base.groups.members)
    twin = base.model_copy(
        update={"groups": base.groups.model_copy(update={"members": [*base.groups.members, g]})}
    )
    assert evaluate(world, twin, FRAMEWORK_DAY).resolutions is not (
        evaluate(world, base, FRAMEWORK_DAY).resolutions
    )


def test_a_project_keeps_a_bounded_number_of_worlds(monkeypatch: pytest.MonkeyPatch):
    from tierscope import service

    monkeypatch.setattr(service, "WORLDS_LIMIT", 2)
    project = Project.shipped()
    for n in range(1, 5):
        project.world("framework-2025", {"lpp_consignees_per_year": n})
    assert len(project._worlds) == 2
    # a forgotten world is simply built again, with the same answers
    again = project.world("framework-2025", {"lpp_consignees_per_year": 1})
    assert again.parameters["assumptions.lpp_consignees_per_year"].value_at(FRAMEWORK_DAY) == 1
