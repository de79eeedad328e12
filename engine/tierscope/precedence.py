"""Default logic (as in Catala): which applicable provision defines an output.

- A provision may be an exception to other provisions, named by id or by a label that
  several provisions carry (`exception_to: framework_2025.tier1`, or a list of names).
- An exception is considered only where one of its bases applies (and is considered).
- Among the considered provisions, one that is overridden by another considered
  provision (directly or through a chain of exceptions) drops out.
- The remaining provisions must agree; two that disagree are a conflict naming both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import RuleConflictError
from .models.provision import Provision


@dataclass(frozen=True)
class Resolution:
    output: str
    value: object
    winners: tuple[Provision, ...]  # agreeing provisions that define the value
    overridden: tuple[Provision, ...]  # applicable but beaten by an exception
    ignored: tuple[Provision, ...]  # exceptions whose base did not apply


_INDEX: dict[int, tuple[Mapping[str, Provision], dict[str, tuple[str, ...]]]] = {}


def _direct_index(all_provisions: Mapping[str, Provision]) -> dict[str, tuple[str, ...]]:
    """id -> ids of its direct bases (labels expanded), built once per provision map, so
    a chain of hundreds of exceptions resolves in linear time."""
    hit = _INDEX.get(id(all_provisions))
    if hit is None or hit[0] is not all_provisions:
        labels: dict[str, list[str]] = {}
        for pid, q in all_provisions.items():
            if q.label is not None:
                labels.setdefault(q.label, []).append(pid)
        direct = {pid: _expand(q, all_provisions, labels) for pid, q in all_provisions.items()}
        if len(_INDEX) > 256:
            _INDEX.clear()
        hit = _INDEX[id(all_provisions)] = (all_provisions, direct)
    return hit[1]


def _expand(
    p: Provision, all_provisions: Mapping[str, Provision], labels: Mapping[str, list[str]]
) -> tuple[str, ...]:
    out: list[str] = []
    for name in p.bases:
        out.extend([name] if name in all_provisions else labels.get(name, ()))
    return tuple(dict.fromkeys(b for b in out if b != p.id))


def direct_bases(p: Provision, all_provisions: Mapping[str, Provision]) -> tuple[str, ...]:
    """The ids of the provisions `p` names in `exception_to` (labels expanded)."""
    index = _direct_index(all_provisions)
    if all_provisions.get(p.id) is p and p.id in index:
        return index[p.id]
    labels: dict[str, list[str]] = {}
    for pid, q in all_provisions.items():
        if q.label is not None:
            labels.setdefault(q.label, []).append(pid)
    return _expand(p, all_provisions, labels)


def _ancestors(starts: list[tuple[str, ...]], all_provisions: Mapping[str, Provision]) -> list[str]:
    """Every provision reachable along bases from `starts`, nearest first."""
    index = _direct_index(all_provisions)
    seen: set[str] = set()
    order: list[str] = []
    todo = [b for s in starts for b in s]
    i = 0
    while i < len(todo):
        b = todo[i]
        i += 1
        if b in seen:
            continue
        seen.add(b)
        order.append(b)
        todo.extend(index.get(b, ()))
    return order


def exception_bases(p: Provision, all_provisions: Mapping[str, Provision]) -> list[str]:
    """Every provision `p` overrides, directly or through exceptions, nearest first (a
    cycle stops the walk)."""
    return [b for b in _ancestors([direct_bases(p, all_provisions)], all_provisions) if b != p.id]


def considered(
    applicable: list[Provision], all_provisions: Mapping[str, Provision]
) -> list[Provision]:
    """The applicable provisions whose bases apply: a provision without bases, or one
    with a base that is itself applicable and considered (walked from the roots, so a
    chain of any length is linear)."""
    by_id = {p.id: p for p in applicable}
    bases = {pid: direct_bases(p, all_provisions) for pid, p in by_id.items()}
    children: dict[str, list[str]] = {}
    for pid, bs in bases.items():
        for b in bs:
            children.setdefault(b, []).append(pid)
    ok = [pid for pid, bs in bases.items() if not bs]
    seen = set(ok)
    i = 0
    while i < len(ok):
        for child in children.get(ok[i], ()):
            if child not in seen:
                seen.add(child)
                ok.append(child)
        i += 1
    return [p for p in applicable if p.id in seen]


def resolve(
    output: str, applicable: list[Provision], all_provisions: Mapping[str, Provision]
) -> Resolution | None:
    """Resolve one output from the provisions that apply; None if nothing applies."""
    applicable = sorted(applicable, key=lambda p: p.id)  # results never follow file order
    kept = considered(applicable, all_provisions)
    kept_ids = {p.id for p in kept}
    ignored = tuple(p for p in applicable if p.id not in kept_ids)
    beaten = set(_ancestors([direct_bases(p, all_provisions) for p in kept], all_provisions))
    winners = [p for p in kept if p.id not in beaten]
    overridden = tuple(p for p in kept if p.id in beaten)
    if not winners:
        return None
    first = winners[0]
    for other in winners[1:]:
        if other.then.value != first.then.value:
            raise RuleConflictError(
                f"conflict on {output!r}: {first.id} ({first.citation}) and "
                f"{other.id} ({other.citation}) both apply, disagree, and neither is an "
                "exception to the other"
            )
    return Resolution(output, first.then.value, tuple(winners), overridden, ignored)
