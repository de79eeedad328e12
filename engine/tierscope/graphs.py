"""The one cycle finder: exceptions, labels, includes, scenario bases and stage plans
all ask it, so a cycle is found, ordered and worded the same way everywhere."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from typing import TypeVar

N = TypeVar("N", bound=Hashable)


def find_cycles(nodes: Iterable[N], edges: Callable[[N], Iterable[N]]) -> list[list[N]]:
    """Cycles found by depth-first search along `edges` (at least one in every part of
    the graph that has one), each once, as a list of nodes starting at its smallest
    (`[a, b]` means a -> b -> a). Iterative (no recursion limit) and linear in nodes and
    edges, so a chain of thousands of provisions or scenarios is cheap."""
    found: dict[frozenset[N], list[N]] = {}
    done: set[N] = set()
    for start in sorted(nodes, key=str):
        if start in done:
            continue
        path: list[N] = []
        on_path: dict[N, int] = {}
        stack: list[tuple[N, Iterable[N]]] = [(start, iter(edges(start)))]
        path.append(start)
        on_path[start] = 0
        while stack:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                path.pop()
                on_path.pop(node, None)
                done.add(node)
                continue
            if nxt in on_path:
                cycle = path[on_path[nxt] :]
                key = frozenset(cycle)
                if key not in found:
                    i = min(range(len(cycle)), key=lambda k: str(cycle[k]))
                    found[key] = cycle[i:] + cycle[:i]
                continue
            if nxt in done:
                continue
            on_path[nxt] = len(path)
            path.append(nxt)
            stack.append((nxt, iter(edges(nxt))))
    return sorted(found.values(), key=lambda c: [str(n) for n in c])


def chain_text(cycle: list[N]) -> str:
    """`a -> b -> a`."""
    return " -> ".join(str(n) for n in [*cycle, cycle[0]])


def graph_order(deps: Mapping[N, Iterable[N]]) -> list[N]:
    """The nodes of an acyclic graph, each after all of its dependencies (iterative)."""
    order: list[N] = []
    done: set[N] = set()
    for start in sorted(deps, key=str):
        stack: list[tuple[N, bool]] = [(start, False)]
        while stack:
            node, expanded = stack.pop()
            if node in done:
                continue
            if expanded:
                done.add(node)
                order.append(node)
                continue
            stack.append((node, True))
            stack.extend((d, False) for d in sorted(deps.get(node, ()), key=str) if d not in done)
    return order
