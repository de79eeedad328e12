"""Chip catalogue and ECCN 3A090 classification, stated as facts and derived from the data files.

Facts come from ECCN 3A090 as amended by 90 FR 4544 (thresholds) and the chip data sheets
cited in rules/chips/*.yaml; the
classification is derived from rules/chips/*.yaml and rules/parameters/eccn_3a090/*.yaml.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tierscope.chips import (
    THRESHOLDS,
    classify,
    find_chip,
    load_chips,
    order_tpp,
    parse_order,
    performance_density,
)
from tierscope.errors import LoadError, OrderParseError, TierscopeError, UnknownChipError
from tierscope.loader import load_parameter
from tierscope.models.chip import ChipSpec
from tierscope.models.common import Status
from tierscope.models.parameter import Parameter

RULES = Path(__file__).resolve().parents[1] / "rules"
DAY = dt.date(2026, 1, 1)
EXPECTED_CHIPS = {
    "h100_sxm", "h100_nvl", "h800_sxm", "h800_pcie", "h20", "h200_sxm", "h200_nvl", "a100",
    "a800", "b200", "b300", "mi300x", "mi325x", "ascend_910b", "ascend_910c",
}  # fmt: skip


@pytest.fixture(scope="module")
def chips() -> dict[str, ChipSpec]:
    return load_chips(RULES)


@pytest.fixture(scope="module")
def params() -> dict[str, Parameter]:
    root = RULES / "parameters"
    out = {}
    for path in sorted(root.rglob("*.yaml")):
        param, _ = load_parameter(path, root)
        out[param.id] = param
    return out


def th(params: dict[str, Parameter], role: str, day: dt.date = DAY) -> int:
    value = params[THRESHOLDS[role]].value_at(day)
    assert isinstance(value, int)
    return value


def with_value(param: Parameter, value: int) -> Parameter:
    """A copy of `param` whose every dated value is `value` (for counterfactual thresholds)."""
    return param.model_copy(
        update={
            "values": {d: dv.model_copy(update={"value": value}) for d, dv in param.values.items()}
        }
    )


# ---------------------------------------------------------------- thresholds (reference §2)


def test_thresholds_are_the_3a090_figures(params):
    # 3A090.a: TPP >= 4800, or TPP >= 1600 and PD >= 5.92.
    # 3A090.b: 2400 <= TPP < 4800 and 1.6 <= PD < 5.92; or TPP >= 1600 and 3.2 <= PD < 5.92.
    assert th(params, "a_tpp_min") == 4800
    assert (th(params, "a_pd_tpp_min"), th(params, "a_pd_min")) == (1600, 5920)
    assert (th(params, "b1_tpp_min"), th(params, "b1_tpp_below"), th(params, "b1_pd_min")) == (
        2400,
        4800,
        1600,
    )
    assert (th(params, "b2_tpp_min"), th(params, "b2_pd_min"), th(params, "b_pd_below")) == (
        1600,
        3200,
        5920,
    )
    assert th(params, "non_datacenter_tpp_min") == 4800


def test_thresholds_dated_and_cited(params):
    for pid in THRESHOLDS.values():
        p = params[pid]
        assert p.dates[0] == dt.date(2023, 11, 17), pid  # 88 FR 73458 effective date
        for dv in p.values.values():
            titles = " ".join(r.title for r in dv.references)
            assert "3A090" in titles and "88 FR 73458" in titles, pid
            assert dv.status is Status.primary


def test_no_thresholds_before_the_2023_rule(chips, params):
    with pytest.raises(TierscopeError, match="not yet in force"):
        classify(chips["h100_sxm"], params, dt.date(2023, 11, 16))
    assert classify(chips["h100_sxm"], params, dt.date(2023, 11, 17)).eccn == "3A090.a"


# ---------------------------------------------------------------- catalogue data


def test_catalogue_has_every_chip_of_the_issue(chips):
    assert set(chips) == EXPECTED_CHIPS


def test_every_chip_file_has_references(chips):
    for chip in chips.values():
        assert chip.references, chip.id
        assert all(r.title for r in chip.references)


def test_unverified_chips_say_why(chips):
    for chip in chips.values():
        if chip.status is Status.unverified or chip.tpp_range is not None:
            assert chip.status_note, chip.id


def test_tpp_derives_from_dense_throughput(chips):
    """TPP = highest over precisions of dense TFLOPS x bit length (3A090 TN 1-3)."""
    for chip in chips.values():
        assert chip.dense_tflops is not None, chip.id
        derived = max(chip.dense_tflops.tpp_by_precision().values())
        low, high = chip.tpp_range or (chip.tpp, chip.tpp)
        assert low - 1 <= derived <= high + 1, (chip.id, derived)


@pytest.mark.parametrize(
    ("chip_id", "tpp", "pd"),
    [  # reference §5 table
        ("h100_sxm", 15_832, 19.45),
        ("h100_nvl", 13_364, 16.42),
        ("h800_sxm", 15_832, 19.45),
        ("h800_pcie", 12_104, 14.87),
        ("h20", 2_368, 2.91),
        ("h200_sxm", 15_832, 19.45),
        ("h200_nvl", 13_364, 16.42),
        ("a100", 4_992, 6.04),
        ("a800", 4_992, 6.04),
        ("b200", 36_000, 22.11),
        ("b300", 56_000, 34.40),
        ("mi300x", 20_919, 20.57),
        ("mi325x", 20_919, 20.57),
        ("ascend_910b", 5_120, None),
        ("ascend_910c", 12_500, None),
    ],
)
def test_reference_table_figures(chips, chip_id, tpp, pd):
    chip = chips[chip_id]
    assert chip.tpp == tpp
    assert performance_density(chip) == pd


def test_disputed_figures_carry_range_and_status(chips):
    b300 = chips["b300"]
    assert b300.tpp_range == (56_000, 60_000)  # Tracker vs SemiAnalysis
    assert b300.status is Status.unverified
    assert chips["mi300x"].dense_tflops.fp16 == 1307.4  # not the Tracker's erroneous 312
    for cid in ("ascend_910b", "ascend_910c"):
        assert chips[cid].die_area_mm2 is None
        assert chips[cid].tpp_range is not None
        assert chips[cid].status is Status.unverified
    for cid in ("b200", "b300", "mi300x", "mi325x"):
        assert chips[cid].die_area_estimate
        assert chips[cid].figure_status.die_area is Status.unverified


def test_china_review_bandwidths(chips):
    # Reference §4.6: H200 (4.8 TB/s) and MI325X (6 TB/s) are under the 6,500 GB/s line.
    assert chips["h200_sxm"].memory_bandwidth_gb_s == 4800
    assert chips["mi325x"].memory_bandwidth_gb_s == 6000


# ---------------------------------------------------------------- classification facts


def test_h100_is_3a090a_by_tpp(chips, params):
    c = classify(chips["h100_sxm"], params, DAY)
    assert c.eccn == "3A090.a"
    assert c.tpp >= th(params, "a_tpp_min")
    assert c.paragraphs[0] == "3A090.a.1"
    assert not c.used_die_area  # TPP alone decides
    assert c.status is Status.secondary
    assert any("3A090.a.1" in cite for cite in c.citations)
    assert {p.id for p in c.parameters} == set(THRESHOLDS.values())


def test_h20_is_outside_3a090a_and_b(chips, params):
    chip = chips["h20"]
    c = classify(chip, params, DAY)
    assert c.eccn == "not 3A090"
    assert c.paragraphs == []
    assert c.performance_density == 2.91
    pd = Fraction(chip.tpp, chip.die_area_mm2)
    # why: below .a.1 and .b.1 on TPP; below .a.2 and .b.2 on density
    assert chip.tpp < th(params, "a_tpp_min")
    assert chip.tpp < th(params, "b1_tpp_min")
    assert pd < Fraction(th(params, "b2_pd_min"), 1000)
    assert pd < Fraction(th(params, "a_pd_min"), 1000)
    assert c.used_die_area  # the density tests were needed to rule out .a.2/.b.2


def test_a100_is_3a090a_on_both_tests(chips, params):
    c = classify(chips["a100"], params, DAY)
    assert c.eccn == "3A090.a"
    assert c.paragraphs == ["3A090.a.1", "3A090.a.2"]  # 4,992 >= 4,800 and PD 6.04 >= 5.92


def test_every_catalogue_chip_except_h20_is_3a090a(chips, params):
    for chip in chips.values():
        expected = "not 3A090" if chip.id == "h20" else "3A090.a"
        assert classify(chip, params, DAY).eccn == expected, chip.id


def test_estimated_die_area_does_not_weaken_a_tpp_only_result(chips, params):
    b200 = chips["b200"]
    assert b200.status is Status.unverified  # die area is an estimate
    assert classify(b200, params, DAY).status is Status.secondary  # but TPP alone decides


def test_ascend_910b_is_flagged_sensitive_to_its_disputed_tpp(chips, params):
    chip = chips["ascend_910b"]
    c = classify(chip, params, DAY)
    assert c.eccn == "3A090.a"  # at the value used, 5,120 >= 4,800
    assert c.range_sensitive
    assert c.status is Status.unverified
    low = classify(chip.model_copy(update={"tpp": chip.tpp_range[0]}), params, DAY)
    assert low.eccn == "undetermined"  # 4,096 TPP and no die area: density would decide
    assert set(low.possible) == {"3A090.a", "3A090.b", "not 3A090"}
    assert low.performance_density is None


def test_unknown_die_area_below_every_tpp_floor_is_still_decided(chips, params):
    chip = chips["ascend_910b"].model_copy(update={"tpp": 1500, "tpp_range": None})
    c = classify(chip, params, DAY)
    assert c.eccn == "not 3A090"  # every .a/.b paragraph needs TPP >= 1,600


def test_non_datacenter_note(chips, params):
    h20_gaming = chips["h20"].model_copy(update={"datacenter": False, "die_area_mm2": 300})
    c = classify(h20_gaming, params, DAY)  # PD 7.9 would be .a.2 for a datacenter chip
    assert c.eccn == "not 3A090"
    assert c.rule.startswith("3A090 Note")
    a100_gaming = chips["a100"].model_copy(update={"datacenter": False})
    c = classify(a100_gaming, params, DAY)
    assert c.eccn == "3A090.a"  # TPP >= 4,800: still .a, with NAC/ACA
    assert any("NAC/ACA" in n for n in c.notes)


def test_density_boundaries_are_inclusive_below_exclusive_above(chips, params):
    base = chips["h20"]
    at_a2 = base.model_copy(update={"tpp": 2960, "die_area_mm2": 500})  # PD exactly 5.92
    assert classify(at_a2, params, DAY).paragraphs == ["3A090.a.2"]
    just_below = base.model_copy(update={"tpp": 2959, "die_area_mm2": 500})  # PD 5.918
    assert classify(just_below, params, DAY).paragraphs == ["3A090.b.1", "3A090.b.2"]
    at_b2 = base.model_copy(update={"tpp": 1600, "die_area_mm2": 500})  # PD exactly 3.2
    assert classify(at_b2, params, DAY).paragraphs == ["3A090.b.2"]
    at_b1 = base.model_copy(update={"tpp": 2400, "die_area_mm2": 1500})  # PD exactly 1.6
    assert classify(at_b1, params, DAY).paragraphs == ["3A090.b.1"]
    at_a1 = base.model_copy(update={"tpp": 4800, "die_area_mm2": 5000})
    assert classify(at_a1, params, DAY).paragraphs == ["3A090.a.1"]


def test_classification_follows_the_parameters_not_constants(chips, params):
    a100 = chips["a100"]
    raised = dict(params)
    raised[THRESHOLDS["a_tpp_min"]] = with_value(params[THRESHOLDS["a_tpp_min"]], 5000)
    c = classify(a100, raised, DAY)
    assert (c.eccn, c.paragraphs, c.used_die_area) == ("3A090.a", ["3A090.a.2"], True)
    raised[THRESHOLDS["a_pd_min"]] = with_value(params[THRESHOLDS["a_pd_min"]], 7000)
    assert classify(a100, raised, DAY).eccn == "not 3A090"  # TPP >= 4,800 excludes .b.1


def _reference_eccn(tpp: int, pd: Fraction) -> str:
    """Reference §2, transcribed literally (datacenter chips)."""
    if tpp >= 4800 or (tpp >= 1600 and pd >= Fraction(592, 100)):
        return "3A090.a"
    b1 = 2400 <= tpp < 4800 and Fraction(16, 10) <= pd < Fraction(592, 100)
    b2 = tpp >= 1600 and Fraction(32, 10) <= pd < Fraction(592, 100)
    return "3A090.b" if b1 or b2 else "not 3A090"


@settings(max_examples=300, deadline=None)
@given(tpp=st.integers(1, 60_000), area=st.integers(1, 3_000))
def test_classification_matches_the_reference_definition(chips, params, tpp, area):
    chip = chips["h20"].model_copy(update={"tpp": tpp, "die_area_mm2": area})
    assert classify(chip, params, DAY).eccn == _reference_eccn(tpp, Fraction(tpp, area))


# ---------------------------------------------------------------- lookup


@pytest.mark.parametrize(
    ("query", "chip_id"),
    [
        ("B200", "b200"),
        ("b200", "b200"),
        ("GB300", "b300"),
        ("gb300", "b300"),
        ("910B", "ascend_910b"),
        ("Ascend 910C", "ascend_910c"),
        ("H100", "h100_sxm"),
        ("h100_sxm", "h100_sxm"),
        ("Nvidia H100 SXM", "h100_sxm"),
        ("h100-nvl", "h100_nvl"),
        ("  MI300X ", "mi300x"),
    ],
)
def test_find_chip(chips, query, chip_id):
    assert find_chip(query, chips).id == chip_id


def test_unknown_chip_suggests_nearest(chips):
    with pytest.raises(UnknownChipError) as exc:
        find_chip("B20", chips)
    assert "B200" in exc.value.suggestions
    assert "Did you mean" in exc.value.message
    with pytest.raises(UnknownChipError) as exc:
        find_chip("MI300", chips)
    assert "MI300X" in exc.value.suggestions
    assert isinstance(exc.value, TierscopeError)


# ---------------------------------------------------------------- orders


def test_1000_b200_is_36_million_tpp(chips):
    assert order_tpp(parse_order("1000 x B200", chips)) == 36_000_000


@pytest.mark.parametrize(
    "text", ["1000 x B200", "1000xB200", "1,000 B200", "1000 X b200", "1000*B200"]
)
def test_order_spellings(chips, text):
    assert [(n, c.id) for n, c in parse_order(text, chips)] == [(1000, "b200")]


def test_order_with_several_lines(chips):
    order = parse_order("1000 x B200, 200 x H100", chips)
    assert [(n, c.id) for n, c in order] == [(1000, "b200"), (200, "h100_sxm")]
    assert order_tpp(order) == 1000 * 36_000 + 200 * 15_832
    order = parse_order("1,000xB200,200xH100; 2 x GB300", chips)
    assert [(n, c.id) for n, c in order] == [(1000, "b200"), (200, "h100_sxm"), (2, "b300")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty chip order"),
        ("  ,  ", "empty chip order"),
        ("B200", "cannot read 'B200'"),
        ("1000 x", "cannot read '1000 x'"),
        ("0 x H100", "must be positive"),
        ("x B200", "cannot read"),
    ],
)
def test_order_parse_errors(chips, text, message):
    with pytest.raises(OrderParseError, match=message) as exc:
        parse_order(text, chips)
    assert isinstance(exc.value, ValueError)
    assert isinstance(exc.value, TierscopeError)


def test_order_with_unknown_chip(chips):
    with pytest.raises(UnknownChipError) as exc:
        parse_order("1000 x B200, 5 x H1000", chips)
    assert exc.value.query == "H1000"
    assert exc.value.suggestions


# ---------------------------------------------------------------- loader errors


def _write_catalogue(tmp_path: Path, name: str, text: str) -> Path:
    folder = tmp_path / "chips"
    folder.mkdir()
    (folder / name).write_text(text, encoding="utf-8")
    return tmp_path


def _h100_text() -> str:
    return (RULES / "chips" / "h100_sxm.yaml").read_text(encoding="utf-8")


def test_unknown_key_is_a_load_error_with_line(tmp_path):
    text = _h100_text().replace("datacenter: true", "datacenter: true\nwatts: 700")
    root = _write_catalogue(tmp_path, "h100_sxm.yaml", text)
    with pytest.raises(LoadError) as exc:
        load_chips(root)
    assert exc.value.field == "watts"
    assert exc.value.line == text.splitlines().index("watts: 700") + 1
    assert "h100_sxm.yaml:" in exc.value.message


def test_id_must_match_file_name(tmp_path):
    root = _write_catalogue(tmp_path, "h100.yaml", _h100_text())
    with pytest.raises(LoadError, match="must equal the file name") as exc:
        load_chips(root)
    assert exc.value.field == "id"


def test_status_must_be_weakest_of_figures(tmp_path):
    text = _h100_text().replace("  die_area: secondary", "  die_area: unverified")
    root = _write_catalogue(tmp_path, "h100_sxm.yaml", text)
    with pytest.raises(LoadError, match="weakest"):
        load_chips(root)


def test_tpp_outside_its_range_is_an_error(tmp_path):
    text = (
        (RULES / "chips" / "b300.yaml")
        .read_text(encoding="utf-8")
        .replace("tpp: 56000", "tpp: 61000")
    )
    root = _write_catalogue(tmp_path, "b300.yaml", text)
    with pytest.raises(LoadError, match="within tpp_range"):
        load_chips(root)
