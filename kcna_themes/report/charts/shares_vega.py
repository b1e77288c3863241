"""The interactive chart of theme shares over the periods, as a Vega-Lite spec (via altair).

The HTML report embeds it: hovering a point shows its values, clicking a
legend entry shows or hides a theme, and clicking a point lists the articles
behind it (the page listens for the click; see ``report.html``). With
``--adjust`` the line is the adjusted share and a band its 90% interval; a
theme that cannot be adjusted is drawn from its raw share, as in the PNG.

altair is imported only here, when an HTML report is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..periods import UNDATED
from ..rows import ReportRow
from .colours import theme_colours


def share_points(rows: Sequence[ReportRow], themes: Sequence[str]) -> list[dict[str, Any]]:
    """One point per dated row and theme: the chart's data, in long form.

    ``value`` is what the line shows: the adjusted share when there is one,
    else the raw share. Rows with no articles have no value (a gap in the
    line, not a zero).
    """
    points = []
    for row in rows:
        if row.period == UNDATED:
            continue
        for theme in themes:
            cell = row.themes[theme]
            value = None if row.n == 0 else cell.adjusted if cell.adjusted is not None else cell.share
            points.append({"period": row.period, "source": row.source or "", "theme": theme, "n": row.n,
                           "count": cell.count, "share": cell.share, "value": value,
                           "adjusted": cell.adjusted, "low": cell.low, "high": cell.high})
    return points


def share_chart_spec(rows: Sequence[ReportRow], themes: Sequence[str], *, by: str = "month") -> dict[str, Any]:
    """The Vega-Lite spec (a JSON-ready dict) of theme shares per period, one line per theme."""
    import altair as alt

    points = share_points(rows, themes)
    periods = list(dict.fromkeys(p["period"] for p in points))
    adjusted = any(r.adjusted for r in rows)
    by_source = any(r.source is not None for r in rows)
    colours = theme_colours(themes)
    legend = alt.selection_point(fields=["theme"], bind="legend", name="legend")
    colour = alt.Color("theme:N", title="theme (click to show/hide)",
                       scale=alt.Scale(domain=list(themes), range=[colours[t] for t in themes]),
                       sort=list(themes), legend=alt.Legend(symbolOpacity=1.0))
    x = alt.X("period:O", sort=periods, title=f"period ({by})", axis=alt.Axis(labelOverlap=True, labelAngle=-45))
    y_title = "adjusted share of articles" if adjusted else "share of articles"
    y = alt.Y("value:Q", title=y_title, axis=alt.Axis(format="%"))
    tooltip = [alt.Tooltip("period:O"), alt.Tooltip("theme:N"), alt.Tooltip("count:Q", title="articles"),
               alt.Tooltip("n:Q", title="of"), alt.Tooltip("share:Q", format=".1%")]
    if by_source:
        tooltip.insert(1, alt.Tooltip("source:N", title="outlet"))
    if adjusted:
        tooltip += [alt.Tooltip("adjusted:Q", format=".1%"), alt.Tooltip("low:Q", format=".1%", title="90% low"),
                    alt.Tooltip("high:Q", format=".1%", title="90% high")]
    shown = alt.condition(legend, alt.value(1.0), alt.value(0.08))

    base = alt.Chart()
    line = base.mark_line(strokeWidth=1.8, invalid="break-paths-show-domains").encode(
        x=x, y=y, color=colour, opacity=shown, detail="theme:N")
    dots = base.transform_filter("datum.value != null").mark_point(filled=True, size=40, cursor="pointer").encode(
        x=x, y=y, color=colour, opacity=shown, tooltip=tooltip)
    layers: list[Any] = [line, dots]
    if adjusted:
        band = base.transform_filter("datum.low != null").mark_area(opacity=0.15).encode(
            x=x, y=alt.Y("low:Q", title=y_title), y2="high:Q", color=colour,
            opacity=alt.condition(legend, alt.value(0.15), alt.value(0.0)))
        layers.insert(0, band)
    chart = alt.layer(*layers, data=alt.Data(values=points)).add_params(legend)
    chart = chart.properties(width=640, height=180) if by_source else chart.properties(width="container", height=320)
    if by_source:
        chart = chart.facet(row=alt.Row("source:N", title="outlet"))
    return chart.to_dict()
