"""Order never matters: permuting a regime's provisions or a country's group lists
changes no result; and a memoised answer is the answer the rules give."""

from __future__ import annotations

import datetime as dt

from hypothesis import example, given
from hypothesis import strategies as st

from tierscope.errors import TierscopeError
from tierscope.evaluate import evaluate
from tierscope.models.provision import Provision
from tierscope.models.regime import Regime
from tierscope.service import build_result
from tierscope.world import World

from .oracle_pipeline import engine_evaluate
from .strategies import budget, countries, days, in_force_from, permuted_country, result_key


def with_provisions(world: World, provisions) -> World:
    regime = Regime(header=world.regime.header, provisions=tuple(provisions))
    return World(
        world.scenario_id, world.title, regime, world.parameters, world.countries, world.notes
    )


def answer(world: World, country, day: dt.date, fired_in_order: bool = False):
    """The evaluation (without the memo) and the whole query result, or the error.

    Unless `fired_in_order`, the `fired` list (the explanation) is compared as a set: its
    order is the subject of a separate property below."""
    try:
        ev = evaluate(world, country, day, memo=False)
    except TierscopeError as exc:
        return ("error", type(exc).__name__)
    result = result_key(build_result(ev))
    if not fired_in_order:
        result["fired"] = sorted(result["fired"], key=lambda f: sorted(f.items()))
    return engine_evaluate(world, country, day), result


@budget(25)
@given(data=st.data())
def test_permuting_the_provisions_of_a_regime_never_changes_any_result(shipped, data):
    world = shipped.world(data.draw(st.sampled_from(shipped.scenario_ids()), label="scenario"))
    shuffled = with_provisions(world, data.draw(st.permutations(world.regime.provisions)))
    day = data.draw(
        days(in_force_from(world), dt.date(2027, 12, 31), near=world.compiled.breakpoints),
        label="day",
    )
    codes = data.draw(st.lists(st.sampled_from(sorted(world.countries)), min_size=1, max_size=6))
    tested = [world.countries[c] for c in codes]
    tested.append(data.draw(countries([*world.compiled.country_literals, "ZZ"]), label="generated"))
    for c in tested:
        assert answer(shuffled, c, day) == answer(world, c, day), c.code


@budget(40)
@given(data=st.data())
def test_permuting_a_countrys_group_lists_never_changes_any_result(shipped, data):
    world = shipped.world(data.draw(st.sampled_from(shipped.scenario_ids()), label="scenario"))
    country = data.draw(
        st.one_of(
            st.sampled_from(sorted(world.countries)).map(lambda c: world.countries[c]),
            countries([*world.compiled.country_literals, "ZZ"]),
        ),
        label="country",
    )
    permuted = permuted_country(data.draw, country)
    day = data.draw(
        days(in_force_from(world), dt.date(2027, 12, 31), near=world.compiled.breakpoints),
        label="day",
    )
    assert permuted.groups_on(day) == country.groups_on(day)
    assert answer(world, permuted, day) == answer(world, country, day)


@budget(10)
@given(data=st.data())
@example(data=None)
def test_permuting_provisions_never_changes_the_order_of_the_explanation(shipped, data):
    if data is None:  # the reproduction above
        world, code, day = shipped.world("pre-framework"), "MO", dt.date(2025, 6, 1)
        provisions = list(reversed(world.regime.provisions))
    else:
        world = shipped.world(data.draw(st.sampled_from(shipped.scenario_ids())))
        code = data.draw(st.sampled_from(sorted(world.countries)))
        day = data.draw(days(in_force_from(world), dt.date(2027, 12, 31)))
        provisions = data.draw(st.permutations(world.regime.provisions))
    country = world.countries[code]
    shuffled = with_provisions(world, provisions)
    assert answer(shuffled, country, day, True) == answer(world, country, day, True)


# ---------------------------------------------------------------- the memo


def _other_consequence(p: Provision) -> Provision | None:
    """`p` with a different consequence for the same output, built from a dict."""
    data = p.model_dump(by_alias=True, exclude_none=True)
    then = data["then"]
    if "tier" in then:
        then["tier"] = {1: 2, 2: 3, 3: 1}[then["tier"]]
    elif "licence_required" in then:
        then["licence_required"] = not then["licence_required"]
    elif "review_policy" in then:
        then["review_policy"] = {
            "policy": "case-by-case"
            if then["review_policy"]["policy"] != "case-by-case"
            else "allocation"
        }
    elif "pathway" in then:
        then["pathway"]["title"] = "Changed: " + then["pathway"]["title"]
        then["pathway"]["ceiling"] = "unbounded"
    else:
        return None
    return Provision.model_validate(data)


@budget(10)
@given(data=st.data())
@example(data=None)
def test_a_memoised_answer_is_the_answer_the_rules_give(shipped, data):
    world = shipped.world("framework-2025")
    if data is None:  # the reproduction above
        target, code, day = "framework_2025.review_tier3", "CN", dt.date(2025, 6, 1)
    else:
        target = data.draw(st.sampled_from([p.id for p in world.regime.provisions]))
        code = data.draw(st.sampled_from(sorted(world.countries)))
        day = data.draw(days(dt.date(2025, 1, 13), dt.date(2027, 12, 31)))
    changed = [
        (_other_consequence(p) or p) if p.id == target else p for p in world.regime.provisions
    ]
    variant = with_provisions(world, changed)
    country = world.countries[code]
    evaluate(world, country, day)  # the shipped world answers first (and fills the memo)
    fresh = evaluate(variant, country, day, memo=False)
    memoised = evaluate(variant, country, day)
    assert {k: r.value for k, r in memoised.resolutions.items()} == {
        k: r.value for k, r in fresh.resolutions.items()
    }
