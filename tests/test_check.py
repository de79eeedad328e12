"""`tierscope check`: the shipped data checks clean, and planted faults are pinpointed.

Each planted fault starts from a minimal valid tree (tests/fixtures/check/mini: one
regime with three tiers, a licence rule, review policies and a capped pathway; two
parameters; one scenario), to which the test copies the shipped H100 parameter and
three shipped country files (FR: Tier 1 list, US: the licence exception, CN: D:1 and
D:5). The test changes exactly one thing (or several, for the one-run test) and checks
the finding's code, file and line. Line numbers are 1-based, as an editor shows them.
"""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import pytest

from tierscope.check import Finding, Report, run_check

REPO = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "fixtures" / "check" / "mini"
TIERS = "rules/mini/tiers.yaml"
LICENCE = "rules/mini/licence.yaml"
REVIEW = "rules/mini/review.yaml"
TIER1_PARAM = "rules/parameters/mini/tier1_destinations.yaml"
ALLOCATION_PARAM = "rules/parameters/mini/allocation_tpp.yaml"
SCENARIO = "rules/scenarios/mini-halved.yaml"

PLANTED_TIER1_D1 = """
- id: mini.tier1_d1
  title: D:1 destinations are Tier 1 (planted fault)
  citation: "Planted fault, no legal source"
  status: unverified
  exception_to: mini.tier2_default
  valid: {from: 2025-01-13}
  when: {fact: groups, has: "D:1"}
  then: {tier: 1}
"""


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A copy of the minimal tree, with the shipped H100 parameter and three countries."""
    shutil.copytree(FIXTURE, tmp_path, dirs_exist_ok=True)
    units = tmp_path / "rules" / "parameters" / "units"
    units.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "rules" / "parameters" / "units" / "h100_tpp.yaml", units)
    assumptions = tmp_path / "rules" / "parameters" / "assumptions"  # every query reads it
    assumptions.mkdir(parents=True, exist_ok=True)
    shutil.copy(REPO / "rules" / "parameters" / "assumptions" / "window_years.yaml", assumptions)
    (tmp_path / "countries").mkdir(exist_ok=True)
    for code in ("FR", "US", "CN"):
        shutil.copy(REPO / "countries" / f"{code}.yaml", tmp_path / "countries")
    report = check(tmp_path)
    assert report.findings == [], report.to_text()  # the fixture itself is clean
    return tmp_path


def check(root: Path) -> Report:
    return run_check(root / "rules", root / "countries")


def edit(root: Path, rel: str, old: str, new: str) -> Path:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in {rel} exactly once"
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def append(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def line_with(path: Path, needle: str, nth: int = 1) -> int:
    """1-based line number of the nth line containing `needle`."""
    hits = [i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line]
    assert len(hits) >= nth, f"{needle!r} not found {nth} time(s) in {path}"
    return hits[nth - 1]


def found(report: Report, code: str) -> list[Finding]:
    return [f for f in report.findings if f.code == code]


def one(report: Report, code: str) -> Finding:
    hits = found(report, code)
    assert len(hits) == 1, f"expected one {code!r} finding:\n{report.to_text()}"
    return hits[0]


def assert_at(f: Finding, path: Path, line: int | None, level: str = "error") -> None:
    assert f.path == str(path), f
    assert f.line == line, f
    assert f.level == level, f
    where = f"{path}:{line}" if line else str(path)
    assert str(f) == f"{where}: {level}: {f.message}"


# --------------------------------------------------------------------------- shipped data


@pytest.fixture(scope="module")
def shipped() -> Report:
    return run_check(REPO / "rules", REPO / "countries")


def test_shipped_rules_and_countries_check_clean(shipped: Report) -> None:
    assert shipped.findings == [], shipped.to_text()
    assert shipped.exit_code == 0


def test_shipped_rules_load_completely_and_check_fast(shipped: Report) -> None:
    # Nothing skipped: every file and regime was analysed.
    assert shipped.notes == []
    assert shipped.files > 250
    start = time.perf_counter()
    run_check(REPO / "rules", REPO / "countries", cache=False)  # the check itself, not a copy
    assert time.perf_counter() - start < 10


# --------------------------------------------------------------------------- load-level faults


def test_unknown_key(tree: Path) -> None:
    path = edit(tree, TIERS, "  then: {tier: 3}\n", "  then: {tier: 3}\n  colour: red\n")
    f = one(check(tree), "unknown-key")
    assert_at(f, path, line_with(path, "colour: red"))
    assert "mini.tier3_d5: colour: unknown key" in f.message


def test_unknown_key_suggests_the_known_one(tree: Path) -> None:
    path = edit(
        tree,
        TIERS,
        "  exception_to: mini.tier2_default\n  valid: {from: 2025-01-13}\n  when: {fact: groups",
        "  exceptoin_to: mini.tier2_default\n  valid: {from: 2025-01-13}\n  when: {fact: groups",
    )
    f = one(check(tree), "unknown-key")
    assert_at(f, path, line_with(path, "exceptoin_to"))
    assert "did you mean 'exception_to'" in f.message


def test_duplicate_key(tree: Path) -> None:
    path = edit(tree, TIERS, "  then: {tier: 3}\n", "  then: {tier: 3}\n  title: Again\n")
    f = one(check(tree), "duplicate-key")
    assert_at(f, path, line_with(path, "title: Again"))
    assert "duplicate key 'title'" in f.message


def test_bad_date(tree: Path) -> None:
    path = edit(
        tree,
        TIERS,
        "exception_to: mini.tier2_default\n  valid: {from: 2025-01-13}\n  when: {fact: groups",
        "exception_to: mini.tier2_default\n  valid: {from: 2025-02-30}\n  when: {fact: groups",
    )
    report = check(tree)
    f = one(report, "bad-date")
    assert_at(f, path, line_with(path, "2025-02-30"))
    assert "2025-02-30" in f.message
    assert any("regime mini" in n for n in report.notes)  # its semantic checks wait


def test_bad_date_in_a_parameter_key_and_a_country(tree: Path) -> None:
    param = edit(tree, ALLOCATION_PARAM, "2025-01-13:", "2025-02-30:")
    country = edit(tree, "countries/FR.yaml", "as_of: 2025-01-15", "as_of: 2025-02-29")
    report = check(tree)
    hits = {f.path: f for f in found(report, "bad-date")}
    assert_at(hits[str(param)], param, line_with(param, "2025-02-30"))
    assert_at(hits[str(country)], country, line_with(country, "2025-02-29"))


def test_until_before_from_is_a_bad_date(tree: Path) -> None:
    path = edit(
        tree,
        TIERS,
        "  valid: {from: 2025-01-13}\n  when: {fact: groups",
        "  valid: {from: 2025-01-13, until: 2025-01-01}\n  when: {fact: groups",
    )
    f = one(check(tree), "bad-date")
    assert_at(f, path, line_with(path, "until: 2025-01-01"))


def test_missing_reference(tree: Path) -> None:
    path = edit(
        tree,
        TIER1_PARAM,
        '    references:\n      - {title: "90 FR 4544, Supp. No. 5 to part 740"}\n',
        "    references: []\n",
    )
    f = one(check(tree), "missing-citation")
    assert_at(f, path, line_with(path, "references: []"))


def test_placeholder_citation(tree: Path) -> None:
    path = edit(tree, TIERS, 'citation: "15 CFR 742.6(a)(6)(iii)"', 'citation: "TODO"')
    f = one(check(tree), "missing-citation")
    assert_at(f, path, line_with(path, 'citation: "TODO"'))
    assert "mini.tier3_d5" in f.message


def test_country_snapshot_without_references(tree: Path) -> None:
    path = tree / "countries" / "US.yaml"
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("  references:"))
    end = next(i for i in range(start + 1, len(lines)) if not lines[i].startswith("    "))
    path.write_text("".join(lines[:start] + lines[end:]))
    f = one(check(tree), "missing-citation")
    assert_at(f, path, line_with(path, "groups:"))


# --------------------------------------------------------------------------- references


def test_dangling_parameter(tree: Path) -> None:
    path = edit(
        tree, TIERS, "in_param: mini.tier1_destinations", "in_param: mini.tier1_destination"
    )
    report = check(tree)
    f = one(report, "dangling-param")
    assert_at(f, path, line_with(path, "in_param: mini.tier1_destination"))
    assert "mini.tier1_listed" in f.message
    assert "did you mean 'mini.tier1_destinations'" in f.message


def test_dangling_ceiling_parameter_and_wrong_kind(tree: Path) -> None:
    path = edit(
        tree,
        "rules/mini/pathways.yaml",
        "{param: mini.allocation_tpp}",
        "{param: mini.allocation_tpp, times: mini.tier1_destinations}",
    )
    f = one(check(tree), "param-kind")
    assert_at(f, path, line_with(path, "times: mini.tier1_destinations"))


def test_dangling_exception_to(tree: Path) -> None:
    path = edit(
        tree, LICENCE, "exception_to: mini.licence_worldwide", "exception_to: mini.licence_world"
    )
    report = check(tree)
    f = one(report, "dangling-rule")
    assert_at(f, path, line_with(path, "exception_to: mini.licence_world"))
    assert "mini.no_export_to_us" in f.message
    assert not found(report, "never-applies")  # no cascade from the broken exception


def test_exception_to_another_output(tree: Path) -> None:
    path = edit(
        tree, LICENCE, "exception_to: mini.licence_worldwide", "exception_to: mini.tier2_default"
    )
    f = one(check(tree), "exception-output")
    assert_at(f, path, line_with(path, "exception_to: mini.tier2_default"))
    assert "licence_required" in f.message and "tier" in f.message


def test_exception_cycle(tree: Path) -> None:
    path = edit(
        tree,
        TIERS,
        "  status: secondary\n  valid: {from: 2025-01-13}\n  when: {always: true}",
        "  status: secondary\n  exception_to: mini.tier3_d5\n  valid: {from: 2025-01-13}\n  when: {always: true}",
    )
    f = one(check(tree), "exception-cycle")
    assert_at(f, path, line_with(path, "exception_to: mini.tier3_d5"))
    assert "mini.tier2_default -> mini.tier3_d5 -> mini.tier2_default" in f.message


def test_scenario_references(tree: Path) -> None:
    path = edit(tree, SCENARIO, "base: mini", "base: mini-2025")
    edit(tree, SCENARIO, "  mini.allocation_tpp:", "  mini.allocation:")
    report = check(tree)
    assert_at(one(report, "dangling-rule"), path, line_with(path, "base: mini-2025"))
    f = one(report, "dangling-param")
    assert_at(f, path, line_with(path, "  mini.allocation:"))
    assert "did you mean 'mini.allocation_tpp'" in f.message


def test_unknown_country_codes(tree: Path) -> None:
    param = edit(tree, TIER1_PARAM, "value: [FR]", "value: [FR, XK]")
    scen = append(tree, SCENARIO, "countries:\n  QQ: {}\n")
    report = check(tree)
    hits = {f.path: f for f in found(report, "unknown-country")}
    assert_at(hits[str(param)], param, line_with(param, "value: [FR, XK]"))
    assert "'XK'" in hits[str(param)].message
    assert_at(hits[str(scen)], scen, line_with(scen, "QQ: {}"))


# --------------------------------------------------------------------------- semantic faults


def test_unordered_provisions_that_both_apply_print_a_witness(tree: Path) -> None:
    path = append(tree, TIERS, PLANTED_TIER1_D1)
    report = check(tree)
    f = one(report, "overlap")
    assert_at(f, path, line_with(path, "- id: mini.tier3_d5"))
    assert "mini.tier3_d5" in f.message and "mini.tier1_d1" in f.message
    assert "both apply when groups={D:1, D:5} on 2025-01-13" in f.message
    # and the shipped country that meets the witness is named by the tier check
    g = one(report, "tier-overlap")
    regime = tree / "rules" / "mini" / "regime.yaml"
    assert_at(g, regime, 1)
    assert "CN on 2025-01-13" in g.message and "conflict on 'tier'" in g.message


def test_exceptions_are_only_considered_where_their_base_applies(tree: Path) -> None:
    # review_denial (D:5) and review_domestic (no licence) never meet: the fixture is
    # clean. Making the denial unconditional on its base turns it into an overlap.
    path = edit(tree, REVIEW, "  exception_to: mini.review_approval\n", "")
    hits = {f.line: f for f in found(check(tree), "overlap")}
    assert sorted(hits) == [
        line_with(path, "- id: mini.review_domestic"),
        line_with(path, "- id: mini.review_approval"),
    ]
    f = hits[line_with(path, "- id: mini.review_domestic")]
    assert_at(f, path, line_with(path, "- id: mini.review_domestic"))
    assert "mini.review_denial" in f.message
    assert "country=US, groups={D:5}" in f.message
    assert "(so licence_required=false)" in f.message


def test_provision_that_can_never_apply(tree: Path) -> None:
    path = append(
        tree,
        REVIEW,
        """
- id: mini.review_impossible
  title: Tier 1 and Tier 2 at once (planted fault)
  citation: "Planted fault, no legal source"
  status: unverified
  valid: {from: 2025-01-13}
  when: {all: [{fact: tier, equals: 1}, {fact: tier, equals: 2}]}
  then:
    review_policy: {policy: case-by-case}
""",
    )
    f = one(check(tree), "never-applies")
    assert_at(f, path, line_with(path, "- id: mini.review_impossible"), level="warning")
    assert "mini.review_impossible" in f.message


def test_exception_outside_its_base_never_applies(tree: Path) -> None:
    path = edit(
        tree,
        TIERS,
        '  when: {fact: groups, has: "D:5"}\n  then: {tier: 3}',
        '  when: {fact: groups, has: "D:5"}\n  then: {tier: 3}\n  ',
    )
    edit(
        tree,
        TIERS,
        "  status: secondary\n  valid: {from: 2025-01-13}\n  when: {always: true}",
        "  status: secondary\n  valid: {from: 2025-01-13, until: 2025-02-01}\n  when: {always: true}",
    )
    edit(
        tree,
        TIERS,
        "exception_to: mini.tier2_default\n  valid: {from: 2025-01-13}\n  when: {fact: groups",
        "exception_to: mini.tier2_default\n  valid: {from: 2025-03-01}\n  when: {fact: groups",
    )
    report = check(tree)
    f = [x for x in found(report, "never-applies") if "mini.tier3_d5" in x.message]
    assert len(f) == 1, report.to_text()
    assert_at(f[0], path, line_with(path, "- id: mini.tier3_d5"), level="warning")
    assert "base mini.tier2_default" in f[0].message


def test_tier_gap(tree: Path) -> None:
    path = tree / TIERS
    text = path.read_text()
    default, rest = text.split("\n\n", 1)
    assert "mini.tier2_default" in default
    path.write_text(rest.replace("  exception_to: mini.tier2_default\n", ""))
    edit(tree, "rules/mini/pathways.yaml", "{fact: tier, equals: 2}", "{fact: tier, equals: 3}")
    report = check(tree)
    f = one(report, "tier-gap")
    regime = tree / "rules" / "mini" / "regime.yaml"
    assert_at(f, regime, 1)
    assert "no provision defines tier for US on 2025-01-13" in f.message
    assert [x.code for x in report.findings] == ["tier-gap"], report.to_text()


def test_tier_gap_that_opens_when_a_country_list_changes(tree: Path) -> None:
    """The tier search remembers answers across dates only while the provisions in force
    and the lists they read are unchanged: a gap that opens on the day a list is cut is
    reported on that day."""
    path = tree / TIERS
    _default, rest = path.read_text().split("\n\n", 1)
    path.write_text(rest.replace("  exception_to: mini.tier2_default\n", ""))
    edit(tree, "rules/mini/pathways.yaml", "{fact: tier, equals: 2}", "{fact: tier, equals: 3}")
    edit(tree, TIER1_PARAM, "value: [FR]", "value: [FR, US]")
    append(
        tree,
        TIER1_PARAM,
        """  2025-06-01:
    value: [FR]
    status: secondary
    references:
      - {title: "Test fixture: the list is cut"}
""",
    )
    f = one(check(tree), "tier-gap")
    assert "no provision defines tier for US on 2025-06-01" in f.message


def test_parameter_repealed_while_a_provision_uses_it(tree: Path) -> None:
    append(
        tree,
        TIER1_PARAM,
        """\
  2025-06-01:
    value: null
    status: secondary
    note: Hypothetical repeal.
    references:
      - {title: "Hypothetical repeal (test fixture)"}
""",
    )
    report = check(tree)
    f = one(report, "param-not-in-force")
    tiers = tree / TIERS
    assert_at(f, tiers, line_with(tiers, "in_param: mini.tier1_destinations"))
    assert "mini.tier1_listed" in f.message and "mini.tier1_destinations" in f.message
    assert "repealed (value: null) from 2025-06-01" in f.message


def test_parameter_not_yet_in_force(tree: Path) -> None:
    path = edit(tree, ALLOCATION_PARAM, "2025-01-13:", "2025-01-15:")
    pathways = tree / "rules" / "mini" / "pathways.yaml"
    f = one(check(tree), "param-not-in-force")
    assert_at(f, pathways, line_with(pathways, "ceiling: {param: mini.allocation_tpp}"))
    assert "not yet in force on 2025-01-13" in f.message and str(path) in f.message


def test_scenario_that_repeals_a_used_parameter(tree: Path) -> None:
    path = tree / SCENARIO
    text = path.read_text()
    text = text.replace(
        """    scale: 1/2
    status: unverified
    references:
      - {title: "Scenario assumption (test fixture)"}
""",
        """    values:
      2025-03-01:
        value: null
        status: unverified
        references:
          - {title: "Scenario assumption (test fixture)"}
""",
    )
    path.write_text(text)
    f = one(check(tree), "param-not-in-force")
    assert_at(f, path, line_with(path, "  mini.allocation_tpp:"))
    assert "scenario mini-halved" in f.message


def test_several_faults_are_all_reported_in_one_run(tree: Path) -> None:
    allocation = edit(tree, ALLOCATION_PARAM, "unit: TPP\n", "unit: TPP\ncolour: red\n")
    country = edit(tree, "countries/US.yaml", "as_of: 2025-01-15", "as_of: 2025-02-30")
    licence = edit(
        tree, LICENCE, "exception_to: mini.licence_worldwide", "exception_to: mini.licence_world"
    )
    tiers = append(tree, TIERS, PLANTED_TIER1_D1)
    scenario = tree / "rules" / "scenarios" / "broken.yaml"
    scenario.write_text("""\
id: broken
title: Two faults
description: A scenario with a duplicate key and nothing else.
base: mini
base: mini
references:
  - {title: "Scenario assumption (test fixture)"}
""")
    review = append(
        tree,
        REVIEW,
        """
- id: mini.review_case
  title: Case by case for Tier 2 (planted fault)
  citation: " "
  status: unverified
  valid: {from: 2025-01-13}
  when: {fact: tier, equals: 2}
  then:
    review_policy: {policy: case-by-case}
""",
    )
    report = check(tree)
    got = {(f.code, f.path, f.line) for f in report.findings}
    expected = {
        ("unknown-key", str(allocation), line_with(allocation, "colour: red")),
        ("bad-date", str(country), line_with(country, "2025-02-30")),
        ("dangling-rule", str(licence), line_with(licence, "exception_to: mini.licence_world")),
        ("overlap", str(tiers), line_with(tiers, "- id: mini.tier3_d5")),
        ("duplicate-key", str(scenario), 5),
        ("missing-citation", str(review), line_with(review, 'citation: " "')),
        ("overlap", str(review), line_with(review, "- id: mini.review_approval")),
    }
    assert expected <= got, report.to_text()
    assert report.exit_code == 1
    assert report.errors == len(report.findings)


# --------------------------------------------------------------------------- the report


def test_report_text_and_json(tree: Path) -> None:
    append(tree, TIERS, PLANTED_TIER1_D1)
    append(
        tree,
        REVIEW,
        """
- id: mini.review_impossible
  title: Never (planted fault)
  citation: "Planted fault, no legal source"
  status: unverified
  valid: {from: 2025-01-13}
  when: {all: [{fact: tier, equals: 1}, {fact: tier, equals: 2}]}
  then:
    review_policy: {policy: case-by-case}
""",
    )
    report = check(tree)
    lines = report.to_text().splitlines()
    assert lines[-1] == f"2 errors, 1 warning in {report.files} files"
    assert lines[:-1] == [str(f) for f in report.findings]
    data = json.loads(report.to_json())
    assert data["exit_code"] == 1
    assert data["counts"] == {"errors": 2, "warnings": 1, "files": report.files}
    assert {f["code"] for f in data["findings"]} == {"overlap", "tier-overlap", "never-applies"}
    assert set(data["findings"][0]) == {"path", "line", "level", "code", "message"}


def test_clean_tree_exit_code_and_summary(tree: Path) -> None:
    report = check(tree)
    assert report.exit_code == 0
    assert report.to_text() == f"0 errors, 0 warnings in {report.files} files"
    assert report.files == 13


def test_unusable_input(tmp_path: Path) -> None:
    report = run_check(tmp_path / "rules", tmp_path / "countries")
    assert report.exit_code == 2
    assert {f.code for f in report.findings} == {"not-found"}
    (tmp_path / "rules").mkdir()
    (tmp_path / "countries").mkdir()
    (tmp_path / "rules" / "parameters").mkdir()
    (tmp_path / "rules" / "parameters" / "x.yaml").write_text("label: [unclosed\n")
    report = run_check(tmp_path / "rules", tmp_path / "countries")
    assert report.exit_code == 2
    assert {f.code for f in report.findings} == {"yaml-syntax", "nothing-loaded"}


def test_ignored_yml_file_is_a_warning(tree: Path) -> None:
    path = tree / "rules" / "mini" / "extra.yml"
    path.write_text("- id: mini.x\n")
    f = one(check(tree), "ignored-file")
    assert_at(f, path, None, level="warning")


def test_large_fact_space_is_sampled_and_says_so(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tierscope.check.space as space_module

    monkeypatch.setattr(space_module, "MAX_POINTS", 1)
    path = append(tree, TIERS, PLANTED_TIER1_D1)
    report = check(tree)
    assert any("sampled" in n and "seed" in n for n in report.notes), report.notes
    f = one(report, "overlap")  # found by sampling too (fixed seed: deterministic)
    assert_at(f, path, line_with(path, "- id: mini.tier3_d5"))
    assert "both apply when groups={D:1, D:5}" in f.message


def test_include_outside_every_window_adds_nothing(tree: Path) -> None:
    folder = tree / "rules" / "later"
    folder.mkdir()
    (folder / "regime.yaml").write_text("""\
id: later
title: A later regime including mini too late
description: Includes mini over a window that ends before mini starts.
references:
  - {title: "Test fixture reference"}
includes:
  - regime: mini
    until: 2024-01-01
""")
    (folder / "guidance.yaml").write_text("""\
- id: later.note
  title: A warning that always applies
  citation: "Test fixture citation"
  status: unverified
  valid: {from: 2025-01-13}
  when: {always: true}
  then:
    warning: {id: later_note, text: "A caution for the check tests."}
""")
    f = one(check(tree), "never-applies")
    assert_at(f, folder / "regime.yaml", 7, level="warning")
    assert "adds nothing" in f.message


def test_unknown_key_deep_in_a_condition_is_recovered_from(tree: Path) -> None:
    path = edit(
        tree,
        TIERS,
        '      - {not: {fact: groups, has: "D:5"}}\n',
        '      - not:\n          fact: groups\n          colour: red\n          has: "D:5"\n',
    )
    report = check(tree)
    f = one(report, "unknown-key")
    assert_at(f, path, line_with(path, "colour: red"))
    assert "when.all[1].not.colour: unknown key" in f.message
    assert report.notes == []  # the rest of the regime was still analysed
    assert [x.code for x in report.findings] == ["unknown-key"]
