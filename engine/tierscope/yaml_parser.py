"""The strict YAML parser behind `yamlio.parse_yaml`, in a module of its own so that
PyYAML is imported only when a file is actually parsed: a query answered from the
validated-file cache (see validated_cache) never needs it.

Rule files are data: only `yaml.SafeLoader` constructors run, so a tag such as
`!!python/object` is an error, never code. Duplicate keys are errors; mappings and lists
remember their lines (`LineDict`, `LineList`).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode

from .yamlio import MAX_DEPTH, LineDict, LineList

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


def load_strict(text: str) -> Any:
    """One YAML document, or None for an empty one; yaml errors propagate."""
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
