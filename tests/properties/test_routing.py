"""Invariants of routing one order (`acquire`) under the framework, whatever the order and
the running totals: no route past its ceiling, no exception for D:5/Macau-headquartered
consignees, and a licence application exactly where no exception or VEU authorises the order.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from tierscope.acquire import acquire

from .strategies import budget

DAYS = (dt.date(2025, 3, 1), dt.date(2025, 6, 1), dt.date(2026, 10, 1))
DESTINATIONS = ("IL", "MY", "SA", "FR", "IN", "AE", "CN", "MO", "US", "SG")
HQS = (None, "CN", "MO", "US", "IL", "FR", "KH")


@budget(40)
@given(
    code=st.sampled_from(DESTINATIONS),
    hq=st.sampled_from(HQS),
    count=st.integers(1, 4000),
    lpp_used=st.integers(0, 30_000_000),
    allocation_used=st.integers(0, 800_000_000),
    day=st.sampled_from(DAYS),
)
def test_an_order_never_takes_a_route_past_its_ceiling(
    project, code, hq, count, lpp_used, allocation_used, day
):
    r = acquire(
        project, code, f"{count} x H100", "framework-2025", day, hq, lpp_used, allocation_used
    )
    tpp = r.order_tpp
    if r.route == "lpp":
        assert r.lpp_limit_tpp is not None and lpp_used + tpp <= r.lpp_limit_tpp
    if r.route == "country_allocation":
        assert r.country_allocation_tpp is not None
        assert allocation_used + tpp <= r.country_allocation_tpp
    if r.allocation_remaining_after_tpp is not None:
        assert r.allocation_remaining_after_tpp >= 0
    groups = project.world("framework-2025").countries[r.consignee_hq].groups_on(day)
    if r.licence_required and ("D:5" in groups or r.consignee_hq == "MO"):
        # 740.29(c)(2), 740.27(a), 742.6(b)(10)(iii)(A)(1) and (B)(1)
        assert r.route not in ("lpp", "aia", "country_allocation")
        assert r.review_policy == "presumption-of-denial"
    if r.route in ("lpp", "aia", "domestic"):
        assert not r.licence_application
    if r.licence_required and r.route is None:
        assert r.licence_application
