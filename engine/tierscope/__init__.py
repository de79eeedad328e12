"""tierscope: US AI-chip export-control regimes as declarative, cited rules.

The flow is load -> compile -> evaluate (durable-rules) -> resolve -> quantify -> present;
each stage has its own module (see README.md and docs/architecture.md).
"""

__version__ = "0.1.0"
