"""Load stage: YAML files -> validated pydantic models, with file:line in every error.

Layout read here (see rules/README.md):
    rules/parameters/<ns>/<name>.yaml   one parameter, id "<ns>.<name>"
    rules/<regime>/regime.yaml          the regime header
    rules/<regime>/*.yaml               lists of provisions
    countries/<XX>.yaml                 one country or territory
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel

from .errors import LoadError
from .findings import Problems
from .graphs import chain_text, find_cycles
from .models.common import Window
from .models.country import Country
from .models.parameter import Parameter
from .models.provision import Provision
from .models.regime import Regime, RegimeHeader
from .models.scenario import Scenario
from .validation import key_line, validate
from .yamlio import LineDict, LineList, is_regular_file, read_yaml

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")

# Folders under rules/ that are not regimes.
NON_REGIME_DIRS = frozenset({"parameters", "scenarios", "pathways", "chips", "yardsticks"})


class FileStore(Mapping[str, T]):
    """Files of one folder by key (a country code, a scenario id), each read and
    validated on first access.

    Listing the keys only reads the folder, so a one-country query does not pay for
    parsing ~249 country files or every scenario; iterating loads them all once.
    """

    def __init__(self, load: Callable[[Path], T], paths: Mapping[str, Path]) -> None:
        self._load = load
        self._paths = dict(paths)
        self._loaded: dict[str, T] = {}

    def __getitem__(self, key: str) -> T:
        if key not in self._loaded:
            path = self._paths[key]  # KeyError for unknown keys, as a Mapping should
            self._loaded[key] = self._load(path)
        return self._loaded[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


@dataclass
class RuleBase:
    """Parameters, regimes, scenarios and countries, each read on first use."""

    parameters: Mapping[str, Parameter] = field(default_factory=dict)
    regimes: Mapping[str, Regime] = field(default_factory=dict)
    scenarios: Mapping[str, Scenario] = field(default_factory=dict)
    countries: Mapping[str, Country] = field(default_factory=dict)

    def load_all(self) -> RuleBase:
        """Read and validate every file now (the stores otherwise read on first use)."""
        for store in (self.parameters, self.regimes, self.scenarios, self.countries):
            for key in store:
                store[key]
        return self


# --------------------------------------------------------------------------- one file


def _stop() -> Problems:
    return Problems(collect=False)


def read(path: Path, problems: Problems) -> Any:
    """The YAML data of one file, or None after reporting why it cannot be used."""
    try:
        data = read_yaml(path)
    except LoadError as err:
        msg = err.detail
        code = (
            "duplicate-key"
            if "duplicate key" in msg
            else "bad-date"
            if _DATE_VALUE.search(msg)
            else "unreadable"
            if "cannot read" in msg
            else "yaml-syntax"
        )
        problems.error(err, code)
        return None
    if data is None:
        problems.add(path, None, "empty-file", "empty file")
    return data


_DATE_VALUE = re.compile(r"invalid value '?(\d{4}-\d{1,2}-\d{1,2}[^']*)'?")


def validate_one(model: type[M], data: Any, path: Path, line: int | None = None) -> M:
    """`model` from `data`, raising the first problem as a LoadError (queries)."""
    obj = validate(model, data, path, _stop(), default_line=line)
    assert obj is not None  # stop-at-first mode raises instead
    return obj


def load_parameter(
    path: Path, root: Path, problems: Problems | None = None
) -> tuple[Parameter | None, Any]:
    """One parameter file; its id is its path under `root` (`ns/x.yaml` -> `ns.x`)."""
    problems = problems or _stop()
    pid = parameter_id(path, root)
    data = read(path, problems)
    if data is None:
        return None, None
    if isinstance(data, LineDict) and "id" in data:
        problems.add(
            path,
            data.key_lines["id"],
            "unknown-key",
            "the id of a parameter is its path; remove 'id'",
        )
        trimmed = LineDict({k: v for k, v in data.items() if k != "id"})
        trimmed.key_lines, trimmed.line = data.key_lines, data.line
        data = trimmed
    param = validate(Parameter, data, path, problems)
    return (param.model_copy(update={"id": pid}) if param else None), data


def parameter_id(path: Path, root: Path) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts)


@dataclass
class RegimeSource:
    """A regime folder as read: its header, its provisions, and whether all of it loaded."""

    folder: Path
    header: RegimeHeader | None = None
    header_data: Any = None
    provisions: list[Provision] = field(default_factory=list)
    broken: bool = False

    @property
    def header_path(self) -> Path:
        return self.folder / "regime.yaml"


def load_regime_source(folder: Path, problems: Problems | None = None) -> RegimeSource:
    """A regime folder: regime.yaml and every list of provisions in it."""
    problems = problems or _stop()
    src = RegimeSource(folder)
    if not is_regular_file(src.header_path):
        problems.add(
            folder, None, "missing-file",
            "a regime folder needs a regime.yaml (id, title, description, references)",
        )  # fmt: skip
        src.broken = True
    else:
        data = read(src.header_path, problems)
        header = validate(RegimeHeader, data, src.header_path, problems) if data else None
        src.header_data = data
        if header is None:
            src.broken = True
        elif header.id != folder.name:
            problems.add(
                src.header_path, key_line(data, "id"), "bad-id",
                f"regime id {header.id!r} must equal its folder name {folder.name!r}",
                field="id",
            )  # fmt: skip
            src.broken = True
        else:
            src.header = header
    seen: dict[str, str] = {}
    for path in _files(folder, recursive=False):
        if path.name == "regime.yaml":
            continue
        data = read(path, problems)
        if data is None:
            src.broken = True
            continue
        if not isinstance(data, LineList):
            problems.add(
                path, getattr(data, "line", None), "invalid",
                "expected a list of provisions (each item starting with '- id:')",
            )  # fmt: skip
            src.broken = True
            continue
        for i, item in enumerate(data):
            line = data.item_lines[i]
            pid = item.get("id") if isinstance(item, LineDict) else None
            label = pid if isinstance(pid, str) and pid else f"[{i}]"
            prov = validate(Provision, item, path, problems, label, default_line=line)
            if prov is None:
                src.broken = True
                continue
            if prov.id in seen:
                problems.add(
                    path, key_line(item, "id") or line, "duplicate-id",
                    f"duplicate provision id {prov.id!r} (first at {seen[prov.id]})",
                    field="id",
                )  # fmt: skip
                src.broken = True
                continue
            seen[prov.id] = f"{path}:{line}"
            src.provisions.append(prov.located(f"{path}:{line}", item))
    return src


def load_regime(folder: Path) -> Regime:
    """A regime folder, stopping at the first problem."""
    src = load_regime_source(folder)
    assert src.header is not None
    return Regime(header=src.header, provisions=tuple(src.provisions))


def load_named(
    model: type[M], path: Path, key: str, problems: Problems | None = None
) -> tuple[M | None, Any]:
    """A file whose `key` field must equal its file name (so it can be found by name
    without being read)."""
    problems = problems or _stop()
    data = read(path, problems)
    if data is None:
        return None, None
    obj = validate(model, data, path, problems)
    if obj is None:
        return None, data
    value = getattr(obj, key)
    if value != path.stem:
        problems.add(
            path, key_line(data, key), "bad-id",
            f"{key} {value!r} must equal the file name {path.stem!r}", field=key,
        )  # fmt: skip
        return None, data
    return obj, data


def load_country(path: Path) -> Country:
    """One country file; its code must equal the file name."""
    return load_named(Country, path, "code")[0]  # type: ignore[return-value]


def load_scenario(path: Path) -> Scenario:
    """One scenario file (shipped, or a user's own `--scenario ./my.yaml`)."""
    return validate_one(Scenario, read(path, _stop()), path)


def load_named_scenario(path: Path) -> Scenario:
    """A shipped scenario: its id is its file name, so it can be found without reading."""
    return load_named(Scenario, path, "id")[0]  # type: ignore[return-value]


# --------------------------------------------------------------------------- the folders


def _is_regular(entry: os.DirEntry[str]) -> bool:
    """As `is_regular_file` (links followed, False on any error), from the directory read."""
    try:
        return entry.is_file()
    except OSError:
        return False


def _files(folder: Path, recursive: bool) -> list[Path]:
    """The regular *.yaml files of a folder (FIFOs, devices and folders are not read)."""
    if not recursive:  # the countries folder: one directory read, no stat per file
        try:
            with os.scandir(folder) as entries:
                names = [
                    e.name
                    for e in entries
                    if e.name.endswith(".yaml")
                    and not e.name.startswith((".", "_"))
                    and _is_regular(e)
                ]
        except OSError:
            return []
        return [folder / name for name in sorted(names)]
    try:
        found = folder.rglob("*.yaml")
        return sorted(
            p
            for p in found
            if is_regular_file(p)
            and not any(s.startswith((".", "_")) for s in p.relative_to(folder).parts)
        )
    except OSError:
        return []


@dataclass
class FileIndex:
    """Which file holds what, found by listing folders only (nothing is parsed)."""

    parameters: dict[str, Path] = field(default_factory=dict)
    regimes: dict[str, Path] = field(default_factory=dict)
    scenarios: dict[str, Path] = field(default_factory=dict)
    countries: dict[str, Path] = field(default_factory=dict)


def index_files(
    rules_dir: Path, countries_dir: Path, problems: Problems | None = None
) -> FileIndex:
    """Every parameter, regime, scenario and country file by id. Two files that would give
    one id (`parameters/ns/x.yaml` and `parameters/ns.x.yaml`; two scenarios of one name in
    different subfolders; a scenario named as a regime) are an error."""
    problems = problems or _stop()
    for folder, what in ((rules_dir, "rules"), (countries_dir, "countries")):
        if not _is_dir(folder):
            problems.add(folder, None, "not-found", f"{what} folder not found")
    idx = FileIndex()
    params_root = rules_dir / "parameters"
    for path in _files(params_root, recursive=True):
        pid = parameter_id(path, params_root)
        if pid in idx.parameters:
            problems.add(
                path, None, "duplicate-id",
                f"parameter id {pid!r} is also given by {idx.parameters[pid]}; keep one file",
            )  # fmt: skip
            continue
        idx.parameters[pid] = path
    if _is_dir(rules_dir):
        for p in sorted(rules_dir.iterdir()):
            if _is_dir(p) and p.name not in NON_REGIME_DIRS and not p.name.startswith((".", "_")):
                idx.regimes[p.name] = p
    for path in _files(rules_dir / "scenarios", recursive=True):
        if path.stem in idx.scenarios:
            problems.add(
                path, None, "duplicate-id",
                f"scenario id {path.stem!r} is also given by {idx.scenarios[path.stem]}",
            )  # fmt: skip
            continue
        if path.stem in idx.regimes:
            problems.add(
                path, None, "duplicate-id", f"scenario id {path.stem!r} is already a regime's id"
            )
            continue
        idx.scenarios[path.stem] = path
    idx.countries = {p.stem: p for p in _files(countries_dir, recursive=False)}
    return idx


def _is_dir(path: Path) -> bool:
    try:
        return path.is_dir()
    except OSError:
        return False


def load_rulebase(rules_dir: Path, countries_dir: Path) -> RuleBase:
    """Index every parameter, regime, scenario and country file (stopping at the first
    problem). Each is read and validated on first use, so a query reads only what it
    needs; `RuleBase.load_all` reads everything."""
    from .validated_cache import cached  # validated files keyed by content hash

    idx = index_files(rules_dir, countries_dir)
    params_root = rules_dir / "parameters"
    rb = RuleBase()
    rb.parameters = FileStore(
        cached("parameter", lambda path: load_parameter(path, params_root)[0]), idx.parameters
    )
    rb.regimes = FileStore(
        cached(
            "regime",
            lambda folder: _load_regime_tree(folder, idx.regimes),
            # a regime reads its folder and those of the regimes it includes
            lambda folder: [p for f in idx.regimes.values() for p in sorted(f.glob("*.yaml"))],
        ),
        idx.regimes,
    )
    rb.scenarios = FileStore(cached("scenario", load_named_scenario), idx.scenarios)
    rb.countries = FileStore(cached("country", load_country), idx.countries)
    return rb


def _load_regime_tree(folder: Path, folders: Mapping[str, Path]) -> Regime:
    """A regime folder with the provisions of the regimes it includes (read as needed)."""
    raw: dict[str, Regime] = {}
    todo = [folder.name]
    while todo:
        rid = todo.pop()
        if rid in raw or rid not in folders:
            continue  # an unknown include is reported by resolve_includes
        raw[rid] = load_regime(folders[rid])
        todo.extend(inc.regime for inc in raw[rid].header.includes)
    return resolve_includes(raw, folder.parent)[folder.name]


def clip(p: Provision, start: dt.date | None, until: dt.date | None) -> Provision | None:
    """`p` restricted to [start, until); None when nothing of its window is left."""
    new_start = max(p.valid.start, start) if start else p.valid.start
    ends = [d for d in (p.valid.until, until) if d is not None]
    new_until = min(ends) if ends else None
    if new_until is not None and new_until <= new_start:
        return None
    if new_start == p.valid.start and new_until == p.valid.until:
        return p
    return p.model_copy(
        update={"valid": Window.model_validate({"from": new_start, "until": new_until})}
    )


def resolve_includes(regimes: dict[str, Regime], where: Path) -> dict[str, Regime]:
    """Add included regimes' provisions (clipped to the include window) to each regime."""
    done: dict[str, Regime] = {}
    cycles = find_cycles(
        regimes, lambda r: [i.regime for i in regimes[r].header.includes if i.regime in regimes]
    )
    if cycles:
        raise LoadError(where, f"regimes include each other in a cycle: {chain_text(cycles[0])}")

    def build(rid: str, chain: tuple[str, ...]) -> Regime:
        if rid in done:
            return done[rid]
        regime = regimes[rid]
        provisions = list(regime.provisions)
        for inc in regime.header.includes:
            if inc.regime not in regimes:
                raise LoadError(
                    where / rid / "regime.yaml",
                    f"includes unknown regime {inc.regime!r}",
                    field="includes",
                )
            own = {p.id for p in regime.provisions}
            for p in build(inc.regime, (*chain, rid)).provisions:
                if p.id in own:
                    raise LoadError(
                        where / rid,
                        f"provision id {p.id!r} is defined in {rid} and in included regime {inc.regime}",
                        field="id",
                    )
                clipped = clip(p, inc.start, inc.until)
                if clipped is not None:
                    provisions.append(clipped)
        done[rid] = Regime(header=regime.header, provisions=tuple(provisions))
        return done[rid]

    for rid in regimes:
        build(rid, ())
    return done
