"""The durable-rules path and the independent pure-Python oracle agree (issue 4, item 1).

Condition level: random condition trees over the closed vocabulary (every operator, on
the fact kinds it applies to; `in_param` against generated dated list parameters with
null repeals) compiled by `tierscope.compile` and run through durable-rules, against
`tierscope.oracle.holds`, on random facts and dates around the parameters' dates.

Pipeline level: generated countries on random dates through `evaluate(memo=False)`
against the oracle pipeline (tests/properties/oracle_pipeline.py), for every shipped
regime and scenario: every resolved output, its winners, overridden and ignored
provisions, every applicable provision, and every error must agree.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import event, example, given, reject
from hypothesis import strategies as st

from tierscope import oracle
from tierscope.compile import (
    compile_condition,
    membership_refs,
    memberships_on,
    message,
    ruleset_name,
    split_rules,
)
from tierscope.durable_adapter import default_adapter
from tierscope.errors import LoadError
from tierscope.models.parameter import Parameter

from .oracle_pipeline import engine_evaluate, oracle_evaluate
from .strategies import (
    CODES,
    CONDITION,
    PARAM_IDS,
    REF,
    budget,
    conditions,
    countries,
    days,
    fact_dicts,
    int_operands,
    list_parameters,
    orders,
)


@st.composite
def condition_cases(draw):
    params = {pid: draw(list_parameters(pid)) for pid in PARAM_IDS}
    conds = draw(st.lists(conditions, min_size=1, max_size=4))
    near = [d for p in params.values() for d in p.dates]
    cases = draw(
        st.lists(
            st.tuples(
                fact_dicts(int_operands(conds)), days(near=near), st.randoms(use_true_random=False)
            ),
            min_size=1,
            max_size=4,
        )
    )
    return params, conds, cases


def _register(conds, params):
    """Compile like compile_regime does: one rule per DNF branch, owned by its condition."""
    compiled = [compile_condition(c, params) for c in conds]
    rules, owner = {}, {}
    for i, c in enumerate(compiled):
        for name, rule in split_rules(f"r{i}", {"$and": [{"stage": 1}, c]}, f"r{i}").items():
            rules[name], owner[name] = rule, f"r{i}"
    refs = tuple(sorted(set().union(*(membership_refs(c) for c in conds))))
    return default_adapter().register(ruleset_name(rules), rules), compiled, owner, refs


@budget(60)
@given(condition_cases())
def test_durable_rules_fires_a_compiled_condition_exactly_when_the_oracle_says_it_holds(case):
    params, conds, cases = case
    try:
        name, compiled, owner, refs = _register(conds, params)
    except LoadError:
        reject()  # too large for durable-rules: a clear rule-file error (property below)
    adapter = default_adapter()
    for facts, day, rnd in cases:
        expected = {f"r{i}" for i, c in enumerate(conds) if oracle.holds(c, facts, params, day)}
        event(f"{len(expected)} of {len(conds)} conditions hold")
        msg = message(facts, 1, day, memberships_on(refs, facts, params, day))
        with adapter.session(name) as session:
            fired = {owner[r] for r in session.assert_fact(msg)}
        assert fired == expected, (facts, day, compiled)
        # the order in which a message's attributes arrive never matters
        items = list(msg.items())
        rnd.shuffle(items)
        with adapter.session(name) as session:
            assert {owner[r] for r in session.assert_fact(dict(items))} == expected


def _dated_list(n_dates: int, members: list[str]) -> Parameter:
    return Parameter.model_validate(
        {
            "id": "gen.list_a",
            "label": "generated list",
            "description": "A list edited on several dates.",
            "unit": "countries",
            "values": {
                dt.date(2025, 1, 1 + i): {"value": members, "status": "primary", "references": REF}
                for i in range(n_dates)
            },
        }
    )


# Minimal reproduction found by the property: one `in_param` test on a list parameter
# with 5 dated values of 2 members each.
_TOO_BIG = (
    {"gen.list_a": _dated_list(5, ["US", "GB"]), "gen.list_b": _dated_list(1, ["US"])},
    [CONDITION.validate_python({"fact": "country", "in_param": "gen.list_a"})],
)


@budget(30)
@given(condition_cases())
@example((*_TOO_BIG, []))
def test_every_condition_the_rule_language_accepts_compiles_or_is_a_clear_rule_file_error(
    case,
):
    # durable-rules rejects rules of 32+ expressions (error code 113): the compiler splits
    # conditions into one rule per branch, and names the provision when a branch is too big
    params, conds, _ = case
    try:
        _register(conds, params)
    except LoadError as exc:
        assert "at most" in exc.message or "alternatives" in exc.message


SPECS = ["framework-2025", "pre-framework", "post-rescission", "current-law"]


@pytest.fixture(scope="module")
def specs(shipped):
    # every shipped regime and scenario (current-law included)
    return shipped.scenario_ids()


def test_the_oracle_suite_covers_every_shipped_regime_and_current_law(specs):
    assert set(SPECS) <= set(specs)


@budget(80)
@given(data=st.data())
def test_evaluate_derives_exactly_what_the_oracle_derives_for_any_country_on_any_date(
    shipped, specs, data
):
    spec = data.draw(st.sampled_from(specs), label="scenario")
    world = shipped.world(spec)
    codes = [*CODES, *world.compiled.country_literals]
    country = data.draw(countries(codes), label="country")
    hq = data.draw(st.one_of(st.none(), countries(codes)), label="hq")
    order = data.draw(orders, label="order")
    day = data.draw(days(near=world.compiled.breakpoints), label="day")
    got = engine_evaluate(world, country, day, hq=hq, order=order)
    want = oracle_evaluate(world, country, day, hq=hq, order=order)
    assert got == want


@budget(20)
@given(data=st.data())
def test_evaluate_agrees_with_the_oracle_for_every_shipped_country(shipped, specs, data):
    spec = data.draw(st.sampled_from(specs), label="scenario")
    world = shipped.world(spec)
    day = data.draw(days(near=world.compiled.breakpoints), label="day")
    codes = data.draw(
        st.lists(st.sampled_from(sorted(world.countries)), min_size=1, max_size=12, unique=True)
    )
    for code in codes:
        c = world.countries[code]
        assert engine_evaluate(world, c, day) == oracle_evaluate(world, c, day), code
