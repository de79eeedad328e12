"""Bad input to `yardstick`, `report` and the translation options never crashes: a
documented exit code and one stderr line, never a traceback (as tests/test_bad_input.py
does for the other commands)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tierscope.cli import main

CASES = [
    ["yardstick", ""],
    ["yardstick", "0 x H100"],
    ["yardstick", "abc"],
    ["yardstick", "1500 x Nope"],
    ["yardstick", "1e999 TPP"],
    ["yardstick", "0 TPP"],
    ["yardstick", "1500 x H100", "--vs", ""],
    ["yardstick", "1500 x H100", "--vs", "training-utilisation"],
    ["yardstick", "1500 x H100", "--years", "0"],
    ["yardstick", "1500 x H100", "--years", "999"],
    ["yardstick", "1500 x H100", "--demand-doubling-months", "0"],
    ["yardstick", "1500 x H100", "--demand-doubling-months", "nan"],
    ["yardstick", "1500 x H100", "--algorithmic-gain", "inf"],
    ["yardstick", "1500 x H100", "--algorithmic-gain", "-3"],
    ["yardstick", "1500 x A100", "--vs", "deepseek-fleet", "--measure", "fp8"],
    ["query", "IL", "--in", "nope"],
    ["query", "IL", "--utilisation", "0"],
    ["query", "IL", "--utilisation", "nan"],
    ["query", "IL", "--utilisation", "-0.4"],
    ["compare", "IL", "--in", ""],
    ["acquire", "IL", "--chips", "1 x H100", "--utilisation", "2"],
    ["report", "IL", "-o", "report.pdf"],
    ["report", "Narnia", "-o", "r.html"],
    ["report", "IL", "-s", "nope", "-o", "r.html"],
    ["report", "IL", "--in", "nope", "-o", "r.html"],
    ["report", "IL", "-o", "/proc/no/such/dir/r.html"],
]


def _check(capsys, argv: list[str]) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    captured = capsys.readouterr()
    code = exc.value.code or 0
    assert "Traceback" not in captured.out + captured.err
    assert code in (0, 1, 2, 3), (argv, captured.err)
    if code:
        assert captured.err.count("\n") == 1 and captured.err.startswith("tierscope: error:")
    return code, captured.err


@pytest.mark.parametrize("argv", CASES, ids=lambda a: " ".join(a)[:60])
def test_bad_input_is_one_line(capsys, tmp_path, monkeypatch, argv):
    monkeypatch.chdir(tmp_path)
    code, _ = _check(capsys, argv)
    assert code == 2
    assert list(tmp_path.iterdir()) == []  # nothing written


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=40), measure=st.sampled_from(["tpp", "bf16", "fp8", "x"]))
def test_any_cluster_text(capsys, text, measure):
    if text.startswith("-"):
        text = " " + text  # not an option
    _check(capsys, ["yardstick", text, "--measure", measure])
