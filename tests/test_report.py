"""`tierscope report`: the HTML holds every requested country, scenario and citation, loads
nothing from the network, and renders with visible charts in a real headless Chromium."""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from tierscope.cli import main
from tierscope.report_charts import PALETTE
from tierscope.service import Project
from tierscope.yardsticks import load_yardsticks

from .cli_run import run

COUNTRIES = ("IL", "AE", "SA", "IN")
SCENARIOS = ("current-law", "framework-2025")
AS_OF = "2026-02-01"
WIDTH, HEIGHT = 1280, 7000
# Flags that keep the browser itself from phoning home; the page is judged separately.
FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars",
)  # fmt: skip


@pytest.fixture(scope="module")
def report_files(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("report")
    for name in ("report.html", "report.md"):
        args = ["report", *COUNTRIES, *(a for s in SCENARIOS for a in ("-s", s)), "--as-of",
                AS_OF, "-o", str(out / name)]  # fmt: skip
        with pytest.raises(SystemExit) as exc:
            main(args)
        assert (exc.value.code or 0) == 0
    return {"html": out / "report.html", "md": out / "report.md", "dir": out}


def _citations(project: Project) -> set[str]:
    """Every citation the report's answers rest on, read from the engine, not typed here."""
    day = dt.date.fromisoformat(AS_OF)
    cites: set[str] = set()
    for c in COUNTRIES:
        for s in SCENARIOS:
            r = project.query(c, s, day)
            for p in r.pathways:
                cites.update(p.citations)
                cites.update(ref for u in p.parameters for ref in u.references)
            for d in r.deals:
                cites.update(d.citations)
    for y in load_yardsticks(project.rules_dir).values():
        for f in y.figures().values():
            cites.update(r.text for r in f.references)
    return cites


def test_html_names_every_country_scenario_and_citation(report_files, project):
    text = report_files["html"].read_text(encoding="utf-8")
    for c in COUNTRIES:
        assert f">{c}<" in text
        assert (
            html.escape(project.query(c, "framework-2025", dt.date(2025, 6, 1)).country_name)
            in text
        )
    for s in SCENARIOS:
        assert f">{s}<" in text
    missing = [c for c in _citations(project) if html.escape(c.rsplit(" <", 1)[0]) not in text]
    assert not missing, missing[:3]
    for section in ("The regime in force on", "Summary", "Ceilings over time", "Appendix",
                    "facts, not law", "Yardsticks"):  # fmt: skip
        assert section in text
    assert text.count("<svg") == 3  # the three charts inline (pathways, timeline, routes)


def test_html_is_self_contained(report_files):
    text = report_files["html"].read_text(encoding="utf-8").lower()
    for bad in ("<script", "<link", "<iframe", "@import", "url(http", 'src="http', "src='http"):
        assert bad not in text, bad
    assert "content-security-policy" in text and "default-src 'none'" in text


def test_markdown_has_the_same_content_and_svg_beside_it(report_files):
    md = report_files["md"].read_text(encoding="utf-8")
    for c in COUNTRIES:
        assert f"| {c} |" in md
    svgs = sorted(report_files["dir"].glob("report-*.svg"))
    assert [p.name for p in svgs] == [
        "report-pathways.svg",
        "report-routes.svg",
        "report-timeline.svg",
    ]
    for p in svgs:
        assert f"({p.name})" in md
        ET.parse(p)  # well-formed SVG files


def test_report_rejects_other_suffixes_and_unknown_input(capsys, tmp_path):
    code, _, err = run(capsys, "report", "IL", "-o", str(tmp_path / "r.pdf"))
    assert code == 2 and ".html or .md" in err
    code, _, err = run(capsys, "report", "Atlantis", "-o", str(tmp_path / "r.html"))
    assert code == 2 and err.count("\n") == 1
    code, _, err = run(capsys, "report", "IL", "-s", "nope", "-o", str(tmp_path / "r.html"))
    assert code == 2 and not (tmp_path / "r.html").exists()


# ------------------------------------------------------------------ in a real browser


def _browser() -> str | None:
    for name in (os.environ.get("TIERSCOPE_CHROMIUM"), "chromium", "chromium-browser",
                 "google-chrome"):  # fmt: skip
        if name and (path := shutil.which(name)):
            return path
    return None


def _render(page: Path, workdir: Path) -> tuple[Path, Path]:
    browser = _browser()
    if browser is None:
        pytest.skip(
            "no Chromium found (install Debian's `chromium` package, or set TIERSCOPE_CHROMIUM): "
            "the report was not rendered in a browser"
        )
    shot, netlog = workdir / f"{page.stem}.png", workdir / f"{page.stem}.netlog.json"
    profile = workdir / f"profile-{page.stem}"  # a fresh profile every run
    subprocess.run(
        [browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={WIDTH},{HEIGHT}",
         f"--screenshot={shot}", f"--log-net-log={netlog}", page.as_uri()],
        check=True, timeout=180, capture_output=True,
    )  # fmt: skip
    return shot, netlog


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked for over the network (the browser's own background
    requests have no page origin and are left out)."""
    data = json.loads(netlog.read_text())
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for e in data["events"]:
        p = e.get("params", {})
        from_page = "file://" in p.get("network_isolation_key", "")
        if e["type"] == start and from_page and not p.get("url", "").startswith(("file:", "data:")):
            urls.append(p["url"])
    return urls


def _chart_pixels(shot: Path) -> int:
    from PIL import Image

    img = Image.open(shot).convert("RGB")
    assert img.size == (WIDTH, HEIGHT)
    colours = [tuple(int(c[i : i + 2], 16) for i in (1, 3, 5)) for c in PALETTE[:6]]
    import numpy as np

    px = np.asarray(img.resize((WIDTH // 4, HEIGHT // 4)), dtype=int)
    near = np.zeros(px.shape[:2], dtype=bool)
    for c in colours:
        near |= np.abs(px - np.array(c)).sum(axis=2) < 40
    return int(near.sum())


def test_report_renders_in_headless_chromium_with_charts_and_no_network(report_files, tmp_path):
    shot, netlog = _render(report_files["html"], tmp_path)
    assert shot.stat().st_size > 50_000
    assert _chart_pixels(shot) > 3000  # bars and lines in the chart palette are on screen
    assert page_requests(netlog) == []


def test_the_network_check_sees_a_page_that_loads_from_the_network(tmp_path):
    """Control: the same check flags a page with a remote image and stylesheet."""
    page = tmp_path / "remote.html"
    page.write_text('<img src="http://example.invalid/x.png">'
                    '<link rel="stylesheet" href="https://example.invalid/a.css">')  # fmt: skip
    _, netlog = _render(page, tmp_path)
    assert len(page_requests(netlog)) == 2


def test_blank_page_has_no_chart_pixels(tmp_path):
    """Control: the pixel check does not pass a page without charts."""
    page = tmp_path / "blank.html"
    page.write_text("<p>no charts here</p>")
    shot, _ = _render(page, tmp_path)
    assert _chart_pixels(shot) < 100


# ------------------------------------------------------------------ routes


def _route_rows(rep):
    from tierscope.report import Heading, TableBlock

    i = next(i for i, b in enumerate(rep.blocks) if isinstance(b, Heading) and b.anchor == "routes")
    return next((b for b in rep.blocks[i:] if isinstance(b, TableBlock)), None), rep.blocks[i + 1]


def test_routes_section_translates_gains_from_the_pathways_module(project, monkeypatch):
    """With a routes module present (`tierscope pathways`), each route and its gain appear,
    read as chips, DeepSeek-V3 runs and Israel-1s; its citations go to the appendix."""
    import sys
    import types
    from types import SimpleNamespace as NS

    from tierscope.models.common import Status
    from tierscope.report import Chart, build_report
    from tierscope.yardsticks import translator_for

    gain_tpp = 32_423_936  # one Israel-1 (2,048 x 15,832 TPP)
    route = NS(id="g2g", title="A government-to-government arrangement", state="open", unmet=[],
               gain=NS(tpp=gain_tpp, text=f"{gain_tpp:+,} TPP"), status=Status.secondary,
               citations=["Supp. No. 10 to part 748, para. 12"], references=[])  # fmt: skip
    closed = NS(id="tier1", title="Listing in Supp. No. 5(a)", state="closed",
                unmet=["needs a listing"], gain=None, status=Status.primary,
                citations=["Supp. No. 5 to part 740"], references=[])  # fmt: skip
    other = NS(id="deal", title="A bilateral deal", state="closed", unmet=["other regime"],
               gain=None, status=Status.secondary, citations=["x"], references=[],
               regimes=["post-rescission"])  # fmt: skip
    route.regimes = closed.regimes = ["framework-2025"]
    fake = types.ModuleType("tierscope.route_report")
    fake.pathways_report = lambda *a, **k: NS(routes=[route, closed, other])  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tierscope.route_report", fake)
    tr = translator_for(project, "H100")
    rep = build_report(project, ["IL"], ["framework-2025"], dt.date(2025, 6, 1), tr)
    table, _ = _route_rows(rep)
    texts = [[c.text for c in row] for row in table.rows]
    assert texts[0][2] == route.title and texts[0][3] == "open"
    assert texts[0][5] == "+2,048"  # the gain in H100 chips
    assert texts[0][7] == "+1.00"  # one Israel-1
    assert texts[1][3] == "closed" and texts[1][4] == "needs a listing"
    assert texts[2][2] == "1 route of other regimes"  # listed by `tierscope pathways` only
    cites = {c for e in rep.appendix.entries.values() for c in e.citations}
    assert {"Supp. No. 10 to part 748, para. 12", "Supp. No. 5 to part 740"} <= cites
    chart = next(b for b in rep.blocks if isinstance(b, Chart) and b.name == "routes")
    assert "A government-to-government arrangement" in chart.svg and "+2,048" in chart.svg


def test_routes_section_says_when_there_is_no_pathways_module(project, monkeypatch):
    import sys

    from tierscope.report import NO_ROUTES, Para, build_report
    from tierscope.yardsticks import translator_for

    monkeypatch.setitem(sys.modules, "tierscope.route_report", None)  # import fails
    rep = build_report(project, ["IL"], ["framework-2025"], dt.date(2025, 6, 1),
                       translator_for(project))  # fmt: skip
    _, after = _route_rows(rep)
    assert isinstance(after, Para) and after.text == NO_ROUTES


def test_timeline_draws_a_dated_schedule_of_a_closed_pathway(tmp_path):
    """A pathway closed for the country whose ceiling is a dated schedule (as the NVEU
    installed base, quarter by quarter) is drawn as a dotted 'if opened' line; an open one
    with a schedule steps on the change dates. The schedule here is a test fixture: a
    second dated value added to a copy of the NVEU parameter."""
    from tierscope.report import Chart, build_report
    from tierscope.yardsticks import translator_for

    rules = tmp_path / "rules"
    shutil.copytree(Project.shipped().rules_dir, rules)
    param = rules / "parameters" / "framework_2025" / "nveu_installed_base_tpp.yaml"
    data = yaml.safe_load(param.read_text())
    if len(data["values"]) < 2:  # make it a schedule: a second dated value
        first = next(iter(data["values"].values()))
        data["values"][dt.date(2026, 1, 1)] = {**first, "value": first["value"] * 2}
        param.write_text(yaml.safe_dump(data, sort_keys=False))
    project = Project(rules, Project.shipped().countries_dir)
    rep = build_report(project, ["CN", "IN"], ["framework-2025"], dt.date(2025, 6, 1),
                       translator_for(project))  # fmt: skip
    svg = next(b for b in rep.blocks if isinstance(b, Chart) and b.name == "timeline").svg
    assert "schedule of a closed pathway, if opened" in svg  # China: NVEU closed (Tier 3)
    assert "National VEU data centre" in svg


def test_report_on_a_date_a_scenario_is_not_in_force_says_so(capsys, tmp_path):
    out = tmp_path / "early.html"
    code, _, _ = run(capsys, "report", "IL", "-s", "framework-2025", "-s", "current-law",
                     "--as-of", "2024-06-01", "-o", str(out))  # fmt: skip
    assert code == 0
    text = out.read_text(encoding="utf-8")
    assert "not in force on this date" in text and text.count("<svg") == 2
