"""Load stage: YAML files -> validated pydantic models, with file:line in every error.

Layout read here (see rules/README.md):
    rules/parameters/<ns>/<name>.yaml   one parameter, id "<ns>.<name>"
    rules/<regime>/regime.yaml          the regime header
    rules/<regime>/*.yaml               lists of provisions
    countries/<XX>.yaml                 one country or territory
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from .errors import LoadError
from .models.common import Window
from .models.country import Country
from .models.parameter import Parameter
from .models.provision import Provision
from .models.regime import Regime, RegimeHeader
from .models.scenario import Scenario
from .yamlio import LineDict, LineList, line_of, read_yaml

M = TypeVar("M", bound=BaseModel)

# Folders under rules/ that are not regimes.
NON_REGIME_DIRS = frozenset({"parameters", "scenarios", "pathways", "chips", "yardsticks"})


@dataclass(frozen=True)
class Origin:
    """Where a loaded object came from, for error messages and `check` findings."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


T = TypeVar("T")


class FileStore(Mapping[str, T]):
    """Files of one folder by stem (a country code, a scenario id), each read and
    validated on first access.

    Listing the keys only reads the folder, so a one-country query does not pay for
    parsing ~249 country files or every scenario; iterating loads them all once.
    """

    def __init__(
        self, folder: Path, load: Callable[[Path], T], paths: Mapping[str, Path] | None = None
    ) -> None:
        self._folder = folder
        self._load = load
        if paths is None:
            paths = {p.stem: p for p in sorted(folder.glob("*.yaml"))} if folder.is_dir() else {}
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

    def path(self, key: str) -> Path:
        return self._paths[key]


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


def _field_path(loc: tuple[Any, ...]) -> str:
    # drop the model names pydantic puts in union locations ("FactTest"), keep codes ("IL")
    return ".".join(
        str(p) for p in loc if not (isinstance(p, str) and p[:1].isupper() and not p.isupper())
    )


def validate(
    model: type[M],
    data: Any,
    path: Path,
    base_loc: tuple[Any, ...] = (),
    line: int | None = None,
) -> M:
    """Validate `data` as `model`; the first error becomes a LoadError with line and field.

    `line` is where `data` starts in its file, used when the error has no deeper line
    (e.g. a list item that is a string instead of a mapping)."""
    if data is None:
        raise LoadError(path, f"empty file: expected a {model.__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        err = exc.errors(include_url=False)[0]
        loc = tuple(err["loc"])
        # For union members pydantic puts tag names in loc; line_of skips what it can't follow
        more = f" (and {len(exc.errors()) - 1} more)" if len(exc.errors()) > 1 else ""
        raise LoadError(
            path,
            f"{err['msg']}{more}",
            line=line_of(data, loc) or line,
            field=_field_path(base_loc + loc) or None,
        ) from None


def load_parameter(path: Path, root: Path) -> tuple[Parameter, Origin]:
    rel = path.relative_to(root).with_suffix("")
    pid = ".".join(rel.parts)
    data = read_yaml(path)
    if isinstance(data, LineDict) and "id" in data:
        raise LoadError(
            path,
            "the id of a parameter is its path; remove 'id'",
            line=data.key_lines["id"],
            field="id",
        )
    param = validate(Parameter, data, path)
    return param.model_copy(update={"id": pid}), Origin(path, getattr(data, "line", None))


def load_regime(folder: Path) -> tuple[Regime, dict[str, Origin]]:
    header_path = folder / "regime.yaml"
    if not header_path.exists():
        raise LoadError(
            folder, "a regime folder needs a regime.yaml (id, title, description, references)"
        )
    header = validate(RegimeHeader, read_yaml(header_path), header_path)
    if header.id != folder.name:
        raise LoadError(
            header_path,
            f"regime id {header.id!r} must equal its folder name {folder.name!r}",
            field="id",
        )
    provisions: list[Provision] = []
    origins: dict[str, Origin] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "regime.yaml":
            continue
        data = read_yaml(path)
        if data is None:
            raise LoadError(path, "empty file: expected a list of provisions")
        if not isinstance(data, LineList):
            raise LoadError(
                path,
                "expected a list of provisions (each item starting with '- id:')",
                line=getattr(data, "line", None),
            )
        for i, item in enumerate(data):
            prov = validate(Provision, item, path, base_loc=(i,), line=data.item_lines[i])
            if prov.id in origins:
                raise LoadError(
                    path,
                    f"duplicate provision id {prov.id!r} (first at {origins[prov.id]})",
                    line=data.item_lines[i],
                    field="id",
                )
            origins[prov.id] = Origin(path, data.item_lines[i])
            provisions.append(prov)
    return Regime(header=header, provisions=tuple(provisions)), origins


def _load_named(model: type[M], path: Path, key: str) -> M:
    """Validate a file whose `key` field must equal its file name (so it can be found by
    name without being read)."""
    data = read_yaml(path)
    obj = validate(model, data, path)
    value = getattr(obj, key)
    if value != path.stem:
        raise LoadError(
            path,
            f"{key} {value!r} must equal the file name {path.stem!r}",
            line=data.key_lines.get(key) if isinstance(data, LineDict) else None,
            field=key,
        )
    return obj


def load_country(path: Path) -> Country:
    """One country file; its code must equal the file name."""
    return _load_named(Country, path, "code")


def _yaml_files(folder: Path) -> Iterable[Path]:
    return sorted(p for p in folder.rglob("*.yaml") if p.is_file())


def load_rulebase(rules_dir: Path, countries_dir: Path) -> RuleBase:
    """Index every parameter, regime, scenario and country file. Each is read and
    validated on first use, so a query reads only what it needs; `RuleBase.load_all`
    reads everything (and `tierscope check` reports every problem, not the first)."""
    if not rules_dir.is_dir():
        raise LoadError(rules_dir, "rules folder not found")
    if not countries_dir.is_dir():
        raise LoadError(countries_dir, "countries folder not found")
    rb = RuleBase()
    params_root = rules_dir / "parameters"
    if params_root.is_dir():
        rb.parameters = FileStore(
            params_root,
            lambda path: load_parameter(path, params_root)[0],
            {
                ".".join(p.relative_to(params_root).with_suffix("").parts): p
                for p in _yaml_files(params_root)
            },
        )
    folders = {
        p.name: p
        for p in sorted(rules_dir.iterdir())
        if p.is_dir() and p.name not in NON_REGIME_DIRS and not p.name.startswith((".", "_"))
    }
    rb.regimes = FileStore(rules_dir, lambda folder: _load_regime_tree(folder, folders), folders)
    rb.scenarios = FileStore(rules_dir / "scenarios", load_named_scenario)
    clash = sorted(set(rb.scenarios) & set(rb.regimes))
    if clash:
        raise LoadError(rules_dir / "scenarios", f"scenario id {clash[0]!r} is already a regime")
    rb.countries = FileStore(countries_dir, load_country)
    return rb


def load_scenario(path: Path) -> Scenario:
    """One scenario file (shipped, or a user's own `--scenario ./my.yaml`)."""
    return validate(Scenario, read_yaml(path), path)


def load_named_scenario(path: Path) -> Scenario:
    """A shipped scenario: its id is its file name, so it can be found without reading."""
    return _load_named(Scenario, path, "id")


def _load_regime_tree(folder: Path, folders: Mapping[str, Path]) -> Regime:
    """A regime folder with the provisions of the regimes it includes (read as needed)."""
    raw: dict[str, Regime] = {}
    todo = [folder.name]
    while todo:
        rid = todo.pop()
        if rid in raw or rid not in folders:
            continue  # an unknown include is reported by resolve_includes
        raw[rid] = load_regime(folders[rid])[0]
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

    def build(rid: str, chain: tuple[str, ...]) -> Regime:
        if rid in done:
            return done[rid]
        if rid in chain:
            raise LoadError(
                where, f"regimes include each other in a cycle: {' -> '.join((*chain, rid))}"
            )
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
