"""Bad input, part two: the 16 ways a hostile user broke the promise "one line, a documented
exit code, never a traceback", and where `check` and the engine disagreed (issue 8).

Part of the bad-input corpus (tests/test_bad_input.py holds the harness). Each test is
the reproduction of one failure; the number in its name is the failure's number in the
issue. A user's folders are copies of the shipped rules with one fault planted, run
through `tierscope --rules DIR ...` in-process, except where a real process is needed
(encodings, closed and broken streams).
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from tierscope.paths import data_dirs
from tierscope.render import literal

from .test_bad_input import DAY, Sandbox

RULES, COUNTRIES = data_dirs()
ENGINE = Path(__file__).resolve().parents[1] / "engine"
DOCUMENTED = {0, 1, 2, 3, 74}


@pytest.fixture
def sandbox(tmp_path, monkeypatch, capsys) -> Sandbox:
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.delenv("TIERSCOPE_DEBUG", raising=False)
    return Sandbox(cwd, capsys)


@pytest.fixture
def rules(tmp_path) -> Path:
    """A user's copy of the shipped rules, to plant one fault in."""
    dest = tmp_path / "my-rules"
    shutil.copytree(RULES, dest)
    return dest


def edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def pathway(data: list, pid: str) -> dict:
    return next(p for p in data if p["id"] == pid)["then"]["pathway"]


def run(*argv: str, env: dict | None = None, stdout=subprocess.PIPE, **kw):
    """tierscope in a real process (streams and encodings are the process's own)."""
    full = {**os.environ, "PYTHONPATH": str(ENGINE), **(env or {})}
    full.pop("TIERSCOPE_DEBUG", None)
    return subprocess.run(
        [sys.executable, "-m", "tierscope", *argv],
        env=full,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=60,
        **kw,
    )


def one_line(err: str | bytes) -> bool:
    text = err.decode() if isinstance(err, bytes) else err
    return text.startswith("tierscope: error:") and text.count("\n") == 1


# --------------------------------------------------------------------------- command line


def test_1_huge_assumptions_multiply_exactly(sandbox):
    big = "100000000000000"
    out = sandbox.check(
        "query", "IL", "-s", "framework-2025", "--as-of", DAY, "-f", "json",
        "--assume", f"lpp_consignees_per_year={big}", "--assume", f"window_years={big}",
    )  # fmt: skip
    assert out.code == 0
    assert '"h100e"' in out.out


def test_1_two_parameters_near_2_62_multiplied_in_a_scenario(sandbox):
    near = 2**62 - 1
    ref = [{"title": "A reference for the corpus"}]

    def dated(v):
        return {"values": {"2025-01-01": {"value": v, "status": "unverified", "references": ref}}}

    spec = sandbox.write_yaml(
        "big.yaml",
        {
            "id": "big", "title": "Big", "description": "Two big values.", "base": "framework-2025",
            "references": ref,
            "parameters": {
                "framework_2025.lpp_tpp_per_consignee_year": dated(near),
                "assumptions.lpp_consignees_per_year": dated(near),
            },
        },
    )  # fmt: skip
    assert (
        sandbox.check("query", "IL", "-s", "framework-2025", "--as-of", DAY, "-s", spec).code == 0
    )


def test_1_a_user_chip_of_enormous_tpp_ordered_a_thousand_times(sandbox, rules):
    chip = rules / "chips" / "h100_sxm.yaml"
    edit_yaml(chip, lambda d: d.update({"tpp": 10**30, "tpp_range": None}))
    out = sandbox.check("--rules", str(rules), "acquire", "IL", "--as-of", DAY, "-c", "1000 x H100")
    assert out.code in (0, 2)


def test_2_a_chip_count_of_thousands_of_digits(sandbox):
    out = sandbox.check("acquire", "IL", "--chips", "9" * 4301 + " x H100", "--as-of", DAY)
    assert out.code == 2 and "larger than" in out.err


def test_3_a_spec_of_a_thousand_parts(sandbox):
    spec = "framework-2025" + "+tier2-caps-halved" * 1000
    out = sandbox.check("query", "IL", "-s", spec, "--as-of", DAY)
    assert out.code == 2 and "parts" in out.err


def test_3_a_chain_of_a_thousand_scenario_files(sandbox, rules):
    ref = [{"title": "A reference for the corpus"}]
    for i in range(1000):
        base = "framework-2025" if i == 0 else f"chain-{i - 1}"
        (rules / "scenarios" / f"chain-{i}.yaml").write_text(
            yaml.safe_dump(
                {
                    "id": f"chain-{i}",
                    "title": f"Chain {i}",
                    "description": "A long chain.",
                    "base": base,
                    "references": ref,
                }
            )
        )
    out = sandbox.check("--rules", str(rules), "query", "IL", "-s", "chain-999", "--as-of", DAY)
    assert out.code == 2 and "chain of more than" in out.err


@pytest.mark.parametrize("option", ["--rules", "--countries"])
def test_4_a_path_of_five_thousand_characters(sandbox, option):
    out = sandbox.check(option, "x" * 5000, "query", "IL")
    assert out.code == 2


def test_5_an_ascii_terminal():
    proc = run(
        "query", "IL", "-s", "framework-2025", "--as-of", DAY, env={"PYTHONIOENCODING": "ascii"}
    )
    assert proc.returncode == 0, proc.stderr
    assert b"H100e" in proc.stdout


def test_6_a_closed_stdout():
    proc = subprocess.run(
        f'"{sys.executable}" -m tierscope query IL --as-of {DAY} >&-',
        shell=True,
        env={**os.environ, "PYTHONPATH": str(ENGINE)},
        stderr=subprocess.PIPE,
        timeout=60,
    )
    assert proc.returncode == 74 and one_line(proc.stderr), proc.stderr
    assert b"Traceback" not in proc.stderr


@pytest.mark.parametrize("fmt", ["table", "json", "csv"])
def test_7_a_reader_that_stops_early(fmt):
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tierscope",
            "query",
            "IL",
            "-s",
            "framework-2025",
            "--as-of",
            DAY,
            "-f",
            fmt,
        ],
        env={**os.environ, "PYTHONPATH": str(ENGINE)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    proc.stdout.close()  # `| head -0`: the reader is gone before anything is written
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0, err
    assert err == b""


def test_7_a_full_disk():
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        proc = run("query", "IL", "-s", "framework-2025", "--as-of", DAY, stdout=full)
    assert proc.returncode == 74 and one_line(proc.stderr), proc.stderr


# --------------------------------------------------------------------------- user files


@pytest.mark.parametrize("depth", [100, 140, 1000])
def test_8_deep_nesting_in_a_scenario_file(sandbox, depth):
    text = "id: deep\nnote: " + "[" * depth + "]" * depth + "\n"
    spec = sandbox.write("deep.yaml", text)
    out = sandbox.check("query", "IL", "-s", spec, "--as-of", DAY)
    assert out.code == 2 and "nest" in out.err


@pytest.mark.parametrize("depth", [140, 1000])
def test_8_deep_nesting_in_a_rule_file_through_query_and_check(sandbox, rules, depth):
    when = "{not: " * depth + "{fact: country, equals: IL}" + "}" * depth
    path = rules / "framework-2025" / "tiers.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count("when: {always: true}") == 1
    path.write_text(text.replace("when: {always: true}", f"when: {when}"), encoding="utf-8")
    assert (
        sandbox.check(
            "--rules", str(rules), "query", "IL", "-s", "framework-2025", "--as-of", DAY
        ).code
        == 2
    )
    out = sandbox.check("check", str(rules))
    assert out.code == 1 and str(path) in out.out


@pytest.mark.parametrize("title", ["[/] closing", "[bold red]loud[/]", "end\\", "[link=x]y"])
def test_9_markup_in_user_text_is_printed_literally(sandbox, title):
    ref = [{"title": title}]
    spec = sandbox.write_yaml(
        "m.yaml",
        {
            "id": "m",
            "title": title,
            "description": "Markup.",
            "base": "framework-2025",
            "references": ref,
            "notes": [title],
        },
    )
    for argv in (
        ["query", "IL", "-s", spec, "--as-of", DAY],
        ["compare", "IL", "-s", spec, "-s", "framework-2025", "--as-of", DAY],
        ["explain", "IL", "-s", spec, "--as-of", DAY],
    ):
        out = sandbox.check(*argv)
        assert out.code == 0
    assert title in sandbox.check("query", "IL", "-s", spec, "--as-of", DAY).out


def _plant(rules: Path, change) -> Path:
    path = rules / "framework-2025" / "pathways.yaml"
    edit_yaml(path, change)
    return path


FAULTS_10 = {
    "fleet share without share limits": lambda d: pathway(d, "framework_2025.uveu_tier2").pop(
        "share_limits"
    ),
    "unknown ceiling parameter": lambda d: pathway(d, "framework_2025.lpp").update(
        {"ceiling": {"param": "framework_2025.lpp_tpp_per_consignee_yaer"}}
    ),
    "unknown share limit": lambda d: pathway(d, "framework_2025.uveu_tier2").update(
        {"share_limits": ["framework_2025.nope"]}
    ),
    "unknown fleet": lambda d: pathway(d, "framework_2025.uveu_tier2")["reach"].update(
        {"fleet_share_of": "assumptions.nope"}
    ),
    "list parameter as a share limit": lambda d: pathway(d, "framework_2025.uveu_tier2").update(
        {"share_limits": ["framework_2025.tier1_destinations"]}
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS_10))
def test_10_pathway_faults_are_errors_in_query_and_in_check(sandbox, rules, fault):
    path = _plant(rules, FAULTS_10[fault])
    out = sandbox.check(
        "--rules", str(rules), "query", "IL", "-s", "framework-2025", "--as-of", DAY
    )
    assert out.code == 2 and str(path) in out.err
    where = out.err.split(": ")[2]  # "tierscope: error: <path>:<line>: ..."
    report = sandbox.check("check", str(rules))
    assert report.code == 1 and where in report.out  # the same file:line


@pytest.mark.parametrize("missing", ["assumptions", "units"])
def test_10_a_rules_folder_without_the_parameters_every_query_reads(sandbox, rules, missing):
    shutil.rmtree(rules / "parameters" / missing)
    out = sandbox.check(
        "--rules", str(rules), "query", "IL", "-s", "framework-2025", "--as-of", DAY
    )
    assert out.code == 2 and "every query reads it" in out.err
    assert sandbox.check("check", str(rules)).code == 1


def test_11_too_many_comparisons_from_a_rule_file(sandbox, rules):
    path = rules / "framework-2025" / "extra.yaml"
    items = [
        {
            "id": f"framework_2025.cmp_{i}", "title": f"Comparison {i}", "citation": "15 CFR 740.29",
            "status": "unverified", "valid": {"from": "2025-01-13"},
            "when": {"fact": "order_max_tpp", "gte": 1000 + i},
            "then": {"warning": {"id": f"cmp_{i}", "text": "a warning for the corpus"}},
        }
        for i in range(80)
    ]  # fmt: skip
    path.write_text(yaml.safe_dump(items, sort_keys=False))
    out = sandbox.check(
        "--rules", str(rules), "query", "IL", "-s", "framework-2025", "--as-of", DAY
    )
    assert out.code == 2 and str(path) in out.err and "comparison tests" in out.err


def test_11_hundreds_of_provisions_on_one_condition(sandbox, rules):
    items = [
        {
            "id": f"framework_2025.same_{i}", "title": f"Same {i}", "citation": "15 CFR 740.29",
            "status": "unverified", "valid": {"from": "2025-01-13"},
            "when": {"fact": "country", "equals": "IL"},
            "then": {"warning": {"id": f"same_{i}", "text": "a warning for the corpus"}},
        }
        for i in range(300)
    ]  # fmt: skip
    (rules / "framework-2025" / "same.yaml").write_text(yaml.safe_dump(items, sort_keys=False))
    out = sandbox.check(
        "--rules", str(rules), "query", "IL", "-s", "framework-2025", "--as-of", DAY, "-f", "json"
    )
    assert out.code == 0 and out.out.count("a warning for the corpus") == 300


@pytest.mark.parametrize("kind", ["fifo", "zero"])
def test_12_a_fifo_or_dev_zero_named_yaml(sandbox, rules, tmp_path, kind):
    countries = tmp_path / "countries"
    shutil.copytree(COUNTRIES, countries)
    for folder in (countries, rules / "scenarios"):
        bad = folder / "ZZ.yaml"
        if kind == "fifo":
            os.mkfifo(bad)
        else:
            bad.symlink_to("/dev/zero")
    common = ["--rules", str(rules), "--countries", str(countries)]
    assert sandbox.check(*common, "countries", "--as-of", DAY).code == 0
    assert sandbox.check(*common, "compare", "IL", "--as-of", DAY).code == 0
    out = sandbox.check(*common, "check")
    assert out.code == 1 and "not a regular file" in out.out


def test_12_a_scenario_file_that_is_a_fifo(sandbox):
    os.mkfifo(sandbox.cwd / "x.yaml")
    out = sandbox.check("query", "IL", "-s", "./x.yaml", "--as-of", DAY)
    assert out.code == 2 and "not a regular file" in out.err


# --------------------------------------------------------------------------- agreement


def _tiers(rules: Path) -> Path:
    return rules / "framework-2025" / "tiers.yaml"


FAULTS_14 = {
    "exception cycle": lambda d: d[0].update({"exception_to": "framework_2025.tier1_listed"}),
    "unknown exception_to": lambda d: d[1].update({"exception_to": "framework_2025.tier2_dafault"}),
    "in_param on an integer parameter": lambda d: d[1].update(
        {"when": {"fact": "country", "in_param": "framework_2025.country_allocation_tpp"}}
    ),
}


@pytest.mark.parametrize("fault", sorted(FAULTS_14))
def test_14_query_rejects_what_check_rejects_at_the_same_line(sandbox, rules, fault):
    edit_yaml(_tiers(rules), FAULTS_14[fault])
    out = sandbox.check(
        "--rules", str(rules), "query", "IL", "-s", "framework-2025", "--as-of", DAY
    )
    assert out.code == 2 and str(_tiers(rules)) in out.err
    where = out.err.split(": ")[2]
    report = sandbox.check("check", str(rules))
    assert report.code == 1 and where in report.out


def test_14_unknown_exception_to_suggests_the_nearest_id(sandbox, rules):
    edit_yaml(_tiers(rules), FAULTS_14["unknown exception_to"])
    out = sandbox.check(
        "--rules", str(rules), "query", "IL", "-s", "framework-2025", "--as-of", DAY
    )
    assert "did you mean 'framework_2025.tier2_default'" in out.err


def test_15_a_scenario_in_a_subfolder_is_read(sandbox, rules):
    sub = rules / "scenarios" / "mine"
    sub.mkdir()
    shutil.move(rules / "scenarios" / "israel-tier1.yaml", sub / "israel-tier1.yaml")
    assert sandbox.check("--rules", str(rules), "query", "IL", "-s", "israel-tier1").code == 0
    assert sandbox.check("check", str(rules)).code == 0


def test_15_a_scenario_whose_id_is_not_its_file_name(sandbox, rules):
    edit_yaml(rules / "scenarios" / "israel-tier1.yaml", lambda d: d.update({"id": "other"}))
    assert sandbox.check("--rules", str(rules), "query", "IL", "-s", "israel-tier1").code == 2
    out = sandbox.check("check", str(rules))
    assert out.code == 1 and "must equal the file name" in out.out


def test_15_files_in_rules_pathways_are_named(sandbox, rules):
    (rules / "pathways").mkdir(exist_ok=True)
    (rules / "pathways" / "route.yaml").write_text("id: route\n")
    out = sandbox.check("check", str(rules))
    assert "pathways/route.yaml" in out.out


def test_15_two_files_for_one_parameter_id(sandbox, rules):
    src = rules / "parameters" / "units" / "h100_tpp.yaml"
    shutil.copy(src, rules / "parameters" / "units.h100_tpp.yaml")
    out = sandbox.check(
        "--rules", str(rules), "query", "IL", "-s", "framework-2025", "--as-of", DAY
    )
    assert out.code == 2 and "units.h100_tpp" in out.err
    assert sandbox.check("check", str(rules)).code == 1


def test_16_compare_reports_a_conflict_as_query_does(sandbox, rules):
    edit_yaml(_tiers(rules), lambda d: d[1].pop("exception_to"))  # Tier 1 vs the default
    assert (
        sandbox.check(
            "--rules", str(rules), "query", "FR", "-s", "framework-2025", "--as-of", DAY
        ).code
        == 3
    )
    assert sandbox.check("--rules", str(rules), "compare", "FR", "--as-of", DAY).code == 3


def test_rules_dir_check_checks_that_folder(sandbox, rules):
    edit_yaml(_tiers(rules), FAULTS_14["exception cycle"])
    out = sandbox.check("--rules", str(rules), "check")
    assert out.code == 1 and str(_tiers(rules)) in out.out


TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=40
)


@settings(max_examples=200, derandomize=True, database=None, deadline=None)
@given(text=TEXT)
def test_9_any_text_prints_as_written(text):
    buf = io.StringIO()
    console = Console(file=buf, width=100_000, color_system=None, emoji=False, highlight=False)
    console.print(f"[bold]{literal(text)}[/bold] [dim]{literal(text)}[/dim]", end="")
    assert buf.getvalue() == f"{text} {text}"


@settings(
    max_examples=15,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(text=TEXT.filter(lambda s: len(s.strip()) >= 3 and s == s.strip()))
def test_9_fuzzed_user_text_through_every_renderer(sandbox, text):
    ref = [{"title": text}]
    spec = sandbox.write_yaml(
        "t.yaml",
        {
            "id": "t",
            "title": text,
            "description": text,
            "base": "framework-2025",
            "references": ref,
            "notes": [text],
        },
    )
    for fmt in ("table", "json", "csv", "md"):
        for argv in (
            ["query", "IL", "-s", spec, "--as-of", DAY, "-f", fmt],
            ["compare", "IL", "-s", spec, "-s", "framework-2025", "--as-of", DAY, "-f", fmt],
            ["explain", "IL", "-s", spec, "--as-of", DAY, "-f", fmt],
        ):
            assert sandbox.check(*argv).code == 0
