"""`tierscope report`: one self-contained, offline HTML file (or Markdown with SVG beside it).

The report is built once as a list of blocks (headings, paragraphs, tables, charts) and
rendered twice, so the HTML and the Markdown say the same thing. Every number in a table
carries a key into the appendix, which gives its value, status and citations. Charts are
matplotlib SVG inlined in the page: no JavaScript, no fonts or scripts fetched, no network.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .chips import find_chip
from .errors import TierscopeError
from .models.common import Status, weakest
from .models.result import QueryResult
from .report_charts import Bar, RefLine, Series, pathways_chart, routes_chart, timeline_chart
from .service import Project
from .yardsticks import DEFAULT_CHIP, Translator, chartable, cluster_h100e, load_yardsticks, sci

# --------------------------------------------------------------------------- blocks


@dataclass(frozen=True)
class Cell:
    text: str
    ref: str | None = None  # appendix key


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass(frozen=True)
class Para:
    text: str
    muted: bool = False


@dataclass(frozen=True)
class TableBlock:
    headers: Sequence[str]
    rows: Sequence[Sequence[Cell]]
    numeric: Sequence[int] = ()  # right-aligned columns


@dataclass(frozen=True)
class Chart:
    name: str  # file stem for Markdown
    caption: str
    svg: str


@dataclass(frozen=True)
class Entry:
    """One appendix line: a figure, its value, its status and where it comes from."""

    key: str
    label: str
    value: str
    status: str
    citations: tuple[str, ...]


@dataclass
class Appendix:
    entries: dict[tuple[str, str], Entry] = field(default_factory=dict)

    def add(self, label: str, value: str, status: Status | str, citations: Sequence[str]) -> str:
        k = (label, value)
        if k not in self.entries:
            st = status.value if isinstance(status, Status) else status
            self.entries[k] = Entry(
                f"F{len(self.entries) + 1}", label, value, st, tuple(dict.fromkeys(citations))
            )
        return self.entries[k].key


@dataclass
class Report:
    title: str
    blocks: list[object]
    appendix: Appendix
    countries: list[str]
    scenarios: list[str]


# --------------------------------------------------------------------------- data


def regime_in_force(project: Project, spec: str, day: dt.date) -> tuple[str, str, list[str]]:
    """(regime id, title, references) of the regime a scenario spec follows on `day`."""
    rb = project.rulebase
    name = spec.split("+")[0].strip()
    seen: set[str] = set()
    while name not in rb.regimes and name not in seen:
        seen.add(name)
        if name not in rb.scenarios:
            break
        sc = rb.scenarios[name]
        if sc.regimes is not None:
            window = next(
                (w for w in sc.regimes
                 if (w.start is None or w.start <= day) and (w.until is None or day < w.until)),
                None,
            )  # fmt: skip
            if window is None:
                return "-", f"no regime of {name} is in force on {day}", []
            name = window.regime
        else:
            name = sc.base or name
    if name not in rb.regimes:
        return name, name, []
    header = rb.regimes[name].header
    return name, header.title, [r.text for r in header.references]


def sample_dates(project: Project, scenarios: Sequence[str], day: dt.date) -> list[dt.date]:
    """Month starts over the framework's years and the as-of date, plus every date a
    parameter changes (so quarterly steps land exactly)."""
    start = dt.date(2024, 10, 1)
    end = max(day + dt.timedelta(days=92), dt.date(2028, 3, 31))
    dates = {dt.date(y, m, 1) for y in range(start.year, end.year + 1) for m in range(1, 13)}
    for s in scenarios:
        world = project.world(s)
        for p in world.parameters.values():
            dates.update(p.dates)
    dates.add(day)
    return sorted(d for d in dates if start <= d <= end)


def _query(project: Project, c: str, s: str, d: dt.date, assume) -> QueryResult | None:
    try:
        return project.query(c, s, d, assume)
    except TierscopeError as exc:
        if exc.exit_code == 3:  # the scenario is not in force on that date
            return None
        raise


def _h100e(tpp: int | None, h100: int) -> float | None:
    return None if tpp is None else tpp / h100


# --------------------------------------------------------------------------- build


def build_report(
    project: Project,
    countries: Sequence[str],
    scenarios: Sequence[str],
    day: dt.date,
    tr: Translator,
    assume: Mapping[str, int] | None = None,
) -> Report:
    """Query everything once and lay out the report's blocks."""
    codes = list(dict.fromkeys(project.country_code(c) for c in countries))
    scenarios = list(dict.fromkeys(scenarios))
    for s in scenarios:
        project.world(s, assume)  # unknown scenario: a one-line error before any work
    ys = load_yardsticks(project.rules_dir)
    chips = project.chips
    app = Appendix()
    b = tr.basis
    results: dict[tuple[str, str], QueryResult | None] = {
        (c, s): _query(project, c, s, day, assume) for c in codes for s in scenarios
    }
    names = {c: next((r.country_name for (cc, _), r in results.items() if r and cc == c), c)
             for c in codes}  # fmt: skip
    titles = {s: project.world(s, assume).title for s in scenarios}
    blocks: list[object] = []

    # basis figures in the appendix
    chip = tr.chip
    basis_keys = {
        "chip": app.add(f"TPP of one {chip.name} (for 'chips')", f"{chip.tpp:,} TPP", chip.status,
                        [r.text for r in chip.references]),
        "util": app.add("Training utilisation of peak dense BF16", f"{b.utilisation:.0%}",
                        Status.secondary if "given" not in b.utilisation_source else Status.unverified,
                        [b.utilisation_source, *b.citations[:1]]),
    }  # fmt: skip
    for y in ys.values():
        for fname, fig in y.figures().items():
            value = fig.value if isinstance(fig.value, str) else f"{fig.value:,.4g}"
            rng = ""
            if fig.low is not None and fig.high is not None:
                rng = f" (range {fig.low.value} to {fig.high.value})"
            extra = [f"derived from: {'; '.join(fig.derived_from)}"] if fig.derived_from else []
            app.add(f"{y.title}: {fname.replace('_', ' ')}", f"{value} {fig.unit}{rng}",
                    fig.status, [*extra, *(r.text for r in fig.references)])  # fmt: skip

    # --- title and regime in force
    blocks.append(Heading(1, f"tierscope report: {', '.join(codes)}"))
    blocks.append(Para(
        f"As of {day}. Countries: {', '.join(f'{names[c]} ({c})' for c in codes)}. Scenarios: "
        f"{', '.join(f'{s} ({titles[s]})' for s in scenarios)}. Generated by tierscope "
        f"{__version__} from its cited rule files. Every figure in a table carries a key [F..] "
        "into the appendix, which gives its value, status (primary, secondary, unverified) and "
        "citations. Deals and approvals are facts, not law."
    ))  # fmt: skip
    blocks.append(Heading(2, f"The regime in force on {day}", "regime"))
    rows = []
    for s in scenarios:
        rid, rtitle, refs = regime_in_force(project, s, day)
        key = app.add(f"Regime followed by {s} on {day}", rtitle, Status.primary, refs)
        kd = (
            project.rulebase.regimes[rid].header.key_dates
            if rid in project.rulebase.regimes
            else []
        )
        dates = "; ".join(f"{d.date}: {d.label}" for d in kd) or "-"
        rows.append([Cell(s), Cell(rtitle, key), Cell(rid), Cell(dates)])
    blocks.append(TableBlock(["Scenario", "Regime in force on the date", "Regime id", "Key dates"],
                             rows))  # fmt: skip
    cautions = sorted({w for r in results.values() if r for w in r.warnings})
    for w in cautions:
        blocks.append(Para(f"Caution: {w}", muted=True))

    # --- summary
    blocks.append(Heading(2, "Summary", "summary"))
    head = ["Country", "Scenario", "Tier", "Licence", "Review", "Total reachable (H100e)",
            f"in {b.chip_name.split(' (')[0]}", f"{b.run_title} runs/yr", f"x {b.cluster_title}",
            "Status"]  # fmt: skip
    rows = []
    for (c, s), r in results.items():
        if r is None:
            rows.append([Cell(c), Cell(s), Cell("not in force on this date"),
                         *(Cell("-") for _ in range(7))])  # fmt: skip
            continue
        t = r.total_reachable
        if t.tpp is None:
            total = Cell(f"unbounded ({', '.join(t.unbounded_by)})")
            tx = None
        else:
            key = app.add(
                f"{r.country} under {s} on {day}: total reachable",
                f"{t.tpp:,} TPP = {t.h100e:,.1f} H100e ({'; '.join(x.formula for x in t.terms)})",
                t.status,
                [c for p in r.pathways for c in p.citations]
                + [ref for a in t.assumptions for ref in a.references],
            )
            total = Cell(f"{t.h100e:,.0f}", key)
            tx = tr(t.tpp, t.status)
        rows.append([
            Cell(c), Cell(s), Cell("-" if r.tier is None else str(r.tier)),
            Cell("yes" if r.licence_required else "no"), Cell(r.review_policy or "-"), total,
            Cell("-" if tx is None else f"{tx.chips:,.0f}", basis_keys["chip"] if tx else None),
            Cell("-" if tx is None else f"{tx.runs_per_year:,.1f}"),
            Cell("-" if tx is None else f"{tx.clusters:,.2f}"),
            Cell(r.status.value if tx is None else weakest([r.status, tx.status]).value),
        ])  # fmt: skip
    blocks.append(TableBlock(head, rows, numeric=(5, 6, 7, 8)))
    blocks.append(Para(tr.basis.text(), muted=True))

    # --- yardstick lines
    h100 = find_chip(DEFAULT_CHIP, chips).tpp  # H100e here = TPP / one H100's TPP
    for r in results.values():
        if r is not None and isinstance(r.h100_tpp.value, int):
            h100 = r.h100_tpp.value  # the cited units.h100_tpp the answers used
            break
    refs = [RefLine(y.short, cluster_h100e(y, chips)) for y in chartable(ys)]

    # --- chart 1: reachable compute per pathway per scenario
    bars: dict[str, list[Bar]] = {}
    for c in codes:
        lst = bars.setdefault(f"{names[c]} ({c})", [])
        for s in scenarios:
            r = results[(c, s)]
            if r is None:
                continue
            for p in r.pathways:
                if p.ceiling_tpp is None and p.share_limits:
                    continue
                lst.append(Bar(s, p.title.split(" (")[0], _h100e(p.ceiling_tpp, h100)))
            lst.append(Bar(s, "Total reachable", _h100e(r.total_reachable.tpp, h100)))
        r0 = next((results[(c, s)] for s in scenarios if results[(c, s)]), None)
        for d in r0.deals if r0 else []:
            if d.tpp:
                lst.append(Bar("deals (facts)", f"Deal: {d.chips}", d.tpp / h100, hatch=True))
    blocks.append(Heading(2, "Reachable compute per pathway and scenario", "pathways"))
    blocks.append(Chart(
        "pathways",
        "Each pathway's ceiling and the total reachable, in H100-equivalents (log scale), per "
        "scenario on the as-of date; hatched bars are deals (facts, not law). Dashed lines are "
        "yardstick clusters (their size in H100e by TPP): ceilings are cumulative over their "
        "period (see 'Per'), clusters are installed capacity.",
        pathways_chart(bars, refs),
    ))  # fmt: skip
    rows = []
    for (c, s), r in results.items():
        for p in r.pathways if r else []:
            if p.ceiling_tpp is not None:
                value = f"{p.ceiling_tpp:,} TPP per {p.per} = {p.ceiling_h100e:,.1f} H100e"
            elif p.share_limits:
                value = "; ".join(p.share_limits)
            else:
                value = "unbounded"
            key = app.add(f"{c} under {s} on {day}: {p.title}", value, p.status,
                          [*p.citations, *(ref for u in p.parameters for ref in u.references)])  # fmt: skip
            tx = tr(p.ceiling_tpp, p.status)
            rows.append([
                Cell(c), Cell(s), Cell(p.title), Cell(value, key), Cell(p.per),
                Cell("-" if tx is None else f"{tx.chips:,.0f}"),
                Cell("-" if tx is None else sci(tx.training_flop_window)),
                Cell(p.status.value),
            ])  # fmt: skip
    blocks.append(TableBlock(
        ["Country", "Scenario", "Pathway", "Ceiling", "Per", f"in {b.chip_name.split(' (')[0]}",
         f"Training FLOP over {b.window_years} years @{b.utilisation:.0%}", "Status"],
        rows, numeric=(5, 6),
    ))  # fmt: skip

    # --- chart 2: the ceilings over time
    dates = sample_dates(project, scenarios, day)
    series: dict[str, list[Series]] = {}
    spans: dict[str, tuple[dt.date, dt.date] | None] = {}
    per_label = ""
    for c in codes:
        label_c = f"{names[c]} ({c})"
        lst = series.setdefault(label_c, [])
        alloc_days: list[dt.date] = []
        drawn: set[str] = set()  # pathways open for this country in some scenario
        schedules: list[Series] = []
        for s in scenarios:
            points: dict[str, list[tuple[dt.date, float | None]]] = {}
            titles_p: dict[str, str] = {}
            for d in dates:
                r = _query(project, c, s, d, assume)
                vals: dict[str, float | None] = {}
                if r is not None:
                    for p in r.pathways:
                        if p.ceiling_tpp is not None:
                            vals[p.id] = p.ceiling_tpp / h100
                            titles_p[p.id] = p.title.split(" (")[0]
                        if p.id == "country_allocation" and p.ceiling_tpp is not None:
                            alloc_days.append(d)
                            per_label = p.per
                    vals["total"] = _h100e(r.total_reachable.tpp, h100)
                    titles_p["total"] = "Total reachable"
                for pid in set(points) | set(vals):
                    points.setdefault(pid, [(dd, None) for dd in dates if dd < d])
                    points[pid].append((d, vals.get(pid)))
            for pid, pts in points.items():
                lst.append(Series(f"{s}: {titles_p.get(pid, pid)}", pid, s, tuple(pts)))
            drawn |= set(points)
            schedules += schedule_series(project, s, assume, dates, set(), h100)
        # one schedule per closed pathway: from the scenario where it is in force longest
        best: dict[str, Series] = {}
        for sc in schedules:
            if sc.colour_key in drawn:
                continue
            n = sum(v is not None for _, v in sc.points)
            if n and (
                sc.colour_key not in best
                or n > sum(v is not None for _, v in best[sc.colour_key].points)
            ):
                best[sc.colour_key] = sc
        lst += best.values()
        spans[label_c] = (min(alloc_days), max(alloc_days)) if alloc_days else None
    blocks.append(Heading(2, "Ceilings over time", "timeline"))
    blocks.append(Chart(
        "timeline",
        "Each bounded ceiling and the total reachable over time, in H100e (log scale): colour = "
        "pathway, line style = scenario. Steps are dated changes in the rule files (for "
        "example the NVEU installed-base schedule, quarter by quarter, where it is encoded); "
        "the shaded band is where the country allocation is open. Dashed lines are yardstick "
        "clusters.",
        timeline_chart(series, refs, spans,
                       f"country allocation open (per {per_label})" if per_label else "allocation"),
    ))  # fmt: skip

    # --- deals
    blocks.append(Heading(2, "Deals and approvals: facts, not law", "deals"))
    rows = []
    for c in codes:
        r0 = next((results[(c, s)] for s in scenarios if results[(c, s)]), None)
        for d in r0.deals if r0 else []:
            key = app.add(f"{c} deal of {d.date}: {d.title}",
                          f"{d.chips or 'no quantity stated'}" + (f" = {d.tpp:,} TPP" if d.tpp else ""),
                          d.status, d.citations)  # fmt: skip
            vs = []
            for s in scenarios:
                rr = results[(c, s)]
                cap = next((p.ceiling_tpp for p in rr.pathways if p.id == "country_allocation"),
                           None) if rr else None  # fmt: skip
                vs.append(Cell("-" if not (d.tpp and cap) else f"{d.tpp / cap:,.2f}x"))
            rows.append([Cell(c), Cell(str(d.date)), Cell(d.title, key), Cell(d.chips or "-"),
                         Cell("-" if d.h100e is None else f"{d.h100e:,.0f}"), *vs,
                         Cell(d.status.value)])  # fmt: skip
    if rows:
        blocks.append(TableBlock(
            ["Country", "Date", "Deal (fact, not law)", "Chips", "H100e",
             *(f"x allocation, {s}" for s in scenarios), "Status"], rows, numeric=(4,),
        ))  # fmt: skip
    else:
        blocks.append(Para("No deal or approval is recorded for these countries up to this date."))

    # --- routes
    blocks.append(Heading(2, "Routes between tiers", "routes"))
    blocks += routes_blocks(project, codes, scenarios, day, tr, app, assume, refs)

    # --- yardsticks
    blocks.append(Heading(2, "Yardsticks", "yardsticks"))
    rows = []
    for y in ys.values():
        if y.kind == "rate":
            assert y.rate is not None
            fig, what = y.rate, f"{y.rate.value:g} {y.rate.unit}"
        elif y.kind == "workload":
            assert y.gpu_hours is not None and y.hardware is not None
            fig = y.gpu_hours
            what = f"{float(y.gpu_hours.value):,.0f} {y.gpu_hours.unit} on {y.hardware.value}"
        else:
            assert y.hardware is not None
            fig = y.hardware
            what = f"{y.hardware.value} = {cluster_h100e(y, chips):,.0f} H100e by TPP"
            if fig.low is not None and fig.high is not None:
                what += f" (range {fig.low.value} to {fig.high.value})"
        value = fig.value if isinstance(fig.value, str) else f"{fig.value:,.4g}"
        rng = f" (range {fig.low.value} to {fig.high.value})" if fig.low and fig.high else ""
        fname = {"rate": "rate", "workload": "gpu hours", "cluster": "hardware"}[y.kind]
        key = app.add(f"{y.title}: {fname}", f"{value} {fig.unit}{rng}", fig.status, [])
        rows.append([Cell(y.id), Cell(y.title), Cell(what, key),
                     Cell(("estimate; " if fig.estimate else "") + fig.status.value)])  # fmt: skip
    blocks.append(TableBlock(["Id", "Yardstick", "Figure", "Status"], rows))
    return Report(f"tierscope report: {', '.join(codes)}", blocks, app, codes, scenarios)


NO_ROUTES = (
    "Routes between tiers (what each needs and what it opens) come from `tierscope pathways`, "
    "which is not part of this version; the ceilings above are the pathways the rules open "
    "on the date."
)


def schedule_series(
    project: Project,
    scenario: str,
    assume: Mapping[str, int] | None,
    dates: Sequence[dt.date],
    shown: set[str],
    h100: int,
) -> list[Series]:
    """Pathways of the scenario that are closed for this country but whose ceiling is a
    dated schedule (such as the NVEU installed base, quarter by quarter): drawn dotted as
    what the pathway would allow if it were opened (by a route or an arrangement)."""
    world = project.world(scenario, assume)
    out: list[Series] = []
    seen: set[str] = set()
    for prov in world.regime.provisions:
        pw = prov.then.pathway
        if pw is None or pw.ceiling == "unbounded" or pw.id in shown or pw.id in seen:
            continue
        param = world.parameters.get(pw.ceiling.param)
        times = world.parameters.get(pw.ceiling.times) if pw.ceiling.times else None
        if param is None or len(param.values) < 2 or (pw.ceiling.times and times is None):
            continue
        seen.add(pw.id)
        pts = []
        for d in dates:
            v = param.value_at(d) if prov.valid.contains(d) else None
            k = times.value_at(d) if times is not None else 1
            ok = isinstance(v, int) and isinstance(k, int)
            pts.append((d, v * k / h100 if ok else None))  # type: ignore[operator]
        title = pw.title.split(" (")[0]
        out.append(Series(f"{scenario}: {title} (schedule, if opened)", pw.id, "if opened",
                          tuple(pts)))  # fmt: skip
    return out


def routes_blocks(
    project: Project,
    codes: Sequence[str],
    scenarios: Sequence[str],
    day: dt.date,
    tr: Translator,
    app: Appendix,
    assume: Mapping[str, int] | None,
    refs: Sequence[RefLine] = (),
) -> list[object]:
    """Every route per country and scenario with its gain, translated; the routes module
    (`tierscope pathways`) is optional, so a version without it says so."""
    try:
        from .route_report import pathways_report  # type: ignore[import-not-found]
    except ImportError:
        return [Para(NO_ROUTES, muted=True)]
    b = tr.basis
    rows = []
    gains: dict[str, list[tuple[str, float | None]]] = {}
    h100 = find_chip(DEFAULT_CHIP, project.chips).tpp
    for c in codes:
        for s in scenarios:
            try:
                rep = pathways_report(project, c, s, day, assume, b.chip)
            except TierscopeError as exc:
                rows.append([Cell(c), Cell(s), Cell(exc.message), *(Cell("-") for _ in range(6))])
                continue
            regime = regime_in_force(project, s, day)[0]
            skipped = 0
            for r in rep.routes:
                regimes = getattr(r, "regimes", None)
                if r.state != "open" and regimes and regime not in regimes:
                    skipped += 1  # a route of another regime: listed by `tierscope pathways`
                    continue
                gain = r.gain
                tx = tr(gain.tpp) if gain is not None and gain.tpp else None
                if r.state == "open" and gain is not None and (gain.tpp or 0) > 0:
                    gains.setdefault(c, []).append(
                        (f"{s}: {r.title.split(' (')[0]}", gain.tpp / h100)
                    )
                elif r.state == "open" and gain is not None and getattr(gain, "unbounded", False):
                    gains.setdefault(c, []).append((f"{s}: {r.title.split(' (')[0]}", None))
                what = "; ".join(r.unmet) if r.state != "open" else (gain.text if gain else "-")
                key = app.add(f"{c} under {s} on {day}: route {r.id}", what, r.status,
                              [*r.citations, *r.references])  # fmt: skip
                rows.append([
                    Cell(c), Cell(s), Cell(r.title), Cell(r.state),
                    Cell(what, key),
                    Cell("-" if tx is None else f"{tx.chips:+,.0f}"),
                    Cell("-" if tx is None else f"{tx.runs_per_year:+,.1f}"),
                    Cell("-" if tx is None else f"{tx.clusters:+,.2f}"),
                    Cell(r.status.value),
                ])  # fmt: skip
            if skipped:
                rows.append([Cell(c), Cell(s), Cell(f"{skipped} route{'s' if skipped > 1 else ''} of other regimes"),
                             Cell("n/a"), Cell(f"not in force under {regime} on {day}"),
                             *(Cell("-") for _ in range(4))])  # fmt: skip
    head = ["Country", "Scenario", "Route", "State", "Gain, or what is missing",
            f"Gain in {b.chip_name.split(' (')[0]}", f"{b.run_title} runs/yr", f"x {b.cluster_title}",
            "Status"]  # fmt: skip
    blocks: list[object] = []
    if any(g for g in gains.values()):
        blocks.append(Chart(
            "routes",
            "What each open route adds to the total reachable on the as-of date, in H100e (log "
            "scale), per country and scenario; vertical lines are yardstick clusters.",
            routes_chart(gains, refs),
        ))  # fmt: skip
    return [
        *blocks,
        Para("Every route between tiers in the rule files, open or closed, with the change it "
             "makes to the total reachable (open routes) or the preconditions it lacks (closed)."),
        TableBlock(head, rows, numeric=(5, 6, 7)),
    ]  # fmt: skip


# --------------------------------------------------------------------------- HTML

CSS = """
body{font:14px/1.45 -apple-system,'Segoe UI',Roboto,'DejaVu Sans',Arial,sans-serif;color:#1b1b1b;
 max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 8px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ccc}
table{border-collapse:collapse;margin:8px 0 12px;font-size:12.5px;width:100%}
th,td{border:1px solid #d9d9d9;padding:3px 6px;vertical-align:top;text-align:left}
th{background:#f3f5f7}td.n{text-align:right;white-space:nowrap}
a.k{font-size:10.5px;color:#0b5cad;text-decoration:none;margin-left:3px}
p.m{color:#555;font-size:12.5px}figure{margin:8px 0}figcaption{color:#444;font-size:12.5px}
figure svg{width:100%;height:auto}tr:target{background:#fff6d5}
.st-unverified{color:#a4262c}.st-secondary{color:#7a5b00}.st-primary{color:#1d6b2a}
"""


def _cell_html(c: Cell, numeric: bool) -> str:
    link = f'<a class="k" href="#{c.ref}">[{c.ref}]</a>' if c.ref else ""
    cls = ' class="n"' if numeric else ""
    text = html.escape(c.text)
    if c.text in ("primary", "secondary", "unverified"):
        text = f'<span class="st-{c.text}">{text}</span>'
    return f"<td{cls}>{text}{link}</td>"


def _href(citation: str) -> str:
    """A citation with its address as a link (never loaded: links are not requests)."""
    if citation.endswith(">") and " <" in citation:
        title, url = citation[:-1].rsplit(" <", 1)
        return f'{html.escape(title)} <a href="{html.escape(url)}">{html.escape(url)}</a>'
    return html.escape(citation)


def to_html(rep: Report) -> str:
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        # nothing may be fetched: no scripts, styles, fonts or images from anywhere
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{html.escape(rep.title)}</title><style>{CSS}</style></head><body>",
    ]
    for b in rep.blocks:
        if isinstance(b, Heading):
            anchor = f' id="{b.anchor}"' if b.anchor else ""
            parts.append(f"<h{b.level}{anchor}>{html.escape(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            parts.append(f"<p{' class=m' if b.muted else ''}>{html.escape(b.text)}</p>")
        elif isinstance(b, TableBlock):
            parts.append("<table><thead><tr>")
            parts += [f"<th>{html.escape(h)}</th>" for h in b.headers]
            parts.append("</tr></thead><tbody>")
            for row in b.rows:
                parts.append(
                    "<tr>"
                    + "".join(_cell_html(c, i in b.numeric) for i, c in enumerate(row))
                    + "</tr>"
                )
            parts.append("</tbody></table>")
        elif isinstance(b, Chart):
            parts.append(
                f'<figure id="chart-{b.name}">{b.svg}<figcaption>{html.escape(b.caption)}'
                "</figcaption></figure>"
            )
    parts.append('<h2 id="appendix">Appendix: every figure, its status and its citations</h2>')
    parts.append("<table><thead><tr><th>Key</th><th>Figure</th><th>Value</th><th>Status</th>"
                 "<th>Citations</th></tr></thead><tbody>")  # fmt: skip
    for e in rep.appendix.entries.values():
        cites = "<br>".join(_href(c) for c in e.citations) or "-"
        parts.append(
            f'<tr id="{e.key}"><td>{e.key}</td><td>{html.escape(e.label)}</td>'
            f'<td>{html.escape(e.value)}</td><td class="st-{e.status}">{e.status}</td>'
            f"<td>{cites}</td></tr>"
        )
    parts.append("</tbody></table></body></html>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- Markdown


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(rep: Report, chart_names: Mapping[str, str]) -> str:
    out: list[str] = []
    for b in rep.blocks:
        if isinstance(b, Heading):
            out += [f"{'#' * b.level} {b.text}", ""]
        elif isinstance(b, Para):
            out += [f"_{_md(b.text)}_" if b.muted else _md(b.text), ""]
        elif isinstance(b, TableBlock):
            out.append("| " + " | ".join(_md(h) for h in b.headers) + " |")
            out.append(
                "|" + "".join("---:|" if i in b.numeric else "---|" for i in range(len(b.headers)))
            )
            for row in b.rows:
                out.append("| " + " | ".join(
                    _md(c.text) + (f" [{c.ref}](#{c.ref.lower()})" if c.ref else "") for c in row
                ) + " |")  # fmt: skip
            out.append("")
        elif isinstance(b, Chart):
            out += [f"![{_md(b.caption)}]({chart_names[b.name]})", "", f"_{_md(b.caption)}_", ""]
    out += ["## Appendix: every figure, its status and its citations", ""]
    out += ["| Key | Figure | Value | Status | Citations |", "|---|---|---|---|---|"]
    for e in rep.appendix.entries.values():
        out.append(
            f'| <a id="{e.key.lower()}"></a>{e.key} | {_md(e.label)} | {_md(e.value)} | {e.status} | '
            + "<br>".join(_md(c) for c in e.citations)
            + " |"
        )
    return "\n".join(out) + "\n"


def write_report(rep: Report, output: Path) -> list[Path]:
    """Write the HTML (one file) or the Markdown plus one SVG per chart beside it."""
    output = Path(output)
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        if output.suffix.lower() == ".md":
            written = []
            names = {}
            for b in rep.blocks:
                if isinstance(b, Chart):
                    path = output.with_name(f"{output.stem}-{b.name}.svg")
                    path.write_text(
                        '<?xml version="1.0" encoding="utf-8"?>\n'
                        + b.svg.replace(
                            "<svg ", '<svg xmlns:xlink="http://www.w3.org/1999/xlink" ', 1
                        )
                        if "xmlns:xlink" not in b.svg
                        else '<?xml version="1.0" encoding="utf-8"?>\n' + b.svg,
                        encoding="utf-8",
                    )
                    names[b.name] = path.name
                    written.append(path)
            output.write_text(to_markdown(rep, names), encoding="utf-8")
            return [output, *written]
        output.write_text(to_html(rep), encoding="utf-8")
        return [output]
    except OSError as exc:
        raise TierscopeError(f"cannot write {output}: {exc.strerror}") from None
