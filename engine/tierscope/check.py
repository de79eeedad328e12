"""`tierscope check`: validate rule, parameter, scenario, chip and country files.

The check reports as many problems as it can in one run. Every file is read and
validated on its own (a broken file never hides the problems of the next one), and
every schema error of a file is reported, not only the first. Semantic checks then run
on whatever loaded:

1. dangling references: parameters named by provisions and scenarios, `exception_to`
   targets (which must define the same output), scenario bases and regimes, included
   regimes, country codes in scenarios and country-list parameters;
2. exception cycles;
3. parameters a provision uses that are not in force (not yet, or repealed) during part
   of the provision's validity window;
4. overlaps: two provisions of one regime that define the same output, are not ordered
   by `exception_to`, disagree, and can both win for some facts: the finite fact space
   is enumerated and a witness is printed;
5. provisions that can never apply over that same space;
6. tier assignments of the shipped countries on every epoch of every regime and
   scenario: a gap (no tier) or an overlap (a conflict);
7. missing or placeholder citations.

The fact space of one regime (checks 4 and 5) is finite: a condition compares a fact
only with the literals and thresholds it names, so each input fact is enumerated over
one representative of each class of values that every test of the regime treats alike
(`country`: each literal or list member, plus one code named nowhere; groups: subsets
of the labels named; integers: around each threshold; booleans), and dates over the
regime's breakpoints. Outputs are not enumerated: they are derived from the inputs by
the regime's own provisions, stage by stage with the precedence rules of the engine, so
a witness is a situation the engine can actually meet (given those country facts). The
only constraint between inputs is the engine's own: without an order, the order's
figures are 0. Conditions are evaluated by `tierscope.oracle.holds`.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import json
import random
import re
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ValidationError

from .errors import LoadError, RuleConflictError, TierscopeError
from .facts import input_facts, output_defaults
from .loader import NON_REGIME_DIRS, RuleBase, clip, load_scenario, resolve_includes
from .models.chip import ChipSpec, DenseTflops, FigureStatus
from .models.common import Reference, Window
from .models.condition import All, Always, AnyOf, FactTest, Not, walk
from .models.country import Country, DatedFact, Deal, GroupChange, GroupSnapshot
from .models.parameter import DatedValue, Parameter, Unit
from .models.provision import ParamRef, Pathway, Provision, ReviewPolicy, Then, Warning_
from .models.regime import KeyDate, Regime, RegimeHeader, RegimeWindow
from .models.scenario import CountryOverride, ParameterOverride, Scenario
from .oracle import holds
from .precedence import exception_bases, resolve
from .vocabulary import FACTS, REQUIRED_OUTPUTS
from .yamlio import LineDict, LineList, line_of, read_yaml

Level = Literal["error", "warning"]

# Above this many points (facts x dates) a regime's fact space is sampled, not enumerated.
MAX_POINTS = 200_000
SAMPLE_POINTS = 20_000
SAMPLE_SEED = 20250113
# Parameters the engine itself reads (not named by any provision).
H100_PARAM = "units.h100_tpp"  # tierscope.quantify.H100_PARAM; every query reads it


# --------------------------------------------------------------------------- findings


@dataclass(frozen=True)
class Finding:
    """One problem, located at `path:line` (line None when no line applies)."""

    path: str
    line: int | None
    level: Level
    code: str
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.level}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


@dataclass
class Report:
    """What `run_check` found. `notes` say what was skipped or sampled (not findings)."""

    findings: list[Finding]
    files: int
    unusable: bool = False
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def errors(self) -> int:
        return sum(f.level == "error" for f in self.findings)

    @property
    def warnings(self) -> int:
        return sum(f.level == "warning" for f in self.findings)

    @property
    def counts(self) -> dict[str, int]:
        return {"errors": self.errors, "warnings": self.warnings, "files": self.files}

    @property
    def exit_code(self) -> int:
        """0 clean, 1 findings (errors or warnings), 2 unusable input."""
        if self.unusable:
            return 2
        return 1 if self.findings else 0

    def summary(self) -> str:
        text = (
            f"{_plural(self.errors, 'error')}, {_plural(self.warnings, 'warning')} "
            f"in {_plural(self.files, 'file')}"
        )
        return text + (" (input unusable)" if self.unusable else "")

    def to_text(self) -> str:
        """One line per finding, then notes (prefixed `note:`), then the summary line."""
        lines = [str(f) for f in self.findings]
        lines += [f"note: {n}" for n in self.notes]
        lines.append(self.summary())
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "counts": self.counts,
            "exit_code": self.exit_code,
            "notes": list(self.notes),
            "summary": self.summary(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)


def run_check(rules_dir: Path, countries_dir: Path) -> Report:
    """Check every rule, parameter, scenario, chip and country file; never raises for bad data."""
    start = time.perf_counter()
    checker = _Checker(Path(rules_dir), Path(countries_dir))
    checker.run()
    if not checker.unusable:  # routes (rules/pathways/) are checked by their own module
        from .routes import route_findings

        files, found = route_findings(Path(rules_dir))
        checker.files += files
        checker.findings.extend(Finding(*f) for f in found)  # type: ignore[arg-type]
    findings = sorted(
        set(checker.findings),
        key=lambda f: (f.path, f.line or 0, f.level, f.code, f.message),
    )
    return Report(
        findings=findings,
        files=checker.files,
        unusable=checker.unusable,
        notes=checker.notes,
        seconds=time.perf_counter() - start,
    )


# --------------------------------------------------------------------------- helpers

_FAILED = object()  # a file that could not be read (a finding was recorded)

_MODELS: tuple[type[BaseModel], ...] = (
    Parameter, DatedValue, Reference, Window, Provision, Then, Pathway, ParamRef,
    ReviewPolicy, Warning_, FactTest, All, AnyOf, Not, Always, RegimeHeader, KeyDate,
    Scenario, ParameterOverride, CountryOverride, RegimeWindow, Country,
    GroupSnapshot, GroupChange, DatedFact, Deal, ChipSpec, DenseTflops, FigureStatus,
)  # fmt: skip
KNOWN_KEYS: frozenset[str] = frozenset(
    (f.alias or name) for m in _MODELS for name, f in m.model_fields.items()
)

_PLACEHOLDERS = frozenset(
    {
        "todo", "tbd", "tba", "fixme", "xxx", "n/a", "na", "none", "null", "nil",
        "citation", "citation needed", "source", "reference", "unknown", "missing",
    }
)  # fmt: skip
_DATE_VALUE = re.compile(r"invalid value '?(\d{4}-\d{1,2}-\d{1,2}[^']*)'?")


def _blankish(text: str | None) -> bool:
    """No usable citation: empty, too short, no letters or digits, or a placeholder."""
    if text is None:
        return True
    s = text.strip()
    return (
        len(s) < 3
        or not re.search(r"[A-Za-z0-9]", s)
        or s.casefold().strip(" .:!?") in _PLACEHOLDERS
    )


_CONDITION_TAGS = frozenset({"all", "any", "not", "always", "fact"})
_CONDITION_HOLDERS = frozenset({"when", "not"})


def _clean_loc(loc: Iterable[Any]) -> tuple[Any, ...]:
    """A pydantic location without model names and condition-union tags: the data's own path."""
    out: list[Any] = []
    prev: Any = None
    for part in loc:
        is_tag = part in _CONDITION_TAGS and (isinstance(prev, int) or prev in _CONDITION_HOLDERS)
        if isinstance(part, str) and (part[:1].isupper() or (is_tag and prev != part)):
            if not part[:1].isupper():
                prev = ("tag", part)  # the field of the same name may follow
            continue
        out.append(part)
        prev = part
    return tuple(out)


def _field_path(loc: Iterable[Any]) -> str:
    """Dotted field name from a pydantic location, as the loader writes it."""
    return ".".join(str(p) for p in _clean_loc(loc))


def _bare_message(err: LoadError) -> str:
    """A LoadError's text without its `path:line: ` prefix."""
    return err.detail


def _find_line(node: Any, key: str, value: Any) -> int | None:
    """Line of the first `key: value` (or list item `value` under `key`) in a YAML tree."""
    if isinstance(node, LineDict):
        for k, v in node.items():
            if k == key:
                if v == value:
                    return node.key_lines.get(k)
                if isinstance(v, LineList) and value in v:
                    return v.item_lines[v.index(value)]
            found = _find_line(v, key, value)
            if found:
                return found
    elif isinstance(node, LineList):
        for item in node:
            found = _find_line(item, key, value)
            if found:
                return found
    return None


def _key_line(node: Any, *keys: Any) -> int | None:
    """Line of the deepest key reachable along `keys`."""
    return line_of(node, keys, strict=True)


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, frozenset | set):
        return "{" + ", ".join(sorted(v)) + "}"
    return str(v)


def _value_text(then: Then) -> str:
    v = then.value
    if isinstance(v, ReviewPolicy):
        return f"review_policy {v.policy}"
    if isinstance(v, Pathway):
        ceiling = (
            v.ceiling
            if isinstance(v.ceiling, str)
            else v.ceiling.param + (f" x {v.ceiling.times}" if v.ceiling.times else "")
        )
        return f"pathway {v.id} ({ceiling}, per {v.per})"
    if isinstance(v, Warning_):
        return f"warning {v.id}"
    return f"{then.output} {_fmt_value(v)}"


def _fact_value(value: Any) -> Any:
    """What a resolved output contributes to later stages (as tierscope.evaluate)."""
    return value.policy if isinstance(value, ReviewPolicy) else value


def _facts_read(cond: Any) -> set[str]:
    return {n.fact for n in walk(cond) if isinstance(n, FactTest)}


def _param_uses(p: Provision) -> list[tuple[str, str]]:
    """(parameter id, role) for every parameter a provision names."""
    uses: list[tuple[str, str]] = []
    for node in walk(p.when):
        if isinstance(node, FactTest) and node.op == "in_param":
            uses.append((node.operand, "in_param"))
    pw = p.then.pathway
    if pw is not None:
        if isinstance(pw.ceiling, ParamRef):
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
    return uses


_ROLE_KEY = {
    "in_param": "in_param",
    "ceiling": "param",
    "times": "times",
    "up_to_increase": "up_to_increase",
    "share_limits": "share_limits",
    "order_tpp_gte": "order_tpp_gte",
}


def _out_of_force(
    param: Parameter, start: dt.date, until: dt.date | None
) -> tuple[dt.date, str] | None:
    """The first day of [start, until) on which `param` has no value, and why."""
    dates = param.dates
    if start < dates[0]:
        return start, f"not yet in force on {start} (its first value takes effect on {dates[0]})"
    for i, d in enumerate(dates):
        nxt = dates[i + 1] if i + 1 < len(dates) else None
        if param.values[d].value is not None:
            continue
        # repealed over [d, nxt)
        lo = max(d, start)
        if (until is None or lo < until) and (nxt is None or lo < nxt):
            return lo, f"repealed (value: null) from {d}"
    return None


# Schema errors after which the rest of a file can still be checked: the offending key
# is dropped or the missing citation filled in (the finding has been recorded already).
_RECOVERABLE = frozenset({"unknown-key", "missing-citation"})


def _plain(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: _plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_plain(v) for v in node]
    return node


def _recover(model: type[BaseModel], data: Any, errors: list[Mapping[str, Any]]) -> Any:
    """The model validated from `data` with unknown keys dropped and citations filled in."""
    fixed = _plain(data)
    for err in errors:
        loc = _clean_loc(err["loc"])
        parent, node = None, fixed
        key: Any = None
        for part in loc:
            if isinstance(node, dict) and part not in node:
                part = next((k for k in node if repr(k) == part or str(k) == part), part)
            if (isinstance(node, dict) and part in node) or (
                isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            ):
                parent, key, node = node, part, node[part]
            elif isinstance(node, dict) and part == loc[-1]:
                parent, key, node = node, part, None  # a missing key
        if parent is None or key != loc[-1]:
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


@dataclass
class _Prov:
    """A provision as defined in its own file."""

    prov: Provision
    regime: str
    path: Path
    line: int
    raw: Any

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass
class _RegimeSrc:
    folder: Path
    header: RegimeHeader | None
    header_path: Path
    header_data: Any
    provisions: list[Provision] = field(default_factory=list)
    broken: bool = False  # some file of the regime did not load completely


@dataclass
class _ScenarioSrc:
    scen: Scenario
    path: Path
    data: Any


# --------------------------------------------------------------------------- the checker


class _Checker:
    def __init__(self, rules_dir: Path, countries_dir: Path) -> None:
        self.rules = rules_dir
        self.countries_dir = countries_dir
        self.findings: list[Finding] = []
        self.notes: list[str] = []
        self.files = 0
        self.loaded = 0
        self.unusable = False
        self.params: dict[str, Parameter] = {}
        self.param_src: dict[str, tuple[Path, Any]] = {}
        self.regime_src: dict[str, _RegimeSrc] = {}
        self.provs: dict[str, _Prov] = {}
        self.regimes: dict[str, Regime] = {}  # includes resolved
        self.scenarios: dict[str, _ScenarioSrc] = {}
        self.broken_scenarios: set[str] = set()
        self.chips: dict[str, ChipSpec] = {}
        self.countries: dict[str, Country] = {}
        self.country_files: set[str] = set()
        self.flagged: set[str] = set()  # provisions with an error (no never-applies on them)
        self.analysable: set[str] = set()  # regimes whose semantic analysis can run
        self.param_failed: set[str] = set()  # parameter files that exist but did not load
        self.holds_in: set[str] = set()  # provisions whose condition held somewhere
        self.considered_in: set[str] = set()  # ... and whose bases applied too
        self.analysed: set[str] = set()  # provisions of analysed regimes
        self.sampled: set[str] = set()  # ... whose regime was sampled, not enumerated

    # ---------------------------------------------------------------- recording

    def add(self, path: Path | str, line: int | None, level: Level, code: str, msg: str) -> None:
        self.findings.append(Finding(str(path), line, level, code, msg))

    def _guard(self, what: str, fn: Callable[[], None]) -> None:
        """Run one phase; a bug in it becomes a finding instead of a traceback."""
        try:
            fn()
        except Exception as exc:  # pragma: no cover - defensive
            self.add(
                self.rules, None, "error", "internal",
                f"check could not finish {what}: {type(exc).__name__}: {exc} (please report)",
            )  # fmt: skip

    def run(self) -> None:
        missing = False
        for folder, what in ((self.rules, "rules"), (self.countries_dir, "countries")):
            if not folder.is_dir():
                self.add(folder, None, "error", "not-found", f"{what} folder not found")
                missing = True
        if missing:
            self.unusable = True
            return
        self._guard("reading the parameters", self._load_parameters)
        self._guard("reading the regimes", self._load_regimes)
        self._guard("reading the scenarios", self._load_scenarios)
        self._guard("reading the chips", self._load_chips)
        self._guard("reading the countries", self._load_countries)
        self._guard("looking for ignored files", self._warn_ignored_files)
        if self.loaded == 0:
            self.add(self.rules, None, "error", "nothing-loaded", "no file could be loaded")
            self.unusable = True
            return
        self._guard("the parameter checks", self._check_parameters)
        self._guard("the provision checks", self._check_provisions)
        self._guard("the include checks", self._resolve_regimes)
        self._guard("the exception checks", self._check_exceptions)
        self._guard("the scenario checks", self._check_scenarios)
        self._guard("the chip checks", self._check_chips)
        self._guard("the country checks", self._check_countries)
        self._guard("the overlap analysis", self._analyse_regimes)
        self._guard("the tier assignment checks", self._check_assignments)

    # ---------------------------------------------------------------- reading

    def _read(self, path: Path) -> Any:
        self.files += 1
        try:
            data = read_yaml(path)
        except LoadError as err:
            self._load_error(err)
            return _FAILED
        if data is None:
            self.add(path, None, "error", "empty-file", "empty file")
            return _FAILED
        return data

    def _load_error(self, err: LoadError) -> None:
        msg = _bare_message(err)
        if "duplicate key" in msg:
            code = "duplicate-key"
        elif _DATE_VALUE.search(msg):
            code = "bad-date"
        elif "cannot read" in msg:
            code = "unreadable"
        else:
            code = "yaml-syntax"
        self.add(err.path, err.line, "error", code, msg)

    def _validate(
        self,
        model: type[BaseModel],
        data: Any,
        path: Path,
        label: str | None = None,
        default_line: int | None = None,
    ) -> Any:
        """`model` from `data`, or None after recording every validation error as a finding."""
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            codes = []
            for err in errors:
                loc = tuple(err["loc"])
                line = line_of(data, _clean_loc(loc)) or line_of(data, loc) or default_line
                code, where, msg = self._classify(err, loc)
                codes.append(code)
                parts = [x for x in (label, _field_path(where)) if x]
                self.add(path, line, "error", code, ": ".join([*parts, msg]))
            if all(c in _RECOVERABLE for c in codes):
                return _recover(model, data, errors)
            return None

    @staticmethod
    def _classify(err: Mapping[str, Any], loc: tuple[Any, ...]) -> tuple[str, tuple[Any, ...], str]:
        """(code, location to name, message) for one pydantic error."""
        kind = err["type"]
        msg = str(err["msg"]).removeprefix("Value error, ")
        names = [p for p in loc if isinstance(p, str)]
        last = loc[-1] if loc else None
        if kind == "extra_forbidden":
            close = difflib.get_close_matches(str(last), sorted(KNOWN_KEYS), n=1, cutoff=0.75)
            hint = f" (did you mean {close[0]!r}?)" if close and close[0] != last else ""
            return "unknown-key", loc[:-1], f"unknown key {last!r}{hint}"
        if kind in ("missing", "too_short", "string_too_short") and (
            {"references", "citation"} & set(names)
        ):
            what = "missing" if kind == "missing" else "empty or too short"
            return "missing-citation", loc, f"{what}: every rule and every value needs a source"
        if kind.startswith(("date_", "datetime_")) or (
            kind == "value_error" and {"valid", "from", "until"} & set(names)
        ):
            return "bad-date", loc, msg
        if kind == "missing":
            return "missing-key", loc[:-1], f"missing required key {last!r}"
        return "invalid", loc, msg

    # ---------------------------------------------------------------- loading, file by file

    def _load_parameters(self) -> None:
        root = self.rules / "parameters"
        if not root.is_dir():
            return
        for path in sorted(p for p in root.rglob("*.yaml") if p.is_file()):
            pid = ".".join(path.relative_to(root).with_suffix("").parts)
            self.param_failed.add(pid)  # until it loads
            data = self._read(path)
            if data is _FAILED:
                continue
            if isinstance(data, LineDict) and "id" in data:
                self.add(
                    path, data.key_lines["id"], "error", "unknown-key",
                    "the id of a parameter is its path; remove 'id'",
                )  # fmt: skip
                trimmed = LineDict({k: v for k, v in data.items() if k != "id"})
                trimmed.key_lines, trimmed.line = data.key_lines, data.line
                data = trimmed
            param = self._validate(Parameter, data, path)
            if param is None:
                continue
            self.params[pid] = param.model_copy(update={"id": pid})
            self.param_src[pid] = (path, data)
            self.param_failed.discard(pid)
            self.loaded += 1

    def _load_regimes(self) -> None:
        for folder in sorted(p for p in self.rules.iterdir() if p.is_dir()):
            if folder.name in NON_REGIME_DIRS or folder.name.startswith((".", "_")):
                continue
            self._load_regime(folder)

    def _load_regime(self, folder: Path) -> None:
        header_path = folder / "regime.yaml"
        src = _RegimeSrc(folder, None, header_path, None)
        self.regime_src[folder.name] = src
        if not header_path.is_file():
            self.add(
                folder, None, "error", "missing-file",
                "a regime folder needs a regime.yaml (id, title, description, references)",
            )  # fmt: skip
            src.broken = True
        else:
            data = self._read(header_path)
            if data is _FAILED:
                src.broken = True
            else:
                header = self._validate(RegimeHeader, data, header_path)
                src.header_data = data
                if header is None:
                    src.broken = True
                elif header.id != folder.name:
                    self.add(
                        header_path, _key_line(data, "id"), "error", "bad-id",
                        f"regime id {header.id!r} must equal its folder name {folder.name!r}",
                    )  # fmt: skip
                    src.broken = True
                else:
                    src.header = header
                    self.loaded += 1
        seen: dict[str, _Prov] = {}
        for path in sorted(folder.glob("*.yaml")):
            if path.name == "regime.yaml":
                continue
            data = self._read(path)
            if data is _FAILED:
                src.broken = True
                continue
            if not isinstance(data, LineList):
                self.add(
                    path, getattr(data, "line", None), "error", "invalid",
                    "expected a list of provisions (each item starting with '- id:')",
                )  # fmt: skip
                src.broken = True
                continue
            ok = True
            for i, item in enumerate(data):
                line = data.item_lines[i]
                pid = item.get("id") if isinstance(item, LineDict) else None
                label = pid if isinstance(pid, str) and pid else f"provision {i + 1}"
                prov = self._validate(Provision, item, path, label, default_line=line)
                if prov is None:
                    ok = False
                    src.broken = True
                    continue
                other = seen.get(prov.id) or self.provs.get(prov.id)
                if other is not None:
                    self.add(
                        path, _key_line(item, "id") or line, "error", "duplicate-id",
                        f"duplicate provision id {prov.id!r} (first at {other.where})",
                    )  # fmt: skip
                    src.broken = True
                    continue
                info = _Prov(prov, folder.name, path, line, item)
                seen[prov.id] = info
                self.provs[prov.id] = info
                src.provisions.append(prov)
            if ok:
                self.loaded += 1

    def _load_scenarios(self) -> None:
        folder = self.rules / "scenarios"
        if not folder.is_dir():
            return
        for path in sorted(p for p in folder.rglob("*.yaml") if p.is_file()):
            data = self._read(path)
            if data is _FAILED:
                continue
            scen = self._validate(Scenario, data, path)
            if scen is None:
                continue
            line = _key_line(data, "id")
            if scen.id in self.scenarios:
                first = self.scenarios[scen.id].path
                self.add(
                    path,
                    line,
                    "error",
                    "duplicate-id",
                    f"scenario id {scen.id!r} is already used by {first}",
                )
                continue
            if scen.id in self.regime_src:
                self.add(
                    path,
                    line,
                    "error",
                    "duplicate-id",
                    f"scenario id {scen.id!r} is already a regime's id",
                )
                continue
            self.scenarios[scen.id] = _ScenarioSrc(scen, path, data)
            self.loaded += 1

    def _load_chips(self) -> None:
        folder = self.rules / "chips"
        if not folder.is_dir():
            return
        from .chips import chip_labels, normalise_name  # the catalogue's own name normalisation

        names: dict[str, tuple[str, Path]] = {}
        for path in sorted(folder.glob("*.yaml")):
            data = self._read(path)
            if data is _FAILED:
                continue
            chip = self._validate(ChipSpec, data, path)
            if chip is None:
                continue
            if chip.id != path.stem:
                self.add(
                    path, _key_line(data, "id"), "error", "bad-id",
                    f"chip id {chip.id!r} must equal the file name {path.stem!r}",
                )  # fmt: skip
                continue
            for label in chip_labels(chip):
                key = normalise_name(label)
                if key in names and names[key][0] != chip.id:
                    other_id, other_path = names[key]
                    self.add(
                        path, _find_line(data, "aliases", label) or _key_line(data, "name"),
                        "error", "duplicate-id",
                        f"name or alias {label!r} is already used by chip {other_id!r} ({other_path})",
                    )  # fmt: skip
                names.setdefault(key, (chip.id, path))
            self.chips[chip.id] = chip
            self.loaded += 1

    def _load_countries(self) -> None:
        for path in sorted(self.countries_dir.glob("*.yaml")):
            self.country_files.add(path.stem)
            data = self._read(path)
            if data is _FAILED:
                continue
            country = self._validate(Country, data, path)
            if country is None:
                continue
            if country.code != path.stem:
                self.add(
                    path, _key_line(data, "code"), "error", "bad-id",
                    f"code {country.code!r} must equal the file name {path.stem!r}",
                )  # fmt: skip
                continue
            self.countries[country.code] = country
            self.loaded += 1

    def _warn_ignored_files(self) -> None:
        """YAML files the loader never reads: a rule there would silently not exist."""
        read_dirs = {self.rules / "parameters", self.rules / "scenarios"}
        for path in sorted(self.rules.rglob("*.y*ml")):
            rel = path.relative_to(self.rules)
            if any(part.startswith((".", "_")) for part in rel.parts) or rel.parts[0] == "pathways":
                continue
            why = None
            if path.suffix == ".yml":
                why = "the loader reads only *.yaml files"
            elif len(rel.parts) == 1:
                why = "files directly in the rules folder are not read (put it in a regime folder)"
            elif len(rel.parts) > 2 and not any(path.is_relative_to(d) for d in read_dirs):
                why = "files in subfolders of a regime or chips folder are not read"
            if why:
                self.add(path, None, "warning", "ignored-file", f"not read: {why}")
        for path in sorted(self.countries_dir.glob("*.yml")):
            self.add(
                path,
                None,
                "warning",
                "ignored-file",
                "not read: the loader reads only *.yaml files",
            )

    # ---------------------------------------------------------------- parameters

    def _check_parameters(self) -> None:
        for pid, param in sorted(self.params.items()):
            path, data = self.param_src[pid]
            values_node = data.get("values") if isinstance(data, LineDict) else None
            is_list = param.unit is Unit.countries
            for day, dv in param.values.items():
                node = values_node.get(day) if isinstance(values_node, LineDict) else None
                line = _key_line(values_node, day) if node is not None else None
                value_line = _key_line(node, "value") or line
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
                    if _blankish(ref.title):
                        self.add(
                            path, _key_line(node, "references", k) or line, "error", "missing-citation",
                            f"{pid} on {day}: reference {ref.title!r} is not a citation",
                        )  # fmt: skip

    # ---------------------------------------------------------------- provisions

    def _check_provisions(self) -> None:
        for info in self.provs.values():
            p = info.prov
            if _blankish(p.citation):
                self.add(
                    info.path, _key_line(info.raw, "citation") or info.line, "error",
                    "missing-citation", f"{p.id}: citation {p.citation!r} is not a citation",
                )  # fmt: skip
                self.flagged.add(p.id)
            for k, ref in enumerate(p.references):
                if _blankish(ref.title):
                    self.add(
                        info.path, _key_line(info.raw, "references", k) or info.line, "warning",
                        "missing-citation", f"{p.id}: reference {ref.title!r} is not a citation",
                    )  # fmt: skip
            for pid, role in _param_uses(p):
                line = _find_line(info.raw, _ROLE_KEY[role], pid) or info.line
                param = self.params.get(pid)
                if param is None and pid in self.param_failed:
                    self.flagged.add(p.id)  # its file did not load: reported there
                    continue
                if param is None:
                    self.add(
                        info.path, line, "error", "dangling-param",
                        f"{p.id}: {role} names unknown parameter {pid!r}"
                        + self._param_hint(pid),
                    )  # fmt: skip
                    self.flagged.add(p.id)
                    continue
                if not self._param_kind_ok(p, pid, param, role, info.path, line):
                    self.flagged.add(p.id)
                    continue
                gap = _out_of_force(param, p.valid.start, p.valid.until)
                if gap is not None:
                    self.add(
                        info.path, line, "error", "param-not-in-force",
                        f"{p.id} (valid from {p.valid.start}"
                        + (f" until {p.valid.until}" if p.valid.until else "")
                        + f") uses parameter {pid} ({role}), which is {gap[1]} "
                        f"({self.param_src[pid][0]})",
                    )  # fmt: skip
        # Every query reads the H100 divisor whatever the provisions say.
        if self.provs and H100_PARAM not in self.params and H100_PARAM not in self.param_failed:
            expected = self.rules / "parameters" / (H100_PARAM.replace(".", "/") + ".yaml")
            self.add(
                expected, None, "error", "dangling-param",
                f"parameter {H100_PARAM} is missing: every query converts TPP to H100-equivalents with it",
            )  # fmt: skip
        elif H100_PARAM in self.params and self.provs:
            first = min(i.prov.valid.start for i in self.provs.values())
            gap = _out_of_force(self.params[H100_PARAM], first, None)
            if gap is not None:
                self.add(
                    self.param_src[H100_PARAM][0], None, "error", "param-not-in-force",
                    f"{H100_PARAM}, read by every query, is {gap[1]}, but provisions apply from {first}",
                )  # fmt: skip

    def _param_hint(self, pid: str) -> str:
        close = difflib.get_close_matches(pid, sorted(self.params), n=1, cutoff=0.6)
        return f" (did you mean {close[0]!r}?)" if close else ""

    def _param_kind_ok(
        self, p: Provision, pid: str, param: Parameter, role: str, path: Path, line: int | None
    ) -> bool:
        want = {
            "in_param": (Unit.countries,),
            "ceiling": (Unit.tpp,),
            "times": (Unit.multiplier, Unit.count),
            "up_to_increase": (Unit.percent,),
            "share_limits": (Unit.percent,),
            "order_tpp_gte": (Unit.tpp,),
        }[role]
        if param.unit in want:
            return True
        self.add(
            path, line, "error", "param-kind",
            f"{p.id}: {role} needs a parameter in {' or '.join(u.value for u in want)}, "
            f"but {pid} is in {param.unit.value}",
        )  # fmt: skip
        return False

    # ---------------------------------------------------------------- includes

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
                line = _key_line(src.header_data, "includes", k)
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
        reported: set[frozenset[str]] = set()
        for rid in sorted(graph):
            path = [rid]
            self._include_cycles(rid, graph, path, reported, headers)
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
                        src.header_path, _key_line(src.header_data, "includes", k), "warning",
                        "never-applies",
                        f"regime {rid} includes {inc.regime} over [{inc.start or 'start'}, "
                        f"{inc.until or 'open'}), when none of its provisions is in force: "
                        "the include adds nothing",
                    )  # fmt: skip

    def _include_cycles(
        self,
        rid: str,
        graph: dict[str, list[str]],
        chain: list[str],
        reported: set[frozenset[str]],
        headers: dict[str, RegimeHeader],
    ) -> None:
        for nxt in list(graph.get(rid, [])):
            if nxt in chain:
                cycle = [*chain[chain.index(nxt) :], nxt]
                key = frozenset(cycle)
                src = self.regime_src[rid]
                if key not in reported:
                    reported.add(key)
                    k = next(i for i, inc in enumerate(src.header.includes) if inc.regime == nxt)  # type: ignore[union-attr]
                    self.add(
                        src.header_path, _key_line(src.header_data, "includes", k), "error",
                        "include-cycle", f"regimes include each other in a cycle: {' -> '.join(cycle)}",
                    )  # fmt: skip
                graph[rid].remove(nxt)
                headers[rid] = headers[rid].model_copy(
                    update={"includes": [i for i in headers[rid].includes if i.regime != nxt]}
                )
                for r in cycle:
                    self.regime_src[r].broken = True
                continue
            self._include_cycles(nxt, graph, [*chain, nxt], reported, headers)

    # ---------------------------------------------------------------- exceptions

    def _check_exceptions(self) -> None:
        # each provision against the regimes it is evaluated in
        for info in self.provs.values():
            p = info.prov
            if p.exception_to is None:
                continue
            line = _key_line(info.raw, "exception_to") or info.line
            if p.exception_to == p.id:
                continue  # reported as a cycle below
            homes = [r for r in self.regimes.values() if any(q.id == p.id for q in r.provisions)]
            base = self.provs.get(p.exception_to)
            if base is None:
                close = difflib.get_close_matches(
                    p.exception_to, sorted(self.provs), n=1, cutoff=0.6
                )
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                self.add(
                    info.path, line, "error", "dangling-rule",
                    f"{p.id} is an exception to unknown provision {p.exception_to!r}{hint}",
                )  # fmt: skip
                self.flagged.add(p.id)
                continue
            missing_in = [
                r.id for r in homes if not any(q.id == base.prov.id for q in r.provisions)
            ]
            if missing_in:
                self.add(
                    info.path, line, "error", "dangling-rule",
                    f"{p.id} is an exception to {base.prov.id} (regime {base.regime}), which is "
                    f"not part of regime {', '.join(missing_in)}",
                )  # fmt: skip
                self.flagged.add(p.id)
            if base.prov.then.output != p.then.output:
                self.add(
                    info.path, line, "error", "exception-output",
                    f"{p.id} defines {p.then.output} but is an exception to {base.prov.id}, "
                    f"which defines {base.prov.then.output} ({base.where}): an exception must "
                    "define the same output as its base",
                )  # fmt: skip
                self.flagged.add(p.id)
        # cycles
        reported: set[frozenset[str]] = set()
        for pid in sorted(self.provs):
            chain = [pid]
            cur = self.provs[pid].prov.exception_to
            while cur is not None and cur in self.provs:
                if cur in chain:
                    cycle = chain[chain.index(cur) :]
                    key = frozenset(cycle)
                    if key not in reported:
                        reported.add(key)
                        first = min(cycle)
                        info = self.provs[first]
                        start = cycle.index(first)
                        ordered = [*cycle[start:], *cycle[:start], first]
                        self.add(
                            info.path, _key_line(info.raw, "exception_to") or info.line, "error",
                            "exception-cycle",
                            f"exceptions form a cycle: {' -> '.join(ordered)}",
                        )  # fmt: skip
                        self.flagged.update(cycle)
                    break
                chain.append(cur)
                cur = self.provs[cur].prov.exception_to

    # ---------------------------------------------------------------- scenarios

    def _check_scenarios(self) -> None:
        known = set(self.regime_src) | set(self.scenarios)
        for sid, src in sorted(self.scenarios.items()):
            scen, path, data = src.scen, src.path, src.data
            bad = False
            if scen.base is not None and scen.base not in known:
                self.add(
                    path, _key_line(data, "base"), "error", "dangling-rule",
                    f"scenario {sid}: base {scen.base!r} is neither a regime nor a scenario",
                )  # fmt: skip
                bad = True
            for k, w in enumerate(scen.regimes or []):
                line = _key_line(data, "regimes", k)
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
                line = _key_line(data, "parameters", pid)
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
                            path, _key_line(data, "parameters", pid, "values", d) or line,
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
                        if _blankish(ref.title):
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
                                path, _find_line(data, key, code) or line, "error", "unknown-country",
                                f"scenario {sid}: {pid} {key} {code!r}, which has no country file",
                            )  # fmt: skip
                            bad = True
            for code in scen.countries:
                if code not in self.country_files:
                    self.add(
                        path, _key_line(data, "countries", code), "error", "unknown-country",
                        f"scenario {sid}: {code!r} has no country file in {self.countries_dir}",
                    )  # fmt: skip
                    bad = True
            for k, ref in enumerate(scen.references):
                if _blankish(ref.title):
                    self.add(
                        path,
                        _key_line(data, "references", k),
                        "error",
                        "missing-citation",
                        f"scenario {sid}: reference {ref.title!r} is not a citation",
                    )
            if bad:
                self.broken_scenarios.add(sid)
        # base cycles
        reported: set[frozenset[str]] = set()
        for sid in sorted(self.scenarios):
            chain = [sid]
            cur = self.scenarios[sid].scen.base
            while cur in self.scenarios:
                if cur in chain:
                    cycle = chain[chain.index(cur) :]
                    if frozenset(cycle) not in reported:
                        reported.add(frozenset(cycle))
                        src = self.scenarios[min(cycle)]
                        self.add(
                            src.path, _key_line(src.data, "base"), "error", "scenario-cycle",
                            f"scenarios are based on each other in a cycle: {' -> '.join([*cycle, cycle[0]])}",
                        )  # fmt: skip
                    self.broken_scenarios.update(cycle)
                    break
                chain.append(cur)
                cur = self.scenarios[cur].scen.base
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

    # ---------------------------------------------------------------- chips, countries

    def _check_chips(self) -> None:
        if not self.chips:
            return
        from .chips import THRESHOLDS

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
                    if _blankish(ref.title):
                        self.add(
                            path, None, "error", "missing-citation",
                            f"{code} {where}: reference {ref.title!r} is not a citation",
                        )  # fmt: skip

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
            for pid, role in _param_uses(p)
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
        from .compile import plan_stages

        defined = {p.then.output for p in regime.provisions}
        ok = True
        for p in regime.provisions:
            for f in sorted(_facts_read(p.when)):
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
            self.add(where, None, "error", "output-cycle", _bare_message(err))
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
            _RegimeSpace(self, regime, stages, reported).run()
        tainted = self._tainted_outputs()
        for pid, info in self.provs.items():
            if pid in self.flagged or pid not in self.analysed or pid in self.sampled:
                continue
            p = info.prov
            if _facts_read(p.when) & tainted or any(
                b in self.flagged
                for b in exception_bases(p, {i: v.prov for i, v in self.provs.items()})
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
                base = p.exception_to
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
                if out not in tainted and _facts_read(info.prov.when) & tainted:
                    tainted.add(out)
                    changed = True
        return tainted

    # ---------------------------------------------------------------- tier assignments (6)

    def _check_assignments(self) -> None:
        from .scenario import build_world

        seen: set[tuple[str, str, str, str]] = set()
        gaps_seen: set[tuple[str, str, tuple[dt.date, str]]] = set()
        for rid in sorted(self.analysable):
            src = self.regime_src[rid]
            regime = self.regimes[rid]
            stages = self._stages(regime, src.header_path)
            if stages is not None:
                self._assign(
                    f"regime {rid}", regime, stages, self.params, self.countries,
                    src.header_path, _key_line(src.header_data, "id"), seen,
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
            line = _key_line(ssrc.data, "id")
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
                for pid, role in _param_uses(p):
                    param = world.parameters.get(pid)
                    if param is None or param is self.params.get(pid):
                        continue
                    gap = _out_of_force(param, p.valid.start, p.valid.until)
                    base = self.params.get(pid)
                    if base is not None and gap == _out_of_force(
                        base, p.valid.start, p.valid.until
                    ):
                        continue  # reported for the provision itself
                    if gap is not None and (p.id, pid, gap) not in gaps_seen:
                        gaps_seen.add((p.id, pid, gap))
                        self.add(
                            ssrc.path, _key_line(ssrc.data, "parameters", pid) or line, "error",
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
            for pid, _ in _param_uses(p):
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
        issues: dict[tuple[str, str, str], list[tuple[str, dt.date]]] = defaultdict(list)
        for day in sorted(d for d in days if d >= first):
            in_force = [p for p in provs if p.valid.contains(day)]
            if not in_force:
                continue
            defined = {p.then.output for p in in_force}
            memo: dict[Any, list[tuple[str, str, str]]] = {}
            for code in sorted(countries):
                inputs = input_facts(countries[code], day)
                key = tuple(
                    (k, "*" if FACTS[k].kind == "code" and v not in literals else v)
                    for k, v in sorted(inputs.items())
                )
                if key not in memo:
                    memo[key] = self._evaluate(
                        inputs, in_force, stages, by_id, params, day, defined
                    )
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
        in_force: list[Provision],
        stages: tuple[tuple[str, ...], ...],
        by_id: Mapping[str, Provision],
        params: Mapping[str, Parameter],
        day: dt.date,
        defined: set[str],
    ) -> list[tuple[str, str, str]]:
        facts = {**inputs, **output_defaults()}
        resolved: set[str] = set()
        found: list[tuple[str, str, str]] = []
        for outs in stages:
            for out in outs:
                app = [
                    p
                    for p in in_force
                    if p.then.output == out and holds(p.when, facts, params, day)
                ]
                try:
                    res = resolve(out, app, by_id)
                except RuleConflictError as exc:
                    found.append(("overlap", out, exc.message))
                    return found  # the engine stops at a conflict
                if res is None:
                    continue
                resolved.add(out)
                if out in FACTS:
                    facts[out] = _fact_value(res.value)
        for out in REQUIRED_OUTPUTS:
            if out in defined and out not in resolved:
                found.append(("gap", out, ""))
        return found


# --------------------------------------------------------------------------- the fact space


class _RegimeSpace:
    """The finite fact space of one regime, enumerated to find overlaps and dead provisions."""

    def __init__(
        self,
        checker: _Checker,
        regime: Regime,
        stages: tuple[tuple[str, ...], ...],
        reported: set[frozenset[str]],
    ) -> None:
        self.c = checker
        self.regime = regime
        self.stages = stages
        self.reported = reported
        self.params = checker.params
        self.provs = list(regime.provisions)
        self.by_id = {p.id: p for p in self.provs}
        self.bases = {p.id: exception_bases(p, self.by_id) for p in self.provs}
        self.reads = {id(p): tuple(sorted(_facts_read(p.when))) for p in self.provs}
        self.witness: dict[
            frozenset[str], tuple[Provision, Provision, dict[str, Any], dt.date]
        ] = {}

    # -- domains

    def _tests(self) -> dict[str, list[FactTest]]:
        tests: dict[str, list[FactTest]] = defaultdict(list)
        for p in self.provs:
            for n in walk(p.when):
                if isinstance(n, FactTest):
                    tests[n.fact].append(n)
        return tests

    def _signature(self, fact: str, value: Any, tests: list[FactTest]) -> tuple[bool, ...]:
        sig: list[bool] = []
        for t in tests:
            days = self.params[t.operand].dates if t.op == "in_param" else [dt.date.min]
            sig.extend(holds(t, {fact: value}, self.params, d) for d in days)
        return tuple(sig)

    def _reduce(self, fact: str, candidates: Iterable[Any], tests: list[FactTest]) -> list[Any]:
        """One representative (the first) of each class of values the tests treat alike."""
        reps: dict[tuple[bool, ...], Any] = {}
        for v in candidates:
            reps.setdefault(self._signature(fact, v, tests), v)
        return list(reps.values())

    def domains(self) -> dict[str, list[Any]]:
        tests = self._tests()
        out: dict[str, list[Any]] = {}
        for name, spec in FACTS.items():
            if spec.origin != "input":
                continue
            ts = tests.get(name, [])
            if spec.kind == "code":
                lits: set[str] = set()
                for t in ts:
                    if t.op == "equals":
                        lits.add(t.operand)
                    elif t.op == "in":
                        lits.update(t.operand)
                    elif t.op == "in_param":
                        for dv in self.params[t.operand].values.values():
                            if isinstance(dv.value, list):
                                lits.update(dv.value)
                other = next(
                    (c for c in sorted(self.c.country_files) if c not in lits),
                    next(f"Z{ch}" for ch in "ZYXWVUTSRQ" if f"Z{ch}" not in lits),
                )
                out[name] = self._reduce(name, [*sorted(lits), other], ts) if ts else [other]
            elif spec.kind == "groups":
                labels: set[str] = set()
                for t in ts:
                    labels.update([t.has] if t.has is not None else (t.has_any or t.has_all or []))
                ordered = sorted(labels)
                subsets = (
                    frozenset(s)
                    for k in range(len(ordered) + 1)
                    for s in itertools.combinations(ordered, k)
                )
                out[name] = self._reduce(name, subsets, ts) if ts else [frozenset()]
            elif spec.kind == "bool":
                out[name] = [False, True] if ts else [False]
            elif spec.kind == "int":
                cands = {0}
                for t in ts:
                    vals = t.operand if t.op == "in" else [t.operand]
                    for v in vals:
                        cands.update(x for x in (v - 1, v, v + 1) if x >= 0)
                out[name] = self._reduce(name, sorted(cands), ts) if ts else [0]
            else:  # str
                lits = set()
                for t in ts:
                    lits.update([t.operand] if t.op == "equals" else t.operand)
                out[name] = self._reduce(name, ["", *sorted(lits)], ts) if ts else [""]
        return out

    def days(self) -> list[dt.date]:
        days: set[dt.date] = set()
        for p in self.provs:
            days.add(p.valid.start)
            if p.valid.until:
                days.add(p.valid.until)
            for pid, role in _param_uses(p):
                if role == "in_param":
                    days.update(self.params[pid].dates)
        return sorted(d for d in days if any(p.valid.contains(d) for p in self.provs))

    # -- enumeration

    @staticmethod
    def _consistent(point: Mapping[str, Any]) -> bool:
        """The engine's own constraint: without an order, its figures are 0 (facts.input_facts)."""
        return bool(point.get("order", True)) or (
            point.get("order_max_tpp", 0) == 0 and point.get("order_max_dram_gb_s", 0) == 0
        )

    def run(self) -> None:
        doms = self.domains()
        days = self.days()
        names = list(doms)
        size = 1
        for n in names:
            size *= len(doms[n])
        total = size * len(days)
        sampled = total > MAX_POINTS
        ids = {p.id for p in self.provs}
        if sampled:
            self.c.notes.append(
                f"regime {self.regime.id}: fact space of {total:,} points is too large to "
                f"enumerate; sampled {SAMPLE_POINTS:,} points per date (seed {SAMPLE_SEED}), so "
                "overlaps may be missed and never-applies is not reported"
            )
            self.c.sampled.update(ids)
        self.c.analysed.update(ids)
        rng = random.Random(SAMPLE_SEED)
        for day in days:
            in_force = [p for p in self.provs if p.valid.contains(day)]
            by_out: dict[str, list[Provision]] = defaultdict(list)
            for p in in_force:
                by_out[p.then.output].append(p)
            cache: dict[tuple[int, tuple[Any, ...]], bool] = {}
            if sampled:
                points: Iterable[tuple[Any, ...]] = (
                    tuple(rng.choice(doms[n]) for n in names) for _ in range(SAMPLE_POINTS)
                )
            else:
                points = itertools.product(*(doms[n] for n in names))
            for values in points:
                point = dict(zip(names, values, strict=True))
                if self._consistent(point):
                    self._derive(point, by_out, cache, day)
        self._report()

    def _holds(self, p: Provision, facts: Mapping[str, Any], cache: dict, day: dt.date) -> bool:
        key = (id(p), tuple(facts[f] for f in self.reads[id(p)]))
        r = cache.get(key)
        if r is None:
            r = cache[key] = holds(p.when, facts, self.params, day)
        return r

    def _derive(
        self,
        inputs: dict[str, Any],
        by_out: Mapping[str, list[Provision]],
        cache: dict,
        day: dt.date,
    ) -> None:
        """Resolve outputs stage by stage (as the engine), recording overlaps and what applied."""
        facts = {**inputs, **output_defaults()}
        for outs in self.stages:
            conflict = False
            for out in outs:
                app = [p for p in by_out.get(out, ()) if self._holds(p, facts, cache, day)]
                if not app:
                    continue
                self.c.holds_in.update(p.id for p in app)
                try:
                    res = resolve(out, app, self.by_id)
                except RuleConflictError:
                    conflict = True
                    self._record_conflicts(app, facts, day)
                    continue
                if res is None:  # only exceptions whose base does not apply
                    continue
                self.c.considered_in.update(p.id for p in (*res.winners, *res.overridden))
                if out in FACTS:
                    facts[out] = _fact_value(res.value)
            if conflict:
                return  # the engine stops at a conflict: later stages never see these facts

    def _record_conflicts(
        self, app: list[Provision], facts: Mapping[str, Any], day: dt.date
    ) -> None:
        """Every pair of disagreeing winners (precedence.resolve names only the first)."""
        ids = {p.id for p in app}
        considered = [p for p in app if all(b in ids for b in self.bases[p.id])]
        self.c.considered_in.update(p.id for p in considered)
        beaten = {b for p in considered for b in self.bases[p.id]}
        winners = [p for p in considered if p.id not in beaten]
        for i, p in enumerate(winners):
            for q in winners[i + 1 :]:
                key = frozenset((p.id, q.id))
                if (
                    p.then.value != q.then.value
                    and key not in self.witness
                    and key not in self.reported
                ):
                    self.witness[key] = (p, q, dict(facts), day)

    # -- reporting

    def _relevant(self, provs: Iterable[Provision]) -> tuple[list[str], list[str]]:
        """(input facts, output facts) a witness should show for these provisions."""
        direct: set[str] = set()
        for p in provs:
            direct.update(_facts_read(p.when))
            for b in self.bases[p.id]:
                if b in self.by_id:
                    direct.update(_facts_read(self.by_id[b].when))
        closure, todo = set(direct), list(direct)
        while todo:
            f = todo.pop()
            if FACTS[f].origin == "output":
                for q in self.provs:
                    if q.then.output == f:
                        for g in _facts_read(q.when) - closure:
                            closure.add(g)
                            todo.append(g)
        inputs = [f for f in FACTS if f in closure and FACTS[f].origin == "input"]
        outputs = [f for f in FACTS if f in direct and FACTS[f].origin == "output"]
        return inputs, outputs

    def _report(self) -> None:
        order = {p.id: i for i, p in enumerate(self.provs)}
        for key, (p, q, facts, day) in sorted(
            self.witness.items(), key=lambda kv: sorted(order[i] for i in kv[0])
        ):
            self.reported.add(key)
            ip, iq = self.c.provs.get(p.id), self.c.provs.get(q.id)
            if ip and iq and (str(iq.path), iq.line) < (str(ip.path), ip.line):
                p, q, ip, iq = q, p, iq, ip
            inputs, outputs = self._relevant([p, q])
            shown = [f"{f}={_fmt_value(facts[f])}" for f in inputs]
            derived = [f"{f}={_fmt_value(facts[f])}" for f in outputs]
            when = ", ".join(shown) if shown else "any facts"
            if derived:
                when += f" (so {', '.join(derived)})"
            self.c.add(
                ip.path if ip else self.c.regime_src[self.regime.id].header_path,
                ip.line if ip else None,
                "error",
                "overlap",
                f"{p.id} ({_value_text(p.then)}) and {q.id} ({_value_text(q.then)}"
                f"{', ' + iq.where if iq else ''}) both apply in regime {self.regime.id}, disagree, "
                f"and neither is an exception to the other: both apply when {when} on {day}",
            )


def scenario_findings(report: Report, scenario_file: Path) -> Report:
    """`report` plus the problems of one user scenario file applied to the checked rules."""
    from .scenario import build_world
    from .service import Project

    findings = list(report.findings)
    path = str(scenario_file)
    try:
        load_scenario(Path(scenario_file))
        build_world(Project.shipped().rulebase, path)
    except LoadError as err:
        findings.append(Finding(err.path, err.line, "error", "invalid", err.detail))
    except TierscopeError as err:
        findings.append(Finding(path, None, "error", "bad-scenario", err.message))
    return Report(
        findings=findings,
        files=report.files + 1,
        unusable=report.unusable,
        notes=report.notes,
        seconds=report.seconds,
    )
