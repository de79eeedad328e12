"""Yardsticks: cited reference runs and clusters, and the arithmetic that reads ceilings
against them. Expected values are worked by hand from the cited inputs (stated in each
test); legal figures (the allocation) are read from the rule files, never typed in."""

from __future__ import annotations

import json
import math

import pytest

from tierscope.chips import find_chip
from tierscope.errors import TierscopeError
from tierscope.models.common import Status
from tierscope.yardstick_compare import compare_yardstick
from tierscope.yardsticks import (
    HOURS_PER_YEAR,
    SECONDS_PER_YEAR,
    Measure,
    growth_inputs,
    load_yardsticks,
    parse_cluster,
    translator,
)

from .cli_run import run
from .conftest import FRAMEWORK_DAY


@pytest.fixture(scope="module")
def ys(project):
    return load_yardsticks(project.rules_dir)


# ------------------------------------------------------------------ the data


def test_every_figure_has_status_and_source_and_derived_ones_are_unverified(ys):
    assert {"deepseek-v3", "llama-3.1-405b", "israel-1", "israel-national-tendered",
            "israel-national-built", "deepseek-fleet", "training-utilisation"} <= set(ys)  # fmt: skip
    for y in ys.values():
        for name, fig in y.figures().items():
            assert fig.references, (y.id, name)
            if fig.derived_from:
                assert fig.status is Status.unverified, (y.id, name)


def test_fleet_estimates_are_marked_as_estimates_with_a_range(ys):
    hw = ys["deepseek-fleet"].hardware
    assert hw is not None and hw.estimate
    assert hw.low is not None and hw.high is not None


def test_tendered_supercomputer_carries_the_tender_range(ys, project):
    y = ys["israel-national-tendered"]
    assert y.hardware is not None and y.hardware.low is not None and y.hardware.high is not None
    # 1,000-2,000 H100 as tendered; 1,500 (the INSS paper's figure) in between
    lo = parse_cluster(str(y.hardware.low.value), project.chips, ys).tpp
    hi = parse_cluster(str(y.hardware.high.value), project.chips, ys).tpp
    mid = parse_cluster(str(y.hardware.value), project.chips, ys).tpp
    assert lo < mid < hi


# ------------------------------------------------------------------ hand-worked cases


def test_the_papers_comparison_is_73_percent_by_every_peak_dense_measure(project, ys):
    """1,500 H100 against DeepSeek-V3's 2,048 H800: the two chips have the same dense
    throughput (the H800 differs only in NVLink), so the ratio is 1500/2048 = 0.7324
    whichever peak dense measure is used (the INSS paper rounds it to 'about 75%')."""
    h100, h800 = find_chip("H100", project.chips), find_chip("H800", project.chips)
    assert h100.tpp == h800.tpp and h100.dense_tflops == h800.dense_tflops
    c = parse_cluster("1500 x H100", project.chips, ys)
    for m in Measure:
        r = compare_yardstick(c, ys["deepseek-v3"], project.chips, m)
        assert r.ratio == pytest.approx(1500 / 2048)
        assert round(r.ratio * 100) == 73
        assert r.measure == m.value
    r = compare_yardstick(c, ys["deepseek-v3"], project.chips)
    assert r.measure == "tpp" and "TPP" in r.measure_label  # the default measure is stated
    # both ways: the run takes 2,788,000 / 1,500 h = 1,858.7 h = 77.4 days on 1,500 H100
    assert r.run is not None
    assert r.run.hours == pytest.approx(2_788_000 / 1500)
    assert r.run.days == pytest.approx(77.44, abs=0.01)
    assert r.run.on_own_cluster_days == pytest.approx(2_788_000 / 2048 / 24)


def test_deepseek_v3_on_49899_h100e_takes_about_2_3_days(project, ys):
    """2,788,000 H800-hours x TPP(H800) / (49,899 x TPP(H100)) = 55.9 h = 2.33 days by TPP."""
    c = parse_cluster("49,899 H100e", project.chips, ys)
    r = compare_yardstick(c, ys["deepseek-v3"], project.chips, Measure.tpp)
    assert r.run is not None
    assert r.run.days == pytest.approx(2_788_000 / 49_899 / 24)
    assert round(r.run.days, 1) == 2.3


def test_translation_of_the_allocation_read_from_the_rules(project, ys):
    """The Tier 2 allocation, whatever the rule files say it is, read as chips, FLOP, runs
    and Israel-1s; each expected value is recomputed here from the cited inputs."""
    r = project.query("IL", "framework-2025", FRAMEWORK_DAY)
    alloc = next(p for p in r.pathways if p.id == "country_allocation").ceiling_tpp
    assert alloc is not None
    b200, h800 = find_chip("B200", project.chips), find_chip("H800", project.chips)
    tr = translator(project.chips, ys, "B200")
    t = tr(alloc)
    assert t is not None
    assert t.chips == pytest.approx(alloc / b200.tpp)
    assert b200.dense_tflops is not None and b200.dense_tflops.bf16 is not None
    flops = alloc / b200.tpp * b200.dense_tflops.bf16 * 1e12
    assert t.dense_bf16_flops == pytest.approx(flops)
    u = ys["training-utilisation"].rate.value  # type: ignore[union-attr]
    assert t.utilisation == u
    assert t.training_flop_per_year == pytest.approx(flops * u * SECONDS_PER_YEAR)
    run_work = 2_788_000 * h800.tpp
    assert t.runs_per_year == pytest.approx(alloc * HOURS_PER_YEAR / run_work)
    assert t.run_days == pytest.approx(run_work / alloc / 24)
    israel_1 = 2048 * find_chip("H100", project.chips).tpp
    assert t.clusters == pytest.approx(alloc / israel_1)
    assert t.status is not Status.primary  # the utilisation and chip figures are secondary


def test_built_supercomputer_against_deepseek_v3_run(project, ys):
    """1,000 B200: DeepSeek-V3's run takes 2,788,000 x 15,832 / (1,000 x 36,000) / 24 days by
    TPP, and the same by BF16 (989.5 vs 2,250 TFLOP/s: the same ratio as TPP)."""
    c = parse_cluster("israel-national-built", project.chips, ys)
    b200, h800 = find_chip("B200", project.chips), find_chip("H800", project.chips)
    r = compare_yardstick(c, ys["deepseek-v3"], project.chips, Measure.tpp)
    assert r.run is not None
    assert r.run.days == pytest.approx(2_788_000 * h800.tpp / (1000 * b200.tpp) / 24)
    assert 50 < r.run.days < 52


def test_cluster_against_a_range_gives_the_range(project, ys):
    """1,500 H100 against the DeepSeek fleet estimates: 1500/50000 to 1500/2000."""
    c = parse_cluster("1500 x H100", project.chips, ys)
    r = compare_yardstick(c, ys["deepseek-fleet"], project.chips)
    assert r.reference_range == pytest.approx((1500 / 50_000, 1500 / 2000))
    assert r.status is Status.secondary or r.status is Status.unverified


def test_growth_projection_halves_twice_a_year_at_six_month_doubling(project, ys):
    c = parse_cluster("1500 x H100", project.chips, ys)
    g = growth_inputs(ys, None, None, 3)  # the cited defaults
    assert g[0] == ys["demand-doubling"].rate.value  # type: ignore[union-attr]
    r = compare_yardstick(c, ys["deepseek-v3"], project.chips, Measure.tpp, g)
    assert r.growth is not None and r.runs_per_year is not None
    for y in r.growth.years:
        assert y.share_of_reference == pytest.approx(r.ratio / 2 ** (12 * y.year / g[0]))
        assert y.runs_equivalent == pytest.approx(r.runs_per_year * g[2] ** y.year)
    assert "INSS" in r.growth.demand_source and "INSS" in r.growth.algorithmic_source
    given = growth_inputs(ys, 12, 2, 1)
    assert given[0] == 12 and "given" in given[1]


def test_bad_measures_and_values_are_one_line_errors(project, ys):
    with pytest.raises(TierscopeError, match="FP8"):
        compare_yardstick(parse_cluster("10 x A100", project.chips, ys), ys["deepseek-v3"],
                          project.chips, Measure.fp8)  # fmt: skip
    with pytest.raises(TierscopeError, match="utilisation"):
        translator(project.chips, ys, "H100", 1.5)
    with pytest.raises(TierscopeError, match="positive"):
        growth_inputs(ys, -1, None, 2)
    with pytest.raises(TierscopeError, match="rate"):
        compare_yardstick(parse_cluster("1 x H100", project.chips, ys), ys["demand-doubling"],
                          project.chips)  # fmt: skip


def test_a_given_utilisation_is_unverified(project, ys):
    tr = translator(project.chips, ys, "H100", 0.3)
    assert tr.basis.utilisation == 0.3 and "given" in tr.basis.utilisation_source
    t = tr(10**9)
    assert t is not None and t.status is Status.unverified


# ------------------------------------------------------------------ the commands


def test_yardstick_command_says_73_percent_and_the_measure(capsys):
    code, out, _ = run(capsys, "yardstick", "1500 x H100", "--vs", "deepseek-v3")
    assert code == 0
    assert "73.2%" in out and "Measure: peak dense TPP" in out
    assert "77.44 days" in out
    code, out, _ = run(capsys, "yardstick", "1500 x H100", "--measure", "bf16", "-f", "json")
    data = json.loads(out)
    assert data["measure"] == "bf16" and round(data["ratio"], 3) == 0.732


def test_yardstick_command_errors(capsys):
    code, _, err = run(capsys, "yardstick", "1500 x H100", "--vs", "nope")
    assert code == 2 and "unknown yardstick 'nope'" in err and "deepseek-v3" in err
    code, _, err = run(capsys, "yardstick", "1500 x H100", "--measure", "fp4")
    assert code == 2 and "--measure" in err
    code, _, err = run(capsys, "yardstick", "10 x A100", "--measure", "fp8")
    assert code == 2 and err.count("\n") == 1


def test_yardstick_growth_and_formats(capsys):
    code, out, _ = run(capsys, "yardstick", "israel-1", "--vs", "deepseek-v3", "--growth",
                       "--years", "2", "-f", "md")  # fmt: skip
    assert code == 0 and "year +2" in out and "INSS" in out
    code, out, _ = run(capsys, "yardstick", "1500 x H100", "--vs", "all", "-f", "csv")
    assert code == 0
    assert len(out.strip().splitlines()) == 1 + 6  # header + each cluster and run


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md"])
def test_query_translates_in_every_format(capsys, fmt):
    code, out, _ = run(capsys, "query", "Israel", "--as-of", "2025-06-01", "-s", "framework-2025",
                       "--in", "B200", "-f", fmt)  # fmt: skip
    assert code == 0
    if fmt == "json":
        data = json.loads(out)
        tx = data["translation"]
        assert tx["basis"]["chip"] == "b200"
        alloc = tx["pathways"]["country_allocation"]
        assert alloc["chips"] == pytest.approx(alloc["tpp"] / 36_000)
        assert alloc["runs_per_year"] > 0 and alloc["clusters"] > 0
        assert data["pathways"]  # the contract keys are untouched
    elif fmt == "csv":
        header = out.splitlines()[0].split(",")
        assert {
            "chips",
            "deepseek_v3_runs_per_year",
            "x_israel_1",
            "training_flop_per_year",
        } <= set(header)
    else:
        assert "DeepSeek-V3" in out and "Israel-1" in out and "B200" in out


@pytest.mark.parametrize("fmt", ["table", "json", "csv", "md"])
def test_compare_shows_translations_and_deals_as_facts(capsys, fmt):
    code, out, _ = run(capsys, "compare", "AE", "-s", "framework-2025", "-s", "current-law",
                       "--as-of", "2025-12-01", "-f", fmt)  # fmt: skip
    assert code == 0
    if fmt == "json":
        data = json.loads(out)
        deals = data["deals"]
        g42 = next(d for d in deals if d["chips"] and "GB300" in d["chips"])
        assert g42["fact_not_law"] is True
        x = g42["times_allocation"]["framework-2025"]
        alloc = next(r for r in data["rows"] if r["measure"] == "pathway:country_allocation")
        assert x == pytest.approx(g42["tpp"] / alloc["cells"]["framework-2025"]["tpp"], abs=0.01)
        assert "translation" in data and data["translation"]["total_reachable"]["AE"]
    else:
        assert "35000 x GB300" in out and "fact" in out and "Israel-1" in out


def test_acquire_says_what_the_order_means(capsys):
    code, out, _ = run(capsys, "acquire", "Israel", "--chips", "1000 x B200", "--as-of",
                       "2025-06-01", "-s", "framework-2025")  # fmt: skip
    assert code == 0 and "DeepSeek-V3's run would take" in out and "Israel-1" in out
    code, out, _ = run(capsys, "acquire", "Israel", "--chips", "1000 x B200", "--as-of",
                       "2025-06-01", "-s", "framework-2025", "-f", "json")  # fmt: skip
    t = json.loads(out)["translation"]["order"]
    assert t["chips"] == pytest.approx(t["tpp"] / 15832) and not math.isinf(t["run_days"])


def test_route_gains_translate_like_ceilings(project, ys):
    """`tierscope pathways` gains (TPP) read through the same basis; losses and
    unbounded gains are not translated."""
    from types import SimpleNamespace as NS

    from tierscope.yardstick_render import pathways_json_with, route_translations

    tr = translator(project.chips, ys)
    routes = [
        NS(id="a", title="A", gain=NS(tpp=32_423_936), status=Status.secondary),
        NS(id="b", title="B", gain=NS(tpp=None), status=Status.primary),
        NS(id="c", title="C", gain=None, status=Status.primary),
    ]
    tx = route_translations(routes, tr)
    assert tx["a"] is not None and tx["a"].clusters == pytest.approx(1.0)  # one Israel-1
    assert tx["b"] is None and tx["c"] is None
    data = json.loads(pathways_json_with('{"routes": []}', routes, tr))
    assert data["translation"]["routes"]["a"]["chips"] == pytest.approx(2048)


def test_check_reports_bad_yardstick_files(capsys, tmp_path, project):
    """`tierscope check` validates rules/yardsticks: unknown chips, a derived figure not
    marked unverified, and missing keys are findings with file and line."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(project.rules_dir, rules)
    ys_dir = rules / "yardsticks"
    (ys_dir / "israel-1.yaml").write_text(
        (ys_dir / "israel-1.yaml").read_text().replace('"2048 x H100"', '"2048 x H1000"')
    )
    (ys_dir / "bad.yaml").write_text("id: bad\ntitle: x\n")
    code, out, _ = run(capsys, "check", str(rules))
    assert code == 1
    assert "yardsticks/israel-1.yaml:" in out and "unknown chip 'H1000'" in out
    assert "yardsticks/bad.yaml:1:" in out and "kind" in out


def test_a_rules_folder_without_yardsticks_still_answers(capsys, tmp_path, project):
    """Yardsticks are not law: an analyst's own rules folder need not carry them. Answers
    then come without translations; asking for one is a clear error."""
    import shutil

    rules = tmp_path / "rules"
    shutil.copytree(project.rules_dir, rules)
    shutil.rmtree(rules / "yardsticks")
    base = ["--rules", str(rules)]
    for fmt in ("table", "json", "csv", "md"):
        code, out, err = run(capsys, *base, "query", "IL", "-s", "framework-2025", "--as-of",
                             "2025-06-01", "-f", fmt)  # fmt: skip
        assert code == 0, err
        assert "Israel-1" not in out and "translation" not in out
    code, _, _ = run(
        capsys, *base, "compare", "IL", "-s", "framework-2025", "--as-of", "2025-06-01"
    )
    assert code == 0
    code, _, _ = run(capsys, *base, "acquire", "IL", "-c", "10 x H100", "-s", "framework-2025")
    assert code == 0
    code, _, err = run(capsys, *base, "query", "IL", "--in", "B200")
    assert code == 2 and "yardsticks" in err
    code, _, err = run(capsys, *base, "report", "IL", "-o", str(tmp_path / "r.html"))
    assert code == 2 and "yardsticks" in err and not (tmp_path / "r.html").exists()
