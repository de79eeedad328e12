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
