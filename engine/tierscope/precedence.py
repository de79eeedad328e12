"""Default logic (as in Catala): which applicable provision defines an output.

- An exception is considered only where its base applies (transitively).
- Among the considered provisions, one that is overridden by another considered
  provision (directly or through a chain of exceptions) drops out.
- The remaining provisions must agree; two that disagree are a conflict naming both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from .errors import RuleConflictError
from .graphs import follow
from .models.provision import Provision


@dataclass(frozen=True)
class Resolution:
    output: str
    value: object
    winners: tuple[Provision, ...]  # agreeing provisions that define the value
    overridden: tuple[Provision, ...]  # applicable but beaten by an exception
    ignored: tuple[Provision, ...]  # exceptions whose base did not apply


def exception_bases(p: Provision, all_provisions: Mapping[str, Provision]) -> list[str]:
    """The provisions `p` is an exception to, nearest first (a cycle stops the walk)."""
    steps = {pid: q.exception_to for pid, q in all_provisions.items()}
    steps[p.id] = p.exception_to
    return follow(p.id, steps)


def resolve(
    output: str, applicable: list[Provision], all_provisions: Mapping[str, Provision]
) -> Resolution | None:
    """Resolve one output from the provisions that apply; None if nothing applies."""
    applicable = sorted(applicable, key=lambda p: p.id)  # results never follow file order
    ids = {p.id for p in applicable}
    considered = [
        p for p in applicable if all(b in ids for b in exception_bases(p, all_provisions))
    ]
    ignored = tuple(p for p in applicable if p not in considered)
    beaten = {b for p in considered for b in exception_bases(p, all_provisions)}
    winners = [p for p in considered if p.id not in beaten]
    overridden = tuple(p for p in considered if p.id in beaten)
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
