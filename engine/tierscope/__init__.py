"""tierscope: US AI-chip export-control regimes as declarative, cited rules.

The flow is load -> compile -> evaluate (durable-rules) -> resolve -> quantify -> present;
each stage has its own module (see README.md and docs/architecture.md). The public
Python API lives in `tierscope.api` and is re-exported here on first use, so
`import tierscope` (and the CLI's start-up) stays cheap:

    import tierscope as ts
    ts.query("Israel", as_of="2025-06-01").to_frame()
"""

from __future__ import annotations

import sys
import types
from typing import Any

__version__ = "0.1.0"

_API = (
    "query", "explain", "compare", "acquire", "countries", "scenarios", "session", "Session",
    "ResultList", "pathways",
)  # fmt: skip
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> Any:
    """PEP 562: load the API (and with it pydantic and the engine) only when used."""
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'tierscope' has no attribute {name!r}")


class _Package(types.ModuleType):
    """`ts.compare` and `ts.acquire` are API functions, though modules of the same names
    exist (`tierscope.compare`, `tierscope.acquire`): importing a submodule binds it on
    the package, so these two names are answered here. Import those modules with
    `from tierscope.compare import ...`."""

    def __getattribute__(self, name: str) -> Any:
        if name in ("compare", "acquire"):
            from . import api

            return getattr(api, name)
        return super().__getattribute__(name)


sys.modules[__name__].__class__ = _Package
