"""`tierscope check` on a long exception chain: a rules folder with one regime of N
provisions, each an exception to the one before (the case that once took 213 s for 500).

    python bench/bench_check.py            # N = 500
    python bench/bench_check.py 1000

Prints the time of one `check` of the folder, and of one query against it. The figure to
keep: under 5 s for N = 500 (bench/README.md).
"""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "engine"))

from tierscope.check import run_check  # noqa: E402
from tierscope.service import Project  # noqa: E402

REF = [{"title": "Benchmark reference (not law)"}]


def chain_folder(n: int, where: Path) -> Path:
    """The shipped rules plus regime `chain`: tier 2 by default, then n-1 exceptions in a
    chain, alternating tier 1 and tier 2, all applicable without an order."""
    rules = where / "rules"
    shutil.copytree(ROOT / "rules", rules)
    folder = rules / "chain"
    folder.mkdir()
    header = {
        "id": "chain",
        "title": "Exception chain",
        "description": "Benchmark.",
        "references": REF,
    }
    (folder / "regime.yaml").write_text(yaml.safe_dump(header))
    provisions = []
    for i in range(n):
        p = {
            "id": f"chain.p{i}",
            "title": f"Link {i} of the chain",
            "citation": "Benchmark, not law",
            "status": "unverified",
            "valid": {"from": "2025-01-13"},
            "when": {"always": True} if i % 2 == 0 else {"fact": "order", "equals": False},
            "then": {"tier": 2 if i % 2 == 0 else 1},
        }
        if i:
            p["exception_to"] = f"chain.p{i - 1}"
        provisions.append(p)
    (folder / "chain.yaml").write_text(yaml.safe_dump(provisions, sort_keys=False))
    return rules


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    with tempfile.TemporaryDirectory() as tmp:
        rules = chain_folder(n, Path(tmp))
        start = time.perf_counter()
        report = run_check(rules, ROOT / "countries")
        took = time.perf_counter() - start
        print(f"check of a {n}-provision exception chain: {took:.2f} s ({report.summary()})")
        for f in report.findings[:5]:
            print(f"  {f}")
        project = Project(rules, ROOT / "countries")
        start = time.perf_counter()
        r = project.query("IL", "chain", dt.date(2025, 6, 1))
        print(
            f"first query against it (load, compile, evaluate): {time.perf_counter() - start:.2f} s, tier {r.tier}"
        )


if __name__ == "__main__":
    main()
