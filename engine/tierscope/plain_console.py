"""Redirected output without rich: the same bytes, without rich's start-up cost.

A `query` whose output goes to a file or a pipe prints plain text: rich then emits no
styles, and its layout of our few shapes (markup lines wrapped at the console width, and
tables with the SIMPLE_HEAD box, no edge padding, columns fitting the width) is simple
enough to reproduce. Importing rich costs a cold `query` about a tenth of its time, so
`PlainConsole` lays out those shapes itself and writes exactly what rich would.

It only claims what it can prove: anything outside those shapes (a word wider than its
column, a table wider than the console, a character whose display width is not plainly
one cell, markup it does not know) raises `Unsupported` inside `print`, and that one call
is handed to a real rich console made on demand. tests/test_plain_console.py checks the
claim against rich itself, by property tests over random text and tables and over the
query output of the world.

`TableSpec` describes a table for either console: `PlainConsole` lays it out itself and
rich renders it through `__rich__` (a rich `Table` with the same settings).
"""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Callable, Sequence
from typing import IO, Any, Literal, NamedTuple

Justify = Literal["left", "right"]

# rich's markup grammar: a tag is `[` + a letter, `#`, `/` or `@` + anything but `[`,
# up to the first `]`, and may be escaped by an odd run of backslashes before it.
_TAG = re.compile(r"(\\*)\[([a-z#/@][^[]*?)]")
# What escape() must neutralise: a tag, or an opener at the very end of the text (what
# follows could close it), with the backslashes before it; backslashes before any other
# `[`; backslashes at the very end.
_ESCAPABLE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?]|\[(?:[a-z#/@][^[\]]*)?\Z)|(\\+)(?=\[)|(\\+)\Z")
# The only styles our plain renderings use; any other tag is left to rich.
_STYLES = frozenset({"bold", "dim", "yellow", "bold yellow"})
# Characters outside Latin-1 that rich measures as one cell and that our text uses;
# tests/test_plain_console.py checks each against rich's own measure.
_ONE_CELL = frozenset("≈–—‘’“”…€×≤≥→←•·─")
_WORD = re.compile(r"\s*\S+\s*")
_TRAILING_SPACE = re.compile(r"\s+$")


class Unsupported(Exception):
    """This output needs rich's full layout (or styles): rich prints it instead."""


def escape(text: str) -> str:
    """Text made safe to embed anywhere in markup: rich and `PlainConsole` print it as
    written, whatever comes before or after it. Tags are escaped as rich.markup.escape
    does (a backslash, and the backslashes before it doubled). Beyond it, for what rich's
    escape gets wrong: a `[` that ends the text is escaped too (what follows could close
    it into a tag); backslashes before any other `[` get one more (rich reads `\\[` as
    `[`); and backslashes that end the text, or stand before a final `[`, are doubled and
    closed off by an empty `[dim][/dim]`, so that nothing after them can read them as an
    escape or halve them."""

    def one(match: re.Match[str]) -> str:
        backslashes, tag, before_bracket, at_end = match.groups()
        if tag is not None and not tag.endswith("]"):  # an opener that ends the text
            lead = backslashes * 2 + "[dim][/dim]" if backslashes else ""
            body = tag.rstrip("\\")
            tail = (len(tag) - len(body)) * 2
            return lead + "\\" + body + ("\\" * tail + "[dim][/dim]" if tail else "")
        if tag is not None:
            return f"{backslashes}{backslashes}\\{tag}"
        if before_bracket is not None:
            return before_bracket + "\\"
        return at_end * 2 + "[dim][/dim]"

    return _ESCAPABLE.sub(one, text)


def plain(markup: str) -> str:
    """The characters rich would print for `markup`, styles dropped; Unsupported for
    a tag that is not one of ours or a closing tag that closes nothing open."""
    if "[" not in markup:
        return markup
    parts: list[str] = []
    opened: list[str] = []
    position = 0
    for match in _TAG.finditer(markup):
        backslashes, tag = match.groups()
        start, end = match.span()
        if start > position:
            parts.append(markup[position:start].replace("\\[", "["))
        position = end
        if backslashes:
            pairs, odd = divmod(len(backslashes), 2)
            parts.append("\\" * pairs)
            if odd:  # an escaped tag is text
                parts.append(match.group(0)[len(backslashes) :])
                continue
        if tag.startswith("/"):
            if not opened or tag[1:].strip() != opened[-1]:
                raise Unsupported(f"closing tag [{tag}]")
            opened.pop()
        elif tag in _STYLES:
            opened.append(tag)
        else:
            raise Unsupported(f"tag [{tag}]")
    if position < len(markup):
        parts.append(markup[position:].replace("\\[", "["))
    return "".join(parts)


def require_one_cell(text: str) -> None:
    """Unsupported unless every character takes exactly one cell in rich's measure and
    survives rich unchanged (control characters are stripped or reinterpreted by it)."""
    if text.isascii():
        if any((c < " " and c != "\n") or c == "\x7f" for c in text):
            raise Unsupported("control character")
        return
    for c in text:
        o = ord(c)
        if (o < 0x20 and c != "\n") or 0x7F <= o < 0xA0 or (o >= 0x300 and c not in _ONE_CELL):
            raise Unsupported(f"character {c!r}")


def _breaks(line: str, width: int) -> list[int]:
    """Where rich's word wrap breaks `line` (a word keeps the spaces after it); a word
    wider than `width` would be folded or cropped by rich: Unsupported."""
    out: list[int] = []
    offset = 0
    position = 0
    while (m := _WORD.match(line, position)) is not None:
        start, position = m.span()
        word = m.group()
        size = len(word.rstrip())
        if width - offset >= size:
            offset += len(word)
            continue
        if size > width:
            raise Unsupported("a word wider than the line")
        if offset and start:
            out.append(start)
            offset = len(word)
    return out


def wrap(text: str, width: int) -> list[str]:
    """`text` word-wrapped to `width` cells as rich wraps it: each newline ends a line,
    and spaces that would run past the width at a break are dropped."""
    lines: list[str] = []
    for raw in text.split("\n"):
        cuts = [0, *_breaks(raw, width), len(raw)]
        for a, b in itertools.pairwise(cuts):
            piece = raw[a:b]
            if len(piece) > width:
                trailing = _TRAILING_SPACE.search(piece)
                if trailing is not None:
                    piece = piece[: len(piece) - min(len(trailing.group()), len(piece) - width)]
            lines.append(piece)
    return lines


class Column(NamedTuple):
    header: str
    justify: Justify = "left"
    min_width: int | None = None
    max_width: int | None = None
    no_wrap: bool = False


class TableSpec:
    """A table in rich's SIMPLE_HEAD box without edge padding: a rule under the header,
    a blank line above and below, columns separated by one space. Cells and headers are
    markup (escape user text). (A plain class: a dataclass costs a cold start ~1 ms.)"""

    def __init__(self, title: str | None = None, title_justify: Justify = "left") -> None:
        self.title = title
        self.title_justify = title_justify
        self.columns: list[Column] = []
        self.rows: list[tuple[str, ...]] = []

    def add_column(
        self,
        header: str,
        *,
        justify: Justify = "left",
        min_width: int | None = None,
        max_width: int | None = None,
        no_wrap: bool = False,
    ) -> None:
        self.columns.append(Column(header, justify, min_width, max_width, no_wrap))

    def add_row(self, *cells: str) -> None:
        self.rows.append(tuple(cells))

    def __rich__(self) -> Any:
        """The same table as rich's `Table`, for a terminal or anything plain cannot do."""
        from rich import box
        from rich.table import Table

        table = Table(
            box=box.SIMPLE_HEAD, pad_edge=False, title=self.title, title_justify=self.title_justify
        )
        for c in self.columns:
            table.add_column(
                c.header,
                justify=c.justify,
                min_width=c.min_width,
                max_width=c.max_width,
                no_wrap=c.no_wrap,
            )
        for row in self.rows:
            table.add_row(*row)
        return table


def _fit(lo: int, hi: int, avail: int) -> tuple[int, int]:
    """rich's Measurement.get finish: normalised, capped at `avail`, nothing below 1."""
    lo = max(0, min(max(0, lo), hi))
    hi = max(0, max(lo, hi))
    lo, hi = min(lo, avail), min(hi, avail)
    if hi < 1:
        return 0, 0
    lo = max(0, min(max(0, lo), hi))
    return lo, max(0, max(lo, hi))


def _measure(text: str, avail: int, pad: int) -> tuple[int, int]:
    """rich's (minimum, maximum) width of one padded cell: longest word and longest
    line, plus the padding, capped at the space available."""
    if avail < 1:
        return 0, 0
    if avail - pad < 1:
        return _fit(avail, avail, avail)
    longest_line = max((len(x) for x in text.splitlines()), default=0)
    words = text.split()
    longest_word = max((len(w) for w in words), default=longest_line)
    lo, hi = _fit(longest_word, longest_line, avail)
    return _fit(min(lo + pad, avail), min(hi + pad, avail), avail)


def _column_range(col: Column, texts: Sequence[str], avail: int, pad: int) -> tuple[int, int]:
    """rich's measure of a column: its cells' widest ranges, then its own limits."""
    if avail < 1:
        return 0, 0
    ranges = [_measure(t, avail, pad) for t in texts]
    lo = min(max(m[0] for m in ranges), avail)
    hi = min(max(m[1] for m in ranges), avail)
    if col.min_width is not None:
        least = max(0, col.min_width + pad)
        lo, hi = max(lo, least), max(hi, least)
    if col.max_width is not None:
        lo, hi = min(lo, col.max_width + pad), min(hi, col.max_width + pad)
    return lo, hi


def _collapse(widths: list[int], wrappable: list[bool], avail: int) -> list[int]:
    """rich's narrowing of a table too wide for the console: the widest wrappable
    columns give up width, down to the next widest, until the table fits."""
    excess = sum(widths) - avail
    if not any(wrappable):
        return widths
    while sum(widths) and excess > 0:
        widest = max(w for w, ok in zip(widths, wrappable, strict=True) if ok)
        second = max(
            w if ok and w != widest else 0 for w, ok in zip(widths, wrappable, strict=True)
        )
        shares = [1 if w == widest and ok else 0 for w, ok in zip(widths, wrappable, strict=True)]
        if not any(shares) or not widest - second:
            break
        widths = _ratio_reduce(excess, shares, [min(excess, widest - second)] * len(widths), widths)
        excess = sum(widths) - avail
    return widths


def _ratio_reduce(
    total: int, ratios: list[int], maximums: list[int], values: list[int]
) -> list[int]:
    """Take `total` from `values` in proportion to `ratios`, at most `maximums` each
    (rounded as rich rounds, so the widths come out the same)."""
    ratios = [r if m else 0 for r, m in zip(ratios, maximums, strict=True)]
    left_ratio = sum(ratios)
    if not left_ratio:
        return values[:]
    left = total
    out: list[int] = []
    for r, m, v in zip(ratios, maximums, values, strict=True):
        if r and left_ratio > 0:
            taken = min(m, round(r * left / left_ratio))
            out.append(v - taken)
            left -= taken
            left_ratio -= r
        else:
            out.append(v)
    return out


def table_lines(spec: TableSpec, width: int) -> list[str]:
    """The lines rich prints for `spec` on a console `width` cells wide."""
    n = len(spec.columns)
    if n == 0:
        raise Unsupported("a table without columns")
    if any(len(row) != n for row in spec.rows):
        raise Unsupported("a row with another number of cells")
    grid = [[plain(c.header) for c in spec.columns]] + [
        [plain(c) for c in row] for row in spec.rows
    ]
    for line in grid:
        for cell in line:
            require_one_cell(cell)
    avail = width - (2 + n - 1)  # the two edges and a divider between columns
    if avail < 1:
        raise Unsupported("no room for the columns")
    pads = [(0 if i == 0 else 1) + (0 if i == n - 1 else 1) for i in range(n)]
    columns = list(zip(spec.columns, zip(*grid, strict=True), pads, strict=True))
    widths = [_column_range(col, texts, avail, pad)[1] or 1 for col, texts, pad in columns]
    if sum(widths) > avail:  # rich narrows the widest wrappable columns first
        widths = _collapse(widths, [not c.no_wrap for c in spec.columns], avail)
        if sum(widths) > avail:
            widths = _ratio_reduce(sum(widths) - avail, [1] * n, widths, widths)
        widths = [
            _column_range(col, texts, w, pad)[1]
            for w, (col, texts, pad) in zip(widths, columns, strict=True)
        ]
        if sum(widths) > avail:
            raise Unsupported("a table wider than the console")
    total = sum(widths) + 2 + n - 1
    out: list[str] = []
    if spec.title:
        title = plain(spec.title)
        require_one_cell(title)
        out += [_justify(x, total, spec.title_justify) for x in wrap(title, total)]
    out.append(" " * total)
    for r, line in enumerate(grid):
        blocks = [
            _cell(text, widths[i], pads[i], spec.columns[i], i == 0) for i, text in enumerate(line)
        ]
        height = max(len(b) for b in blocks)
        for k, block in enumerate(blocks):
            blank = [" " * widths[k]] * (height - len(block))
            blocks[k] = blank + block if r == 0 else block + blank  # header: bottom-aligned
        out += [" " + " ".join(b[j] for b in blocks) + " " for j in range(height)]
        if r == 0:
            out.append(" " + "─".join("─" * w for w in widths) + " ")
    out.append(" " * total)
    return out


def _cell(text: str, width: int, pad: int, col: Column, first: bool) -> list[str]:
    """One cell's lines: wrapped (or not) to the column, justified, padded."""
    inner = width - pad
    if inner < 1:
        raise Unsupported("a column too narrow for its padding")
    if col.no_wrap:
        lines = text.split("\n")
        if any(len(x) > inner for x in lines):
            raise Unsupported("a no-wrap cell wider than its column")
    else:
        lines = wrap(text, inner)
    left = "" if first else " "
    right = " " * (pad - len(left))
    return [left + _justify(x, inner, col.justify) + right for x in lines]


def _justify(line: str, width: int, how: Justify) -> str:
    if how == "right":
        line = line.rstrip()
        return " " * (width - len(line)) + line
    return line + " " * (width - len(line))


class PlainConsole:
    """A console for redirected output: `print` takes what rich's `Console.print` takes in
    tierscope's query output (markup strings, `TableSpec`s, nothing for a blank line) and
    writes the same bytes; for anything else it asks `fallback()` for a rich console."""

    def __init__(self, width: int, fallback: Callable[[], Any], file: IO[str] | None = None):
        self.width = width
        self._fallback = fallback
        self._rich: Any = None
        self._file = file

    @property
    def file(self) -> IO[str]:
        return self._file or sys.stdout  # read at print time, like rich's console

    def print(
        self, obj: object = "", *, highlight: bool | None = None, markup: bool | None = None
    ) -> None:
        """Print as rich would (highlighting only styles, which plain output drops)."""
        try:
            lines = self.lines(obj, markup is not False)
        except Unsupported:
            if self._rich is None:
                self._rich = self._fallback()
            self._rich.print(obj, highlight=highlight, markup=markup)
            return
        self.file.write("\n".join(lines) + "\n")
        self.file.flush()

    def lines(self, obj: object, markup: bool = True) -> list[str]:
        """What printing `obj` writes, line by line; Unsupported where rich must do it."""
        if isinstance(obj, TableSpec):
            return table_lines(obj, self.width)
        if not isinstance(obj, str):
            raise Unsupported(type(obj).__name__)
        text = plain(obj) if markup else obj
        require_one_cell(text)
        return wrap(text, self.width)


def plain_console_for(stream: IO[str] | None, width: int, fallback: Callable[[], Any]) -> Any:
    """A `PlainConsole` where rich would print to `stream` without any style and with
    Unicode boxes (not a terminal, nothing in the environment forcing one, an encoding
    rich takes for UTF, POSIX, no IPython); otherwise `fallback()` itself."""
    import builtins
    import os

    env = os.environ
    encoding = (getattr(stream, "encoding", "utf-8") or "utf-8").lower()
    if (
        stream is None
        or os.name != "posix"
        or any(k in env for k in ("FORCE_COLOR", "TTY_COMPATIBLE", "JUPYTER_COLUMNS"))
        or hasattr(builtins, "get_ipython")
        or not encoding.startswith("utf")
        or _isatty(stream)
    ):
        return fallback()
    return PlainConsole(width, fallback)


def _isatty(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (ValueError, OSError):
        return False
