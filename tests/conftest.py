"""Shared fixtures: the shipped project, loaded once per test session.

The suite keeps its validated-file cache in a temporary folder of its own (unless
TIERSCOPE_CACHE_DIR is set), so tests never read or fill the user's cache and every
run starts cold.
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import shutil
import tempfile

import pytest

if "TIERSCOPE_CACHE_DIR" not in os.environ:
    _CACHE = tempfile.mkdtemp(prefix="tierscope-test-cache-")
    os.environ["TIERSCOPE_CACHE_DIR"] = _CACHE
    atexit.register(shutil.rmtree, _CACHE, ignore_errors=True)

from tierscope.service import Project

# A date on which the framework is effective and past its compliance date.
FRAMEWORK_DAY = dt.date(2025, 6, 1)


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.shipped()


# ---------------------------------------------------------------- legal cases as YAML
# tests/cases/*.yaml hold the plain legal facts (see engine/tierscope/cases.py): each case
# is one test item, reported as file:line on a wrong expectation or a bad field.


class CaseFailure(Exception):
    """A case whose expectation the engine does not meet (or that cannot run)."""


def pytest_collect_file(parent: pytest.Collector, file_path):
    if file_path.suffix == ".yaml" and file_path.parent.name == "cases":
        return CaseFile.from_parent(parent, path=file_path)
    return None


class CaseFile(pytest.File):
    def collect(self):
        from tierscope.cases import read_cases
        from tierscope.errors import LoadError

        try:
            cases = read_cases(self.path)
        except LoadError as exc:
            yield CaseItem.from_parent(self, name="(file)", line=exc.line or 1, raw=None,
                                       error=exc.message)  # fmt: skip
            return
        seen: dict[str, int] = {}
        for line, raw in cases:
            name = str(raw.get("name", f"line {line}")) if isinstance(raw, dict) else f"line {line}"
            if name in seen:  # keep item ids unique; the line tells them apart
                name = f"{name} (line {line})"
            seen[name] = line
            yield CaseItem.from_parent(self, name=name, line=line, raw=raw, error=None)


class CaseItem(pytest.Item):
    def __init__(self, *, line: int, raw, error: str | None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.line = line
        self.raw = raw
        self.error = error

    def runtest(self) -> None:
        from tierscope.api import session
        from tierscope.cases import parse_case, run_case

        if self.error is not None:
            raise CaseFailure(self.error)
        case, problems = parse_case(self.raw, self.line)
        if case is not None:
            problems = run_case(case, self.raw, self.line, session())
        if problems:
            lines = [f"{self.path}:{line}: {msg}" for line, msg in problems]
            if case is not None:
                lines.append(f"  source of the expectation: {case.source}")
            raise CaseFailure("\n".join(lines))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.line - 1, f"case: {self.name}"
