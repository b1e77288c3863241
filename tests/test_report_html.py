"""Tests of ``report --format html``: the page's content and escaping (no browser),
then the page in Chromium through Playwright (skipped, with a reason, when
Chromium or Playwright is missing).

Expected counts come from the hand-made records of ``test_report``.
"""

import json
import re
from pathlib import Path

import pytest

from kcna_themes.report.drilldown import cell_articles, cell_key
from kcna_themes.report.html_page import script_json
from kcna_themes.report.reading import TaggedArticle

from .test_report import ARTICLES, THEMES, record, run, write_jsonl, write_model

CHROMIUM = "/usr/bin/chromium"
HOSTILE = "</script><script>window.pwned = 1</script> <b>Kim</b> & <!-- sport"


@pytest.fixture(scope="module")
def tagged(tmp_path_factory):
    folder = tmp_path_factory.mktemp("html")
    extra = record(20, "2011-03-09", "KCNA", ["leader"], leader=0.97)
    extra.update(title=HOSTILE, url="https://kcnawatch.example/article/20", duplicate_of=None)
    copy = record(21, "2011-03-10", "Naenara", ["leader"])
    copy["duplicate_of"] = "a20"
    records = [dict(r, duplicate_of=None) for r in ARTICLES] + [extra, copy]
    return write_jsonl(folder / "tagged.jsonl", records)


@pytest.fixture(scope="module")
def page(tagged):
    out = tagged.parent / "report.html"
    result = run([tagged, "-o", out])  # html from the suffix
    assert result.exit_code == 0, result.output
    return out


def data_of(html):
    return json.loads(re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)[1])


def test_page_is_self_contained_and_holds_chart_table_and_articles(page):
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "default-src 'none'" in html  # the page may not fetch anything
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)  # no CDN, no remote script or style
    assert "vegaEmbed" in html and '<div id="chart">' in html
    data = data_of(html)
    assert data["chart"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")  # an id, not fetched
    # Jan: 3 articles, 2 leader; Mar: 3 counted (a04, a05, a20), a21 is a copy set aside
    assert data["counts"][cell_key("2011-01", None, "leader")] == 2
    assert data["counts"][cell_key("2011-03", None, "leader")] == 2
    mar = data["articles"][cell_key("2011-03", None, "leader")]
    assert [a[0] for a in mar] == [HOSTILE, "article 5"]  # highest score first: 0.97, then 0.9
    assert mar[0][1:] == ["2011-03-09", "KCNA", 0.97, "https://kcnawatch.example/article/20"]
    assert "1 duplicate copy of stories already counted set aside" in html
    assert "at most 50 per cell" in html


def test_hostile_title_cannot_leave_its_script_element(page):
    html = page.read_text(encoding="utf-8")
    assert "window.pwned" in html  # it is there, but only escaped inside JSON
    assert html.count("</script>") == 3  # the bundle, the data, the page script: nothing from the data
    assert "<script>window.pwned" not in html


def test_script_json_escapes_markup_and_line_separators():
    text = script_json({"t": "</script><!-- & \u2028"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == {"t": "</script><!-- & \u2028"}


def test_cell_articles_are_capped_and_ordered_by_score():
    articles = [TaggedArticle(id=f"x{i}", published=None, source="KCNA", themes=frozenset({"leader"}),
                              scores={"leader": 0.5 + i / 100}, model="m", title=f"t{i}") for i in range(10)]
    cells = cell_articles(articles, ["leader"], by="month", limit=3)
    assert [a.title for a in cells[cell_key("undated", None, "leader")]] == ["t9", "t8", "t7"]


def test_html_with_adjust_and_by_source(tagged, tmp_path):
    model = write_model(tmp_path / "model")
    out = tmp_path / "r.html"
    result = run([tagged, "--format", "html", "-o", out, "--adjust", "--model", model, "--by-source",
                  "--articles-per-cell", "1"])
    assert result.exit_code == 0, result.output
    html = out.read_text(encoding="utf-8")
    data = data_of(html)
    assert "at most 1 per cell" in html and "90% intervals" in html
    assert len(data["articles"][cell_key("2011-01", "KCNA", "leader")]) == 1
    assert data["counts"][cell_key("2011-01", "KCNA", "leader")] == 2
    assert "facet" in data["chart"]


def test_html_of_undated_articles_has_no_chart_but_a_table(tmp_path):
    path = write_jsonl(tmp_path / "t.jsonl", [ARTICLES[6], ARTICLES[7]])
    result = run([path, "--format", "html"])
    assert result.exit_code == 0, result.output
    assert "No chart: no dated articles." in result.stdout
    assert len(result.stdout) < 50_000  # no chart, so no Vega bundle
    assert data_of(result.stdout)["chart"] is None
    assert data_of(result.stdout)["counts"] == {cell_key("undated", None, "heritage"): 1}


# ----------------------------------------------------------------- in the browser


def _browser():
    """A Playwright Chromium (Debian's) or a skip with the reason."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"browser test: {CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("browser test: playwright is not installed (pip install playwright)")
    return sync_playwright


@pytest.fixture(scope="module")
def browser_page(page):
    sync_playwright = _browser()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1100, "height": 900})
        errors, requests = [], []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))

        def block(route):
            if route.request.url.startswith("file:"):
                route.continue_()
            else:
                requests.append(route.request.url)
                route.abort()

        tab.route("**/*", block)
        tab.goto(page.as_uri())
        tab.wait_for_selector("body[data-chart=ready]", timeout=30_000)
        yield tab, errors, requests
        browser.close()


def test_page_renders_offline_without_errors(browser_page):
    tab, errors, requests = browser_page
    assert errors == [] and requests == []
    assert tab.locator("table tbody tr").count() == 5  # Jan..Apr and undated


def test_chart_has_one_series_per_theme(browser_page):
    tab, _, _ = browser_page
    assert tab.locator("#chart g.mark-line path").count() == len(THEMES)
    legend = tab.locator("#chart .role-legend-label text").all_text_contents()
    assert legend == THEMES


def test_clicking_a_cell_lists_its_articles_and_a_title_with_script_is_text(browser_page):
    tab, errors, _ = browser_page
    tab.click("td.cell[data-period='2011-03'][data-theme='leader']")
    assert tab.locator("#articles-heading").text_content() == "leader — 2011-03: 2 articles"
    titles = tab.locator("#articles-list .title").all_text_contents()
    assert titles == [HOSTILE, "article 5"]
    assert tab.locator("#articles-list a").first.get_attribute("href") == "https://kcnawatch.example/article/20"
    assert tab.locator("#articles-list script, #articles-list b").count() == 0
    assert tab.evaluate("window.pwned") is None
    assert errors == []


def test_clicking_a_point_lists_its_articles(browser_page):
    tab, _, _ = browser_page
    point = tab.locator("#chart g.mark-symbol.role-mark path[aria-label*='period: 2011-01;']"
                        "[aria-label*='theme: diplomacy;']")
    assert point.count() == 1
    point.click()
    assert tab.locator("#articles-heading").text_content() == "diplomacy — 2011-01: 1 article"
    assert tab.locator("#articles-list .title").all_text_contents() == ["article 2"]


def test_clicking_a_legend_entry_toggles_themes(browser_page):
    tab, _, _ = browser_page
    lines = tab.locator("#chart g.mark-line path")
    tab.locator("#chart .role-legend-label text", has_text="sport").click()
    faded = [lines.nth(i).get_attribute("opacity") for i in range(lines.count())]
    assert faded.count("0.08") == len(THEMES) - 1
    tab.locator("#chart .role-legend-label text", has_text="sport").click(modifiers=["Shift"])  # unselect
