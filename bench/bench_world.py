"""Benchmark: what analysts feel - cold start, world-wide answers, sweeps - against floors.

    python bench/bench_world.py           # 9 interleaved rounds, 3 sweeps (a few minutes)
    python bench/bench_world.py --quick   # 3 rounds, 1 sweep (under a minute)

Every ratio is measured side by side: in each round the commands run one after the
other, the ratio is taken within the round, and the median and the range over rounds
are printed, so load from other processes hits both sides alike. Wall time is what an
analyst waits; CPU time (user + system) is steadier on a shared machine, so both are
shown. Targets (issue 12):

- fresh process: `tierscope query IL` <= 2x `python -c "import pydantic, typer"` (also
  shown against `python -c pass`, and against bench/typer_floor.py, the smallest typer
  program with `query`'s signature, which shows what any typer command costs);
  `tierscope check` <= 1.5x that query; the full answers of the whole world (249
  countries x 3 dates, `tierscope sweep`) within 20x of a hand-written program
  (bench/hand_world.py), both gathering their own inputs (also through the ordinary
  `tierscope query` of all 249 countries, one date, against the same for one date);
- the sweep, 249 countries x 36 monthly dates x 8 scenarios (71,712 answers as JSON):
  < 3 s and < 400 MB peak RSS in-process (a fresh process timing `sweep()` itself),
  and < 5 s through the CLI (`tierscope sweep --monthly ... > /dev/null`).

Fresh processes use the validated-file cache in a private temporary folder, warmed by a
first run (for `check`, its report cache: the same files by the same engine); "no cache"
rows set TIERSCOPE_CACHE=off (a first run ever, `check` analysing everything). The warm
in-process section is the engine inside a long-running session, per answer.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "engine"))

DAYS = ("2025-02-01", "2025-06-01", "2026-06-01")
SCENARIO = "framework-2025"
MONTHLY = "2024-01-01..2026-12-01"  # 36 monthly dates


def months() -> list[dt.date]:
    return [dt.date(2024 + m // 12, m % 12 + 1, 1) for m in range(36)]


# --------------------------------------------------------------------------- processes


def run_child(cmd: list[str], env: dict[str, str], stdout: int | None = None) -> dict:
    """Run one process; its wall time, CPU time and peak RSS (from wait4)."""
    t = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdout=stdout or subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
    )
    out = proc.stdout.read() if stdout == subprocess.PIPE else b""  # type: ignore[union-attr]
    err = proc.stderr.read()  # type: ignore[union-attr]
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    if code != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {code}: {err.decode()[-500:]}")
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_mb": usage.ru_maxrss / 1024,
        "out": out,
    }


def span(values: list[float], fmt: str = "{:.2f}") -> str:
    """median [min-max]"""
    return (
        f"{fmt.format(statistics.median(values))} "
        f"[{fmt.format(min(values))}-{fmt.format(max(values))}]"
    )


def fresh_processes(rounds: int, env: dict[str, str]) -> dict[str, list[dict]]:
    py = sys.executable
    days_args = [a for d in DAYS for a in ("--as-of", d)]
    codes = sorted(p.stem for p in (ROOT / "countries").glob("*.yaml"))
    cmds = {
        "pass": [py, "-c", "pass"],
        "floor": [py, "-c", "import pydantic, typer"],
        "typer app": [
            py,
            str(ROOT / "bench" / "typer_floor.py"),
            "query",
            "IL",
            "--as-of",
            "2025-06-01",
        ],
        "query": [py, "-m", "tierscope", "query", "IL", "--as-of", "2025-06-01"],
        "query, no cache": [py, "-m", "tierscope", "query", "IL", "--as-of", "2025-06-01"],
        "check": [py, "-m", "tierscope", "check"],
        "check, no cache": [py, "-m", "tierscope", "check"],
        "world": [py, "-m", "tierscope", "sweep", "-s", SCENARIO, *days_args],
        "hand": [py, str(ROOT / "bench" / "hand_world.py"), "rules", "countries", *DAYS],
        # the ordinary `query` path (validated result models, indented JSON), one date
        "world, query 1 date": [
            *[py, "-m", "tierscope", "query", *codes, "--as-of", DAYS[1], "-f", "json"]
        ],
        "hand, 1 date": [py, str(ROOT / "bench" / "hand_world.py"), "rules", "countries", DAYS[1]],
    }
    no_cache = dict(env, TIERSCOPE_CACHE="off")
    for name in ("query", "world", "check"):  # warm the caches (files, validated, report)
        run_child(cmds[name], env)
    results: dict[str, list[dict]] = {k: [] for k in cmds}
    for _ in range(rounds):
        for name, cmd in cmds.items():
            results[name].append(run_child(cmd, no_cache if "no cache" in name else env))
    return results


def agreement(env: dict[str, str]) -> tuple[int, int]:
    """(answers, disagreements) between the engine's world answers and the hand-written."""
    py = sys.executable
    days_args = [a for d in DAYS for a in ("--as-of", d)]
    engine = run_child(
        [py, "-m", "tierscope", "sweep", "-s", SCENARIO, *days_args], env, subprocess.PIPE
    )["out"]
    hand = run_child(
        [py, str(ROOT / "bench" / "hand_world.py"), "rules", "countries", *DAYS],
        env,
        subprocess.PIPE,
    )["out"]
    mine = []
    for line in engine.decode().splitlines():
        r = json.loads(line)
        pathways = {p["id"]: p["ceiling_tpp"] for p in r["pathways"]}
        mine.append([r["country"], r["as_of"], r["tier"], r["licence_required"]])
        mine[-1] += [r["review_policy"], pathways]
    theirs = [json.loads(line) for line in hand.decode().splitlines()]
    return len(mine), sum(a != b for a, b in zip(mine, theirs, strict=True))


# --------------------------------------------------------------------------- sweeps


def sweep_child() -> None:
    """Child mode: the sweep in-process, timed from a fresh Project to the last line."""
    import resource

    from tierscope.service import Project
    from tierscope.sweep import sweep

    t, c = time.perf_counter(), time.process_time()
    project = Project.shipped()
    n = size = 0
    for line in sweep(project, project.scenario_ids(), months()):
        n += 1
        size += len(line) + 1  # bytes, with the newline the CLI adds
    seconds, cpu = time.perf_counter() - t, time.process_time() - c
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"seconds": seconds, "cpu": cpu, "answers": n, "mb": size / 1e6, "rss_mb": rss})
    )


def sweeps(times: int, env: dict[str, str]) -> tuple[list[dict], list[dict]]:
    py = sys.executable
    inproc, cli = [], []
    for _ in range(times):
        r = run_child([py, str(Path(__file__).resolve()), "--child-sweep"], env, subprocess.PIPE)
        inproc.append(json.loads(r["out"]))
        cli.append(run_child([py, "-m", "tierscope", "sweep", "--monthly", MONTHLY], env))
    return inproc, cli


# --------------------------------------------------------------------------- warm


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def warm_section(repeat: int) -> list[str]:
    """The engine inside a long-running session: the world x 3 dates, per answer."""
    sys.path.insert(0, str(ROOT / "bench"))
    from hand_world import hand_written

    from tierscope import evaluate as evaluate_mod
    from tierscope.evaluate import evaluate
    from tierscope.service import Project, build_result

    days = [dt.date.fromisoformat(d) for d in DAYS]
    project = Project.shipped()
    world = project.world(SCENARIO)
    countries = [world.countries[c] for c in world.countries]
    evaluate(world, countries[0], days[0])  # compile + register once, outside the timings
    n = len(countries) * len(days)

    def engine(memo: bool) -> None:
        for d in days:
            for c in countries:
                evaluate(world, c, d, memo=memo)

    def full_query() -> None:
        for d in days:
            for c in countries:
                build_result(evaluate(world, c, d)).model_dump_json()

    t_off = min(timed(lambda: engine(False)) for _ in range(repeat))
    evaluate_mod._MEMO.clear()
    world.result_cache.clear()
    t_first = timed(full_query)  # memo and result parts empty: what a new session pays
    t_warm = min(timed(full_query) for _ in range(repeat))

    params = world.parameters

    def hand() -> None:
        for d in days:
            p = {
                "tier1": set(params["framework_2025.tier1_destinations"].value_at(d)),
                "alloc": params["framework_2025.country_allocation_tpp"].value_at(d),
                "nveu": params["framework_2025.nveu_installed_base_tpp"].value_at(d),
                "lpp": params["framework_2025.lpp_tpp_per_consignee_year"].value_at(d),
            }
            for c in countries:
                g2g = c.fact_on("g2g_arrangement", d)
                hand_written(c.code, c.groups_on(d), bool(g2g and g2g.value), p)

    t_hand = min(timed(hand) for _ in range(repeat * 2))

    from tierscope.sweep import sweep

    def spliced() -> None:
        for _ in sweep(project, [SCENARIO], days):
            pass

    spliced()
    t_sweep = min(timed(spliced) for _ in range(repeat))
    us = 1e6 / n
    return [
        f"warm, in-process: {len(countries)} countries x {len(days)} dates = {n} answers "
        f"({SCENARIO}), per answer:",
        f"  durable-rules every time (memo off)        {t_off * us:8.1f} us",
        f"  full query + JSON, new session (caches empty) {t_first * us:5.1f} us",
        f"  full query + JSON, warm                    {t_warm * us:8.1f} us",
        f"  sweep line (spliced JSON), warm            {t_sweep * us:8.1f} us",
        f"  hand-written function (answer only)        {t_hand * us:8.1f} us",
        f"  ratio warm full query / hand-written       {t_warm / t_hand:8.1f}x",
        f"  ratio warm sweep line / hand-written       {t_sweep / t_hand:8.1f}x",
    ]


def routes_section() -> list[str]:
    """Routes (issue 9): every route for every country, and the goal search, in-process."""
    from tierscope.goal_search import goal_search
    from tierscope.route_report import pathways_report
    from tierscope.service import Project

    project = Project.shipped()
    codes = list(project.rulebase.countries)
    day, end = dt.date(2025, 6, 1), dt.date(2027, 12, 31)
    pathways_report(project, "IL", SCENARIO, day)  # load and compile outside the timing
    t_all = timed(lambda: [pathways_report(project, c, SCENARIO, day) for c in codes])
    t_goal = timed(lambda: goal_search(project, "IL", SCENARIO, end, "100000"))
    t_none = timed(lambda: goal_search(project, "CN", SCENARIO, end, "1", max_routes=3))
    return [
        f"routes ({SCENARIO}): `pathways` for {len(codes)} countries on {day} "
        f"{t_all * 1e3:.0f} ms ({t_all / len(codes) * 1e3:.1f} ms a country); goal search "
        f"IL 100,000 H100e by {end} {t_goal * 1e3:.0f} ms; every set of up to 3 routes "
        f"(CN, Tier 3: unreachable) {t_none * 1e3:.0f} ms"
    ]


# --------------------------------------------------------------------------- report


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 rounds, 1 sweep: under a minute")
    ap.add_argument("--rounds", type=int, help="fresh-process rounds (default 9, quick 3)")
    ap.add_argument("--child-sweep", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_sweep:
        sweep_child()
        return
    rounds = args.rounds or (3 if args.quick else 9)
    n_sweeps = 1 if args.quick else 3
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="tierscope-bench-") as tmp:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "HOME": os.environ.get("HOME", tmp),
            "PYTHONPATH": str(ROOT / "engine"),
            "TIERSCOPE_CACHE_DIR": tmp,
        }
        print(
            f"tierscope bench, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC, "
            f"{platform.machine()} x{os.cpu_count()} cores, Python {platform.python_version()}, "
            f"load average {os.getloadavg()[0]:.1f}"
        )
        res = fresh_processes(rounds, env)
        wall = {k: [r["wall"] for r in v] for k, v in res.items()}
        cpu = {k: [r["cpu"] for r in v] for k, v in res.items()}

        def ratio(a: str, b: str, kind: dict[str, list[float]]) -> list[float]:
            return [x / y for x, y in zip(kind[a], kind[b], strict=True)]

        print(f"\nfresh processes, {rounds} interleaved rounds: median [min-max]")
        print(f"  {'':28s} {'wall ms':>22s} {'cpu ms':>22s}")
        for k in res:
            ms_wall = span([w * 1e3 for w in wall[k]], "{:.0f}")
            ms_cpu = span([c * 1e3 for c in cpu[k]], "{:.0f}")
            print(f"  {k:28s} {ms_wall:>22s} {ms_cpu:>22s}")
        print("  ratios (within each round)             wall                   cpu")
        for label, a, b, target in (
            ("query / import floor", "query", "floor", "<= 2"),
            ("query / python -c pass", "query", "pass", "-"),
            ("query / typer app", "query", "typer app", "-"),
            ("typer app / import floor", "typer app", "floor", "-"),
            ("query no cache / floor", "query, no cache", "floor", "-"),
            ("check / query", "check", "query", "<= 1.5"),
            ("check no cache / query", "check, no cache", "query", "-"),
            ("world / hand-written", "world", "hand", "<= 20"),
            ("world query / hand, 1 date", "world, query 1 date", "hand, 1 date", "<= 20"),
        ):
            print(
                f"  {label:28s} {span(ratio(a, b, wall)):>18s}x {span(ratio(a, b, cpu)):>18s}x"
                f"   target {target}"
            )
        n, bad = agreement(env)
        print(f"  world answers that differ from the hand-written program: {bad} of {n}")

        inproc, cli = sweeps(n_sweeps, env)
        first = inproc[0]
        print(
            f"\nsweep: 249 countries x 36 monthly dates x 8 scenarios = {first['answers']} "
            f"answers, {first['mb']:.0f} MB of JSON lines ({n_sweeps} run(s))"
        )
        print("                                   wall s              cpu s           peak RSS MB")
        print(
            f"  in-process (from loading)  {span([r['seconds'] for r in inproc]):>18s} "
            f"{span([r['cpu'] for r in inproc]):>18s} "
            f"{span([r['rss_mb'] for r in inproc], '{:.0f}'):>14s}   target < 3 s, < 400 MB"
        )
        print(
            f"  CLI, > /dev/null           {span([r['wall'] for r in cli]):>18s} "
            f"{span([r['cpu'] for r in cli]):>18s} "
            f"{span([r['rss_mb'] for r in cli], '{:.0f}'):>14s}   target < 5 s"
        )
        print(
            f"  per answer in-process: "
            f"{statistics.median(r['seconds'] for r in inproc) / first['answers'] * 1e6:.1f} us"
        )
    print()
    for line in warm_section(2 if args.quick else 3):
        print(line)
    print()
    for line in routes_section():
        print(line)
    print(f"\n(bench ran {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    main()
