"""`acquire`: the transaction view, at the LPP boundary and against the allocation."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tierscope.acquire import acquire
from tierscope.cli import main

DAY = dt.date(2025, 6, 1)
LPP = 26_900_000  # 15 CFR 740.29(a)
H100 = 15_832


def test_1000_b200_to_israel_needs_a_licence_counted_against_the_allocation(project):
    r = acquire(project, "Israel", "1000 x B200", "framework-2025", DAY)
    assert (
        r.licence_required
        and r.route == "country_allocation"
        and r.counts_against_country_allocation
    )
    assert r.order_tpp == 1000 * project.chips["b200"].tpp
    assert r.share_of_allocation_pct == pytest.approx(100 * r.order_tpp / 790_000_000, abs=0.01)
    assert r.allocation_remaining_after_tpp == 790_000_000 - r.order_tpp


def test_exactly_the_lpp_limit_fits_lpp(project):
    # 1000 H100 now, and the consignee already received LPP - 1000 x H100 this year.
    used = LPP - 1000 * H100
    r = acquire(project, "Israel", "1000 x H100", "framework-2025", DAY, lpp_used=used)
    assert r.route == "lpp" and not r.counts_against_country_allocation
    assert r.allocation_remaining_after_tpp == 790_000_000


def test_one_chip_more_than_the_lpp_limit_moves_to_the_allocation(project):
    used = LPP - 1000 * H100
    r = acquire(project, "Israel", "1001 x H100", "framework-2025", DAY, lpp_used=used)
    assert r.route == "country_allocation" and r.counts_against_country_allocation


def test_an_order_beyond_the_allocation_has_no_route(project):
    r = acquire(
        project, "Israel", "1000 x B200", "framework-2025", DAY, allocation_used=780_000_000
    )
    assert r.route is None and any("Exceeds the country allocation" in e for e in r.explanation)


def test_a_chip_outside_3a090a_needs_no_licence_under_these_rules(project):
    r = acquire(project, "Israel", "1000 x H20", "framework-2025", DAY)
    assert r.order[0].eccn != "3A090.a" and r.licence_required is False and r.order_tpp == 0


def test_acquire_cli_json(capsys):
    with pytest.raises(SystemExit) as exc:
        main(
            [
                "acquire",
                "Israel",
                "--chips",
                "1000 x B200",
                "--as-of",
                "2025-06-01",
                "--scenario",
                "framework-2025",
                "--format",
                "json",
            ]
        )
    assert exc.value.code in (0, None)
    data = json.loads(capsys.readouterr().out)
    assert data["licence_required"] is True and data["route"] == "country_allocation"
    assert data["share_of_allocation_pct"] > 4


def test_unknown_chip_is_a_clear_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["acquire", "Israel", "--chips", "1000 x B2000"])
    err = capsys.readouterr().err
    assert exc.value.code == 2 and "B200" in err and "Traceback" not in err
