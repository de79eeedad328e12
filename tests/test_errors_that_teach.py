"""Errors that teach (issue 11, item 4): every problem of a file at once, in the analyst's
own terms, at its line, with a hint ("did you mean", and the rules/README.md section that
explains the field)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tierscope.cli import main

README = Path(__file__).resolve().parents[1] / "rules" / "README.md"

FIVE_MISTAKES = """\
id: my-reform
title: Raise the allocation for Israel
description: An analyst's reform with five mistakes.
base: framework-2052
notse: a misspelt key
parameters:
  framework_2025.country_alocation_tpp:
    scale: 3/2
    status: unverified
    references: [{title: "Analyst assumption"}]
  framework_2025.lpp_tpp_per_consignee_year:
    values:
      2025-01-13: {value: 1.5, status: unverified, references: [{title: "Analyst assumption"}]}
countries:
  ISR: {facts: {}}
references: [{title: "Analyst assumption"}]
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_file_with_five_mistakes_reports_five_each_with_a_hint(tmp_path, capsys):
    path = tmp_path / "my-reform.yaml"
    path.write_text(FIVE_MISTAKES)
    code, out, _ = run(capsys, "check", str(path), "--format", "json")
    assert code == 1
    mine = [f for f in json.loads(out)["findings"] if f["path"] == str(path)]
    assert len(mine) == 5, mine
    by_line = {f["line"]: f["message"] for f in mine}
    assert "did you mean 'framework-2025'" in by_line[4]  # base
    assert "did you mean 'note'" in by_line[5]  # the misspelt key
    assert "did you mean 'framework_2025.country_allocation_tpp'" in by_line[7]
    # the path as written, not pydantic's `values.datetime.date(2025, 1, 13).value.int`
    assert by_line[13].startswith(
        "parameters[framework_2025.lpp_tpp_per_consignee_year].values[2025-01-13].value:"
    )
    assert "did you mean 'IL'" in by_line[15]  # an alpha-3 code for Israel
    headings = set(re.findall(r"^#+ (.+)$", README.read_text(), flags=re.M))
    for f in mine:
        section = re.search(r'see rules/README\.md, "([^"]+)"', f["message"])
        assert section and section.group(1) in headings, f


def test_a_query_names_the_first_problem_and_counts_the_rest(tmp_path, capsys):
    path = tmp_path / "my-reform.yaml"
    # schema mistakes (the misspelt `notse`; `valeu` for `value`): a query names one, at its
    # line, and counts the rest (a decimal where whole TPP are counted is found when the
    # override is applied, as `check` shows above at line 13)
    path.write_text(FIVE_MISTAKES.replace("{value: 1.5,", "{valeu: 1.5,"))
    code, _, err = run(capsys, "query", "IL", "-s", str(path))
    assert code == 2
    assert err.startswith(f"tierscope: error: {path}:13: ") and err.count("\n") == 1
    assert "more problem(s) in this file (`tierscope check` lists all)" in err


def test_unknown_scenario_suggests_the_nearest(capsys):
    code, _, err = run(capsys, "query", "IL", "-s", "framework-2052")
    assert code == 2 and "did you mean 'framework-2025'" in err
