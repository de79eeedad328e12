"""Benchmark: the whole world under framework-2025 at three dates, in-process.

Prints, for 249 countries x 3 dates:
- the engine (durable-rules) with the evaluation memo off (every question runs a
  durable-rules session), and on (the memo is filled by the same pass);
- the full `query` path (evaluation + quantification into pydantic results);
- a small hand-written Python function answering the same questions (the speed limit),
  and the ratio; the two must agree on every answer;
- cold start of `tierscope query IL` against `python -c "import pydantic, typer"`.

Targets (issue 2): world x 3 dates < 1 s; engine within 10x of the hand-written
function; cold `query` < 3x the import floor. Run: python bench/bench_world.py
"""

from __future__ import annotations

import datetime as dt
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from tierscope import evaluate as evaluate_mod
from tierscope.evaluate import evaluate
from tierscope.service import Project, build_result

DAYS = (dt.date(2025, 2, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1))
SCENARIO = "framework-2025"


def hand_written(code: str, groups: frozenset[str], g2g: bool, p: dict) -> tuple:
    """The framework's answer written directly in Python (the speed limit). The consignee
    is local (headquartered in the destination)."""
    d5 = "D:5" in groups or code == "MO"
    if code == "US":
        tier, licence = 1, False
    elif code in p["tier1"] and not d5:
        tier, licence = 1, True
    elif d5:
        tier, licence = 3, True
    else:
        tier, licence = 2, True
    pathways: dict[str, int | None] = {}
    if not licence:
        review = "no-licence-required"
        pathways["domestic"] = None
    elif tier == 1:
        review = "presumption-of-approval"
        pathways["aia"] = None
    elif tier == 2:
        review = "allocation"
        pathways["country_allocation"] = p["alloc"]
        if g2g:
            pathways["nveu"] = p["nveu"]
    else:
        review = "presumption-of-denial"
    no_lpp = bool(groups & {"D:1", "D:4", "D:5"}) and not groups & {"A:5", "A:6"}
    if licence and tier != 3 and not no_lpp:
        pathways["lpp"] = p["lpp"]
    if tier in (1, 2):
        pathways["uveu"] = None
    return tier, licence, review, pathways


def timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    project = Project.shipped()
    world = project.world(SCENARIO)
    countries = [world.countries[c] for c in world.countries]  # loads every file once
    evaluate(world, countries[0], DAYS[0])  # compile + register once, outside the timings
    n = len(countries) * len(DAYS)

    def engine(memo: bool) -> None:
        for d in DAYS:
            for c in countries:
                evaluate(world, c, d, memo=memo)

    evaluate_mod._MEMO.clear()
    t_cold = min(timed(lambda: engine(False)) for _ in range(3))
    evaluate_mod._MEMO.clear()
    t_fill = timed(lambda: engine(True))
    t_warm = min(timed(lambda: engine(True)) for _ in range(3))

    def full_query() -> list:
        return [build_result(evaluate(world, c, d)) for d in DAYS for c in countries]

    t_query = min(timed(full_query) for _ in range(3))

    params = world.parameters

    def hand() -> list:
        out = []
        for d in DAYS:
            p = {
                "tier1": set(params["framework_2025.tier1_destinations"].value_at(d)),
                "alloc": params["framework_2025.country_allocation_tpp"].value_at(d),
                "nveu": params["framework_2025.nveu_installed_base_tpp"].value_at(d),
                "lpp": params["framework_2025.lpp_tpp_per_consignee_year"].value_at(d),
            }
            for c in countries:
                g2g = c.fact_on("g2g_arrangement", d)
                out.append(hand_written(c.code, c.groups_on(d), bool(g2g and g2g.value), p))
        return out

    t_hand = min(timed(hand) for _ in range(5))

    # The two must agree, or the comparison is meaningless.
    answers = full_query()
    mismatches = 0
    for r, h in zip(answers, hand(), strict=True):
        mine = (
            r.tier,
            r.licence_required,
            r.review_policy,
            {p.id: p.ceiling_tpp for p in r.pathways},
        )
        mismatches += mine != h

    print(f"world: {len(countries)} countries x {len(DAYS)} dates = {n} questions ({SCENARIO})")
    print(
        f"  engine, memo off (durable-rules every time) {t_cold * 1e3:8.1f} ms  {t_cold / n * 1e6:7.1f} us/question"
    )
    print(
        f"  engine, memo on, first pass (fills memo)    {t_fill * 1e3:8.1f} ms  {t_fill / n * 1e6:7.1f} us/question"
    )
    print(
        f"  engine, memo on, warm                       {t_warm * 1e3:8.1f} ms  {t_warm / n * 1e6:7.1f} us/question"
    )
    print(
        f"  full query (engine + quantify + results)   {t_query * 1e3:8.1f} ms  {t_query / n * 1e6:7.1f} us/question"
    )
    print(
        f"  hand-written function                       {t_hand * 1e3:8.1f} ms  {t_hand / n * 1e6:7.1f} us/question"
    )
    print(
        f"  ratio engine/hand: memo off {t_cold / t_hand:6.1f}x, first pass {t_fill / t_hand:6.1f}x, "
        f"warm {t_warm / t_hand:6.1f}x, full query {t_query / t_hand:6.1f}x"
    )
    print(f"  answers that differ from the hand-written function: {mismatches}")

    # compare: every country x every shipped scenario x 3 dates (issue 3 target: < 2 s)
    from tierscope.compare import compare

    scenarios = project.scenario_ids()
    codes = list(world.countries)
    fresh = Project.shipped()
    for s in scenarios:  # load and compile outside the timing, as a long-running session would
        fresh.world(s).compiled  # noqa: B018
    [fresh.world(scenarios[0]).countries[c] for c in codes]
    t_cmp = timed(lambda: compare(fresh, codes, scenarios, list(DAYS), baseline="framework-2025"))
    t_cmp2 = timed(lambda: compare(fresh, codes, scenarios, list(DAYS), baseline="framework-2025"))
    m = len(codes) * len(scenarios) * len(DAYS)
    print(
        f"compare: {len(codes)} countries x {len(scenarios)} scenarios x {len(DAYS)} dates = {m} answers: "
        f"first {t_cmp * 1e3:.0f} ms, again {t_cmp2 * 1e3:.0f} ms"
    )

    # routes (issue 9): every route for every country, and the goal search, in-process
    from tierscope.goal_search import goal_search
    from tierscope.route_report import pathways_report

    routes_project = Project.shipped()
    day = dt.date(2025, 6, 1)
    t_routes = timed(lambda: [pathways_report(routes_project, c, SCENARIO, day) for c in codes])
    end = dt.date(2027, 12, 31)
    t_goal = timed(lambda: goal_search(Project.shipped(), "IL", SCENARIO, end, "100000"))
    t_none = timed(lambda: goal_search(Project.shipped(), "CN", SCENARIO, end, "1", max_routes=3))
    print(
        f"pathways: every route x {len(codes)} countries ({SCENARIO}, {day}): {t_routes * 1e3:.0f} ms; "
        f"goal search IL 100,000 H100e: {t_goal * 1e3:.0f} ms; CN (Tier 3, unreachable), all sets "
        f"of up to 3 routes: {t_none * 1e3:.0f} ms"
    )

    exe = [sys.executable, "-m", "tierscope", "query", "IL", "--as-of", "2025-06-01"]
    floor = [sys.executable, "-c", "import pydantic, typer"]
    env_path = str(Path(__file__).resolve().parents[1] / "engine")

    def wall(cmd: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(
            cmd, check=True, capture_output=True, env={"PYTHONPATH": env_path, "PATH": ""}
        )
        return time.perf_counter() - t

    wall(exe), wall(floor)  # warm the file cache once
    qs, fs = [], []
    for _ in range(9):  # interleaved, so machine noise hits both alike
        qs.append(wall(exe))
        fs.append(wall(floor))
    q, f = statistics.median(qs), statistics.median(fs)
    print(
        f"cold start: `tierscope query IL` {q * 1e3:.0f} ms; import floor {f * 1e3:.0f} ms; ratio {q / f:.2f}x"
    )


if __name__ == "__main__":
    main()
