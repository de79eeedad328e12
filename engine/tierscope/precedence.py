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


_LABELS: dict[int, tuple[Mapping[str, Provision], dict[str, tuple[str, ...]]]] = {}


def _labels(all_provisions: Mapping[str, Provision]) -> dict[str, tuple[str, ...]]:
    """label -> ids of the provisions carrying it (cached per provision map)."""
    hit = _LABELS.get(id(all_provisions))
    if hit is None or hit[0] is not all_provisions:
        index: dict[str, list[str]] = {}
        for pid, q in all_provisions.items():
            if q.label is not None:
                index.setdefault(q.label, []).append(pid)
        if len(_LABELS) > 256:
            _LABELS.clear()
        hit = _LABELS[id(all_provisions)] = (
            all_provisions,
            {k: tuple(v) for k, v in index.items()},
        )
    return hit[1]


def direct_bases(p: Provision, all_provisions: Mapping[str, Provision]) -> list[str]:
    """The ids of the provisions `p` names in `exception_to` (labels expanded)."""
    labels = _labels(all_provisions)
    out: list[str] = []
    for name in p.bases:
        if name in all_provisions:
            out.append(name)
        else:
            out.extend(labels.get(name, ()))
    return [b for b in out if b != p.id]


def exception_bases(p: Provision, all_provisions: Mapping[str, Provision]) -> list[str]:
    """Every provision `p` overrides, directly or through exceptions, nearest first (a
    cycle stops the walk)."""
    seen, order = {p.id}, []
    todo = direct_bases(p, all_provisions)
    while todo:
        b = todo.pop(0)
        if b in seen:
            continue
        seen.add(b)
        order.append(b)
        q = all_provisions.get(b)
        if q is not None:
            todo.extend(direct_bases(q, all_provisions))
    return order


def considered(
    applicable: list[Provision], all_provisions: Mapping[str, Provision]
) -> list[Provision]:
    """The applicable provisions whose bases apply: a provision without bases, or one
    with a base that is itself applicable and considered."""
    ids = {p.id: p for p in applicable}
    memo: dict[str, bool] = {}

    def ok(pid: str, path: frozenset[str]) -> bool:
        if pid in memo:
            return memo[pid]
        bases = direct_bases(ids[pid], all_provisions)
        result = not bases or any(b in ids and b not in path and ok(b, path | {b}) for b in bases)
        memo[pid] = result
        return result

    return [p for p in applicable if ok(p.id, frozenset({p.id}))]


def resolve(
    output: str, applicable: list[Provision], all_provisions: Mapping[str, Provision]
) -> Resolution | None:
    """Resolve one output from the provisions that apply; None if nothing applies."""
    applicable = sorted(applicable, key=lambda p: p.id)  # results never follow file order
    kept = considered(applicable, all_provisions)
    ignored = tuple(p for p in applicable if p not in kept)
    beaten = {b for p in kept for b in exception_bases(p, all_provisions)}
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
