"""Check phases that evaluate: overlaps and never-applies over each regime's fact space
(`space`), and the tier of every shipped country on every epoch of every regime and
scenario. Both run the engine's own staged evaluator with the oracle back end."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import LoadError, RuleConflictError, TierscopeError
from ..evaluate import Applies, oracle_backend, run_stages
from ..facts import input_facts
from ..loader import RuleBase
from ..models.condition import FactTest, walk
from ..models.country import Country
from ..models.parameter import Parameter, Unit
from ..models.provision import Provision
from ..models.regime import Regime
from ..precedence import exception_bases
from ..references import parameter_uses
from ..vocabulary import FACTS, REQUIRED_OUTPUTS
from .common import facts_read, key_line, out_of_force
from .space import RegimeSpace


class Assignments:
    """Mixin of `Checker` (its state is declared there)."""

    # ---------------------------------------------------------------- regime analysis (4, 5)

    def _analysable(self, regime: Regime, where: Path) -> tuple[tuple[str, ...], ...] | None:
        """The stage plan of a regime, or None (with a finding or a note) if it cannot be analysed."""
        rid = regime.id
        if self.regime_src[rid].broken:
            self.notes.append(
                f"regime {rid}: overlap, never-applies and tier checks skipped until its load errors are fixed"
            )
            return None
        dangling = [
            p.id
            for p in regime.provisions
            for pid, role in parameter_uses(p)
            if role == "in_param"
            and (pid not in self.params or self.params[pid].unit is not Unit.countries)
        ]
        if dangling:
            self.notes.append(
                f"regime {rid}: overlap, never-applies and tier checks skipped: "
                f"{', '.join(sorted(set(dangling)))} name(s) missing country-list parameters"
            )
            return None
        return self._stages(regime, where)

    def _stages(self, regime: Regime, where: Path) -> tuple[tuple[str, ...], ...] | None:
        from ..compile import plan_stages

        defined = {p.then.output for p in regime.provisions}
        ok = True
        for p in regime.provisions:
            for f in sorted(facts_read(p.when)):
                if FACTS[f].origin == "output" and f not in defined:
                    info = self.provs.get(p.id)
                    self.add(
                        info.path if info else where, info.line if info else None, "error",
                        "undefined-output",
                        f"{p.id} reads {f!r}, which no provision of regime {regime.id} defines",
                    )  # fmt: skip
                    if info:
                        self.flagged.add(p.id)
                    ok = False
        if not ok:
            return None
        try:
            return plan_stages(list(regime.provisions), f"regime {regime.id}")
        except LoadError as err:
            self.add(where, None, "error", "output-cycle", err.detail)
            return None

    def _analyse_regimes(self) -> None:
        reported: set[frozenset[str]] = set()
        # regimes without includes first, so a shared pair is reported where it is defined
        order = sorted(self.regimes, key=lambda r: (len(self.regimes[r].header.includes), r))
        for rid in order:
            regime = self.regimes[rid]
            src = self.regime_src[rid]
            stages = self._analysable(regime, src.header_path)
            if stages is None:
                continue
            self.analysable.add(rid)
            RegimeSpace(self, regime, stages, reported).run()
        tainted = self._tainted_outputs()
        all_provs = {i: v.prov for i, v in self.provs.items()}
        for pid, info in self.provs.items():
            if pid in self.flagged or pid not in self.analysed or pid in self.sampled:
                continue
            p = info.prov
            if facts_read(p.when) & tainted or any(
                b in self.flagged for b in exception_bases(p, all_provs)
            ):
                continue  # it depends on a provision with an error: fix that one first
            if self._reads_empty_list(p):
                continue  # a list published empty (e.g. Supp. No. 5(b)) waits for a scenario
            if pid not in self.holds_in:
                self.add(
                    info.path, info.line, "warning", "never-applies",
                    f"{p.id} can never apply: its condition holds for no facts during "
                    f"[{p.valid.start}, {p.valid.until or 'open'})",
                )  # fmt: skip
            elif pid not in self.considered_in:
                base = ", ".join(p.bases)
                self.add(
                    info.path, info.line, "warning", "never-applies",
                    f"{p.id} can never apply: its condition holds only where its base {base} "
                    "does not apply (an exception is only considered where its base applies)",
                )  # fmt: skip

    def _reads_empty_list(self, p: Provision) -> bool:
        """Whether `p` tests membership of a country list that is empty on some date."""
        return any(
            isinstance(n, FactTest)
            and n.op == "in_param"
            and n.operand in self.params
            and any(dv.value == [] for dv in self.params[n.operand].values.values())
            for n in walk(p.when)
        )

    def _tainted_outputs(self) -> set[str]:
        """Outputs that depend on a provision with an error (no never-applies cascades)."""
        tainted = {self.provs[p].prov.then.output for p in self.flagged if p in self.provs}
        changed = True
        while changed:
            changed = False
            for info in self.provs.values():
                out = info.prov.then.output
                if out not in tainted and facts_read(info.prov.when) & tainted:
                    tainted.add(out)
                    changed = True
        return tainted

    # ---------------------------------------------------------------- tier assignments (6)

    def _check_assignments(self) -> None:
        from ..scenario import build_world

        seen: set[tuple[str, str, str, str]] = set()
        gaps_seen: set[tuple[str, str, tuple[dt.date, str]]] = set()
        for rid in sorted(self.analysable):
            src = self.regime_src[rid]
            regime = self.regimes[rid]
            stages = self._stages(regime, src.header_path)
            if stages is not None:
                self._assign(
                    f"regime {rid}", regime, stages, self.params, self.countries,
                    src.header_path, key_line(src.header_data, "id"), seen,
                )  # fmt: skip
        rb = RuleBase(
            parameters=dict(self.params),
            regimes=dict(self.regimes),
            scenarios={sid: s.scen for sid, s in self.scenarios.items()},
            countries=self.countries,
        )
        for sid, ssrc in sorted(self.scenarios.items()):
            if sid in self.broken_scenarios:
                continue
            line = key_line(ssrc.data, "id")
            regimes_used = self._scenario_regimes(sid)
            if any(r not in self.analysable for r in regimes_used):
                self.notes.append(
                    f"scenario {sid}: tier checks skipped (its regimes did not load cleanly)"
                )
                continue
            try:
                world = build_world(rb, sid)
            except TierscopeError as exc:
                self.add(ssrc.path, line, "error", "bad-scenario", f"scenario {sid}: {exc.message}")
                continue
            except (ValidationError, ValueError, KeyError) as exc:
                self.add(
                    ssrc.path, line, "error", "bad-scenario",
                    f"scenario {sid} cannot be applied: {type(exc).__name__}: {exc}",
                )  # fmt: skip
                continue
            # parameters the scenario repeals or moves
            for p in world.regime.provisions:
                for pid, role in parameter_uses(p):
                    param = world.parameters.get(pid)
                    if param is None or param is self.params.get(pid):
                        continue
                    gap = out_of_force(param, p.valid.start, p.valid.until)
                    base = self.params.get(pid)
                    if base is not None and gap == out_of_force(base, p.valid.start, p.valid.until):
                        continue  # reported for the provision itself
                    if gap is not None and (p.id, pid, gap) not in gaps_seen:
                        gaps_seen.add((p.id, pid, gap))
                        self.add(
                            ssrc.path, key_line(ssrc.data, "parameters", pid) or line, "error",
                            "param-not-in-force",
                            f"scenario {sid}: {p.id} uses parameter {pid} ({role}), which the "
                            f"scenario leaves {gap[1]}",
                        )  # fmt: skip
            stages = self._stages(world.regime, ssrc.path)
            if stages is not None:
                self._assign(
                    f"scenario {sid}", world.regime, stages, world.parameters, world.countries,
                    ssrc.path, line, seen,
                )  # fmt: skip

    def _scenario_regimes(self, sid: str) -> set[str]:
        out: set[str] = set()
        cur: str | None = sid
        guard = 0
        while cur is not None and guard < 100:
            guard += 1
            if cur in self.regime_src:
                out.add(cur)
                break
            scen = self.scenarios[cur].scen
            if scen.regimes is not None:
                out.update(w.regime for w in scen.regimes)
                break
            cur = scen.base
        return out

    def _assign(
        self,
        world: str,
        regime: Regime,
        stages: tuple[tuple[str, ...], ...],
        params: Mapping[str, Parameter],
        countries: Mapping[str, Country],
        path: Path,
        line: int | None,
        seen: set[tuple[str, str, str, str]],
    ) -> None:
        """Evaluate every country on every epoch with the oracle; report gaps and conflicts."""
        provs = list(regime.provisions)
        if not provs:
            return
        by_id = {p.id: p for p in provs}
        literals: set[str] = set()
        days: set[dt.date] = set()
        for p in provs:
            days.add(p.valid.start)
            if p.valid.until:
                days.add(p.valid.until)
            for node in walk(p.when):
                if isinstance(node, FactTest) and FACTS[node.fact].kind == "code":
                    if node.op == "equals":
                        literals.add(node.operand)
                    elif node.op == "in":
                        literals.update(node.operand)
            for pid, _ in parameter_uses(p):
                param = params.get(pid)
                if param is None:
                    continue
                days.update(param.dates)
                for dv in param.values.values():
                    if isinstance(dv.value, list):
                        literals.update(dv.value)
        for c in countries.values():
            days.update(ch.date for ch in c.changes)
            days.update(f.start for items in c.facts.values() for f in items)
        first = min(p.valid.start for p in provs)
        # country lists the conditions read: with the provisions in force, all that the
        # date changes in an evaluation (`oracle.holds`, `run_stages`)
        listed = sorted(
            {
                n.operand
                for p in provs
                for n in walk(p.when)
                if isinstance(n, FactTest) and n.op == "in_param"
            }
        )
        issues: dict[tuple[str, str, str], list[tuple[str, dt.date]]] = defaultdict(list)
        # one memo for all days: keyed by the epoch (provisions in force, list values) and
        # the inputs, so a day that only moves some country's facts re-evaluates nothing else
        memo: dict[Any, list[tuple[str, str, str]]] = {}
        for day in sorted(d for d in days if d >= first):
            in_force = [p for p in provs if p.valid.contains(day)]
            if not in_force:
                continue
            epoch = (
                tuple(p.id for p in in_force),
                tuple(
                    (pid, repr(params[pid].value_at(day)) if pid in params else None)
                    for pid in listed
                ),
            )
            defined: set[str] | None = None
            applies: Applies | None = None
            for code in sorted(countries):
                inputs = input_facts(countries[code], day)
                key = epoch, tuple(
                    (k, "*" if FACTS[k].kind == "code" and v not in literals else v)
                    for k, v in sorted(inputs.items())
                )
                if key not in memo:
                    if applies is None or defined is None:  # once per day, when needed
                        defined = {p.then.output for p in in_force}
                        applies = oracle_backend(in_force, stages, params, day, {})
                    memo[key] = self._evaluate(inputs, applies, stages, by_id, defined)
                for kind, out, detail in memo[key]:
                    issues[(kind, out, detail)].append((code, day))
        for (kind, out, detail), hits in issues.items():
            firsts: dict[str, dt.date] = {}
            for code, day in hits:
                firsts.setdefault(code, day)
            new = {c: d for c, d in firsts.items() if (kind, out, detail, c) not in seen}
            seen.update((kind, out, detail, c) for c in firsts)
            if not new:
                continue
            codes = sorted(new, key=lambda c: (new[c], c))
            head = codes[0]
            more = ""
            if len(codes) > 1:
                shown = ", ".join(codes[1:11]) + (", ..." if len(codes) > 11 else "")
                more = f" (and {len(codes) - 1} more: {shown})"
            code = ("tier-" if out == "tier" else "output-") + (
                "gap" if kind == "gap" else "overlap"
            )
            if kind == "gap":
                msg = f"{world}: no provision defines {out} for {head} on {new[head]}{more}: the rules leave a gap"
            else:
                msg = f"{world}: {head} on {new[head]}{more}: {detail}"
            self.add(path, line, "error", code, msg)

    @staticmethod
    def _evaluate(
        inputs: dict[str, Any],
        applies: Applies,
        stages: tuple[tuple[str, ...], ...],
        by_id: Mapping[str, Provision],
        defined: set[str],
    ) -> list[tuple[str, str, str]]:
        """One evaluation by the engine's own stage loop, with the oracle back end."""
        try:
            derived = run_stages(stages, by_id, inputs, applies)
        except RuleConflictError as exc:
            out = exc.message.split("'")[1] if "'" in exc.message else ""
            return [("overlap", out, exc.message)]  # the engine stops at a conflict
        return [
            ("gap", out, "")
            for out in REQUIRED_OUTPUTS
            if out in defined and out not in derived.resolutions
        ]
