"""The checker's state and its reading phase: every file through the one loader, in its
collect-all mode, so `check` and the engine read files the same way."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..findings import Finding, Level, Problems
from ..loader import (
    FileIndex,
    RegimeSource,
    _files,
    index_files,
    load_named,
    load_parameter,
    load_regime_source,
    read,
)
from ..models.chip import ChipSpec
from ..models.country import Country
from ..models.parameter import Parameter
from ..models.regime import Regime
from ..models.scenario import Scenario
from ..validation import key_line, validate
from ..yamlio import is_regular_file
from ..yardsticks import check_yardsticks
from .assignments import Assignments
from .common import Prov, ScenarioSrc, find_line
from .references import References


class Checker(References, Assignments):
    """One run of `check` over a rules folder and a countries folder."""

    def __init__(self, rules_dir: Path, countries_dir: Path) -> None:
        self.rules = rules_dir
        self.countries_dir = countries_dir
        self.findings: list[Finding] = []
        self.problems = Problems(collect=True, found=self.findings)
        self.notes: list[str] = []
        self.files = 0
        self.loaded = 0
        self.unusable = False
        self.index = FileIndex()
        self.params: dict[str, Parameter] = {}
        self.param_src: dict[str, tuple[Path, object]] = {}
        self.regime_src: dict[str, RegimeSource] = {}
        self.provs: dict[str, Prov] = {}
        self.regimes: dict[str, Regime] = {}  # includes resolved
        self.scenarios: dict[str, ScenarioSrc] = {}
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

    def add(self, path: Path | str, line: int | None, level: Level, code: str, msg: str) -> None:
        self.findings.append(Finding(str(path), line, level, code, msg))

    def _guard(self, what: str, fn: Callable[[], None]) -> None:
        """Run one phase; a bug in it becomes a finding instead of a traceback."""
        try:
            fn()
        except RecursionError:  # pragma: no cover - defensive
            self.add(
                self.rules,
                None,
                "error",
                "internal",
                f"check could not finish {what}: input nested too deeply",
            )
        except Exception as exc:  # pragma: no cover - defensive
            self.add(
                self.rules, None, "error", "internal",
                f"check could not finish {what}: {type(exc).__name__}: {exc} (please report)",
            )  # fmt: skip

    def run(self) -> None:
        self.index = index_files(self.rules, self.countries_dir, self.problems)
        if any(f.code == "not-found" for f in self.findings):
            self.unusable = True
            return
        self._guard("reading the parameters", self._load_parameters)
        self._guard("reading the regimes", self._load_regimes)
        self._guard("reading the scenarios", self._load_scenarios)
        self._guard("reading the chips", self._load_chips)
        self._guard("reading the yardsticks", lambda: check_yardsticks(self))
        self._guard("reading the countries", self._load_countries)
        self._guard("looking for ignored files", self._warn_ignored_files)
        if self.loaded == 0:
            self.add(self.rules, None, "error", "nothing-loaded", "no file could be loaded")
            self.unusable = True
            return
        self._guard("the parameter checks", self._check_parameters)
        self._guard("the include checks", self._resolve_regimes)
        self._guard("the provision checks", self._check_provisions)
        self._guard("the exception checks", self._check_exceptions)
        self._guard("the scenario checks", self._check_scenarios)
        self._guard("the chip checks", self._check_chips)
        self._guard("the country checks", self._check_countries)
        self._guard("the overlap analysis", self._analyse_regimes)
        self._guard("the tier assignment checks", self._check_assignments)

    # ---------------------------------------------------------------- reading

    def _load_parameters(self) -> None:
        root = self.rules / "parameters"
        for pid, path in self.index.parameters.items():
            self.files += 1
            param, data = load_parameter(path, root, self.problems)
            if param is None:
                self.param_failed.add(pid)
                continue
            self.params[pid] = param
            self.param_src[pid] = (path, data)
            self.loaded += 1

    def _load_regimes(self) -> None:
        for rid, folder in self.index.regimes.items():
            self.files += len(_files(folder, recursive=False))
            src = load_regime_source(folder, self.problems)
            self.regime_src[rid] = src
            if src.header is not None:
                self.loaded += 1
            kept = []
            for prov in src.provisions:
                path, _, line = (prov.origin or "").rpartition(":")
                other = self.provs.get(prov.id)
                if other is not None:
                    self.add(
                        path, key_line(prov.raw, "id") or int(line), "error", "duplicate-id",
                        f"duplicate provision id {prov.id!r} (first at {other.where})",
                    )  # fmt: skip
                    src.broken = True
                    continue
                self.provs[prov.id] = Prov(prov, rid, Path(path), int(line), prov.raw)
                kept.append(prov)
            src.provisions = kept

    def _load_scenarios(self) -> None:
        for sid, path in self.index.scenarios.items():
            self.files += 1
            scen, data = load_named(Scenario, path, "id", self.problems)
            if scen is None:
                continue
            self.scenarios[sid] = ScenarioSrc(scen, path, data)
            self.loaded += 1

    def _load_chips(self) -> None:
        folder = self.rules / "chips"
        from ..chips import chip_labels, normalise_name  # the catalogue's own normalisation

        names: dict[str, tuple[str, Path]] = {}
        for path in _files(folder, recursive=False):
            self.files += 1
            data = read(path, self.problems)
            chip = validate(ChipSpec, data, path, self.problems) if data is not None else None
            if chip is None:
                continue
            if chip.id != path.stem:
                self.add(
                    path, key_line(data, "id"), "error", "bad-id",
                    f"chip id {chip.id!r} must equal the file name {path.stem!r}",
                )  # fmt: skip
                continue
            for label in chip_labels(chip):
                key = normalise_name(label)
                if key in names and names[key][0] != chip.id:
                    other_id, other_path = names[key]
                    self.add(
                        path, find_line(data, "aliases", label) or key_line(data, "name"),
                        "error", "duplicate-id",
                        f"name or alias {label!r} is already used by chip {other_id!r} ({other_path})",
                    )  # fmt: skip
                names.setdefault(key, (chip.id, path))
            self.chips[chip.id] = chip
            self.loaded += 1

    def _load_countries(self) -> None:
        for code, path in self.index.countries.items():
            self.files += 1
            self.country_files.add(code)
            country, _ = load_named(Country, path, "code", self.problems)
            if country is None:
                continue
            self.countries[country.code] = country
            self.loaded += 1

    def _warn_ignored_files(self) -> None:
        """YAML files the loader never reads: a rule there would silently not exist."""
        read_dirs = {self.rules / "parameters", self.rules / "scenarios"}
        for path in sorted(self.rules.rglob("*.y*ml")):
            rel = path.relative_to(self.rules)
            if any(part.startswith((".", "_")) for part in rel.parts):
                continue
            why = None
            if not is_regular_file(path):
                why = "not a regular file (a FIFO, a device or a folder is never read)"
            elif path.suffix == ".yml":
                why = "the loader reads only *.yaml files"
            elif len(rel.parts) == 1:
                why = "files directly in the rules folder are not read (put it in a regime folder)"
            elif rel.parts[0] == "pathways":
                continue  # routes: checked by routes.route_findings (run_check)
            elif len(rel.parts) > 2 and not any(path.is_relative_to(d) for d in read_dirs):
                why = "files in subfolders of a regime or chips folder are not read"
            if why:
                self.add(path, None, "warning", "ignored-file", f"not read: {why}")
        for path in sorted(self.countries_dir.glob("*.y*ml")):
            if path.suffix == ".yml" or not is_regular_file(path):
                why = "the loader reads only regular *.yaml files"
                self.add(path, None, "warning", "ignored-file", f"not read: {why}")
