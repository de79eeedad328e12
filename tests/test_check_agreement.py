"""`check` and the engine agree (issue 8): on hypothesis-generated rule, parameter,
scenario and country folders,

- `check` exits 0 only if `query`, `compare` and `acquire` then run without exit 2
  (bad input) or 70 (a bug): what `check` accepts, the engine runs;
- when a command stops at a problem in a file (exit 2, `file:line: ...`), `check` reports
  a finding at that same file:line;
- no command ever exits 70.

The folders are the minimal valid tree of tests/fixtures/check/mini (plus the shipped
chip catalogue, the parameters every query reads and a few countries) with one to three
generated mutations: a value replaced (ids of other provisions, labels, parameters of
the wrong unit, typos, extreme numbers, wrong types), a key removed, or a file removed.
`check` may reject more than the engine (overlaps, never-applies, citations): the
property is one-sided where the issue allows it and exact where a file:line is named.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tierscope.cli import main
from tierscope.paths import data_dirs

RULES, COUNTRIES = data_dirs()
FIXTURE = Path(__file__).parent / "fixtures" / "check" / "mini"
DAY = "2025-06-01"
CODES = ["US", "IL", "FR", "CN", "MO", "IN", "AE"]

VALUES = st.sampled_from(
    [
        "mini.tier2_default", "mini.tier1_listed", "mini.tier3_d5", "mini.tier2_dafault",
        "mini.tier1", "mini.allocation_tpp", "mini.tier1_destinations", "mini.nope",
        "units.h100_tpp", "assumptions.window_years", "mini", "mini-halved", "nope",
        ["mini.tier2_default", "mini.tier1_listed"], [], {}, None, True, 0, -1, 2**62,
        10**30, 1.5, "2025-02-30", "", "[/] markup", {"always": True},
        {"fact": "tier", "equals": 2}, {"fact": "country", "in_param": "mini.allocation_tpp"},
        {"fact": "order_max_tpp", "gte": 5}, ["IL", "ZZ"],
    ]
)  # fmt: skip


def _files(root: Path) -> list[Path]:
    return sorted(p for p in (root / "rules").rglob("*.yaml") if "chips" not in p.parts)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    out = [prefix] if prefix else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutation(draw: st.DrawFn) -> tuple[int, str, int, Any]:
    """(file index, kind, path index, value): resolved against the tree when applied."""
    kind = draw(st.sampled_from(["replace", "replace", "replace", "drop-key", "drop-file"]))
    return draw(st.integers(0, 50)), kind, draw(st.integers(0, 500)), draw(VALUES)


def build(root: Path, mutations: list[tuple[int, str, int, Any]]) -> list[str]:
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    params = root / "rules" / "parameters"
    for sub, name in (("units", "h100_tpp"), ("assumptions", "window_years")):
        (params / sub).mkdir(parents=True, exist_ok=True)
        shutil.copy(RULES / "parameters" / sub / f"{name}.yaml", params / sub)
    shutil.copytree(RULES / "chips", root / "rules" / "chips")
    shutil.copytree(RULES / "parameters" / "eccn_3a090", params / "eccn_3a090")
    (root / "countries").mkdir(exist_ok=True)
    for code in CODES:
        shutil.copy(COUNTRIES / f"{code}.yaml", root / "countries")
    done = []
    for fi, kind, pi, value in mutations:
        files = _files(root)
        path = files[fi % len(files)]
        if kind == "drop-file":
            path.unlink()
            done.append(f"rm {path.relative_to(root)}")
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        paths = _paths(data)
        if not paths:
            continue
        where = paths[pi % len(paths)]
        parent = data
        for part in where[:-1]:
            parent = parent[part]
        if kind == "drop-key":
            del parent[where[-1]]
        else:
            parent[where[-1]] = value
        path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
        done.append(f"{kind} {path.relative_to(root)} {where} = {value!r}")
    return done


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    try:
        main(list(argv))
        code = 0
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code
    captured = capsys.readouterr()
    return code, captured.out, captured.err


LOCATED = re.compile(r"^tierscope: error: (?P<where>/\S+?\.yaml:\d+): ")


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(mutations=st.lists(mutation(), min_size=1, max_size=3))
def test_check_passes_only_what_the_engine_runs(capsys, monkeypatch, mutations):
    monkeypatch.delenv("TIERSCOPE_DEBUG", raising=False)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        done = build(root, mutations)
        folders = ["--rules", str(root / "rules"), "--countries", str(root / "countries")]
        checked, report, _ = run(capsys, *folders, "check")
        assert checked in (0, 1, 2), done
        event(f"check exit {checked}")
        for argv in (
            ["query", "IL", "-s", "mini", "--as-of", DAY],
            ["query", "CN", "-s", "mini-halved", "--as-of", DAY],
            ["compare", "IL", "FR", "-s", "mini", "-s", "mini-halved", "--as-of", DAY],
            ["acquire", "IL", "-c", "10 x H100", "-s", "mini", "--as-of", DAY],
        ):
            code, _, err = run(capsys, *folders, *argv)
            assert code != 70, (done, argv, err)
            if checked == 0:
                assert code != 2, (done, argv, err, report)
            m = LOCATED.match(err)
            event(f"{argv[0]} exit {code}{' at file:line' if m else ''}")
            if code == 2 and m:
                assert m.group("where") in report, (done, argv, err, report)
