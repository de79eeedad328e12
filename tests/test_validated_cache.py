"""The on-disk cache of validated files: private, keyed by content, never trusted blindly."""

from __future__ import annotations

import shutil
import stat
from pathlib import Path

import pytest

from tierscope import validated_cache
from tierscope.loader import load_rulebase
from tierscope.paths import data_dirs


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("TIERSCOPE_CACHE", raising=False)
    monkeypatch.setenv("TIERSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / "validated"


@pytest.fixture
def project_copy(tmp_path: Path) -> tuple[Path, Path]:
    rules, countries = data_dirs()
    shutil.copytree(rules, tmp_path / "rules")
    shutil.copytree(countries, tmp_path / "countries")
    return tmp_path / "rules", tmp_path / "countries"


def test_entries_are_private_to_the_user(cache: Path, project_copy):
    rb = load_rulebase(*project_copy)
    rb.countries["IL"]
    entries = list(cache.glob("*.pickle"))
    assert entries
    assert stat.S_IMODE(cache.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(e.stat().st_mode) & 0o077 == 0 for e in entries)


def test_a_changed_file_is_read_again(cache: Path, project_copy):
    rules, countries = project_copy
    assert load_rulebase(rules, countries).countries["IL"].name == "Israel"
    path = countries / "IL.yaml"
    path.write_text(path.read_text().replace("name: Israel", "name: Israel (edited)", 1))
    assert load_rulebase(rules, countries).countries["IL"].name == "Israel (edited)"


def test_each_regime_of_a_folder_has_its_own_entry(cache: Path, project_copy):
    """Regimes read the same folder of files; their entries must not be mixed up."""
    first = load_rulebase(*project_copy)
    ids = {rid: first.regimes[rid].header.id for rid in first.regimes}
    again = load_rulebase(*project_copy)  # now from the cache
    assert {rid: again.regimes[rid].header.id for rid in again.regimes} == ids
    assert all(rid == header_id for rid, header_id in ids.items())


def test_a_tampered_entry_is_not_used(cache: Path, project_copy):
    rules, countries = project_copy
    load_rulebase(rules, countries).countries["IL"]
    for entry in cache.glob("*.pickle"):
        data = entry.read_bytes()
        entry.write_bytes(bytes(32) + data[32:])  # the stored key no longer matches
    assert load_rulebase(rules, countries).countries["IL"].name == "Israel"


def test_a_folder_others_can_write_is_not_trusted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    shared = tmp_path / "shared"
    (shared / "validated").mkdir(parents=True)
    (shared / "validated").chmod(0o777)
    monkeypatch.setenv("TIERSCOPE_CACHE_DIR", str(shared))
    monkeypatch.delenv("TIERSCOPE_CACHE", raising=False)
    assert validated_cache.cache_dir() is None


def test_the_cache_can_be_switched_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, project_copy
):
    monkeypatch.setenv("TIERSCOPE_CACHE_DIR", str(tmp_path / "off"))
    monkeypatch.setenv("TIERSCOPE_CACHE", "off")
    load_rulebase(*project_copy).countries["IL"]
    assert not (tmp_path / "off").exists()


def test_a_file_that_fails_to_load_fails_every_time(cache: Path, project_copy):
    from tierscope.errors import LoadError

    rules, countries = project_copy
    (countries / "IL.yaml").write_text("code: IL\nname: [unclosed\n")
    for _ in range(2):
        with pytest.raises(LoadError):
            load_rulebase(rules, countries).countries["IL"]


def test_the_folder_is_bounded(cache: Path, project_copy, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(validated_cache, "MAX_ENTRIES", 4)
    rb = load_rulebase(*project_copy)
    for code in list(rb.countries)[:12]:
        rb.countries[code]
    assert 0 < len(list(cache.glob("*.pickle"))) <= 4


def test_the_chip_catalogue_is_cached_and_follows_edits(cache: Path, project_copy):
    from tierscope.chips import load_chips
    from tierscope.service import Project

    rules, countries = project_copy
    assert Project(rules, countries).chips == load_chips(rules)
    assert Project(rules, countries).chips == load_chips(rules)  # from the cache
    path = sorted((rules / "chips").glob("*.yaml"))[0]
    text = path.read_text()
    path.write_text(text.replace("name: ", "name: Edited ", 1))
    edited = Project(rules, countries).chips
    assert edited == load_chips(rules)
    assert edited[path.stem].name.startswith("Edited ")


def test_a_regime_read_through_the_cache_is_named_by_its_files(cache: Path, project_copy):
    """The memo and the composite regime key a cached regime by its files' content key:
    the same files give the same key in another session, an edited file another key,
    and a regime changed in memory has no such name (it is hashed in full instead)."""
    from tierscope.compile import compile_regime
    from tierscope.service import Project

    rules, countries = project_copy

    def memo_key(project: Project, scenario: str) -> str:
        return project.world(scenario).compiled.memo_key

    first, second = Project(rules, countries), Project(rules, countries)
    regime = first.rulebase.regimes["framework-2025"]
    assert validated_cache.origin_key(regime) is not None
    assert validated_cache.origin_key(regime.model_copy()) is None
    for scenario in ("framework-2025", "current-law"):
        assert memo_key(first, scenario) == memo_key(second, scenario)
    # the same provisions made in memory compile to the same rules, keyed by their repr
    params = first.rulebase.parameters
    by_files, in_memory = (
        compile_regime(regime, params),
        compile_regime(regime.model_copy(), params),
    )
    assert by_files.rules == in_memory.rules and by_files.memo_key != in_memory.memo_key
    path = rules / "framework-2025" / "tiers.yaml"
    path.write_text(path.read_text() + "\n# an edit\n")
    assert memo_key(Project(rules, countries), "framework-2025") != memo_key(
        first, "framework-2025"
    )
