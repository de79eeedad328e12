"""Where the shipped rules and countries live: the repository, or inside the wheel."""

from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent


def data_dirs() -> tuple[Path, Path]:
    """(rules, countries): the repo checkout when run from source, else the wheel's copy."""
    repo = _PKG.parents[1]
    if (
        (repo / "rules").is_dir()
        and (repo / "countries").is_dir()
        and (repo / "pyproject.toml").is_file()
    ):
        return repo / "rules", repo / "countries"
    return _PKG / "_data" / "rules", _PKG / "_data" / "countries"
