"""Shared fixtures: the shipped project, loaded once per test session."""

from __future__ import annotations

import datetime as dt

import pytest

from tierscope.service import Project

# A date on which the framework is effective and past its compliance date.
FRAMEWORK_DAY = dt.date(2025, 6, 1)


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.shipped()
