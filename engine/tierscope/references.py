"""What the provisions of one world refer to: exceptions, labels and parameters.

The engine (before compiling a world) and `tierscope check` (for every regime and
scenario) run these same checks, in the loader's two modes, so a folder that `check`
passes is one the engine runs, and an error names the same file:line in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from .findings import Problems
from .graphs import chain_text, find_cycles
from .models.condition import FactTest, walk
from .models.parameter import Parameter, Unit
from .models.provision import Provision
from .validation import did_you_mean
from .yamlio import LineDict, LineList

# Parameters every query reads, whatever the provisions say (see tierscope.quantify).
REQUIRED_PARAMETERS = {"units.h100_tpp": (Unit.tpp,), "assumptions.window_years": (Unit.count,)}

# role -> (the key that names the parameter, the units it accepts)
ROLES: dict[str, tuple[str, tuple[Unit, ...]]] = {
    "in_param": ("in_param", (Unit.countries,)),
    "ceiling": ("param", (Unit.tpp,)),
    "times": ("times", (Unit.multiplier, Unit.count)),
    "up_to_increase": ("up_to_increase", (Unit.percent,)),
    "order_tpp_gte": ("order_tpp_gte", (Unit.tpp,)),
    "share_limits": ("share_limits", (Unit.percent,)),
    "reach.times": ("times", (Unit.count, Unit.multiplier)),
    "fleet_share_of": ("fleet_share_of", (Unit.count,)),
}


def parameter_uses(p: Provision) -> list[tuple[str, str]]:
    """(parameter id, role) for every parameter a provision names."""
    uses = [
        (n.operand, "in_param")
        for n in walk(p.when)
        if isinstance(n, FactTest) and n.op == "in_param"
    ]
    pw = p.then.pathway
    if pw is not None:
        if not isinstance(pw.ceiling, str):
            uses.append((pw.ceiling.param, "ceiling"))
            if pw.ceiling.times is not None:
                uses.append((pw.ceiling.times, "times"))
            if pw.ceiling.up_to_increase is not None:
                uses.append((pw.ceiling.up_to_increase, "up_to_increase"))
        uses.extend((s, "share_limits") for s in pw.share_limits)
        if pw.routing is not None:
            uses.extend(
                (o.order_tpp_gte, "order_tpp_gte")
                for o in pw.routing.obligations
                if o.order_tpp_gte is not None
            )
        if pw.reach is not None:
            uses.extend((t, "reach.times") for t in pw.reach.times or [])
            if pw.reach.fleet_share_of is not None:
                uses.append((pw.reach.fleet_share_of, "fleet_share_of"))
    return uses


def where(p: Provision) -> tuple[str, int | None]:
    """(path, line) of a provision, or its id when it was built in code."""
    if p.origin:
        path, _, line = p.origin.rpartition(":")
        return path, int(line)
    return p.id, None


def line_of_value(p: Provision, key: str, value: object) -> int | None:
    """The line of `key: value` (or of `value` in a list under `key`) in the provision."""
    found = _find_line(p.raw, key, value)
    return found or where(p)[1]


def _find_line(node: object, key: str, value: object) -> int | None:
    stack = [node]
    while stack:
        cur = stack.pop(0)
        if isinstance(cur, LineDict):
            for k, v in cur.items():
                if k == key:
                    if v == value:
                        return cur.key_lines.get(k)
                    if isinstance(v, LineList) and value in v:
                        return v.item_lines[v.index(value)]
                stack.append(v)
        elif isinstance(cur, LineList):
            stack.extend(cur)
    return None


def key_line(p: Provision, key: str) -> int | None:
    raw = p.raw
    if isinstance(raw, LineDict) and key in raw:
        return raw.key_lines.get(key)
    return where(p)[1]


def check_parameters(
    provisions: Iterable[Provision],
    params: Mapping[str, Parameter],
    problems: Problems,
    failed: Iterable[str] = (),
) -> set[str]:
    """Every parameter a provision names exists and has a unit its role accepts; a
    pathway counted as a share of a fleet has a share limit. Returns the provisions with
    a problem. `failed`: parameter files that exist but did not load (reported there)."""
    failed = set(failed)
    bad: set[str] = set()
    known = list(params)
    for p in provisions:
        path, _ = where(p)
        for pid, role in parameter_uses(p):
            key, units = ROLES[role]
            if pid in failed:
                bad.add(p.id)
                continue
            if pid not in params:
                problems.add(
                    path, line_of_value(p, key, pid), "dangling-param",
                    f"{p.id}: {role} names unknown parameter {pid!r}" + did_you_mean(pid, known),
                )  # fmt: skip
                bad.add(p.id)
                continue
            param = params[pid]
            if param.unit not in units:
                problems.add(
                    path, line_of_value(p, key, pid), "param-kind",
                    f"{p.id}: {role} needs a parameter in {' or '.join(u.value for u in units)}, "
                    f"but {pid} is in {param.unit.value}",
                )  # fmt: skip
                bad.add(p.id)
        pw = p.then.pathway
        if (
            pw is not None
            and pw.reach is not None
            and pw.reach.fleet_share_of
            and not pw.share_limits
        ):
            problems.add(
                path, line_of_value(p, "fleet_share_of", pw.reach.fleet_share_of), "invalid",
                f"{p.id}: reach.fleet_share_of counts a share of a fleet, so the pathway needs "
                "share_limits (the percent parameter that gives the share)",
            )  # fmt: skip
            bad.add(p.id)
    return bad


def check_required(
    params: Mapping[str, Parameter], rules_dir: Path | str, problems: Problems
) -> None:
    """The parameters every query reads exist, in the right unit."""
    for pid, units in REQUIRED_PARAMETERS.items():
        expected = Path(rules_dir) / "parameters" / (pid.replace(".", "/") + ".yaml")
        if pid not in params:
            problems.add(
                expected, None, "dangling-param",
                f"parameter {pid} is missing: every query reads it (see rules/README.md, \"Parameters\")",
            )  # fmt: skip
        elif params[pid].unit not in units:
            problems.add(
                expected, None, "param-kind",
                f"parameter {pid} must be in {' or '.join(u.value for u in units)}",
            )  # fmt: skip


def check_exceptions(
    provisions: Iterable[Provision], problems: Problems, known: Iterable[str] = ()
) -> set[str]:
    """Every name in `exception_to` is a provision of the same world or a label there,
    each base defines the same output, and exceptions form no cycle. `known`: ids of
    provisions outside this world, for a "did you mean". Returns the provisions with a
    problem."""
    provs = list(provisions)
    by_id = {p.id: p for p in provs}
    labels: dict[str, list[Provision]] = {}
    for p in provs:
        if p.label is not None:
            labels.setdefault(p.label, []).append(p)
    bad: set[str] = set()
    for name, members in labels.items():
        if name in by_id:
            path, line = where(members[0])
            problems.add(
                path, key_line(members[0], "label"), "duplicate-id",
                f"label {name!r} is also a provision id; name the label differently",
            )  # fmt: skip
            bad.update(p.id for p in members)
        outputs = {p.then.output for p in members}
        if len(outputs) > 1:
            path, _ = where(members[-1])
            problems.add(
                path, key_line(members[-1], "label"), "exception-output",
                f"label {name!r} is carried by provisions of different outputs "
                f"({', '.join(sorted(outputs))}); a label names definitions of one output",
            )  # fmt: skip
            bad.update(p.id for p in members)
    for p in provs:
        path, _ = where(p)
        line = key_line(p, "exception_to")
        for target in p.bases:
            bases = [by_id[target]] if target in by_id else labels.get(target, [])
            if not bases:
                problems.add(
                    path, line, "dangling-rule",
                    f"{p.id} is an exception to {target!r}, which is neither a provision nor "
                    "a label here" + did_you_mean(target, [*by_id, *labels, *known]),
                )  # fmt: skip
                bad.add(p.id)
                continue
            for base in bases:
                if base.then.output != p.then.output:
                    bpath, bline = where(base)
                    problems.add(
                        path, line, "exception-output",
                        f"{p.id} defines {p.then.output} but is an exception to {base.id}, "
                        f"which defines {base.then.output} ({bpath}:{bline}): an exception "
                        "must define the same output as its base",
                    )  # fmt: skip
                    bad.add(p.id)

    def edges(pid: str) -> list[str]:
        out = []
        for name in by_id[pid].bases:
            out.extend([name] if name in by_id else [q.id for q in labels.get(name, [])])
        return [b for b in out if b in by_id]

    for cycle in find_cycles(by_id, edges):
        first = by_id[cycle[0]]
        path, _ = where(first)
        problems.add(
            path, key_line(first, "exception_to"), "exception-cycle",
            f"exceptions form a cycle: {chain_text(cycle)}",
        )  # fmt: skip
        bad.update(cycle)
    return bad


def check_world(
    provisions: Iterable[Provision], params: Mapping[str, Parameter], problems: Problems
) -> set[str]:
    """All reference checks of one world (what the engine runs before compiling it)."""
    provs = list(provisions)
    return check_exceptions(provs, problems) | check_parameters(provs, params, problems)
