"""One way for tests to run the CLI in-process: exit code, stdout and stderr."""

from __future__ import annotations

import pytest

from tierscope.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run `tierscope ARGV...`; the CLI always ends with SystemExit (0 when its code is None)."""
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    captured = capsys.readouterr()
    return exc.value.code or 0, captured.out, captured.err
