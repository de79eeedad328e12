"""Check phases about what files refer to: parameters, includes, exceptions, scenarios,
chips and countries. The reference checks the engine runs itself (`tierscope.references`)
are called here in the loader's collect-all mode, so their findings read exactly like
the errors a query would stop at."""

from __future__ import annotations

from ..errors import LoadError
from ..graphs import chain_text, find_cycles
from ..loader import clip, resolve_includes
from ..models.common import Reference
from ..models.parameter import Unit
from ..models.regime import Regime, RegimeHeader, RegimeWindow
from ..references import (
    REQUIRED_PARAMETERS,
    ROLES,
    check_exceptions,
    check_parameters,
    check_required,
    line_of_value,
    parameter_uses,
)
from ..validation import did_you_mean
from ..yamlio import LineDict, LineList
from .common import blankish, find_line, key_line, out_of_force


class References:
    """Mixin of `Checker` (its state is declared there)."""

    def _param_hint(self, pid: str) -> str:
        return did_you_mean(pid, self.params)

    def _load_error(self, err: LoadError) -> None:
        self.add(err.path, err.line, "error", "invalid", err.detail)

    def _check_parameters(self) -> None:
        for pid, param in sorted(self.params.items()):
            path, data = self.param_src[pid]
            values_node = data.get("values") if isinstance(data, LineDict) else None
            is_list = param.unit is Unit.countries
            for day, dv in param.values.items():
                node = values_node.get(day) if isinstance(values_node, LineDict) else None
                line = key_line(values_node, day) if node is not None else None
                value_line = key_line(node, "value") or line
                if dv.value is not None and isinstance(dv.value, list) != is_list:
                    want = "a list of country codes" if is_list else "an integer"
                    self.add(
                        path, value_line, "error", "param-kind",
                        f"{pid} on {day}: unit {param.unit.value} needs {want}, got {dv.value!r}",
                    )  # fmt: skip
                if isinstance(dv.value, list):
                    items = node.get("value") if isinstance(node, LineDict) else None
                    for j, code in enumerate(dv.value):
                        if code in self.country_files:
                            continue
                        item_line = (
                            items.item_lines[j] if isinstance(items, LineList) else value_line
                        )
                        self.add(
                            path, item_line, "error", "unknown-country",
                            f"{pid} on {day}: {code!r} has no country file in {self.countries_dir}",
                        )  # fmt: skip
                for k, ref in enumerate(dv.references):
                    if blankish(ref.title):
                        self.add(
                            path, key_line(node, "references", k) or line, "error", "missing-citation",
                            f"{pid} on {day}: reference {ref.title!r} is not a citation",
                        )  # fmt: skip

    def _check_provisions(self) -> None:
        for info in self.provs.values():
            p = info.prov
            if blankish(p.citation):
                self.add(
                    info.path, key_line(info.raw, "citation") or info.line, "error",
                    "missing-citation", f"{p.id}: citation {p.citation!r} is not a citation",
                )  # fmt: skip
                self.flagged.add(p.id)
            for k, ref in enumerate(p.references):
                if blankish(ref.title):
                    self.add(
                        info.path, key_line(info.raw, "references", k) or info.line, "warning",
                        "missing-citation", f"{p.id}: reference {ref.title!r} is not a citation",
                    )  # fmt: skip
        provs = [i.prov for i in self.provs.values()]
        self.flagged |= check_parameters(provs, self.params, self.problems, self.param_failed)
        for info in self.provs.values():
            p = info.prov
            if p.id in self.flagged:
                continue
            for pid, role in parameter_uses(p):
                gap = out_of_force(self.params[pid], p.valid.start, p.valid.until)
                if gap is not None:
                    self.add(
                        info.path, line_of_value(p, ROLES[role][0], pid), "error",
                        "param-not-in-force",
                        f"{p.id} (valid from {p.valid.start}"
                        + (f" until {p.valid.until}" if p.valid.until else "")
                        + f") uses parameter {pid} ({role}), which is {gap[1]} "
                        f"({self.param_src[pid][0]})",
                    )  # fmt: skip
        if self.provs:  # every query reads these whatever the provisions say
            check_required(self.params, self.rules, self.problems)
            first = min(i.prov.valid.start for i in self.provs.values())
            for pid in REQUIRED_PARAMETERS:
                gap = out_of_force(self.params[pid], first, None) if pid in self.params else None
                if gap is not None:
                    self.add(
                        self.param_src[pid][0], None, "error", "param-not-in-force",
                        f"{pid}, read by every query, is {gap[1]}, but provisions apply from {first}",
                    )  # fmt: skip

    def _resolve_regimes(self) -> None:
        headers: dict[str, RegimeHeader] = {}
        for rid, src in self.regime_src.items():
            if src.header is not None:
                headers[rid] = src.header
        graph: dict[str, list[str]] = {}
        for rid, header in headers.items():
            src = self.regime_src[rid]
            keep: list[RegimeWindow] = []
            for k, inc in enumerate(header.includes):
                line = key_line(src.header_data, "includes", k)
                if inc.regime not in self.regime_src:
                    self.add(
                        src.header_path, line, "error", "dangling-rule",
                        f"regime {rid} includes unknown regime {inc.regime!r}",
                    )  # fmt: skip
                    src.broken = True
                    continue
                if inc.start and inc.until and inc.until <= inc.start:
                    self.add(
                        src.header_path, line, "error", "bad-date",
                        f"include of {inc.regime}: 'until' ({inc.until}) must be after 'from' ({inc.start})",
                    )  # fmt: skip
                    continue
                if inc.regime not in headers:
                    src.broken = True  # included regime itself is broken
                    continue
                keep.append(inc)
            graph[rid] = [i.regime for i in keep]
            headers[rid] = header.model_copy(update={"includes": keep})
        # include cycles: report each once, drop the edge that closes it
        for cycle in find_cycles(graph, lambda r: list(graph.get(r, []))):
            last, first = cycle[-1], cycle[0]
            src = self.regime_src[last]
            k = next(i for i, inc in enumerate(src.header.includes) if inc.regime == first)  # type: ignore[union-attr]
            self.add(
                src.header_path, key_line(src.header_data, "includes", k), "error",
                "include-cycle", f"regimes include each other in a cycle: {chain_text(cycle)}",
            )  # fmt: skip
            graph[last].remove(first)
            headers[last] = headers[last].model_copy(
                update={"includes": [i for i in headers[last].includes if i.regime != first]}
            )
            for r in cycle:
                self.regime_src[r].broken = True
        regimes = {
            rid: Regime(header=headers[rid], provisions=tuple(self.regime_src[rid].provisions))
            for rid in headers
        }
        try:
            self.regimes = resolve_includes(regimes, self.rules)
        except LoadError as err:  # pragma: no cover - cycles were removed above
            self._load_error(err)
            return
        # a broken included regime makes the including one incomplete too
        changed = True
        while changed:
            changed = False
            for rid, header in headers.items():
                if not self.regime_src[rid].broken and any(
                    self.regime_src[i.regime].broken for i in header.includes
                ):
                    self.regime_src[rid].broken = changed = True
        # an include whose window keeps none of the included provisions adds nothing
        for rid, header in headers.items():
            src = self.regime_src[rid]
            for inc in header.includes:
                included = self.regimes.get(inc.regime)
                if included is None or not included.provisions:
                    continue
                if all(clip(p, inc.start, inc.until) is None for p in included.provisions):
                    k = next(i for i, x in enumerate(src.header.includes) if x.regime == inc.regime)  # type: ignore[union-attr]
                    self.add(
                        src.header_path, key_line(src.header_data, "includes", k), "warning",
                        "never-applies",
                        f"regime {rid} includes {inc.regime} over [{inc.start or 'start'}, "
                        f"{inc.until or 'open'}), when none of its provisions is in force: "
                        "the include adds nothing",
                    )  # fmt: skip

    def _check_exceptions(self) -> None:
        """The engine's own exception checks, on every regime (includes resolved)."""
        for regime in self.regimes.values():
            self.flagged |= check_exceptions(regime.provisions, self.problems, self.provs)

    def _check_scenarios(self) -> None:
        known = set(self.regime_src) | set(self.scenarios)
        for sid, src in sorted(self.scenarios.items()):
            scen, path, data = src.scen, src.path, src.data
            bad = False
            if scen.base is not None and scen.base not in known:
                self.add(
                    path, key_line(data, "base"), "error", "dangling-rule",
                    f"scenario {sid}: base {scen.base!r} is neither a regime nor a scenario",
                )  # fmt: skip
                bad = True
            for k, w in enumerate(scen.regimes or []):
                line = key_line(data, "regimes", k)
                if w.regime not in self.regime_src:
                    self.add(
                        path,
                        line,
                        "error",
                        "dangling-rule",
                        f"scenario {sid}: unknown regime {w.regime!r}",
                    )
                    bad = True
                if w.start and w.until and w.until <= w.start:
                    self.add(
                        path, line, "error", "bad-date",
                        f"scenario {sid}: {w.regime} 'until' ({w.until}) must be after 'from' ({w.start})",
                    )  # fmt: skip
                    bad = True
            for pid, ov in scen.parameters.items():
                line = key_line(data, "parameters", pid)
                param = self.params.get(pid)
                if param is None and pid in self.param_failed:
                    bad = True  # its file did not load: reported there
                    continue
                if param is None:
                    self.add(
                        path, line, "error", "dangling-param",
                        f"scenario {sid} overrides unknown parameter {pid!r}" + self._param_hint(pid),
                    )  # fmt: skip
                    bad = True
                    continue
                is_list = param.unit is Unit.countries
                for d, dv in (ov.values or {}).items():
                    if dv.value is not None and isinstance(dv.value, list) != is_list:
                        want = "a list of country codes" if is_list else "an integer"
                        self.add(
                            path, key_line(data, "parameters", pid, "values", d) or line,
                            "error", "param-kind", f"scenario {sid}: {pid} on {d} needs {want}",
                        )  # fmt: skip
                        bad = True
                    for code in dv.value if isinstance(dv.value, list) else []:
                        if code not in self.country_files:
                            self.add(
                                path,
                                line,
                                "error",
                                "unknown-country",
                                f"scenario {sid}: {pid} lists {code!r}, which has no country file",
                            )
                            bad = True
                    for ref in dv.references:
                        if blankish(ref.title):
                            self.add(
                                path,
                                line,
                                "error",
                                "missing-citation",
                                f"scenario {sid}: {pid} on {d}: reference {ref.title!r} is not a citation",
                            )
                if ov.scale is not None and is_list:
                    self.add(
                        path,
                        line,
                        "error",
                        "param-kind",
                        f"scenario {sid}: cannot scale the country list {pid}",
                    )
                    bad = True
                if (ov.add is not None or ov.remove is not None) and not is_list:
                    self.add(
                        path,
                        line,
                        "error",
                        "param-kind",
                        f"scenario {sid}: add/remove only apply to country lists, not {pid}",
                    )
                    bad = True
                for key in ("add", "remove"):
                    for code in getattr(ov, key) or []:
                        if code not in self.country_files:
                            self.add(
                                path, find_line(data, key, code) or line, "error", "unknown-country",
                                f"scenario {sid}: {pid} {key} {code!r}, which has no country file",
                            )  # fmt: skip
                            bad = True
            for code in scen.countries:
                if code not in self.country_files:
                    self.add(
                        path, key_line(data, "countries", code), "error", "unknown-country",
                        f"scenario {sid}: {code!r} has no country file in {self.countries_dir}",
                    )  # fmt: skip
                    bad = True
            for k, ref in enumerate(scen.references):
                if blankish(ref.title):
                    self.add(
                        path,
                        key_line(data, "references", k),
                        "error",
                        "missing-citation",
                        f"scenario {sid}: reference {ref.title!r} is not a citation",
                    )
            if bad:
                self.broken_scenarios.add(sid)

        # base cycles
        def bases(sid: str) -> list[str]:
            base = self.scenarios[sid].scen.base
            return [base] if base in self.scenarios else []

        for cycle in find_cycles(self.scenarios, bases):
            src = self.scenarios[cycle[0]]
            self.add(
                src.path, key_line(src.data, "base"), "error", "scenario-cycle",
                f"scenarios are based on each other in a cycle: {chain_text(cycle)}",
            )  # fmt: skip
            self.broken_scenarios.update(cycle)
        # a scenario on a broken base is not built
        changed = True
        while changed:
            changed = False
            for sid, src in self.scenarios.items():
                if sid in self.broken_scenarios:
                    continue
                deps = (
                    [src.scen.base] if src.scen.base else [w.regime for w in src.scen.regimes or []]
                )
                if any(d in self.broken_scenarios for d in deps):
                    self.broken_scenarios.add(sid)
                    changed = True

    def _check_chips(self) -> None:
        if not self.chips:
            return
        from ..chips import THRESHOLDS

        missing = [pid for pid in THRESHOLDS.values() if pid not in self.params]
        if missing:
            self.add(
                self.rules / "chips", None, "error", "dangling-param",
                f"chip classification needs parameter(s) {', '.join(missing)}, which do not exist",
            )  # fmt: skip

    def _check_countries(self) -> None:
        for code, c in sorted(self.countries.items()):
            path = self.countries_dir / f"{code}.yaml"
            groups: list[tuple[str, list[Reference]]] = [("groups", c.groups.references)]
            groups += [(f"changes[{ch.date}]", ch.references) for ch in c.changes]
            groups += [
                (f"facts.{name}[{f.start}]", f.references)
                for name, items in c.facts.items()
                for f in items
            ]
            groups += [(f"deals[{d.date}]", d.references) for d in c.deals]
            for where, refs in groups:
                for ref in refs:
                    if blankish(ref.title):
                        self.add(
                            path, None, "error", "missing-citation",
                            f"{code} {where}: reference {ref.title!r} is not a citation",
                        )  # fmt: skip
