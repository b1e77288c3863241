"""The HTML report: one self-contained page with the chart, the table, and the
articles behind every number.

Self-contained means it opens offline by double-click: Vega, Vega-Lite and
vega-embed are inlined (vl-convert bundles them), and the page's Content
Security Policy (``default-src 'none'``) forbids every network request, so a
page cannot phone home even if a future bundle tried to.

Safe with hostile titles: all input text reaches the page either through
``html.escape`` (the table) or inside a JSON block whose ``<``, ``>`` and
``&`` are ``\\u``-escaped, read with ``JSON.parse`` and shown with
``textContent`` (never ``innerHTML``); only ``http(s)`` links become links.
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence
from typing import Any

from .charts.shares_vega import share_chart_spec
from .drilldown import CellArticle, cell_key
from .periods import UNDATED
from .render import duplicates_note
from .rows import ReportRow

CSP = ("default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; "
       "img-src data:")  # Vega compiles its expressions with Function(), hence 'unsafe-eval'

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 76rem; padding: 0 1rem; color: #222; }
h1 { font-size: 1.4rem; margin-bottom: .2rem; }
.note { color: #555; margin: .3rem 0; }
#chart { width: 100%; margin: 1rem 0; }
.table-wrap { overflow-x: auto; max-height: 34rem; overflow-y: auto; border: 1px solid #ddd; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; width: 100%; }
th, td { padding: .25rem .55rem; border-bottom: 1px solid #eee; text-align: right; white-space: nowrap; }
th { position: sticky; top: 0; background: #f6f6f6; }
td.period, td.source, th.period, th.source { text-align: left; }
td.cell { cursor: pointer; }
td.cell:hover, td.cell:focus, td.cell.selected { background: #fff3c4; outline: none; }
#articles { margin-top: 1rem; }
#articles ol { padding-left: 1.6rem; }
#articles li { margin: .3rem 0; }
.meta { color: #666; font-size: .9em; }
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var heading = document.getElementById("articles-heading");
  var list = document.getElementById("articles-list");
  var SEP = "\u001f";

  function show(period, source, theme) {
    var key = period + SEP + (source || "") + SEP + theme;
    var items = data.articles[key] || [];
    var count = data.counts[key] || 0;
    var where = period + (source ? " (" + source + ")" : "");
    heading.textContent = theme + " \u2014 " + where + ": " + count + " article" + (count === 1 ? "" : "s")
      + (count > items.length ? ", the " + items.length + " highest-scoring shown" : "");
    list.textContent = "";
    document.getElementById("articles-hint").hidden = true;
    items.forEach(function (a) {
      var li = document.createElement("li");
      var title = a[0] || "(untitled)";
      var link = a[4] || "";
      var name;
      if (/^https?:\/\//i.test(link)) {
        name = document.createElement("a");
        name.href = link;
        name.rel = "noopener noreferrer";
      } else {
        name = document.createElement("span");
        if (link) { name.title = link; }
      }
      name.className = "title";
      name.textContent = title;
      li.appendChild(name);
      var meta = document.createElement("div");
      meta.className = "meta";
      meta.textContent = [a[1] || "undated", a[2], "score " + a[3].toFixed(3), link && !name.href ? link : ""]
        .filter(Boolean).join(" \u00b7 ");
      li.appendChild(meta);
      list.appendChild(li);
    });
    document.querySelectorAll("td.cell.selected").forEach(function (td) { td.classList.remove("selected"); });
    document.querySelectorAll("td.cell").forEach(function (td) {
      if (td.dataset.period === period && (td.dataset.source || "") === (source || "") && td.dataset.theme === theme) {
        td.classList.add("selected");
      }
    });
  }
  window.showArticles = show;

  document.querySelectorAll("td.cell").forEach(function (td) {
    var open = function () { show(td.dataset.period, td.dataset.source, td.dataset.theme); };
    td.addEventListener("click", open);
    td.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); open(); }
    });
  });

  if (data.chart) {
    vegaEmbed("#chart", data.chart, {actions: false, renderer: "svg"}).then(function (result) {
      window.reportView = result.view;
      result.view.addEventListener("click", function (event, item) {
        var d = item && item.mark && item.mark.marktype === "symbol" ? item.datum : null;
        if (d && d.theme && d.period) { show(d.period, d.source, d.theme); }
      });
      document.body.dataset.chart = "ready";
    }).catch(function (err) { console.error(err); });
  }
})();
"""


def script_json(value: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: no ``</script>``, ``<!--`` or
    line separator in any string can end the element or break the parse."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _script_safe(code: str) -> str:
    """Inlined library code cannot end its own element early."""
    return code.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT").replace("<!--", "<\\!--")


def vega_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script defining ``vegaEmbed``, for the
    Vega-Lite version altair writes (bundled by vl-convert, no network)."""
    import altair as alt
    import vl_convert

    vl_version = "_".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    bundle: Any = vl_convert.javascript_bundle  # its stub wants a snippet; None bundles vega-embed alone
    return _script_safe(bundle(None, vl_version=vl_version))


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{100 * value:.1f}%"


def _table(rows: Sequence[ReportRow]) -> str:
    first = rows[0]
    themes = list(first.themes)
    head = ['<th class="period">period</th>'] + (['<th class="source">outlet</th>'] if first.source is not None
                                                 else []) + ["<th>n</th>"]
    for theme in themes:
        head.append(f"<th>{html.escape(theme)}</th>")
        if first.adjusted:
            head.append(f"<th>{html.escape(theme)} adjusted (90% interval)</th>")
    head.append("<th>none</th>")
    if first.duplicates is not None:
        head.append("<th>duplicates</th>")
    body = []
    for row in rows:
        period = html.escape(row.period)
        source = html.escape(row.source or "")
        cells = [f'<td class="period">{period}</td>']
        if row.source is not None:
            cells.append(f'<td class="source">{source}</td>')
        cells.append(f"<td>{row.n}</td>")
        for theme in themes:
            cell = row.themes[theme]
            text = f"{cell.count} ({_pct(cell.share) if row.n else '–'})"
            if cell.count:
                cells.append(f'<td class="cell" tabindex="0" data-period="{period}" data-source="{source}" '
                             f'data-theme="{html.escape(theme)}">{text}</td>')
            else:
                cells.append(f"<td>{text}</td>")
            if row.adjusted:
                cells.append("<td>n/a</td>" if cell.adjusted is None else
                             f"<td>{_pct(cell.adjusted)} ({_pct(cell.low)}–{_pct(cell.high)})</td>")
        cells.append(f"<td>{row.none} ({_pct(row.none_share) if row.n else '–'})</td>")
        if row.duplicates is not None:
            cells.append(f"<td>{row.duplicates}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return ("<table><thead><tr>" + "".join(head) + "</tr></thead><tbody>\n" + "\n".join(body)
            + "\n</tbody></table>")


def report_page(rows: Sequence[ReportRow], themes: Sequence[str], drilldown: Mapping[str, Sequence[CellArticle]],
                *, by: str = "month", limit: int, keep_duplicates: bool = False,
                title: str | None = None, model: str | None = None) -> str:
    """The whole HTML page as a string (see the module docstring).

    ``drilldown`` is ``drilldown.cell_articles``' result for the same articles
    and cut-offs as ``rows``; ``limit`` is the cap it was made with, stated on
    the page.
    """
    dated = [r for r in rows if r.period != UNDATED and r.n]
    chart = share_chart_spec(rows, themes, by=by) if dated else None
    counts = {cell_key(r.period, r.source, t): c.count for r in rows for t, c in r.themes.items() if c.count}
    articles = {key: [[a.title, a.published, a.source, round(a.score, 4), a.link] for a in items]
                for key, items in drilldown.items()}
    data = {"chart": chart, "counts": counts, "articles": articles}

    adjusted = bool(rows) and rows[0].adjusted
    heading = title or (f"Theme {'adjusted shares' if adjusted else 'shares'} by {by}"
                        + (" and outlet" if rows and rows[0].source is not None else ""))
    total = sum(r.n for r in rows)
    notes = [f"{total:,} articles counted" + (f", tagged by model {model}" if model else "") + "."]
    duplicates = duplicates_note(rows, keep_duplicates)
    if duplicates:
        notes.append(duplicates[0].upper() + duplicates[1:])
    if adjusted:
        notes.append("Lines show ACC-adjusted shares; shaded bands are 90% intervals. "
                     "Themes that cannot be adjusted are drawn from their raw share.")
    notes.append(f"Click a point or a table cell to list its articles: at most {limit} per cell, "
                 "highest-scoring first (the count is always the full count). Click a legend entry "
                 "to show or hide a theme.")
    note_html = "\n".join(f'<p class="note">{html.escape(n)}</p>' for n in notes)
    chart_html = ('<div id="chart"></div>' if chart else
                  '<p class="note">No chart: no dated articles.</p>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(heading)}</title>
<style>{STYLE}</style>
<script>{vega_bundle() if chart else ""}</script>
</head>
<body>
<h1>{html.escape(heading)}</h1>
{note_html}
{chart_html}
<div class="table-wrap">{_table(rows) if rows else ""}</div>
<section id="articles">
<h2 id="articles-heading">Articles</h2>
<p class="note" id="articles-hint">Click a point or a cell to list the articles behind it.</p>
<ol id="articles-list"></ol>
</section>
<script type="application/json" id="report-data">{script_json(data)}</script>
<script>{SCRIPT}</script>
</body>
</html>
"""
