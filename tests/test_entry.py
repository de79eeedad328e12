"""The process entry point (`python -m tierscope`, the `tierscope` script): it skips the
interpreter's teardown, so it must still deliver every byte and the documented exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[1] / "engine"


def tierscope(*args: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ENGINE), TIERSCOPE_CACHE_DIR=str(tmp_path))
    return subprocess.run(
        [sys.executable, "-m", "tierscope", *args], capture_output=True, text=True, env=env
    )


def test_output_is_complete_and_the_exit_code_is_zero(tmp_path: Path):
    for _ in range(2):  # first fills the validated cache, then reads it
        r = tierscope("query", "IL", "CN", "--as-of", "2025-06-01", "-f", "json", tmp_path=tmp_path)
        assert r.returncode == 0, r.stderr
        assert [a["country"] for a in json.loads(r.stdout)] == ["IL", "CN"]


def test_a_user_error_keeps_its_exit_code_and_one_line(tmp_path: Path):
    r = tierscope("query", "Atlantis", tmp_path=tmp_path)
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.count("\n") == 1 and "Atlantis" in r.stderr


def test_check_findings_exit_code_survives(tmp_path: Path):
    (tmp_path / "rules").mkdir()
    r = tierscope("check", str(tmp_path / "nowhere"), tmp_path=tmp_path)
    assert r.returncode == 2  # nothing to check there: unusable input


def test_no_package_metadata_scan_when_plugins_are_off(tmp_path: Path):
    """Start-up skips pydantic's plugin scan (and the import of importlib.metadata it
    needs) unless the user asked for plugins; the answer is the same."""
    env = dict(os.environ, PYTHONPATH=str(ENGINE), TIERSCOPE_CACHE_DIR=str(tmp_path))
    env.pop("PYDANTIC_DISABLE_PLUGINS", None)
    args = [sys.executable, "-X", "importtime", "-m", "tierscope", "query", "IL", "-f", "json"]
    args += ["--as-of", "2025-06-01"]
    fast = subprocess.run(args, capture_output=True, text=True, env=env)
    assert fast.returncode == 0, fast.stderr
    assert " importlib.metadata\n" not in fast.stderr
    env["PYDANTIC_DISABLE_PLUGINS"] = "some-plugin"  # plugins wanted: pydantic scans
    scan = subprocess.run(args, capture_output=True, text=True, env=env)
    assert scan.returncode == 0, scan.stderr
    assert " importlib.metadata\n" in scan.stderr
    assert json.loads(fast.stdout) == json.loads(scan.stdout)
