"""Benchmark: world `compare` rendered as a table against the same as JSON (issue 11/12).

249 countries x 8 scenarios x 3 dates. The comparison is built once; then each output
is rendered from it, so the figures isolate presentation (the grid renderer replaced
rich's table layout, which took most of a 12.7 s run). Target: table within 2x of JSON.
Run: python bench/bench_compare.py
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))

from tierscope.api import Session
from tierscope.grid import compare_markdown, compare_text
from tierscope.render import compare_csv

SCENARIOS = [
    "framework-2025", "current-law", "pre-framework", "post-rescission",
    "israel-arrangement", "israel-tier1", "lpp-500-chips", "tier2-caps-halved",
]  # fmt: skip
DATES = [dt.date(2025, 3, 1), dt.date(2025, 6, 1), dt.date(2026, 6, 1)]


def timed(fn, runs: int = 3) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    s = Session()
    countries = sorted(s.project.rulebase.countries)
    t = time.perf_counter()
    comp = s.compare(countries, SCENARIOS, DATES, baseline="current-law")
    build = time.perf_counter() - t
    json_s = timed(lambda: json.dumps(comp.to_dict(), indent=2, ensure_ascii=False))
    table_s = timed(lambda: compare_text(comp, None, None))
    print(f"world compare: {len(countries)} countries x {len(SCENARIOS)} scenarios x "
          f"{len(DATES)} dates, {len(comp.rows):,} rows")  # fmt: skip
    print(f"  build the comparison      {build:6.2f} s")
    print(f"  render JSON               {json_s:6.2f} s")
    print(f"  render table (grid)       {table_s:6.2f} s   ratio to JSON {table_s / json_s:.2f}x")
    print(f"  render CSV                {timed(lambda: compare_csv(comp)):6.2f} s")
    print(f"  render Markdown           {timed(lambda: compare_markdown(comp, None)):6.2f} s")
    total_json, total_table = build + json_s, build + table_s
    print(f"  end to end: JSON {total_json:.2f} s, table {total_table:.2f} s "
          f"({total_table / total_json:.2f}x; target <= 2x)")  # fmt: skip


if __name__ == "__main__":
    main()
