"""`check`'s report, kept by the content of everything it depends on.

A full `check` of the shipped rules spends seconds in the tier-assignment search and the
fact-space analysis, while its inputs change far less often than it is run (CI, an
analyst re-checking an untouched tree). So the report is stored as plain JSON (never
pickle) in the validated-file cache's private folder and reused only when nothing it
could depend on has changed. A cached report must never hide a finding, hence:

- The key covers the engine (the source of every module of the package, the Python and
  pydantic versions: `validated_cache`), the installed files of the other libraries it
  reads with (YAML, countries, durable-rules), the folders as given and as absolute paths
  (findings name files by the path given) and the working directory, and every entry of
  both folder trees, recursively, hidden ones included: its relative path, its kind and,
  for a file, the SHA-256 of its bytes. A byte changed, added, removed or renamed
  anywhere in either tree is a different key.
- A tree holding a symbolic link, a FIFO or a device is not cached at all (what such an
  entry reads can change without the tree changing).
- The key is computed again after the run; if the files changed while `check` read them,
  the report is not stored. Unusable input and internal errors are never stored.
- `TIERSCOPE_CACHE=off` disables it, as it does the validated-file cache.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from pathlib import Path

from ..findings import Finding
from ..validated_cache import _salt, cache_dir, read_json, write_json
from .report import Report

# libraries whose behaviour shapes findings (pydantic's version is in the engine salt)
_LIBRARIES = ("yaml", "pycountry", "durable", "pydantic", "pydantic_core")


class _Uncacheable(Exception):
    """A tree the key cannot describe by its bytes alone."""


def _library_stamp(h: hashlib._Hash) -> None:
    """Each library's installed location, size and modification time (a reinstall or an
    upgrade changes them) without importing it."""
    for name in _LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        h.update(name.encode() + b"\0")
        if origin:
            st = os.stat(origin)
            h.update(f"{origin}|{st.st_size}|{st.st_mtime_ns}".encode() + b"\0")


def _tree(h: hashlib._Hash, root: Path) -> None:
    """Every entry under `root`, sorted, with the bytes of every file."""
    stack = [""]
    while stack:
        rel = stack.pop()
        folder = os.path.join(root, rel) if rel else str(root)
        with os.scandir(folder) as it:
            entries = sorted(it, key=lambda e: e.name)
        for e in reversed(entries):  # depth-first, in name order
            sub = f"{rel}/{e.name}" if rel else e.name
            if e.is_symlink():
                raise _Uncacheable(sub)
            if e.is_dir(follow_symlinks=False):
                h.update(b"d\0" + sub.encode("utf-8", "surrogateescape") + b"\0")
                stack.append(sub)
            elif e.is_file(follow_symlinks=False):
                with open(e.path, "rb") as f:
                    digest = hashlib.sha256(f.read()).digest()
                h.update(b"f\0" + sub.encode("utf-8", "surrogateescape") + b"\0" + digest)
            else:
                raise _Uncacheable(sub)
        h.update(b"end\0" + rel.encode("utf-8", "surrogateescape") + b"\0")


def report_key(rules_dir: Path, countries_dir: Path) -> bytes | None:
    """The key of `check`'s report of these folders, or None when it must not be cached."""
    if cache_dir() is None:
        return None
    try:
        h = hashlib.sha256(_salt() + b"check-report\0")
        _library_stamp(h)
        h.update(os.getcwd().encode("utf-8", "surrogateescape") + b"\0")
        for root in (rules_dir, countries_dir):
            h.update(str(root).encode("utf-8", "surrogateescape") + b"\0")
            h.update(os.path.abspath(root).encode("utf-8", "surrogateescape") + b"\0")
            if os.path.islink(root) or not os.path.isdir(root):
                return None  # a missing folder is a quick, unusable report anyway
            _tree(h, root)
        return h.digest()
    except (OSError, _Uncacheable, UnicodeError):
        return None


def load(key: bytes) -> Report | None:
    """The stored report under `key`, or None; anything malformed is ignored."""
    data = read_json(key)
    if not isinstance(data, dict):
        return None
    try:
        findings = [
            Finding(f["path"], f["line"], f["level"], f["code"], f["message"])
            for f in data["findings"]
        ]
        files, unusable, notes = data["files"], data["unusable"], data["notes"]
        if not (
            isinstance(files, int)
            and unusable is False
            and isinstance(notes, list)
            and all(isinstance(n, str) for n in notes)
        ):
            return None
    except (KeyError, TypeError):
        return None
    return Report(findings=findings, files=files, unusable=False, notes=list(notes))


def store(key: bytes, report: Report, rules_dir: Path, countries_dir: Path) -> None:
    """Keep `report` under `key` if the input was usable, nothing failed inside `check`,
    and the files are still those the key describes."""
    if report.unusable or any(f.code == "internal" for f in report.findings):
        return
    if report_key(rules_dir, countries_dir) != key:
        return  # edited while being checked
    write_json(
        key,
        {
            "findings": [f.to_dict() for f in report.findings],
            "files": report.files,
            "unusable": False,
            "notes": list(report.notes),
        },
    )
