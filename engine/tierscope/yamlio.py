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

import yaml
from yaml.nodes import MappingNode

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


# libyaml's parser when available (about 5x faster); both are safe loaders.
_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_SafeBase):  # type: ignore[misc,valid-type]
    """SafeLoader with duplicate-key detection and line tracking."""


def _construct(loader: _StrictLoader, node: yaml.Node) -> Any:
    """Construct one node; a bad scalar (e.g. the date 2025-02-30) keeps its line."""
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid value {node.value!r}: {exc}", node.start_mark
        ) from None


def _construct_mapping(loader: _StrictLoader, node: MappingNode, deep: bool = False) -> LineDict:
    loader.flatten_mapping(node)
    result = LineDict()
    result.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = _construct(loader, key_node)
        try:
            hash(key)
        except TypeError as exc:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from exc
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        try:
            result[key] = _construct(loader, value_node)
        except yaml.constructor.ConstructorError as exc:
            if (
                exc.problem
                and exc.problem.startswith("invalid value")
                and value_node.start_mark is exc.problem_mark
            ):
                # name the field whose value is bad (e.g. `from: 2025-02-30`)
                raise yaml.constructor.ConstructorError(
                    None, None, f"{key}: {exc.problem}", exc.problem_mark
                ) from None
            raise
        result.key_lines[key] = key_node.start_mark.line + 1
    return result


def _construct_sequence(
    loader: _StrictLoader, node: yaml.SequenceNode, deep: bool = False
) -> LineList:
    result = LineList(_construct(loader, child) for child in node.value)
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    result.line = node.start_mark.line + 1
    return result


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


# Limits on what a data file may be: rule files are small and shallow. Deeper nesting
# would exhaust Python's recursion in the constructors (and in pydantic); a FIFO or a
# link to /dev/zero must not hang or exhaust memory.
MAX_DEPTH = 64
MAX_FILE_BYTES = 4 * 1024 * 1024


def _too_deep(root: yaml.Node) -> yaml.Node | None:
    """The first node nested deeper than MAX_DEPTH (walked without recursion)."""
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    seen: set[int] = set()
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            return node
        if id(node) in seen:  # aliases share nodes
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in node.value)
        elif isinstance(node, MappingNode):
            for key, value in node.value:
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
    return None


def _load(text: str) -> Any:
    loader = _StrictLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        deep = _too_deep(node)
        if deep is not None:
            raise yaml.constructor.ConstructorError(
                None, None, f"nested more than {MAX_DEPTH} levels deep", deep.start_mark
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def parse_yaml(text: str, path: Path | str) -> Any:
    """Parse one YAML document safely; any problem becomes a LoadError with a line."""
    try:
        return _load(text)
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
