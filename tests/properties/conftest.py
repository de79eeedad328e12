"""Hypothesis profiles for the property suite (tests/properties/).

- ``ci`` (the default): derandomised, so every run checks the same examples and a
  failure reproduces exactly; a modest number of examples, no deadline (durable-rules
  sessions vary in speed), the reproduction blob printed on failure, and no example
  database written.
- ``deep``: random and many times more examples. Select it with the environment
  variable ``TIERSCOPE_DEEP=1``, e.g.::

      TIERSCOPE_DEEP=1 python -m pytest tests/properties

Tests size their budgets with ``budget(n)`` from ``tests/properties/strategies.py``:
``n`` examples in ``ci``, ``DEEP_FACTOR * n`` in ``deep``.

Note: loading a profile sets Hypothesis's defaults for the whole pytest session, so the
other hypothesis tests of the suite run derandomised in CI too (their explicit
``max_examples`` still applies).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

DEEP = os.environ.get("TIERSCOPE_DEEP", "") == "1"

_COMMON = dict(
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

settings.register_profile("ci", derandomize=True, database=None, max_examples=40, **_COMMON)
settings.register_profile("deep", derandomize=False, max_examples=1000, **_COMMON)
settings.load_profile("deep" if DEEP else "ci")


class _Quiet:
    """The shared shipped Project with a short repr: Hypothesis prints every argument of a
    failing test, and the project's dataclass repr runs to megabytes."""

    def __init__(self, project) -> None:
        self._project = project

    def __getattr__(self, name):
        return getattr(self._project, name)

    def __repr__(self) -> str:
        return "Project.shipped()"


@pytest.fixture(scope="session")
def shipped(project):
    """`project` (tests/conftest.py) for property tests."""
    return _Quiet(project)
