"""`python -m tierscope` runs the CLI."""

from .cli import main

main()
