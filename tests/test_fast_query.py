"""The fast path of `tierscope query` (entry.py, issue 12) answers exactly as typer does.

A plain query runs without importing typer or click; these tests hold it to the typer
command: the same options with the same defaults (introspected from the click command typer
builds), and, over a corpus of command lines run in real processes once through the fast
path and once with TIERSCOPE_FAST=off, byte-identical stdout and stderr and the same exit
code. What the fast parser does not understand must fall back to typer.
"""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import typer

from tierscope import cli
from tierscope.entry import FAST_OPTIONS, FORMATS, REPEATABLE, fast_query
from tierscope.query_command import run_query

ENGINE = Path(__file__).resolve().parents[1] / "engine"
DAY = "2025-06-01"


def typer_query_command():
    group = typer.main.get_command(cli.app)
    return group.commands["query"]  # type: ignore[attr-defined]


# ------------------------------------------------------------------ no drift from typer


def test_every_fast_option_is_the_typer_commands_own():
    params = {p.name: p for p in typer_query_command().params}
    for spelling, name in FAST_OPTIONS.items():
        assert name in params, f"{spelling}: no parameter {name!r} in the typer command"
        param = params[name]
        assert spelling in param.opts, f"{spelling} is not a spelling of --{name}"
        assert bool(getattr(param, "multiple", False)) == (name in REPEATABLE), spelling
    # and every spelling of those options is known, so none is read as a country
    for name in set(FAST_OPTIONS.values()):
        assert set(params[name].opts) | set(params[name].secondary_opts) == {
            s for s, n in FAST_OPTIONS.items() if n == name
        }


def test_fast_defaults_are_the_typer_defaults():
    params = {p.name: p for p in typer_query_command().params}
    signature = inspect.signature(run_query).parameters
    for name in set(FAST_OPTIONS.values()) | {"with_"}:
        ours = signature[name].default
        theirs = params[name].default
        if name in REPEATABLE or name == "with_":
            assert not ours and not theirs, name  # None or empty: nothing given
        else:
            assert ours == theirs, name


def test_the_formats_are_typer_choices():
    params = {p.name: p for p in typer_query_command().params}
    choices = params["format"].type_descriptor.choices
    assert tuple(c.value for c in choices) == FORMATS
    assert params["format"].type_descriptor.case_sensitive


def test_the_country_argument_is_positional_and_repeatable():
    (argument,) = [p for p in typer_query_command().params if p.name == "country"]
    assert argument.param_type_name == "argument" and argument.nargs == -1


# ------------------------------------------------------------------ the parser's decisions


@pytest.mark.parametrize(
    "argv, countries, options",
    [
        (["query", "IL"], ["IL"], {}),
        (["query", "-f", "json", "IL", "CN"], ["IL", "CN"], {"format": "json"}),
        (["query", "IL", "--format=csv", "--as-of", DAY], ["IL"], {"format": "csv", "as_of": DAY}),
        (["query", "--scenario=", "IL"], ["IL"], {"scenario": ""}),
        (
            ["query", "IL", "-a", "x=1", "--assume=y=2", "--utilisation", "0.35"],
            ["IL"],
            {"assume": ["x=1", "y=2"], "utilisation": 0.35},
        ),
    ],
)
def test_a_plain_query_is_parsed(argv, countries, options):
    assert fast_query(argv) == (countries, options)


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["query"],
        ["countries"],
        ["--rules", "x", "query", "IL"],
        ["query", "--help"],
        ["query", "IL", "-h"],
        ["query", "--", "IL"],
        ["query", "-fjson", "IL"],
        ["query", "-f=json", "IL"],
        ["query", "IL", "-f"],
        ["query", "IL", "--as-of"],
        ["query", "IL", "-f", "JSON"],
        ["query", "IL", "-f", "xml"],
        ["query", "IL", "-s", "a", "-s", "b"],
        ["query", "IL", "--as-of", "-1"],
        ["query", "IL", "--with", "nveu"],
        ["query", "IL", "--utilisation", "1e-1"],
        ["query", "IL", "--scen", "x"],
        ["query", "IL", "--ünknown", "x"],
        ["query", "-", "IL"],
        ["query", "-s", "framework-2025"],
        ["query", "IL\udcff"],
    ],
)
def test_anything_else_goes_to_typer(argv):
    assert fast_query(argv) is None


# ------------------------------------------------------------------ the same answers


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("fast-query-cache")


def tierscope(args: list[str], cache: Path, fast: bool) -> tuple[int, bytes, bytes]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ENGINE),
        "TIERSCOPE_CACHE_DIR": str(cache),
        "TIERSCOPE_FAST": "on" if fast else "off",
    }
    env.pop("TIERSCOPE_DEBUG", None)
    r = subprocess.run(
        [sys.executable, "-m", "tierscope", *args], capture_output=True, env=env, timeout=120
    )
    return r.returncode, r.stdout, r.stderr


S = ["--as-of", DAY]
BASIS = ["--in", "B200", "--utilisation", "0.35"]  # the yardsticks' basis
FAST: list[list[str]] = [
    # answers
    ["query", "IL", *S],
    ["query", "il", "isr", "Israel", *S, "-f", "json"],
    ["query", "United Arab Emirates", "Côte d'Ivoire", "Türkiye", *S, "-f", "csv"],
    ["query", "IL", "CN", *S, "-f", "md"],
    ["query", "IL", "-s", "framework-2025", *S],
    ["query", "--scenario", "israel-arrangement", "IL", "--as-of=2025-03-01", "--format=json"],
    ["query", "-f", "table", "IL", "-s", "pre-framework", "--as-of", "2024-06-01", "CN"],
    ["query", "IL", "-s", "framework-2025", "--as-of", "2025-03-01"],  # before compliance
    ["query", "IL", "-s", "framework-2025+israel-tier1", *S, "-f", "md"],
    ["query", "IL", "--item", "4E091", "-s", "framework-2025", *S, "-f", "json"],
    ["query", "IL", "--item=4E091", *S],
    ["query", "IL", "-s", "framework-2025", *S, "-a", "nveu_count=1", "--assume", "window_years=2"],
    ["query", "IL", "-s", "framework-2025", *S, *BASIS, "-f", "md"],
    # user errors
    ["query", "Atlantis", *S],
    ["query", "XX", "IL", *S, "-f", "json"],
    ["query", "IL", "-s", "no-such-scenario", *S],
    ["query", "IL", "--scenario=", *S],
    ["query", "IL", "--as-of", "2025-13-01"],
    ["query", "IL", "--as-of", "yesterday", "-f", "json"],
    ["query", "IL", "--as-of="],
    ["query", "IL", "--item", "9Z999", *S],
    ["query", "IL", *S, "--assume", "nope=1"],
    ["query", "IL", *S, "--assume", "window_years"],
    ["query", "IL", *S, "--in", "NoSuchChip"],
    ["query", "", *S],
]
FALLBACK: list[list[str]] = [  # typer's own (the fast path declines)
    ["query", "IL", "-s", "framework-2025", "-s", "pre-framework", *S],
    ["query", "IL", *S, "--as-of", "2025-01-01"],
    ["query", "--help"],
    ["query", "IL", "-h"],
    ["--rules", "nowhere", "query", "IL"],
    ["query", "--", "IL", *S],
    ["query", "IL", "-fjson", *S],
    ["query", "IL", "-f"],
    ["query", "IL", "-f", "xml"],
    ["query", "IL", "-f", "JSON"],
    ["query", *S],
    ["query", "IL", "--bogus", "1"],
]
CORPUS = FAST + FALLBACK


def test_the_corpus_takes_both_paths():
    assert all(fast_query(args) is not None for args in FAST)
    assert all(fast_query(args) is None for args in FALLBACK)


def test_fast_and_typer_answers_are_identical(cache_dir: Path):
    tierscope(["query", "IL", *S], cache_dir, fast=False)  # fill the cache once
    jobs = [(tuple(args), fast) for args in CORPUS for fast in (True, False)]
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        results = list(pool.map(lambda job: tierscope(list(job[0]), cache_dir, job[1]), jobs))
    answers = dict(zip(jobs, results, strict=True))
    for args in CORPUS:
        fast, slow = answers[(tuple(args), True)], answers[(tuple(args), False)]
        assert fast == slow, f"tierscope {args}: fast {fast!r} != typer {slow!r}"
        assert b"Traceback" not in fast[2], args
    # the corpus really exercises both: answers, user errors and usage errors
    codes = {answers[(tuple(args), True)][0] for args in CORPUS}
    assert {0, 2} <= codes, codes


def test_the_fast_path_imports_neither_typer_nor_click(cache_dir: Path):
    code = (
        "import sys\n"
        "from tierscope import entry\n"
        "import tierscope.query_command\n"
        "assert entry.fast_query(['query', 'IL', '-f', 'json']) is not None\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('typer', 'click')]\n"
        "assert not bad, bad\n"
        # and the whole fast run: at exit, still none
        "import atexit, os\n"
        "def check():\n"
        "    bad = [m for m in sys.modules if m.split('.')[0] in ('typer', 'click')]\n"
        "    sys.stderr.write('IMPORTED ' + ' '.join(bad) + '\\n')\n"
        "sys.argv = ['tierscope', 'query', 'IL', '-f', 'json', '--as-of', '2025-06-01']\n"
        "real_exit = os._exit\n"
        "os._exit = lambda code: (check(), sys.stderr.flush(), real_exit(code))\n"
        "entry.run()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ENGINE), "TIERSCOPE_CACHE_DIR": str(cache_dir)}
    env.pop("TIERSCOPE_FAST", None)
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stderr == "IMPORTED \n"
    assert '"country": "IL"' in r.stdout


@pytest.mark.parametrize(
    "redirect",
    [
        ">&-",  # stdout closed
        ">/dev/full",  # a full disk
        "| head -c 1 >/dev/null",  # the reader stops (a closed pipe, if it comes in time)
    ],
)
def test_failing_output_ends_alike(cache_dir: Path, redirect: str):
    if not Path("/dev/full").exists() or not Path("/bin/bash").exists():
        pytest.skip("needs bash and /dev/full")
    countries = " ".join(["IL", "CN", "IN", "DE", "AE", "SA", "BR", "JP"] * 8)
    line = f'"$PY" -m tierscope query {countries} --as-of {DAY} -f json {redirect}'
    answers = []
    for fast in ("on", "off"):
        env = {
            **os.environ,
            "PY": sys.executable,
            "PYTHONPATH": str(ENGINE),
            "TIERSCOPE_CACHE_DIR": str(cache_dir),
            "TIERSCOPE_FAST": fast,
        }
        env.pop("TIERSCOPE_DEBUG", None)
        r = subprocess.run(
            ["/bin/bash", "-c", f'{line}; echo "exit ${{PIPESTATUS[0]}}" >&2'],
            capture_output=True,
            env=env,
            timeout=120,
        )
        answers.append((r.returncode, r.stdout, r.stderr))
    assert answers[0] == answers[1]
    assert b"Traceback" not in answers[0][2]
