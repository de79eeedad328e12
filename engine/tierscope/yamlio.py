"""Strict YAML reading that keeps line numbers.

Rule files are data: only `yaml.SafeLoader` constructors run, so a tag such as
`!!python/object` is an error, never code. Duplicate keys are errors (PyYAML would
silently keep the last one). Mappings remember the line of each key so that a
pydantic validation error can be reported as `file:line: field: message`.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import LoadError

if TYPE_CHECKING:
    import yaml
    from yaml.nodes import MappingNode


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


@cache
def _strict_loader() -> type:
    """SafeLoader (libyaml's when available, about 5x faster; both are safe) with
    duplicate-key detection and line tracking. Built on first use, so that PyYAML is
    imported only when a file is actually parsed (not when every file comes from the
    validated cache)."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class _StrictLoader(base):  # type: ignore[misc,valid-type]
        pass

    _StrictLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping
    )
    _StrictLoader.add_constructor(
        yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence
    )
    return _StrictLoader


def _construct(loader: Any, node: yaml.Node) -> Any:
    """Construct one node; a bad scalar (e.g. the date 2025-02-30) keeps its line."""
    import yaml

    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        raise yaml.constructor.ConstructorError(
            None, None, f"invalid value {node.value!r}: {exc}", node.start_mark
        ) from None


def _construct_mapping(loader: Any, node: MappingNode, deep: bool = False) -> LineDict:
    import yaml

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


def _construct_sequence(loader: Any, node: yaml.SequenceNode, deep: bool = False) -> LineList:
    result = LineList(_construct(loader, child) for child in node.value)
    result.item_lines = [child.start_mark.line + 1 for child in node.value]
    result.line = node.start_mark.line + 1
    return result


def parse_yaml(text: str, path: Path | str) -> Any:
    """Parse one YAML document safely; any problem becomes a LoadError with a line."""
    import yaml

    try:
        return yaml.load(text, Loader=_strict_loader())
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


def read_yaml(path: Path) -> Any:
    """Read and parse a YAML file; unreadable or non-UTF-8 files are LoadErrors."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(path, f"cannot read file: {exc}") from None
    return parse_yaml(text, path)


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
