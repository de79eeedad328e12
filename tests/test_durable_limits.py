"""durable-rules' limits, reached from rule files, are refused at compile time.

Each limit of durable-rules 2.0.28 that a rule file can reach fails in durable-rules with
an opaque error code, or hangs (see `tierscope.durable_dialect`). These tests build rule
sets just past each limit and check the engine either runs them (provisions sharing a
condition share one durable rule) or refuses them with the provision's file:line and the
name of the limit - never an error code from durable-rules, never a hang.
"""

from __future__ import annotations

import datetime as dt

import pytest

from tierscope.compile import compile_regime
from tierscope.durable_dialect import (
    MAX_COMPARISONS,
    MAX_MESSAGE_PROPERTIES,
    MAX_RULES_PER_NODE,
)
from tierscope.errors import LoadError
from tierscope.evaluate import evaluate
from tierscope.models.country import Country
from tierscope.models.parameter import Parameter
from tierscope.models.provision import Provision
from tierscope.models.regime import Regime
from tierscope.paths import data_dirs
from tierscope.world import World

REF = [{"title": "A reference for the limit tests"}]
DAY = dt.date(2025, 6, 1)


def provision(i: int, when: dict, **then) -> Provision:
    return Provision.model_validate(
        {
            "id": f"limits.p{i}",
            "title": f"Provision {i}",
            "citation": "15 CFR 740.29",
            "status": "primary",
            "valid": {"from": "2025-01-01"},
            "when": when,
            "then": then or {"warning": {"id": f"w{i}", "text": "a warning for the test"}},
        }
    ).located(f"rules/limits/many.yaml:{3 + 8 * i}")


def regime(provisions: list[Provision]) -> Regime:
    header = {"id": "limits", "title": "Limits", "description": "Test.", "references": REF}
    return Regime.model_validate({"header": header, "provisions": provisions})


def israel() -> Country:
    from tierscope.loader import load_country

    return load_country(data_dirs()[1] / "IL.yaml")


def test_more_provisions_on_one_condition_than_durable_allows_on_a_node_still_run() -> None:
    """Guard: provisions with equal compiled conditions share one durable rule (durable-rules
    fails with error 108 beyond 256 rules on one node)."""
    n = MAX_RULES_PER_NODE + 50
    provs = [provision(i, {"fact": "country", "equals": "IL"}) for i in range(n)]
    world = World("limits", "Limits", regime(provs), {}, {})
    assert len(world.compiled.rules) < 5
    ev = evaluate(world, israel(), DAY, memo=False)
    assert len([o for o in ev.resolutions if o.startswith("warning:")]) == n


def test_too_many_comparison_tests_are_refused_with_file_and_line() -> None:
    """Guard: check_limits counts distinct comparisons (durable-rules fails with error 303
    when a fact meets ~64 of them, and hangs on ~600 on one fact)."""
    provs = [
        provision(i, {"fact": "order_max_tpp", "gte": 1000 + i}) for i in range(MAX_COMPARISONS + 5)
    ]
    with pytest.raises(LoadError) as err:
        compile_regime(regime(provs), {})
    assert err.value.path == "rules/limits/many.yaml"
    assert err.value.line is not None and err.value.line > 3
    assert "comparison tests" in err.value.message


def test_a_message_with_too_many_properties_is_refused() -> None:
    """Guard: each list read with in_param adds a property to every message (durable-rules
    fails beyond 255 properties with error 302, masked by 309 in its cleanup)."""
    n = MAX_MESSAGE_PROPERTIES
    params = {
        f"lists.l{i}": Parameter.model_validate(
            {
                "label": f"List {i}",
                "description": "A list for the limit test.",
                "unit": "countries",
                "values": {"2025-01-01": {"value": ["IL"], "status": "primary", "references": REF}},
            }
        ).model_copy(update={"id": f"lists.l{i}"})
        for i in range(n)
    }
    provs = [provision(i, {"fact": "country", "in_param": f"lists.l{i}"}) for i in range(n)]
    with pytest.raises(LoadError) as err:
        compile_regime(regime(provs), params)
    assert "message properties" in err.value.message
    assert err.value.path == "rules/limits/many.yaml"
