"""The loader rejects malformed data with a LoadError naming the file, the line and the field.

Each test builds a minimal valid tree in tmp_path (one parameter, one regime with one
provision, one country), checks that it loads, corrupts exactly one thing and checks
the error. Line numbers are 1-based, as an editor shows them.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from tierscope.errors import LoadError
from tierscope.loader import RuleBase, load_rulebase

PARAM = """\
label: TPP of one H100
description: Divisor for H100-equivalents.
unit: TPP
values:
  2022-10-07:
    value: 15832
    status: secondary
    references:
      - {title: "Datasheet arithmetic"}
"""
PARAM_FILE = "rules/parameters/units/h100_tpp.yaml"

REGIME = """\
id: mini
title: Minimal regime
description: One provision, for loader tests.
references:
  - {title: "A test reference"}
"""
REGIME_FILE = "rules/mini/regime.yaml"

PROVISIONS = """\
- id: mini.tier2_default
  title: Everyone is Tier 2
  citation: "90 FR 4544"
  status: secondary
  valid: {from: 2025-01-13}
  when: {always: true}
  then: {tier: 2}
"""
PROVISIONS_FILE = "rules/mini/tiers.yaml"

COUNTRY = """\
code: US
name: United States
groups:
  as_of: 2025-01-15
  members: [A:1, B]
  status: unverified
  references:
    - {title: "15 CFR part 740, Supp. No. 1"}
"""
COUNTRY_FILE = "countries/US.yaml"


def load(root: Path) -> RuleBase:
    """Load everything (the stores otherwise read each file on first use)."""
    return load_rulebase(root / "rules", root / "countries").load_all()


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for rel, text in {
        PARAM_FILE: PARAM,
        REGIME_FILE: REGIME,
        PROVISIONS_FILE: PROVISIONS,
        COUNTRY_FILE: COUNTRY,
    }.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    rb = load(tmp_path)  # the fixture tree itself is valid
    assert set(rb.parameters) == {"units.h100_tpp"}
    assert [p.id for p in rb.regimes["mini"].provisions] == ["mini.tier2_default"]
    assert list(rb.countries) == ["US"]
    return tmp_path


def write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def replace(root: Path, rel: str, old: str, new: str) -> Path:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"fixture text {old!r} not found exactly once"
    return write(root, rel, text.replace(old, new))


def load_error(root: Path) -> LoadError:
    with pytest.raises(LoadError) as info:
        load(root)
    return info.value


def assert_error(
    err: LoadError, path: Path, line: int | None, field: str | None = None, *words: str
) -> None:
    """The message names the file, the line (`file:line:`), the field and any `words`."""
    msg = str(err)
    assert path.name in msg, msg
    assert err.path == str(path), msg
    if line is None:
        assert err.line is None, msg
    else:
        assert err.line == line, msg
        assert f"{path}:{line}:" in msg, msg
    if field is not None:
        assert field in msg, msg
    for word in words:
        assert word in msg, msg


# --- unknown keys -------------------------------------------------------------------------


def test_unknown_key_in_parameter(tree: Path) -> None:
    path = replace(tree, PARAM_FILE, "unit: TPP\n", "unit: TPP\ncolour: red\n")
    err = load_error(tree)
    assert_error(err, path, 4, "colour", "unknown key")
    assert err.field == "colour"


def test_unknown_key_in_dated_value_of_parameter(tree: Path) -> None:
    path = replace(
        tree, PARAM_FILE, "    status: secondary\n", "    status: secondary\n    colour: red\n"
    )
    assert_error(load_error(tree), path, 8, "colour", "unknown key")


def test_unknown_key_in_provision(tree: Path) -> None:
    path = replace(
        tree, PROVISIONS_FILE, "  status: secondary\n", "  status: secondary\n  colour: red\n"
    )
    err = load_error(tree)
    assert_error(err, path, 5, "colour", "unknown key")
    assert err.field == "mini.tier2_default: colour"  # the provision by its id


def test_unknown_key_in_second_provision_points_at_it(tree: Path) -> None:
    second = PROVISIONS.replace("tier2_default", "other").replace(
        "  then: {tier: 2}\n", "  then: {tier: 2}\n  exceptoin_to: mini.tier2_default\n"
    )
    path = write(tree, PROVISIONS_FILE, PROVISIONS + "\n" + second)
    err = load_error(tree)
    assert_error(err, path, 16, "exceptoin_to")
    assert err.field == "mini.other: exceptoin_to"


# --- YAML-level problems ------------------------------------------------------------------


def test_duplicate_key(tree: Path) -> None:
    path = replace(
        tree,
        PROVISIONS_FILE,
        "  status: secondary\n",
        "  status: secondary\n  title: A second title\n",
    )
    assert_error(load_error(tree), path, 5, "title", "duplicate key")


def test_duplicate_date_key_in_parameter_values(tree: Path) -> None:
    dup = "\n".join(PARAM.splitlines()[4:]) + "\n"  # the whole dated entry again
    path = write(tree, PARAM_FILE, PARAM + dup)
    assert_error(load_error(tree), path, 10, None, "duplicate key '2022-10-07'")


def test_bad_date_as_parameter_key(tree: Path) -> None:
    path = replace(tree, PARAM_FILE, "2022-10-07", "2025-02-30")
    assert_error(load_error(tree), path, 5, "2025-02-30", "day is out of range")


def test_bad_date_in_provision_window(tree: Path) -> None:
    path = replace(tree, PROVISIONS_FILE, "{from: 2025-01-13}", "{from: 2025-02-30}")
    assert_error(load_error(tree), path, 5, None, "2025-02-30")


def test_bad_date_in_provision_window_names_the_field(tree: Path) -> None:
    path = replace(tree, PROVISIONS_FILE, "{from: 2025-01-13}", "{from: 2025-02-30}")
    assert_error(load_error(tree), path, 5, "from")


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/apply:subprocess.call [['touch', '{marker}']]",
        "!!python/object/new:pathlib.Path ['{marker}']",
        "!!python/name:os.system",
    ],
)
def test_python_tag_is_an_error_and_runs_nothing(tree: Path, tag: str) -> None:
    marker = tree / "PWNED"
    path = replace(
        tree,
        PROVISIONS_FILE,
        "  title: Everyone is Tier 2\n",
        f"  title: {tag.format(marker=marker)}\n",
    )
    err = load_error(tree)
    assert_error(err, path, 2, None, "python/")
    assert not marker.exists()


def test_python_tag_in_country_file_runs_nothing(tree: Path) -> None:
    marker = tree / "PWNED"
    path = write(tree, COUNTRY_FILE, f"!!python/object/apply:os.system ['touch {marker}']\n")
    assert_error(load_error(tree), path, 1, None, "python/object/apply")
    assert not marker.exists()


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_provision_file(tree: Path, text: str) -> None:
    path = write(tree, PROVISIONS_FILE, text)
    assert_error(load_error(tree), path, None, None, "empty file")


@pytest.mark.parametrize("rel", [PARAM_FILE, REGIME_FILE, COUNTRY_FILE])
def test_empty_other_files(tree: Path, rel: str) -> None:
    path = write(tree, rel, "")
    assert_error(load_error(tree), path, None, None, "empty file")


def test_truncated_file_inside_flow_mapping(tree: Path) -> None:
    cut = PROVISIONS.index("valid: {from: 2025") + len("valid: {from: 2025")
    path = write(tree, PROVISIONS_FILE, PROVISIONS[:cut])  # ends on line 5
    assert_error(load_error(tree), path, 5, None, "invalid YAML")


def test_truncated_file_inside_quoted_string(tree: Path) -> None:
    cut = PROVISIONS.index('"90 FR') + len('"90 FR')
    path = write(tree, PROVISIONS_FILE, PROVISIONS[:cut])  # the quote opens on line 3
    assert_error(load_error(tree), path, 3, None, "invalid YAML", "quoted scalar")


def test_truncated_provision_missing_required_fields(tree: Path) -> None:
    path = write(tree, PROVISIONS_FILE, PROVISIONS[: PROVISIONS.index("  valid:")])
    err = load_error(tree)
    assert_error(err, path, 1, "valid", "missing required key")


# --- provision content --------------------------------------------------------------------


def test_then_with_two_consequences(tree: Path) -> None:
    path = replace(
        tree, PROVISIONS_FILE, "then: {tier: 2}", "then: {tier: 2, licence_required: true}"
    )
    err = load_error(tree)
    assert_error(err, path, 7, "then", "exactly one of", "tier", "licence_required")


def test_then_with_no_consequence(tree: Path) -> None:
    path = replace(tree, PROVISIONS_FILE, "then: {tier: 2}", "then: {}")
    assert_error(load_error(tree), path, 7, "then", "exactly one of")


def test_fact_test_with_unknown_fact(tree: Path) -> None:
    path = replace(
        tree, PROVISIONS_FILE, "when: {always: true}", "when: {fact: colour, equals: red}"
    )
    assert_error(load_error(tree), path, 6, "when", "unknown fact 'colour'")


def test_unknown_fact_deep_in_condition(tree: Path) -> None:
    path = replace(
        tree,
        PROVISIONS_FILE,
        "  when: {always: true}\n",
        textwrap.indent(
            textwrap.dedent("""\
            when:
              all:
                - {always: true}
                - not:
                    any:
                      - {fact: tier, equals: 2}
                      - {fact: colour, equals: red}
        """),
            "  ",
        ),
    )
    assert_error(load_error(tree), path, 12, "when", "unknown fact 'colour'")


def test_unknown_country_group_in_condition(tree: Path) -> None:
    path = replace(
        tree, PROVISIONS_FILE, "when: {always: true}", 'when: {fact: groups, has: "D:9"}'
    )
    assert_error(load_error(tree), path, 6, "when", "unknown country group", "D:9")


def test_unknown_country_group_in_has_any(tree: Path) -> None:
    path = replace(
        tree,
        PROVISIONS_FILE,
        "  when: {always: true}\n",
        '  when:\n    fact: groups\n    has_any: ["D:5", "D:9"]\n',
    )
    assert_error(load_error(tree), path, 7, "when", "D:9")  # the fact test's first line


def test_unknown_country_group_in_country_file(tree: Path) -> None:
    path = replace(tree, COUNTRY_FILE, "members: [A:1, B]", "members: [A:1, D:9]")
    assert_error(load_error(tree), path, 5, "groups.members", "unknown country group", "D:9")


def test_provision_list_that_is_a_mapping(tree: Path) -> None:
    as_mapping = "tier2_default:\n" + textwrap.indent(PROVISIONS.replace("- id:", "  id:"), "  ")
    path = write(tree, PROVISIONS_FILE, as_mapping)
    assert_error(load_error(tree), path, 1, None, "expected a list of provisions")


def test_provision_list_item_that_is_not_a_mapping(tree: Path) -> None:
    path = write(tree, PROVISIONS_FILE, PROVISIONS + "- just a string\n")
    err = load_error(tree)
    assert_error(err, path, err.line, None, "valid dictionary")
    assert err.field == "[1]"  # the second item


def test_provision_list_item_that_is_not_a_mapping_has_line(tree: Path) -> None:
    path = write(tree, PROVISIONS_FILE, PROVISIONS + "- just a string\n")
    assert_error(load_error(tree), path, 8)


# --- numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize("big", [2**62, 2**62 + 1, 2**63, 10**30, -(2**62)])
def test_parameter_integer_beyond_two_to_the_62(tree: Path, big: int) -> None:
    path = replace(tree, PARAM_FILE, "15832", str(big))
    assert_error(load_error(tree), path, 6, "value", "out of range")


def test_parameter_integer_with_underscores_near_bound_is_fine(tree: Path) -> None:
    replace(tree, PARAM_FILE, "15832", "4_611_686_018_427_387_903")  # 2**62 - 1
    param = load(tree).parameters["units.h100_tpp"]
    assert param.value_at(dt.date(2025, 1, 1)) == 2**62 - 1


@pytest.mark.parametrize("text", ["1e16", "1.0e+16", "1.5e3", "15832.0", "1_000.5"])
def test_parameter_float_where_int_is_required(tree: Path, text: str) -> None:
    path = replace(tree, PARAM_FILE, "15832", text)
    assert_error(load_error(tree), path, 6, "value", "valid integer")


def test_float_in_fact_test_where_int_is_required(tree: Path) -> None:
    path = replace(tree, PROVISIONS_FILE, "when: {always: true}", "when: {fact: tier, gte: 1.0e+0}")
    assert_error(load_error(tree), path, 6, "gte", "valid integer")


# --- files and folders --------------------------------------------------------------------


def test_country_code_must_match_file_name(tree: Path) -> None:
    path = replace(tree, COUNTRY_FILE, "code: US", "code: CA")
    err = load_error(tree)
    assert_error(err, path, None if err.line is None else 1, "code", "'CA'", "'US'")


def test_country_code_mismatch_has_line(tree: Path) -> None:
    path = replace(tree, COUNTRY_FILE, "code: US", "code: CA")
    assert_error(load_error(tree), path, 1, "code")


def test_regime_folder_without_regime_yaml(tree: Path) -> None:
    (tree / REGIME_FILE).unlink()
    err = load_error(tree)
    assert err.path == str(tree / "rules" / "mini")
    assert "mini" in str(err) and "regime.yaml" in str(err)


def test_regime_id_must_match_folder(tree: Path) -> None:
    path = replace(tree, REGIME_FILE, "id: mini", "id: other")
    assert_error(load_error(tree), path, 1, "id", "'other'", "'mini'")


def test_provision_id_duplicated_across_files(tree: Path) -> None:
    other = PROVISIONS.replace("Everyone is Tier 2", "Everyone is Tier 2, again")
    path = write(tree, "rules/mini/zz_more.yaml", "# a second file\n" + other)
    err = load_error(tree)
    assert_error(err, path, 2, "id", "duplicate provision id", "mini.tier2_default")
    assert f"{tree / PROVISIONS_FILE}:1" in str(err)  # and where the first one is


def test_provision_id_duplicated_in_one_file(tree: Path) -> None:
    path = write(tree, PROVISIONS_FILE, PROVISIONS + "\n" + PROVISIONS)
    assert_error(load_error(tree), path, 9, "id", "duplicate provision id")


def test_parameter_with_id_key(tree: Path) -> None:
    path = write(tree, PARAM_FILE, "id: units.h100_tpp\n" + PARAM)
    assert_error(load_error(tree), path, 1, "id", "path")


def test_non_utf8_file(tree: Path) -> None:
    path = tree / PROVISIONS_FILE
    path.write_bytes(PROVISIONS.encode("utf-8") + b"# caf\xe9\n")
    assert_error(load_error(tree), path, None, None, "cannot read")
