"""`python -m tierscope` runs the CLI."""

from .entry import run

run()
