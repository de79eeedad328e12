"""The project stands alone: its README, documents, code and tests point at nothing
outside the repository (no notes in a sibling folder, no machine paths)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTSIDE = re.compile(r"\.\./shared|/work/|\.\./\.\./")


def test_nothing_points_outside_the_repository():
    files = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    for folder, pattern in (
        ("engine", "*.py"),
        ("tests", "*.py"),
        ("bench", "*"),
        ("rules", "*.md"),
    ):
        files += sorted(p for p in (ROOT / folder).rglob(pattern) if p.is_file())
    assert len(files) > 20
    hits = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in files
        if path != Path(__file__).resolve() and path.suffix in {".md", ".py", ""}
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if OUTSIDE.search(line)
    ]
    assert not hits, "\n".join(hits)
