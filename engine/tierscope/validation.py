"""Validation errors that teach: every problem of a file, in the analyst's own terms.

pydantic reports locations in its own terms (`values.datetime.date(2025, 1, 13).value.int`,
union tags such as `FactTest`); here they become the path the analyst wrote
(`values[2025-01-13].value`), with the line of the deepest key, a "did you mean" for a
misspelt key (from the keys the models accept, found by walking them) and the section
of rules/README.md that explains the field.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .findings import Problems
from .yamlio import line_of

# rules/README.md sections, by the model a file holds (and, within provisions, the field)
DOCS = "rules/README.md"
_SECTIONS = {
    "Parameter": "Parameters",
    "Provision": "Provisions",
    "RegimeHeader": "Regimes",
    "Scenario": "Scenarios",
    "Country": "Countries",
    "ChipSpec": "Chips",
}
_PROVISION_SECTIONS = {
    "when": "Conditions (`when`)",
    "then": "Consequences (`then`), exactly one of",
    "exception_to": "Exceptions (default logic)",
    "label": "Exceptions (default logic)",
}

# Schema errors after which the rest of a file can still be checked: the offending key
# is dropped or the missing citation filled in (the finding has been recorded already).
_RECOVERABLE = frozenset({"unknown-key", "missing-citation"})


def _models_in(annotation: Any) -> Iterable[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)
    if isinstance(annotation, types.UnionType):  # pragma: no cover - covered by get_args
        return


@cache
def known_keys(*roots: type[BaseModel]) -> frozenset[str]:
    """Every key the models under `roots` accept (their fields, aliases first)."""
    seen: set[type[BaseModel]] = set()
    keys: set[str] = set()
    todo = list(roots)
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.add(model)
        for name, f in model.model_fields.items():
            keys.add(f.alias or name)
            todo.extend(_models_in(f.annotation))
    return frozenset(keys)


def did_you_mean(word: str, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """' (did you mean 'x'?)' for the nearest choice, or ''."""
    import difflib  # only when a name is not found

    close = difflib.get_close_matches(str(word), sorted(choices), n=1, cutoff=cutoff)
    return f" (did you mean {close[0]!r}?)" if close and close[0] != word else ""


def section(model: type[BaseModel], loc: tuple[Any, ...]) -> str:
    """Where the field is explained: `see rules/README.md, "Parameters"`."""
    name = _SECTIONS.get(model.__name__)
    if model.__name__ == "Provision":
        top = next((p for p in loc if isinstance(p, str)), None)
        name = _PROVISION_SECTIONS.get(top or "", name)
    return f'see {DOCS}, "{name}"' if name else ""


def _walk(data: Any, loc: tuple[Any, ...], fields: frozenset[str]) -> list[Any]:
    """The parts of a pydantic location that are keys or indexes of the data as written.

    pydantic inserts the tag of a union member before its fields (`when.fact.gte`: tag
    `fact`, field `gte`): a part that is a key here, followed by another key of the same
    mapping, is such a tag. A last part that names a field but is absent is a missing key.
    """
    out: list[Any] = []
    node = data
    for i, part in enumerate(loc):
        last = i == len(loc) - 1
        if isinstance(node, Mapping):
            key = _key(node, part)
            if key is not None and not last and _key(node, loc[i + 1]) is not None:
                continue  # a union tag that happens to be a key too
            if key is None:
                if last and isinstance(part, str) and part in fields:
                    out.append(part)  # a missing key
                continue  # a union tag
            out.append(key)
            node = node[key]
        elif isinstance(node, list) and isinstance(part, int):
            out.append(part)
            node = node[part] if 0 <= part < len(node) else None
    return out


def field_path(data: Any, loc: Iterable[Any], fields: frozenset[str]) -> str:
    """The path of a pydantic location as the analyst wrote it: `values[2025-01-13].value`,
    `when.all[1].fact` (not `values.datetime.date(2025, 1, 13).value.int`)."""
    out = ""
    for key in _walk(data, tuple(loc), fields):
        out += f"[{key}]" if _bracketed(key) else f".{key}"
    return out.lstrip(".")


def _key(node: Mapping[Any, Any], part: Any) -> Any:
    if part in node:
        return part
    return next((k for k in node if repr(k) == part or str(k) == str(part)), None)


def _bracketed(key: Any) -> bool:
    return isinstance(key, dt.date | int) or not str(key).replace("_", "a").isalnum()


def classify(
    err: Mapping[str, Any], loc: tuple[Any, ...], fields: frozenset[str]
) -> tuple[str, str]:
    """(code, message) for one pydantic error; the field path names the key itself."""
    kind = err["type"]
    msg = str(err["msg"]).removeprefix("Value error, ")
    names = {p for p in loc if isinstance(p, str)}
    last = loc[-1] if loc else None
    if kind == "extra_forbidden":
        return "unknown-key", f"unknown key{did_you_mean(str(last), fields, 0.75)}"
    if kind in ("missing", "too_short", "string_too_short") and {"references", "citation"} & names:
        what = "missing" if kind == "missing" else "empty or too short"
        return "missing-citation", f"{what}: every rule and every value needs a source"
    if kind.startswith(("date_", "datetime_")) or (
        kind == "value_error" and {"valid", "from", "until"} & names
    ):
        return "bad-date", msg
    if kind == "missing":
        return "missing-key", "missing required key"
    return "invalid", msg


def validate(
    model: type[BaseModel],
    data: Any,
    path: Path | str,
    problems: Problems,
    label: str | None = None,
    default_line: int | None = None,
) -> Any:
    """`model` from `data`; every validation error goes to `problems` (the first raises in
    stop-at-first mode). With only recoverable errors (unknown keys, missing citations)
    the model is still returned, so the rest of the file can be checked."""
    if data is None:
        problems.add(path, None, "empty-file", f"empty file: expected a {model.__name__}")
        return None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
    fields = known_keys(model)
    hints: dict[tuple[str | None, int | None], str] = {}
    found: dict[tuple[str | None, int | None], tuple[str, str]] = {}
    codes = []
    for err in errors:
        loc = tuple(err["loc"])
        where = tuple(_walk(data, loc, fields))
        line = line_of(data, where) or default_line
        code, msg = classify(err, loc, fields)
        codes.append(code)
        name = ": ".join(x for x in (label, field_path(data, loc, fields)) if x) or None
        hint = section(model, where)
        key = (name, line)
        if key in found:  # one value failing each member of a union: one problem
            first_code, first = found[key]
            found[key] = (first_code, f"{first}, or {msg.removeprefix('Input should be ')}")
            continue
        found[key] = (code, msg)
        hints[key] = hint
    items = list(found.items())
    for (name, line), (code, msg) in items:
        hint = hints[(name, line)]
        text = msg + (f" ({hint})" if hint else "")
        if not problems.collect and len(items) > 1:
            text += f"; {len(items) - 1} more problem(s) in this file (`tierscope check` lists all)"
        problems.add(path, line, code, text, field=name)
    if all(c in _RECOVERABLE for c in codes):
        return recover(model, data, errors)
    return None


def prune(model: type[BaseModel], data: Any, errors: list[Mapping[str, Any]]) -> Any:
    """The model validated from `data` without the entries that hold errors (an override
    of one parameter, one country, one list item), so that the rest of a file can still be
    checked for its other problems; None if that is not possible."""
    fixed = _plain(data)
    fields = known_keys(model)
    cuts = set()
    for err in errors:
        loc = tuple(_walk(data, tuple(err["loc"]), fields))
        cuts.add(loc[:2] if len(loc) > 2 else loc[:1])
    for cut in sorted(cuts, key=len, reverse=True):
        node = fixed
        for part in cut[:-1]:
            node = node[part] if isinstance(node, dict | list) else None
        if isinstance(node, dict):
            node.pop(cut[-1], None)
    try:
        return model.model_validate(fixed)
    except ValidationError:
        return None


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def recover(model: type[BaseModel], data: Any, errors: list[Mapping[str, Any]]) -> Any:
    """The model validated from `data` with unknown keys dropped and citations filled in."""
    fixed = _plain(data)
    fields = known_keys(model)
    for err in errors:
        loc = tuple(_walk(data, tuple(err["loc"]), fields))
        parent, node = None, fixed
        key: Any = None
        for part in loc:
            if (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            ):
                parent, key, node = node, part, node[part]
            elif isinstance(node, dict) and part == loc[-1]:
                parent, key, node = node, part, None  # a missing key
        if parent is None or not loc or key != loc[-1]:
            return None
        if err["type"] == "extra_forbidden":
            del parent[key]
        elif key == "references":
            parent[key] = [{"title": "(missing reference)"}]
        else:
            parent[key] = "(missing citation)"
    try:
        return model.model_validate(fixed)
    except ValidationError:
        return None


def key_line(node: Any, *keys: Any) -> int | None:
    """Line of the deepest key reachable along `keys`."""
    return line_of(node, keys, strict=True)
