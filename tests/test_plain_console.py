"""The plain console prints exactly what rich prints, or hands the print to rich.

Redirected `query` output is laid out by `tierscope.plain_console` without importing rich
(a cold start saving). Its promise is byte identity with rich wherever it does not say
`Unsupported`; these tests hold it to that against rich itself: random markup text and
random tables at random widths, the shipped query output of the whole world, and the
escaping of user text. The last tests check that the comparison is not vacuous: the
shipped output never needs rich, and a wrong layout is noticed.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from rich.markup import escape as rich_escape

from tierscope import plain_console as pc
from tierscope.render import print_query_table
from tierscope.service import Project
from tierscope.yardstick_render import print_query_translation
from tierscope.yardsticks import translator_for


def rich_console(width: int, buf: io.StringIO) -> Console:
    """The console tierscope prints redirected output with (see cli.out)."""
    return Console(file=buf, width=width, emoji=False, highlight=False)


def no_rich() -> Console:
    raise AssertionError("the plain console asked for rich")


def both(width: int, draw: Callable[[object], None]) -> tuple[str, str]:
    """What rich prints and what the plain console prints for the same calls."""
    rich_buf, plain_buf = io.StringIO(), io.StringIO()
    draw(rich_console(width, rich_buf))
    draw(pc.PlainConsole(width, lambda: rich_console(width, plain_buf), file=plain_buf))
    return rich_buf.getvalue(), plain_buf.getvalue()


# Words as analysts' data has them: names, numbers with separators, punctuation, the
# non-ASCII characters our output uses, markup-looking brackets and backslashes; rarer,
# what the plain console must leave to rich (wide, combining and control characters).
COMMON = [
    "Israel", "TPP", "790,000,000", "≈", "H100e", "(LPP)", "§742.6(b)(10)", "Côte",
    "d'Ivoire", "—", "x", "a", "[1]", "[bold]", "\\", "\\[dim]", "[/]", "[link=x]",
    "Licences", "within", "the", "country", "allocation", "consignee-year", "é", "\u00a0",
    "", "supercalifragilisticexpialidocious",
]  # fmt: skip
RARE = ["ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ", "\t", "日本", "e\u0301", "\x1b[1m"]
WORDS = st.sampled_from(COMMON * 25 + RARE)
SEPARATORS = st.sampled_from([" ", " ", " ", "  ", "\n", " \n", "   "])


@st.composite
def texts(draw: st.DrawFn, max_words: int = 14) -> str:
    words = draw(st.lists(WORDS, max_size=max_words))
    seps = draw(st.lists(SEPARATORS, min_size=len(words), max_size=len(words)))
    return "".join(w + s for w, s in zip(words, seps, strict=True))


@st.composite
def markup(draw: st.DrawFn) -> str:
    """User text escaped (as literal() does), inside the styles our output uses."""
    style = draw(st.sampled_from(["", "bold", "dim", "yellow", "bold yellow"]))
    body = pc.escape(draw(texts()))
    lead = draw(st.sampled_from(["", "  ", "    "]))
    return f"{lead}[{style}]{body}[/{style}]" if style else lead + body


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(text=markup(), width=st.integers(min_value=1, max_value=130))
def test_text_is_printed_as_rich_prints_it(text: str, width: int):
    expected, got = both(width, lambda c: c.print(text))
    assert got == expected


@settings(max_examples=200, deadline=None)
@given(text=texts(), width=st.integers(min_value=1, max_value=130))
def test_text_without_markup_is_printed_as_rich_prints_it(text: str, width: int):
    expected, got = both(width, lambda c: c.print(text, markup=False, highlight=False))
    assert got == expected


@st.composite
def tables(draw: st.DrawFn) -> pc.TableSpec:
    n = draw(st.integers(min_value=1, max_value=6))
    spec = pc.TableSpec(
        title=draw(st.one_of(st.none(), markup())),
        title_justify=draw(st.sampled_from(["left", "right"])),
    )
    for _ in range(n):
        header = pc.escape(draw(texts(max_words=3)))
        spec.add_column(
            header,
            justify=draw(st.sampled_from(["left", "right"])),
            min_width=draw(st.sampled_from([None, None, None, 0, 3, 12, 22, 30])),
            max_width=draw(st.sampled_from([None, None, None, 1, 5, 24, 44, 50])),
            no_wrap=draw(st.sampled_from([False, False, False, True])),
        )
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        spec.add_row(*(pc.escape(draw(texts(max_words=8))) for _ in range(n)))
    return spec


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(spec=tables(), width=st.integers(min_value=10, max_value=200))
def test_tables_are_laid_out_as_rich_lays_them_out(spec: pc.TableSpec, width: int):
    expected, got = both(width, lambda c: c.print(spec))
    assert got == expected


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(alphabet="[]\\/ab@#=x ", max_size=30),
    context=st.sampled_from(["[bold]{0}[/bold] [dim]{0}[/dim]", "{0}{0}", "{0}[1]{0}", "{0}"]),
)
def test_escaped_text_prints_as_written_wherever_it_stands(text: str, context: str):
    """User text in markup, before a tag, before text or at the end: rich prints it as
    written (rich's own escape loses a backslash before `[` or at the end), and the plain
    console reads the markup as rich does."""
    markup = context.format(pc.escape(text))
    buf = io.StringIO()
    rich_console(1000, buf).print(markup, end="")
    assert buf.getvalue() == context.replace("[bold]", "").replace("[/bold]", "").replace(
        "[dim]", ""
    ).replace("[/dim]", "").format(text)
    assert pc.plain(markup) == buf.getvalue()


def test_escape_agrees_with_rich_where_rich_is_right():
    for text in ("[bold]", "a [b] c", "\\[x]", "[/]", "plain", "[1]"):
        assert pc.escape(text) == rich_escape(text)


@settings(max_examples=150, deadline=None)
@given(
    words=st.lists(
        st.sampled_from(["Israel", "790,000,000", "TPP", "≈", "consignee"]), max_size=30
    ),
    n=st.integers(min_value=1, max_value=4),
    width=st.integers(min_value=100, max_value=160),
)
def test_ordinary_tables_need_no_rich(words: list[str], n: int, width: int):
    """Short words, up to four columns, a console at least 100 wide: always laid out
    here (so the comparisons above compare, and narrowed tables are among them)."""
    spec = pc.TableSpec()
    for i in range(n):
        spec.add_column(f"Column {i}", max_width=40 if i == 0 else None)
    for k in range(0, len(words), n):
        row = [" ".join(words[k : k + 1 + i]) for i in range(n)]
        spec.add_row(*row)
    pc.table_lines(spec, width)


def test_characters_taken_as_one_cell_are_one_cell_for_rich():
    for c in [*pc._ONE_CELL, *(chr(o) for o in range(0xA0, 0x300))]:
        assert cell_len(c) == 1, repr(c)


# --------------------------------------------------------------------- the shipped output


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.shipped()


def query_output(project: Project, console_for: Callable[[io.StringIO], object], cases) -> str:
    buf = io.StringIO()
    console = console_for(buf)
    tr = translator_for(project, None, None)
    for code, scenario, day in cases:
        r = project.query(code, scenario, day, {}, item="3A090.a")
        print_query_table(console, [r], [])
        print_query_translation(console, r, tr)
    return buf.getvalue()


def world_cases(project: Project) -> list[tuple[str, str, dt.date]]:
    """Every country under the law in force now and under the framework while it stood;
    every shipped scenario for a spread of countries, on dates either side of its changes."""
    codes = list(project.rulebase.countries)
    cases = [(c, "current-law", dt.date(2026, 11, 29)) for c in codes]
    cases += [(c, "framework-2025", dt.date(2025, 3, 1)) for c in codes]
    spread = [*codes[::12], "IL", "AE", "SA", "CN", "MY", "IN", "US"]
    for scenario in project.scenario_ids():
        for day in (dt.date(2025, 1, 13), dt.date(2025, 9, 1), dt.date(2026, 7, 10)):
            cases += [(c, scenario, day) for c in spread]
    return cases


def test_the_worlds_query_output_is_rich_s_without_rich(project: Project):
    cases = []
    for case in world_cases(project):
        try:  # a regime not in force on a date has no answer to print
            project.query(*case, {}, item="3A090.a")
        except Exception:
            continue
        cases.append(case)
    assert len(cases) > 700
    expected = query_output(project, lambda buf: rich_console(120, buf), cases)
    got = query_output(project, lambda buf: pc.PlainConsole(120, no_rich, file=buf), cases)
    assert got == expected


def test_a_wrong_layout_is_noticed(project: Project, monkeypatch: pytest.MonkeyPatch):
    """The comparison above is not vacuous: one cell of padding less and it fails."""
    monkeypatch.setattr(pc, "_justify", lambda line, width, how: line.ljust(width - 1))
    cases = [("IL", "framework-2025", dt.date(2025, 3, 1))]
    expected = query_output(project, lambda buf: rich_console(120, buf), cases)
    got = query_output(project, lambda buf: pc.PlainConsole(120, no_rich, file=buf), cases)
    assert got != expected


def test_what_it_cannot_lay_out_goes_to_rich():
    spec = pc.TableSpec()
    spec.add_column("Narrow", max_width=5, no_wrap=True)
    spec.add_row("a cell far wider than five")
    asked = []

    def fallback() -> Console:
        asked.append(True)
        return rich_console(80, buf)

    buf = io.StringIO()
    pc.PlainConsole(80, fallback, file=buf).print(spec)
    assert asked and "…" in buf.getvalue()  # rich's ellipsis: rich printed it


def test_a_deal_keeps_its_status_in_brackets(project: Project):
    """A deal's status in brackets after its title is text, not a style tag for rich to
    swallow (it was, until the plain console refused the unknown tag)."""
    day = dt.date(2026, 11, 29)
    deals = project.query("AE", "current-law", day, {}, item="3A090.a").deals
    assert deals
    text = " ".join(
        query_output(
            project, lambda buf: rich_console(120, buf), [("AE", "current-law", day)]
        ).split()
    )
    for d in deals:
        assert f"{' '.join(d.title.split())} [{d.status.value}]" in text


@pytest.mark.parametrize(
    ("env", "tty", "encoding", "plain"),
    [
        ({}, False, "utf-8", True),
        ({}, True, "utf-8", False),
        ({"FORCE_COLOR": "1"}, False, "utf-8", False),
        ({"TTY_COMPATIBLE": "1"}, False, "utf-8", False),
        ({}, False, "ascii", False),
    ],
)
def test_plain_only_where_rich_would_print_plain_unicode(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], tty: bool, encoding: str, plain: bool
):
    for k in ("FORCE_COLOR", "TTY_COMPATIBLE", "JUPYTER_COLUMNS"):
        monkeypatch.delenv(k, raising=False)
    for k, v in env.items():
        monkeypatch.setenv(k, v)

    class Stream(io.StringIO):
        def isatty(self) -> bool:
            return tty

        @property
        def encoding(self) -> str:  # type: ignore[override]
            return encoding

    got = pc.plain_console_for(Stream(), 120, lambda: "rich")
    assert isinstance(got, pc.PlainConsole) is plain
