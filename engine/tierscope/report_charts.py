"""The report's charts: matplotlib drawn to SVG text (no JavaScript, no network, no files).

Each chart is a function from plain series to one SVG string. The same SVG is inlined in
the HTML report and written beside the Markdown report. Ids inside each SVG get a
per-chart prefix so several charts can live in one HTML page without clashing.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

# Colour-blind-safe palette (Okabe-Ito).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#D55E00", "#56B4E9", "#F0E442")
TOTAL_LABEL, TOTAL_COLOUR = "Total reachable", "#222222"  # the total is always near-black
LINE_STYLES = ("-", "--", "-.", (0, (6, 1.5, 1, 1.5, 1, 1.5)))  # dotted is kept for schedules


@dataclass(frozen=True)
class RefLine:
    """A yardstick drawn across a chart: a cluster size in H100e."""

    label: str
    h100e: float


@dataclass(frozen=True)
class Bar:
    group: str  # scenario id (or "deals")
    series: str  # pathway title, "Total reachable" or the deal
    value: float | None  # H100e; None = unbounded
    hatch: bool = False  # deals: facts, not law


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "tierscope"  # deterministic ids
    matplotlib.rcParams["svg.fonttype"] = "none"  # text stays text (searchable, small)
    matplotlib.rcParams["font.size"] = 9
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def _svg(fig, prefix: str) -> str:
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    text = buf.getvalue()
    text = text[text.index("<svg") :]  # drop the XML prolog and doctype: inlined in HTML
    text = re.sub(r'id="([^"]+)"', rf'id="{prefix}-\1"', text)
    text = re.sub(r"url\(#([^)]+)\)", rf"url(#{prefix}-\1)", text)
    return re.sub(r'href="#([^"]+)"', rf'href="#{prefix}-\1"', text)


REF_STYLES = (
    (0, (5, 2)),
    (0, (3, 1, 1, 1)),
    (0, (6, 2, 1, 2)),
    (0, (4, 1, 1, 1, 1, 1)),
    (0, (8, 3)),
)
REF_COLOURS = ("#444444", "#7a1f1f", "#1f4e7a", "#5a5a00", "#6b3fa0")


def _ref_lines(ax, refs: Sequence[RefLine]) -> list:
    """Yardstick clusters as horizontal lines; clusters of equal size share one line.
    Returns legend handles (labels in the legend, never on the plot, so they cannot overlap)."""
    from matplotlib.lines import Line2D

    merged: dict[float, list[str]] = {}
    for r in refs:
        merged.setdefault(round(r.h100e, 1), []).append(r.label)
    handles = []
    for i, (value, labels) in enumerate(sorted(merged.items())):
        style = dict(
            color=REF_COLOURS[i % len(REF_COLOURS)], lw=1.1, ls=REF_STYLES[i % len(REF_STYLES)]
        )
        ax.axhline(value, zorder=3, **style)
        handles.append(Line2D([], [], label=f"{' = '.join(labels)}: {value:,.0f} H100e", **style))
    return handles


def pathways_chart(
    bars_by_country: Mapping[str, Sequence[Bar]], refs: Sequence[RefLine], prefix: str = "c1"
) -> str:
    """Grouped bars per country: each pathway's ceiling (and the total) per scenario, log
    scale, yardstick lines across; unbounded ceilings are marked, not drawn."""
    countries = list(bars_by_country)
    fig = _figure(10.5, 2.9 * len(countries) + 0.6)
    axes = fig.subplots(len(countries), 1, squeeze=False)[:, 0]
    series_all: list[str] = []
    for bars in bars_by_country.values():
        for b in bars:
            if b.series not in series_all:
                series_all.append(b.series)
    ordinary = [s for s in series_all if s != TOTAL_LABEL]
    colours = {s: PALETTE[i % len(PALETTE)] for i, s in enumerate(ordinary)}
    colours[TOTAL_LABEL] = TOTAL_COLOUR
    ref_handles: list = []
    for ax, country in zip(axes, countries, strict=True):
        bars = list(bars_by_country[country])
        groups = list(dict.fromkeys(b.group for b in bars))
        finite = [b.value for b in bars if b.value]
        top = max([*finite, *(r.h100e for r in refs), 10.0]) * 4
        x = 0.0
        ticks, labels = [], []
        for g in groups:
            members = [b for b in bars if b.group == g]
            start = x
            for b in members:
                if b.value is None:
                    ax.bar(x, top, color="none", edgecolor=colours[b.series], hatch="///", lw=0.8)
                    ax.text(x, top * 0.5, "unbounded", rotation=90, ha="center", va="center",
                            fontsize=6.5)  # fmt: skip
                elif b.value > 0:
                    ax.bar(x, b.value, color="#bbbbbb" if b.hatch else colours[b.series],
                           edgecolor="#555555" if b.hatch else "white",
                           hatch="xx" if b.hatch else None, label=b.series)  # fmt: skip
                    if b.hatch:
                        ax.text(x, b.value * 1.15, b.series.removeprefix("Deal: "), ha="center",
                                va="bottom", fontsize=6.5)  # fmt: skip
                x += 1
            ticks.append((start + x - 1) / 2)
            labels.append(g)
            x += 0.8
        if not bars:
            ax.text(0.5, 0.5, "no pathway open", transform=ax.transAxes, ha="center")
        ax.set_yscale("log")
        ax.set_ylim(1, top)
        ax.set_xticks(ticks, labels)
        ax.set_ylabel("H100-equivalents")
        ax.set_title(country, loc="left", fontweight="bold")
        ax.grid(axis="y", color="#dddddd", lw=0.5)
        ref_handles = _ref_lines(ax, refs)
    from matplotlib.patches import Patch

    handles = [Patch(color=colours[s], label=s) for s in series_all if not s.startswith("Deal: ")]
    if any(s.startswith("Deal: ") for s in series_all):
        handles.append(Patch(facecolor="#bbbbbb", edgecolor="#555555", hatch="xx",
                             label="Deal or approval (a fact, not law)"))  # fmt: skip
    fig.legend(handles=handles + ref_handles, loc="outside lower center", ncols=3, fontsize=7.5,
               frameon=False)  # fmt: skip
    return _svg(fig, prefix)


@dataclass(frozen=True)
class Series:
    label: str  # "framework-2025: Licences within the Tier 2 country allocation"
    colour_key: str  # pathway id / total: one colour each
    style_key: str  # scenario: one line style each
    points: tuple[tuple[dt.date, float | None], ...]


def timeline_chart(
    series_by_country: Mapping[str, Sequence[Series]],
    refs: Sequence[RefLine],
    spans: Mapping[str, tuple[dt.date, dt.date] | None],
    span_label: str,
    prefix: str = "c2",
) -> str:
    """Step lines of each ceiling over time (log scale): the NVEU quarterly steps, the
    window in which the country allocation is open (shaded), yardstick lines across."""
    countries = list(series_by_country)
    fig = _figure(10.5, 2.9 * len(countries) + 0.8)
    axes = fig.subplots(len(countries), 1, squeeze=False)[:, 0]
    colour_keys: list[str] = []
    style_keys: list[str] = []
    for ss in series_by_country.values():
        for s in ss:
            colour_keys += [s.colour_key] if s.colour_key not in colour_keys else []
            style_keys += [s.style_key] if s.style_key not in style_keys else []
    colours = {
        k: PALETTE[i % len(PALETTE)] for i, k in enumerate(c for c in colour_keys if c != "total")
    }
    colours["total"] = TOTAL_COLOUR
    scen_keys = [k for k in style_keys if k != "if opened"]
    styles: dict[str, object] = {
        k: LINE_STYLES[i % len(LINE_STYLES)] for i, k in enumerate(scen_keys)
    }
    if "if opened" in style_keys:
        styles["if opened"] = (0, (1, 2))  # dotted: a schedule, not a ceiling in force
    names: dict[str, str] = {}
    ref_handles: list = []
    shaded = False
    for ax, country in zip(axes, countries, strict=True):
        drawn = False
        for s in series_by_country[country]:
            xs = [d for d, v in s.points]
            ys = [v if v else float("nan") for d, v in s.points]
            if all(v != v for v in ys):  # nothing finite to draw
                continue
            ax.step(xs, ys, where="post", color=colours[s.colour_key], ls=styles[s.style_key],
                    lw=1.6)  # fmt: skip
            names.setdefault(
                s.colour_key, s.label.split(": ", 1)[-1].replace(" (schedule, if opened)", "")
            )
            drawn = True
        span = spans.get(country)
        if span is not None:
            ax.axvspan(span[0], span[1], color="#f2e6c9", alpha=0.6, zorder=0)
            shaded = True
        if not drawn:
            ax.text(0.5, 0.5, "no bounded ceiling in these scenarios", transform=ax.transAxes,
                    ha="center")  # fmt: skip
        else:
            ax.set_yscale("log")
        ax.set_title(country, loc="left", fontweight="bold")
        ax.set_ylabel("H100-equivalents")
        ax.grid(color="#dddddd", lw=0.5)
        ref_handles = _ref_lines(ax, refs)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Line2D([], [], color=colours[k], lw=2, label=names[k]) for k in colour_keys if k in names
    ]
    handles += [Line2D([], [], color="#333333", ls=styles[k], lw=1.6,
                       label="schedule of a closed pathway, if opened" if k == "if opened"
                       else f"scenario {k}")
                for k in style_keys]  # fmt: skip
    if shaded:
        handles.append(Patch(color="#f2e6c9", label=span_label))
    fig.legend(handles=handles + ref_handles, loc="outside lower center", ncols=3, fontsize=7.5,
               frameon=False)  # fmt: skip
    return _svg(fig, prefix)


def routes_chart(
    gains_by_country: Mapping[str, Sequence[tuple[str, float | None]]],
    refs: Sequence[RefLine],
    prefix: str = "c3",
) -> str:
    """Horizontal bars: what each open route adds to the total reachable, in H100e (log);
    a route that removes the cap is marked 'removes the cap'. Yardsticks as vertical lines."""
    from matplotlib.lines import Line2D

    countries = [c for c, g in gains_by_country.items() if g]
    heights = [max(1.2, 0.32 * len(gains_by_country[c]) + 0.7) for c in countries]
    fig = _figure(10.5, sum(heights) + 0.8)
    axes = fig.subplots(len(countries), 1, squeeze=False, height_ratios=heights)[:, 0]
    finite = [v for c in countries for _, v in gains_by_country[c] if v]
    top = max([*finite, *(r.h100e for r in refs), 10.0]) * 4
    handles: list = []
    for ax, country in zip(axes, countries, strict=True):
        gains = list(gains_by_country[country])
        for i, (_, v) in enumerate(gains):
            if v is None:
                ax.barh(i, top, color="none", edgecolor=PALETTE[0], hatch="///", lw=0.8)
                ax.text(top**0.5, i, "removes the cap", va="center", fontsize=7)
            else:
                ax.barh(i, v, color=PALETTE[2])
                ax.text(v * 1.1, i, f"+{v:,.0f}", va="center", fontsize=7)
        ax.set_yticks(range(len(gains)), [g[0] for g in gains], fontsize=7.5)
        ax.invert_yaxis()
        ax.set_xscale("log")
        ax.set_xlim(1, top)
        ax.set_title(country, loc="left", fontweight="bold")
        ax.grid(axis="x", color="#dddddd", lw=0.5)
        merged: dict[float, list[str]] = {}
        for r in refs:
            merged.setdefault(round(r.h100e, 1), []).append(r.label)
        handles = []
        for k, (value, labels) in enumerate(sorted(merged.items())):
            style = dict(
                color=REF_COLOURS[k % len(REF_COLOURS)], lw=1.1, ls=REF_STYLES[k % len(REF_STYLES)]
            )
            ax.axvline(value, zorder=3, **style)
            handles.append(
                Line2D([], [], label=f"{' = '.join(labels)}: {value:,.0f} H100e", **style)
            )
    axes[-1].set_xlabel("gain in total reachable, H100-equivalents")
    fig.legend(handles=handles, loc="outside lower center", ncols=3, fontsize=7.5, frameon=False)
    return _svg(fig, prefix)
