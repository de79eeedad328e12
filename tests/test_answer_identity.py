"""Caching never changes an answer: every fast path gives the bytes of the reference path.

The reference path reads every file from YAML (TIERSCOPE_CACHE=off), runs durable-rules
for every question (`memo=False`), builds every result afresh (`cache=False`) and
serialises it with pydantic. The fast paths are `Project.query` (validated files from the
on-disk cache, evaluation memo, result parts cached by validity interval), first filling
the on-disk cache and then reading from it, and the spliced JSON lines of `sweep`. They
are compared byte for byte over the whole world, every shipped scenario plus one with a
parameter that changes in the middle of a provision epoch, on dates either side of every
kind of dated input. Nothing here pins the law:
whatever the rule files say, both paths must say the same.

The last tests break the caches on purpose and check that this comparison notices, so
it cannot pass vacuously.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tierscope import service
from tierscope.errors import TierscopeError
from tierscope.evaluate import evaluate
from tierscope.service import Project, build_result
from tierscope.sweep import sweep

# Either side of the framework's dates, the rescission, the later post-rescission changes,
# and of the mid-epoch parameter change of the scenario below.
DATES = (
    dt.date(2025, 1, 12),
    dt.date(2025, 1, 13),
    dt.date(2025, 5, 14),
    dt.date(2025, 8, 31),
    dt.date(2025, 9, 1),
    dt.date(2026, 7, 10),
)
MID_EPOCH = """\
id: allocation-raised-mid-2025
title: Country allocation raised from 1 September 2025 (test scenario)
description: A parameter that changes where no provision window does.
base: framework-2025
parameters:
  framework_2025.country_allocation_tpp:
    values:
      2025-09-01:
        value: 1_000_000_000
        status: unverified
        references:
          - title: test scenario
references:
  - title: test scenario
"""


@pytest.fixture(scope="module")
def specs(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    path = Path(tmp_path_factory.mktemp("scenarios")) / "mid-epoch.yaml"
    path.write_text(MID_EPOCH)
    return [*Project.shipped().scenario_ids(), str(path)]


def reference(project: Project, specs: list[str]) -> Iterator[str]:
    """Uncached answers, in sweep order; an error line carries only the message."""
    for spec in specs:
        world = project.world(spec)
        for day in DATES:
            for code in world.countries:
                country = world.countries[code]
                try:
                    ev = evaluate(world, country, day, memo=False)
                    chips = project.chips if any(d.chips for d in country.deals) else None
                    law = project.law_on(world, day)
                    yield build_result(ev, chips, law, cache=False).model_dump_json()
                except TierscopeError as exc:
                    yield f"error: {exc.message}"


def normalised(lines: Iterator[bytes]) -> Iterator[str]:
    """Sweep lines as text, error lines reduced to their message as `reference` gives them."""
    import json

    for raw in lines:
        line = raw.decode()
        if '"error":' in line and '"tier":' not in line:
            yield f"error: {json.loads(line)['error']}"
        else:
            yield line


def queried(project: Project, specs: list[str]) -> Iterator[str]:
    for spec in specs:
        for day in DATES:
            for code in project.rulebase.countries:
                try:
                    yield project.query(code, spec, day).model_dump_json()
                except TierscopeError as exc:
                    yield f"error: {exc.message}"


@pytest.fixture(scope="module")
def expected(specs: list[str]) -> list[str]:
    saved = os.environ.get("TIERSCOPE_CACHE")
    os.environ["TIERSCOPE_CACHE"] = "off"
    try:
        return list(reference(Project.shipped(), specs))
    finally:
        if saved is None:
            del os.environ["TIERSCOPE_CACHE"]
        else:
            os.environ["TIERSCOPE_CACHE"] = saved


@pytest.fixture
def fresh_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TIERSCOPE_CACHE", raising=False)
    monkeypatch.setenv("TIERSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def first_difference(got: list[str], want: list[str]) -> str | None:
    if len(got) != len(want):
        return f"{len(got)} answers, expected {len(want)}"
    for i, (a, b) in enumerate(zip(got, want, strict=True)):
        if a != b:
            return f"answer {i} differs:\n{a[:300]}\n!=\n{b[:300]}"
    return None


def test_reference_covers_world_scenarios_and_answers(expected: list[str], specs: list[str]):
    countries = len(Project.shipped().rulebase.countries)
    assert len(expected) == countries * len(specs) * len(DATES)
    answered = [a for a in expected if not a.startswith("error:")]
    assert len(answered) > len(expected) // 2  # mostly real answers, not errors


def test_query_answers_are_byte_identical_to_uncached(
    expected: list[str], specs: list[str], fresh_cache: Path
):
    project = Project.shipped()  # reads YAML and fills the on-disk cache
    assert first_difference(list(queried(project, specs)), expected) is None
    assert any(fresh_cache.rglob("*.pickle"))
    # and again, now that every cache is full
    assert first_difference(list(queried(project, specs)), expected) is None
    # a new process's view: every file from the on-disk cache
    assert first_difference(list(queried(Project.shipped(), specs)), expected) is None


def test_sweep_lines_are_byte_identical_to_uncached(expected: list[str], specs: list[str]):
    project = Project.shipped()
    got = list(normalised(sweep(project, specs, DATES)))
    assert first_difference(got, expected) is None


# ------------------------------------------------------- the comparison has teeth


def test_a_cache_that_ignores_dates_is_caught(
    expected: list[str], specs: list[str], monkeypatch: pytest.MonkeyPatch
):
    """Parts valid forever: the mid-epoch parameter change is missed, and noticed."""
    monkeypatch.setattr(service, "_validity", lambda ev, read: (dt.date.min, dt.date.max))
    got = list(normalised(sweep(Project.shipped(), specs, DATES)))
    assert first_difference(got, expected) is not None


def test_shared_fragments_in_the_wrong_place_are_caught(
    expected: list[str], specs: list[str], monkeypatch: pytest.MonkeyPatch
):
    """A splice that puts a per-answer field out of its place is noticed."""
    from tierscope import sweep as sweep_mod

    plan = sweep_mod._PLAN
    swapped = (*plan[:1], plan[2], plan[1], *plan[3:])  # a shared run before `groups`
    monkeypatch.setattr(sweep_mod, "_PLAN", swapped)
    got = list(normalised(sweep(Project.shipped(), specs, DATES)))
    assert first_difference(got, expected) is not None
