"""A per-user cache of validated rule and country files, keyed by content hashes.

Reading a file means parsing YAML (with line numbers) and building pydantic's validator
for its model, which is most of a one-country query's start-up; unpickling the validated
object instead costs a fraction of a millisecond. The cache is safe by construction:

- The key is a SHA-256 over everything the validated object depends on: the bytes and
  absolute paths of the files read, and the source of this package (models, loader,
  vocabulary) with the Python and pydantic versions. A changed file or a changed engine
  is a different key, so a stale entry is never found, only left behind.
- Entries live outside the repository and the installed package, in a directory of the
  user's own: `$TIERSCOPE_CACHE_DIR`, else `$XDG_CACHE_HOME/tierscope`, else
  `~/.cache/tierscope`. `TIERSCOPE_CACHE=off` disables the cache.
- pickle can execute code, so an entry is only read from a directory created by this
  user with mode 0700 and from a file owned by this user that no one else can write;
  anyone who can write there can already run code as the user. Each entry starts with
  its own key, checked before unpickling, so a file renamed or mixed up is never used.
  Any failure to read or write (a full disk, a foreign owner, an entry from an
  incompatible class) falls back to reading the YAML: the cache can only make things
  faster, never change an answer (tests/test_validated_cache.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import stat
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

_PKG = Path(__file__).resolve().parent
_SALT: list[bytes] = []
_DIRS: dict[tuple[str | None, ...], Path | None] = {}
MAX_ENTRIES = 4096  # about 30 copies of the shipped files; the oldest half go beyond it


def cache_dir() -> Path | None:
    """The directory of validated entries, created 0700; None when disabled or unsafe."""
    env = tuple(os.environ.get(k) for k in ("TIERSCOPE_CACHE", "TIERSCOPE_CACHE_DIR", "HOME"))
    env += (os.environ.get("XDG_CACHE_HOME"),)
    if env not in _DIRS:
        _DIRS[env] = _make_dir()
    return _DIRS[env]


def _make_dir() -> Path | None:
    if os.environ.get("TIERSCOPE_CACHE", "").strip().lower() in ("0", "off", "no", "false"):
        return None
    base = os.environ.get("TIERSCOPE_CACHE_DIR")
    if base:
        root = Path(base).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        root = (Path(xdg) if xdg else Path.home() / ".cache") / "tierscope"
    folder = root / "validated"
    try:
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        folder.mkdir(mode=0o700, exist_ok=True)
        st = os.lstat(folder)
    except (OSError, RuntimeError):
        return None
    if not _private(st) or not stat.S_ISDIR(st.st_mode):
        return None
    return folder


def _private(st: os.stat_result) -> bool:
    """Owned by this user and not writable (or, for a folder, readable) by anyone else."""
    getuid = getattr(os, "getuid", None)
    owner_ok = getuid is None or st.st_uid == getuid()
    return owner_ok and not st.st_mode & (0o077 if stat.S_ISDIR(st.st_mode) else 0o022)


def _salt() -> bytes:
    """The engine's own source and versions: a changed model or loader means new keys.

    Each source file counts by its size and modification time, as Python's own bytecode
    cache decides whether a .pyc is stale: reading and hashing every file instead cost a
    cold query 5 ms."""
    if not _SALT:
        import pydantic

        h = hashlib.sha256(f"{sys.version}|{pydantic.VERSION}".encode())
        root = str(_PKG)
        sources = []
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            sources += [os.path.join(folder, f) for f in files if f.endswith(".py")]
        for path in sorted(sources):
            st = os.stat(path)
            rel = os.path.relpath(path, root)
            h.update(f"{rel}\0{st.st_size}\0{st.st_mtime_ns}\0".encode())
        _SALT.append(h.digest())
    return _SALT[0]


def content_key(kind: str, target: Path, files: Iterable[Path]) -> bytes:
    """What `load(target)` depends on: the engine, the target's own path (several
    targets may read the same files, e.g. each regime of a folder of regimes) and the
    path and bytes of every file read."""
    h = hashlib.sha256(_salt() + kind.encode() + b"\0" + os.path.abspath(target).encode() + b"\0")
    for path in files:
        h.update(os.path.abspath(path).encode() + b"\0")
        h.update(hashlib.sha256(path.read_bytes()).digest())
    return h.digest()


def _read(folder: Path, key: bytes) -> tuple[bool, object]:
    path = folder / f"{key.hex()}.pickle"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return False, None
    try:
        with os.fdopen(fd, "rb") as f:
            if not _private(os.fstat(f.fileno())) or f.read(len(key)) != key:
                return False, None
            return True, pickle.loads(f.read())
    except Exception:  # a truncated or incompatible entry: rebuild it
        return False, None


def _write(folder: Path, key: bytes, value: object) -> None:
    import tempfile  # only when writing: a warm start never needs it

    try:
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")  # mode 0600
    except Exception:  # unpicklable, or the folder is not writable: simply not cached
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key + data)
        os.replace(tmp, folder / f"{key.hex()}.pickle")
    except OSError:  # disk full: leave no partial entry behind
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    _prune(folder)


def _prune(folder: Path) -> None:
    """Bound the folder: entries of edited files are never read again, so when there are
    more than MAX_ENTRIES, the least recently written half goes (only on a write, which
    is rare: a warm start writes nothing)."""
    try:
        entries = [e for e in os.scandir(folder) if e.name.endswith((".pickle", ".json"))]
        if len(entries) <= MAX_ENTRIES:
            return
        entries.sort(key=lambda e: e.stat().st_mtime)
        for e in entries[: len(entries) // 2]:
            os.unlink(e.path)
    except OSError:
        pass


def cached(
    kind: str, load: Callable[[Path], T], deps: Callable[[Path], Iterable[Path]] | None = None
) -> Callable[[Path], T]:
    """`load`, answered from the cache when every file it reads is unchanged.

    `deps(path)` lists the files `load(path)` reads (default: just `path`). Errors are
    never cached: a file that fails to load fails again, with its own message.
    """

    def run(path: Path) -> T:
        folder = cache_dir()
        if folder is None:
            return load(path)
        try:
            key = content_key(kind, path, deps(path) if deps else [path])
        except OSError:
            return load(path)  # unreadable: let the loader say why
        found, value = _read(folder, key)
        if not found:
            value = load(path)
            _write(folder, key, value)
        _remember(value, key)
        return value  # type: ignore[return-value]

    return run


def cached_value(kind: str, content: str, build: Callable[[], T]) -> T:
    """`build()`, answered from the cache when `content` - a complete description of
    everything `build` reads, such as the reprs of the validated models it combines - is
    unchanged. Errors are never cached."""
    folder = cache_dir()
    if folder is None:
        return build()
    h = hashlib.sha256(_salt() + kind.encode() + b"\0" + content.encode())
    key = h.digest()
    found, value = _read(folder, key)
    if not found:
        value = build()
        _write(folder, key, value)
    _remember(value, key)
    return value  # type: ignore[return-value]


# What this process loaded or built through the cache, by id, with the key naming its
# content (the object is held, so its id stays its own). A value combined only from such
# objects can be keyed by their keys rather than by hashing its repr (`origin_key`).
_ORIGINS: dict[int, tuple[object, bytes]] = {}
_ORIGINS_LIMIT = 50_000


def _remember(value: object, key: bytes) -> None:
    if len(_ORIGINS) < _ORIGINS_LIMIT:
        _ORIGINS[id(value)] = (value, key)


def origin_key(value: object) -> bytes | None:
    """The content key `value` was read or built under, in this process; None for
    anything else (made in memory, changed by a scenario, or the cache is off). Cached
    values are validated, frozen models, so the key keeps naming their content."""
    entry = _ORIGINS.get(id(value))
    return entry[1] if entry is not None and entry[0] is value else None


def read_json(key: bytes) -> object | None:
    """The JSON value stored under `key`, or None (no entry, cache off, or not ours).

    Same rules as the pickled entries: a private folder, a file owned by this user that
    no one else can write, and the key itself as the first line, checked before use."""
    import json

    folder = cache_dir()
    if folder is None:
        return None
    try:
        fd = os.open(folder / f"{key.hex()}.json", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            if not _private(os.fstat(f.fileno())) or f.readline() != key.hex().encode() + b"\n":
                return None
            return json.loads(f.read().decode("utf-8"))
    except Exception:  # truncated or not JSON: rebuild it
        return None


def write_json(key: bytes, value: object) -> None:
    """Store `value` (plain data) under `key`; a failure only means it is not cached."""
    import json
    import tempfile

    folder = cache_dir()
    if folder is None:
        return
    try:
        data = json.dumps(value, ensure_ascii=False).encode("utf-8")
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")  # mode 0600
    except Exception:
        return
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(key.hex().encode() + b"\n" + data)
        os.replace(tmp, folder / f"{key.hex()}.json")
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    _prune(folder)
