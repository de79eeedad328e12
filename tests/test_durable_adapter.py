"""One test per durable-rules trap (see docs/architecture.md), each proving its guard works.

Every test here fails if the guard in `tierscope.durable_adapter` (or in the compiler or
models, for the number traps) is removed; the docstring of each test says which guard.
Ruleset names are prefixed `t_adapter_` so they never collide with the engine's own
content-hashed names in the shared, process-wide adapter.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

import tierscope
from tierscope.compile import compile_condition, compile_regime, group_attr, memberships_on, message
from tierscope.durable_adapter import DurableAdapter, default_adapter
from tierscope.errors import EngineError
from tierscope.facts import input_facts, output_defaults
from tierscope.loader import load_rulebase
from tierscope.models.condition import Condition
from tierscope.models.parameter import MAX_INT, DatedValue, Parameter
from tierscope.oracle import holds
from tierscope.paths import data_dirs

ENGINE_DIR = Path(tierscope.__file__).resolve().parents[1]  # the package under test
CONDITION = TypeAdapter(Condition)
REF = [{"title": "A test reference"}]


def cond(data: dict[str, Any]) -> Condition:
    return CONDITION.validate_python(data)


@pytest.fixture(scope="module")
def adapter() -> DurableAdapter:
    return default_adapter()


# --- at most 1024 live sessions per ruleset ------------------------------------------------


def test_ten_thousand_sessions_with_three_stages(adapter: DurableAdapter) -> None:
    """Guard: one sid per evaluation, `delete_state` in `finally` (else MemoryError at 1025)."""
    name = adapter.register(
        "t_adapter_many_sessions",
        {
            "one": {"all": [{"m": {"stage": 1}}]},
            "two_big": {"all": [{"m": {"$and": [{"stage": 2}, {"$gte": {"n": 5000}}]}}]},
            "three_even": {"all": [{"m": {"$and": [{"stage": 3}, {"even": True}]}}]},
        },
    )
    sids = set()
    for i in range(10_000):
        with adapter.session(name) as s:
            sids.add(s.sid)
            assert s.assert_fact({"stage": 1, "n": i, "even": i % 2 == 0}) == ["one"]
            two = s.assert_fact({"stage": 2, "n": i, "even": i % 2 == 0})
            assert two == (["two_big"] if i >= 5000 else [])
            three = s.assert_fact({"stage": 3, "n": i, "even": i % 2 == 0})
            assert three == (["three_even"] if i % 2 == 0 else [])
    assert len(sids) == 10_000


def test_sessions_are_never_reused(adapter: DurableAdapter) -> None:
    """Guard: fresh sid per evaluation (no truth maintenance: old facts would still join)."""
    name = adapter.register(
        "t_adapter_isolation",
        {"joined": {"all": [{"a": {"stage": 1}}, {"b": {"stage": 2}}]}},
    )
    with adapter.session(name) as s:
        assert s.assert_fact({"stage": 1}) == []
        assert s.assert_fact({"stage": 2}) == ["joined"]
    for _ in range(3):
        with adapter.session(name) as s:  # a stage-1 fact of an earlier session must not join
            assert s.assert_fact({"stage": 2}) == []


# --- exceptions inside actions are swallowed ---------------------------------------------


class Boom(RuntimeError):
    pass


def test_exception_in_action_reaches_caller(adapter: DurableAdapter) -> None:
    """Guard: the adapter's dispatcher keeps the exception and `assert_fact` re-raises it."""
    original = Boom("raised inside a rule action")
    seen: list[dict[str, Any]] = []

    def explode(fact: dict[str, Any]) -> None:
        seen.append(fact)
        raise original

    name = adapter.register(
        "t_adapter_action_error",
        {"boom": {"all": [{"m": {"x": 1}}]}, "quiet": {"all": [{"m": {"x": 2}}]}},
        actions={"boom": explode},
    )
    with pytest.raises(EngineError) as info, adapter.session(name) as s:
        s.assert_fact({"stage": 1, "x": 1})
    assert info.value.__cause__ is original
    assert "raised inside a rule action" in str(info.value)
    assert seen and seen[0]["x"] == 1  # the action really ran with the fact's content
    # The failed session was cleaned up: later sessions work and see no stale error.
    for _ in range(5):
        with adapter.session(name) as s:
            assert s.assert_fact({"stage": 1, "x": 2}) == ["quiet"]


def test_exception_recorded_in_session_state_is_raised(adapter: DurableAdapter) -> None:
    """Guard: `check_state` turns an `exception` entry of the session state into an error."""
    name = adapter.register("t_adapter_state_error", {"r": {"all": [{"m": {"x": 1}}]}})
    with (
        pytest.raises(EngineError, match="session error: recorded by durable"),
        adapter.session(name) as s,
    ):
        s.assert_fact({"stage": 1, "x": 1})
        s.check_state()  # clean state: no error
        # This is where durable-rules itself writes a swallowed action error.
        s._host.update_state(name, {"sid": s.sid, "exception": "recorded by durable"})
        s.check_state()


def test_identical_fact_twice_is_an_engine_error(adapter: DurableAdapter) -> None:
    """MessageObservedException becomes an EngineError and the session is still deleted."""
    name = adapter.register("t_adapter_observed", {"r": {"all": [{"m": {"x": 1}}]}})
    with pytest.raises(EngineError) as info, adapter.session(name) as s:
        s.assert_fact({"stage": 1, "x": 1})
        s.assert_fact({"stage": 1, "x": 1})
    assert type(info.value.__cause__).__name__ == "MessageObservedException"
    with adapter.session(name) as s:
        assert s.assert_fact({"stage": 1, "x": 1}) == ["r"]


# --- a fact matching no rule --------------------------------------------------------------

_UNMATCHED_SCRIPT = textwrap.dedent(
    """
    from tierscope.durable_adapter import DurableAdapter
    a = DurableAdapter()
    name = a.register("t_adapter_unmatched", {"only": {"all": [{"m": {"x": 1}}]}})
    for i in range(300):
        with a.session(name) as s:
            # the very first message of the session matches no provision rule
            assert s.assert_fact({"stage": 1, "x": 2}) == []
            assert s.assert_fact({"stage": 2, "x": 3}) == []
            s.check_state()  # get_state after an unmatched first message
        with a.session(name) as s:
            assert s.assert_fact({"stage": 1, "x": 1}) == ["only"]
            assert s.assert_fact({"stage": 2, "x": 9}) == []
            s.check_state()
    print("survived")
    """
)


def test_unmatched_fact_is_handled_and_session_deleted() -> None:
    """Guard: the catch-all rule. Without it the first unmatched message raises
    MessageNotHandledException and the following get_state/delete_state segfaults, so
    the scenario runs in a child process: a crash fails this test instead of the suite."""
    proc = subprocess.run(
        [sys.executable, "-c", _UNMATCHED_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ENGINE_DIR)},
    )
    assert proc.returncode == 0, f"rc={proc.returncode}\n{proc.stderr[-2000:]}"
    assert proc.stdout.strip() == "survived"


# --- register_rulesets mutates its argument; one registration per name -----------------


def test_register_deep_copies_and_is_idempotent(adapter: DurableAdapter) -> None:
    """Guards: deep copies before `register_rulesets` (which adds/pops `run` and keeps
    references), and the name cache (durable raises 'already registered')."""
    shared = {"all": [{"m": {"$and": [{"stage": 1}, {"x": 1}]}}]}
    rules = {"a": shared, "b": shared, "c": {"all": [{"m": {"x": 2}}]}}  # a and b: one object
    before = copy.deepcopy(rules)
    name = adapter.register("t_adapter_copies", rules)
    assert rules == before
    assert "run" not in shared and "run" not in rules["c"]
    assert rules["a"] is rules["b"]
    # registering the same name again is a no-op, not durable's "already registered"
    assert adapter.register("t_adapter_copies", rules) == name
    assert adapter.register("t_adapter_copies", copy.deepcopy(rules)) == name
    assert rules == before
    with adapter.session(name) as s:
        assert sorted(s.assert_fact({"stage": 1, "x": 1})) == ["a", "b"]
    # mutating the caller's dict afterwards does not change the registered rules
    shared["all"][0]["m"] = {"x": 99}
    with adapter.session(name) as s:
        assert sorted(s.assert_fact({"stage": 1, "x": 1})) == ["a", "b"]


def test_register_rejects_bad_names(adapter: DurableAdapter) -> None:
    with pytest.raises(ValueError):
        adapter.register("not an identifier", {})
    with pytest.raises(ValueError):
        adapter.register("t_adapter_bad_rule", {"a/b": {"all": [{"m": {"x": 1}}]}})


def test_bad_ruleset_json_is_an_engine_error(adapter: DurableAdapter) -> None:
    with pytest.raises(EngineError, match="rejected"):
        adapter.register("t_adapter_bad_json", {"r": {"all": [{"m": {"$nosuchop": {"x": 1}}}]}})


# --- an $or fires its rule once per true branch --------------------------------------------


def test_or_with_several_true_branches_reports_the_rule_once(adapter: DurableAdapter) -> None:
    """Trap found while writing these tests: durable-rules activates a rule once per true
    branch of an `$or`. Guard: `Session.assert_fact` de-duplicates, keeping order."""
    calls: list[int] = []
    name = adapter.register(
        "t_adapter_or_twice",
        {
            "either": {"all": [{"m": {"$or": [{"x": 1}, {"y": 1}, {"z": 1}]}}]},
            "plain": {"all": [{"m": {"x": 1}}]},
        },
        actions={"either": lambda fact: calls.append(fact["x"])},
    )
    with adapter.session(name) as s:
        assert sorted(s.assert_fact({"stage": 1, "x": 1, "y": 1, "z": 1})) == ["either", "plain"]
    with adapter.session(name) as s:
        assert s.assert_fact({"stage": 1, "x": 0, "y": 1, "z": 1}) == ["either"]
    assert len(calls) >= 2  # custom actions may still run once per branch


# --- the compiler's JSON matches durable's Python DSL ------------------------------------


def _dsl_conditions() -> list[dict[str, Any]]:
    """The `m` condition of each rule the DSL builds, in definition order."""
    from durable import lang
    from durable.lang import m, ruleset, when_all

    rs = ruleset("t_adapter_dsl")
    try:
        with rs:
            for expr in (
                m.country == "US",
                m.country != "US",
                m.g2g_arrangement == False,  # noqa: E712 - the DSL overloads ==
                m.tier >= 2,
                m.tier < 3,
                m.tier < 2,
                (m.tier >= 2) & (m.tier < 3),
                (m.tier == 1) | (m.tier == 2),
                (m.tier == 1) | (m.g2g_arrangement == True),  # noqa: E712
                (m.country != "US") & (m.tier != 3),
                ((m.tier == 1) | (m.tier == 2)) & (m.country != "CN"),
                getattr(m, group_attr("D:5")) == True,  # noqa: E712
            ):
                when_all(expr)(lambda c: None)
        _, definition = rs.define()
    finally:
        lang._rulesets.pop("t_adapter_dsl", None)  # never let lang.get_host() register it
    out = []
    for i in range(len(definition)):
        rule = definition[f"r_{i}"]
        rule.pop("run")
        assert list(rule) == ["all"] and len(rule["all"]) == 1
        out.append(rule["all"][0]["m"])
    return out


OURS = [
    {"fact": "country", "equals": "US"},
    {"not": {"fact": "country", "equals": "US"}},
    {"fact": "g2g_arrangement", "equals": False},
    {"fact": "tier", "gte": 2},
    {"fact": "tier", "lt": 3},
    {"not": {"fact": "tier", "gte": 2}},
    {"all": [{"fact": "tier", "gte": 2}, {"fact": "tier", "lt": 3}]},
    {"fact": "tier", "in": [1, 2]},
    {"any": [{"fact": "tier", "equals": 1}, {"fact": "g2g_arrangement", "equals": True}]},
    {"not": {"any": [{"fact": "country", "equals": "US"}, {"fact": "tier", "equals": 3}]}},
    {"all": [{"fact": "tier", "in": [1, 2]}, {"not": {"fact": "country", "equals": "CN"}}]},
    {"fact": "groups", "has": "D:5"},
]


def test_compiler_json_equals_python_dsl() -> None:
    dsl = _dsl_conditions()
    assert len(dsl) == len(OURS)
    for ours, theirs in zip(OURS, dsl, strict=True):
        assert compile_condition(cond(ours), {}) == theirs, ours


def test_dsl_negation_is_not_exists_so_we_use_neq() -> None:
    """The DSL's `-expr` means "attribute missing" ($nex), not "not expr"; we compile
    `not` to $neq and rely on every fact being present in every message."""
    from durable import lang
    from durable.lang import m, ruleset, when_all

    rs = ruleset("t_adapter_dsl_neg")
    try:
        with rs:
            when_all(-(m.country == "US"))(lambda c: None)
        _, definition = rs.define()
    finally:
        lang._rulesets.pop("t_adapter_dsl_neg", None)
    assert definition["r_0"]["all"][0]["m"] == {"$nex": {"country": 1}}
    assert compile_condition(cond({"not": {"fact": "country", "equals": "US"}}), {}) == {
        "$neq": {"country": "US"}
    }


GROUPS = ("A:1", "D:1", "D:5")
GROUP_CASES = [  # our condition, and the DSL over a `groups` array
    ({"fact": "groups", "has": "D:5"}, "any", ("D:5",)),
    ({"fact": "groups", "has_any": ["D:1", "D:5"]}, "any", ("D:1", "D:5")),
    ({"fact": "groups", "has_all": ["D:1", "D:5"]}, "all", ("D:1", "D:5")),
]


def test_group_booleans_mean_what_the_dsl_array_operators_mean(adapter: DurableAdapter) -> None:
    """Groups intentionally differ (one boolean per group, e.g. `groups_D_5`, instead of
    durable's array operators): compare semantics instead."""
    from durable import lang
    from durable.lang import item, m, ruleset, when_all

    rs = ruleset("t_adapter_dsl_groups")
    try:
        with rs:
            for _, kind, labels in GROUP_CASES:
                if kind == "any":
                    pred = item == labels[0]
                    for g in labels[1:]:
                        pred = pred | (item == g)
                    when_all(m.groups.anyItem(pred))(lambda c: None)
                else:  # has_all: every label is some item
                    expr = m.groups.anyItem(item == labels[0])
                    for g in labels[1:]:
                        expr = expr & m.groups.anyItem(item == g)
                    when_all(expr)(lambda c: None)
        _, definition = rs.define()
    finally:
        lang._rulesets.pop("t_adapter_dsl_groups", None)
    for rule in definition.values():
        rule.pop("run")
    theirs = adapter.register(
        "t_adapter_groups_dsl", {f"c{i}": definition[f"r_{i}"] for i in range(len(GROUP_CASES))}
    )
    ours = adapter.register(
        "t_adapter_groups_ours",
        {
            f"c{i}": {"all": [{"m": compile_condition(cond(c), {})}]}
            for i, (c, _, _) in enumerate(GROUP_CASES)
        },
    )
    facts_base = {"country": "ZZ", "g2g_arrangement": False, **output_defaults()}
    for n in range(len(GROUPS) + 1):
        for members in itertools.combinations(GROUPS, n):
            facts = {**facts_base, "groups": frozenset(members)}
            with adapter.session(theirs) as s:
                fired_dsl = sorted(s.assert_fact({"stage": 1, "groups": sorted(members)}))
            with adapter.session(ours) as s:
                fired_ours = sorted(s.assert_fact(message(facts, 1, dt.date(2025, 3, 1))))
            expected = sorted(
                f"c{i}"
                for i, (c, _, _) in enumerate(GROUP_CASES)
                if holds(cond(c), facts, {}, dt.date(2025, 3, 1))
            )
            assert fired_dsl == fired_ours == expected, members


# --- numbers: big integers, no floats ----------------------------------------------------


def test_integers_near_two_to_the_62_compare_exactly(adapter: DurableAdapter) -> None:
    """Values up to 2**62 (our model bound) compare exactly inside durable-rules."""
    top = MAX_INT
    name = adapter.register(
        "t_adapter_big_ints",
        {
            "ge_top_minus_1": {"all": [{"m": {"$gte": {"v": top - 1}}}]},
            "lt_top": {"all": [{"m": {"$lt": {"v": top}}}]},
            "eq_top_minus_2": {"all": [{"m": {"v": top - 2}}]},
            "lt_neg": {"all": [{"m": {"$lt": {"v": -top + 2}}}]},
        },
    )
    expected = {
        top - 3: ["lt_top"],
        top - 2: ["eq_top_minus_2", "lt_top"],
        top - 1: ["ge_top_minus_1", "lt_top"],
        top: ["ge_top_minus_1"],
        -top + 1: ["lt_neg", "lt_top"],
        -top + 2: ["lt_top"],
    }
    for v, want in expected.items():
        with adapter.session(name) as s:
            assert sorted(s.assert_fact({"stage": 1, "v": v})) == want, v


@pytest.mark.parametrize("value", [2**62, 2**62 + 1, 2**63 + 5, -(2**62), 10**30])
def test_models_reject_integers_beyond_two_to_the_62(value: int) -> None:
    with pytest.raises(ValidationError, match="out of range"):
        DatedValue.model_validate({"value": value, "status": "primary", "references": REF})
    with pytest.raises(ValidationError, match="out of range"):
        Parameter.model_validate(
            {
                "label": "Big",
                "description": "Too big.",
                "unit": "TPP",
                "values": {"2025-01-01": {"value": value, "status": "primary", "references": REF}},
            }
        )


@pytest.mark.parametrize("value", [2**62 - 1, -(2**62) + 1, 0, 15832])
def test_models_accept_integers_within_bound(value: int) -> None:
    dv = DatedValue.model_validate({"value": value, "status": "primary", "references": REF})
    assert dv.value == value


@pytest.mark.parametrize("value", [1e16, 1.0, 15832.0, "1e16"])
def test_models_reject_floats_where_ints_are_required(value: Any) -> None:
    # a number written with a point or an exponent is never a float in a model: where the
    # unit counts whole things it is an error; elsewhere an exact Decimal/Fraction
    with pytest.raises(ValidationError):
        Parameter.model_validate(
            {
                "label": "Whole",
                "description": "Whole TPP.",
                "unit": "TPP",
                "values": {"2025-01-01": {"value": value, "status": "primary", "references": REF}},
            }
        )
    try:
        dv = DatedValue.model_validate({"value": value, "status": "primary", "references": REF})
    except ValidationError:
        return
    assert not isinstance(dv.value, float)


def _scalar_types(msg: dict[str, Any]) -> set[type]:
    return {type(v) for v in msg.values()}


def test_messages_for_shipped_countries_hold_only_int_bool_str() -> None:
    """Guard: `compile.message` sends dates as yyyymmdd ints and groups as booleans;
    floats (which durable rejects in exponent form) never reach a fact."""
    rules_dir, countries_dir = data_dirs()
    rb = load_rulebase(rules_dir, countries_dir)
    assert rb.regimes, "no regime shipped"
    days = [dt.date(2025, 1, 13), dt.date(2025, 6, 1), dt.date(2027, 12, 31)]
    checked = 0
    for regime in rb.regimes.values():
        compiled = compile_regime(regime, rb.parameters)
        for code in rb.countries:
            country = rb.countries[code]
            for day in days:
                facts = {**input_facts(country, day), **output_defaults()}
                for k in range(1, len(compiled.stages) + 1):
                    msg = message(facts, k, day)
                    assert _scalar_types(msg) <= {int, bool, str}, (code, msg)
                    assert all(-MAX_INT < v < MAX_INT for v in msg.values() if type(v) is int), (
                        code,
                        msg,
                    )
                    checked += 1
    assert checked > 200


def test_exponent_floats_are_rejected_by_durable(adapter: DurableAdapter) -> None:
    """The trap itself: a float Python prints as 1e+16 breaks durable-rules (an error,
    not a wrong answer), which is why no float may reach a fact."""
    name = adapter.register("t_adapter_floats", {"r": {"all": [{"m": {"$gte": {"v": 0}}}]}})
    with pytest.raises(Exception), adapter.session(name) as s:  # noqa: B017 - any error will do
        s.assert_fact({"stage": 1, "v": 1e16})
    with adapter.session(name) as s:  # and the adapter is still usable afterwards
        assert s.assert_fact({"stage": 1, "v": 7}) == ["r"]


# --- the oracle and durable-rules agree (a small preview of the property suite) --------

DAY_EARLY, DAY_LATE = dt.date(2025, 2, 1), dt.date(2025, 7, 1)
LIST_PARAM = Parameter.model_validate(
    {
        "label": "Test list",
        "description": "IL drops out on 2025-05-01.",
        "unit": "countries",
        "values": {
            "2025-01-01": {"value": ["US", "IL"], "status": "primary", "references": REF},
            "2025-05-01": {"value": ["US"], "status": "primary", "references": REF},
        },
    }
).model_copy(update={"id": "t.list"})
PARAMS = {"t.list": LIST_PARAM}

ORACLE_CASES = [
    {"fact": "groups", "has": "D:5"},
    {"not": {"fact": "groups", "has": "D:5"}},
    {"fact": "groups", "has_any": ["D:1", "D:5"]},
    {"fact": "groups", "has_all": ["A:1", "D:1"]},
    {"not": {"fact": "groups", "has_all": ["A:1", "D:1"]}},
    {"all": [{"fact": "groups", "has": "A:1"}, {"not": {"fact": "groups", "has": "D:5"}}]},
    {"any": [{"fact": "groups", "has": "D:5"}, {"fact": "country", "equals": "MO"}]},
    {
        "not": {
            "any": [
                {"fact": "groups", "has": "E:1"},
                {
                    "all": [
                        {"fact": "groups", "has": "D:1"},
                        {"fact": "g2g_arrangement", "equals": True},
                    ]
                },
            ]
        }
    },
    {"fact": "country", "in_param": "t.list"},
    {"not": {"fact": "country", "in_param": "t.list"}},
    {"all": [{"not": {"fact": "country", "in": ["US", "MO"]}}, {"fact": "tier", "gte": 2}]},
    {"any": [{"fact": "tier", "lt": 2}, {"not": {"fact": "groups", "has_any": ["A:1", "E:1"]}}]},
    {"always": True},
    {"not": {"always": True}},
]


def test_oracle_and_durable_agree(adapter: DurableAdapter) -> None:
    conditions = [cond(c) for c in ORACLE_CASES]
    name = adapter.register(
        "t_adapter_oracle",
        {f"c{i}": {"all": [{"m": compile_condition(c, PARAMS)}]} for i, c in enumerate(conditions)},
    )
    groups = ("A:1", "D:1", "D:5", "E:1")
    n = 0
    for flags in itertools.product((False, True), repeat=len(groups)):
        members = frozenset(g for g, on in zip(groups, flags, strict=True) if on)
        for country, g2g, tier, day in itertools.product(
            ("US", "IL", "MO"), (False, True), (0, 1, 3), (DAY_EARLY, DAY_LATE)
        ):
            facts = {
                **output_defaults(),
                "country": country,
                "groups": members,
                "g2g_arrangement": g2g,
                "tier": tier,
            }
            expected = sorted(
                f"c{i}" for i, c in enumerate(conditions) if holds(c, facts, PARAMS, day)
            )
            members_on = memberships_on((("country", "t.list"),), facts, PARAMS, day)
            with adapter.session(name) as s:
                fired = sorted(s.assert_fact(message(facts, 1, day, members_on)))
            assert fired == expected, (facts, day)
            n += 1
    assert n == 16 * 3 * 2 * 3 * 2
