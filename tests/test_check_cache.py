"""`check`'s report cache can only make `check` faster, never hide or change a finding.

A cached report must equal the report of a run without the cache (shipped rules and a
tree full of planted faults), and any change to the checked files or to the engine must
miss the cache: the tests edit a copy of a clean, already cached tree and expect the
fault to be reported.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

import tierscope.check as check_pkg
import tierscope.validated_cache as vc
from tierscope.check import Report, run_check
from tierscope.check.report_cache import report_key

from .test_check import FIXTURE, PLANTED_TIER1_D1, REPO, TIERS, append, edit, found


def _mini(root: Path) -> Path:
    """The minimal tree of test_check, with the shipped files it needs."""
    shutil.copytree(FIXTURE, root, dirs_exist_ok=True)
    for rel in ("units/h100_tpp.yaml", "assumptions/window_years.yaml"):
        dest = root / "rules" / "parameters" / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(REPO / "rules" / "parameters" / rel, dest)
    (root / "countries").mkdir(exist_ok=True)
    for code in ("FR", "US", "CN"):
        shutil.copy(REPO / "countries" / f"{code}.yaml", root / "countries")
    return root


def _check(root: Path, cache: bool = True) -> Report:
    return run_check(root / "rules", root / "countries", cache=cache)


@pytest.fixture
def cached_clean(tmp_path: Path) -> Path:
    """A clean tree whose report is in the cache (proved: the second run does not check)."""
    root = _mini(tmp_path / "project")
    assert _check(root).findings == []
    assert report_key(root / "rules", root / "countries") is not None
    return root


def _no_checking(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> Report:
        raise AssertionError("check ran although its report is cached")

    monkeypatch.setattr(check_pkg, "_run", refuse)


def _same(a: Report, b: Report) -> None:
    assert a.to_dict() == b.to_dict()
    assert a.to_text() == b.to_text()
    assert a.files == b.files and a.notes == b.notes


def test_shipped_report_from_the_cache_equals_a_fresh_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fresh = run_check(REPO / "rules", REPO / "countries", cache=False)
    run_check(REPO / "rules", REPO / "countries")  # fills the cache (or finds it full)
    _no_checking(monkeypatch)
    _same(run_check(REPO / "rules", REPO / "countries"), fresh)


def test_report_of_a_broken_tree_from_the_cache_equals_a_fresh_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _mini(tmp_path)
    append(root, TIERS, PLANTED_TIER1_D1)
    edit(root, "countries/US.yaml", "as_of: 2025-01-15", "as_of: 2025-02-30")
    (root / "rules" / "mini" / "extra.yml").write_text("- id: mini.x\n")
    fresh = _check(root, cache=False)
    assert {"overlap", "bad-date", "ignored-file"} <= {f.code for f in fresh.findings}
    assert _check(root).findings == fresh.findings  # stored
    _no_checking(monkeypatch)
    _same(_check(root), fresh)


def test_a_cached_clean_tree_is_answered_without_checking(
    cached_clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_checking(monkeypatch)
    assert _check(cached_clean).findings == []


def test_editing_a_rule_file_of_a_cached_tree_reports_the_fault(cached_clean: Path) -> None:
    append(cached_clean, TIERS, PLANTED_TIER1_D1)
    assert found(_check(cached_clean), "overlap")


def test_one_byte_in_a_country_file_misses_the_cache(cached_clean: Path) -> None:
    edit(cached_clean, "countries/US.yaml", "as_of: 2025-01-15", "as_of: 2025-01-35")
    assert found(_check(cached_clean), "bad-date")


def test_adding_removing_or_renaming_a_file_misses_the_cache(cached_clean: Path) -> None:
    rules = cached_clean / "rules"
    extra = rules / "mini" / "extra.yml"
    extra.write_text("- id: mini.x\n")
    assert found(_check(cached_clean), "ignored-file")
    extra.rename(rules / "extra.yml")
    [f] = found(_check(cached_clean), "ignored-file")
    assert f.path == str(rules / "extra.yml")
    (rules / "extra.yml").unlink()
    assert _check(cached_clean).findings == []
    (cached_clean / "countries" / "FR.yaml").unlink()
    assert _check(cached_clean).findings != []  # a tier-1 list names a missing country


def test_reverting_an_edit_finds_the_clean_report_again(
    cached_clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tiers = cached_clean / TIERS
    original = tiers.read_bytes()
    append(cached_clean, TIERS, PLANTED_TIER1_D1)
    assert found(_check(cached_clean), "overlap")
    tiers.write_bytes(original)
    _no_checking(monkeypatch)
    assert _check(cached_clean).findings == []


def test_a_changed_engine_source_misses_the_cache(
    cached_clean: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = report_key(cached_clean / "rules", cached_clean / "countries")
    engine = tmp_path / "engine-copy"
    shutil.copytree(Path(vc.__file__).parent, engine, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(vc, "_PKG", engine)
    monkeypatch.setattr(vc, "_SALT", [])
    assert report_key(cached_clean / "rules", cached_clean / "countries") == before
    source = engine / "check" / "assignments.py"
    source.write_bytes(source.read_bytes() + b" ")
    monkeypatch.setattr(vc, "_SALT", [])
    assert report_key(cached_clean / "rules", cached_clean / "countries") != before


def test_a_tampered_entry_is_ignored(cached_clean: Path) -> None:
    key = report_key(cached_clean / "rules", cached_clean / "countries")
    assert key is not None
    folder = vc.cache_dir()
    assert folder is not None
    entry = folder / f"{key.hex()}.json"
    assert entry.exists()
    for text in ("0" * 64 + '\n{"findings": []}', "not json at all", key.hex() + "\n[1, 2]"):
        entry.write_text(text)
        assert _check(cached_clean).findings == []
    entry.write_text(key.hex() + '\n{"findings": [], "files": 1, "unusable": true, "notes": []}')
    assert _check(cached_clean).files > 1


def test_a_planted_report_under_a_foreign_key_is_never_used(cached_clean: Path) -> None:
    """An entry copied under another tree's name is refused: the key is inside the file."""
    other = _mini(cached_clean.parent / "other")
    append(other, TIERS, PLANTED_TIER1_D1)
    good = report_key(cached_clean / "rules", cached_clean / "countries")
    bad = report_key(other / "rules", other / "countries")
    assert good is not None and bad is not None and good != bad
    folder = vc.cache_dir()
    assert folder is not None
    shutil.copy(folder / f"{good.hex()}.json", folder / f"{bad.hex()}.json")
    assert found(_check(other), "overlap")


def test_cache_off_and_symbolic_links_are_never_cached(
    cached_clean: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    link = cached_clean / "rules" / "mini" / "linked.yaml"
    os.symlink(cached_clean / TIERS, link)
    assert report_key(cached_clean / "rules", cached_clean / "countries") is None
    link.unlink()
    monkeypatch.setenv("TIERSCOPE_CACHE", "off")
    assert report_key(cached_clean / "rules", cached_clean / "countries") is None
    append(cached_clean, TIERS, PLANTED_TIER1_D1)
    assert found(_check(cached_clean), "overlap")
