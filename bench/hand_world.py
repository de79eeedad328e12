"""The speed limit: the framework-2025 answer for every country, written by hand.

A standalone program, run as its own process by bench_world.py: it gathers its own
inputs (the country files and the five parameters it needs, read with PyYAML's C loader)
and prints one JSON line per (date, country) with the tier, licence, review policy and
pathway ceilings, for the benchmark to compare with the engine's answers. It knows
nothing of citations, statuses, provenance or scenarios: that is the point.

Usage: python bench/hand_world.py RULES_DIR COUNTRIES_DIR DATE [DATE ...]
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import yaml

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def value_at(values: dict, day: dt.date):
    current = None
    for start in sorted(values):
        if start <= day:
            current = values[start]["value"]
    return current


def hand_written(code: str, groups: frozenset[str], g2g: bool, p: dict) -> tuple:
    """The framework's answer written directly in Python, following the text of 90 FR 4544
    as the rule files do (issue 7): NVEU only with a government-to-government arrangement,
    no LPP for D:1/D:4/D:5 destinations outside A:5/A:6, no certain doubling of the
    allocation. The consignee is local (headquartered in the destination)."""
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


def main() -> None:
    rules, countries_dir = Path(sys.argv[1]), Path(sys.argv[2])
    days = [dt.date.fromisoformat(d) for d in sys.argv[3:]]
    names = {
        "tier1": "tier1_destinations",
        "alloc": "country_allocation_tpp",
        "nveu": "nveu_installed_base_tpp",
        "lpp": "lpp_tpp_per_consignee_year",
    }
    params = {
        k: yaml.load(
            (rules / "parameters" / "framework_2025" / f"{n}.yaml").read_text(), Loader=Loader
        )["values"]
        for k, n in names.items()
    }
    countries = [
        yaml.load(path.read_text(), Loader=Loader) for path in sorted(countries_dir.glob("*.yaml"))
    ]
    out = []
    for day in days:
        p = {k: value_at(v, day) for k, v in params.items()}
        p["tier1"] = set(p["tier1"])
        for c in countries:
            groups = set(c["groups"]["members"])
            for ch in sorted(c.get("changes") or [], key=lambda ch: ch["date"]):
                if ch["date"] <= day:
                    groups |= set(ch.get("add") or [])
                    groups -= set(ch.get("remove") or [])
            g2g = False
            for entry in (c.get("facts") or {}).get("g2g_arrangement", []):
                if entry["from"] <= day:
                    g2g = entry["value"]
            tier, licence, review, pathways = hand_written(c["code"], frozenset(groups), g2g, p)
            out.append(json.dumps([c["code"], day.isoformat(), tier, licence, review, pathways]))
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
