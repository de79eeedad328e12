"""Strict YAML reading that keeps line numbers.

Rule files are data: only `yaml.SafeLoader` constructors run, so a tag such as
`!!python/object` is an error, never code. Duplicate keys are errors (PyYAML would
silently keep the last one). Mappings remember the line of each key so that a
pydantic validation error can be reported as `file:line: field: message`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

from .errors import LoadError


class LineDict(dict):
    """A dict that remembers the 1-based line of each key and of itself."""

    __slots__ = ("key_lines", "line")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_lines: dict[Any, int] = {}
        self.line: int = 0


class LineList(list):
    """A list that remembers the line of each item."""

    __slots__ = ("item_lines", "line")

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.item_lines: list[int] = []
        self.line: int = 0


# Limits on what a data file may be: rule files are small and shallow. Deeper nesting
# would exhaust Python's recursion in the constructors (and in pydantic); a FIFO or a
# link to /dev/zero must not hang or exhaust memory.
MAX_DEPTH = 64
MAX_FILE_BYTES = 4 * 1024 * 1024


def parse_yaml(text: str, path: Path | str) -> Any:
    """Parse one YAML document safely; any problem becomes a LoadError with a line."""
    import yaml  # PyYAML and the parser load only when a file is parsed (see yaml_parser)

    from .yaml_parser import load_strict

    try:
        return load_strict(text)
    except RecursionError:
        raise LoadError(path, f"invalid YAML: nested more than {MAX_DEPTH} levels deep") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = min(mark.line + 1, len(text.splitlines()) or 1) if mark else None  # EOF: last line
        problem = exc.problem or str(exc)
        if exc.context and "duplicate" not in problem:
            problem = f"{exc.context}: {problem}"
        raise LoadError(path, f"invalid YAML: {problem}", line=line) from None
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        # e.g. a date such as 2025-02-30 fails inside the timestamp constructor
        raise LoadError(path, f"invalid YAML value: {exc}") from None


def read_text(path: Path, limit: int = MAX_FILE_BYTES) -> str:
    """The UTF-8 text of a regular file of at most `limit` bytes, else a LoadError.

    Only regular files are opened (a FIFO would block, a link to /dev/zero never ends), and
    never more than `limit` bytes are read, whatever the file claims."""
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise LoadError(path, "cannot read file: not a regular file")
        if info.st_size > limit:
            raise LoadError(path, f"cannot read file: larger than {limit // 1024 // 1024} MB")
        with open(path, "rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise LoadError(path, f"cannot read file: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise LoadError(path, f"cannot read file: larger than {limit // 1024 // 1024} MB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LoadError(
            path, f"cannot read file: not UTF-8 text ({exc.reason} at byte {exc.start})"
        ) from None


def is_regular_file(path: Path) -> bool:
    """Whether `path` is a regular file (following links); False on any OS error."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def read_yaml(path: Path) -> Any:
    """Read and parse a YAML file; unreadable or non-UTF-8 files are LoadErrors."""
    return parse_yaml(read_text(path), path)


def line_of(data: Any, loc: tuple[Any, ...], strict: bool = False) -> int | None:
    """The line of the deepest node along a location that we can find. Pydantic puts
    union-branch names in its locations, which are skipped; `strict` stops at the first
    part that is not in the tree instead."""
    line = getattr(data, "line", None) or None
    node = data
    for part in loc:
        if isinstance(node, LineDict) and part not in node:  # pydantic reprs non-str keys (dates)
            part = next((k for k in node if repr(k) == part), part)
        if isinstance(node, LineDict) and part in node:
            line = node.key_lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.item_lines[part]
            node = node[part]
        elif strict:
            break
    return line
