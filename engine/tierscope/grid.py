"""`compare` as one grid: countries (x measures) down, scenarios (x dates) across.

Written for reading at a glance: one grid for any number of countries, the source
status of every figure marked in its cell, a delta only where a cell differs from the
baseline, headers broken only at `+` and `@`. On a terminal the grid adapts to the
width (transposed when that fits better, else cut into column blocks that repeat the
row labels); redirected, it is printed whole, never cropped or wrapped.

A plain aligned renderer rather than rich's Table: a world comparison (249 countries x
8 scenarios x 3 dates) spent most of its time in rich's layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .compare import Cell, Comparison
from .errors import TierscopeError

STATUS_MARK = {"primary": "", "secondary": "*", "unverified": "?"}
SHORT_MEASURES = {
    "tier": "tier",
    "licence": "licence_required",
    "licence_required": "licence_required",
    "review": "review_policy",
    "review_policy": "review_policy",
    "total": "total_reachable",
    "total_reachable": "total_reachable",
}
GAP = "  "


def measure_ids(comp: Comparison, wanted: Sequence[str] | None) -> list[str]:
    """The measures to show, in the comparison's order; `wanted` names them as `tier`,
    `licence`, `review`, `total` or a pathway id (`lpp` or `pathway:lpp`)."""
    present = list(dict.fromkeys(r.measure for r in comp.rows))
    if not wanted:
        return present
    out: list[str] = []
    for w in wanted:
        key = w.strip().lower()
        mid = SHORT_MEASURES.get(key) or (key if key.startswith("pathway:") else f"pathway:{key}")
        if mid not in present:
            choices = ", ".join(
                ["tier", "licence", "review", "total"]
                + [m.split(":", 1)[1] for m in present if m.startswith("pathway:")]
            )
            raise TierscopeError(
                f"--measure {w!r}: not a measure of this comparison; choose from {choices}"
            )
        if mid not in out:
            out.append(mid)
    return out


def cell_text(cell: Cell, is_base: bool) -> str:
    """A cell as read at a glance: H100e for figures, the status mark, and a delta only
    where it differs from the baseline."""
    if not cell.available or cell.state in ("not open", "none", "not in force"):
        return cell.value
    text = f"{cell.h100e:,.0f}" if cell.h100e is not None else cell.value
    text += STATUS_MARK.get(cell.status or "primary", "")
    if is_base or not cell.changed or not cell.delta_h100e:
        return text  # a word that differs from the baseline is its own delta
    return text + f" ({cell.delta_h100e:+,.0f})"


def _header_lines(col: str) -> list[str]:
    """A column id broken before each `+` and `@` (never inside a name)."""
    parts: list[str] = []
    cur = ""
    for ch in col:
        if ch in "+@" and cur:
            parts.append(cur)
            cur = ""
        cur += ch
    parts.append(cur)
    return parts


@dataclass
class Grid:
    """Row labels (one or two label columns), column headers and cell texts."""

    corner: list[str]
    labels: list[list[str]]  # per row, the label columns
    headers: list[list[str]]  # per column, header lines
    cells: list[list[str]]  # per row, per column

    def transposed(self) -> Grid:
        headers = [[x for x in lab if x] for lab in self.labels]
        labels = [[" ".join(h)] for h in self.headers]
        cells = [list(col) for col in zip(*self.cells, strict=True)] if self.cells else []
        # rows are now the scenario (and date) columns; the countries head the columns
        return Grid(["scenario"], labels, headers, cells)


def build_grid(comp: Comparison, measures: Sequence[str], keep_closed: bool = False) -> Grid:
    """The comparison as rows of (country, measure) and one column per scenario/date.
    A pathway row that is "not open" in every column is left out unless `keep_closed`
    (the measure was asked for by name)."""
    one_measure = len(measures) == 1
    labels: list[list[str]] = []
    cells: list[list[str]] = []
    by_key = {(r.country, r.measure): r for r in comp.rows}
    countries = list(dict.fromkeys(r.country for r in comp.rows))
    for country in countries:
        first = True
        for m in measures:
            row = by_key.get((country, m))
            if row is None:
                continue
            if not keep_closed and all(c.state == "not open" for c in row.cells.values()):
                continue
            label = row.label.replace(" (TPP)", "")
            labels.append([country] if one_measure else [country if first else "", label])
            first = False
            cells.append([cell_text(row.cells[c], c == comp.baseline) for c in comp.columns])
    headers = []
    for c in comp.columns:
        lines = _header_lines(c)
        if c == comp.baseline:
            lines.append("(baseline)")
        headers.append(lines)
    corner = ["country"] if one_measure else ["country", "measure"]
    return Grid(corner, labels, headers, cells)


def _widths(g: Grid) -> tuple[list[int], list[int]]:
    nlab = len(g.corner)
    lab_w = [max([len(g.corner[i])] + [len(lab[i]) for lab in g.labels]) for i in range(nlab)]
    col_w = []
    for j, h in enumerate(g.headers):
        col_w.append(max([len(x) for x in h] + [len(row[j]) for row in g.cells]))
    return lab_w, col_w


def total_width(g: Grid) -> int:
    lab_w, col_w = _widths(g)
    return sum(lab_w) + sum(col_w) + len(GAP) * (len(lab_w) + len(col_w) - 1)


def _render_block(g: Grid, lab_w: list[int], col_w: list[int], cols: list[int]) -> list[str]:
    depth = max(len(g.headers[j]) for j in cols)
    out = []
    for k in range(depth):
        parts = [(g.corner[i] if k == depth - 1 else "").ljust(lab_w[i]) for i in range(len(lab_w))]
        for j in cols:
            h = g.headers[j]
            # bottom-align header lines so the last line sits on the rule
            pad = depth - len(h)
            text = h[k - pad] if k >= pad else ""
            parts.append(text.rjust(col_w[j]))
        out.append(GAP.join(parts).rstrip())
    out.append(GAP.join(["-" * w for w in lab_w] + ["-" * col_w[j] for j in cols]))
    for lab, row in zip(g.labels, g.cells, strict=True):
        parts = [lab[i].ljust(lab_w[i]) for i in range(len(lab_w))]
        parts.extend(row[j].rjust(col_w[j]) for j in cols)
        out.append(GAP.join(parts).rstrip())
    return out


def render_grid(g: Grid, width: int | None) -> str:
    """The grid as aligned text; `width` None = no limit (redirected output)."""
    lab_w, col_w = _widths(g)
    blocks: list[list[int]] = []
    if width is None:
        blocks = [list(range(len(col_w)))]
    else:
        room = width - sum(lab_w) - len(GAP) * len(lab_w)
        cur: list[int] = []
        used = 0
        for j, w in enumerate(col_w):
            if cur and used + w > room:
                blocks.append(cur)
                cur, used = [], 0
            cur.append(j)
            used += w + len(GAP)
        blocks.append(cur)
    lines: list[str] = []
    for b, cols in enumerate(blocks):
        if b:
            lines.append("")
        lines.extend(_render_block(g, lab_w, col_w, cols))
    return "\n".join(lines)


def fit(g: Grid, width: int | None) -> Grid:
    """Transpose when the grid is too wide for the terminal and the transposed one is
    narrower (many scenarios, few countries)."""
    if width is None or total_width(g) <= width:
        return g
    t = g.transposed()
    return t if total_width(t) < total_width(g) else g


def legend(comp: Comparison) -> list[str]:
    return [
        f"Figures in H100e (TPP / TPP of one H100); (+n) = change against {comp.baseline}, "
        "shown only where a cell differs.",
        "Marks: * secondary source, ? unverified (unmarked: primary). '-' = pathway not open; "
        "'unbounded' = open with no cap; 'share: n%' = capped by a share of a fleet; "
        "exact TPP: --format csv or json.",
    ]


def compare_text(comp: Comparison, measures: Sequence[str] | None, width: int | None) -> str:
    """The whole `compare` table output: grid, legend and notes."""
    g = fit(build_grid(comp, measure_ids(comp, measures), bool(measures)), width)
    lines = [render_grid(g, width), ""]
    notes = [*legend(comp), *(f"Note: {n}" for n in comp.notes)]
    if width is not None:  # on a terminal, wrap the prose too; redirected, keep lines whole
        import textwrap

        notes = [w for n in notes for w in textwrap.wrap(n, width, subsequent_indent="  ")]
    lines.extend(notes)
    return "\n".join(lines) + "\n"


def compare_markdown(comp: Comparison, measures: Sequence[str] | None) -> str:
    """The same grid as one Markdown table (full text, never cropped)."""
    g = build_grid(comp, measure_ids(comp, measures), bool(measures))
    esc = lambda s: s.replace("|", "\\|")  # noqa: E731
    head = [*g.corner, *(" ".join(h) for h in g.headers)]
    out = ["| " + " | ".join(esc(h) for h in head) + " |"]
    out.append("|" + "---|" * len(g.corner) + "---:|" * len(g.headers))
    for lab, row in zip(g.labels, g.cells, strict=True):
        out.append("| " + " | ".join(esc(x) for x in [*lab, *row]) + " |")
    out.append("")
    out.extend(legend(comp))
    out.extend(f"- Note: {n}" for n in comp.notes)
    return "\n".join(out) + "\n"
