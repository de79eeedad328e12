"""No TPP is counted twice: the total reachable compute is exactly the sum of its terms,
each pathway is counted at most once, and only the country allocation counts against
the country allocation."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from tierscope.evaluate import evaluate
from tierscope.quantify import to_h100e
from tierscope.service import build_result

from .strategies import budget, days, in_force_from

ALLOCATION = "country_allocation"

COMPOSED = [
    "framework-2025+israel-arrangement+tier2-caps-halved",
    "framework-2025+israel-tier1+lpp-500-chips",
    "current-law+israel-arrangement",
]

ASSUME = st.fixed_dictionaries(
    {},
    optional={
        "lpp_consignees_per_year": st.sampled_from([0, 1, 7, 250]),
        "nveu_count": st.sampled_from([0, 1, 4]),
        "uveu_fleet_h100e": st.sampled_from([0, 1, 50_000, 2_000_000]),
        "window_years": st.sampled_from([1, 3, 10]),
    },
)


@budget(40)
@given(data=st.data())
def test_total_reachable_compute_is_the_sum_of_separate_pathways_each_counted_once(shipped, data):
    spec = data.draw(st.sampled_from([*shipped.scenario_ids(), *COMPOSED]), label="scenario")
    world = shipped.world(spec, data.draw(ASSUME, label="assume"))
    day = data.draw(
        days(in_force_from(world), dt.date(2027, 12, 31), near=world.compiled.breakpoints),
        label="day",
    )
    codes = data.draw(
        st.lists(st.sampled_from(sorted(world.countries)), min_size=1, max_size=8, unique=True),
        label="countries",
    )
    for code in codes:
        r = build_result(evaluate(world, world.countries[code], day))
        total = r.total_reachable
        ids = [p.id for p in r.pathways]
        terms = [t.pathway for t in total.terms]
        excluded = [e.split(":", 1)[0] for e in total.excluded]
        # each pathway is defined once, and is either added once or excluded with a reason
        assert len(ids) == len(set(ids)), code
        assert len(terms) == len(set(terms)), code
        assert sorted(terms + excluded) == sorted(ids), code
        # the total is exactly the sum of its terms (None: some term has no cap)
        unbounded = [t.pathway for t in total.terms if t.tpp is None]
        assert total.unbounded_by == unbounded, code
        if unbounded:
            assert total.tpp is None and total.h100e is None, code
        else:
            assert total.tpp == sum(t.tpp for t in total.terms), code
            assert total.h100e == to_h100e(total.tpp, r.h100_tpp.value), code
        # only the allocation draws down the allocation, and it appears at most once
        against = [p.id for p in r.pathways if p.counts_against_country_allocation]
        assert against in ([], [ALLOCATION]), code
        assert all(
            p.counts_against_country_allocation == (p.id == ALLOCATION) for p in r.pathways
        ), code
        # a pathway's ceiling is one number, counted in its own unit conversions
        for p in r.pathways:
            if p.ceiling_tpp is not None:
                assert p.ceiling_h100e == to_h100e(p.ceiling_tpp, r.h100_tpp.value), code
