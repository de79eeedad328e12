"""Legal cases as YAML: the pytest collector and `tierscope test` report file:line for a
wrong expectation and for a case naming an unknown country, scenario or field."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from .cli_run import run

TESTS = Path(__file__).resolve().parent
ENGINE = TESTS.parent / "engine"

GOOD = """\
- name: Israel is Tier 2
  country: Israel
  scenario: framework-2025
  as_of: 2025-06-01
  expect: {tier: 2, pathways: {country_allocation: 790_000_000, aia: not open}}
  source: "Supp. No. 5 to part 740; 15 CFR 742.6(b)(10)(iii)(B)(1)"
"""

BAD = """\
- name: wrong tier
  country: Israel
  scenario: framework-2025
  as_of: 2025-06-01
  expect:
    tier: 1
  source: "deliberately wrong"
- name: unknown country
  country: Isreal
  scenario: framework-2025
  as_of: 2025-06-01
  expect: {tier: 2}
  source: "deliberately wrong"
- name: unknown scenario
  country: Israel
  scenario: framwork-2025
  as_of: 2025-06-01
  expect: {tier: 2}
  source: "deliberately wrong"
- name: unknown field
  country: Israel
  scenario: framework-2025
  as_of: 2025-06-01
  expect:
    teir: 2
  source: "deliberately wrong"
- name: wrong ceiling
  country: Israel
  scenario: framework-2025
  as_of: 2025-06-01
  expect:
    pathways:
      lpp: unbounded
  source: "deliberately wrong"
"""


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> str:
    """pytest run on a folder holding the project's conftest and one bad case file."""
    root = tmp_path_factory.mktemp("suite")
    shutil.copy(TESTS / "conftest.py", root / "conftest.py")
    (root / "cases").mkdir()
    (root / "cases" / "bad.yaml").write_text(BAD, encoding="utf-8")
    (root / "cases" / "good.yaml").write_text(GOOD, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rN", str(root)],
        capture_output=True, text=True, cwd=root, env={"PYTHONPATH": str(ENGINE), "PATH": ""},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    return proc.stdout


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (6, ["expect.tier: expected 1, got 2"]),
        (9, ["unknown country 'Isreal'", "Israel (IL)"]),
        (16, ["unknown scenario 'framwork-2025'"]),
        (25, ["unknown field 'teir'", "did you mean 'tier'"]),
        (33, ["expect.pathways.lpp: expected unbounded, got 26,900,000 TPP"]),
    ],
)
def test_the_collector_reports_file_and_line(collected, line, words):
    hit = [x for x in collected.splitlines() if f"bad.yaml:{line}: " in x]
    assert hit, collected
    for w in words:
        assert any(w in x for x in hit), (w, hit)


def test_the_collector_counts_every_case_and_names_the_source(collected):
    assert "5 failed, 1 passed" in collected
    assert "source of the expectation: deliberately wrong" in collected


def test_tierscope_test_passes_good_cases(capsys, tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(GOOD, encoding="utf-8")
    code, out, _ = run(capsys, "test", str(f))
    assert code == 0 and "1 cases: 1 passed, 0 failed" in out


def test_tierscope_test_reports_failures_with_lines(capsys, tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(BAD, encoding="utf-8")
    code, out, _ = run(capsys, "test", str(f))
    assert code == 1
    assert f"{f}:6: wrong tier: expect.tier: expected 1, got 2" in out
    assert f"{f}:25: unknown field: expect.teir: unknown field 'teir'" in out
    assert "5 cases: 0 passed, 5 failed" in out


def test_tierscope_test_on_a_malformed_file_exits_2(capsys, tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(textwrap.dedent("name: not a list\n"), encoding="utf-8")
    code, _, err = run(capsys, "test", str(f))
    assert code == 2 and "list of cases" in err


def test_a_case_needs_a_source(capsys, tmp_path):
    f = tmp_path / "mine.yaml"
    f.write_text(GOOD.replace('  source: "Supp. No. 5 to part 740; 15 CFR 742.6(b)(10)(iii)(B)(1)"\n',
                              ""), encoding="utf-8")  # fmt: skip
    code, out, _ = run(capsys, "test", str(f))
    assert code == 1 and "source: Field required" in out


def test_the_shipped_cases_pass_through_the_cli(capsys):
    files = sorted(str(p) for p in (TESTS / "cases").glob("*.yaml"))
    code, out, _ = run(capsys, "test", *files)
    assert code == 0, out
